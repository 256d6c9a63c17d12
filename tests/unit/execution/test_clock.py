"""finance_core.execution.clock: intraday volume profiles.

Oracles: the stylised U shape by hand and pandas group-bys over the bars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finance_core import execution as ex
from finance_core.errors import DataError


def test_default_volume_profile_is_u_shaped_with_closing_auction():
    p = ex.intraday_volume_profile(390)
    assert p.sum() == pytest.approx(1.0)
    assert p.iloc[-1] == pytest.approx(ex.CLOSE_AUCTION_SHARE + 0.91 * p.iloc[0] / (1 - 0 * 0.09), rel=0.05)
    assert p.iloc[-1] > 0.09 and p.iloc[0] > 2.5 * p.iloc[195]  # heavier near the open than at midday
    assert np.argmin(p.to_numpy()[:-1]) in range(190, 200)
    flat = ex.intraday_volume_profile(13, close_auction=0.0)
    assert flat.iloc[0] == pytest.approx(flat.iloc[-1])


def test_volume_profile_estimated_from_bars():
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2024-01-02", periods=5)
    idx = pd.DatetimeIndex([d + pd.Timedelta(minutes=570 + m) for d in days for m in range(390)])
    bars = pd.Series(rng.integers(100, 10_000, len(idx)).astype(float), index=idx)
    prof = ex.intraday_volume_profile(13, volumes=bars)
    # oracle: each day's share of its volume per 30-minute bucket, averaged over days
    df = bars.to_frame("v").assign(day=idx.normalize(), bucket=(idx.hour * 60 + idx.minute - 570) // 30)
    share = df.groupby(["day", "bucket"])["v"].sum() / df.groupby("day")["v"].sum()
    want = share.groupby("bucket").mean().to_numpy()
    np.testing.assert_allclose(prof.to_numpy(), want, rtol=1e-12)
    with pytest.raises(DataError, match="negative"):
        ex.intraday_volume_profile(13, volumes=-bars)
