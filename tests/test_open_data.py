"""Open data in and out: OCDS and 360Giving files as publishers really write them read into the import format
(exact values), bad files refused with the place named, the product's own downloads imported back into an empty
store as the same agreements, and the scheduled export checked with the Open Contracting Partnership's own
libcoveocds against the OCDS 1.1.5 schema zip in tests/standards (no network)."""

from __future__ import annotations

import io
import json
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine
from sqlmodel import Session

from data_access import exporting, importing, loading, open_data, public, queries, scheduled_export
from data_access.db import open_store
from data_access.models import Audience
from data_access.settings import SAMPLE_DATA_DIR, Settings

STANDARD_ZIP = Path(__file__).parent / "standards" / "ocds-1.1" / "standard-schema-1__1__5.zip"
PUBLISHED = datetime(2026, 1, 5, tzinfo=UTC)
OFFICE = "Office of the Police and Crime Commissioner for Norfolk (OPCCN)"
BUYER = {"id": "GB-GOR-PC000123", "name": OFFICE}

# Find a Tender publishes a release per notice: here the award notice and then the contract notice with an
# amendment, of one process, plus a tender for its successor that names it as the prior process.
FIND_A_TENDER = {
    "uri": "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages/012345-2024",
    "version": "1.1",
    "publishedDate": "2026-04-01T09:15:00+01:00",
    "publisher": {"name": "Find a Tender"},
    "releases": [
        {
            "ocid": "ocds-h6vhtk-04a1b2",
            "id": "012345-2024",
            "date": "2024-03-01T10:00:00Z",
            "tag": ["award"],
            "buyer": BUYER,
            "parties": [
                {**BUYER, "roles": ["buyer"]},
                {
                    "id": "GB-CHC-1135939",
                    "name": "Leeway Domestic Violence and Abuse Services",
                    "identifier": {"scheme": "GB-CHC", "id": "1135939"},
                    "additionalIdentifiers": [{"scheme": "GB-COH", "id": "03001234"}],
                    "roles": ["supplier"],
                },
            ],
            "tender": {"id": "T1", "title": "Domestic abuse support", "procurementMethod": "open", "numberOfTenderers": 3},
            "awards": [
                {
                    "id": "A1",
                    "status": "active",
                    "suppliers": [{"id": "GB-CHC-1135939", "name": "Leeway Domestic Violence and Abuse Services"}],
                    "value": {"amount": 1200000, "currency": "GBP"},
                    "contractPeriod": {
                        "startDate": "2024-04-01T00:00:00+01:00",
                        "endDate": "2027-03-31T23:59:59+01:00",
                        "maxExtentDate": "2029-03-31T23:59:59+01:00",
                    },
                }
            ],
        },
        {
            "ocid": "ocds-h6vhtk-04a1b2",
            "id": "023456-2026",
            "date": "2026-03-20T10:00:00Z",
            "tag": ["contract", "contractAmendment"],
            "buyer": BUYER,
            "contracts": [
                {
                    "id": "C1",
                    "awardID": "A1",
                    "title": "Domestic abuse support service",
                    "status": "active",
                    "period": {"startDate": "2024-04-01T00:00:00+01:00", "endDate": "2028-03-31T23:59:59+01:00"},
                    "value": {"amount": 1650000.5, "currency": "GBP"},
                    "amendments": [
                        {
                            "id": "1",
                            "date": "2026-03-02T00:00:00Z",
                            "rationale": "First optional year taken",
                            "description": "Extended by 12 months",
                        }
                    ],
                    "implementation": {
                        "milestones": [{"id": "M1", "title": "Service review", "type": "approval", "dueDate": "2027-01-15T00:00:00Z"}]
                    },
                    "milestones": [{"id": "M2", "title": "Engagement events", "type": "engagement", "dueDate": "2026-06-01T00:00:00Z"}],
                }
            ],
            "relatedProcesses": [
                {
                    "id": "1",
                    "relationship": ["prior"],
                    "scheme": "ocid",
                    "identifier": "ocds-h6vhtk-0399aa",
                    "title": "Domestic abuse support 2019",
                }
            ],
        },
    ],
}


def read(
    document: Any, *, kind: str = "ocds", name: str = "package.json", **options: Any
) -> tuple[dict[str, loading.Table], list[loading.Problem]]:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return open_data.read_open_data(data, name, kind=kind, area_id="norfolk", **options)


