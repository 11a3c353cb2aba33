"""Bring your own spreadsheet (`data_access.mapping`): a contract register, a grant list and a performance table with
their owners' own headings are mapped by name and content, written in the import format with nothing guessed, and
their problems told in the owners' own terms. Fixtures are written here in the shapes real OPCC sheets have.

Each test that writes has its own store holding the sample data (fixtures of tests/test_importing.py).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, select

from data_access import importing, loading, mapping
from data_access.loading import Problem, Table
from data_access.models import Agreement
from tests.conftest import BACKENDS
from tests.test_importing import fingerprint, new_store, postgres_template, sqlite_template  # noqa: F401 (fixtures)

SETTINGS = settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
REGISTER_URL = "https://www.norfolk-pcc.gov.uk/commissioning/contracts-register"

# A contract register as an OPCC keeps it: its own headings, blanks where the source is silent.
REGISTER = [
    ["area", "service", "provider", "start_date", "end_date", "annual_value_gbp", "source_url"],
    [
        "norfolk",
        "Independent Domestic Abuse Advocacy Service",
        "Leeway Domestic Violence and Abuse Services",
        "2019-04-01",
        "March 2025",
        "£360,000",
        REGISTER_URL,
    ],
    ["Norfolk", "Support for Survivors of Sexual Abuse", "The Sue Lambert Trust", "", "31/03/2021", "£75k", REGISTER_URL],
    ["norfolk", "Restorative Justice Service", "", "", "", "", ""],
]
# A grant list as GrantNav-style spreadsheets head it.
GRANTS = [
    ["Identifier", "Title", "Recipient Org:Name", "Recipient Org:Charity Number", "Amount Awarded", "Award Date", "Grant Programme"],
    [
        "360G-nfk-2019-01",
        "Community safety small grant",
        "Norwich Community Action",
        "01087654",
        "£4,950",
        "12/07/2019",
        "Ministry of Justice (MOJ) grant for victim's services",
    ],
    ["360G-nfk-2019-02", "Youth diversion grant", "Norwich Community Action", "01087654", "£2,500", "2019-08", ""],
]
# A provider performance table: month ranges and percentages with their published decimals.
PERFORMANCE = [
    ["Service", "Measure", "Period", "Value", "Target"],
    ["Core Referral Service", "Enhanced victims contacted within 48 hours", "2018-08 to 2021-01", "99.8%", "100%"],
    ["Core Referral Service", "Victims who said they felt safer", "2018-05", "11.5%", ""],
]


def sheet(rows: list[list[str]], file_name: str = "register.csv") -> Table:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return loading.read_file(buffer.getvalue().encode("utf-8"), file_name)


def targets_of(proposal: mapping.Mapping) -> dict[str, str]:
    return {c.header: c.target for c in proposal.columns}


def cells(bundle: mapping.Bundle, kind: str) -> list[dict[str, str]]:
    table = bundle.tables[kind]
    return [{"row": str(n), **dict(zip(table.header, row, strict=True))} for n, row in table.rows]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh store holding the sample data."""
    yield from new_store(request.param, request, tmp_path)


# --- proposing -------------------------------------------------------------------------------------------


def test_a_register_is_mapped_by_its_headings_with_reasons_that_count_the_cells() -> None:
    proposal = mapping.propose(sheet(REGISTER), "contracts")
    assert targets_of(proposal) == {
        "area": "area",
        "service": "title",
        "provider": "provider",
        "start_date": "start_date",
        "end_date": "current_end_date",
        "annual_value_gbp": "annual_value",
        "source_url": "source",
    }
    reasons = {c.header: c.reason for c in proposal.columns}
    assert reasons["end_date"] == "named like current end date; all 2 cells are dates"  # 'March 2025' is a date of a month
    assert reasons["annual_value_gbp"] == "named like annual value; all 2 cells are amounts of money"
    assert reasons["source_url"] == "named like source; all 2 cells are web addresses"


