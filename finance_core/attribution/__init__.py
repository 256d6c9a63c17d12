"""Performance attribution: Brinson by segment, linking over time, contribution to return."""

from .brinson import EFFECT_COLUMNS, TOTAL_ROW, BrinsonMethod, brinson, segment_returns
from .contribution import contribution
from .linking import Linking, carino_factors, link, menchero_factors

__all__ = [
    "EFFECT_COLUMNS",
    "TOTAL_ROW",
    "BrinsonMethod",
    "Linking",
    "brinson",
    "carino_factors",
    "contribution",
    "link",
    "menchero_factors",
    "segment_returns",
]
