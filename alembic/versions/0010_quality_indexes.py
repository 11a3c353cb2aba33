"""Indexes for the data-quality checks: spend by agreement and year, by area and year (and line), and parts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

`data_access.overlaps` pairs the spend records of one line and year. With only single-column indexes the database
compared every spend line of an area with every line of the same year (on a 5-area store, 23,300 × 11,650 pairs per
area: minutes per run); with these it looks up each record's partners directly, by agreement and year, or by area,
year, funding stream and priority. The area-and-year index also serves every query of one area's spend in one year.
The parts of a budget or spend line ("of which") were found by reading every row of the table, once per area and
year; their index holds only the parts (few), not the null of every other row.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IS_PART = sa.text("part_of_id IS NOT NULL")


def upgrade() -> None:
    """Add the indexes (no rows change)."""
    op.create_index("ix_spend_agreement_year", "spend", ["agreement_id", "financial_year"])
    op.create_index("ix_spend_area_year_line", "spend", ["area_id", "financial_year", "funding_stream_id", "priority_id"])
    op.create_index("ix_spend_part_of", "spend", ["part_of_id"], sqlite_where=IS_PART, postgresql_where=IS_PART)
    op.create_index("ix_budget_part_of", "budget", ["part_of_id"], sqlite_where=IS_PART, postgresql_where=IS_PART)


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_budget_part_of", table_name="budget")
    op.drop_index("ix_spend_part_of", table_name="spend")
    op.drop_index("ix_spend_area_year_line", table_name="spend")
    op.drop_index("ix_spend_agreement_year", table_name="spend")
