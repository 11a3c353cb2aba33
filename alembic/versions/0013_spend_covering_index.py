"""One index that holds every spend column the money queries read, so a whole store's sums scan the index alone.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28

`ix_spend_area_year_visibility` (0011) found an area's lines in a year, then read each line from the table. The
store-wide sums (every area's spend per year for /compare, every area's spend per year and funding stream for the
data-quality report) read all of a national store's million lines that way: 1.0 s for /compare's default indicator
on 43 areas, 0.37 s once every column it reads is in the index (SQLite: `SCAN spend USING COVERING INDEX`); every
area's budget and spend by year and funding stream, 3.1 s to 1.5 s. The new index starts with the old one's columns,
so every query that used it still can; the old one goes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    *("area_id", "financial_year", "visibility", "part_of_id", "basis", "agreement_id", "priority_id", "funding_stream_id"),
    *("qualifier", "amount_pence", "source_id", "source_section"),
]


def upgrade() -> None:
    """The covering index in place of the area, year and visibility one."""
    op.create_index("ix_spend_money", "spend", COLUMNS)
    op.drop_index("ix_spend_area_year_visibility", table_name="spend")


def downgrade() -> None:
    """Back to the area, year and visibility index."""
    op.create_index("ix_spend_area_year_visibility", "spend", ["area_id", "financial_year", "visibility"])
    op.drop_index("ix_spend_money", table_name="spend")
