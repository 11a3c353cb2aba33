"""The importer's rules across records: a row may not refer to another area's records, and spend or budgets
may not overlap in time for the same agreement or budget line, unless the person confirms replacing the
earlier records. Each test has its own store holding the sample data (fixtures of tests/test_importing.py).

The West Yorkshire figures are the sample data's: ISVA contract spend wy-2018-isva of £310,000 for 2018/19
(public) and a restricted £12,500 contingency payment wy-2018-isva-contingency for the same year; the public
spend recorded for 2018/19 comes to £1,860,000 (ISVA £310,000, Core Referral £1,250,000, RJ £300,000).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from data_access import importing, queries
from data_access.importing import import_file
from data_access.models import Audience, AuditEntry, Spend
from tests.conftest import BACKENDS
from tests.test_importing import csv_text, fingerprint, new_store, postgres_template, sample, sample_row, sqlite_template  # noqa: F401

ISVA_RULE_TAIL = (
    "recording both would count the money twice. Give the whole year or its quarters, each period once; "
    "or confirm replacing {old} with this row (--replace-overlapping on the command line)"
)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh store holding the sample data."""
    yield from new_store(request.param, request, tmp_path)


def spend_file(*rows: dict[str, str]) -> bytes:
    header, _ = sample("spend")
    return csv_text(header, list(rows)).encode()


def isva_quarter(quarter: int, amount: str, **changes: str) -> dict[str, str]:
    """West Yorkshire ISVA spend for one quarter of 2018/19, otherwise as the sample's wy-2018-isva row."""
    return sample_row("spend", "wy-2018-isva", id=f"wy-2018-q{quarter}-isva", period=f"Q{quarter} 2018/19", amount=amount, **changes)


def public_spend_2018(engine: Engine) -> int:
    """West Yorkshire's public spend recorded for 2018/19, in pence, as the pages total it."""
    with Session(engine) as session:
        frame = queries.budget_and_spend_by_funding_stream(session=session, area="west-yorkshire", year=2018, audience=Audience.PUBLIC)
    return int(frame["spend_pence"].sum())


# --- references across areas ----------------------------------------------------------------------


def test_a_norfolk_spend_row_with_west_yorkshires_agreement_is_refused(store: Engine) -> None:
    row = sample_row("spend", "wy-2018-isva", id="nfk-2018-isva", area_id="norfolk", funding_stream_id="nfk-moj")
    assert row["agreement_id"] == "wy-isva" and row["source_id"] == "wy-2018"
    before = fingerprint(store)
    report = import_file(store, spend_file(row), file_name="spend.csv", kind="spend", apply=True, who="test")
    assert not report.applied
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in report.problems] == [
        (
            "spend.csv",
            2,
            "agreement_id",
            "wy-isva",
            "agreement wy-isva belongs to West Yorkshire, but the row's area is Norfolk: "
            "refer to an agreement of Norfolk, or correct area_id if the row is West Yorkshire's",
        )
    ]
    assert fingerprint(store) == before


def test_budget_agreement_and_priority_link_references_across_areas_are_refused(store: Engine) -> None:
    header, _ = sample("budgets")
    budget = sample_row("budgets", "nfk-2016-moj", id="nfk-2018-wy-stream", financial_year="2018/19", funding_stream_id="wy-moj")
    report = import_file(store, csv_text(header, [budget]).encode(), file_name="budgets.csv", kind="budgets")
    assert [(p.row, p.column, p.rule.split(":")[0]) for p in report.problems] == [
        (2, "funding_stream_id", "funding stream wy-moj belongs to West Yorkshire, but the row's area is Norfolk")
    ]
    header, _ = sample("agreement_priorities")
    link = {"agreement_id": "nfk-varss", "priority_id": "wy-victims", "share_percent": "100", "source_id": "norfolk-2016"}
    link |= {"source_section": "1.13", "basis": "derived"}
    report = import_file(store, csv_text(header, [link]).encode(), file_name="ap.csv", kind="agreement_priorities")
    crossing = [p for p in report.problems if p.column == "priority_id"]
    assert [(p.row, p.value, p.rule.split(":")[0]) for p in crossing] == [
        (2, "wy-victims", "priority wy-victims belongs to West Yorkshire's plan, but agreement nfk-varss belongs to Norfolk")
    ]


