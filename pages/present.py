"""Investor presentation view (issue 7): placeholder until it lands."""

import dash

from components.layout import coming_soon, page_header

dash.register_page(__name__, path="/present", name="Present", title="Present - Portfolio Desk", order=5)


def layout(**_query):
    return [
        page_header("Presentation", "A printable, shareable summary for investors."),
        coming_soon("presentation view", [
            "Allocation, growth of 10,000 against the benchmark, key metrics and risk contributions",
            "Print-ready pages, shareable links and a downloadable HTML/PDF report",
        ], "issue 7"),
    ]
