"""Tax desk (issue 6): placeholder until the desk lands."""

import dash

from components.layout import coming_soon, page_header

dash.register_page(__name__, path="/tax", name="Tax", title="Tax - Portfolio Desk", order=4)


def layout(**_query):
    return [
        page_header("Tax", "Tax lots, wash sales, loss harvesting and tax-aware rebalancing."),
        coming_soon("tax desk", [
            "Lot relief (FIFO, LIFO, HIFO, specific, minimum tax) and the Form 8949 report",
            "IRS Publication 550 wash-sale rules across taxable and IRA accounts",
            "Loss harvesting with replacements, tax-aware rebalancing and after-tax returns",
        ], "issue 6"),
    ]
