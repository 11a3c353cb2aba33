"""A store holding a performance table as OPCC staff import one from a provider's published page, for the display tests.

Shaped like real imported figures, not like the sample data: a rate published to one decimal place (99.8%, 11.5%),
quarterly figures with no target anywhere in the area, a breakdown whose dimension is called "service" (a name the
pages also use as a column heading), the same breakdown measure reported by two agreements of the area and for two
years, a count broken down by "provider", and undated agreements: one with a start but no end, two with neither.

The area ("Testshire") and its figures are made up for these tests and exist only in the test store.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from data_access.models import Agreement, Area, Measure, Observation, Provider, Source

AREA, AREA_NAME = "testshire", "Testshire"
SOURCE = "testshire-performance-2024"
ISVA, OUTREACH = "ISVA service", "Outreach service"
SATISFIED, REPEAT = "Service users satisfied", "Repeat victims"
REFERRAL_SHARES, REFERRALS = "Referrals by service", "Referrals by provider"
UNDATED_TITLES = ("Helpline (start only)", "Restorative justice service", "Hate crime advocacy")

_CITED = {"source_id": SOURCE, "source_section": "Performance table"}


def _year(start: int) -> dict[str, object]:
    return {"period_start": date(start, 4, 1), "period_end": date(start + 1, 3, 31), "financial_year": start}


def _quarter(start: int, quarter: int) -> dict[str, object]:
    first_month = 4 + 3 * (quarter - 1)
    year = start + (first_month - 1) // 12
    month = (first_month - 1) % 12 + 1
    end_month, end_year = (month + 2, year) if month <= 10 else (month + 2 - 12, year + 1)
    ends = {3: 31, 6: 30, 9: 30, 12: 31}[end_month]
    return {
        "period_start": date(year, month, 1),
        "period_end": date(end_year, end_month, ends),
        "financial_year": start,
        "quarter": quarter,
    }


def add_imported_performance(engine: Engine) -> None:
    """Add Testshire, its agreements and its imported performance table to the store."""
    rows: list[SQLModel] = []
    # No relationships are declared on the models, so the unit of work cannot order the inserts itself: each row is
    # flushed in turn, parents first.
    with Session(engine) as session:
        rows.append(
            Source(id=SOURCE, title="Testshire commissioned services: performance 2023/24", publisher="Testshire OPCC",
                   published=date(2024, 7, 1), figures_as_at=date(2024, 3, 31), url="https://example.org/testshire-performance",
                   kind="published")
        )  # fmt: skip
        rows.append(Area(id=AREA, name=AREA_NAME, office="Office of the Testshire Police and Crime Commissioner"))
        rows.append(Provider(id="testshire-support", name="Testshire Support Trust", **_CITED))
        dated = {"start_date": date(2022, 4, 1), "current_end_date": date(2026, 3, 31), "status": "active"}
        rows.append(Agreement(id="ts-isva", area_id=AREA, title=ISVA, kind="contract", provider_id="testshire-support", **dated, **_CITED))
        rows.append(Agreement(id="ts-outreach", area_id=AREA, title=OUTREACH, kind="grant", **dated, **_CITED))
        rows.append(
            Agreement(id="ts-helpline", area_id=AREA, title=UNDATED_TITLES[0], kind="contract", start_date=date(2021, 4, 1),
                      status="active", **_CITED)
        )  # fmt: skip
        for n, title in enumerate(UNDATED_TITLES[1:]):
            rows.append(Agreement(id=f"ts-undated-{n}", area_id=AREA, title=title, kind="grant", status="active", **_CITED))
        rows.append(Measure(id="ts-satisfied", name=SATISFIED, unit="percent", higher_is_better=True))
        rows.append(Measure(id="ts-repeat", name=REPEAT, unit="percent", higher_is_better=False))
        rows.append(Measure(id="ts-referral-shares", name=REFERRAL_SHARES, unit="share"))
        rows.append(Measure(id="ts-referrals", name=REFERRALS, unit="count", counts_people=True))
        observations = [
            # Whole-year rates, as the table states them: one decimal place.
            ("ts-sat-isva", "ts-satisfied", "ts-isva", _year(2023), 99.8, "", ""),
            # Quarterly rates with no target published.
            ("ts-rep-q1", "ts-repeat", "ts-isva", _quarter(2023, 1), 12.0, "", ""),
            ("ts-rep-q2", "ts-repeat", "ts-isva", _quarter(2023, 2), 11.5, "", ""),
            ("ts-sat-q1", "ts-satisfied", "ts-outreach", _quarter(2023, 1), 99.8, "", ""),
            ("ts-sat-q2", "ts-satisfied", "ts-outreach", _quarter(2023, 2), 97.25, "", ""),
            # A breakdown whose dimension is "service", reported by both agreements, and by one of them for two years.
            ("ts-share-isva-a", "ts-referral-shares", "ts-isva", _year(2023), 60.2, "service", "Helpline"),
            ("ts-share-isva-b", "ts-referral-shares", "ts-isva", _year(2023), 39.8, "service", "Police"),
            ("ts-share-out-a", "ts-referral-shares", "ts-outreach", _year(2023), 88.5, "service", "Helpline"),
            ("ts-share-out-b", "ts-referral-shares", "ts-outreach", _year(2023), 11.5, "service", "Police"),
            ("ts-share-out-22a", "ts-referral-shares", "ts-outreach", _year(2022), 70.0, "service", "Helpline"),
            ("ts-share-out-22b", "ts-referral-shares", "ts-outreach", _year(2022), 30.0, "service", "Police"),
            # A count broken down by "provider" (published, so shown as published).
            ("ts-ref-police", "ts-referrals", "ts-isva", _year(2023), 120, "provider", "Police"),
            ("ts-ref-self", "ts-referrals", "ts-isva", _year(2023), 80, "provider", "Self-referral"),
        ]
        for id_, measure, agreement, period, value, dimension, part in observations:
            rows.append(
                Observation(id=id_, measure_id=measure, area_id=AREA, agreement_id=agreement, value=value, dimension=dimension,
                            dimension_value=part, **period, **_CITED)  # type: ignore[arg-type]
            )  # fmt: skip
        for row in rows:
            session.add(row)
            session.flush()
        session.commit()
