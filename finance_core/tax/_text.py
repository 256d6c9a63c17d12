"""Wording shared by the tax modules' notes and warnings."""

from __future__ import annotations

__all__ = ["usd"]


def usd(x: float) -> str:
    """Whole dollars with thousands separators, the sign before the dollar sign (``-$1,234``)."""
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"
