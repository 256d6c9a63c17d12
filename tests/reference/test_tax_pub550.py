"""Published worked examples of the wash-sale and holding-period rules.

Each expected number is taken from the publication cited next to it, not from this code.
"""

import pandas as pd
import pytest

from finance_core import tax


def _trades(rows):
    return pd.DataFrame(rows, columns=["date", "account", "ticker", "side", "shares", "price"])


def test_pub550_wash_sale_example_basis_1050():
    # IRS Publication 550 (2025), chapter 4, "Wash Sales", Example (also IRS VITA "Capital Gain or Loss
    # Workout, Case Study 1: Wash Sales"): buy 100 shares of X for $1,000, sell them for $750, and within
    # 30 days buy 100 shares for $800. The $250 loss is not deductible; the basis of the new stock is $1,050.
    result = tax.process_trades(
        _trades(
            [
                ("2025-01-06", "brokerage", "X", "buy", 100, 10.00),
                ("2025-03-03", "brokerage", "X", "sell", 100, 7.50),
                ("2025-03-17", "brokerage", "X", "buy", 100, 8.00),
            ]
        )
    )
    sale = result.realized.iloc[0]
    assert sale["gain"] == pytest.approx(-250.0)  # Pub. 550: loss of $250
    assert sale["wash_disallowed"] == pytest.approx(250.0)  # Pub. 550: you can't deduct your loss of $250
    assert sale["allowed_gain"] == pytest.approx(0.0)
    assert sale["code"] == "W"
    lot = result.open_lots.iloc[0]
    assert lot["adjusted_basis"] == pytest.approx(1050.0)  # Pub. 550: basis in the new stock is $1,050
    assert lot["cost_basis"] == pytest.approx(800.0)  # Pub. 550: cost of the new stock, $800
    f8949 = tax.form_8949(result).iloc[0]
    assert f8949["code"] == "W" and f8949["adjustment"] == pytest.approx(250.0)


def test_pub550_more_stock_bought_than_sold_matched_in_order_bought():
    # IRS Publication 550, "Wash Sales", "More or less stock bought than sold", Example: 100 shares of M stock
    # bought in September are sold in February at a $1,000 loss; on each of 4 days shortly after, 50 shares
    # of substantially identical stock are bought. The $1,000 loss is not deductible; half of it ($500) is
    # added to the basis of the 50 shares bought on the first day and the other half ($500) to the basis of
    # the 50 shares bought on the second day ("match the shares bought in the same order that you bought
    # them, beginning with the first shares bought"). Dates: 2024/2025 edition, as we recall them; the rule
    # tested does not depend on the exact days.
    rows = [("2024-09-24", "b", "M", "buy", 100, 30.0), ("2025-02-03", "b", "M", "sell", 100, 20.0)]
    rows += [(f"2025-02-{d:02d}", "b", "M", "buy", 50, 21.0) for d in (10, 11, 12, 13)]
    result = tax.process_trades(_trades(rows))
    assert result.realized["gain"].iloc[0] == pytest.approx(-1000.0)
    assert result.realized["wash_disallowed"].iloc[0] == pytest.approx(
        1000.0
    )  # Pub. 550: can't deduct $1,000
    lots = result.open_lots.set_index("acquired")
    extra = lots["adjusted_basis"] - lots["cost_basis"]
    assert extra[pd.Timestamp("2025-02-10")] == pytest.approx(500.0)  # Pub. 550: add $500 to first 50 shares
    assert extra[pd.Timestamp("2025-02-11")] == pytest.approx(500.0)  # Pub. 550: add $500 to the next 50
    assert extra[pd.Timestamp("2025-02-12")] == pytest.approx(0.0)
    assert extra[pd.Timestamp("2025-02-13")] == pytest.approx(0.0)