def rows(table: loading.Table) -> list[dict[str, str]]:
    return [dict(zip(table.header, cells, strict=True)) for _, cells in table.rows]


def checked(tables: dict[str, loading.Table]) -> list[loading.Problem]:
    """Every problem the loader's own checks find, kind by kind, as the import would."""
    known: dict[str, set[str]] = {"area": {"norfolk"}, "source": set()}
    return [
        p
        for name, model in loading.FILES
        if (table := tables.get(Path(name).stem))
        for p in loading.check_table(table, model, known=known).problems
    ]


# --- OCDS --------------------------------------------------------------------------------------------


def test_find_a_tender_releases_merge_into_one_agreement() -> None:
    tables, problems = read(FIND_A_TENDER, buyers=[OFFICE])
    assert problems == []
    [agreement] = rows(tables["agreements"])
    source = rows(tables["sources"])[0]
    assert {k: agreement[k] for k in agreement if agreement[k]} == {
        "id": "ocds-h6vhtk-04a1b2",
        "area_id": "norfolk",
        "title": "Domestic abuse support service",
        "kind": "contract",
        "provider_id": "gb-chc-1135939",
        "procurement_route": "open",
        "number_of_tenderers": "3",
        "start_date": "2024-04-01",  # the calendar date written, not moved to UTC
        "original_end_date": "2027-03-31",
        "current_end_date": "2028-03-31",
        "latest_end_date": "2029-03-31",  # maxExtentDate
        "total_value": "1650000.5",
        "status": "active",
        "visibility": "public",
        "source_id": source["id"],
        "source_section": "releases 1, 2, ocid ocds-h6vhtk-04a1b2, contract C1",
        "basis": "reported",
        "basis_note": "Related processes: prior ocds-h6vhtk-0399aa (Domestic abuse support 2019).",
    }
    assert tables["agreements"].rows[0][0] == 1 and tables["agreements"].sheet == "releases"
    assert rows(tables["providers"]) == [
        {
            "id": "gb-chc-1135939",
            "name": "Leeway Domestic Violence and Abuse Services",
            "charity_number": "1135939",
            "company_number": "03001234",
            "source_id": source["id"],
            "source_section": "releases 1, 2, parties",
            "basis": "reported",
            "basis_note": "",
        }
    ]
    [amendment] = rows(tables["amendments"])
    assert (amendment["id"], amendment["kind"], amendment["agreed_on"], amendment["rationale"]) == (
        "ocds-h6vhtk-04a1b2-1",
        "variation",
        "2026-03-02",
        "First optional year taken",
    )
    assert "Extended by 12 months" in amendment["basis_note"]
    [milestone] = rows(tables["milestones"])  # the engagement milestone has no kind in the store: left out, with a note
    assert (milestone["id"], milestone["on"], milestone["kind"], milestone["title"]) == (
        "ocds-h6vhtk-04a1b2-m1",
        "2027-01-15",
        "decision",
        "Service review",
    )
    assert any("M2" in n.rule and "left out" in n.rule for n in tables["sources"].notes)
    assert (source["publisher"], source["published"], source["figures_as_at"], source["url"]) == (
        "Find a Tender",
        "2026-04-01",
        "2026-04-01",
        FIND_A_TENDER["uri"],
    )
    assert checked(tables) == []


def test_record_package_uses_the_compiled_release() -> None:
    compiled = {
        **FIND_A_TENDER["releases"][0],
        "ocid": "ocds-h6vhtk-07",
        "awards": [{**FIND_A_TENDER["releases"][0]["awards"][0], "title": "Victim care"}],
    }
    tables, problems = read(
        {
            "uri": "https://example.org/r.json",
            "publishedDate": "2026-02-01T00:00:00Z",
            "publisher": {"name": "CF"},
            "records": [{"ocid": "ocds-h6vhtk-07", "compiledRelease": compiled}],
        }
    )
    assert problems == []
    [agreement] = rows(tables["agreements"])
    assert (agreement["id"], agreement["title"], agreement["total_value"], agreement["status"], agreement["current_end_date"]) == (
        "ocds-h6vhtk-07",
        "Victim care",
        "1200000",
        "active",
        "2027-03-31",
    )
    assert tables["agreements"].sheet == "records"
    assert checked(tables) == []


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (b"<html>not json</html>", (0, ""), "is not JSON (Expecting value at line 1, column 1)"),
        ({"grants": []}, (0, ""), "is 360Giving data"),
        ({"data": []}, (0, ""), "is not an OCDS release package or record package"),
        ({"releases": [{"id": "x", "buyer": BUYER}]}, (1, "ocid"), "missing: every release needs an ocid"),
        (
            {"records": [{"ocid": "o-1", "releases": [{"url": "https://x/1.json", "date": "2020-01-01T00:00:00Z"}]}]},
            (1, "releases"),
            "no compiledRelease",
        ),
    ],
)
def test_bad_ocds_files_say_what_and_where(data: Any, where: tuple[int, str], words: str) -> None:
    tables, problems = read(data)
    assert tables == {}
    assert [(p.row, p.column) for p in problems] == [where]
    assert words in problems[0].rule


