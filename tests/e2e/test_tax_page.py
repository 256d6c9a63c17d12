"""Tax page in headless Chromium: sample data, URL settings, CSV export, harvest, slider, bad uploads."""

import os
import time

import pytest

from finance_core import tax
from tests.e2e.conftest import (
    click,
    console_errors,
    drag_slider,
    show,
    text_of,
    use_as_target,
    wait_for_change,
)

pytestmark = pytest.mark.e2e




def _open(desk, query=""):
    desk.driver.get(desk.server_url + "/tax" + query)
    desk.wait_for_contains_text("#tax-source-label", "Bundled sample trades and lots", timeout=40)
    desk.wait_for_element("#tax-kpi-wash", timeout=40)


def test_sample_report_wash_sales_and_form_8949_csv(desk):
    _open(desk)
    result = tax.process_trades(tax.sample_trades(), "fifo", lots=tax.sample_lots())
    s = result.summary()
    desk.wait_for_contains_text("#tax-kpi-wash", f"${s['wash_disallowed']:,.0f}", timeout=30)
    desk.wait_for_contains_text("#tax-form8949", "100 sh AMD", timeout=30)
    desk.wait_for_contains_text(
        "#tax-wash-grid", "2022-02-10", timeout=30
    )  # AMD bought back: the replacement
    desk.wait_for_element("#tax-timeline-chart .scatterlayer", timeout=30)
    desk.wait_for_contains_text("#tax-lots-grid", "KO", timeout=30)
    desk.wait_for_contains_text("#tax-target-tax-none", 'press "Use as target"', timeout=30)  # no target yet
    assert desk.driver.find_elements("css selector", "#tax-lots-grid .ag-row.bg-danger-subtle")  # losing lots
    click(desk, "#tax-form8949-csv")
    path = os.path.join(desk.download_path, "form-8949-fifo.csv")
    deadline = time.time() + 20
    while time.time() < deadline and not os.path.exists(path):
        time.sleep(0.2)
    with open(path) as fh:
        lines = fh.read().splitlines()
    assert lines[0].startswith("part,description,date_acquired,date_sold,proceeds,cost_basis,code,adjustment")
    assert len(lines) == 1 + len(result.taxable_realized) and any(",W," in line for line in lines)
    assert console_errors(desk) == []


def test_method_filing_and_income_come_from_the_url(desk):
    _open(desk, "?method=hifo&filing=married_joint&income=300000")
    desk.wait_for_contains_text("#tax-rates-values", "short-term 24%, long-term 15%, NIIT 3.8%", timeout=30)
    hifo = tax.process_trades(tax.sample_trades(), "hifo", lots=tax.sample_lots()).summary()
    desk.wait_for_contains_text("#tax-kpi-long", f"${hifo['long_term_gain']:,.0f}", timeout=30)
    income = desk.find_element("#tax-income")
    income.clear()
    income.send_keys("40000\n")  # the 12 % bracket and the 0 % long-term band for joint filers
    desk.wait_for_contains_text("#tax-rates-values", "short-term 12%, long-term 0%, NIIT 0.0%", timeout=30)
    deadline = time.time() + 20
    while time.time() < deadline and "income=40000" not in desk.driver.current_url:
        time.sleep(0.2)
    assert "income=40000" in desk.driver.current_url and "method=hifo" in desk.driver.current_url
    assert console_errors(desk) == []


def test_tax_weight_slider_and_harvest_selected_lot(desk):
    _open(desk)
    desk.wait_for_contains_text("#tax-kpi-rebal-te", "%", timeout=30)
    te_before = text_of(desk, "#tax-kpi-rebal-te")
    drag_slider(desk, "tax-tax-weight", -400)  # towards a tax weight of 0.0001: track the target closely
    te_after = wait_for_change(desk, "#tax-kpi-rebal-te", te_before)
    assert float(te_after.rstrip("%")) < float(te_before.rstrip("%"))
    show(desk, "#tax-harvest-grid")
    desk.wait_for_contains_text("#tax-harvest-grid", "HD", timeout=30)
    row = desk.find_element("#tax-harvest-grid .ag-center-cols-container .ag-row[row-index='1']")
    assert "HD" in row.text
    click(desk, "#tax-harvest-grid .ag-row[row-index='1'] .ag-selection-checkbox input")
    click(desk, "#tax-harvest-run")
    desk.wait_for_contains_text(
        "#tax-harvest-result", "Buy back the originals no earlier than: HD on 2023-01-28", timeout=30
    )
    assert (
        "sell" in text_of(desk, "#tax-harvest-trades")
        and "buy" in desk.find_element("#tax-harvest-trades").text
    )
    # A blocked lot (AMD, bought 2022-12-12) gives the reason instead of trades; the trades shown stay.
    click(desk, "#tax-harvest-grid .ag-row[row-index='0'] .ag-selection-checkbox input")
    click(desk, "#tax-harvest-run")
    desk.wait_for_contains_text("#tax-alerts-harvest", "cannot be harvested now", timeout=30)
    assert "HD" in desk.find_element("#tax-harvest-trades").text
    assert console_errors(desk) == []


