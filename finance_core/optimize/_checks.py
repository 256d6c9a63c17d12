"""Input checks shared by the allocation modules (private)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError


def covariance_values(cov: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Tickers and values of a covariance matrix given as a DataFrame labelled by ticker.

    Refuses, with a DataError, anything but a non-empty square frame with the same
    tickers in the same order on both axes and finite entries (naming the tickers
    with missing ones). The values are returned as given, not symmetrised.
    """
    if not isinstance(cov, pd.DataFrame) or cov.shape[0] != cov.shape[1] or cov.shape[0] == 0:
        raise DataError(
            "The covariance must be a non-empty square DataFrame indexed by ticker on both axes.",
            code="bad_covariance",
        )
    tickers = [str(t) for t in cov.columns]
    if [str(t) for t in cov.index] != tickers:
        raise DataError(
            "The covariance rows and columns list different tickers: pass a matrix with the same "
            "tickers in the same order on both axes.",
            code="bad_covariance",
        )
    c = cov.to_numpy(dtype=float)
    if not np.isfinite(c).all():
        bad = [tickers[i] for i in np.flatnonzero(~np.isfinite(c).all(axis=1))]
        raise DataError(
            f"The covariance has missing or infinite entries for {', '.join(bad[:5])}: re-estimate it "
            "on dates where every ticker has prices.",
            code="bad_covariance",
        )
    return tickers, c