def test_columns_without_a_heading_the_format_knows_are_placed_by_their_content_or_listed_as_not_imported() -> None:
    rows = [
        ["Contract", "Supplier", "Col A", "Col B", "Col C", "Link", "Lead officer"],
        ["ISVA", "Victim Support", "31/03/2021", "01/04/2018", "£1.2m", "https://example.org/a", "J. Smith"],
        ["IDVA", "Pathway", "2022-03-31", "2019-04-01", "£360k", "https://example.org/b", "A. Jones"],
    ]
    proposal = mapping.propose(sheet(rows), "contracts")
    assert targets_of(proposal) == {
        "Contract": "title",
        "Supplier": "provider",
        "Col A": "current_end_date",  # its dates come after Col B's on every row
        "Col B": "start_date",
        "Col C": "annual_value",
        "Link": "source",
        "Lead officer": mapping.NOT_IMPORTED,
    }
    reasons = {c.header: c.reason for c in proposal.columns}
    assert reasons["Col B"] == "2 of 2 cells are dates: taken as start date"
    assert reasons["Col C"] == "2 of 2 cells are amounts of money: taken as annual value"
    assert [c.header for c in proposal.unmapped] == ["Lead officer"]
    assert "choose where it goes" in reasons["Lead officer"]


def test_a_heading_written_twice_is_listed_and_only_the_first_imported() -> None:
    proposal = mapping.propose(sheet([["Service", "Value", "value "], ["ISVA", "£1", "£2"]]), "contracts")
    assert [c.target for c in proposal.columns] == ["title", "total_value", mapping.NOT_IMPORTED]
    assert proposal.columns[2].reason == "the same heading as column B: only the first is imported"


def test_a_grant_list_and_a_performance_table_are_mapped_by_their_own_headings() -> None:
    assert targets_of(mapping.propose(sheet(GRANTS), "grants")) == {
        "Identifier": "reference",
        "Title": "title",
        "Recipient Org:Name": "provider",
        "Recipient Org:Charity Number": "charity_number",
        "Amount Awarded": "total_value",
        "Award Date": "award_date" if "award_date" in loading.columns_of(Agreement) else "start_date",
        "Grant Programme": "funding_stream",
    }
    performance = mapping.propose(sheet(PERFORMANCE), "performance")
    assert targets_of(performance) == {"Service": "service", "Measure": "measure", "Period": "period", "Value": "value", "Target": "target"}
    assert {c.header: c.reason for c in performance.columns}["Value"] == "named like value; all 2 cells are numbers"


def test_a_mapping_that_chooses_one_place_twice_or_misses_a_required_one_says_so() -> None:
    proposal = mapping.propose(sheet(REGISTER), "contracts").choose({"provider": "title", "service": mapping.NOT_IMPORTED})
    assert [p.rule for p in mapping.mapping_problems(proposal)] == []
    both = proposal.choose({"service": "title"})
    assert [p.rule for p in mapping.mapping_problems(both)] == [
        "'service' and 'provider' are both imported as title: choose one, and 'not imported' or another place for the other"
    ]
    none = proposal.choose({"provider": mapping.NOT_IMPORTED})
    assert [p.rule for p in mapping.mapping_problems(none)] == [
        "no column is imported as title (the service or project: what the agreement is for): choose the column that holds it"
    ]


# --- the bundle -----------------------------------------------------------------------------------------


def test_a_register_becomes_format_tables_with_its_own_row_numbers_and_no_guessed_value(engine: Engine) -> None:
    table = sheet(REGISTER)
    with engine.connect() as connection:
        bundle = mapping.to_bundle(table, mapping.propose(table, "contracts"), "norfolk", connection=connection)
    assert bundle.problems == []
    agreements = cells(bundle, "agreements")
    assert [(a["row"], a["id"], a["title"], a["kind"], a["provider_id"]) for a in agreements] == [
        (
            "2",
            "norfolk-independent-domestic-abuse-advocacy-service-2019-04-01",
            "Independent Domestic Abuse Advocacy Service",
            "contract",
            "leeway-domestic-violence-and-abuse-services",
        ),
        ("3", "norfolk-support-for-survivors-of-sexual-abuse", "Support for Survivors of Sexual Abuse", "contract", "sue-lambert-trust"),
        ("4", "norfolk-restorative-justice-service", "Restorative Justice Service", "contract", ""),
    ]
    # The user's text goes through as written, for the loader to judge; a blank stays blank.
    assert [(a["start_date"], a["current_end_date"], a["annual_value"], a["status"], a["source_section"]) for a in agreements] == [
        ("2019-04-01", "March 2025", "£360,000", "", ""),
        ("", "31/03/2021", "£75k", "", ""),
        ("", "", "", "", ""),
    ]
    # The Sue Lambert Trust is the sample's Sue Lambert Trust: used as it is, never a second provider, never rewritten.
    assert [(p["row"], p["id"], p["name"], p["source_id"]) for p in cells(bundle, "providers")] == [
        ("2", "leeway-domestic-violence-and-abuse-services", "Leeway Domestic Violence and Abuse Services", agreements[0]["source_id"])
    ]
    sources = cells(bundle, "sources")
    assert [(s["row"], s["title"], s["url"], s["file"], s["kind"], s["publisher"], s["published"]) for s in sources] == [
        ("2", "contracts-register (www.norfolk-pcc.gov.uk)", REGISTER_URL, "", "published", "", ""),
        ("4", "register.csv", "", "register.csv", "", "", ""),  # the row with no address cites the file itself
    ]
    assert [a["source_id"] for a in agreements] == [sources[0]["id"], sources[0]["id"], sources[1]["id"]]


