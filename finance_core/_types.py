"""Type aliases shared by finance_core's signatures (issue 11 point 5); no behaviour.

``pandas`` ships no type information here, so its names check as ``Any``; the aliases still say
what a parameter takes, and ``numpy`` and the standard-library parts are checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

#: A day or an instant: ``"2024-01-02"``, a ``date``/``datetime``, a ``Timestamp`` or ``datetime64``.
DateLike: TypeAlias = str | dt.date | pd.Timestamp | np.datetime64
#: Weights by ticker: a Series, a mapping, or an array in the columns' order.
WeightsLike: TypeAlias = pd.Series | Mapping[str, float] | np.ndarray | Sequence[float]
#: A number per position, or one number for all (volumes, caps, rates).
VectorLike: TypeAlias = ArrayLike | pd.Series
#: Prices: dates x tickers, or one row of prices by ticker.
PricesLike: TypeAlias = pd.DataFrame | pd.Series
#: A duration: ``"1min"``, ``"5min"`` or a ``Timedelta``.
IntervalLike: TypeAlias = str | pd.Timedelta | dt.timedelta
#: Positions in a sequence: 0-based indices, or a boolean mask of its length.
IndexMask: TypeAlias = Iterable[int] | np.ndarray