def test_a_release_for_another_buyer_is_refused() -> None:
    other = {**FIND_A_TENDER["releases"][0], "ocid": "ocds-h6vhtk-09", "buyer": {"id": "GB-GOR-PC000999", "name": "OPCC for Suffolk"}}
    tables, problems = read({**FIND_A_TENDER, "releases": [*FIND_A_TENDER["releases"], other]})
    assert tables == {}
    [problem] = problems
    assert (problem.row, problem.column, problem.value, problem.sheet) == (3, "buyer", "OPCC for Suffolk", "releases")
    assert problem.rule.startswith("release 3 (ocid ocds-h6vhtk-09) is for another buyer than releases 1, 2")
    _, wrong_area = read(FIND_A_TENDER, buyers=["Office of the Police and Crime Commissioner for Derbyshire"])
    assert "not this area's office" in wrong_area[0].rule


def test_euros_are_refused_naming_the_value() -> None:
    release = {
        **FIND_A_TENDER["releases"][0],
        "awards": [{**FIND_A_TENDER["releases"][0]["awards"][0], "value": {"amount": 5, "currency": "EUR"}}],
    }
    _, problems = read({"releases": [release]})
    assert [(p.row, p.column, p.value) for p in problems] == [(1, "value", "5 EUR")]


# --- 360Giving ------------------------------------------------------------------------------------------

GRANTS = {
    "version": "1.4",
    "title": "Norfolk PCC community grants 2024",
    "issued": "2025-05-01T00:00:00+01:00",
    "publisher": {"name": OFFICE},
    "grants": [
        {
            "id": "360G-opccn-2024-017",
            "title": "Safer streets youth project",
            "description": "Diversionary sport for young people.",
            "currency": "GBP",
            "amountAwarded": 4850,
            "awardDate": "2024-06-12",
            "plannedDates": [{"startDate": "2024-07-01", "endDate": "2025-03"}],
            "recipientOrganization": [{"id": "GB-CHC-1076543", "name": "Norwich Lads Club", "charityNumber": "1076543"}],
            "fundingOrganization": [{"id": "GB-GOR-PC000123", "name": OFFICE}],
            "grantProgramme": [{"code": "CSF-2024", "title": "Community Safety Fund 2024/25"}],
            "fromOpenCall": "Yes",
        }
    ],
}


def test_360giving_json() -> None:
    tables, problems = read(GRANTS, kind="360giving", buyers=[OFFICE])
    assert problems == []
    [grant] = rows(tables["agreements"])
    assert (grant["id"], grant["kind"], grant["provider_id"], grant["funding_stream_id"], grant["total_value"]) == (
        "360g-opccn-2024-017",
        "grant",
        "gb-chc-1076543",
        "norfolk-csf-2024",
        "4850",
    )
    assert (grant["start_date"], grant["current_end_date"], grant["procurement_route"], grant["status"]) == (
        "2024-07-01",
        "2025-03",
        "open",
        "",
    )
    assert rows(tables["funding_streams"])[0] | {"source_id": ""} == {
        "id": "norfolk-csf-2024",
        "area_id": "norfolk",
        "name": "Community Safety Fund 2024/25",
        "funder": OFFICE,
        "cap_per_award": "",
        "source_id": "",
        "source_section": "grant 1, id 360G-opccn-2024-017, grant programme",
        "basis": "reported",
        "basis_note": "",
        "stated_awards_total": "",  # 360Giving states no total for a programme
    }
    source = rows(tables["sources"])[0]
    assert (source["title"], source["published"], source["publisher"]) == ("Norfolk PCC community grants 2024", "2025-05-01", OFFICE)