def test_rows_for_another_area_are_refused_by_row_with_the_users_column(engine: Engine) -> None:
    table = sheet([*REGISTER, ["Suffolk", "Suffolk ISVA", "", "", "", "", ""]])
    with engine.connect() as connection:
        bundle = mapping.to_bundle(table, mapping.propose(table, "contracts"), "norfolk", connection=connection)
    assert [(p.file, p.row, p.cell, p.column, p.value) for p in bundle.problems] == [("register.csv", 5, "A5", "area", "Suffolk")]
    assert bundle.problems[0].rule.startswith("is not Norfolk, the area this sheet is being imported for")
    assert [a["row"] for a in cells(bundle, "agreements")] == ["2", "3", "4"]


def test_the_area_the_sheets_own_column_names_is_offered_first_and_only_when_it_names_one() -> None:
    areas = {"norfolk": "Norfolk", "west-yorkshire": "West Yorkshire"}
    table = sheet(REGISTER)
    assert mapping.area_named(table, mapping.propose(table, "contracts"), areas) == "norfolk"  # 'norfolk' and 'Norfolk'
    mixed = sheet([*REGISTER, ["West Yorkshire", "ISVA", "", "", "", "", ""]])
    assert mapping.area_named(mixed, mapping.propose(mixed, "contracts"), areas) is None


def test_a_performance_table_uses_the_areas_agreements_and_the_stores_measures(engine: Engine) -> None:
    table = sheet(PERFORMANCE, "returns.csv")
    with engine.connect() as connection:
        bundle = mapping.to_bundle(table, mapping.propose(table, "performance"), "west-yorkshire", connection=connection)
    assert bundle.problems == []
    observations = cells(bundle, "observations")
    assert [(o["row"], o["measure_id"], o["agreement_id"], o["period"], o["value"], o["target"]) for o in observations] == [
        ("2", "enhanced-contact-48h", "wy-core-referral", "2018-08 to 2021-01", "99.8%", "100%"),
        ("3", "victims-who-said-they-felt-safer", "wy-core-referral", "2018-05", "11.5%", ""),
    ]
    # A measure new to the store is made once; every figure of it carries %, so it is a percent. The sample's measure is used as it is.
    assert [(m["row"], m["id"], m["name"], m["unit"], m["counts_people"]) for m in cells(bundle, "measures")] == [
        ("3", "victims-who-said-they-felt-safer", "Victims who said they felt safer", "percent", "")
    ]
    assert bundle.notes and "percent" in bundle.notes[0]


def test_a_service_the_area_does_not_have_is_named_in_the_users_terms(store: Engine) -> None:
    rows = [PERFORMANCE[0], ["Mystery Service", "Enhanced victims contacted within 48 hours", "Q1 2018/19", "93%", ""]]
    table = sheet(rows, "returns.csv")
    with store.connect() as connection:
        bundle = mapping.to_bundle(table, mapping.propose(table, "performance"), "west-yorkshire", connection=connection)
    report = mapping.import_bundle(store, bundle, sha256="cd" * 32)
    service = [p for p in report.problems if p.row == 2]
    assert [(p.file, p.row, p.cell, p.column, p.value) for p in service] == [("returns.csv", 2, "A2", "Service", "Mystery Service")]
    assert service[0].rule.startswith("no agreement of this area has this title: import the contract register first")


# --- problems in the user's terms ------------------------------------------------------------------------


