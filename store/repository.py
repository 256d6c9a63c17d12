"""The repository API: create, get, list (search), update with the expected version, rename,
duplicate, delete with a minute's undo, restore; and datasets by SHA-256.

Every public method is one transaction: it either stores everything or nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from store.errors import ConflictError, NameTakenError, NotFoundError, StoreError
from store.models import Dataset, Portfolio, SavedItem, Scenario, Workspace

__all__ = ["KINDS", "Kind", "UNDO_SECONDS", "Repository", "Store", "sha256_of"]

Kind = Literal["portfolio", "workspace", "scenario"]
KINDS: dict[str, type[SavedItem]] = {
    "portfolio": Portfolio, "workspace": Workspace, "scenario": Scenario,
}
UNDO_SECONDS = 60
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store writes UTC, so read them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@contextmanager
def _transaction(engine: Engine, action: str) -> Iterator[Session]:
    """One session and one transaction; database failures become a StoreError that says
    what was not done and that nothing was stored."""
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    except SQLAlchemyError as err:
        cause = getattr(err, "orig", None) or err
        raise StoreError(
            f"Could not {action}: the database said {cause.__class__.__name__}: {cause}. "
            "Nothing was stored; your page keeps its state. Try again, or check that the "
            "database is reachable, not locked and its disk not full.",
            code="store_unavailable",
        ) from err


def _as_dict(kind: str, row: SavedItem) -> dict[str, Any]:
    return {
        "id": row.id, "kind": kind, "name": row.name, "owner": row.owner, "body": row.body,
        "notes": row.notes, "version": row.version,
        "created_at": _aware(row.created_at).isoformat(),
        "updated_at": _aware(row.updated_at).isoformat(),
    }


class Repository:
    """Saved items of one kind (``portfolio``, ``workspace`` or ``scenario``)."""

    def __init__(self, engine: Engine, kind: Kind, *, clock: Clock = _utcnow):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}, not {kind!r}")
        self.engine, self.kind, self.model, self.clock = engine, kind, KINDS[kind], clock

    # -- reading ---------------------------------------------------------------------------
    def _live(self, session: Session, item_id: int, owner: str | None) -> SavedItem:
        row = session.get(self.model, item_id)
        if row is None or row.deleted_at is not None or (owner is not None and row.owner != owner):
            raise NotFoundError(f"No saved {self.kind} has id {item_id}; it may have been "
                                "deleted. Refresh the list of saved items.")
        return row

    def _named(self, session: Session, name: str, owner: str | None) -> SavedItem | None:
        query = select(self.model).where(self.model.name == name,
                                         self.model.deleted_at.is_(None))
        if owner is not None:
            query = query.where(self.model.owner == owner)
        return session.scalars(query.limit(1)).first()

    def get(self, item_id: int, *, owner: str | None = None) -> dict[str, Any]:
        with _transaction(self.engine, f"read {self.kind} {item_id}") as session:
            return _as_dict(self.kind, self._live(session, item_id, owner))

    def find(self, name: str, *, owner: str | None = None) -> dict[str, Any] | None:
        """The live item with exactly this name, or None (to ask before overwriting)."""
        with _transaction(self.engine, f"look up {self.kind} {name!r}") as session:
            row = self._named(session, name, owner)
            return None if row is None else _as_dict(self.kind, row)

    def list(self, search: str = "", *, owner: str | None = None) -> list[dict[str, Any]]:
        """Live items whose name contains ``search`` (any case), newest save first."""
        with _transaction(self.engine, f"list saved {self.kind}s") as session:
            self._purge(session)
            query = select(self.model).where(self.model.deleted_at.is_(None))
            if search.strip():
                query = query.where(self.model.name.ilike(f"%{search.strip()}%"))
            if owner is not None:
                query = query.where(self.model.owner == owner)
            rows = session.scalars(query.order_by(self.model.updated_at.desc(),
                                                  self.model.id.desc()))
            return [_as_dict(self.kind, row) for row in rows]

    # -- writing ---------------------------------------------------------------------------
    def create(self, name: str, body: dict, *, notes: str = "", owner: str | None = None,
               overwrite: bool = False) -> dict[str, Any]:
        """Save a new item. A live item of this kind with the same name raises NameTakenError
        unless ``overwrite`` (then that item is replaced and its version goes up)."""
        name = _clean_name(name)
        with _transaction(self.engine, f"save {self.kind} {name!r}") as session:
            existing = self._named(session, name, owner)
            now = self.clock()
            if existing is not None:
                if not overwrite:
                    raise NameTakenError(f"A saved {self.kind} is already called {name!r}. "
                                         "Overwrite it, or save under another name.")
                existing.body, existing.notes = body, notes
                existing.version, existing.updated_at = existing.version + 1, now
                return _as_dict(self.kind, existing)
            row = self.model(name=name, body=body, notes=notes, owner=owner, version=1,
                             created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return _as_dict(self.kind, row)

    def update(self, item_id: int, *, expected_version: int, name: str | None = None,
               body: dict | None = None, notes: str | None = None,
               owner: str | None = None) -> dict[str, Any]:
        """Change an item loaded at ``expected_version``; a newer stored version raises
        ConflictError (someone else saved it meanwhile) and nothing is written."""
        values: dict[str, Any] = {"version": expected_version + 1, "updated_at": self.clock()}
        if name is not None:
            values["name"] = _clean_name(name)
        if body is not None:
            values["body"] = body
        if notes is not None:
            values["notes"] = notes
        with _transaction(self.engine, f"save {self.kind} {item_id}") as session:
            row = self._live(session, item_id, owner)
            if "name" in values and values["name"] != row.name:
                other = self._named(session, values["name"], owner)
                if other is not None:
                    raise NameTakenError(f"A saved {self.kind} is already called "
                                         f"{values['name']!r}; pick another name.")
            done = session.execute(
                update(self.model)
                .where(self.model.id == item_id, self.model.version == expected_version)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise ConflictError(
                    f"{self.kind.capitalize()} {row.name!r} was saved by someone else "
                    f"(version {row.version}, you loaded version {expected_version}). "
                    "Nothing was overwritten: reload it, or save yours as a copy.",
                    details={"stored_version": row.version},
                )
            session.refresh(row)
            return _as_dict(self.kind, row)

    def rename(self, item_id: int, name: str, *, expected_version: int,
               owner: str | None = None) -> dict[str, Any]:
        return self.update(item_id, expected_version=expected_version, name=name, owner=owner)

    def duplicate(self, item_id: int, *, owner: str | None = None) -> dict[str, Any]:
        """A copy named ``<name> (copy)`` (``(copy 2)``, ... when taken)."""
        with _transaction(self.engine, f"duplicate {self.kind} {item_id}") as session:
            row = self._live(session, item_id, owner)
            name, n = f"{row.name} (copy)", 1
            while self._named(session, name, owner) is not None:
                n += 1
                name = f"{row.name} (copy {n})"
            now = self.clock()
            copy = self.model(name=name, body=row.body, notes=row.notes, owner=row.owner,
                              version=1, created_at=now, updated_at=now)
            session.add(copy)
            session.flush()
            return _as_dict(self.kind, copy)

    def delete(self, item_id: int, *, owner: str | None = None) -> dict[str, Any]:
        """Hide the item; :meth:`restore` brings it back for ``UNDO_SECONDS``."""
        with _transaction(self.engine, f"delete {self.kind} {item_id}") as session:
            row = self._live(session, item_id, owner)
            row.deleted_at = self.clock()
            return _as_dict(self.kind, row)

    def restore(self, item_id: int, *, owner: str | None = None) -> dict[str, Any]:
        """Undo a delete made less than ``UNDO_SECONDS`` ago."""
        with _transaction(self.engine, f"restore {self.kind} {item_id}") as session:
            row = session.get(self.model, item_id)
            limit = self.clock() - timedelta(seconds=UNDO_SECONDS)
            if (row is None or row.deleted_at is None or _aware(row.deleted_at) < limit
                    or (owner is not None and row.owner != owner)):
                raise NotFoundError(f"Deleted {self.kind} {item_id} can no longer be restored: "
                                    f"undo lasts {UNDO_SECONDS} seconds after a delete.")
            if self._named(session, row.name, owner) is not None:
                raise NameTakenError(f"Cannot restore {row.name!r}: another {self.kind} now "
                                     "has that name. Rename that one first.")
            row.deleted_at = None
            return _as_dict(self.kind, row)

    def _purge(self, session: Session) -> None:
        limit = self.clock() - timedelta(seconds=UNDO_SECONDS)
        session.execute(delete(self.model).where(self.model.deleted_at.is_not(None),
                                                 self.model.deleted_at < limit))


def _clean_name(name: object) -> str:
    text = str(name or "").strip()
    if not text or len(text) > 200:
        raise StoreError("A saved item needs a name of 1 to 200 characters.", code="bad_name")
    return text


class Store:
    """The repositories of one database, plus the datasets saved items refer to."""

    def __init__(self, engine: Engine, *, clock: Clock = _utcnow):
        self.engine = engine
        self.portfolios = Repository(engine, "portfolio", clock=clock)
        self.workspaces = Repository(engine, "workspace", clock=clock)
        self.scenarios = Repository(engine, "scenario", clock=clock)
        self.clock = clock

    def repository(self, kind: str) -> Repository:
        return {"portfolio": self.portfolios, "workspace": self.workspaces,
                "scenario": self.scenarios}[kind]

    def put_dataset(self, content: bytes, *, kind: str, name: str) -> str:
        """Keep an uploaded file's bytes; returns its SHA-256 (storing twice is a no-op)."""
        digest = sha256_of(content)
        with _transaction(self.engine, f"store dataset {name!r}") as session:
            if session.get(Dataset, digest) is None:
                session.add(Dataset(sha256=digest, kind=kind, name=name, content=content,
                                    created_at=self.clock()))
        return digest

    def get_dataset(self, digest: str) -> tuple[str, str, bytes]:
        """``(kind, name, content)`` of a stored dataset."""
        with _transaction(self.engine, f"read dataset {digest[:12]}") as session:
            row = session.get(Dataset, digest)
            if row is None:
                raise NotFoundError(f"No stored dataset has SHA-256 {digest}; upload the file "
                                    "again.")
            return row.kind, row.name, row.content
