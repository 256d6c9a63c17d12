"""Portfolio construction desk (issue 3): placeholder until the desk lands."""

import dash

from components.layout import coming_soon, page_header

dash.register_page(__name__, path="/construct", name="Construct", title="Construct - Portfolio Desk", order=1)


def layout(**_query):
    return [
        page_header("Portfolio construction", "Turn the workspace universe into a target portfolio and trades."),
        coming_soon("construction desk", [
            "Expected-return and covariance estimators (mean, CAGR, EWMA, CAPM; sample, Ledoit-Wolf, OAS, EWMA)",
            "Mean-variance objectives under bounds, sector limits, turnover and costs, with an efficient frontier",
            "Risk parity, HRP, Black-Litterman views, max diversification, min CVaR, Kelly",
            "Walk-forward comparison of methods, whole-share allocation and the trade list",
        ], "issue 3"),
    ]
