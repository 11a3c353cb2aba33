"""A store holding an area with many agreements, for the briefing's one-page test: 150 contracts and grants with long
titles, 40 of them ending within 12 months of the as-at date, and 12 measures below their targets.

The area ("Heavyshire") and its figures are made up for these tests and exist only in the test store."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from data_access.models import Agreement, Area, Measure, Observation, Provider, Source

AREA, AREA_NAME = "heavyshire", "Heavyshire"
AS_AT = date(2025, 6, 30)
AGREEMENTS, ENDING, OFF_TARGET = 150, 40, 12
SOURCE = "heavyshire-register-2025"
_CITED: dict[str, Any] = {"source_id": SOURCE, "source_section": "Contracts register"}


def title(n: int) -> str:
    return f"Heavyshire victim and witness support service number {n:03d} (lot {n % 7 + 1})"


def add_heavy_area(engine: Engine) -> None:
    """Add Heavyshire, its agreements and its measures to the store."""
    rows: list[SQLModel] = [
        Source(id=SOURCE, title="Heavyshire contracts register 2025", publisher="Heavyshire OPCC", published=date(2025, 6, 1),
               figures_as_at=date(2025, 3, 31), url="https://example.org/heavyshire-register", kind="published"),
        Area(id=AREA, name=AREA_NAME, office="Office of the Heavyshire Police and Crime Commissioner"),
        Provider(id="heavyshire-trust", name="Heavyshire Victim Support Trust", **_CITED),
    ]  # fmt: skip
    for n in range(AGREEMENTS):
        # The first ENDING end within 12 months of AS_AT (the 1st of each month from August 2025, around and around);
        # the rest in 2027 or later.
        end = date(2025 + (7 + n % 11) // 12, (7 + n % 11) % 12 + 1, 1) if n < ENDING else date(2027 + n % 3, 3, 31)
        rows.append(
            Agreement(id=f"hv-{n:03d}", area_id=AREA, title=title(n), kind="contract" if n % 2 else "grant",
                      provider_id="heavyshire-trust", start_date=date(2023, 4, 1), current_end_date=end, status="active",
                      annual_value_pence=(10_000 + n * 1_000) * 100, **_CITED)
        )  # fmt: skip
    for n in range(OFF_TARGET):
        rows.append(Measure(id=f"hv-measure-{n}", name=f"Victims contacted within 48 hours, measure {n}", unit="percent",
                            higher_is_better=True))  # fmt: skip
        rows.append(
            Observation(id=f"hv-obs-{n}", measure_id=f"hv-measure-{n}", area_id=AREA, agreement_id=f"hv-{n:03d}",
                        period_start=date(2025, 1, 1), period_end=date(2025, 3, 31), financial_year=2024, quarter=4,
                        value=80.0 + n, target=95.0, **_CITED)
        )  # fmt: skip
    with Session(engine) as session:
        for row in rows:  # no relationships are declared, so parents are flushed first, one by one
            session.add(row)
            session.flush()
        session.commit()
