"""Remembered column mappings: a spreadsheet's own headings -> the import format (`column_mapping`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

A person who imports their own contract register, grant list or performance table confirms which of
their columns holds what; the mapping is kept by a hash of the sheet's normalised headings, with who
confirmed it and when, so the same sheet next time maps itself.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "column_mapping",
        sa.Column("header_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("headers", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holds", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("mapping", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("saved_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("saved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("header_key"),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("column_mapping")