def test_partial_wash_sale_fewer_shares_bought():
    # Treas. Reg. section 1.1091-1(c) (losses disallowed only on as many shares as were bought) as worked in a
    # published personal-finance column reproduced at redian.news/mitbbs/stock/33209381 ("Example 2"):
    # 100 XYZ bought 2008-12-01 for $2,000; 50 more bought 2009-03-01 for $1,200 and 25 on 2009-03-10 for
    # $650; the December shares sold 2009-03-27 for $1,300 (a $700 loss). 75 replacement shares: 75 % of the
    # loss ($525) is disallowed, $175 is deductible; $350 goes to the 50 shares (basis $1,550) and $175 to
    # the 25 shares (basis $825).
    result = tax.process_trades(
        _trades(
            [
                ("2008-12-01", "b", "XYZ", "buy", 100, 20.0),
                ("2009-03-01", "b", "XYZ", "buy", 50, 24.0),
                ("2009-03-10", "b", "XYZ", "buy", 25, 26.0),
                ("2009-03-27", "b", "XYZ", "sell", 100, 13.0),
            ]
        )
    )
    sale = result.realized.iloc[0]
    assert sale["gain"] == pytest.approx(-700.0)
    assert sale["wash_disallowed"] == pytest.approx(525.0)  # column: 75 % of the loss is disallowed
    assert sale["allowed_gain"] == pytest.approx(-175.0)  # column: deduct the other 25 % ($175)
    basis = result.open_lots.set_index("acquired")["adjusted_basis"]
    assert basis[pd.Timestamp("2009-03-01")] == pytest.approx(1550.0)  # column: $1,200 + $350
    assert basis[pd.Timestamp("2009-03-10")] == pytest.approx(825.0)  # column: $650 + $175


def test_ira_purchase_disallows_loss_without_basis_rev_rul_2008_5():
    # Rev. Rul. 2008-5 (Internal Revenue Bulletin 2008-3) facts: A owns 100 shares of X with a basis of
    # $1,000 and sells them on 20 Dec 2007 for $600; on 21 Dec 2007 A's IRA (or Roth IRA) buys 100 shares.
    # Holding: the $400 loss is disallowed under section 1091 and A's basis in the IRA is not increased.
    # Pub. 550 "Wash Sales" repeats the rule for IRA purchases.
    for acct in ("ira", "roth"):
        result = tax.process_trades(
            _trades(
                [
                    ("2007-06-01", "brokerage", "X", "buy", 100, 10.0),
                    ("2007-12-20", "brokerage", "X", "sell", 100, 6.0),
                    ("2007-12-21", acct, "X", "buy", 100, 6.1),
                ]
            )
        )
        sale = result.realized.iloc[0]
        assert sale["gain"] == pytest.approx(-400.0)
        assert sale["wash_disallowed"] == pytest.approx(400.0)  # Rev. Rul. 2008-5: loss disallowed
        assert sale["wash_permanent"] == pytest.approx(400.0)
        ira_lot = result.open_lots.iloc[0]
        assert ira_lot["account_type"] == acct
        assert ira_lot["adjusted_basis"] == pytest.approx(610.0)  # Rev. Rul. 2008-5: basis not increased
        assert bool(result.wash_sales["permanent"].iloc[0])


@pytest.mark.parametrize(
    ("bought_for", "basis"),
    [
        (90.0, 110.0),  # Treas. Reg. section 1.1091-2(a), Example 1: new share's basis is $110
        (70.0, 90.0),  # Treas. Reg. section 1.1091-2(a), Example 2: new share's basis is $90
    ],
)
def test_treas_reg_1091_2_basis_examples(bought_for, basis):
    # A bought a share for $100 in 1935, sold it on 15 Jan 1955 for $80 and bought a share of the same
    # stock on 1 Feb 1955 for $90 (Example 1) or $70 (Example 2).
    result = tax.process_trades(
        _trades(
            [
                ("1935-06-03", "a", "X", "buy", 1, 100.0),
                ("1955-01-15", "a", "X", "sell", 1, 80.0),
                ("1955-02-01", "a", "X", "buy", 1, bought_for),
            ]
        )
    )
    assert result.open_lots["adjusted_basis"].iloc[0] == pytest.approx(basis)
    # section 1091(d) / Pub. 550 "Holding period": the holding period of the old share is included, so the
    # new share is long term at once (held since 1935 plus 17 days).
    assert tax.is_long_term(result.open_lots["holding_start"].iloc[0], "1955-02-02")[0]


def test_pub550_holding_period_counts_from_day_after_acquisition():
    # IRS Publication 550, "Holding Period": property bought on February 5 and sold on February 5 of the next
    # year is held one year, so short term; sold on February 6 of the next year it is long term.
    assert not tax.is_long_term("2024-02-05", "2025-02-05")[0]
    assert tax.is_long_term("2024-02-05", "2025-02-06")[0]
    result = tax.process_trades(
        _trades(
            [
                ("2024-02-05", "b", "X", "buy", 2, 10.0),
                ("2025-02-05", "b", "X", "sell", 1, 12.0),
                ("2025-02-06", "b", "X", "sell", 1, 12.0),
            ]
        )
    )
    assert list(result.realized["term"]) == ["short", "long"]
