"""Independent review of issue 11 (real data in): defects the authors' own tests miss, one test each.

Fixtures are written by hand in the shapes real sources have (a Find a Tender release package, an OPCC contract
register, a provider performance table). Nothing here writes to the shared store: each import is checked, not applied.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import Engine

from data_access import loading, mapping, open_data
from data_access.loading import Table

NORFOLK_OFFICE = "Office of the Police and Crime Commissioner for Norfolk (OPCCN)"  # as sample_data/areas.csv has it


def sheet(rows: list[list[str]], file_name: str) -> Table:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return loading.read_file(buffer.getvalue().encode("utf-8"), file_name)


# --- open data: a hostile file is a problem, never a traceback ---------------------------------------------


@pytest.mark.parametrize("kind", ["ocds", "360giving"])
def test_deeply_nested_json_is_a_problem_not_a_recursion_error(kind: str) -> None:
    # 400 kB of nested arrays: json.loads raises RecursionError, which _decode_json does not catch, so the command
    # line prints a traceback and the import page shows one.
    data = b'{"releases": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    tables, problems = open_data.read_open_data(data, "deep.json", kind=kind, area_id="norfolk", buyers=[NORFOLK_OFFICE])
    assert tables == {}
    assert len(problems) == 1 and problems[0].file == "deep.json"


# --- open data: the area's own office, as Find a Tender names it ---------------------------------------------


def find_a_tender(buyer_name: str) -> bytes:
    buyer = {"id": "GB-FTS-12345", "name": buyer_name}
    release = {
        "ocid": "ocds-h6vhtk-0412ab",
        "id": "ocds-h6vhtk-0412ab-1",
        "date": "2023-03-01T09:00:00+01:00",
        "tag": ["award", "contract"],
        "buyer": buyer,
        "parties": [{**buyer, "roles": ["buyer"]}],
        "contracts": [
            {
                "id": "c1",
                "status": "active",
                "title": "Victim Support Services",
                "period": {"startDate": "2023-04-01T00:00:00+01:00", "endDate": "2026-03-31T23:59:59+01:00"},
            }
        ],
    }
    return json.dumps({"uri": "https://www.find-tender.service.gov.uk/x", "version": "1.1", "releases": [release]}).encode()


def test_the_areas_office_named_without_its_bracketed_abbreviation_is_the_buyer() -> None:
    # The store says "... for Norfolk (OPCCN)"; Find a Tender names the same office without "(OPCCN)". The file is
    # refused with "not this area's office ...: choose the area the file is for", though Norfolk is the right area.
    # OPCC_ORG_ID is one setting for the whole store, so it cannot rescue the second area of a multi-area store.
    data = find_a_tender("Office of the Police and Crime Commissioner for Norfolk")
    tables, problems = open_data.read_open_data(data, "notice.json", kind="ocds", area_id="norfolk", buyers=[NORFOLK_OFFICE])
    assert problems == []
    agreements = tables["agreements"]
    title = agreements.header.index("title")
    assert [cells[title] for _, cells in agreements.rows] == ["Victim Support Services"]


# --- bring your own spreadsheet: nothing the user wrote is dropped unseen, nothing is guessed ----------------


def test_a_charity_number_for_a_provider_already_in_the_store_is_not_dropped_silently(engine: Engine) -> None:
    # The Sue Lambert Trust is Norfolk's own provider in the sample (no charity number). The register gives its
    # charity number in a mapped column; the mapper links to the stored provider and throws the number away: no
    # change, no note, no problem. A user would expect the change previewed (or refused, naming the cell).
    rows = [
        ["Contract Ref", "Service", "Provider", "Charity Number", "Start", "Source URL"],
        [
            "NFK-901",
            "Counselling for survivors",
            "Sue Lambert Trust",
            "1069898",
            "01/04/2019",
            "https://www.norfolk-pcc.gov.uk/register.pdf",
        ],
    ]
    table = sheet(rows, "register.csv")
    proposal = mapping.propose(table, "contracts")
    assert proposal.column_for("charity_number") is not None and proposal.column_for("charity_number").header == "Charity Number"
    with engine.connect() as connection:
        bundle = mapping.to_bundle(table, proposal, "norfolk", connection=connection)
    report = mapping.import_bundle(engine, bundle, sha256="a1" * 32)
    said = [
        *(str(change.values) + str(change.after) for change in report.changes),
        *(f"{p.value} {p.rule}" for p in report.problems + report.notes),
        *bundle.notes,
    ]
    assert any("1069898" in text for text in said), "the charity number the user gave is neither imported, previewed nor refused"


def test_a_measure_whose_direction_is_not_stated_is_not_stored_as_higher_is_better(engine: Engine) -> None:
    # A performance table with no "higher is better" column: a new measure is stored with higher_is_better True,
    # silently (no note, unlike counts_people). For a rate where lower is better, 30% against a target of 25% then
    # reads "meets its target" on the performance page and never appears in the below-target findings.
    rows = [
        ["Service", "Measure", "Period", "Value", "Target", "Source URL"],
        [
            "Independent Domestic Abuse Advocacy Service",
            "Repeat victimisation rate",
            "2024-04 to 2024-06",
            "30%",
            "25%",
            "https://www.norfolk-pcc.gov.uk/performance.pdf",
        ],
    ]
    table = sheet(rows, "returns.csv")
    with engine.connect() as connection:
        bundle = mapping.to_bundle(table, mapping.propose(table, "performance"), "norfolk", connection=connection)
    report = mapping.import_bundle(engine, bundle, sha256="b2" * 32)
    assert report.problems == []
    [measure] = [c for c in report.changes if c.kind == "measures"]
    noted = any("higher_is_better" in f"{p.column} {p.rule}" for p in report.notes)
    assert measure.values["higher_is_better"] is None or noted, (
        f"higher_is_better stored as {measure.values['higher_is_better']!r} with no note: a guess"
    )


def test_a_figure_whose_direction_is_not_stated_is_never_judged_against_its_target(tmp_path) -> None:
    """Once applied, the repeat victimisation rate above is shown against its target but neither met nor missed."""
    from datetime import date

    from sqlmodel import Session

    from charts.performance import measure_takeaway
    from data_access import findings, queries
    from data_access.db import open_store
    from data_access.models import Audience

    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}", load_sample_data=True)
    rows = [
        ["Service", "Measure", "Period", "Value", "Target", "Source URL"],
        [
            "Independent Domestic Abuse Advocacy Service",
            "Repeat victimisation rate",
            "2024-04 to 2024-06",
            "30%",
            "25%",
            "https://x.example/p",
        ],
    ]
    table = sheet(rows, "returns.csv")
    with store.connect() as connection:
        bundle = mapping.to_bundle(table, mapping.propose(table, "performance"), "norfolk", connection=connection)
    assert mapping.import_bundle(store, bundle, sha256="c3" * 32, apply=True, who="test").applied
    with Session(store) as session:
        series = queries.observations(session=session, area="norfolk", audience=Audience.STAFF, measure=None)
        found = findings.findings(session=session, area="norfolk", as_at=date(2024, 7, 1), audience=Audience.STAFF, rules=["below_target"])
    rate = series[series["measure"] == "Repeat victimisation rate"]
    assert measure_takeaway(rate) == (
        "Repeat victimisation rate: 30% (as published) in Q1 2024/25; its target is 25% (as published), "
        "but whether higher or lower is better is not stated."
    )
    assert [(f.outcome, f.statement) for f in found] == [
        (
            findings.Outcome.CANNOT_CHECK,
            "Repeat victimisation rate (Independent Domestic Abuse Advocacy Service) was 30% (as published) against a target of "
            "25% (as published) in Q1 2024/25, but whether higher or lower is better is not stated, so it cannot be said to meet "
            "its target or not",
        )
    ]
    store.dispose()
