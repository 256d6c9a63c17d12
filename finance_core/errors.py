"""The exceptions a user of Portfolio Desk sees.

Every error raised on purpose by ``finance_core`` is a :class:`FinanceError`: it
carries a short machine-readable ``code`` and a message a person can act on (what is
wrong, where, and what to do). The app shows the message as is; notebook users get
it in the traceback.
"""

from __future__ import annotations

__all__ = ["FinanceError", "DataError", "InfeasibleError", "SolverError"]


class FinanceError(Exception):
    """Base class: ``code`` names the kind of problem, ``str(err)`` explains it."""

    default_code = "finance_error"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = dict(details or {})

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class DataError(FinanceError, ValueError):
    """Input data is unusable: names the file, row and column and what to do."""

    default_code = "data_error"


class InfeasibleError(FinanceError):
    """Constraints admit no solution; the message says which ones conflict."""

    default_code = "infeasible"


class SolverError(FinanceError):
    """Every solver in the chain failed; the message lists what each one said."""

    default_code = "solver_error"