def test_moving_an_agreement_to_another_area_is_refused_while_its_spend_stays(store: Engine) -> None:
    header, _ = sample("agreements")
    moved = sample_row("agreements", "wy-rj", area_id="norfolk", funding_stream_id="nfk-moj")
    report = import_file(store, csv_text(header, [moved]).encode(), file_name="agreements.csv", kind="agreements")
    assert [p.rule for p in report.problems if p.column == "area_id"] == [
        "this row puts agreement wy-rj in Norfolk, but spend wy-2018-rj of West Yorkshire refers to it: "
        "keep its area as West Yorkshire, or move that record first"
    ]


# --- overlapping periods --------------------------------------------------------------------------


def test_a_quarter_inside_a_year_already_recorded_is_refused_and_the_total_stays_right(store: Engine) -> None:
    assert public_spend_2018(store) == 186_000_000
    before = fingerprint(store)
    report = import_file(store, spend_file(isva_quarter(2, "£78,734.50")), file_name="q2.csv", kind="spend", apply=True, who="test")
    assert not report.applied
    assert [(p.row, p.column, p.value, p.rule) for p in report.problems] == [
        (
            2,
            "period",
            "Q2 2018/19",
            "Q2 2018/19 lies inside 2018/19 already recorded as spend wy-2018-isva (£310,000) for agreement wy-isva: "
            + ISVA_RULE_TAIL.format(old="wy-2018-isva"),
        ),
        (
            2,
            "period",
            "Q2 2018/19",
            "Q2 2018/19 lies inside 2018/19 already recorded as spend wy-2018-isva-contingency (£12,500) for agreement wy-isva: "
            + ISVA_RULE_TAIL.format(old="wy-2018-isva-contingency"),
        ),
    ]
    assert fingerprint(store) == before
    assert public_spend_2018(store) == 186_000_000  # not £1,938,734.50


def test_a_year_over_quarters_already_recorded_is_refused(store: Engine) -> None:
    quarter = sample_row("spend", "wy-2018-core-referral", id="wy-2019-q1-core", period="Q1 2019/20", amount="£300,000")
    assert import_file(store, spend_file(quarter), file_name="q1.csv", kind="spend", apply=True, who="test").applied
    year = sample_row("spend", "wy-2018-core-referral", id="wy-2019-core", period="2019/20")
    report = import_file(store, spend_file(year), file_name="year.csv", kind="spend")
    assert [(p.row, p.rule.split(":")[0]) for p in report.problems] == [
        (2, "2019/20 covers Q1 2019/20 already recorded as spend wy-2019-q1-core (£300,000) for agreement wy-core-referral")
    ]
    assert report.replaceable and report.replace_text == (
        "Replace: delete spend wy-2019-q1-core (Q1 2019/20, £300,000), and add this file's overlapping row instead"
    )


def test_the_same_quarter_twice_in_one_file_is_refused(store: Engine) -> None:
    first = sample_row("spend", "wy-2018-core-referral", id="wy-2019-q3-core", period="Q3 2019/20", amount="£312,500")
    second = dict(first, id="wy-2019-q3-core-again", period="2019/20 Q3")
    before = fingerprint(store)
    report = import_file(store, spend_file(first, second), file_name="q3.csv", kind="spend", apply=True, who="test")
    assert [(p.row, p.column, p.value, p.rule) for p in report.problems] == [
        (
            3,
            "period",
            "Q3 2019/20",
            "Q3 2019/20 is the same period as Q3 2019/20 in row 2 of this file as spend wy-2019-q3-core (£312,500) "
            "for agreement wy-core-referral: recording both would count the money twice. "
            "Give the whole year or its quarters, each period once",
        )
    ]
    assert not report.replaceable  # both rows are the file's: confirming cannot choose between them
    assert fingerprint(store) == before


def test_two_payment_lines_of_one_quarter_with_different_descriptions_are_both_kept(store: Engine) -> None:
    # A contract payment and a contingency payment in the same quarter are separate money; the same description twice
    # (the row above) is one figure recorded twice.
    first = sample_row("spend", "wy-2018-core-referral", id="wy-2019-q3-core", period="Q3 2019/20", amount="£312,500")
    second = dict(first, id="wy-2019-q3-core-contingency", amount="£2,000", description="Contingency payment (illustrative)")
    report = import_file(store, spend_file(first, second), file_name="q3.csv", kind="spend", apply=True, who="test")
    assert report.problems == []
    with Session(store) as session:
        assert set(session.execute(select(Spend.id).where(Spend.financial_year == 2019, Spend.quarter == 3)).scalars()) == {
            "wy-2019-q3-core",
            "wy-2019-q3-core-contingency",
        }


