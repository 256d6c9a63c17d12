"""The workspace: what one user is working on, and where uploaded frames live.

The workspace itself is a small JSON dict kept in the browser's session storage
(``dcc.Store(storage_type="session")`` in app.py), so each browser tab session has
its own and nobody sees another's. Uploaded files are parsed once and the parsed
frame is cached server side (:mod:`session_frames`) under a key bound to the session's
secret, which the workspace carries; only that key travels in the workspace. The cache
is a diskcache folder (``PORTFOLIO_DESK_CACHE``) or, when ``REDIS_URL`` is set, Redis.

This module knows no Dash: pages call :func:`resolve` to turn the JSON into frames.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from finance_core import data, limits, tax
from finance_core.benchmark import BlendSpec, blend
from finance_core.errors import DataError, FinanceError
from session_frames import SESSION, FrameStore, cache_dir, frame_store, session_secret, with_session

__all__ = [
    "DEFAULT",
    "WorkspaceData",
    "Controls",
    "FrameStore",
    "frame_store",
    "SESSION",
    "DATA_FIELDS",
    "data_key",
    "with_session",
    "session_secret",
    "cache_dir",
    "resolve",
    "controls",
    "select",
    "with_blend",
    "with_upload",
    "with_sources",
    "upload_sources",
    "prices_csv",
    "source_prices",
    "benchmark_history",
    "Portfolio",
    "portfolio",
    "Book",
    "book",
    "open_lot_shares",
    "with_target",
    "with_limits",
    "limit_rules",
    "to_query",
    "from_query",
    "SHARE_KEYS",
]

UPLOAD = "upload"
#: The bundled benchmarks: the S&P 500 price index and its total-return version (the default).
#: A workspace may also use any ticker of its source, an uploaded series or a blend.
INDEX = data.BENCHMARK_TICKER
INDEX_TR = data.TOTAL_RETURN_TICKER
#: The benchmark value (and blend part) that stands for the uploaded benchmark series.
BENCH_UPLOAD = "UPLOAD"
DEFAULT: dict = {
    "version": 1,
    "source": "sp500",
    "universe": None,  # None: every ticker of the source
    "start": "2013-01-02",
    "end": "2022-12-28",
    "benchmark": INDEX_TR,
    "uploads": {},  # kind -> {"key": ..., "name": ...}
    "target": None,  # {ticker: weight}, set by the construction desk
    "firm_name": "Portfolio Desk",
    "limits": [],  # rows of finance_core.limits.limit_from_dict, set on the Performance page (with_limits)
}
UPLOAD_KINDS = ("prices", "holdings", "lots", "trades", "sectors", "benchmark")
#: The sector of a ticker that neither the dataset nor an uploaded sector map classifies.
UNCLASSIFIED = "Unclassified"


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
    book: Book | None = None  # where ``holdings`` came from (see :func:`book`)
    benchmark_history: pd.Series | None = None  # the benchmark used, over the source's whole history

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
    uploads = out.get("uploads")
    # the browser sends the workspace back: an entry that is not an upload record is no upload
    out["uploads"] = {kind: entry for kind, entry in uploads.items() if isinstance(entry, dict)} \
        if isinstance(uploads, dict) else {}
    return out


#: The workspace fields that decide its frames (:func:`resolve`): a cache of resolved data keys on these. The
#: session secret is one of them when the workspace has uploads, so a memo never serves one session's uploads
#: to another (nor fails to find a session's own uploads because the key was made without its secret).
DATA_FIELDS = ("source", "universe", "start", "end", "benchmark", "uploads", SESSION)


def data_key(ws: dict | None) -> str:
    """The workspace's :data:`DATA_FIELDS` as canonical JSON, the key of a cache of its resolved frames.

    A workspace of bundled data only (no uploads) leaves its session secret out: its frames are the same for
    every session, so all of them share one memo entry (50 users of the bundled data each had their own, which
    overflowed Construct's 32-entry memo: every slider move re-estimated the covariance).
    """
    fields = {k: (ws or {}).get(k) for k in DATA_FIELDS}
    if not fields["uploads"]:
        del fields[SESSION]
    return json.dumps(fields, sort_keys=True, default=str)


def _uploaded(ws: dict, kind: str) -> pd.DataFrame | None:
    entry = ws["uploads"].get(kind)
    if not entry:
        return None
    secret = session_secret(ws)
    frame = None if secret is None else frame_store().get(str(entry.get("key", "")), secret=secret)
    if frame is None:  # one message whether it expired, never existed or belongs to another session
        raise DataError(
            f"The uploaded {kind} file {entry.get('name', '')!r} is not available in this browser session "
            "(uploads stay with the session that loaded them, for 7 days). Load the file again on the "
            "Data page.",
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
    total_return: pd.Series | None = None  # the S&P 500 total-return index on these dates, with ``index``


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
        total = None if index is None else sp.total_return_benchmark.reindex(prices.index).ffill()
        tickers = prices.columns
        sectors = sp.sectors.reindex(tickers).fillna(UNCLASSIFIED)
        names = sp.names.reindex(tickers)
        names = names.fillna(pd.Series(tickers, index=tickers))
        label = f"Uploaded prices ({ws['uploads']['prices'].get('name', 'file')})"
        return _Source(label, prices, index, _with_sector_map(ws, sectors), names, total)
    ds = data.load_dataset(ws["source"])
    return _Source(ds.title, ds.prices, ds.benchmark, _with_sector_map(ws, ds.sectors), ds.names,
                   ds.total_return_benchmark)


def _default_benchmark(src: _Source) -> str:
    return INDEX_TR if src.total_return is not None else str(src.prices.columns[0])


def _benchmark_names(ws: dict, src: _Source) -> dict[str, str]:
    """Every single benchmark this workspace can use, value -> the label shown for it."""
    names = {k: data.BENCHMARK_LABELS[k] for k, s in ((INDEX_TR, src.total_return), (INDEX, src.index))
             if s is not None}
    if ws["uploads"].get("benchmark"):
        names[BENCH_UPLOAD] = f"Uploaded benchmark ({ws['uploads']['benchmark'].get('name', 'file')})"
    return names | {str(t): str(t) for t in src.prices.columns}


def _one_benchmark(ws: dict, src: _Source, name: str) -> pd.Series:
    """The closes of one benchmark on the source's dates (NaN where an uploaded series has none)."""
    if name == INDEX_TR and src.total_return is not None:
        return src.total_return
    if name == INDEX and src.index is not None:
        return src.index
    if name == BENCH_UPLOAD and ws["uploads"].get("benchmark"):
        series, dates = _uploaded(ws, "benchmark"), src.prices.index
        aligned = series.reindex(dates.union(series.index)).ffill().reindex(dates)  # its holidays: last close
        return aligned.where(dates <= series.index[-1])  # never carried past its last date
    if name in src.prices.columns:
        return src.prices[name]
    raise DataError(f"The benchmark {name!r} is not available with {src.label}: pick one of "
                    f"{_few(_benchmark_names(ws, src).values(), 8)} on the Data page.", code="unknown_benchmark")


def _benchmark_parts(value: str) -> list[str]:
    """The single benchmarks a benchmark value uses: itself, or a blend's parts."""
    return list(BlendSpec.from_value(value).weights) if BlendSpec.is_value(value) else [value]


def benchmark_history(ws: dict | None, src: _Source | None = None) -> tuple[pd.Series, str]:
    """The workspace's chosen benchmark over the source's whole history, and its label.

    A blend (:class:`finance_core.benchmark.BlendSpec`) starts where all its parts have closes.
    """
    ws = _ws(ws)
    src = src or source_prices(ws)
    name, names = ws["benchmark"], _benchmark_names(ws, src)
    if not BlendSpec.is_value(name):
        return _one_benchmark(ws, src, name).rename(names.get(name, name)), names.get(name, name)
    spec = BlendSpec.from_value(name)
    parts = {p: _one_benchmark(ws, src, p) for p in spec.weights}
    series = blend(parts, spec.fractions, spec.rebalance).reindex(src.prices.index)
    label = spec.label(names)
    return series.rename(label), label


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
    history, bench_label, notes = _window_benchmark(ws, src, prices.index)
    notes += _sector_notes(ws, src, universe)
    current = book(ws, list(src.prices.columns))
    notes.extend(current.notes)
    holdings = current.holdings
    return WorkspaceData(
        source=ws["source"],
        source_label=src.label,
        prices=prices,
        benchmark=history.reindex(prices.index),
        benchmark_name=bench_label,
        sectors=src.sectors.reindex(universe),
        names=src.names.reindex(universe),
        holdings=holdings,
        lots=_uploaded(ws, "lots"),
        trades=_uploaded(ws, "trades"),
        uploads=dict(ws["uploads"]),
        notes=tuple(notes),
        book=current,
        benchmark_history=history,
    )


def _window_benchmark(ws: dict, src: _Source, dates: pd.DatetimeIndex) -> tuple[pd.Series, str, list[str]]:
    """The chosen benchmark's whole history, or the source's default with a note saying why it is not used."""
    try:
        history, label = benchmark_history(ws, src)
        window = history.reindex(dates)
        covered = history.dropna().index
        problem = None if window.notna().all() else (
            f"the {label} has no closes for some of {dates[0].date()} to {dates[-1].date()} (it covers "
            f"{covered[0].date()} to {covered[-1].date()})" if len(covered) else f"the {label} has no closes")
    except DataError as err:
        problem = str(err).rstrip(".")
    if problem is None:
        notes = []
        if ws["benchmark"] == INDEX:
            notes.append(f"The benchmark is the {label}, which leaves dividends out while the asset prices are "
                         "adjusted closes that include them: the assets look better by about the dividend yield. "
                         f"Pick {data.BENCHMARK_LABELS[INDEX_TR]} for a like-for-like comparison.")
        return history, label, notes
    history, used = benchmark_history(dict(ws, benchmark=_default_benchmark(src)), src)
    return history, used, [f"Benchmark {used} used instead: {problem}. Narrow the dates or pick another "
                           "benchmark on the Data page."]


# --------------------------------------------------------------------------- the book
@dataclass(frozen=True)
class Book:
    """The current holdings every page starts from, and where they came from.

    ``holdings`` is indexed by ticker with ``shares`` and/or ``weight`` (None: nothing is
    held and trades start from cash). ``kind`` is ``"holdings"`` (an uploaded holdings
    file), ``"lots"`` (the open lots of uploaded tax lots and/or trades) or ``"none"``;
    ``label`` says which, for the pages' badges.
    """

    holdings: pd.DataFrame | None
    label: str
    kind: str
    notes: tuple[str, ...] = ()

    @property
    def shares(self) -> pd.Series:
        """Shares per ticker (empty when nothing is held or the holdings give weights only)."""
        if self.holdings is None or "shares" not in self.holdings:
            return pd.Series(dtype=float, name="shares")
        return self.holdings["shares"].astype(float)


def open_lot_shares(lots: pd.DataFrame | None, trades: pd.DataFrame | None = None) -> pd.Series:
    """Shares held per ticker, summed over accounts: the opening lots with the trades replayed on them.

    The replay is :func:`finance_core.tax.process_trades` (FIFO: how many shares stay open does not
    depend on the relief method), so a trade that sells more than is held is refused naming its row,
    as on the Tax page. Tickers sold out are left out.
    """
    if trades is None:
        trades = pd.DataFrame(columns=["date", "account", "ticker", "side", "shares", "price"])
    open_lots = tax.process_trades(trades, lots=lots).open_lots
    shares = open_lots.groupby("ticker")["shares"].sum().astype(float)
    return shares[shares.abs() > 1e-9].rename("shares").rename_axis("ticker")


@lru_cache(maxsize=16)
def _replayed(session: str | None, trades_entry: tuple | None, lots_entry: tuple | None) -> pd.Series:
    """:func:`open_lot_shares` of the uploads, once per session and pair of files (entries as sorted item
    tuples; the session secret is part of the cache key, so a copied key never reads another's result)."""
    ws = {SESSION: session,
          "uploads": {k: dict(e) for k, e in (("trades", trades_entry), ("lots", lots_entry)) if e}}
    return open_lot_shares(_uploaded(ws, "lots"), _uploaded(ws, "trades"))


def _entry(ws: dict, kind: str) -> tuple | None:
    entry = ws["uploads"].get(kind)
    return tuple(sorted(entry.items())) if entry else None


def _described(ws: dict, kinds) -> str:
    """``4 uploaded tax lots (lots.csv) and 12 uploaded trades (t.csv)``."""
    what = {"lots": "tax lots", "trades": "trades", "holdings": "holdings"}
    parts = []
    for k in kinds:
        entry = ws["uploads"][k]
        parts.append(f"{entry.get('rows', '')} uploaded {what[k]} ({entry.get('name', 'file')})".lstrip())
    return " and ".join(parts)


def _disagreement(held: pd.DataFrame, lots: pd.Series, ws: dict, lot_kinds) -> str | None:
    """A note naming tickers whose shares differ between the holdings file and the lots, or None."""
    if "shares" not in held:
        return None
    a, b = held["shares"].astype(float), lots
    tickers = a.index.union(b.index)
    differ = [t for t in tickers if abs(float(a.get(t, 0.0)) - float(b.get(t, 0.0))) > 1e-6]
    if not differ:
        return None
    shown = "; ".join(f"{t}: {float(a.get(t, 0.0)):,.6g} shares in the holdings, {float(b.get(t, 0.0)):,.6g} in "
                      "the lots" for t in differ[:3])
    more = f" and {len(differ) - 3} more tickers" if len(differ) > 3 else ""
    name = ws["uploads"]["holdings"].get("name", "holdings")
    return (f"The holdings file {name} disagrees with the open lots of the {_described(ws, lot_kinds)} on "
            f"{len(differ)} of {len(tickers)} tickers ({shown}{more}). The holdings are used; upload holdings "
            "that match the lots, or lots that match the holdings, to remove this note.")


def book(ws: dict | None, tickers: list[str] | None = None) -> Book:
    """The current holdings: the uploaded holdings file, else the open lots of the uploaded lots and trades.

    Every page that uses holdings reads them from here (through :func:`resolve`): the construction
    desk's trade list and turnover, the risk and presentation portfolio, the tax desk's rebalancing.
    The bundled tax sample is not a book: with no upload nothing is held. ``tickers``: the source's
    tickers (default: the workspace's); holdings outside them are ignored with a note.
    """
    ws = _ws(ws)
    tickers = list(source_prices(ws).prices.columns) if tickers is None else list(tickers)
    notes: list[str] = []
    held = _uploaded(ws, "holdings")
    if held is not None:
        unknown = sorted(set(held.index) - set(tickers))
        if unknown:
            notes.append(f"Holdings ignored: {', '.join(unknown)} are not in the current prices.")
            held = None
    lot_kinds = [k for k in ("lots", "trades") if ws["uploads"].get(k)]
    derived = None
    if lot_kinds:
        try:
            derived = _replayed((session_secret(ws) or b"").hex() or None, _entry(ws, "trades"), _entry(ws, "lots")).copy()
        except FinanceError as err:
            if getattr(err, "code", "") == "upload_expired":
                raise
            notes.append(f"No holdings from the {_described(ws, lot_kinds)}: {err} Until the file is fixed and "
                         "uploaded again, nothing is held and trades start from cash.")
    if held is not None:
        clash = _disagreement(held, derived, ws, lot_kinds) if derived is not None else None
        name = ws["uploads"]["holdings"].get("name", "holdings")
        return Book(held, f"Uploaded holdings ({name})", "holdings", tuple(notes + ([clash] if clash else [])))
    if derived is not None:
        unknown = sorted(set(derived.index) - set(tickers))
        if unknown:
            notes.append(f"Holdings from the {_described(ws, lot_kinds)} ignored: {_few(unknown)} "
                         f"{'is' if len(unknown) == 1 else 'are'} not in the current prices.")
        elif len(derived):
            return Book(derived.to_frame(), f"Holdings from {_described(ws, lot_kinds)}", "lots", tuple(notes))
    return Book(None, "Cash (no holdings, tax lots or trades uploaded)", "none", tuple(notes))


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
    bench = [{"label": label, "value": value} for value, label in _benchmark_names(ws, src).items()]
    if BlendSpec.is_value(ws["benchmark"]):
        bench.insert(0, {"label": BlendSpec.from_value(ws["benchmark"]).label(_benchmark_names(ws, src)),
                         "value": ws["benchmark"]})
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
    new["benchmark"] = _default_benchmark(src)
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
        history, label = benchmark_history(new, src)
        if history.dropna().size < data.MIN_HISTORY:
            raise DataError(f"The {label} has fewer than {data.MIN_HISTORY} closes on the dates of the prices: "
                            "pick another benchmark or upload a longer series.", code="too_short")
    return new


def with_blend(ws: dict | None, text: str | None, rebalance: str = "M") -> dict:
    """A new workspace whose benchmark is the blend typed in ``text`` (``60 SP500TR, 40 KO``), validated."""
    ws = _ws(ws)
    spec = BlendSpec.parse(text, list(_benchmark_names(ws, source_prices(ws))), rebalance)
    return select(ws, benchmark=spec.to_value())


def _keep(ws: dict, kind: str, raw: bytes, frame: pd.DataFrame) -> str:
    """Cache a parsed upload and the bytes it came from under the session's key; returns the key."""
    store, secret = frame_store(), session_secret(ws)
    key = store.put(kind, raw, frame, secret=secret)
    store.put_source(key, raw)
    return key


def prices_csv(prices: pd.DataFrame) -> bytes:
    """Prices as the wide CSV (``date,AAPL,...``) :func:`finance_core.data.load_prices_csv` reads back."""
    return prices.to_csv(index_label="date", date_format="%Y-%m-%d").encode()


def _read(ws: dict, kind: str, raw: bytes, filename: str) -> data.Loaded:
    """Parse an uploaded file of ``kind`` with its reader, checked against the workspace's prices."""
    if kind not in UPLOAD_KINDS:
        raise DataError(f"Unknown upload kind {kind!r}.", code="unknown_upload")
    if kind == "prices":
        loaded = data.load_prices_csv(raw, name=filename)
    elif kind == "holdings":
        loaded = data.load_holdings_csv(raw, name=filename, tickers=list(source_prices(ws).prices.columns))
    elif kind == "lots":
        loaded = data.load_lots_csv(raw, name=filename)
    elif kind == "sectors":
        loaded = data.load_sectors_csv(raw, name=filename)
        tickers, listed = source_prices(ws).prices.columns, loaded.frame.index
        if not listed.isin(tickers).any():
            raise DataError(
                f"{filename}: none of its {len(listed)} tickers ({_few(listed)}) are in the current prices "
                f"({_few(tickers)}). Upload a sector map for these tickers, or upload the prices first.",
                code="unknown_ticker",
            )
    elif kind == "benchmark":
        loaded = data.load_benchmark_csv(raw, name=filename)
        dates, own = source_prices(ws).prices.index, loaded.frame.index
        shared = own.intersection(dates)
        if len(shared) < data.MIN_HISTORY:
            raise DataError(
                f"{filename} shares {len(shared)} dates with the prices ({own[0].date()} to "
                f"{own[-1].date()} against {dates[0].date()} to {dates[-1].date()}); at least "
                f"{data.MIN_HISTORY} are needed. Upload a benchmark that covers the dates of your prices.",
                code="too_short")
    else:
        loaded = data.load_trades_csv(raw, name=filename)
    return loaded


def with_upload(ws: dict | None, kind: str, raw: bytes, filename: str) -> tuple[dict, list[str]]:
    """Parse an uploaded file of ``kind``, cache it, and return the new workspace and notes.

    A one-ticker price export (``Loaded.ticker``, e.g. AAPL.csv from Yahoo Finance) adds its
    ticker to the uploaded prices (replacing it if already there); any other prices file replaces them.
    """
    ws = with_session(_ws(ws))
    loaded = _read(ws, kind, raw, filename)
    frame = loaded.frame
    notes = list(loaded.notes)
    key = _keep(ws, kind, raw, frame)
    entry = {"key": key, "name": filename, "rows": int(len(frame))}
    if kind == "prices" and loaded.ticker:
        entry, added = _add_ticker(ws, entry, frame, loaded.ticker, filename)
        notes += added
    new = dict(ws)
    new["uploads"] = {**ws["uploads"], kind: entry}
    if kind == "prices":
        new = _switch_source(new, UPLOAD, full_history=True)
    if kind == "benchmark":
        new["benchmark"] = BENCH_UPLOAD
        notes.append(f"The benchmark is now the uploaded series {filename}; pick another on the Data page at any "
                     "time.")
    return new, notes


def _add_ticker(ws: dict, entry: dict, frame: pd.DataFrame, ticker: str, filename: str) -> tuple[dict, list[str]]:
    """The prices upload entry with a one-ticker export joined to the prices already uploaded."""
    old = ws["uploads"].get("prices")
    try:
        base = _uploaded(ws, "prices")
    except DataError:
        return entry, [f"The earlier uploaded prices ({old.get('name', '')}) are not available in this session: "
                       f"starting again from {filename}."]
    if base is None:
        return entry, []
    combined, notes = data.combine_prices(base, frame, name=filename)
    files = {t: f for t, f in (old.get("files") or dict.fromkeys(base.columns, old["name"])).items() if t != ticker}
    files[ticker] = filename  # ticker -> the file its prices came from
    key = _keep(ws, "prices", prices_csv(combined), combined)
    name = " + ".join(dict.fromkeys(files.values()))
    return {"key": key, "name": name, "files": files, "rows": int(len(combined))}, notes


def upload_sources(ws: dict | None) -> dict[str, tuple[str, bytes]]:
    """kind -> (file name, the bytes it was read from) of each upload, to save them with the workspace."""
    ws = _ws(ws)
    secret, out = session_secret(ws), {}
    for kind, entry in ws["uploads"].items():
        raw = None if secret is None else frame_store().get_source(str(entry.get("key", "")), secret=secret)
        if raw is None:
            raise DataError(f"The uploaded {kind} file {entry.get('name', '')!r} cannot be saved: its contents are not "
                            "available in this browser session (it expired, or was loaded before saving existed). "
                            "Load the file again on the Data page, then save.", code="upload_expired")
        out[kind] = (str(entry.get("name", kind)), raw)
    return out


def with_sources(settings: dict, sources: dict[str, tuple[str, bytes]], session: dict | None = None) -> dict:
    """The ``session`` workspace's browser session with saved ``settings`` (no session secret, upload entries
    without keys) and the files of its uploads: each is read again by its reader and cached under a key of
    that session (a new session secret when it has none).

    The saved universe, dates and benchmark are kept (an upload here does not reset them as on the Data page).
    """
    secret = {SESSION: session[SESSION]} if session_secret(session) is not None and session else {}
    ws = with_session(dict(_ws({k: v for k, v in settings.items() if k != SESSION}), uploads={}, **secret))
    entries = _ws(settings)["uploads"]
    for kind in (k for k in UPLOAD_KINDS if k in sources):
        name, raw = sources[kind]
        loaded = _read(ws, kind, raw, name)
        entry = {**entries.get(kind, {}), "name": name, "rows": int(len(loaded.frame)),
                 "key": _keep(ws, kind, raw, loaded.frame)}
        ws = dict(ws, uploads={**ws["uploads"], kind: entry})
    missing = sorted(set(entries) - set(sources))
    if missing:
        raise DataError(f"The saved workspace lists uploads ({', '.join(missing)}) whose files it does not hold.",
                        code="missing_upload")
    controls(ws)  # the saved choices must still fit its data
    return ws


# --------------------------------------------------------------------------- the portfolio
@dataclass(frozen=True)
class Portfolio:
    """The weights the risk, tax and presentation views analyse, and where they came from."""

    weights: pd.Series
    label: str
    kind: str  # "target", "holdings" or "equal"
    value: float | None = None  # market value of the holdings, when shares are known


def portfolio(ws: dict | None, wd: WorkspaceData | None = None) -> Portfolio:
    """The target from the construction desk, else the current holdings (:func:`book`), else equal weight.

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
        label, kind = wd.book.label if wd.book else "Uploaded holdings", "holdings"
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


def with_limits(ws: dict | None, rows: list[dict]) -> dict:
    """The workspace with these limits (``kind``, ``threshold`` and the optional ``level``/``horizon``/``band``).

    Each row is checked by :func:`finance_core.limits.limit_from_dict`; a bad one raises its DataError and
    changes nothing. Rows are stored in full, so the workspace (and saved work) holds what was checked.
    """
    rules = [limits.limit_from_dict(row) for row in rows]
    limits.check_labels(rules)
    stored = [{"kind": r.kind, "threshold": r.threshold, "level": r.level, "horizon": r.horizon, "band": r.band}
              for r in rules]
    return dict(_ws(ws), limits=stored)


def limit_rules(ws: dict | None) -> list[limits.Limit]:
    """The workspace's limits as :class:`finance_core.limits.Limit` (none when it has none)."""
    return [limits.limit_from_dict(row) for row in (ws or {}).get("limits") or []]


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
    if BENCH_UPLOAD in _benchmark_parts(ws["benchmark"]):
        problems.append("This view's benchmark uses an uploaded series, which cannot travel in a link: the link shows "
                        f"the {data.BENCHMARK_LABELS[INDEX_TR]} instead.")
        query["benchmark"] = INDEX_TR
    if ws["uploads"].get("sectors"):
        problems.append("This view uses an uploaded sector map, which cannot travel in a link: the link shows the "
                        "bundled sectors.")
    target = ws.get("target") or {}
    if target.get("recipe") is not None:
        query.update(_recipe_query(target["recipe"]))
    elif target.get("weights"):
        problems.append("The target portfolio has no recipe, so the link shows equal weights instead.")
        query["method"] = "equal_weight"
    elif any(ws["uploads"].get(k) for k in ("holdings", "lots", "trades")):
        problems.append("This view uses uploaded holdings (or the tax lots and trades they come from), which "
                        "cannot travel in a link: the link shows equal weights instead.")
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
