"""The generic input checks every finance_core package uses (private to finance_core).

One implementation of each rule: a blank form cell, a number, a finite number, a
positive number (or zero or more), a whole count of 1 or more, a whole number with a
minimum, a confidence level. Each refusal is a :class:`~finance_core.errors.DataError`
whose message names the input (``what``, capitalised as the start of a sentence, for
example ``"The order size"``; ``name`` for the lower-case noun of the risk messages,
which read ``"The {name} ..."``) and says what to enter. The few callers whose wording
predates this module pass it in (``need``, ``hint``, ``not_number``, ``code``) so that
every message the pages and tests know stays as it was.

Domain checks (covariance frames, weights aligned to return columns, sides, share
counts, per-interval vectors) live in the one private ``_checks`` module of their
package and build on these.
"""

from __future__ import annotations

import math

from .errors import DataError

__all__ = [
    "LEVEL_MAX",
    "LEVEL_MIN",
    "MUST_BE_A_NUMBER",
    "NOT_A_NUMBER",
    "check_count",
    "check_finite",
    "check_level",
    "check_positive",
    "check_positive_int",
    "is_blank",
    "to_number",
]

#: Default refusal of a value ``float()`` cannot read; ``{what}`` and ``{value!r}`` are filled in.
NOT_A_NUMBER = "{what} {value!r} is not a number."
#: The wording of the allocation inputs (capital, risk aversion, tau).
MUST_BE_A_NUMBER = "{what} must be a number; got {value!r}."

#: A confidence level lies strictly between these two.
LEVEL_MIN, LEVEL_MAX = 0.5, 0.9999


def is_blank(value) -> bool:
    """An empty form field (a number box the browser could not read sends None)."""
    return value is None or (isinstance(value, str) and not value.strip())


def to_number(value, what: str, *, code: str = "bad_number", message: str = NOT_A_NUMBER) -> float:
    """``float(value)``, or a DataError with ``message`` (formatted with ``what`` and ``value``)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataError(message.format(what=what, value=value), code=code) from None


def check_finite(value, what: str, *, code: str = "bad_number", hint: str = "") -> float:
    """A finite number; ``None`` counts as missing (not finite) rather than as not a number.

    Messages: ``"{what} must be a number, got {value!r}."`` and ``"{what} must be a finite
    number, got {value!r}{hint}."``.
    """
    number = math.nan if value is None else to_number(
        value, what, code=code, message="{what} must be a number, got {value!r}."
    )
    if not math.isfinite(number):
        raise DataError(f"{what} must be a finite number, got {value!r}{hint}.", code=code)
    return number


def check_positive(
    value,
    what: str,
    *,
    allow_zero: bool = False,
    blank: bool = True,
    need: str | None = None,
    hint: str = "",
    code: str | None = None,
    not_number: str = NOT_A_NUMBER,
) -> float:
    """A finite number greater than zero (``allow_zero``: zero or more).

    ``blank``: a blank cell (see :func:`is_blank`) gets ``"{what} is empty. Enter a number
    {need}."`` (code ``missing_value``); without it, None is refused as not a number.
    ``need`` words the rule (default ``"greater than zero"`` or ``"zero or more"``);
    out of range: ``"{what} must be {need}; got {value!r}.{hint}"`` (code ``not_positive``).
    ``code``, when given, replaces the three default codes.
    """
    need = need or ("zero or more" if allow_zero else "greater than zero")
    if blank and is_blank(value):
        raise DataError(f"{what} is empty. Enter a number {need}.", code=code or "missing_value")
    number = to_number(value, what, code=code or "bad_number", message=not_number)
    if not math.isfinite(number) or (number < 0 if allow_zero else number <= 0):
        raise DataError(f"{what} must be {need}; got {value!r}.{hint}", code=code or "not_positive")
    return number


def check_count(value, what: str) -> int:
    """A whole number of 1 or more from a form cell (an integral float or numeric text is accepted)."""
    if is_blank(value):
        raise DataError(f"{what} is empty. Enter a whole number of 1 or more.", code="missing_value")
    number = to_number(
        value, what, code="bad_count", message="{what} {value!r} is not a number. Enter a whole number of 1 or more."
    )
    if not math.isfinite(number) or number < 1 or abs(number - round(number)) > 1e-9:
        raise DataError(f"{what} must be a whole number of 1 or more; got {value!r}.", code="not_positive")
    return int(round(number))


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """A whole number of at least ``minimum`` given to a function (an integral float is accepted).

    Messages read ``"The {name} ..."``; an infinite value is not a whole number.
    """
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"The {name} {value!r} is not a whole number.", code="bad_parameter") from None
    if number != value and not (isinstance(value, float) and value.is_integer()):
        raise DataError(f"The {name} {value!r} must be a whole number.", code="bad_parameter")
    if number < minimum:
        raise DataError(f"The {name} must be at least {minimum}; got {number}.", code="bad_parameter")
    return number


def check_level(level, name: str = "confidence level") -> float:
    """A confidence level strictly between :data:`LEVEL_MIN` and :data:`LEVEL_MAX`, as a float.

    A percentage such as 95 gets the hint ``Did you mean 0.95?``.
    """
    value = to_number(
        level, name, code="bad_level", message="The {what} {value!r} is not a number. Give a fraction such as 0.95."
    )
    if not math.isfinite(value) or not (LEVEL_MIN < value < LEVEL_MAX):
        hint = f" Did you mean {value / 100:g}?" if 50 < value < 100 else ""
        raise DataError(
            f"The {name} {value:g} is outside the sensible range: it must lie strictly between "
            f"{LEVEL_MIN:g} and {LEVEL_MAX:g} (for example 0.95 or 0.99).{hint}",
            code="bad_level",
        )
    return value
