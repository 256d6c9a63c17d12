"""A small, valid example file of every upload kind (the Data page's "download a sample")."""

from __future__ import annotations

import pandas as pd

from ..errors import DataError
from .bundled import load_dataset

__all__ = ["SAMPLE_KINDS", "sample_csv"]

SAMPLE_KINDS = ("prices", "prices_long", "holdings", "lots", "trades", "sectors", "benchmark",
                "benchmark_weights")


def sample_csv(kind: str) -> str:
    """A small, valid example file of each upload kind, built from the bundled data."""
    ds = load_dataset("sp500")
    tickers = ["AAPL", "JPM", "KO", "MSFT", "XOM"]
    if kind == "prices":
        frame = ds.prices[tickers].iloc[-260:].round(4)
        return frame.to_csv(date_format="%Y-%m-%d")
    if kind == "prices_long":
        frame = ds.prices[tickers].iloc[-60:].round(4).stack().rename("price").reset_index()
        frame.columns = ["date", "ticker", "price"]
        return frame.to_csv(index=False, date_format="%Y-%m-%d")
    if kind == "holdings":
        return "ticker,shares,weight\nAAPL,120,0.25\nJPM,90,0.20\nKO,200,0.20\nMSFT,45,0.20\nXOM,110,0.15\n"
    if kind == "lots":
        return (
            "account,ticker,acquired,shares,cost_basis,account_type\n"
            "brokerage,AAPL,2019-03-15,50,2340.00,taxable\n"
            "brokerage,AAPL,2021-11-02,40,6020.00,taxable\n"
            "brokerage,XOM,2022-06-08,60,6612.00,taxable\n"
            "ira,MSFT,2020-01-10,30,4860.00,ira\n"
        )
    if kind == "trades":
        return (
            "date,account,ticker,side,shares,price,account_type\n"
            "2022-01-03,brokerage,AAPL,buy,100,182.01,taxable\n"
            "2022-03-01,brokerage,AAPL,sell,100,163.20,taxable\n"
            "2022-03-15,brokerage,AAPL,buy,100,155.09,taxable\n"
            "2022-05-02,ira,KO,buy,50,63.09,ira\n"
        )
    if kind == "sectors":
        listed = ds.sectors[tickers]
        extra = pd.Series({"AMZN": "Consumer Discretionary", "GOOGL": "Communication Services",
                           "NVDA": "Information Technology"})
        return pd.concat([listed, extra]).rename("sector").rename_axis("ticker").to_csv()
    if kind == "benchmark":
        assert ds.total_return_benchmark is not None  # load_dataset always builds it
        total = ds.total_return_benchmark.iloc[-260:].round(4).rename("value").rename_axis("date")
        return total.to_csv(date_format="%Y-%m-%d")
    if kind == "benchmark_weights":
        return "ticker,weight\nAAPL,0.30\nJPM,0.20\nKO,0.15\nMSFT,0.25\nXOM,0.10\n"
    raise DataError(f"No sample for {kind!r}: choose one of {', '.join(SAMPLE_KINDS)}.", code="unknown_sample")
