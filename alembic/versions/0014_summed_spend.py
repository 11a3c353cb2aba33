"""Every area's spend per year, summed ahead of time for each audience at the store's version (`data_access.summaries`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29

/compare summed a national store's million spend lines on every cold run (0.35 s in SQLite, 0.8 s in PostgreSQL);
the next import or restore fills this table in its own transaction, and until then the app sums on the spot.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table, empty."""
    op.create_table(
        "summed_spend_by_area_and_year",
        sa.Column("store_version", sa.BigInteger(), nullable=False),
        sa.Column("audience", sa.String(), nullable=False),
        sa.Column("area_id", sa.String(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("spend_pence", sa.BigInteger(), nullable=False),
        sa.Column("linked_pence", sa.BigInteger(), nullable=False),
        sa.Column("illustrative_pence", sa.BigInteger(), nullable=False),
        sa.Column("citations", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("audience", "area_id", "financial_year"),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("summed_spend_by_area_and_year")