def test_a_second_budget_for_the_same_line_and_year_is_refused(store: Engine) -> None:
    header, _ = sample("budgets")
    again = sample_row("budgets", "nfk-2016-moj", id="nfk-2016-moj-revised", amount="£1,100,000")
    report = import_file(store, csv_text(header, [again]).encode(), file_name="budgets.csv", kind="budgets")
    assert [(p.row, p.column, p.rule.split(":")[0]) for p in report.problems] == [
        (
            2,
            "financial_year",
            "2016/17 is the same period as 2016/17 already recorded as a budget nfk-2016-moj (£1,037,415) "
            "for funding stream nfk-moj, no priority",
        )
    ]


def test_replacing_with_confirmation_keeps_the_total_and_audits_every_change(store: Engine) -> None:
    quarters = [isva_quarter(q, "£77,500") for q in (1, 2, 3, 4)]  # £310,000 for the year, by quarter
    data = spend_file(*quarters)
    preview = import_file(store, data, file_name="isva-quarters.csv", kind="spend", replace_overlapping=True)
    assert preview.problems == [] and preview.summary == (
        "4 record(s) to add, 0 to change, 2 to replace (deleted: their periods overlap this file's), 0 left alone."
    )
    assert public_spend_2018(store) == 186_000_000  # a preview writes nothing
    report = import_file(store, data, file_name="isva-quarters.csv", kind="spend", apply=True, who="officer", replace_overlapping=True)
    assert report.applied
    assert public_spend_2018(store) == 186_000_000  # £1,860,000: the quarters replaced the year, not added to it
    with Session(store) as session:
        assert session.get(Spend, "wy-2018-isva") is None and session.get(Spend, "wy-2018-isva-contingency") is None
        assert [(s.quarter, s.amount_pence) for s in session.execute(select(Spend).where(Spend.id.like("wy-2018-q%"))).scalars()] == [
            (1, 7_750_000),
            (2, 7_750_000),
            (3, 7_750_000),
            (4, 7_750_000),
        ]
        entries = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [(e.action, e.record_key, e.who, e.file_name) for e in entries] == [
        ("delete", "wy-2018-isva", "officer", "isva-quarters.csv"),
        ("delete", "wy-2018-isva-contingency", "officer", "isva-quarters.csv"),
        *[("insert", f"wy-2018-q{q}-isva", "officer", "isva-quarters.csv") for q in (1, 2, 3, 4)],
    ]
    deleted = json.loads(entries[0].before)
    assert (deleted["amount_pence"], deleted["area_id"], deleted["financial_year"], deleted["quarter"]) == (
        31_000_000,
        "west-yorkshire",
        2018,
        None,
    )
    assert entries[0].after == ""
    # The same file again changes nothing: what it replaced is gone, and its rows are in the store as it has them.
    again = import_file(store, data, file_name="isva-quarters.csv", kind="spend", apply=True, who="officer", replace_overlapping=True)
    assert again.problems == [] and not again.applied


def test_the_sample_files_still_import_unchanged(store: Engine) -> None:
    """The sample's two 2018/19 ISVA records (the contract payments and the restricted contingency) are already in
    the store together: a file that leaves them as they are is not refused for them (the data-quality check
    `data_access.overlaps` reports them instead)."""
    for kind in ("spend", "budgets", "agreements", "agreement_priorities", "observations"):
        header, rows = sample(kind)
        report = import_file(store, csv_text(header, rows).encode(), file_name=f"{kind}.csv", kind=kind)
        assert report.problems == [], kind
        assert report.summary == f"0 record(s) to add, 0 to change, {len(rows)} left alone."


def test_command_line_refuses_overlaps_then_replaces_when_told(store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "q2.csv"
    path.write_bytes(spend_file(isva_quarter(2, "£78,734.50")))
    assert importing.main(["--kind", "spend", "--file", str(path), "--apply"], engine=store) == 1
    out = capsys.readouterr().out
    assert "PROBLEM row 2 period: 'Q2 2018/19' Q2 2018/19 lies inside 2018/19 already recorded as spend wy-2018-isva (£310,000)" in out
    assert (
        "To replace them instead, run again with --replace-overlapping. Replace: delete spend wy-2018-isva (2018/19, £310,000); "
        "spend wy-2018-isva-contingency (2018/19, £12,500), and add this file's overlapping row instead." in out
    )
    assert public_spend_2018(store) == 186_000_000
    assert importing.main(["--kind", "spend", "--file", str(path), "--apply", "--replace-overlapping"], engine=store) == 0
    out = capsys.readouterr().out
    assert "REPLACE row 2: wy-2018-isva deleted" in out and "Applied." in out
    assert public_spend_2018(store) == 186_000_000 - 31_000_000 + 7_873_450
