"""finance_core.data.samples: every sample file reads back through its reader.
"""

import pytest

from finance_core import data


@pytest.mark.parametrize("kind", data.SAMPLE_KINDS)
def test_every_sample_file_reads_back(kind):
    reader = {"prices": data.read_prices_csv, "prices_long": data.read_prices_csv,
              "holdings": data.read_holdings_csv, "lots": data.read_lots_csv,
              "trades": data.read_trades_csv, "sectors": data.read_sectors_csv,
              "benchmark": data.read_benchmark_csv,
              "benchmark_weights": data.read_benchmark_weights_csv}[kind]
    frame = reader(data.sample_csv(kind).encode(), name=f"sample-{kind}.csv")
    assert len(frame) > 0
