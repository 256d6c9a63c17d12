"""Tax-aware rebalancing: lot-level sells, account-level cash, whole shares, tax by account type.

:func:`tax_aware_rebalance` moves a household's lots toward target weights, trading
tracking error against tax. Each account is its own wallet: the proceeds of its
sells (and its starting cash) fund buys in that account only, every buy names its
account, and no account ends with negative cash. Gains realised in IRA and Roth
accounts are sheltered (no tax); the tax is that of the taxable accounts' short- and
long-term gains after Schedule D netting (:meth:`TaxRates.tax`). The trade list is
in whole shares by default, and the tax, weights and tracking error reported are
those of the rounded trades. :func:`tax_tradeoff_curve` sweeps the tax weight on the
problem compiled once. Re-exported by :mod:`finance_core.tax`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
import pandas as pd
from scipy.optimize import linprog

from .._types import DateLike, PricesLike
from ..errors import DataError, InfeasibleError, SolverError
from ._text import usd
from .lots import lots_at_prices, price_at
from .rates import TaxRates
from .wash_sales import WASH_WINDOW_DAYS

__all__ = ["RebalanceResult", "tax_aware_rebalance", "tax_tradeoff_curve", "REBALANCE_ACCOUNT_COLUMNS"]

#: Columns of :attr:`RebalanceResult.accounts`, one row per account.
REBALANCE_ACCOUNT_COLUMNS = [
    "account",
    "account_type",
    "cash_before",
    "sold",
    "bought",
    "cash_after",
    "realized_gain",
    "short_term_gain",
    "long_term_gain",
]
_SHELTERED = ("ira", "roth")


@dataclass(frozen=True)
class RebalanceResult:
    """A tax-aware rebalance.

    ``trades``: lot-level sells and account-level buys (``lot_id``, ``account``,
    ``account_type``, ``ticker``, ``side``, ``shares``, ``price``, ``value``,
    ``term``, ``gain``, ``tax``: the lot's gain at its term's rate, 0 in IRA/Roth,
    before netting); every buy names the account whose cash pays for it.
    ``weights``: per ticker ``current``, ``target``, ``after``; ``tracking_error``:
    ex-ante ``sqrt((w - w*)' Sigma (w - w*))`` after trading (annualised when the
    covariance is). ``short_term_gain`` and ``long_term_gain``: gains realised in
    taxable accounts; ``realized_gain``: their sum (the taxable gain);
    ``sheltered_gain``: gains realised in IRA and Roth accounts, which pay no tax;
    ``tax``: ``rates.tax(short_term_gain, long_term_gain)``, after Schedule D
    netting of the two terms (negative only for a net loss); ``tax_before_netting``:
    the lot-by-lot sum the optimiser weighs. ``accounts``: per account the cash
    before, sold, bought and after (never negative) and the gains realised
    (:data:`REBALANCE_ACCOUNT_COLUMNS`). ``turnover``: sells / portfolio value;
    ``whole_shares``: whether the trades were rounded to whole shares; ``solver``:
    which solver answered.
    """

    trades: pd.DataFrame
    weights: pd.DataFrame
    tracking_error: float
    tax: float
    realized_gain: float
    turnover: float
    tax_weight: float
    solver: str
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    short_term_gain: float = 0.0
    long_term_gain: float = 0.0
    sheltered_gain: float = 0.0
    tax_before_netting: float = 0.0
    accounts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REBALANCE_ACCOUNT_COLUMNS))
    whole_shares: bool = True


def _account_types(valued: pd.DataFrame, extra: Iterable[str]) -> dict[str, str]:
    """Account -> type: the lots' ``account_type``, else ira/roth by name, any other taxable."""
    names = valued["account"].astype(str)
    if "account_type" in valued.columns:
        types = valued["account_type"].astype(str).str.strip().str.lower()
    else:
        low = names.str.lower()
        types = low.where(low.isin(_SHELTERED), "taxable")
    out = dict(zip(names, types, strict=True))
    for a in extra:
        out.setdefault(a, a.lower() if a.lower() in _SHELTERED else "taxable")
    return out


