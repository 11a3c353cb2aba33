"""Differencing: counts of people from an internal return must not be recoverable from what the public sees.

The seed documents are all published, so each test here builds its own internal return: a source of kind
`internal` (as an OPCC's providers' quarterly returns would be) and small counts in an area of its own, then
checks what the public queries, the public table, the cost per unit, the takeaways and the download show:
quarters against their year, parts against their total, cost per unit against spend, and the same figure
on the page and in the download.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from charts.performance import breakdown_takeaway
from data_access import exporting, public
from data_access.db import open_store
from data_access.models import Agreement, Area, Audience, Observation, Source, Spend

AREA = "returns-test"
CITED = {"source_id": "returns-2019", "source_section": "Q4 return", "basis": "reported", "basis_note": ""}
YEAR = {"period_start": date(2019, 4, 1), "period_end": date(2020, 3, 31), "financial_year": 2019, "quarter": None}
QUARTERS = [(date(2019, 4, 1), date(2019, 6, 30)), (date(2019, 7, 1), date(2019, 9, 30)), (date(2019, 10, 1), date(2019, 12, 31)),
            (date(2020, 1, 1), date(2020, 3, 31))]  # fmt: skip


def observation(id_: str, agreement: str, measure: str, value: float, **extra) -> Observation:
    values = {"area_id": AREA, "agreement_id": agreement, "measure_id": measure, "value": value, "visibility": "public", **YEAR, **CITED}
    return Observation(id=id_, **{**values, **extra})


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The sample store plus one area whose figures come from an internal return."""
    path: Path = tmp_path_factory.mktemp("differencing") / "store.sqlite3"
    store = open_store(f"sqlite:///{path}", load_sample_data=True)
    with Session(store) as session:
        session.add(
            Source(id="returns-2019", title="Providers' quarterly returns 2019/20", publisher="OPCC (internal)",
                   published=date(2020, 4, 30),
                   figures_as_at=date(2020, 3, 31), kind="internal")
        )  # fmt: skip
        session.add(Area(id=AREA, name="Returns Test", office="OPCC"))
        session.flush()  # no relationships are declared, so the session does not order the inserts itself
        for agreement in ("svc-a", "svc-b"):
            session.add(Agreement(id=agreement, area_id=AREA, title=f"Service {agreement[-1].upper()}", kind="contract", status="active",
                                  visibility="public", **CITED))  # fmt: skip
        session.flush()
        session.add_all(
            [
                # Parts against the total: 7 and 23 of 30 referrals by source.
                observation("parts-total", "svc-a", "isva-referrals", 30, quarter=None, period_start=date(2019, 4, 1),
                            period_end=date(2019, 9, 30), financial_year=None),
                observation("part-police", "svc-a", "isva-referrals", 7, dimension="referral source", dimension_value="Police",
                            period_start=date(2019, 4, 1), period_end=date(2019, 9, 30), financial_year=None, quarter=None),
                observation("part-self", "svc-a", "isva-referrals", 23, dimension="referral source", dimension_value="Self",
                            period_start=date(2019, 4, 1), period_end=date(2019, 9, 30), financial_year=None, quarter=None),
                # Quarters against the year: 8 + 12 + 38 + 45 = 103.
                observation("year", "svc-a", "isva-trials-supported", 103),
                *[
                    observation(f"q{n}", "svc-a", "isva-trials-supported", v, period_start=s, period_end=e, quarter=n)
                    for n, (v, (s, e)) in enumerate(zip((8, 12, 38, 45), QUARTERS, strict=True), start=1)
                ],
                # A count of 12 on its own; 8 people with £2,000 spend; shares of that hidden 8.
                observation("twelve", "svc-b", "isva-referrals", 12, period_start=date(2019, 4, 1), period_end=date(2019, 6, 30),
                            financial_year=None),
                observation("eight", "svc-b", "isva-trials-supported", 8),
                observation("share-police", "svc-b", "perpetrator-referral-share", 25, dimension="source", dimension_value="Police"),
                observation("share-self", "svc-b", "perpetrator-referral-share", 75, dimension="source", dimension_value="Self"),
                Spend(id="spend-a", area_id=AREA, financial_year=2019, agreement_id="svc-a", amount_pence=1_050_000, visibility="public",
                      **CITED),
                Spend(id="spend-b", area_id=AREA, financial_year=2019, agreement_id="svc-b", amount_pence=200_000, visibility="public",
                      **CITED),
            ]
        )  # fmt: skip
        session.commit()
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def figures(engine: Engine) -> pd.DataFrame:
    with Session(engine) as session:
        return public.published_performance(session=session, area=AREA, audience=Audience.PUBLIC)


