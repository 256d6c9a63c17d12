"""Risk desk (issue 5): placeholder until the desk lands."""

import dash

from components.layout import coming_soon, page_header

dash.register_page(__name__, path="/risk", name="Risk", title="Risk - Portfolio Desk", order=3)


def layout(**_query):
    return [
        page_header("Risk", "VaR, drawdowns, risk decomposition, stress tests and projections."),
        coming_soon("risk desk", [
            "VaR and CVaR (historical, Gaussian, Cornish-Fisher, Monte Carlo)",
            "Performance analytics, drawdowns and rolling statistics",
            "Risk contributions, stress scenarios, VaR backtests, regimes and Monte Carlo projection",
        ], "issue 5"),
    ]