def _cash_by_account(cash: float | dict | pd.Series, valued: pd.DataFrame) -> dict[str, float]:
    """Starting cash per account; a single amount sits in the taxable account holding the most value."""
    if isinstance(cash, dict | pd.Series):
        out = {str(k): float(v) for k, v in dict(cash).items()}
    else:
        amount = float(cash)
        if amount == 0:
            return {}
        by = valued.groupby(valued["account"].astype(str))["market_value"].sum().sort_values(ascending=False)
        types = _account_types(valued, [])
        taxable = [a for a in by.index if types[a] == "taxable"]
        out = {(taxable or list(by.index) or ["taxable"])[0]: amount}
    bad = [a for a, v in out.items() if not np.isfinite(v) or v < 0]
    if bad:
        raise DataError(
            f"Starting cash of account {bad[0]!r} is {out[bad[0]]:g}: enter an amount of zero or more.",
            code="bad_cash",
        )
    return out


def _checked_target(target_weights: pd.Series) -> pd.Series:
    """The target weights as floats, refused unless every one is a number >= 0 and they sum to 1."""
    target = pd.Series(target_weights, dtype=float)
    if target.isna().any() or (target < -1e-12).any():
        bad = target[target.isna() | (target < 0)].index[0]
        raise DataError(f"Target weight of {bad} must be a number >= 0.", code="bad_weight")
    if abs(target.sum() - 1.0) > 1e-6:
        raise DataError(
            f"Target weights sum to {target.sum():.4f}; they must sum to 1. Rescale them.",
            code="bad_weight",
        )
    return target


