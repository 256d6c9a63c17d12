"""Faults a person meets in the browser (issue 16.4-16.5): a file over the upload limit."""

import pytest

import app
from finance_core import data
from tests.e2e.conftest import console_errors

pytestmark = pytest.mark.e2e


def test_a_file_over_the_upload_limit_is_refused_in_the_page_before_it_is_sent(desk, tmp_path):
    desk.driver.get(desk.server_url + "/")
    desk.wait_for_contains_text("#data-summary-text", "20 assets", timeout=60)
    big = tmp_path / "huge-prices.csv"
    size = app.MAX_REQUEST_BYTES + 2**20  # over the HTTP body limit: before, its 413 showed nothing in the page
    with big.open("wb") as out:
        out.write(data.sample_csv("prices").encode())
        out.truncate(size)
    desk.find_element("#upload-prices input[type=file]").send_keys(str(big))
    desk.wait_for_contains_text(
        "#upload-status-prices",
        f"huge-prices.csv is {size / 1e6:.1f} MB; the limit is {data.MAX_UPLOAD_BYTES / 1e6:.0f} MB.", timeout=10)
    assert "20 assets" in desk.find_element("#data-summary-text").text  # nothing was loaded
    # The box takes the next file as usual.
    good = tmp_path / "my-prices.csv"
    good.write_text(data.sample_csv("prices"))
    desk.find_element("#upload-prices input[type=file]").send_keys(str(good))
    desk.wait_for_contains_text("#data-summary-text", "5 assets", timeout=30)
    assert console_errors(desk) == []  # no failed request either
