"""The repository on SQLite and on a real PostgreSQL server (both via the ``store`` fixture)."""

from __future__ import annotations

import pytest

from store import ConflictError, NameTakenError, NotFoundError, StoreError
from store.repository import UNDO_SECONDS, sha256_of

WEIGHTS = {"weights": {"AAPL": 0.6, "MSFT": 0.4}, "recipe": {"method": "max_sharpe"}}


def test_create_then_get_round_trips_body_and_stamps(store, clock):
    made = store.portfolios.create("Core", WEIGHTS, notes="first")
    got = store.portfolios.get(made["id"])
    assert got["body"] == WEIGHTS
    assert (got["name"], got["notes"], got["version"], got["owner"]) == ("Core", "first", 1, None)
    assert got["created_at"] == clock.now.isoformat() == got["updated_at"]


def test_same_name_asks_before_overwriting(store, clock):
    first = store.portfolios.create("Core", WEIGHTS)
    with pytest.raises(NameTakenError, match="already called 'Core'"):
        store.portfolios.create("Core", {"weights": {"AAPL": 1.0}})
    clock.advance(5)
    replaced = store.portfolios.create("Core", {"weights": {"AAPL": 1.0}}, overwrite=True)
    assert (replaced["id"], replaced["version"]) == (first["id"], 2)
    assert store.portfolios.get(first["id"])["body"] == {"weights": {"AAPL": 1.0}}
    # the same name in another kind is no clash
    assert store.workspaces.create("Core", {})["version"] == 1


def test_stale_version_is_a_conflict_and_writes_nothing(store):
    made = store.portfolios.create("Core", WEIGHTS)
    store.portfolios.update(made["id"], expected_version=1, notes="browser one")
    with pytest.raises(ConflictError, match="version 2, you loaded version 1") as err:
        store.portfolios.update(made["id"], expected_version=1, notes="browser two")
    assert err.value.details == {"stored_version": 2}
    kept = store.portfolios.get(made["id"])
    assert (kept["notes"], kept["version"]) == ("browser one", 2)


def test_list_searches_names_any_case_newest_first(store, clock):
    for name in ("Growth tilt", "Income", "growth core"):
        store.portfolios.create(name, WEIGHTS)
        clock.advance(1)
    assert [i["name"] for i in store.portfolios.list()] == ["growth core", "Income", "Growth tilt"]
    assert [i["name"] for i in store.portfolios.list("GROWTH")] == ["growth core", "Growth tilt"]
    assert store.portfolios.list("nothing like it") == []


def test_rename_and_duplicate(store):
    made = store.portfolios.create("Core", WEIGHTS)
    store.portfolios.create("Other", WEIGHTS)
    with pytest.raises(NameTakenError):
        store.portfolios.rename(made["id"], "Other", expected_version=1)
    renamed = store.portfolios.rename(made["id"], "Core 2026", expected_version=1)
    assert (renamed["name"], renamed["version"]) == ("Core 2026", 2)
    one, two = (store.portfolios.duplicate(made["id"]) for _ in range(2))
    assert (one["name"], two["name"]) == ("Core 2026 (copy)", "Core 2026 (copy 2)")
    assert one["body"] == WEIGHTS and one["id"] != made["id"]


def test_delete_hides_restore_within_the_minute_then_gone(store, clock):
    made = store.portfolios.create("Core", WEIGHTS)
    store.portfolios.delete(made["id"])
    assert store.portfolios.list() == []
    with pytest.raises(NotFoundError):
        store.portfolios.get(made["id"])
    clock.advance(UNDO_SECONDS - 1)
    assert store.portfolios.restore(made["id"])["name"] == "Core"
    store.portfolios.delete(made["id"])
    clock.advance(UNDO_SECONDS + 1)
    with pytest.raises(NotFoundError, match="undo lasts 60 seconds"):
        store.portfolios.restore(made["id"])


def test_owner_sees_only_their_items(store):
    store.portfolios.create("Mine", WEIGHTS, owner="ann")
    store.portfolios.create("Theirs", WEIGHTS, owner="bob")
    assert [i["name"] for i in store.portfolios.list(owner="ann")] == ["Mine"]
    theirs = store.portfolios.find("Theirs")
    assert theirs is not None
    with pytest.raises(NotFoundError):
        store.portfolios.get(theirs["id"], owner="ann")
    assert len(store.portfolios.list()) == 2  # no login: one team sees everything


def test_datasets_are_content_addressed(store):
    content = b"date,AAPL\n2024-01-02,185.6\n"
    digest = store.put_dataset(content, kind="prices", name="mine.csv")
    assert digest == sha256_of(content) == store.put_dataset(content, kind="prices", name="x")
    assert store.get_dataset(digest) == ("prices", "mine.csv", content)
    with pytest.raises(NotFoundError, match="upload the file again"):
        store.get_dataset("0" * 64)


def test_blank_name_is_refused(store):
    with pytest.raises(StoreError, match="1 to 200 characters"):
        store.portfolios.create("   ", WEIGHTS)