def grantnav_csv() -> bytes:
    header = "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Planned Dates:Start Date,Planned Dates:End Date,"
    header += "Recipient Org:Identifier,Recipient Org:Name,Recipient Org:Charity Number,Recipient Org:Company Number,"
    header += "Funding Org:Identifier,Funding Org:Name,Grant Programme:Title,Data Source,Publisher:Name,Last modified\n"
    row = (
        "360G-opccn-2024-021,Hate crime reporting,,GBP,12500,2024-05-01T00:00:00+00:00,2024-06-01T00:00:00+00:00,2025-05-31T00:00:00+00:00,"
    )
    row += f'GB-COH-08123456,Stand Together CIC,,08123456,GB-GOR-PC000123,"{OFFICE}",Community Safety Fund 2024/25,'
    row += "https://www.norfolk-pcc.gov.uk/grants.json,Norfolk PCC,2025-05-02T10:00:00+00:00\n"
    return (header + row).encode()


def test_grantnav_spreadsheet_csv_and_xlsx() -> None:
    tables, problems = read(grantnav_csv(), kind="360giving", name="grantnav-export.csv")
    assert problems == []
    [grant] = rows(tables["agreements"])
    assert tables["agreements"].rows[0][0] == 2  # the spreadsheet's row
    assert (grant["id"], grant["provider_id"], grant["total_value"], grant["start_date"], grant["current_end_date"]) == (
        "360g-opccn-2024-021",
        "gb-coh-08123456",
        "12500",
        "2024-06-01",
        "2025-05-31",
    )
    [source] = rows(tables["sources"])
    assert (source["url"], source["publisher"], source["published"]) == (
        "https://www.norfolk-pcc.gov.uk/grants.json",
        "Norfolk PCC",
        "2025-05-02",
    )
    assert grant["source_id"] == source["id"]
    workbook = Workbook()
    for line in grantnav_csv().decode().splitlines():
        import csv

        workbook.active.append(next(csv.reader([line])))
    buffer = io.BytesIO()
    workbook.save(buffer)
    from_xlsx, problems = read(buffer.getvalue(), kind="360giving", name="grantnav-export.xlsx")
    assert problems == [] and rows(from_xlsx["agreements"]) == rows(tables["agreements"])


def test_a_spreadsheet_without_the_360giving_columns_is_refused() -> None:
    _, problems = read(b"Name,Value\nA,1\n", kind="360giving", name="list.csv")
    assert [(p.row, p.column) for p in problems] == [(1, "Identifier, Title, Amount Awarded, Recipient Org:Name")]
    assert problems[0].rule.startswith("missing column")


# --- round trip: the product's own downloads into an empty store -----------------------------------------


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Engine]:
    """A store with the sample sources, areas and plans, and no agreements or providers."""
    engine = open_store(f"sqlite:///{tmp_path / 'empty.sqlite3'}", load_sample_data=False)
    folder = tmp_path / "base"
    folder.mkdir()
    for name in ("sources.csv", "areas.csv", "plans.csv"):
        shutil.copy(SAMPLE_DATA_DIR / name, folder / name)
    with engine.begin() as connection:
        loading.load_folder(folder, connection=connection)
    yield engine
    engine.dispose()


COMPARED = ["id", "title", "provider_id", "provider", "start_date", "start_precision", "original_end_date", "current_end_date"]
COMPARED += ["end_precision", "latest_end_date", "annual_value_pence", "total_value_pence", "status", "service_type"]


def frame_rows(frame: Any, columns: list[str]) -> list[dict[str, Any]]:
    return [{c: (None if v != v else v) for c, v in row.items()} for row in frame[columns].sort_values("id").to_dict("records")]


