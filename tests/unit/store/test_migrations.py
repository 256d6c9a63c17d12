"""Alembic migrations: from an empty database to head, and from the first schema with data."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, text

from store import StoreError, open_store
from store.database import database_url, make_engine, upgrade
from store.repository import Store


def _columns(engine, table: str) -> set[str]:
    return {col["name"] for col in inspect(engine).get_columns(table)}


def test_empty_database_upgrades_to_head(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    assert {"portfolios", "workspaces", "scenarios", "datasets", "alembic_version"} <= set(
        inspect(engine).get_table_names())
    assert "notes" in _columns(engine, "portfolios")
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0002"
    upgrade(engine)  # running again at start-up is a no-op
    engine.dispose()


def test_first_schema_with_rows_upgrades_and_keeps_them(db_url):
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    assert "notes" not in _columns(engine, "portfolios")
    now = datetime(2025, 6, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("insert into portfolios (name, body, version, created_at, updated_at) "
                          "values ('Old', :body, 3, :now, :now)"),
                     {"body": '{"weights": {"SPY": 1.0}}', "now": now})
    engine.dispose()
    store = open_store(db_url)
    [old] = store.portfolios.list()
    assert (old["name"], old["body"], old["notes"], old["version"]) == (
        "Old", {"weights": {"SPY": 1.0}}, "", 3)
    store.engine.dispose()


def test_default_location_is_created_under_portfolio_desk_data(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PORTFOLIO_DESK_DATA", str(tmp_path / "fresh"))
    url = database_url()
    assert url == f"sqlite:///{(tmp_path / 'fresh' / 'desk.sqlite').resolve()}"
    open_store(url).engine.dispose()
    assert (tmp_path / "fresh" / "desk.sqlite").is_file()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"


def test_locked_sqlite_save_is_a_store_error_and_stores_nothing(tmp_path):
    path = tmp_path / "desk.sqlite"
    store = open_store(f"sqlite:///{path}")
    locker = sqlite3.connect(path)
    locker.execute("begin exclusive")
    try:
        quick = Store(create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1}))
        with pytest.raises(StoreError, match="Nothing was stored; your page keeps its state"):
            quick.portfolios.create("Core", {"weights": {"A": 1.0}})
    finally:
        locker.rollback()
        locker.close()
    assert store.portfolios.list() == []
    store.engine.dispose()


def test_unreachable_database_says_so(tmp_path):
    with pytest.raises(StoreError, match="up to date.*reachable"):
        open_store(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'desk.sqlite'}")
