"""A measure's direction may be not stated (`measure.higher_is_better` nullable).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

A performance table that does not say whether a higher or a lower figure is better leaves the direction blank; the
figures are then shown against their targets but never judged as meeting or missing them. Existing rows keep theirs.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Let the column be blank."""
    with op.batch_alter_table("measure") as batch:
        batch.alter_column("higher_is_better", existing_type=sa.Boolean(), nullable=True)


def downgrade() -> None:
    """A blank direction becomes 'higher is better', the old default, before the column is made required again."""
    op.execute("UPDATE measure SET higher_is_better = TRUE WHERE higher_is_better IS NULL")
    with op.batch_alter_table("measure") as batch:
        batch.alter_column("higher_is_better", existing_type=sa.Boolean(), nullable=False)
