"""US federal tax rates on capital gains: 2026 brackets, the 3.8 % NIIT, and netting.

``TaxRates`` holds the marginal rates the tax desk applies to realised gains: the
ordinary-income rate for short-term gains (assets held one year or less) and the
0 / 15 / 20 % rate for long-term gains, each plus the 3.8 % net investment income
tax when income is above its threshold.

Sources
-------
- 2026 ordinary-income brackets and the 2026 "maximum zero rate amount" and
  "maximum 15-percent rate amount" for capital gains: IRS Rev. Proc. 2025-32
  (inflation adjustments for tax year 2026, section 4.01 tables and the capital
  gains paragraph). The ordinary brackets and the 0 % thresholds (49,450 single,
  98,900 married filing jointly) were checked against published reproductions of
  the IRS announcement of 9 October 2025. The 15 %/20 % thresholds (545,500 single,
  613,700 joint, 306,850 separate, 579,600 head of household) and the 0 % threshold
  for head of household (66,200) could not be checked against the Revenue Procedure
  itself when this was written: verify them before relying on them.
- Net investment income tax: IRC section 1411, 3.8 % of the lesser of net investment
  income and modified AGI above 200,000 (single, head of household), 250,000
  (married filing jointly, qualifying surviving spouse) or 125,000 (married filing
  separately); these thresholds are set by statute and not indexed (IRS Topic 559).
- Netting of short- and long-term gains and losses: Schedule D (Form 1040)
  instructions; IRS Publication 550, "Capital Gains Tax Rates".
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..errors import DataError

__all__ = [
    "TaxRates",
    "FILING_STATUSES",
    "ORDINARY_BRACKETS_2026",
    "LONG_TERM_BRACKETS_2026",
    "NIIT_RATE",
    "NIIT_THRESHOLDS",
]

#: Canonical filing statuses (aliases such as ``"mfj"`` are accepted by the constructor).
FILING_STATUSES = ("single", "married_joint", "married_separate", "head_of_household")

_ALIASES = {
    "single": "single",
    "s": "single",
    "married_joint": "married_joint",
    "married_filing_jointly": "married_joint",
    "mfj": "married_joint",
    "joint": "married_joint",
    "qualifying_surviving_spouse": "married_joint",
    "qss": "married_joint",
    "married_separate": "married_separate",
    "married_filing_separately": "married_separate",
    "mfs": "married_separate",
    "head_of_household": "head_of_household",
    "hoh": "head_of_household",
}

#: 2026 ordinary brackets: (upper bound of taxable income, marginal rate); Rev. Proc. 2025-32.
ORDINARY_BRACKETS_2026: dict[str, tuple[tuple[float, float], ...]] = {
    "single": (
        (12_400, 0.10),
        (50_400, 0.12),
        (105_700, 0.22),
        (201_775, 0.24),
        (256_225, 0.32),
        (640_600, 0.35),
        (float("inf"), 0.37),
    ),
    "married_joint": (
        (24_800, 0.10),
        (100_800, 0.12),
        (211_400, 0.22),
        (403_550, 0.24),
        (512_450, 0.32),
        (768_700, 0.35),
        (float("inf"), 0.37),
    ),
    "married_separate": (
        (12_400, 0.10),
        (50_400, 0.12),
        (105_700, 0.22),
        (201_775, 0.24),
        (256_225, 0.32),
        (384_350, 0.35),
        (float("inf"), 0.37),
    ),
    "head_of_household": (
        (17_700, 0.10),
        (67_450, 0.12),
        (105_700, 0.22),
        (201_750, 0.24),
        (256_200, 0.32),
        (640_600, 0.35),
        (float("inf"), 0.37),
    ),
}

#: 2026 long-term capital gains brackets (0 / 15 / 20 %); Rev. Proc. 2025-32 (see module note).
LONG_TERM_BRACKETS_2026: dict[str, tuple[tuple[float, float], ...]] = {
    "single": ((49_450, 0.0), (545_500, 0.15), (float("inf"), 0.20)),
    "married_joint": ((98_900, 0.0), (613_700, 0.15), (float("inf"), 0.20)),
    "married_separate": ((49_450, 0.0), (306_850, 0.15), (float("inf"), 0.20)),
    "head_of_household": ((66_200, 0.0), (579_600, 0.15), (float("inf"), 0.20)),
}

#: Net investment income tax rate (IRC section 1411).
NIIT_RATE = 0.038
#: Modified AGI thresholds of the NIIT (statutory, not inflation-indexed).
NIIT_THRESHOLDS = {
    "single": 200_000.0,
    "married_joint": 250_000.0,
    "married_separate": 125_000.0,
    "head_of_household": 200_000.0,
}


def _status(filing_status: str) -> str:
    key = str(filing_status).strip().lower().replace(" ", "_").replace("-", "_")
    if key not in _ALIASES:
        raise DataError(
            f"Unknown filing status {filing_status!r}: choose one of {', '.join(FILING_STATUSES)} "
            "(aliases: mfj, mfs, hoh, qss).",
            code="bad_filing_status",
        )
    return _ALIASES[key]


def _bracket_rate(brackets: tuple[tuple[float, float], ...], income: float) -> float:
    """Marginal rate of the bracket holding ``income`` (a bound belongs to the lower bracket)."""
    uppers = [b[0] for b in brackets]
    return brackets[min(bisect.bisect_left(uppers, income), len(brackets) - 1)][1]


def _check_rate(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise DataError(
            f"Tax rate {name}={value:g} is not a fraction between 0 and 1 (for 24 % enter 0.24).",
            code="bad_rate",
        )
    return value


@dataclass(frozen=True)
class TaxRates:
    """Marginal federal rates applied to realised capital gains.

    Parameters
    ----------
    short_term : float
        Ordinary-income marginal rate applied to short-term gains (held one year or less).
    long_term : float
        Long-term capital gains rate (0, 0.15 or 0.20 under current law).
    niit : float
        Net investment income tax added to both (0.038 above the NIIT threshold, else 0).
    filing_status, taxable_income, year :
        What the rates were derived from (informational when built by hand).

    The total rates are ``short_term_total = short_term + niit`` and
    ``long_term_total = long_term + niit``. Build them from a filing status and
    income with :meth:`from_income`.
    """

    short_term: float = 0.24
    long_term: float = 0.15
    niit: float = 0.0
    filing_status: str = "single"
    taxable_income: float | None = None
    year: int = 2026

    def __post_init__(self) -> None:
        for name in ("short_term", "long_term", "niit"):
            object.__setattr__(self, name, _check_rate(name, getattr(self, name)))

    @property
    def short_term_total(self) -> float:
        """Rate on short-term gains including the NIIT."""
        return self.short_term + self.niit

    @property
    def long_term_total(self) -> float:
        """Rate on long-term gains including the NIIT."""
        return self.long_term + self.niit

    def rate(self, term: str) -> float:
        """Total rate for ``"short"`` or ``"long"``."""
        if term not in ("short", "long"):
            raise DataError(f"term must be 'short' or 'long', not {term!r}.", code="bad_term")
        return self.short_term_total if term == "short" else self.long_term_total

    @classmethod
    def from_income(
        cls,
        filing_status: str = "single",
        taxable_income: float = 100_000.0,
        *,
        magi: float | None = None,
        year: int = 2026,
    ) -> TaxRates:
        """Marginal rates for a filing status and taxable income, 2026 law.

        The short-term rate is the ordinary bracket holding ``taxable_income``; the
        long-term rate is the capital gains bracket holding it (gains are stacked on
        top of ordinary income, so this is the marginal rate on the next dollar of
        gain); the 3.8 % NIIT applies when ``magi`` (defaults to ``taxable_income``,
        an approximation: MAGI is usually higher) exceeds the statutory threshold.

        References
        ----------
        IRS Rev. Proc. 2025-32 (2026 brackets); IRC section 1411 (NIIT). See the
        module docstring for which figures were verified.
        """
        if year != 2026:
            raise DataError(
                f"Only the 2026 brackets are bundled (asked for {year}). Enter the rates by hand "
                "with TaxRates(short_term=..., long_term=..., niit=...).",
                code="unsupported_year",
            )
        status = _status(filing_status)
        try:
            income = float(taxable_income)
        except (TypeError, ValueError):
            raise DataError(
                f"Taxable income {taxable_income!r} is not a number. Enter an amount such as 150000.",
                code="bad_income",
            ) from None
        if not income >= 0:
            raise DataError(f"Taxable income {income:g} must be zero or more.", code="bad_income")
        mag = income if magi is None else float(magi)
        niit = NIIT_RATE if mag > NIIT_THRESHOLDS[status] else 0.0
        return cls(
            short_term=_bracket_rate(ORDINARY_BRACKETS_2026[status], income),
            long_term=_bracket_rate(LONG_TERM_BRACKETS_2026[status], income),
            niit=niit,
            filing_status=status,
            taxable_income=income,
            year=year,
        )

    def tax(self, short_gain: float, long_gain: float) -> float:
        """Tax on net short- and long-term gains after Schedule D netting.

        A net loss in one term offsets a net gain in the other; what remains is
        taxed at that term's rate. A net loss overall returns a negative number
        (the value of the loss at the rate of its character), ignoring the 3,000
        yearly limit against ordinary income and carry-forwards.
        """
        st, lt = float(short_gain), float(long_gain)
        if st < 0 < lt:
            lt, st = max(lt + st, 0.0), min(lt + st, 0.0)
        elif lt < 0 < st:
            st, lt = max(st + lt, 0.0), min(st + lt, 0.0)
        return st * self.short_term_total + lt * self.long_term_total
