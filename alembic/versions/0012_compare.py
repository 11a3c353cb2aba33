"""Comparing areas: what kind of service an agreement buys, peer groups of areas, and population per area and year.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28

`agreement.service_type` is nullable, and NULL means what existing rows already mean: the kind of service is not
stated, so it is compared with no kind. The two new tables start empty. Written by hand: autogenerate does not
compare CHECK constraints. Batch mode, so SQLite rebuilds the agreement table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVICE_TYPES = (
    "('isva', 'idva', 'restorative justice', 'victim assessment and referral', 'young victims', 'perpetrator programme', "
    "'substance misuse', 'other')"
)
BASES = "('reported', 'derived', 'illustrative')"


def _text(name: str, **kwargs: bool) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=False, **kwargs)


def _cited() -> list[sa.Column]:
    return [_text("source_id"), _text("source_section"), _text("basis"), _text("basis_note")]


def upgrade() -> None:
    """Add the column and its constraint, then the two tables."""
    with op.batch_alter_table("agreement") as batch:
        batch.add_column(sa.Column("service_type", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("agreement") as batch:
        batch.create_check_constraint("agreement_service_type", f"service_type IN {SERVICE_TYPES}")
    op.create_table(
        "area_group",
        *_cited(),
        _text("group_id"),
        _text("name"),
        _text("kind"),
        _text("area_id"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("group_id", "area_id"),
        sa.CheckConstraint("kind IN ('region', 'most similar group', 'other')", name="area_group_kind"),
        sa.CheckConstraint(f"basis IN {BASES}", name="area_group_basis"),
    )
    op.create_index(op.f("ix_area_group_area_id"), "area_group", ["area_id"], unique=False)
    op.create_index(op.f("ix_area_group_source_id"), "area_group", ["source_id"], unique=False)
    op.create_table(
        "population",
        *_cited(),
        _text("area_id"),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("area_id", "financial_year"),
        sa.CheckConstraint("population > 0", name="population_positive"),
        sa.CheckConstraint(f"basis IN {BASES}", name="population_basis"),
    )
    op.create_index(op.f("ix_population_source_id"), "population", ["source_id"], unique=False)


# The tables that cited sources before this revision.
CITING_BEFORE = (
    "plan",
    "priority",
    "provider",
    "funding_stream",
    "agreement",
    "amendment",
    "milestone",
    "agreement_priority",
    "budget",
    "spend",
    "observation",
)


def downgrade() -> None:
    """Drop the tables (with the sources only they cited, such as a list of regions, which the older schema has no
    use for and whose missing dates 0005's downgrade would refuse), then the column and its constraint."""
    cited_before = " UNION ".join(f"SELECT source_id FROM {table}" for table in CITING_BEFORE)
    op.execute(
        "DELETE FROM source WHERE id IN (SELECT source_id FROM area_group UNION SELECT source_id FROM population) "
        f"AND id NOT IN ({cited_before})"
    )
    op.drop_index(op.f("ix_population_source_id"), table_name="population")
    op.drop_table("population")
    op.drop_index(op.f("ix_area_group_source_id"), table_name="area_group")
    op.drop_index(op.f("ix_area_group_area_id"), table_name="area_group")
    op.drop_table("area_group")
    with op.batch_alter_table("agreement") as batch:
        batch.drop_constraint("agreement_service_type", type_="check")
    with op.batch_alter_table("agreement") as batch:
        batch.drop_column("service_type")
