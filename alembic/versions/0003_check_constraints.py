"""Every basis, visibility, unit, route and precision checked by the database; end dates not before the start; caps not negative.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Written by hand: autogenerate does not compare CHECK constraints.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS: dict[str, list[tuple[str, str]]] = {
    "measure": [
        ("measure_unit", "unit IN ('count', 'percent', 'share')"),
    ],
    "funding_stream": [
        ("funding_stream_basis", "basis IN ('reported', 'derived', 'illustrative')"),
        ("funding_stream_cap_not_negative", "cap_per_award_pence IS NULL OR cap_per_award_pence >= 0"),
    ],
    "plan": [
        ("plan_basis", "basis IN ('reported', 'derived', 'illustrative')"),
    ],
    "provider": [
        ("provider_basis", "basis IN ('reported', 'derived', 'illustrative')"),
    ],
    "agreement": [
        ("agreement_latest_end_not_before_start", "latest_end_date IS NULL OR start_date IS NULL OR latest_end_date >= start_date"),
        ("agreement_start_precision", "start_precision IN ('day', 'month', 'year')"),
        ("agreement_original_end_not_before_start", "original_end_date IS NULL OR start_date IS NULL OR original_end_date >= start_date"),
        ("agreement_procurement_route", "procurement_route IN ('open', 'selective', 'limited', 'direct', 'not stated')"),
        ("agreement_end_precision", "end_precision IN ('day', 'month', 'year')"),
    ],
    "priority": [
        ("priority_basis", "basis IN ('reported', 'derived', 'illustrative')"),
    ],
    "agreement_priority": [
        ("agreement_priority_basis", "basis IN ('reported', 'derived', 'illustrative')"),
    ],
    "amendment": [
        ("amendment_basis", "basis IN ('reported', 'derived', 'illustrative')"),
    ],
    "budget": [
        ("budget_visibility", "visibility IN ('public', 'panel', 'restricted')"),
        ("budget_basis", "basis IN ('reported', 'derived', 'illustrative')"),
    ],
    "milestone": [
        ("milestone_basis", "basis IN ('reported', 'derived', 'illustrative')"),
        ("milestone_visibility", "visibility IN ('public', 'panel', 'restricted')"),
    ],
    "observation": [
        ("observation_target_basis", "target_basis IN ('', 'reported', 'derived', 'illustrative')"),
        ("observation_visibility", "visibility IN ('public', 'panel', 'restricted')"),
        ("observation_basis", "basis IN ('reported', 'derived', 'illustrative')"),
    ],
    "spend": [
        ("spend_visibility", "visibility IN ('public', 'panel', 'restricted')"),
        ("spend_basis", "basis IN ('reported', 'derived', 'illustrative')"),
    ],
}


def upgrade() -> None:
    """Add the constraints (SQLite rebuilds each table to do so)."""
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, condition in checks:
                batch.create_check_constraint(name, condition)


def downgrade() -> None:
    """Drop them again."""
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, _ in checks:
                batch.drop_constraint(name, type_="check")
