"""The store's version (`store_version`): one row that every change to the figures adds one to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

Query caches are keyed by it, so every app replica shows a change on its next page run (data_access/store_version.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table with its one row at version 1."""
    table = op.create_table(
        "store_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.bulk_insert(table, [{"id": 1, "version": 1, "changed_at": None}])


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("store_version")
