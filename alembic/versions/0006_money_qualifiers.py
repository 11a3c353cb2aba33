"""Money as the source qualifies it: "up to" amounts, "of which" parts, budgets over several years, a fund's stated
total of awards.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Every new column is nullable or has a blank default that means what existing rows already meant: an amount as
stated, a part of nothing, a budget for one year, no stated total. Existing rows therefore keep their meaning.
Written by hand: autogenerate does not compare CHECK constraints. Batch mode, so SQLite rebuilds the tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUALIFIERS = "('', 'up to')"


def _text(name: str) -> sa.Column:
    # The server default fills existing rows, then goes: the models give new rows their default.
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")


def _part_of(name: str = "part_of_id") -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True)


Change = tuple[list[sa.Column], list[tuple[str, str]], list[tuple[str, str]]]


def _changes() -> dict[str, Change]:
    """table -> (columns, foreign keys (name, column), CHECK constraints (name, condition)); new Column objects each
    call, as a Column belongs to one table once added."""
    return {
        "funding_stream": (
            [sa.Column("stated_awards_total_pence", sa.BigInteger(), nullable=True)],
            [],
            [("funding_stream_stated_awards_total_not_negative", "stated_awards_total_pence IS NULL OR stated_awards_total_pence >= 0")],
        ),
        "agreement": (
            [_text("value_qualifier"), _part_of("value_part_of_id")],
            [("agreement_value_part_of_id_fkey", "value_part_of_id")],
            [
                ("agreement_value_qualifier", f"value_qualifier IN {QUALIFIERS}"),
                ("agreement_value_not_part_of_itself", "value_part_of_id IS NULL OR value_part_of_id <> id"),
            ],
        ),
        "budget": (
            [sa.Column("last_financial_year", sa.Integer(), nullable=True), _text("apportionment"), _text("qualifier"), _part_of()],
            [("budget_part_of_id_fkey", "part_of_id")],
            [
                ("budget_years_in_order", "last_financial_year IS NULL OR last_financial_year >= financial_year"),
                ("budget_apportionment", "apportionment IN ('', 'even')"),
                ("budget_qualifier", f"qualifier IN {QUALIFIERS}"),
                ("budget_not_part_of_itself", "part_of_id IS NULL OR part_of_id <> id"),
            ],
        ),
        "spend": (
            [_text("qualifier"), _part_of()],
            [("spend_part_of_id_fkey", "part_of_id")],
            [
                ("spend_qualifier", f"qualifier IN {QUALIFIERS}"),
                ("spend_not_part_of_itself", "part_of_id IS NULL OR part_of_id <> id"),
            ],
        ),
    }


def upgrade() -> None:
    """Add the columns (blank-default text columns filled for existing rows), then their keys and constraints."""
    for table, (columns, keys, checks) in _changes().items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(column)
        with op.batch_alter_table(table) as batch:
            for column in columns:
                if column.server_default is not None:
                    batch.alter_column(column.name, existing_type=column.type, existing_nullable=False, server_default=None)
            for name, column_name in keys:
                batch.create_foreign_key(name, table, [column_name], ["id"])
            for name, condition in checks:
                batch.create_check_constraint(name, condition)


def downgrade() -> None:
    """Drop the constraints, keys and columns."""
    for table, (columns, keys, checks) in reversed(list(_changes().items())):
        with op.batch_alter_table(table) as batch:
            for name, _ in checks:
                batch.drop_constraint(name, type_="check")
            for name, _ in keys:
                batch.drop_constraint(name, type_="foreignkey")
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_column(column.name)