def test_tax_weight_slider_box_and_card_show_one_number(desk):
    _open(desk)
    desk.wait_for_contains_text("#tax-kpi-rebal-weight", "1", timeout=60)
    box = desk.find_element("#tax-tax-weight-value")
    assert box.get_attribute("value") == "1"
    # The slider has no box of its own in log units; its marks are real tax weights.
    assert not desk.driver.find_elements("css selector", "#tax-tax-weight input")
    marks = show(desk, "#tax-tax-weight").text
    assert all(m in marks for m in ("0.0001", "0.01", "0.1", "10"))
    drag_slider(desk, "tax-tax-weight", -120)
    log_value = float(desk.find_element("#tax-tax-weight [role=slider]").get_attribute("aria-valuenow"))
    expected = float(f"{10 ** log_value:.3g}")  # e.g. -0.5 -> 0.316
    assert log_value < 0 and expected < 1
    deadline = time.time() + 30
    while time.time() < deadline and desk.find_element("#tax-tax-weight-value").get_attribute("value") == "1":
        time.sleep(0.2)
    shown = desk.find_element("#tax-tax-weight-value").get_attribute("value")
    assert float(shown) == expected
    desk.wait_for_text_to_equal("#tax-kpi-rebal-weight", shown, timeout=60)
    tooltip = desk.find_element("#tax-tax-weight-tooltip-1-content")  # shown while dragging
    assert float(tooltip.get_attribute("textContent")) == expected
    # Typing a weight moves the slider to its log10 and the card to the same number.
    box = desk.find_element("#tax-tax-weight-value")
    box.clear()
    box.send_keys("0.01\n")
    desk.wait_for_text_to_equal("#tax-kpi-rebal-weight", "0.01", timeout=60)
    thumb = desk.find_element("#tax-tax-weight [role=slider]")
    assert float(thumb.get_attribute("aria-valuenow")) == -2
    # Every buy in the trade list names its account; the cash grid shows each account.
    show(desk, "#tax-rebalance-accounts")
    desk.wait_for_contains_text("#tax-rebalance-accounts", "brokerage", timeout=30)
    assert "ira" in desk.find_element("#tax-rebalance-accounts").text
    assert "Whole shares" in desk.find_element("#tax-rebalance-notes").text
    # A weight out of range is explained and the cards stay.
    box.clear()
    box.send_keys("50\n")
    desk.wait_for_contains_text("#tax-alerts-rebalance", "Tax weight 50: enter a number from 0 to 10", timeout=30)
    assert text_of(desk, "#tax-kpi-rebal-weight") == "0.01"
    assert console_errors(desk) == []


def test_bad_trade_upload_names_the_row_and_keeps_the_result(desk, tmp_path):
    _open(desk)
    before = text_of(desk, "#tax-kpi-long")
    assert before.startswith("$")
    bad = tmp_path / "oversold.csv"
    bad.write_text(
        "date,account,ticker,side,shares,price\n2022-01-03,brokerage,KO,buy,10,60\n"
        "2022-02-01,brokerage,KO,sell,15,62\n"
    )
    desk.find_element("#upload-tax-trades input[type=file]").send_keys(str(bad))
    desk.wait_for_contains_text("#upload-status-tax-trades", "Loaded oversold.csv", timeout=30)
    desk.wait_for_contains_text(
        "#tax-alerts-replay", "Trade row 3 (2022-02-01, sell 15 KO in account 'brokerage')", timeout=30
    )
    assert text_of(desk, "#tax-kpi-long") == before  # the previous report stays on screen
    click(desk, "#tax-use-sample")
    desk.wait_for_contains_text("#tax-source-label", "Bundled sample trades and lots", timeout=30)
    deadline = time.time() + 20
    while time.time() < deadline and desk.find_element("#tax-alerts-replay").text:
        time.sleep(0.2)
    assert desk.find_element("#tax-alerts-replay").text == ""
    assert console_errors(desk) == []


def test_target_trades_from_the_construct_page_are_taxed(desk):
    use_as_target(desk, "?method=equal_weight", [("#construct-leftover-text", "Leftover cash")],
                  "Target set: Equal weight with 20 trades")
    click(desk, "#nav-tax")
    desk.wait_for_contains_text("#tax-target-tax-label", "Equal weight, 20 trades at 2022-12-28", timeout=60)
    # No holdings were uploaded, so the target's trades are 20 buys: nothing is sold and no loss of the last
    # 30 days is washed (the sample's last sale is 2022-06-15): the trades cost no tax.
    desk.wait_for_contains_text("#tax-kpi-target-tax", "$0", timeout=30)
    assert text_of(desk, "#tax-kpi-target-wash") == "$0"
    show(desk, "#tax-target-tax-grid")
    desk.wait_for_contains_text("#tax-target-tax-grid", "buy", timeout=30)
    assert desk.find_element("#tax-alerts-target").text == ""
    assert console_errors(desk) == []


