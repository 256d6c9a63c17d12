"""The errors a save, load or delete can raise; each message says what to do."""

from __future__ import annotations

from finance_core.errors import FinanceError

__all__ = ["StoreError", "ConflictError", "NotFoundError", "NameTakenError"]


class StoreError(FinanceError):
    """The database could not be read or written (locked, unreachable, disk full)."""

    default_code = "store_error"


class ConflictError(StoreError):
    """Someone saved the item since it was loaded: the stored version is newer."""

    default_code = "conflict"


class NotFoundError(StoreError, LookupError):
    """No saved item has that id (or it was deleted and the undo minute has passed)."""

    default_code = "not_found"


class NameTakenError(StoreError):
    """A saved item of the same kind already has that name; overwrite it or pick another."""

    default_code = "name_taken"
