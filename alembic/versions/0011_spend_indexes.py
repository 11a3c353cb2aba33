"""Indexes for the spend and budget queries at national scale.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-28

On a store of 5 areas (117,000 spend lines; issue 12) the parts ("of which") of a year's spend lines were found by
reading every spend line of the visible kinds (SQLite: SEARCH spend USING INDEX ix_spend_visibility), 90-120 ms each
time the spend page or the briefing pack asked; with `ix_spend_part_of_id` 2-3 ms. An area's spend in one year was
read through `ix_spend_area_id` (all ten years of the area, 23,300 lines) and filtered; through
`ix_spend_area_year_visibility` only the year's 2,400 are read, and the years of an area (the year menu) come from
the index alone. Budget lines get the same index on `part_of_id` as spend.

`ix_spend_visibility` goes: with two values it selects nothing, yet for the public's one visibility SQLite (no
statistics kept) chose it over the indexes above and read every public spend line of the store to find one year's
parts: 0.3-0.5 s a query on 43 areas. Every spend query filters by area, which the new index serves.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the three indexes; drop spend's index on visibility alone."""
    op.drop_index("ix_spend_visibility", table_name="spend")
    op.create_index("ix_spend_part_of_id", "spend", ["part_of_id"])
    op.create_index("ix_budget_part_of_id", "budget", ["part_of_id"])
    op.create_index("ix_spend_area_year_visibility", "spend", ["area_id", "financial_year", "visibility"])


def downgrade() -> None:
    """Drop them; spend's index on visibility comes back."""
    op.drop_index("ix_spend_area_year_visibility", table_name="spend")
    op.drop_index("ix_budget_part_of_id", table_name="budget")
    op.drop_index("ix_spend_part_of_id", table_name="spend")
    op.create_index("ix_spend_visibility", "spend", ["visibility"])
