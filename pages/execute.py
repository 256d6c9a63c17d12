"""Execution scheduling desk (issue 4): placeholder until the desk lands."""

import dash

from components.layout import coming_soon, page_header

dash.register_page(__name__, path="/execute", name="Execute", title="Execute - Portfolio Desk", order=2)


def layout(**_query):
    return [
        page_header("Execution scheduling", "Turn orders into child orders that minimise cost and risk."),
        coming_soon("execution desk", [
            "Order-book impact model fitted from snapshots",
            "Impact-optimal, TWAP, VWAP, POV and Almgren-Chriss schedules with their costs",
            "Basket schedules for the workspace trade list",
        ], "issue 4"),
    ]
