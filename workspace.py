"""The workspace: what one user is working on, and where uploaded frames live.

The workspace itself is a small JSON dict kept in the browser's session storage
(``dcc.Store(storage_type="session")`` in app.py), so each browser tab session has
its own and nobody sees another's. Uploaded files are parsed once and the parsed
frame is cached server side under the SHA-256 of the file's bytes; only that key
travels in the workspace. The cache is a diskcache folder (``PORTFOLIO_DESK_CACHE``)
or, when ``REDIS_URL`` is set, Redis, so Celery workers on other machines see it.

This module knows no Dash: pages call :func:`resolve` to turn the JSON into frames.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from finance_core import data
from finance_core.errors import DataError

__all__ = [
    "DEFAULT",
    "WorkspaceData",
    "Controls",
    "FrameStore",
    "frame_store",
    "cache_dir",
    "resolve",
    "controls",
    "select",
    "with_upload",
    "source_prices",
    "Portfolio",
    "portfolio",
    "with_target",
    "to_query",
    "from_query",
    "SHARE_KEYS",
]

UPLOAD = "upload"
#: The bundled benchmark; uploads may also use any of their own tickers.
INDEX = data.BENCHMARK_TICKER
DEFAULT: dict = {
    "version": 1,
    "source": "sp500",
    "universe": None,  # None: every ticker of the source
    "start": "2013-01-02",
    "end": "2022-12-28",
    "benchmark": INDEX,
    "uploads": {},  # kind -> {"key": ..., "name": ...}
    "target": None,  # {ticker: weight}, set by the construction desk
    "firm_name": "Portfolio Desk",
}
UPLOAD_KINDS = ("prices", "holdings", "lots", "trades", "sectors")
#: The sector of a ticker that neither the dataset nor an uploaded sector map classifies.
UNCLASSIFIED = "Unclassified"


def cache_dir() -> Path:
    """Folder for server-side caches (``PORTFOLIO_DESK_CACHE``, default ``./.cache``)."""
    return Path(os.environ.get("PORTFOLIO_DESK_CACHE", ".cache")).resolve()


# --------------------------------------------------------------------------- frame store
class FrameStore:
    """Parsed uploads keyed by ``<kind>:<sha256 of the file bytes>``."""

    ttl_seconds = 7 * 24 * 3600

    def __init__(self, directory: Path | None = None, redis_url: str | None = None):
        self.redis_url = redis_url
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)
            self._disk = None
        else:
            import diskcache

            self._redis = None
            self._disk = diskcache.Cache(str((directory or cache_dir()) / "frames"), size_limit=2**30)

    @staticmethod
    def key_for(kind: str, raw: bytes) -> str:
        return f"{kind}:{hashlib.sha256(raw).hexdigest()}"

    def put(self, kind: str, raw: bytes, frame: pd.DataFrame) -> str:
        key = self.key_for(kind, raw)
        blob = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        if self._redis is not None:
            self._redis.set(f"portfolio-desk:{key}", blob, ex=self.ttl_seconds)
        else:
            self._disk.set(key, blob, expire=self.ttl_seconds)
        return key

    def put_result(self, kind: str, frame: pd.DataFrame) -> str:
        """Cache a computed frame under the SHA-256 of its pickle, so only the key goes to the browser."""
        blob = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        return self.put(kind, blob, frame)

    def get(self, key: str) -> pd.DataFrame | None:
        if self._redis is not None:
            blob = self._redis.get(f"portfolio-desk:{key}")
        else:
            blob = self._disk.get(key)
        return None if blob is None else pickle.loads(blob)


@cache
def frame_store() -> FrameStore:
    return FrameStore(redis_url=os.environ.get("REDIS_URL") or None)


# --------------------------------------------------------------------------- resolution
@dataclass(frozen=True)
class WorkspaceData:
    """The frames behind a workspace, restricted to its universe and dates."""

    source: str
    source_label: str
    prices: pd.DataFrame
    benchmark: pd.Series
    benchmark_name: str
    sectors: pd.Series
    names: pd.Series
    holdings: pd.DataFrame | None = None
    lots: pd.DataFrame | None = None
    trades: pd.DataFrame | None = None
    uploads: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def returns(self) -> pd.DataFrame:
        return data.to_returns(self.prices)

    @property
    def benchmark_returns(self) -> pd.Series:
        return data.to_returns(self.benchmark)

    @property
    def uses_upload(self) -> bool:
        return bool(self.uploads)


def _ws(ws: dict | None) -> dict:
    out = dict(DEFAULT)
    out.update(ws or {})
    out["uploads"] = dict(out.get("uploads") or {})
    return out


def _uploaded(ws: dict, kind: str) -> pd.DataFrame | None:
    entry = ws["uploads"].get(kind)
    if not entry:
        return None
    frame = frame_store().get(entry["key"])
    if frame is None:
        raise DataError(
            f"The uploaded {kind} file {entry.get('name', '')!r} is no longer on the server (the cache "
            "was cleared or expired). Upload it again.",
            code="upload_expired",
        )
    return frame


@dataclass(frozen=True)
class _Source:
    label: str
    prices: pd.DataFrame
    index: pd.Series | None  # the bundled S&P 500 index on these dates, if it covers them
    sectors: pd.Series
    names: pd.Series


def source_prices(ws: dict | None) -> _Source:
    """Every price of the workspace's source (before universe and date selection)."""
    ws = _ws(ws)
    if ws["source"] == UPLOAD:
        prices = _uploaded(ws, "prices")
        if prices is None:
            raise DataError("No prices have been uploaded yet. Upload a prices CSV on the Data page.",
                            code="no_upload")
        sp = data.load_dataset("sp500")
        index = sp.benchmark.reindex(prices.index)
        coverage = index.notna().mean()
        index = index.ffill() if coverage >= 0.9 else None
        tickers = prices.columns
        sectors = sp.sectors.reindex(tickers).fillna(UNCLASSIFIED)
        names = sp.names.reindex(tickers)
        names = names.fillna(pd.Series(tickers, index=tickers))
        label = f"Uploaded prices ({ws['uploads']['prices'].get('name', 'file')})"
        return _Source(label, prices, index, _with_sector_map(ws, sectors), names)
    ds = data.load_dataset(ws["source"])
    return _Source(ds.title, ds.prices, ds.benchmark, _with_sector_map(ws, ds.sectors), ds.names)