def test_problems_name_the_users_row_column_and_value_once_and_each_cell_once(store: Engine) -> None:
    rows = [REGISTER[0], ["norfolk", "ISVA", "Leeway", "31/02/2019", "2018-03-31", "£22.955", ""]]
    table = sheet(rows)
    with store.connect() as connection:
        bundle = mapping.to_bundle(table, mapping.propose(table, "contracts"), "norfolk", connection=connection)
    report = mapping.import_bundle(store, bundle, sha256="ef" * 32)
    by_cell = {(p.row, p.column): p for p in report.problems if p.row}
    assert sorted(by_cell) == [(2, "annual_value_gbp"), (2, "start_date")]
    money = by_cell[(2, "annual_value_gbp")]
    assert (money.file, money.cell, money.value) == ("register.csv", "F2", "£22.955")
    assert money.rule == "has a fraction of a penny (read as annual_value of agreements)"  # the value said once
    assert by_cell[(2, "start_date")].rule.startswith("is not a real date")
    # What the sheet has no column for is one problem for the sheet, not one per row, and never "missing column".
    assert all("missing column" not in p.rule for p in report.problems)
    assert len({(p.row, p.column) for p in report.problems}) == len(report.problems)


def test_user_problems_put_a_bundle_problem_back_on_the_users_cell() -> None:
    proposal = mapping.propose(sheet(REGISTER), "contracts")
    raw = [
        Problem("providers.csv", 2, "name", "=cmd", "starts with '=', which …", "", "F2"),
        Problem("agreements.csv", 2, "provider_id", "x", "refers to an unknown provider id", "", "J2"),  # the same cell: a knock-on
        Problem("agreements.csv", 3, "status", "", "required: this column may not be blank", "", "V3"),
        Problem("agreements.csv", 4, "status", "", "required: this column may not be blank", "", "V4"),
    ]
    assert [(p.file, p.row, p.column, p.cell, p.value, p.rule) for p in mapping.user_problems(raw, proposal)] == [
        (
            "register.csv",
            0,
            "status (agreements)",
            "",
            "",
            "required: this column may not be blank (2 rows, from row 3): no column of your sheet is imported as status: "
            "choose one in the mapping, or add it to the sheet",
        ),
        ("register.csv", 2, "provider", "C2", "=cmd", "starts with '=', which … (read as name of providers)"),
    ]


# --- importing, remembering, re-importing ------------------------------------------------------------------


def register_with_status_and_section() -> list[list[str]]:
    """The register with the two columns the format still requires (status and section) until blanks are allowed there."""
    rows = [[*REGISTER[0], "status", "section"]]
    rows += [[*row, "active", "Contracts register"] for row in REGISTER[1:3]]
    return rows


def test_a_register_imports_and_the_same_sheet_again_changes_nothing(store: Engine) -> None:
    # The register cites a page the office has already recorded as a source (with a publisher and a date), so the
    # mapper makes no source and nothing the sheet does not say is needed.
    sources = loading.read_file(
        (
            "id,title,publisher,published,file,url,figures_as_at,as_at_note,kind\r\n"
            f"nfk-register,Contracts register,OPCC for Norfolk,2025-04,,{REGISTER_URL},2025-04-01,,published\r\n"
        ).encode(),
        "sources.csv",
    )
    assert importing.import_tables(store, {"sources": sources}, file_name="sources.csv", sha256="01" * 32, apply=True, who="t").applied
    table = sheet(register_with_status_and_section())
    with store.connect() as connection:
        proposal = mapping.propose_for(connection, table, "contracts")
        bundle = mapping.to_bundle(table, proposal, "norfolk", connection=connection)
    assert {c.header: c.target for c in proposal.columns}["section"] == "source_section"
    assert "sources" not in bundle.tables
    report = mapping.import_bundle(store, bundle, sha256="02" * 32, apply=True, who="officer")
    assert report.ok and report.applied, report.problems
    assert [(c.kind, c.key, c.action) for c in report.changes] == [
        ("providers", "leeway-domestic-violence-and-abuse-services", "insert"),
        ("agreements", "norfolk-independent-domestic-abuse-advocacy-service-2019-04-01", "insert"),
        ("agreements", "norfolk-support-for-survivors-of-sexual-abuse", "insert"),
    ]
    stored = {c.key: c.values for c in report.changes if c.kind == "agreements"}
    first = stored["norfolk-independent-domestic-abuse-advocacy-service-2019-04-01"]
    assert (first["annual_value_pence"], first["current_end_date"].isoformat(), first["end_precision"]) == (
        36_000_000,
        "2025-03-31",
        "month",
    )
    assert stored["norfolk-support-for-survivors-of-sexual-abuse"]["start_date"] is None  # blank stays unknown
    with store.begin() as connection:
        mapping.remember(connection, proposal, table.header, who="officer")
    before = fingerprint(store)
    # Next quarter: the same sheet, its columns in another order and case: the same ids, so nothing changes.
    again = [[row[i] for i in (8, 7, 6, 5, 4, 3, 2, 1, 0)] for row in register_with_status_and_section()]
    again[0] = [h.upper().replace("_", " ") for h in again[0]]
    table = sheet(again)
    with store.connect() as connection:
        recalled = mapping.propose_for(connection, table, "contracts")
        bundle = mapping.to_bundle(table, recalled, "norfolk", connection=connection)
    assert all(c.reason == "as confirmed by officer on " + c.reason[-10:] for c in recalled.columns)
    report = mapping.import_bundle(store, bundle, sha256="03" * 32, apply=True, who="officer")
    assert report.ok and not report.of("insert") and not report.of("update"), report.problems
    assert {k: v for k, v in fingerprint(store).items() if k not in {"import_record", "audit_entry"}} == {
        k: v for k, v in before.items() if k not in {"import_record", "audit_entry"}
    }