@pytest.mark.parametrize("area", ["west-yorkshire", "norfolk"])
def test_own_ocds_download_imports_back_to_the_same_agreements(session: Session, empty_store: Engine, area: str) -> None:
    agreements = public.published_agreements(session=session, area=area, audience=Audience.PUBLIC)
    amendments = queries.amendments(session=session, area=area, audience=Audience.PUBLIC, published_only=True)
    contracts = agreements[agreements["kind"] != "grant"]
    package = exporting.ocds_release_package(contracts, amendments, published=PUBLISHED)
    assert package is not None
    office = str(agreements["office"].iloc[0])
    with empty_store.connect() as connection:
        known = open_data.store_providers(connection)
    tables, problems = open_data.read_open_data(
        exporting.json_bytes(package), "own.json", kind="ocds", area_id=area, buyers=[office], known_providers=known
    )
    assert problems == []
    report = importing.import_tables(empty_store, tables, file_name="own.json", sha256="0" * 64, apply=True, who="test")
    assert report.problems == [] and report.applied
    with Session(empty_store) as back:
        imported = public.published_agreements(session=back, area=area, audience=Audience.PUBLIC)
        imported_amendments = queries.amendments(session=back, area=area, audience=Audience.PUBLIC)
    assert frame_rows(imported, COMPARED) == frame_rows(contracts, COMPARED)
    changes = ["id", "agreement_id", "kind", "agreed_on", "previous_end_date", "new_end_date", "value_change_pence", "rationale"]
    assert frame_rows(imported_amendments, changes) == frame_rows(amendments[amendments["agreement_id"].isin(contracts["id"])], changes)
    # Importing the same file again changes nothing.
    report = importing.import_tables(empty_store, tables, file_name="own.json", sha256="0" * 64, apply=True, who="test")
    assert report.problems == [] and not report.of("insert") and not report.of("update")


def test_round_trip_holds_the_values_that_matter(session: Session) -> None:
    """The comparison above is not empty: West Yorkshire's contracts carry dates, a maxExtentDate and amendments."""
    agreements = public.published_agreements(session=session, area="west-yorkshire", audience=Audience.PUBLIC)
    rj = agreements.set_index("id").loc["wy-rj"]
    assert (rj["latest_end_date"], rj["current_end_date"]) == (date(2022, 3, 31), date(2021, 3, 31))
    assert len(queries.amendments(session=session, area="west-yorkshire", audience=Audience.PUBLIC, published_only=True)) == 3


# --- scheduled export and the OCP's checks ----------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to open a connection, recorded and refused."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("no network in the tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))  # type: ignore[arg-type]
    return attempts


