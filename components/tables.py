"""dash-ag-grid builders with shared formatting (percentages, money, numbers)."""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd

__all__ = ["FORMATS", "grid", "column_defs", "records"]

#: valueFormatter functions by format name (d3.format is available inside ag-grid).
FORMATS = {
    "pct": {"function": "params.value == null ? '' : d3.format('.1%')(params.value)"},
    "pct2": {"function": "params.value == null ? '' : d3.format('.2%')(params.value)"},
    "num": {"function": "params.value == null ? '' : d3.format(',.2f')(params.value)"},
    "int": {"function": "params.value == null ? '' : d3.format(',.0f')(params.value)"},
    "money": {"function": "params.value == null ? '' : d3.format('$,.2f')(params.value)"},
    "ratio": {"function": "params.value == null ? '' : d3.format('.2f')(params.value)"},
    "dec4": {"function": "params.value == null ? '' : d3.format('.4f')(params.value)"},
    "sci": {"function": "params.value == null ? '' : d3.format('.3e')(params.value)"},
}
#: Narrowest width (px) that shows a whole value of each format ($12,345,678.90 for money);
#: a grid wider than its frame scrolls sideways instead of cutting values with an ellipsis.
MIN_WIDTHS = {"pct": 90, "pct2": 95, "num": 120, "int": 105, "money": 140, "ratio": 85, "dec4": 95, "sci": 105}


#: Pixels a header needs besides its text (padding, sort arrow and filter menu), and per character of
#: the grid's 13-14 px font; text columns are at least wide enough for a word such as "Information".
HEADER_ICONS, CHAR_PX, TEXT_MIN_WIDTH = 60, 8.5, 130


def _word_width(text: str) -> int:
    """Width (px) of the longest word of ``text``: headers and text cells wrap between words only."""
    return int(CHAR_PX * max((len(w) for w in str(text).split()), default=0))


def _text_width(values: pd.Series) -> int:
    """Width (px) a text column needs for its longest word, with the cell padding."""
    words = [w for v in values.dropna().astype(str) for w in v.split()]
    return int(CHAR_PX * max((len(w) for w in words), default=0)) + 36


def column_defs(frame: pd.DataFrame, formats: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, pinned: str | None = None) -> list[dict]:
    """Column definitions: numeric columns right-aligned with the given format names."""
    formats = formats or {}
    headers = headers or {}
    defs = []
    for col in frame.columns:
        d = {"field": str(col), "headerName": headers.get(col, str(col).replace("_", " ").capitalize())}
        header = _word_width(d["headerName"]) + HEADER_ICONS
        if col in formats:
            d["valueFormatter"] = FORMATS[formats[col]]
            d["type"] = "rightAligned"
            d["filter"] = "agNumberColumnFilter"
            d["minWidth"] = max(MIN_WIDTHS.get(formats[col], 90), header)
        else:  # text (sectors, methods, scenario names) wraps between words onto a second line, never inside one
            d.update(wrapText=True, autoHeight=True, minWidth=max(TEXT_MIN_WIDTH, header, _text_width(frame[col])))
        if col == pinned:
            d.update(pinned="left", flex=0, width=100)
        defs.append(d)
    return defs


def records(frame: pd.DataFrame) -> list[dict]:
    """Row data: dates as ISO strings, NaN as null."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), None).to_dict("records")


def grid(id_: str, frame: pd.DataFrame | None = None, *, formats: dict[str, str] | None = None,
         headers: dict[str, str] | None = None, pinned: str | None = None, height: int = 420,
         csv_name: str | None = None, editable: bool = False, **grid_options) -> dag.AgGrid:
    """A sortable, filterable, resizable grid; ``csv_name`` names its CSV export."""
    frame = frame if frame is not None else pd.DataFrame()
    options = {"animateRows": False, "domLayout": "normal", **grid_options}
    return dag.AgGrid(
        id=id_,
        rowData=records(frame),
        columnDefs=column_defs(frame, formats, headers, pinned),
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "flex": 1, "minWidth": 90,
                       "editable": editable, "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions=options,
        csvExportParams={"fileName": f"{csv_name or id_}.csv"},
        style={"height": f"{height}px", "width": "100%"},
        className="pd-grid",
    )


#: Display label and format of the performance metrics finance_core reports.
METRICS = {
    "expected_return": ("Expected return", ".2%"), "total_return": ("Total return", ".1%"),
    "cagr": ("Annual return (CAGR)", ".2%"), "volatility": ("Volatility", ".2%"), "sharpe": ("Sharpe ratio", ".2f"),
    "deflated_sharpe": ("Deflated Sharpe ratio (probability of skill)", ".1%"), "sortino": ("Sortino ratio", ".2f"),
    "downside_deviation": ("Downside deviation", ".2%"), "max_drawdown": ("Max drawdown", ".1%"),
    "calmar": ("Calmar ratio", ".2f"), "omega": ("Omega ratio", ".2f"), "ulcer_index": ("Ulcer index", ".3f"),
    "skew": ("Skew", ".2f"), "kurtosis": ("Excess kurtosis", ".2f"), "var_95": ("VaR 95% (1 day)", ".2%"),
    "cvar_95": ("CVaR 95% (1 day)", ".2%"), "hit_rate": ("Hit rate (up days)", ".1%"),
    "best_day": ("Best day", ".2%"), "worst_day": ("Worst day", ".2%"), "observations": ("Days", ",.0f"),
    "beta": ("Beta", ".2f"), "alpha": ("Alpha (annual)", ".2%"), "correlation": ("Correlation", ".2f"),
    "tracking_error": ("Tracking error", ".2%"), "information_ratio": ("Information ratio", ".2f"),
    "annual_turnover": ("Annual turnover", ".0%"), "total_costs": ("Total costs", ".2%"),
}


def metric_rows(columns: dict[str, pd.Series]) -> list[dict]:
    """Rows ``{"metric": label, <column>: formatted value, ...}`` for metric tables."""
    index = next(iter(columns.values())).index
    rows = []
    for key in index:
        label, fmt = METRICS.get(key, (str(key).replace("_", " ").capitalize(), ".4g"))
        row = {"metric": label}
        for name, series in columns.items():
            value = series.get(key)
            row[name] = "" if value is None or pd.isna(value) else format(float(value), fmt)
        rows.append(row)
    return rows
