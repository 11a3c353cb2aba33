"""Indexes for the spend and budget queries at national scale.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

On a store of 5 areas (117,000 spend lines; issue 12) an area's spend in one year was read through `ix_spend_area_id`
(all ten years of the area, 23,300 lines) and filtered; through `ix_spend_area_year_visibility` only the year's 2,400
are read, and the years of an area (the year menu) come from the index alone. The parts ("of which") have their own
index since 0010.

`ix_spend_visibility` goes: with two values it selects nothing, yet for the public's one visibility SQLite (no
statistics kept) chose it over the indexes above and read every public spend line of the store to find one year's
parts: 0.3-0.5 s a query on 43 areas. Every spend query filters by area, which the new index serves.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the index; drop spend's index on visibility alone."""
    op.drop_index("ix_spend_visibility", table_name="spend")
    op.create_index("ix_spend_area_year_visibility", "spend", ["area_id", "financial_year", "visibility"])


def downgrade() -> None:
    """Drop it; spend's index on visibility comes back."""
    op.drop_index("ix_spend_area_year_visibility", table_name="spend")
    op.create_index("ix_spend_visibility", "spend", ["visibility"])
