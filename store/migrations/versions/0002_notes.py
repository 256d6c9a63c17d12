"""Notes on every saved item (existing rows get an empty note).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SAVED_KINDS = ("portfolios", "workspaces", "scenarios")


def upgrade() -> None:
    for table in SAVED_KINDS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("notes", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    for table in SAVED_KINDS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("notes")