class _RebalanceModel:
    """The rebalancing problem compiled once with ``tax_weight`` as a cvxpy Parameter (DPP).

    Variables (all O(1)): ``x`` the fraction of each lot sold, ``b`` the weight bought
    of each (account, ticker) pair. Each account's buys are at most its sells plus
    its starting cash, so cash never moves between accounts.
    """

    def __init__(
        self,
        lots: pd.DataFrame,
        prices: PricesLike,
        target_weights: pd.Series,
        *,
        rates: TaxRates | None,
        cov: pd.DataFrame | None,
        as_of: DateLike | None,
        cash: float | dict,
    ) -> None:
        self.rates = rates or TaxRates()
        self._value(lots, prices, target_weights, as_of=as_of, cash=cash)
        self._compile(cov, self._buyable())

    def _value(
        self, lots: pd.DataFrame, prices: PricesLike, target_weights: pd.Series, *, as_of: DateLike | None,
        cash: float | dict,
    ) -> None:
        """Value the lots, align the target to every ticker, and index value and tax by lot, ticker and account."""
        valued = lots_at_prices(lots, prices, as_of).reset_index(drop=True)
        when = pd.Timestamp(as_of) if as_of is not None else (
            prices.index[-1] if isinstance(prices, pd.DataFrame) else pd.Timestamp.today().normalize())
        acquired = pd.to_datetime(valued["acquired"])
        # purchases of the last 30 days: selling another lot of the ticker at a loss may be a wash sale
        self.recent = ((acquired > when - pd.Timedelta(days=WASH_WINDOW_DAYS)) & (acquired <= when)).to_numpy()
        self.prices_now = price_at(prices, as_of).dropna()
        target = _checked_target(target_weights)
        tickers = list(dict.fromkeys(list(target.index) + list(valued["ticker"])))
        target = target.reindex(tickers).fillna(0.0)
        self.tickers, self.valued, self.target = tickers, valued, target
        cash_by = _cash_by_account(cash, valued)
        self.types = _account_types(valued, cash_by)
        self.accounts = list(self.types)
        self.cash0 = np.array([cash_by.get(a, 0.0) for a in self.accounts])
        mv = valued["market_value"].to_numpy(float)
        pos = {t: i for i, t in enumerate(tickers)}
        self.tix = tix = valued["ticker"].map(pos).to_numpy(int)
        self.aix = valued["account"].astype(str).map({a: i for i, a in enumerate(self.accounts)}).to_numpy(int)
        v0 = np.bincount(tix, weights=mv, minlength=len(tickers))
        total = float(v0.sum() + self.cash0.sum())
        if total <= 0:
            raise DataError("The portfolio has no value at these prices: nothing to rebalance.", code="empty")
        self.total, self.v0, self.mv = total, v0, mv
        self.w0 = v0 / total
        self.taxable = np.array([self.types[a] == "taxable" for a in valued["account"].astype(str)], dtype=bool)
        self.short = valued["term"].to_numpy(object) == "short"
        rate = np.where(self.short, self.rates.short_term_total, self.rates.long_term_total)
        self.gain = valued["unrealized_gain"].to_numpy(float)
        self.lot_tax = np.where(self.taxable, self.gain * rate, 0.0)

    def _buyable(self) -> list[int]:
        """Positions of the tickers under target (a buy may raise them); refused when one of them has no price."""
        tickers, w0 = self.tickers, self.w0
        buyable = [i for i, t in enumerate(tickers) if self.target.iloc[i] > w0[i] + 1e-12]
        no_price = [tickers[i] for i in buyable if not self.prices_now.get(tickers[i], np.nan) > 0]
        if no_price:
            raise DataError(
                f"No price for {', '.join(no_price[:5])} on or before the as-of date: the target holds "
                "it but it cannot be bought. Load prices that include it, or take it out of the target.",
                code="no_price",
            )
        self.price = np.array([float(self.prices_now.get(t, np.nan)) for t in tickers])
        return buyable

    def _compile(self, cov: pd.DataFrame | None, buyable: list[int]) -> None:
        """The cvxpy problem in ``x`` (fraction of each lot sold) and ``b`` (weight bought per pair), DPP in lam."""
        tickers, tix, aix, mv, total, w0 = self.tickers, self.tix, self.aix, self.mv, self.total, self.w0
        target = self.target
        over = w0 > target.to_numpy() + 1e-12
        # (account, ticker) pairs a buy can land in
        self.pairs = [(a, t) for a in range(len(self.accounts)) for t in buyable]
        nl, nt, na, npair = len(self.valued), len(tickers), len(self.accounts), len(self.pairs)
        S = np.zeros((nt, nl))
        S[tix, np.arange(nl)] = mv
        B = np.zeros((nt, npair))  # pair -> ticker
        A = np.zeros((na, npair))  # pair -> account
        for k, (a, t) in enumerate(self.pairs):
            B[t, k], A[a, k] = 1.0, 1.0
        M = np.zeros((na, nl))  # lot proceeds -> account
        M[aix, np.arange(nl)] = mv
        self.L = self._risk_factor(cov, tickers)
        x = cp.Variable(nl, nonneg=True)
        b = cp.Variable(npair, nonneg=True)
        lam = cp.Parameter(nonneg=True)
        diff = w0 - (S / total) @ x + B @ b - target.to_numpy()
        cons = [x <= over[tix].astype(float)]
        if npair:
            cons.append(A @ b <= (M / total) @ x + self.cash0 / total)
        else:
            cons.append(b == 0)
        obj = cp.sum_squares(self.L.T @ diff) + lam * (self.lot_tax @ x) / total
        self.problem = cp.Problem(cp.Minimize(obj), cons)
        self.x, self.b, self.lam, self.S = x, b, lam, S
        held = set(zip(aix, tix, strict=True))
        # placing the buys (stage 2): prefer an account that already holds the ticker
        self.place_cost = np.array([0.0 if (a, t) in held else 1.0 for a, t in self.pairs])
        self.A, self.B = A, B

    @staticmethod
    def _risk_factor(cov: pd.DataFrame | None, tickers: list[str]) -> np.ndarray:
        if cov is None:
            return np.eye(len(tickers))
        C = pd.DataFrame(cov).reindex(index=tickers, columns=tickers)
        if C.isna().any().any():
            miss = [t for t in tickers if C.loc[t].isna().any()]
            raise DataError(
                f"The covariance has no entry for {', '.join(miss[:5])}. Estimate it on all held and target tickers.",
                code="missing_cov",
            )
        C = C.to_numpy(float)
        vals, vecs = np.linalg.eigh((C + C.T) / 2)
        return vecs * np.sqrt(np.clip(vals, 0, None))  # C = L L'

    def _solve_continuous(self) -> tuple[str, np.ndarray, np.ndarray]:
        """The relaxed problem through the solver chain: (solver, fraction sold per lot, buy per pair)."""
        errors = []
        for solver in ("CLARABEL", "OSQP", "SCS"):
            try:
                self.problem.solve(solver=solver)
            except (cp.error.SolverError, ValueError, ArithmeticError) as err:
                errors.append(f"{solver}: {err}")
                continue
            x, b = self.x.value, self.b.value if len(self.pairs) else np.zeros(0)
            if self.problem.status in ("optimal", "optimal_inaccurate") and x is not None and b is not None:
                return solver, x, b
            if self.problem.status in ("infeasible", "infeasible_inaccurate"):
                raise InfeasibleError(
                    "No rebalance satisfies the constraints (sells only of overweight tickers, buys of "
                    "underweight ones paid by the same account's cash). Check the target weights and the cash.",
                    code="infeasible",
                )
            errors.append(f"{solver}: status {self.problem.status}")
        raise SolverError("Every solver failed on the rebalance: " + "; ".join(errors), code="solver_error")

    def _place_buys(self, b: np.ndarray) -> np.ndarray:
        """Re-split the buys over accounts (same ticker totals, same spend per account) as a sparse vertex.

        The objective does not care which account buys a ticker, so the interior-point
        answer spreads every buy over every account; a transportation LP (HiGHS,
        vertex solution) gives the same totals with few buys, in accounts that
        already hold the ticker where it can.
        """
        if not len(b) or b.sum() <= 0:
            return b
        res = linprog(
            self.place_cost,
            A_eq=np.vstack([self.A, self.B]),
            b_eq=np.concatenate([self.A @ b, self.B @ b]),
            bounds=(0, None),
            method="highs-ds",
        )
        return np.clip(res.x, 0, None) if res.status == 0 else b

    def _shares(self, x: np.ndarray, b: np.ndarray, whole: bool) -> tuple[np.ndarray, np.ndarray]:
        """Shares sold per lot and bought per pair; whole shares keep every account's cash >= 0."""
        lot_shares = self.valued["shares"].to_numpy(float)
        sold = x * lot_shares
        bought = np.array([b[k] * self.total / self.price[t] for k, (_a, t) in enumerate(self.pairs)])
        if not whole:
            return sold, bought
        # a lot sold (almost) entirely is closed, fractional shares and all; otherwise the nearest share
        sold = np.where(x > 1 - 1e-6, lot_shares, np.minimum(np.round(sold), np.floor(lot_shares)))
        cash = self.cash0 + np.bincount(self.aix, weights=sold * self.valued["price"].to_numpy(float),
                                        minlength=len(self.accounts))
        px = np.array([self.price[t] for _a, t in self.pairs])
        acct = np.array([a for a, _t in self.pairs], dtype=int)
        want, out = bought, np.floor(bought + 1e-9)
        for a in range(len(self.accounts)):
            mine = np.flatnonzero(acct == a)
            left = cash[a] - float(px[mine] @ out[mine])
            while left < -1e-9:  # rounded-down sells no longer pay for every buy: drop the dearest share
                k = mine[np.argmax(np.where(out[mine] > 0, px[mine], -np.inf))]
                out[k] -= 1
                left += px[k]
            for k in mine[np.argsort(-(want[mine] - out[mine]), kind="stable")]:
                if want[k] - out[k] >= 0.5 and px[k] <= left + 1e-9:  # round up where the cash allows
                    out[k] += 1
                    left -= px[k]
        return sold, out

    def solve(self, tax_weight: float, *, whole_shares: bool = True) -> RebalanceResult:
        if not np.isfinite(tax_weight) or tax_weight < 0:
            raise DataError(f"tax_weight={tax_weight} must be zero or more.", code="bad_tax_weight")
        self.lam.value = float(tax_weight)
        t0 = time.perf_counter()
        used, x_relaxed, b_relaxed = self._solve_continuous()
        x = np.clip(x_relaxed, 0, 1)
        x[x < 1e-6] = 0.0
        x[x > 1 - 1e-6] = 1.0
        b = self._place_buys(np.clip(b_relaxed, 0, None)) if len(self.pairs) else np.zeros(0)
        sold, bought = self._shares(x, b, whole_shares)
        if not whole_shares:  # a solver's sliver of a share (under half a cent) is no trade anyone would place
            sold, bought = np.where(sold < 0.005, 0.0, sold), np.where(bought < 0.005, 0.0, bought)
        return self._result(sold, bought, tax_weight, used, time.perf_counter() - t0, whole_shares)

    def _result(
        self, sold: np.ndarray, bought: np.ndarray, tax_weight: float, solver: str, secs: float, whole: bool
    ) -> RebalanceResult:
        """The :class:`RebalanceResult` of selling ``sold`` shares of each lot and buying ``bought`` per pair."""
        v = self.valued
        lot_shares = v["shares"].to_numpy(float)
        frac = np.divide(sold, lot_shares, out=np.zeros_like(sold), where=lot_shares > 0)
        gain, lot_tax = self.gain * frac, self.lot_tax * frac
        sell_value = sold * v["price"].to_numpy(float)
        acct_names = np.array(self.accounts, dtype=object)
        s = sold > 0
        sells = pd.DataFrame({
            "lot_id": (v["lot_id"] if "lot_id" in v.columns else v.index.to_series()).to_numpy()[s],
            "account": v["account"].astype(str).to_numpy()[s],
            "account_type": [self.types[a] for a in v["account"].astype(str).to_numpy()[s]],
            "ticker": v["ticker"].to_numpy()[s], "side": "sell", "shares": sold[s],
            "price": v["price"].to_numpy(float)[s], "value": sell_value[s], "term": v["term"].to_numpy()[s],
            "gain": gain[s], "tax": lot_tax[s],
        })
        k = np.flatnonzero(bought > 0)
        buy_acct = np.array([self.pairs[i][0] for i in k], dtype=int)
        buy_tix = np.array([self.pairs[i][1] for i in k], dtype=int)
        buy_value = bought[k] * self.price[buy_tix] if len(k) else np.zeros(0)
        buys = pd.DataFrame({
            "lot_id": None, "account": acct_names[buy_acct],
            "account_type": [self.types[a] for a in acct_names[buy_acct]],
            "ticker": np.array(self.tickers, dtype=object)[buy_tix], "side": "buy", "shares": bought[k],
            "price": self.price[buy_tix], "value": buy_value, "term": None, "gain": 0.0, "tax": 0.0,
        })
        trades = pd.concat([d for d in (sells, buys) if len(d)] or [sells], ignore_index=True)
        taxed = self.taxable & s
        st = float(gain[taxed & self.short].sum())
        lt = float(gain[taxed & ~self.short].sum())
        tax = self.rates.tax(st, lt)
        after_v = self.v0 - np.bincount(self.tix, weights=sell_value, minlength=len(self.tickers))
        after_v += np.bincount(buy_tix, weights=buy_value, minlength=len(self.tickers))
        after = after_v / self.total
        te = float(np.linalg.norm(self.L.T @ (after - self.target.to_numpy())))
        accounts = self._accounts(sell_value, buy_acct, buy_value, gain)
        sheltered = float(gain[~self.taxable].sum())
        return RebalanceResult(
            trades=trades,
            weights=pd.DataFrame(
                {"current": self.w0, "target": self.target.to_numpy(), "after": after},
                index=pd.Index(self.tickers, name="ticker"),
            ),
            tracking_error=te, tax=float(tax), realized_gain=st + lt,
            turnover=float(sell_value.sum() / self.total), tax_weight=float(tax_weight), solver=solver,
            solve_seconds=secs,
            notes=tuple(self._wash_notes(sold, gain) + self._notes(st, lt, tax, float(lot_tax.sum()), sheltered, whole)),
            short_term_gain=st, long_term_gain=lt, sheltered_gain=sheltered,
            tax_before_netting=float(lot_tax.sum()), accounts=accounts, whole_shares=whole,
        )

    def _accounts(
        self, sell_value: np.ndarray, buy_acct: np.ndarray, buy_value: np.ndarray, gain: np.ndarray
    ) -> pd.DataFrame:
        """One row per account: cash before and after, value sold and bought, realised gains by term."""
        na = len(self.accounts)
        sold_by = np.bincount(self.aix, weights=sell_value, minlength=na)
        bought_by = np.bincount(buy_acct, weights=buy_value, minlength=na)

        def by_acct(per_lot: np.ndarray) -> np.ndarray:
            return np.bincount(self.aix, weights=per_lot, minlength=na)

        return pd.DataFrame({
            "account": self.accounts, "account_type": [self.types[a] for a in self.accounts],
            "cash_before": self.cash0, "sold": sold_by, "bought": bought_by,
            "cash_after": self.cash0 + sold_by - bought_by, "realized_gain": by_acct(gain),
            "short_term_gain": by_acct(np.where(self.taxable & self.short, gain, 0.0)),
            "long_term_gain": by_acct(np.where(self.taxable & ~self.short, gain, 0.0)),
        })

    def _wash_notes(self, sold: np.ndarray, gain: np.ndarray) -> list[str]:
        """Loss sells of a ticker bought in the last 30 days (another lot, still held after the rebalance)."""
        v, notes = self.valued, []
        lot_shares = v["shares"].to_numpy(float)
        kept = self.recent & (sold < lot_shares - 1e-9)
        loss = (sold > 0) & (gain < 0) & self.taxable
        for t in pd.unique(v["ticker"].to_numpy()[loss]):
            same = v["ticker"].to_numpy() == t
            buys = kept & same
            if buys.any():
                when = pd.to_datetime(v["acquired"]).to_numpy()[buys].max()
                notes.append(
                    f"Possible wash sale: {t} is sold at a loss of {usd(-gain[loss & same].sum())} while {t} shares "
                    f"bought on {pd.Timestamp(when).date()} are still held: the loss may be disallowed (its tax saving "
                    f"not taken). Sell those shares too, or wait until "
                    f"{(pd.Timestamp(when) + pd.Timedelta(days=WASH_WINDOW_DAYS + 1)).date()}."
                )
        return notes

    def _notes(
        self, st: float, lt: float, tax: float, before: float, sheltered: float, whole: bool
    ) -> list[str]:
        r = self.rates
        notes = []
        if st * lt < 0:
            net = st + lt
            term = ("short" if st > 0 else "long") if net >= 0 else ("short" if st < 0 else "long")
            kind = "gain" if net >= 0 else "loss"
            notes.append(
                f"Netting (Schedule D): the short-term {'gain' if st > 0 else 'loss'} of {usd(abs(st))} and the "
                f"long-term {'gain' if lt > 0 else 'loss'} of {usd(abs(lt))} net to a {term}-term {kind} of "
                f"{usd(abs(net))}, taxed at {r.rate(term):.1%}: tax {usd(tax)} "
                f"({usd(before)} lot by lot, before netting)."
            )
        if st + lt < 0:
            notes.append(
                f"The net capital loss of {usd(-(st + lt))} counts as a tax saving of {usd(-tax)} at its "
                "term's rate; the $3,000 yearly limit against ordinary income and carry-forwards are not modelled."
            )
        if abs(sheltered) > 0.005:
            notes.append(
                f"Gains of {usd(sheltered)} realised in IRA and Roth accounts are sheltered: no tax, and they "
                "are not part of the taxable gain."
            )
        notes.append(
            "Whole shares: sells to the nearest share (a lot sold entirely is closed with its fractional shares), "
            "buys rounded within each account's cash; the tax, weights and tracking error are those of these trades."
            if whole else "Fractional shares assumed: the trades are not rounded to whole shares."
        )
        notes.append("Tax is netted within this rebalance only, not with other sales of the year.")
        return notes


