"""Each source says whether it is a published document or an internal return (`source.kind`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Existing sources are marked `published`: every source loaded so far is a public document (the seed
documents). The column then loses its database default, so a row written later must say what it is;
the models and the importer default to `internal`, the safe side for disclosure control.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column, filled with 'published' for the rows already there, and its CHECK constraint."""
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="published"))
    with op.batch_alter_table("source") as batch:
        batch.alter_column("kind", existing_type=sqlmodel.sql.sqltypes.AutoString(), existing_nullable=False, server_default=None)
        batch.create_check_constraint("source_kind", "kind IN ('published', 'internal')")


def downgrade() -> None:
    """Drop the constraint and the column."""
    with op.batch_alter_table("source") as batch:
        batch.drop_constraint("source_kind", type_="check")
        batch.drop_column("kind")
