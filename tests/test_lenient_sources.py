"""Lenient where sources are silent, strict where they speak (issue 11, deliverable 1: columns and values).

Real shapes: a contract register converted from a web page (no sections, no publisher, no published date, status
blank, an end of "March 2025", an OCDS timestamp, money written "£2.814 million"), and the readers that must say
"not published" for what such files leave blank.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from data_access import disclosure, exporting, loading, queries
from data_access.db import open_store
from data_access.importing import import_file
from data_access.models import Agreement, Area, Audience, Measure, Source

SOURCES = (
    "id,title,publisher,published,file,url,figures_as_at,as_at_note,kind\n"
    "register-web,Contract register,,,,https://example.org/contracts,,,published\n"
)
PROVIDERS = (
    "id,name,charity_number,company_number,source_id,source_section,basis,basis_note\nsafe-lives,SafeLives,,,register-web,,reported,\n"
)
# A contract register's columns, where the page gives them: no section, no status, no options used.
AGREEMENTS = (
    "id,area_id,title,kind,provider_id,start_date,current_end_date,annual_value,award_date,extension_terms,source_id,visibility,basis\n"
    "nfk-idva-2022,norfolk,IDVA service,contract,safe-lives,2022-04-01T00:00:00+01:00,March 2025,£2.814 million,2022-03,"
    "one year plus up to 2 × 12 months,register-web,public,reported\n"
)


@pytest.fixture
def fresh_store(fresh_sqlite_url: str) -> Iterator[Engine]:
    engine = open_store(fresh_sqlite_url)
    yield engine
    engine.dispose()


def test_a_contract_register_with_blanks_imports_with_no_guessed_value(fresh_store: Engine) -> None:
    for kind, text in (("sources", SOURCES), ("providers", PROVIDERS), ("agreements", AGREEMENTS)):
        report = import_file(fresh_store, text.encode(), file_name=f"{kind}.csv", kind=kind, apply=True, who="test")
        assert report.problems == [], (kind, report.problems)
    with Session(fresh_store) as session:
        source = session.get(Source, "register-web")
        assert (source.title, source.publisher, source.published, source.figures_as_at) == ("Contract register", "", None, None)
        idva = session.get(Agreement, "nfk-idva-2022")
        assert idva.source_section == ""  # the register page as a whole is the citation
        assert idva.status == "not stated"  # a blank status is not stated, kept explicit; never guessed active
        assert idva.extension_options_used is None and idva.extension_options_available is None  # not 0
        assert (idva.start_date, idva.start_precision) == (date(2022, 4, 1), "day")  # the calendar date as written
        assert (idva.current_end_date, idva.end_precision) == (date(2025, 3, 31), "month")  # "March 2025"
        assert (idva.award_date, idva.award_precision) == (date(2022, 3, 1), "month")
        assert idva.annual_value_pence == 281_400_000
        assert idva.extension_terms == "one year plus up to 2 × 12 months"
        assert (idva.original_end_date, idva.latest_end_date, idva.financial_year) == (None, None, None)
        # Running by its dates in 2024, whatever its (unstated) status.
        standing = queries.standings(session=session, area="norfolk", as_at=date(2024, 6, 1), audience=Audience.STAFF)
        assert standing.set_index("id").loc["nfk-idva-2022", "standing"] == queries.RUNNING
        renewals = queries.renewals(session=session, area="norfolk", as_at=date(2024, 6, 1), audience=Audience.STAFF).set_index("id")
        assert renewals.loc["nfk-idva-2022", "options_text"] == "not published"
        assert renewals.loc["nfk-idva-2022", "end_text"] == "March 2025"
        # The citation reads well with no section: the document (and its address), no trailing colon.
        lines = queries.source_lines(["register-web|"], queries.sources(session=session))
        assert lines == ["Contract register, https://example.org/contracts"]


def test_optional_columns_left_out_are_one_note_each_meaning_not_problems() -> None:
    table = loading.read_csv_bytes(AGREEMENTS.encode(), "agreements.csv")
    known: dict[str, set[Any]] = {"area": {"norfolk"}, "provider": {"safe-lives"}, "source": {"register-web"}}
    checked = loading.check_table(table, Agreement, known=known)
    assert checked.problems == []
    notes = {n.column: n.rule for n in checked.notes}
    not_published = (
        "extension_options_available, financial_year, latest_end_date, number_of_tenderers, original_end_date, purpose, total_value"
    )
    assert notes[not_published] == "optional, not in the file: every row's value is blank: not published"
    assert len(checked.notes) == 8  # one note per meaning, not one per column or per row
    assert notes["extension_options_used"].endswith("blank: not published (never taken as none used)")
    assert "status" in notes and "source_section" in notes


def test_a_blank_counts_people_is_stored_blank_and_counts_people() -> None:
    text = "id,name,unit,higher_is_better,counts_people,description\nreferrals,Referrals,count,yes,,\n"
    checked = loading.check_table(loading.read_csv_bytes(text.encode(), "measures.csv"), Measure, known={})
    assert checked.problems == []
    assert checked.records[0].counts_people is None
    assert [n.rule for n in checked.notes] == [loading.OPTIONAL_COLUMNS[(Measure, "counts_people")]]
    assert disclosure.counts_people_of(None) and disclosure.counts_people_of(float("nan")) and not disclosure.counts_people_of(False)
    frame = pd.DataFrame({"value": [3.0], "counts_people": [None], disclosure.PUBLISHED: [False]})
    assert disclosure.control(frame)["shown_text"].iloc[0] == "fewer than 10"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-01T00:00:00+01:00", date(2026, 4, 1)),  # Find a Tender writes local time with its offset
        ("2026-03-31T23:00:00Z", date(2026, 3, 31)),
        ("2026-04-01T00:00:00.000+0100", date(2026, 4, 1)),
    ],
)
def test_ocds_timestamps_give_the_calendar_date_as_written(text: str, expected: date) -> None:
    assert loading.parse_date(text) == (expected, "day")


@pytest.mark.parametrize(
    ("model", "column", "text", "stored"),
    [
        (Agreement, "original_end_date", "March 2025", (date(2025, 3, 31), "month")),
        (Agreement, "latest_end_date", "2027", (date(2027, 12, 31), "year")),
        (Agreement, "award_date", "2022-03", (date(2022, 3, 1), "month")),
        (Source, "figures_as_at", "2021-11", (date(2021, 11, 30), "month")),
    ],
)
def test_partial_dates_in_every_date_column(model: type, column: str, text: str, stored: tuple[date, str]) -> None:
    precision, at_end = loading.PARTIAL_DATES[(model, column)]
    assert loading.parse_date(text, partial=True, at_end=at_end) == stored
    assert precision.endswith("_precision")


def test_a_month_of_spend_is_refused_not_counted_in_a_quarter() -> None:
    text = (
        "id,area_id,period,funding_stream_id,agreement_id,priority_id,amount,is_credit,description,visibility,source_id,"
        "source_section,basis,basis_note\nm,norfolk,May 2018,,,,£1k,no,,public,s,,reported,\n"
    )
    checked = loading.check_table(
        loading.read_csv_bytes(text.encode(), "spend.csv"), loading.Spend, known={"area": {"norfolk"}, "source": {"s"}}
    )
    assert [(p.column, p.value) for p in checked.problems] == [("period", "May 2018")]
    assert checked.problems[0].rule.startswith("is not a financial year or a quarter, which spend needs")


# --- standing on the as-at date ------------------------------------------------------------------


@pytest.fixture
def rolled_back(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    cited = {"source_id": "lenient-page", "basis": "reported", "visibility": "public"}
    session.add(
        Source(id="lenient-page", title="Grants page", url="https://example.org/grants", published=date(2019, 5, 1), kind="published")
    )
    session.add(Area(id="lenient-area", name="Lenient area"))
    session.flush()
    session.add_all(
        [
            # Status ended while its end date is still ahead: ended, dated or not.
            Agreement(id="l-ended", area_id="lenient-area", title="Ended early", kind="contract", status="ended",
                      start_date=date(2018, 4, 1), current_end_date=date(2030, 3, 31), **cited),
            # A one-off grant for 2019/20 with no end date: live only in that financial year.
            Agreement(id="l-grant", area_id="lenient-area", title="One-off grant", kind="grant", status="active", financial_year=2019,
                      **cited),
            Agreement(id="l-awarded", area_id="lenient-area", title="Grant awarded June 2019", kind="grant",
                      award_date=date(2019, 6, 1), award_precision="month", **cited),
            # No status and no dates: its status is not published.
            Agreement(id="l-silent", area_id="lenient-area", title="Silent contract", kind="contract", **cited),
        ]
    )  # fmt: skip
    session.flush()
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.mark.parametrize(
    ("as_at", "expected"),
    [
        (date(2019, 6, 1), {"l-ended": "ended", "l-grant": "undated", "l-awarded": "undated", "l-silent": "not stated"}),
        (date(2023, 1, 1), {"l-ended": "ended", "l-grant": "ended", "l-awarded": "ended", "l-silent": "not stated"}),
        # Before the page came out, nothing undated on it was known.
        (
            date(2019, 4, 1),
            {"l-ended": "running", "l-grant": "not yet listed", "l-awarded": "not yet listed", "l-silent": "not yet listed"},
        ),
    ],
)
def test_standing_of_ended_undated_grants_and_unstated_status(rolled_back: Session, as_at: date, expected: dict[str, str]) -> None:
    standing = queries.standings(session=rolled_back, area="lenient-area", as_at=as_at, audience=Audience.STAFF)
    assert dict(zip(standing["id"], standing["standing"], strict=True)) == expected


def test_an_undated_unstated_agreement_says_its_status_is_not_published(rolled_back: Session) -> None:
    renewals = queries.renewals(session=rolled_back, area="lenient-area", as_at=date(2019, 6, 1), audience=Audience.STAFF).set_index("id")
    assert renewals.loc["l-silent", "warning"] == "unknown"
    assert renewals.loc["l-silent", "next_step"] == (
        "Listed in Grants page, 1 May 2019 with no status and no end date: current status not published"
    )


def test_the_default_as_at_date_falls_back_to_the_published_date(rolled_back: Session) -> None:
    as_at, reason = queries.default_as_at(session=rolled_back, area="lenient-area", today=date(2026, 1, 1), audience=Audience.STAFF)
    assert as_at == date(2019, 5, 1)  # no figures-as-at date: the published date stands for it
    assert reason == "the date of the latest figures for this area (Grants page)"


# --- 360Giving award date ------------------------------------------------------------------------

GRANT = {
    "id": "g1", "title": "Grant", "area_id": "norfolk", "office": "OPCC for Norfolk", "provider_id": "p", "provider": "A charity",
    "annual_value_pence": 1_000_000, "total_value_pence": None, "start_date": date(2019, 7, 1), "start_precision": "day",
    "current_end_date": None, "end_precision": "day", "purpose": "Support", "kind": "grant",
}  # fmt: skip


def test_360giving_uses_the_award_date_where_its_day_is_published() -> None:
    grant = exporting.grant_360({**GRANT, "award_date": date(2019, 3, 14), "award_precision": "day"})
    assert grant["awardDate"] == "2019-03-14T00:00:00Z"
    assert "Award date" not in grant["description"]


def test_360giving_gives_the_start_date_where_the_award_is_published_to_the_month_only() -> None:
    grant = exporting.grant_360({**GRANT, "award_date": date(2019, 3, 1), "award_precision": "month"})
    assert grant["awardDate"] == "2019-07-01T00:00:00Z"
    assert (
        "Award date published as March 2019 only: the grant's start date (1 July 2019) is given as its award date." in grant["description"]
    )
    left_out = exporting.grants_left_out(
        pd.DataFrame([{**GRANT, "start_date": None, "award_date": date(2019, 3, 1), "award_precision": "month"}])
    )
    assert list(left_out["reason"]) == ["Not published: an award date with its day (published as March 2019) or a start date"]
