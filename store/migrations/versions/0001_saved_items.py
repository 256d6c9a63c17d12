"""Saved portfolios, workspaces, scenarios and datasets.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SAVED_KINDS = ("portfolios", "workspaces", "scenarios")


def upgrade() -> None:
    for table in SAVED_KINDS:
        op.create_table(
            table,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("owner", sa.String(200), nullable=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("body", sa.JSON, nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        )
        op.create_index(f"ix_{table}_owner", table, ["owner"])
        op.create_index(f"ix_{table}_name", table, ["name"])
    op.create_table(
        "datasets",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("datasets")
    for table in SAVED_KINDS:
        op.drop_table(table)
