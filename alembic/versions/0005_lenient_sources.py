"""Lenient where sources are silent: blanks stored as not published, partial dates wherever a date is stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

- source.published and source.figures_as_at may be blank (not published); figures_as_at may be partial
  (figures_as_at_precision). Every date precision column is checked by the database.
- agreement: status may be 'not stated'; extension_options_used may be blank (not published, never 0);
  new award_date (+ award_precision), financial_year, extension_terms, and precisions of the original and
  latest end dates.
- amendment and milestone dates carry their precision.
- measure.counts_people may be blank (not stated: treated as counting people).
- observation.provider_id: the provider a performance figure is for.

Existing rows keep their values: a stored 0 options used or 'no' counts_people was written by the old
importer from what may have been a blank cell, and cannot be told apart from a stated one here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString()
PRECISIONS = "('day', 'month', 'year')"
OLD_STATUSES = "status IN ('planned', 'active', 'ended')"
NEW_STATUSES = "status IN ('planned', 'active', 'ended', 'not stated')"

# New precision columns: table -> [(column, check constraint name)].
NEW_PRECISIONS: dict[str, list[tuple[str, str]]] = {
    "source": [("figures_as_at_precision", "source_figures_as_at_precision")],
    "agreement": [
        ("award_precision", "agreement_award_precision"),
        ("original_end_precision", "agreement_original_end_precision"),
        ("latest_end_precision", "agreement_latest_end_precision"),
    ],
    "amendment": [
        ("agreed_on_precision", "amendment_agreed_on_precision"),
        ("previous_end_precision", "amendment_previous_end_precision"),
        ("new_end_precision", "amendment_new_end_precision"),
    ],
    "milestone": [("on_precision", "milestone_on_precision")],
}


def upgrade() -> None:
    """Add the columns (precisions filled with 'day': every date stored so far was a whole date), relax the blanks."""
    for table, columns in NEW_PRECISIONS.items():
        with op.batch_alter_table(table) as batch:
            for column, _ in columns:
                batch.add_column(sa.Column(column, TEXT, nullable=False, server_default="day"))
        with op.batch_alter_table(table) as batch:
            for column, name in columns:
                batch.alter_column(column, existing_type=TEXT, existing_nullable=False, server_default=None)
                batch.create_check_constraint(name, f"{column} IN {PRECISIONS}")
    with op.batch_alter_table("source") as batch:
        batch.alter_column("published", existing_type=sa.Date(), nullable=True)
        batch.alter_column("figures_as_at", existing_type=sa.Date(), nullable=True)
        batch.create_check_constraint("source_published_precision", f"published_precision IN {PRECISIONS}")
    with op.batch_alter_table("agreement") as batch:
        batch.add_column(sa.Column("award_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("financial_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("extension_terms", TEXT, nullable=False, server_default=""))
        batch.alter_column("extension_options_used", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint("agreement_status", type_="check")
        batch.create_check_constraint("agreement_status", NEW_STATUSES)
    with op.batch_alter_table("agreement") as batch:
        batch.alter_column("extension_terms", existing_type=TEXT, existing_nullable=False, server_default=None)
    with op.batch_alter_table("measure") as batch:
        batch.alter_column("counts_people", existing_type=sa.Boolean(), nullable=True)
    with op.batch_alter_table("observation") as batch:
        batch.add_column(sa.Column("provider_id", TEXT, nullable=True))
        batch.create_foreign_key("fk_observation_provider_id_provider", "provider", ["provider_id"], ["id"])
        batch.create_index("ix_observation_provider_id", ["provider_id"], unique=False)


def _count(sql: str) -> int:
    return int(op.get_bind().execute(sa.text(sql)).scalar() or 0)


def downgrade() -> None:
    """Back to 0004. Refused while the store holds what 0004 cannot: a status 'not stated', or a source with no
    published or as-at date (no date is invented). A blank count of options used goes back to 0 and a blank
    counts_people to yes (the old columns' meanings, disclosure control on)."""
    blocked = {
        "agreements with status 'not stated'": _count("SELECT COUNT(*) FROM agreement WHERE status = 'not stated'"),
        "sources with no published date": _count("SELECT COUNT(*) FROM source WHERE published IS NULL"),
        "sources with no figures-as-at date": _count("SELECT COUNT(*) FROM source WHERE figures_as_at IS NULL"),
    }
    if any(blocked.values()):
        held = ", ".join(f"{n} {what}" for what, n in blocked.items() if n)
        raise RuntimeError(f"cannot go back before 0005: the store holds {held}, which the older schema cannot")
    op.execute("UPDATE agreement SET extension_options_used = 0 WHERE extension_options_used IS NULL")
    op.execute(sa.text("UPDATE measure SET counts_people = :yes WHERE counts_people IS NULL").bindparams(yes=True))
    with op.batch_alter_table("observation") as batch:
        batch.drop_index("ix_observation_provider_id")
        batch.drop_constraint("fk_observation_provider_id_provider", type_="foreignkey")
        batch.drop_column("provider_id")
    with op.batch_alter_table("measure") as batch:
        batch.alter_column("counts_people", existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table("agreement") as batch:
        batch.drop_constraint("agreement_status", type_="check")
        batch.create_check_constraint("agreement_status", OLD_STATUSES)
        batch.alter_column("extension_options_used", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("extension_terms")
        batch.drop_column("financial_year")
        batch.drop_column("award_date")
    with op.batch_alter_table("source") as batch:
        batch.drop_constraint("source_published_precision", type_="check")
        batch.alter_column("figures_as_at", existing_type=sa.Date(), nullable=False)
        batch.alter_column("published", existing_type=sa.Date(), nullable=False)
    for table, columns in NEW_PRECISIONS.items():
        with op.batch_alter_table(table) as batch:
            for column, name in columns:
                batch.drop_constraint(name, type_="check")
                batch.drop_column(column)