def test_trades_and_lots_uploaded_on_the_data_page_drive_tax_and_construct(desk, tmp_path):
    # Four trades and two lots (tests/app/test_tax_page.py works the numbers): 400 short-term, 2,300 long-term.
    trades = tmp_path / "my-trades.csv"
    trades.write_text("date,account,ticker,side,shares,price\n2021-03-01,brokerage,KO,buy,100,50.00\n"
                      "2022-02-01,brokerage,KO,sell,40,60.00\n2022-03-01,brokerage,AAPL,sell,20,160.00\n"
                      "2022-05-02,ira,MSFT,buy,10,270.00\n")
    lots = tmp_path / "my-lots.csv"
    lots.write_text("account,ticker,acquired,shares,cost_basis,account_type\n"
                    "brokerage,AAPL,2019-03-15,50,2250.00,taxable\nira,MSFT,2020-01-10,30,4860.00,ira\n")
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_contains_text("#data-summary-text", "20 assets", timeout=40)
    desk.find_element("#upload-trades input[type=file]").send_keys(str(trades))
    desk.wait_for_contains_text("#upload-status-trades", "Loaded my-trades.csv (4 rows)", timeout=30)
    desk.find_element("#upload-lots input[type=file]").send_keys(str(lots))
    desk.wait_for_contains_text("#upload-status-lots", "Loaded my-lots.csv (2 rows)", timeout=30)
    desk.wait_for_contains_text("#data-summary-text", "lots (my-lots.csv)", timeout=30)

    click(desk, "#nav-tax")
    desk.wait_for_contains_text("#tax-source-label", "Your trades (my-trades.csv, 4 rows) and lots (my-lots.csv, "
                                "2 rows)", timeout=60)
    desk.wait_for_contains_text("#tax-kpi-long", "$2,300", timeout=40)
    assert text_of(desk, "#tax-kpi-short") == "$400" and text_of(desk, "#tax-kpi-tax") == "$441"
    assert "Loaded my-lots.csv (2 rows)" in text_of(desk, "#upload-status-tax-lots")
    assert "Loaded my-trades.csv (4 rows)" in text_of(desk, "#upload-status-tax-trades")

    click(desk, "#nav-construct")
    desk.wait_for_contains_text("#construct-book-text", "Holdings from 2 uploaded tax lots (my-lots.csv) and 4 "
                                "uploaded trades (my-trades.csv)", timeout=60)
    click(desk, "#nav-data")  # back on the Data page, its boxes still name the files
    desk.wait_for_contains_text("#upload-status-lots", "Loaded my-lots.csv (2 rows)", timeout=40)
    assert console_errors(desk) == []


def test_construct_trade_list_starts_from_the_uploaded_lots(desk, tmp_path):
    from finance_core import data

    lots = tmp_path / "lots.csv"
    lots.write_text("account,ticker,acquired,shares,cost_basis\nbrokerage,MSFT,2020-01-10,40,6480.00\n"
                    "brokerage,XOM,2020-03-23,70,1843.80\n")
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_contains_text("#data-summary-text", "20 assets", timeout=40)
    desk.find_element("#upload-lots input[type=file]").send_keys(str(lots))
    desk.wait_for_contains_text("#upload-status-lots", "Loaded lots.csv (2 rows)", timeout=30)
    desk.driver.get(desk.server_url + "/construct?method=equal_weight")  # a reload keeps the session's book
    desk.wait_for_contains_text("#construct-book-text", "Holdings from 2 uploaded tax lots (lots.csv)", timeout=60)
    desk.wait_for_contains_text("#construct-leftover-text", "Leftover cash", timeout=60)
    show(desk, "#construct-trades-grid")
    desk.wait_for_contains_text("#construct-trades-grid", "buy", timeout=30)
    # The grid draws only the rows on screen: read all of them from its row model.
    rows = desk.driver.execute_script(
        "const out = []; dash_ag_grid.getApi('construct-trades-grid').forEachNode(n => out.push(n.data));"
        "return out;")
    # Equal weight of $1,000,000 over 20 assets: $50,000 each. The lots hold 40 MSFT and 70 XOM, so the buys are
    # floor(50,000 / last close) less the shares already held (from cash it would be the whole floor).
    last = data.load_dataset("sp500").prices.loc["2022-12-28"]
    got = {r["ticker"]: (r["side"], r["shares"]) for r in rows}
    assert got["MSFT"] == ("buy", int(50_000 // last["MSFT"]) - 40)
    assert got["XOM"] == ("buy", int(50_000 // last["XOM"]) - 70)
    assert got["KO"] == ("buy", int(50_000 // last["KO"]))
    assert console_errors(desk) == []
