"""The tax desk: lots, lot relief, wash sales, harvesting, tax-aware rebalancing, after-tax returns.

The public face of the tax computations (``from finance_core import tax``;
``tax.process_trades(...)``). US federal rules; rates are inputs with 2026 defaults.

Modules:

- ``rates``: capital-gains rates (2026 brackets, NIIT) and Schedule D netting (``TaxRates``).
- ``lots``: relief methods, trade and opening-lot checks into replay events, lots valued at prices.
- ``wash_sales``: the replay engine: lot relief and the wash-sale rule (``process_trades``).
- ``result``: what a replay produced (``TaxResult``).
- ``form8949``: taxable sales laid out as IRS Form 8949.
- ``harvest``: tax-loss harvesting candidates, trades and replacements.
- ``trade_tax``: the tax cost of a proposed trade list.
- ``rebalance``: tax-aware rebalancing and the tax / tracking-error trade-off curve.
- ``after_tax``: after-tax returns and the tax drag.
- ``location``: asset location across taxable, tax-deferred and tax-exempt accounts.
- ``_dates``: epoch-day arithmetic and the one-year anniversary (package-private).
- ``_text``: money wording shared by the notes (package-private).
"""

from .after_tax import AfterTaxReturn, after_tax_return
from .form8949 import FORM_8949_COLUMNS, form_8949
from .harvest import HarvestPlan, harvest_candidates, harvest_trades, replacement_for
from .location import AssetLocation, asset_location, asset_location_of_lots
from .lots import (
    LOT_METHODS,
    LotMethod,
    is_long_term,
    known_accounts,
    lots_at_prices,
    sample_lots,
    sample_trades,
    unrealized_summary,
)
from .rates import (
    FILING_STATUSES,
    LONG_TERM_BRACKETS_2026,
    NIIT_RATE,
    NIIT_THRESHOLDS,
    ORDINARY_BRACKETS_2026,
    TaxRates,
)
from .rebalance import REBALANCE_ACCOUNT_COLUMNS, RebalanceResult, tax_aware_rebalance, tax_tradeoff_curve
from .result import TaxResult
from .trade_tax import TRADE_TAX_COLUMNS, TradeListTax, trade_list_tax, yearly_tax
from .wash_sales import WASH_WINDOW_DAYS, identical_map, process_trades

__all__ = [
    # rates
    "TaxRates",
    "FILING_STATUSES",
    "ORDINARY_BRACKETS_2026",
    "LONG_TERM_BRACKETS_2026",
    "NIIT_RATE",
    "NIIT_THRESHOLDS",
    # lots, the replay and its result
    "LOT_METHODS",
    "LotMethod",
    "WASH_WINDOW_DAYS",
    "TaxResult",
    "process_trades",
    "FORM_8949_COLUMNS",
    "form_8949",
    "lots_at_prices",
    "is_long_term",
    "sample_lots",
    "sample_trades",
    "known_accounts",
    "identical_map",
    "unrealized_summary",
    # harvesting
    "harvest_candidates",
    "harvest_trades",
    "HarvestPlan",
    "replacement_for",
    # the tax cost of a proposed trade list (the construction desk's target trades)
    "TradeListTax",
    "trade_list_tax",
    "yearly_tax",
    "TRADE_TAX_COLUMNS",
    # rebalancing
    "RebalanceResult",
    "tax_aware_rebalance",
    "tax_tradeoff_curve",
    "REBALANCE_ACCOUNT_COLUMNS",
    # returns and location
    "AfterTaxReturn",
    "after_tax_return",
    "AssetLocation",
    "asset_location",
    "asset_location_of_lots",
]