def test_the_command_line_prints_the_mapping_and_the_report(store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "register.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(REGISTER)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    before = fingerprint(store)
    code = importing.main(
        ["--kind", "contracts", "--area", "norfolk", "--file", str(path), "--map", "area=not imported", "--apply"], engine=store
    )
    out = capsys.readouterr().out
    assert "MAP 'area' -> not imported: your choice" in out
    assert "MAP 'end_date' -> current_end_date: named like current end date; all 2 cells are dates" in out
    assert code == 0 and out.strip().endswith("Applied."), out
    assert fingerprint(store) != before
    # Nothing guessed: a blank status is "not stated", an end published to the month stays a month, blanks stay blank.
    with Session(store) as session:
        rows = session.exec(select(Agreement).where(Agreement.area_id == "norfolk", Agreement.source_id != "norfolk-2016")).all()
    stored = {a.title: (a.status, a.start_date, a.current_end_date, a.end_precision, a.annual_value_pence, a.provider_id) for a in rows}
    assert stored == {
        "Independent Domestic Abuse Advocacy Service": (
            "not stated",
            date(2019, 4, 1),
            date(2025, 3, 31),
            "month",
            36_000_000,
            "leeway-domestic-violence-and-abuse-services",
        ),
        "Support for Survivors of Sexual Abuse": ("not stated", None, date(2021, 3, 31), "day", 7_500_000, "sue-lambert-trust"),
        "Restorative Justice Service": ("not stated", None, None, "day", None, None),
    }


def test_the_command_line_refuses_a_map_naming_no_column(store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "register.csv"
    path.write_text("service\nISVA\n", encoding="utf-8")
    assert importing.main(["--kind", "contracts", "--area", "norfolk", "--file", str(path), "--map", "colour=title"], engine=store) == 2
    assert "--map 'colour=title': write 'their column=our column'; theirs: service" in capsys.readouterr().err


# --- properties (hypothesis) -------------------------------------------------------------------------------

spacing = st.sampled_from(["", " ", "  "])


@SETTINGS
@given(
    order=st.permutations(range(7)),
    cases=st.lists(st.sampled_from([str.lower, str.upper, str.title]), min_size=7, max_size=7),
    pads=st.lists(spacing, min_size=7, max_size=7),
    underscores=st.booleans(),
)
def test_any_order_case_or_spacing_of_the_headings_maps_the_same(order: list[int], cases: list, pads: list[str], underscores: bool) -> None:
    expected = {mapping.normalised_heading(c.header): c.target for c in mapping.propose(sheet(REGISTER), "contracts").columns}
    rows = [[row[i] for i in order] for row in REGISTER]
    rows[0] = [pads[i] + cases[i](h.replace("_", " ") if underscores else h) + pads[-1 - i] for i, h in enumerate(rows[0])]
    got = {mapping.normalised_heading(c.header): c.target for c in mapping.propose(sheet(rows), "contracts").columns}
    assert got == expected


@SETTINGS
@given(order=st.permutations(range(3)), repeat=st.booleans())
def test_ids_are_made_from_the_row_never_its_position(engine: Engine, order: list[int], repeat: bool) -> None:
    def ids(rows: list[list[str]]) -> dict[str, str]:
        table = sheet(rows)
        with engine.connect() as connection:
            bundle = mapping.to_bundle(table, mapping.propose(table, "contracts"), "norfolk", connection=connection)
        return {a["title"]: a["id"] for a in cells(bundle, "agreements")}

    data = REGISTER[1:]
    shuffled = [REGISTER[0], *[data[i] for i in order]]
    if repeat:
        shuffled.append(["", "", "", "", "", "", ""])  # a blank row changes nothing either
    assert ids(shuffled) == ids(REGISTER)


@SETTINGS
@given(blanks=st.lists(st.booleans(), min_size=21, max_size=21))
def test_no_blank_cell_becomes_a_value(engine: Engine, blanks: list[bool]) -> None:
    rows = [REGISTER[0]] + [[("" if blanks[r * 7 + c] and c else cell) for c, cell in enumerate(row)] for r, row in enumerate(REGISTER[1:])]
    table = sheet(rows)
    proposal = mapping.propose(sheet(REGISTER), "contracts")  # the confirmed mapping, whatever this quarter's blanks
    with engine.connect() as connection:
        bundle = mapping.to_bundle(table, proposal, "norfolk", connection=connection)
    passed = {"service": "title", "start_date": "start_date", "end_date": "current_end_date", "annual_value_gbp": "annual_value"}
    derived = {"provider": "provider_id"}
    for (number, user), agreement in zip(table.rows, cells(bundle, "agreements"), strict=True):
        assert int(agreement["row"]) == number
        by_heading = dict(zip(table.header, user, strict=True))
        for theirs, ours in passed.items():
            assert agreement[ours] == by_heading[theirs].strip()
        for theirs, ours in derived.items():
            assert bool(agreement[ours]) == bool(by_heading[theirs].strip())
        assert agreement["status"] == agreement["source_section"] == agreement["basis"] == agreement["visibility"] == ""


text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)


@SETTINGS
@given(
    header=st.lists(st.one_of(text, st.sampled_from(REGISTER[0] + PERFORMANCE[0] + GRANTS[0])), min_size=1, max_size=6),
    body=st.lists(
        st.lists(
            st.one_of(text, st.sampled_from(["£1m", "31/03/2019", "March 2025", "99.8%", "Q1 2018/19", REGISTER_URL, ""])), max_size=7
        ),
        max_size=5,
    ),
    holds=st.sampled_from(list(mapping.HOLDS)),
)
def test_any_text_gets_a_mapping_a_bundle_and_problems_never_an_exception(
    engine: Engine, header: list[str], body: list[list[str]], holds: str
) -> None:
    table = Table("any.csv", "", header, 1, [(n + 2, row) for n, row in enumerate(body)])
    proposal = mapping.propose(table, holds)
    assert len(proposal.columns) >= len(header)  # every column listed, mapped or not
    with engine.connect() as connection:
        bundle = mapping.to_bundle(table, proposal, "norfolk", connection=connection)
        problems = []
        known = importing._known_ids(connection)
        for name, model in loading.FILES:
            kind = Path(name).stem
            if kind in bundle.tables:
                problems += loading.check_table(bundle.tables[kind], model, known=known).problems
    for problem in mapping.user_problems(problems, bundle.mapping):
        assert problem.file == "any.csv"
    for kind, format_table in bundle.tables.items():
        assert format_table.header == loading.columns_of(mapping.KIND_OF_FILE[kind])
        assert all(n in {number for number, _ in table.rows} for n, _ in format_table.rows)


def test_an_amount_written_up_to_is_a_ceiling_not_a_problem(engine: Engine) -> None:
    """'up to £50,000' in a register's value column: the amount, and that it is a ceiling, never added up as spent."""
    rows = [
        ["service", "provider", "start_date", "annual_value_gbp", "source_url"],
        ["Drug intervention", "New Provider Ltd", "2021-04-01", "up to £50,000", REGISTER_URL],
    ]
    table = sheet(rows)
    with engine.connect() as connection:
        bundle = mapping.to_bundle(table, mapping.propose(table, "contracts"), "norfolk", connection=connection)
    report = mapping.import_bundle(engine, bundle, sha256="d4" * 32)
    assert report.problems == []
    [agreement] = [c.values for c in report.of("insert") if c.kind == "agreements"]
    assert (agreement["annual_value_pence"], agreement["value_qualifier"]) == (5_000_000, "up to")