def _with_sector_map(ws: dict, sectors: pd.Series) -> pd.Series:
    """The source's sectors, overridden and extended by the uploaded sector map for the tickers it lists."""
    mapped = _uploaded(ws, "sectors")
    if mapped is None:
        return sectors
    hits = mapped.reindex(sectors.index).dropna()
    return sectors.where(~sectors.index.isin(hits.index), hits).rename("sector")


def _few(items, k: int = 5) -> str:
    """``A, B, C`` or ``A, B, C, D, E and 7 more``."""
    items = [str(i) for i in items]
    more = f" and {len(items) - k} more" if len(items) > k else ""
    return ", ".join(items[:k]) + more


def _sector_notes(ws: dict, src: _Source, universe: list[str]) -> list[str]:
    """What the Data page should say about the universe's sectors: an ignored map, unclassified tickers."""
    entry = ws["uploads"].get("sectors")
    if entry is None and ws["source"] != UPLOAD:
        return []
    notes = []
    if entry is not None:
        mapped = _uploaded(ws, "sectors")
        if not mapped.index.isin(src.prices.columns).any():
            notes.append(f"Sector map {entry.get('name', '')} ignored: none of its tickers ({_few(mapped.index)}) "
                         f"are in the current prices ({_few(src.prices.columns)}).")
    sectors = src.sectors.reindex(universe)
    missing = list(sectors.index[sectors.isna() | (sectors == UNCLASSIFIED)])
    if missing:
        one = len(missing) == 1
        them = "it" if one else "them"
        where, todo = (
            (f"the sector map {entry.get('name', '')}", f"Add {them} to the sector map and upload it again")
            if entry else ("the bundled sectors", f"Upload a sector map (ticker,sector) on the Data page to classify {them}")
        )
        notes.append(f"{len(missing)} of {len(universe)} assets {'has' if one else 'have'} no sector "
                     f"({_few(missing)}): not in {where}, so {'it counts' if one else 'they count'} as "
                     f"'{UNCLASSIFIED}' in sector limits and charts. {todo}.")
    return notes