def cove(package: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig({"standard_zip": STANDARD_ZIP.resolve().as_uri(), "context": "api"})
    result: dict[str, Any] = ocds_json_output(str(tmp_path), json_data=package, lib_cove_ocds_config=config, schema_version="1.1")
    return result


def test_scheduled_export_passes_libcoveocds_with_a_prefix(engine: Engine, tmp_path: Path, no_network: list[Any]) -> None:
    settings = Settings(database_url="", load_sample_data=False, ocds_ocid_prefix="ocds-abc123", opcc_org_id="GB-GOR-PC000123")
    written = scheduled_export.export_area(engine, area="west-yorkshire", out=tmp_path / "site", settings=settings, today=date(2026, 4, 1))
    names = sorted(w.name for w in written)
    assert "west-yorkshire-contracts-ocds.json" in names and "west-yorkshire-contracts.xlsx" in names
    assert "west-yorkshire-service-performance.csv" in names
    package = json.loads((tmp_path / "site" / "west-yorkshire-contracts-ocds.json").read_text())
    assert all(r["ocid"].startswith("ocds-abc123-") for r in package["releases"]) and "note" not in package
    assert package["publisher"] == {"name": package["releases"][0]["buyer"]["name"], "scheme": "GB-GOR", "uid": "PC000123"}
    result = cove(package, tmp_path / "cove")
    assert result["validation_errors"] == []
    assert result["additional_closed_codelist_values"] == {} and result["additional_fields"] == []
    assert not result["additional_checks"] and result["deprecated_fields"] == []
    assert result["count"] == 9
    assert no_network == []
    readme = (tmp_path / "site" / "README.txt").read_text()
    assert "OCDS: OCID prefix ocds-abc123; buyer GB-GOR-PC000123." in readme
    assert "Sources:\n- Police and Crime Panel" in readme or "Sources:\n- " in readme


def test_scheduled_export_without_identifiers_says_not_for_publication(engine: Engine, tmp_path: Path, no_network: list[Any]) -> None:
    settings = Settings(database_url="", load_sample_data=False)
    scheduled_export.export_area(engine, area="norfolk", out=tmp_path, settings=settings, today=date(2026, 4, 1))
    package = json.loads((tmp_path / "norfolk-contracts-ocds.json").read_text())
    assert package["note"].startswith("NOT FOR PUBLICATION") and package["releases"][0]["ocid"].startswith("ocds-XXXXXX-")
    readme = (tmp_path / "README.txt").read_text()
    assert "NOT FOR PUBLICATION: the OCDS file uses the placeholder OCID prefix ocds-XXXXXX" in readme
    assert "No 360Giving data file" in readme  # Norfolk's grants publish no start date
    result = cove(package, tmp_path / "cove")
    assert [(f["path"], f["field"]) for f in result["additional_fields"]] == [("", "note")]  # seen, and not an error
    assert result["validation_errors"] == []


def test_export_command_exit_codes(engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scheduled_export.main(["--area", "nowhere", "--out", str(tmp_path)], engine=engine) == 2
    assert "There is no area 'nowhere' in the store; its areas are: derbyshire, norfolk, west-yorkshire" in capsys.readouterr().err
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    assert scheduled_export.main(["--area", "norfolk", "--out", str(afile)], engine=engine) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert scheduled_export.main(["--area", "norfolk", "--out", str(tmp_path / "out"), "--year", "twenty"], engine=engine) == 2
    assert "'twenty' is not a financial year" in capsys.readouterr().err
    assert scheduled_export.main(["--area", "norfolk", "--out", str(tmp_path / "out")], engine=engine, today=date(2026, 4, 1)) == 0
    assert (tmp_path / "out" / "norfolk-contracts.csv").exists() and not list((tmp_path / "out").glob(".*partial"))


def test_import_command_for_open_data(empty_store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fts.json"
    path.write_text(json.dumps(FIND_A_TENDER))
    assert importing.main(["--kind", "ocds", "--file", str(path), "--area", "derbyshire"], engine=empty_store) == 1
    assert "is the buyer of releases 1, 2, not this area's office" in capsys.readouterr().out
    assert importing.main(["--kind", "ocds", "--file", str(path), "--area", "norfolk", "--apply"], engine=empty_store) == 0
    out = capsys.readouterr().out
    assert "ADD row 1: agreements ocds-h6vhtk-04a1b2" in out and out.strip().endswith("Applied.")
    with Session(empty_store) as back:
        [row] = public.published_agreements(session=back, area="norfolk", audience=Audience.PUBLIC).to_dict("records")
    assert (row["provider"], row["total_value_pence"], row["latest_end_date"]) == (
        "Leeway Domestic Violence and Abuse Services",
        165000050,
        date(2029, 3, 31),
    )


def test_own_360giving_download_reads_back_to_the_same_grant() -> None:
    import pandas as pd

    grant = {
        "id": "wy-community-safety",
        "area_id": "west-yorkshire",
        "office": "West Yorkshire Police and Crime Commissioner",
        "title": "Community safety grant",
        "kind": "grant",
        "provider_id": "leeds-trust",
        "provider": "Leeds Trust",
        "charity_number": None,
        "company_number": None,
        "funding_stream": "Safer Communities Fund",
        "procurement_route": "open",
        "start_date": date(2017, 4, 1),
        "start_precision": "day",
        "current_end_date": date(2018, 3, 1),
        "end_precision": "month",
        "total_value_pence": 2000050,
        "annual_value_pence": None,
        "purpose": "Youth work",
        "service_type": "young victims",
    }
    package = exporting.grants_360_package(pd.DataFrame([grant]), published=PUBLISHED)
    assert package is not None
    tables, problems = read(package, kind="360giving")
    assert problems == []
    [row] = rows(tables["agreements"])
    assert (row["id"], row["title"], row["provider_id"], row["start_date"], row["current_end_date"], row["total_value"]) == (
        "wy-community-safety",
        "Community safety grant",
        "leeds-trust",
        "2017-04-01",
        "2018-03",
        "20000.5",
    )
    assert rows(tables["providers"])[0]["name"] == "Leeds Trust"
    assert package["grants"][0]["classifications"] == [
        {"vocabulary": "police-commissioning-service-type", "code": "young victims", "title": "Young victims"}
    ]
    assert row["service_type"] == "young victims"
    # 360Giving has no status: the blank is kept, and the loader takes it as not stated.
    assert checked(tables) == []


OWN_GRANTS = [  # Norfolk grants as a grant list publishes them: an award date to the day, or to the month only
    {"id": "nfk-rape-crisis", "title": "Rape crisis counselling", "provider_id": "rape-crisis-norfolk", "start_date": date(2017, 7, 1),
     "current_end_date": date(2019, 3, 31), "award_date": date(2017, 6, 15), "award_precision": "day", "total_value_pence": 4_500_000,
     "service_type": "other"},
    {"id": "nfk-youth-diversion", "title": "Youth diversion", "provider_id": "norfolk-yot", "start_date": date(2017, 4, 1),
     "current_end_date": date(2018, 3, 31), "award_date": date(2017, 3, 1), "award_precision": "month", "total_value_pence": 1_250_050},
]  # fmt: skip


def test_own_360giving_download_imports_back_into_an_empty_store(tmp_path: Path, empty_store: Engine) -> None:
    """Grants with their dates, values, recipients (one with a charity number) and programme go out and come back."""
    from data_access.models import Agreement, Provider

    original = open_store(f"sqlite:///{tmp_path / 'original.sqlite3'}", load_sample_data=True)
    cited = {"source_id": "norfolk-2016", "source_section": "1.13", "basis": "reported"}
    with Session(original) as store:
        store.add(Provider(id="rape-crisis-norfolk", name="Rape Crisis Norfolk", charity_number="1135939", **cited))
        store.flush()  # no relationships declared, so the provider is written before the grants that name it
        for grant in OWN_GRANTS:
            store.add(Agreement(area_id="norfolk", kind="grant", funding_stream_id="nfk-moj", status="active", **grant, **cited))
        store.commit()
        published = public.published_agreements(session=store, area="norfolk", audience=Audience.PUBLIC)
    original.dispose()
    grants = published[published["id"].isin([g["id"] for g in OWN_GRANTS])]
    package = exporting.grants_360_package(grants, published=PUBLISHED)
    assert package is not None and len(package["grants"]) == 2
    tables, problems = open_data.read_open_data(
        exporting.json_bytes(package), "grants.json", kind="360giving", area_id="norfolk", buyers=[OFFICE]
    )
    assert problems == []
    report = importing.import_tables(empty_store, tables, file_name="grants.json", sha256="1" * 64, apply=True, who="test")
    assert report.problems == [] and report.applied
    with Session(empty_store) as back:
        imported = public.published_agreements(session=back, area="norfolk", audience=Audience.PUBLIC)
    same = ["id", "title", "kind", "provider", "charity_number", "funding_stream", "start_date", "current_end_date", "total_value_pence"]
    same += ["service_type"]  # one stated (other), one not stated (blank both ways)
    assert frame_rows(imported, same) == frame_rows(grants, same)
    assert frame_rows(imported, ["id", "service_type"]) == [
        {"id": "nfk-rape-crisis", "service_type": "other"},
        {"id": "nfk-youth-diversion", "service_type": None},
    ]
    # 360Giving's awardDate takes a whole date: the day where it is published, else the start date with a note saying so.
    awards = {r["id"]: (r["award_date"], r["award_precision"]) for r in frame_rows(imported, ["id", "award_date", "award_precision"])}
    assert awards == {"nfk-rape-crisis": (date(2017, 6, 15), "day"), "nfk-youth-diversion": (date(2017, 4, 1), "day")}
    youth = imported.set_index("id").loc["nfk-youth-diversion"]
    assert "Award date published as March 2017 only" in youth["purpose"]
    again = importing.import_tables(empty_store, tables, file_name="grants.json", sha256="1" * 64, apply=True, who="test")
    assert again.ok and not again.of("insert") and not again.of("update")


def test_workbooks_are_refused_if_openpyxl_would_parse_with_lxml(monkeypatch: pytest.MonkeyPatch) -> None:
    """libcoveocds brings lxml; openpyxl must not use it (it expands entities that defusedxml refuses)."""
    import openpyxl.xml

    assert openpyxl.xml.LXML is False  # data_access/__init__.py and conftest turn it off
    workbook, buffer = Workbook(), io.BytesIO()
    workbook.active.append(["id", "name", "office"])
    workbook.save(buffer)
    assert loading.read_xlsx_bytes(buffer.getvalue(), "areas.xlsx").problems == []
    monkeypatch.setattr(openpyxl.xml, "LXML", True)
    [problem] = loading.read_xlsx_bytes(buffer.getvalue(), "areas.xlsx").problems
    assert problem.rule == "workbooks cannot be read safely here (defusedxml is not in use): upload a CSV file"