def seen(figures: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Each observation as the public table words it: (figure, why)."""
    table = public.performance_table(figures)
    return dict(zip(figures["id"], zip(table["Figure"], table["Why it is shown this way"], strict=True), strict=True))


def test_the_exact_values_never_leave_the_query(figures: pd.DataFrame) -> None:
    assert "value" not in figures.columns
    assert set(figures["source_kind"]) == {"internal"}


def test_seven_of_thirty_is_fewer_than_ten_and_its_partner_is_hidden_too(figures: pd.DataFrame) -> None:
    """Parts against the total: with 30 shown, showing 23 would give 7 back."""
    words = seen(figures)
    assert words["part-police"] == ("fewer than 10", "suppressed: fewer than 10")
    assert words["part-self"] == ("hidden", "suppressed so a hidden figure cannot be worked out")
    assert words["parts-total"] == ("about 30", "rounded to the nearest 5")


def test_quarters_against_the_year_do_not_give_a_small_quarter_back(figures: pd.DataFrame) -> None:
    words = seen(figures)
    assert words["q1"] == ("fewer than 10", "suppressed: fewer than 10")  # 8: never "10"
    assert words["q2"] == ("hidden", "suppressed so a hidden figure cannot be worked out")  # 12: else 105 - 40 - 45 gives 8 back
    assert (words["q3"][0], words["q4"][0], words["year"][0]) == ("about 40", "about 45", "about 105")


def test_a_count_of_twelve_from_an_internal_return_is_about_ten(figures: pd.DataFrame) -> None:
    assert seen(figures)["twelve"] == ("about 10", "rounded to the nearest 5")


def test_eight_is_never_shown_as_ten(figures: pd.DataFrame) -> None:
    words = seen(figures)
    assert words["eight"] == ("fewer than 10", "suppressed: fewer than 10")
    assert all(figure != "about 10" for id_, (figure, _) in words.items() if id_ in ("eight", "q1"))


def test_shares_of_a_hidden_count_are_hidden_and_the_takeaway_adds_nothing_up(figures: pd.DataFrame) -> None:
    words = seen(figures)
    assert words["share-police"][0] == words["share-self"][0] == "hidden"
    parts = figures[figures["measure_id"] == "perpetrator-referral-share"].rename(columns={"shown_value": "value"})
    takeaway = breakdown_takeaway(parts)
    assert "%" not in takeaway and "add up" not in takeaway
    referrals = figures[figures["dimension"] == "referral source"].rename(columns={"shown_value": "value"})
    assert "23" not in breakdown_takeaway(referrals) and "7" not in breakdown_takeaway(referrals)


def test_cost_per_unit_uses_the_shown_count_and_is_hidden_with_it(engine: Engine) -> None:
    with Session(engine) as session:
        costs = public.published_cost_per_unit(session=session, area=AREA, audience=Audience.PUBLIC)
        exact = public.queries.cost_per_unit(session=session, area=AREA, audience=Audience.PUBLIC)
    rows = {(r.agreement, r.measure): r for r in costs.itertuples()}
    a = rows[("Service A", "Trials at which ISVAs supported victims")]
    # £10,500 over 103 trials is £101.94 each, which with the spend gives 103 back; over the shown 105 it is £100.
    assert (a.units, a.units_text, a.cost_per_unit_pence) == (105, "about 105", 10_000)
    assert 1_050_000 / a.cost_per_unit_pence == 105
    b = rows[("Service B", "Trials at which ISVAs supported victims")]
    # 8 people with £2,000 spend: no cost per unit (£250 would give 8 back), and never "10" people.
    assert (b.units, b.units_text, b.cost_per_unit_pence) == (None, "fewer than 10", None)
    assert set(exact["units"]) >= {103, 8}  # the staff query still has the exact counts: the test can fail


def test_the_download_holds_the_same_figures_as_the_page(figures: pd.DataFrame) -> None:
    rows = list(csv.DictReader(io.StringIO(exporting.csv_bytes(exporting.performance_download(figures)).decode("utf-8-sig"))))
    page = public.performance_table(figures)
    for row, (figure, why) in zip(rows, zip(page["Figure"], page["Why it is shown this way"], strict=True), strict=True):
        assert row["Disclosure control"] == ("" if why == "as published" else why)
        if figure.startswith("about "):
            assert row["Figure"] == figure.removeprefix("about ").replace(",", "")
        elif figure in ("fewer than 10", "hidden"):
            assert row["Figure"] == ""
    counts = {row["Figure"] for row in rows if row["Unit"] == "count"}
    assert not {"7", "8", "12", "23", "38", "103"} & counts
