"""The ensemble's member shares by hand from trailing Sharpe ratios."""

import math

import numpy as np
import pandas as pd
import pytest

from finance_core.dynamic import ensemble, ensemble_shares
from finance_core.errors import DataError


def hold(ticker):
    return lambda window: pd.Series(1.0, index=[ticker]).reindex(window.columns, fill_value=0.0)


MEMBERS = {"all A": hold("A"), "all B": hold("B"), "all C": hold("C")}


def test_shares_by_hand(trending):
    r = trending.pct_change().dropna()
    # over the last 62 days (31 of each sign) member k earns m_k +- s_k, so its Sharpe ratio is
    # m_k / (s_k sqrt(62/61)) * sqrt(252): A 0.002/0.01 = 0.2 k, B -0.1 k (clipped to 0), C 0.001/0.02 = 0.05 k;
    # shares 0.2 / 0.25 = 80% A, 0.05 / 0.25 = 20% C.
    shares = ensemble_shares(r, MEMBERS, evaluation=62)
    np.testing.assert_allclose(shares.to_numpy(), [0.8, 0.0, 0.2], rtol=1e-9)
    out = ensemble(r, MEMBERS, evaluation=62)
    np.testing.assert_allclose(out.weights.to_numpy(), [0.8, 0.0, 0.2], rtol=1e-9)
    assert "all A 80%" in out.notes[0]


def test_members_are_judged_on_days_their_weights_had_not_seen(trending):
    r = trending.pct_change().dropna()
    seen = []

    def spy(window):
        seen.append(window.index[-1])
        return hold("A")(window)

    ensemble_shares(r, {"spy": spy, "all C": hold("C")}, evaluation=62)
    assert seen == [r.index[-63]]  # chosen 62 days before the end, then held over the last 62


def test_no_positive_sharpe_gives_equal_shares(trending):
    r = -trending.pct_change().dropna()  # every trend reversed: A and C now fall, B rises
    shares = ensemble_shares(r, {"all A": hold("A"), "all C": hold("C")}, evaluation=62)
    assert shares.tolist() == [0.5, 0.5]
    assert math.isclose(float(shares.sum()), 1.0)


def test_one_member_is_not_an_ensemble(trending):
    with pytest.raises(DataError, match="at least two member"):
        ensemble(trending.pct_change().dropna(), {"all A": hold("A")})
