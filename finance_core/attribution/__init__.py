"""Performance attribution: Brinson by segment, linking over time, a window of daily returns attributed
(one period and linked calendar periods), contribution to return."""

from .brinson import EFFECT_COLUMNS, TOTAL_ROW, BrinsonMethod, brinson, brinson_periods, segment_returns
from .contribution import contribution
from .linking import Linking, carino_factors, link, menchero_factors
from .periods import LINKED_METHOD, MIN_PERIODS, SEGMENT_COLUMNS, BrinsonWindow, attribute, period_returns

__all__ = [
    "EFFECT_COLUMNS",
    "LINKED_METHOD",
    "MIN_PERIODS",
    "SEGMENT_COLUMNS",
    "TOTAL_ROW",
    "BrinsonMethod",
    "BrinsonWindow",
    "Linking",
    "attribute",
    "period_returns",
    "brinson",
    "brinson_periods",
    "carino_factors",
    "contribution",
    "link",
    "menchero_factors",
    "segment_returns",
]
