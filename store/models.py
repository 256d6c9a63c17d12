"""The tables: three kinds of saved item with one shape, and datasets by SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "SavedItem", "Portfolio", "Workspace", "Scenario", "Dataset"]


class Base(DeclarativeBase):
    pass


class SavedItem(Base):
    """Columns every saved kind has. ``version`` grows by one per save (optimistic locking);
    ``deleted_at`` marks a soft delete that ``restore`` can undo for a minute."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str | None] = mapped_column(String(200), index=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    body: Mapped[dict] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Portfolio(SavedItem):
    __tablename__ = "portfolios"


class Workspace(SavedItem):
    __tablename__ = "workspaces"


class Scenario(SavedItem):
    __tablename__ = "scenarios"


class Dataset(Base):
    """An uploaded file's bytes, keyed by their SHA-256 as the upload cache keys them."""

    __tablename__ = "datasets"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