def resolve(ws: dict | None) -> WorkspaceData:
    """Frames for the workspace: the chosen universe and dates, benchmark, uploads."""
    ws = _ws(ws)
    src = source_prices(ws)
    universe = [t for t in (ws["universe"] or list(src.prices.columns)) if t in src.prices.columns]
    if not universe:
        raise DataError("The universe is empty. Pick at least one ticker on the Data page.", code="empty_universe")
    start, end = pd.Timestamp(ws["start"]), pd.Timestamp(ws["end"])
    prices = src.prices.loc[start:end, universe]
    if len(prices) < data.MIN_HISTORY:
        raise DataError(
            f"{start.date()} to {end.date()} holds {len(prices)} dates of prices; at least "
            f"{data.MIN_HISTORY} are needed. Widen the date range.",
            code="too_short",
        )
    bench_name = ws["benchmark"]
    if bench_name == INDEX and src.index is not None:
        benchmark = src.index.loc[prices.index].rename("S&P 500")
        bench_label = "S&P 500"
    elif bench_name in src.prices.columns:
        benchmark = src.prices.loc[prices.index, bench_name]
        bench_label = bench_name
    else:
        first = src.prices.columns[0]
        benchmark = src.prices.loc[prices.index, first]
        bench_label = first
    notes = _sector_notes(ws, src, universe)
    holdings = _uploaded(ws, "holdings")
    if holdings is not None:
        unknown = sorted(set(holdings.index) - set(src.prices.columns))
        if unknown:
            notes.append(f"Holdings ignored: {', '.join(unknown)} are not in the current prices.")
            holdings = None
    return WorkspaceData(
        source=ws["source"],
        source_label=src.label,
        prices=prices,
        benchmark=benchmark,
        benchmark_name=bench_label,
        sectors=src.sectors.reindex(universe),
        names=src.names.reindex(universe),
        holdings=holdings,
        lots=_uploaded(ws, "lots"),
        trades=_uploaded(ws, "trades"),
        uploads=dict(ws["uploads"]),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- controls
@dataclass(frozen=True)
class Controls:
    """What the Data page's pickers should show for a workspace."""

    source_options: list[dict]
    source: str
    tickers: list[str]
    universe: list[str]
    min_date: str
    max_date: str
    start: str
    end: str
    benchmark_options: list[dict]
    benchmark: str


def _iso(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


def controls(ws: dict | None) -> Controls:
    ws = _ws(ws)
    src = source_prices(ws)
    tickers = list(src.prices.columns)
    options = [{"label": title, "value": key} for key, title in data.DATASETS.items()]
    up = ws["uploads"].get("prices")
    options.append({
        "label": f"Uploaded: {up['name']}" if up else "Uploaded prices (upload a file below)",
        "value": UPLOAD,
        "disabled": not up,
    })
    bench = ([{"label": "S&P 500 index", "value": INDEX}] if src.index is not None else []) + [
        {"label": t, "value": t} for t in tickers
    ]
    return Controls(
        source_options=options,
        source=ws["source"],
        tickers=tickers,
        universe=[t for t in (ws["universe"] or tickers) if t in tickers],
        min_date=_iso(src.prices.index[0]),
        max_date=_iso(src.prices.index[-1]),
        start=ws["start"],
        end=ws["end"],
        benchmark_options=bench,
        benchmark=ws["benchmark"],
    )


def _default_window(prices: pd.DataFrame, years: int = 10) -> tuple[str, str]:
    end = prices.index[-1]
    start = max(prices.index[0], end - pd.DateOffset(years=years))
    first = prices.index[prices.index >= start][0]
    return _iso(first), _iso(end)


def _switch_source(ws: dict, source: str, *, full_history: bool = False) -> dict:
    if source not in data.DATASETS and source != UPLOAD:
        raise DataError(f"Unknown data source {source!r}.", code="unknown_dataset")
    new = dict(ws, source=source, universe=None)
    src = source_prices(new)
    if full_history:
        new["start"], new["end"] = _iso(src.prices.index[0]), _iso(src.prices.index[-1])
    else:
        new["start"], new["end"] = _default_window(src.prices)
    new["benchmark"] = INDEX if src.index is not None else src.prices.columns[0]
    return new


def select(ws: dict | None, *, source: str | None = None, universe: list[str] | None = None,
           start: str | None = None, end: str | None = None, benchmark: str | None = None) -> dict:
    """A new workspace with the given choices, validated; raises DataError and changes nothing."""
    ws = _ws(ws)
    new = dict(ws)
    if source is not None and source != ws["source"]:
        return _switch_source(new, source)
    src = source_prices(new)
    if universe is not None:
        if len(universe) == 0:
            raise DataError("The universe is empty: pick at least one ticker.", code="empty_universe")
        unknown = [t for t in universe if t not in src.prices.columns]
        if unknown:
            raise DataError(f"{', '.join(unknown)} not in the price data.", code="unknown_ticker")
        new["universe"] = list(universe)
    if start is not None or end is not None:
        s = pd.Timestamp(start or ws["start"])
        e = pd.Timestamp(end or ws["end"])
        if s >= e:
            raise DataError(f"The start date {s.date()} is not before the end date {e.date()}. "
                            "Pick a start before the end.", code="bad_dates")
        n = int(((src.prices.index >= s) & (src.prices.index <= e)).sum())
        if n < data.MIN_HISTORY:
            raise DataError(
                f"{s.date()} to {e.date()} holds {n} dates of prices; at least {data.MIN_HISTORY} are "
                "needed. Widen the date range.",
                code="too_short",
            )
        new["start"], new["end"] = _iso(s), _iso(e)
    if benchmark is not None:
        new["benchmark"] = benchmark
    return new


def with_upload(ws: dict | None, kind: str, raw: bytes, filename: str) -> tuple[dict, list[str]]:
    """Parse an uploaded file of ``kind``, cache it, and return the new workspace and notes."""
    ws = _ws(ws)
    if kind not in UPLOAD_KINDS:
        raise DataError(f"Unknown upload kind {kind!r}.", code="unknown_upload")
    if kind == "prices":
        frame = data.read_prices_csv(raw, name=filename)
    elif kind == "holdings":
        frame = data.read_holdings_csv(raw, name=filename, tickers=list(source_prices(ws).prices.columns))
    elif kind == "lots":
        frame = data.read_lots_csv(raw, name=filename)
    elif kind == "sectors":
        frame = data.read_sectors_csv(raw, name=filename)
        tickers = source_prices(ws).prices.columns
        if not frame.index.isin(tickers).any():
            raise DataError(
                f"{filename}: none of its {len(frame)} tickers ({_few(frame.index)}) are in the current prices "
                f"({_few(tickers)}). Upload a sector map for these tickers, or upload the prices first.",
                code="unknown_ticker",
            )
    else:
        frame = data.read_trades_csv(raw, name=filename)
    notes = list(frame.attrs.get("notes", []))
    key = frame_store().put(kind, raw, frame)
    new = dict(ws)
    new["uploads"] = {**ws["uploads"], kind: {"key": key, "name": filename, "rows": int(len(frame))}}
    if kind == "prices":
        new = _switch_source(new, UPLOAD, full_history=True)
    return new, notes


# --------------------------------------------------------------------------- the portfolio
@dataclass(frozen=True)
class Portfolio:
    """The weights the risk, tax and presentation views analyse, and where they came from."""

    weights: pd.Series
    label: str
    kind: str  # "target", "holdings" or "equal"
    value: float | None = None  # market value of the holdings, when shares are known


def portfolio(ws: dict | None, wd: WorkspaceData | None = None) -> Portfolio:
    """The target from the construction desk, else the uploaded holdings, else equal weight.

    Raises DataError naming the tickers when the portfolio holds assets outside the
    chosen universe.
    """
    ws = _ws(ws)
    wd = wd or resolve(ws)
    universe = list(wd.prices.columns)
    target = ws.get("target")
    if target and target.get("weights"):
        weights = pd.Series(target["weights"], dtype=float)
        label = f"Target portfolio ({target.get('method', 'construction desk')})"
        kind, value = "target", None
    elif wd.holdings is not None:
        h = wd.holdings
        last = wd.prices.iloc[-1].reindex(h.index)
        if "shares" in h and last.notna().all():
            mv = h["shares"] * last
            weights, value = mv / mv.sum(), float(mv.sum())
        elif "weight" in h:
            weights, value = h["weight"].astype(float), None
        else:
            weights, value = None, None
        name = wd.uploads.get("holdings", {}).get("name", "holdings")
        label, kind = f"Uploaded holdings ({name})", "holdings"
        if weights is None:
            missing = [t for t in h.index if t not in universe]
            raise DataError(
                f"The holdings include {', '.join(missing)}, which are not in the chosen universe. Add them "
                "on the Data page.",
                code="unknown_ticker",
            )
    else:
        n = len(universe)
        return Portfolio(pd.Series(1.0 / n, index=universe), f"Equal weight ({n} assets)", "equal")
    outside = [t for t in weights.index if t not in universe and abs(weights[t]) > 0]
    if outside:
        raise DataError(
            f"The {kind} portfolio holds {', '.join(outside)}, which are not in the chosen universe. Add them "
            "to the universe on the Data page, or build a new target.",
            code="unknown_ticker",
        )
    weights = weights.reindex(universe).fillna(0.0)
    return Portfolio(weights, label, kind, value)


def with_target(ws: dict | None, weights: pd.Series, method: str, trades: list[dict] | None = None,
                *, recipe: dict | None = None) -> dict:
    """The workspace with a new target portfolio (and its trade list) from the construction desk.

    ``recipe`` (a :class:`finance_core.recipes.Recipe` as query parameters) lets the
    presentation view rebuild the target from a link.
    """
    ws = _ws(ws)
    new = dict(ws)
    new["target"] = {
        "weights": {str(k): float(v) for k, v in weights.items() if abs(v) > 1e-10},
        "method": method,
        "trades": trades or [],
        "recipe": dict(recipe) if recipe is not None else None,
        "stored_at": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC"),
    }
    return new


# --------------------------------------------------------------------------- sharing
#: Workspace settings that travel in a shareable link (the portfolio travels as its recipe).
SHARE_KEYS = ("source", "universe", "start", "end", "benchmark", "firm", "as_of")


def to_query(ws: dict | None) -> tuple[dict[str, str], list[str]]:
    """URL query parameters that rebuild this workspace's view, and what cannot travel.

    Uploaded files never travel in a link: a view that depends on one says so.
    """
    ws = _ws(ws)
    problems: list[str] = []
    query = {"source": ws["source"], "start": ws["start"], "end": ws["end"], "benchmark": ws["benchmark"]}
    if ws["universe"]:
        query["universe"] = ",".join(ws["universe"])
    if ws.get("firm_name") and ws["firm_name"] != DEFAULT["firm_name"]:
        query["firm"] = ws["firm_name"]
    if ws.get("as_of"):
        query["as_of"] = ws["as_of"]
    if ws["source"] == UPLOAD:
        problems.append("This view uses uploaded prices, which cannot travel in a link: whoever opens it needs "
                        "the same upload.")
    if ws["uploads"].get("sectors"):
        problems.append("This view uses an uploaded sector map, which cannot travel in a link: the link shows the "
                        "bundled sectors.")
    target = ws.get("target") or {}
    if target.get("recipe") is not None:
        query.update(_recipe_query(target["recipe"]))
    elif target.get("weights"):
        problems.append("The target portfolio has no recipe, so the link shows equal weights instead.")
        query["method"] = "equal_weight"
    elif ws["uploads"].get("holdings"):
        problems.append("This view uses uploaded holdings, which cannot travel in a link: the link shows equal "
                        "weights instead.")
        query["method"] = "equal_weight"
    else:
        query["method"] = "equal_weight"
    return query, problems


def _recipe_query(stored: dict) -> dict[str, str]:
    """A stored recipe as link parameters: only what its method uses (older targets stored more)."""
    from finance_core import recipes

    try:
        query = recipes.Recipe.from_query(stored).to_query()
    except DataError:
        query = {k: str(v) for k, v in stored.items()}
    return {"method": "max_sharpe", **query}


def from_query(query: dict) -> dict:
    """A workspace built from a shared link's query (see :func:`to_query`)."""
    ws = dict(DEFAULT)
    source = query.get("source", DEFAULT["source"])
    if source == UPLOAD:
        raise DataError("This link was made from uploaded prices, which do not travel in links. Ask for the "
                        "file, upload it on the Data page, then open the presentation.", code="upload_link")
    ws = select(ws, source=source) if source != ws["source"] else ws
    if query.get("universe"):
        ws = select(ws, universe=[t.strip().upper() for t in str(query["universe"]).split(",") if t.strip()])
    if query.get("start") or query.get("end"):
        ws = select(ws, start=query.get("start") or ws["start"], end=query.get("end") or ws["end"])
    if query.get("benchmark"):
        ws = select(ws, benchmark=query["benchmark"])
    ws["firm_name"] = query.get("firm") or DEFAULT["firm_name"]
    ws["as_of"] = query.get("as_of") or None
    return ws
