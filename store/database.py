"""Which database, and bringing its schema up to date at start-up."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from store.errors import StoreError
from store.repository import Store

__all__ = ["database_url", "make_engine", "upgrade", "open_store", "MIGRATIONS", "HEAD"]

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "head"


def database_url() -> str:
    """``DATABASE_URL`` if set, else SQLite at ``$PORTFOLIO_DESK_DATA/desk.sqlite``
    (default ``./.data/``); the folder is created when missing."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    folder = Path(os.environ.get("PORTFOLIO_DESK_DATA", "").strip() or ".data")
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'desk.sqlite').resolve()}"


def make_engine(url: str) -> Engine:
    """An engine; SQLite waits up to 5 s for a lock and enforces foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 5})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

        return engine
    return create_engine(url, pool_pre_ping=True)


def upgrade(engine: Engine, revision: str = HEAD) -> None:
    """Run the Alembic migrations up to ``revision`` (``head``) on ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as err:
        raise StoreError(
            f"Could not bring the database at {engine.url.render_as_string(hide_password=True)} "
            f"up to date: {err.__class__.__name__}: {err.orig if hasattr(err, 'orig') else err}. "
            "Check that it is reachable and writable (DATABASE_URL / PORTFOLIO_DESK_DATA).",
            code="migration_failed",
        ) from err


def open_store(url: str | None = None) -> Store:
    """The store for ``url`` (default :func:`database_url`), migrated to the newest schema."""
    engine = make_engine(url or database_url())
    upgrade(engine)
    return Store(engine)


_SHARED_LOCK = threading.Lock()


@functools.cache
def shared_store() -> Store:
    """The process's store (:func:`open_store` of :func:`database_url`), opened and migrated on first use.

    A failure is not cached (``functools.cache`` keeps only results), so the next call tries again;
    tests that change ``DATABASE_URL`` call ``shared_store.cache_clear()``. The lock keeps two first
    requests from running Alembic at once (its context is process-global).
    """
    with _SHARED_LOCK:
        return open_store()
