"""Saved work: portfolios, workspaces, scenarios and datasets in a SQL database.

This package is persistence, not computation, so it lives beside ``finance_core`` (which stays
pure). ``open_store()`` picks the database (``DATABASE_URL``, else SQLite at
``$PORTFOLIO_DESK_DATA/desk.sqlite``), runs the Alembic migrations and returns a ``Store``.
"""

from store.database import database_url, open_store, shared_store, upgrade
from store.errors import ConflictError, NameTakenError, NotFoundError, StoreError
from store.identity import current_owner
from store.repository import KINDS, Repository, Store

__all__ = [
    "KINDS",
    "ConflictError",
    "NameTakenError",
    "NotFoundError",
    "Repository",
    "Store",
    "StoreError",
    "current_owner",
    "database_url",
    "open_store",
    "shared_store",
    "upgrade",
]