def tax_aware_rebalance(
    lots: pd.DataFrame,
    prices: PricesLike,
    target_weights: pd.Series,
    *,
    tax_weight: float = 1.0,
    rates: TaxRates | None = None,
    cov: pd.DataFrame | None = None,
    as_of: DateLike | None = None,
    cash: float | dict = 0.0,
    whole_shares: bool = True,
) -> RebalanceResult:
    """Move toward target weights trading off tracking error against tax paid, lot by lot, account by account.

    Solves, over the fraction ``x_l`` in [0, 1] of each lot sold and the money
    ``b_{a,t} >= 0`` bought of ticker ``t`` in account ``a``,

    ``minimise (w - w*)' Sigma (w - w*) + tax_weight * (sum_l x_l g_l tau_l) / V``

    subject to ``sum_t b_{a,t} <= sum_{l in a} x_l mv_l + cash_a`` for every account
    ``a`` (a sell's proceeds stay in its account; cash never goes negative), with
    ``w = (v0 - S x + B b) / V`` the weights after trading, ``g_l`` the unrealised
    gain of lot ``l``, ``tau_l`` its short- or long-term rate (0 in IRA/Roth
    accounts) and ``V`` the household's value (lots and cash). ``cash`` is the
    starting cash, per account (a mapping) or one amount held in the taxable account
    with the most value. Sells are restricted to overweight tickers and buys to
    underweight ones, so the rebalance never buys what it sells (no wash sale of its
    own making). Losses count as negative tax, so overweight losers are sold first.
    ``Sigma`` is ``cov`` (for an annualised tracking error) or the identity (plain
    weight distance). This is the tax-aware mean-variance formulation of Apelfeld,
    Fowler and Gordon (1996) and the lot-level model of Moehle, Kochenderfer, Boyd
    and Ang (2021), "Tax-aware portfolio construction via convex optimization".

    The buys are then placed in as few accounts as possible (a transportation LP,
    preferring accounts already holding the ticker), and with ``whole_shares`` (the
    default) rounded: sells to the nearest share, buys down to whole shares and up
    again where the account's cash allows. The result (tax after Schedule D netting
    of the taxable gains, weights, tracking error) is that of the rounded trades.

    Solved with cvxpy; Clarabel, then OSQP, then SCS on failure (``solver`` says
    which answered).
    """
    model = _RebalanceModel(lots, prices, target_weights, rates=rates, cov=cov, as_of=as_of, cash=cash)
    return model.solve(tax_weight, whole_shares=whole_shares)


