"""Performance page, Brinson attribution, in headless Chromium: upload benchmark weights, switch the method."""

import pandas as pd
import pytest

import workspace
from finance_core import attribution
from tests.e2e.conftest import console_errors, pick, show, text_of, wait_for_change

pytestmark = pytest.mark.e2e


def test_attribution_method_picker_on_uploaded_benchmark_weights(desk, tmp_path):
    wd = workspace.resolve(workspace.DEFAULT)
    tickers = list(wd.prices.columns)
    bench = pd.Series(range(1, len(tickers) + 1), index=tickers, dtype=float)
    bench /= bench.sum()  # unequal weights over the whole universe: every sector covered
    path = tmp_path / "benchmark-weights.csv"
    bench.rename("weight").rename_axis("ticker").to_csv(path)
    expected = {method: attribution.attribute(wd.returns, workspace.portfolio(workspace.DEFAULT, wd).weights,
                                              bench, sectors=wd.sectors.to_dict(), method=method)
                for method in ("brinson_fachler", "geometric")}

    desk.driver.get(desk.server_url + "/performance")
    desk.wait_for_element("#perf-kpi-attr-allocation", timeout=90)
    assert text_of(desk, "#perf-kpi-attr-excess") == "0.00%"  # equal weight against the equal-weight universe
    show(desk, "#upload-perf-benchmark-weights")
    desk.find_element("#upload-perf-benchmark-weights input[type=file]").send_keys(str(path))
    desk.wait_for_contains_text("#upload-status-perf-benchmark-weights", "Loaded benchmark-weights.csv (20 tickers)",
                                timeout=30)
    show(desk, "#perf-attr-benchmark")
    pick(desk, "#perf-attr-benchmark", "Uploaded benchmark weights (CSV)")
    fachler = expected["brinson_fachler"].single.loc["Total", "allocation"]
    desk.wait_for_text_to_equal("#perf-kpi-attr-allocation", f"{fachler:.2%}", timeout=60)
    assert text_of(desk, "#perf-kpi-attr-excess") == f"{expected['brinson_fachler'].excess:.2%}"
    before = text_of(desk, "#perf-kpi-attr-allocation")
    pick(desk, "#perf-attr-method", "Geometric (Bacon)")
    geometric = expected["geometric"].single.loc["Total", "allocation"]
    assert wait_for_change(desk, "#perf-kpi-attr-allocation", before, timeout=60) == f"{geometric:.2%}"
    show(desk, "#perf-attr-check")
    desk.wait_for_contains_text("#perf-attr-check", "the linked effects add up to", timeout=30)
    assert console_errors(desk) == []