def tax_tradeoff_curve(
    lots: pd.DataFrame,
    prices: PricesLike,
    target_weights: pd.Series,
    *,
    tax_weights: Iterable[float] | None = None,
    rates: TaxRates | None = None,
    cov: pd.DataFrame | None = None,
    as_of: DateLike | None = None,
    cash: float | dict = 0.0,
    whole_shares: bool = True,
) -> pd.DataFrame:
    """Tax paid against tracking error for several tax weights (the problem is compiled once).

    Returns one row per tax weight with ``tax_weight``, ``tax``, ``realized_gain``
    (taxable accounts), ``sheltered_gain``, ``tracking_error``, ``turnover`` and
    ``solver``, each of the rebalance :func:`tax_aware_rebalance` returns (rounded
    to whole shares unless ``whole_shares=False``); default weights are 0 and
    ``logspace(-4, 1, 12)``.
    """
    if tax_weights is None:
        tax_weights = np.concatenate([[0.0], np.logspace(-4, 1, 12)])
    model = _RebalanceModel(lots, prices, target_weights, rates=rates, cov=cov, as_of=as_of, cash=cash)
    rows = []
    for lam in tax_weights:
        r = model.solve(float(lam), whole_shares=whole_shares)
        rows.append({
            "tax_weight": r.tax_weight, "tax": r.tax, "realized_gain": r.realized_gain,
            "sheltered_gain": r.sheltered_gain, "tracking_error": r.tracking_error, "turnover": r.turnover,
            "solver": r.solver,
        })
    return pd.DataFrame(rows)
