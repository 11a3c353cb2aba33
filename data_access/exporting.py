"""Open-data downloads of the public tables: CSV, XLSX, OCDS 1.1 (contracts) and 360Giving (grants).

Pure functions from the DataFrames of `data_access.public` to bytes or JSON-ready dicts; no Streamlit,
no database. Each takes only what a public page already shows, so an export can never hold more than
the page does.

- **CSV and XLSX** escape every text cell that a spreadsheet would run as a formula (OWASP "CSV
  injection": text starting with = + - @, a tab or a carriage return gets a leading single quote).
  Numbers stay numbers; money is pounds, exactly (a Decimal from whole pence, never a float); a blank
  cell means "not published".
- **OCDS 1.1 release package**: one release per contract (and per service whose type the source does
  not state), following `release-package-schema.json`. Fields the store has no published value for are
  left out, never written as null; dates whose day is not published (a month or a year) are left out of
  the date fields and written in the description instead.
- **360Giving package**: one grant per grant that has the ten required fields. 360Giving's awardDate
  needs a whole date (YYYY-MM-DD): a grant's award date is used where its day is published; where only
  its month or year is (or none), its start date is given instead, where that has a day, and its
  description says so. A grant with neither (or no named recipient, or no published amount) is left
  out of the file rather than given a made-up day, and `grants_left_out` says which and why so the page
  can tell the reader.

Identifiers: `OCID_PREFIX` and `ORG_ID_PREFIX_360G` are placeholders. A real publisher registers its
own OCID prefix with the Open Contracting Partnership and is given a 360Giving prefix when it first
publishes, and sets them here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from data_access.models import SERVICE_TYPE_NAMES, AgreementKind, AgreementStatus, DatePrecision, ProcurementRoute
from data_access.money import pounds
from data_access.periods import format_date

OCID_PREFIX = "ocds-XXXXXX"
"""Placeholder OCID prefix: a publisher registers its own (https://standard.open-contracting.org, 'Registering an OCID prefix')."""

ORG_ID_PREFIX_360G = "360G-XXXXXX"
"""Placeholder 360Giving prefix, for grant ids and for organisations with no charity or company number."""

PLACEHOLDER_BASE_URI = "https://example.invalid/open-data"
"""Where the files would live. `.invalid` never resolves: a publisher sets the address it hosts the files at."""

LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
"""Public sector information in England and Wales is normally published under the Open Government Licence v3."""

OCDS_VERSION = "1.1"
GRANTS_360_VERSION = "1.4"
FORMULA_STARTS = ("=", "+", "-", "@")
"""What makes a spreadsheet treat a cell as a formula (OWASP "CSV injection"); the importer refuses text starting so."""
FORMULA_TRIGGERS = (*FORMULA_STARTS, "\t", "\r")
"""What `escape_formula` defuses: a formula start, or a tab or carriage return some spreadsheets skip before one."""
PROCUREMENT_METHODS = tuple(r.value for r in ProcurementRoute if r is not ProcurementRoute.NOT_STATED)
"""The routes that are OCDS procurementMethod codes; 'not stated' has none and goes in procurementMethodDetails."""
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_MIME = "application/json"


# --- tables -----------------------------------------------------------------------------------


def escape_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert with a leading single quote; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, Decimal):  # numpy scalars -> Python numbers
        value = value.item()
    return escape_formula(value)


def tidy(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """The download form of a table: `columns` (source -> heading) in order; `*_pence` columns as exact pounds
    (Decimal), so £1,037,415 is 1037415; missing values as None (a blank cell)."""
    out = pd.DataFrame(index=frame.index)
    for source, heading in columns.items():
        values = frame[source]
        if source.endswith("_pence"):
            out[heading] = pd.Series(
                [None if v is None or pd.isna(v) else pounds(int(v)) for v in values], index=frame.index, dtype="object"
            )
        else:
            out[heading] = pd.Series([_cell(v) for v in values], index=frame.index, dtype="object")
    return out.reset_index(drop=True)


def _precise(values: pd.Series, precisions: pd.Series | None = None) -> list[date | None]:
    """Dates only where the day is published; a month or a year alone is left to the 'as published' column."""
    precisions = precisions if precisions is not None else pd.Series([DatePrecision.DAY] * len(values), index=values.index)
    return [v if _present(v) and p == DatePrecision.DAY else None for v, p in zip(values, precisions, strict=True)]


def _as_published(values: pd.Series, precisions: pd.Series) -> list[str | None]:
    return [format_date(v, p) if _present(v) else None for v, p in zip(values, precisions, strict=True)]


def money_download(frame: pd.DataFrame, *, name: str, heading: str, area: str, year: str) -> pd.DataFrame:
    """Budget and spend by funding stream or priority, for download: pounds as numbers, blank where not published."""
    columns = {name: heading} | ({"funder": "Who provides the money"} if "funder" in frame else {})
    table = tidy(frame, columns | {"budget_pence": "Budget (£)", "spend_pence": "Spend (£)"})
    table.insert(0, "Financial year", year)
    table.insert(0, "Area", area)
    return table


def agreements_download(agreements: pd.DataFrame, amendments: pd.DataFrame) -> pd.DataFrame:
    """Contracts or grants, for download: one a row, every published field; dates as dates where the day is published."""
    frame = agreements.assign(
        start=_precise(agreements["start_date"], agreements["start_precision"]),
        start_text=_as_published(agreements["start_date"], agreements["start_precision"]),
        end=_precise(agreements["current_end_date"], agreements["end_precision"]),
        end_text=_as_published(agreements["current_end_date"], agreements["end_precision"]),
        latest=_precise(agreements["latest_end_date"]),
        changes=[
            "; ".join(
                f"{a.kind} to {a.new_end_date.isoformat() if _present(a.new_end_date) else 'end not stated'}"
                + (f": {a.rationale}" if isinstance(a.rationale, str) and a.rationale else "")
                for a in amendments[amendments["agreement_id"] == i].itertuples()
            )
            or None
            for i in agreements["id"]
        ],
    )
    return tidy(
        frame,
        {
            "id": "Reference",
            "title": "Title",
            "kind": "Contract or grant",
            "provider": "Provider",
            "charity_number": "Charity number",
            "company_number": "Company number",
            "funding_stream": "Paid from",
            "procurement_route": "Procurement route",
            "number_of_tenderers": "Number of bids",
            "start": "Start date",
            "start_text": "Start (as published)",
            "end": "End date",
            "end_text": "End (as published)",
            "latest": "Latest possible end date",
            "annual_value_pence": "Annual value (£)",
            "total_value_pence": "Total value (£)",
            "status": "Status",
            "changes": "Changes",
            "purpose": "Purpose",
        },
    )


def performance_download(frame: pd.DataFrame) -> pd.DataFrame:
    """Performance figures after disclosure control, for download; the exact counts are not in `frame` to begin with."""
    if "value" in frame.columns:
        raise ValueError("performance_download takes figures after disclosure control (public.published_performance), not exact values")
    return tidy(
        frame,
        {
            "agreement": "Service",
            "provider": "Provider",
            "measure": "Measure",
            "dimension": "Breakdown",
            "dimension_value": "Part",
            "period": "Period",
            "period_start": "Period start",
            "period_end": "Period end",
            "shown_value": "Figure",
            "unit": "Unit",
            "value_statement": "As stated",
            "disclosure_note": "Disclosure control",
        },
    )


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads £ correctly), every text cell formula-escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow(["" if (v := _cell(value)) is None else v for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, *, sheet: str) -> bytes:
    """An Excel workbook of one sheet: headings in bold, text formula-escaped and always text, numbers as numbers,
    dates as dates (31/03/2019)."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet[:31]
    worksheet.append([escape_formula(str(c)) for c in frame.columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        values = [_cell(v) for v in row]
        worksheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for row in worksheet.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif isinstance(cell.value, date | datetime):
                cell.number_format = "DD/MM/YYYY"
    for index, column in enumerate(frame.columns, start=1):
        widest = max([len(str(column)), *(len(str(v)) for v in frame.iloc[:, index - 1] if v is not None)], default=10)
        worksheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 10), 60)
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def json_bytes(document: Mapping[str, Any]) -> bytes:
    """Indented UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


# --- shared pieces of the JSON standards ---------------------------------------------------------


def money_number(pence: int) -> int | float:
    """Whole pence -> pounds as a JSON number, exactly: 103741500 -> 1037415, 103741550 -> 1037415.5."""
    value = pounds(int(pence))
    return int(value) if value == value.to_integral_value() else float(value)


def date_time(day: date, *, end_of_day: bool = False) -> str:
    """A date as an RFC 3339 date-time, as OCDS requires: the start of the day, or its last second for end dates."""
    return f"{day.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}Z"


def _present(value: Any) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value))


def _day(row: Mapping[str, Any], column: str, precision_column: str | None = None) -> date | None:
    """The date in `column` only where its day is published."""
    value = row.get(column)
    if not _present(value) or (precision_column and row.get(precision_column, DatePrecision.DAY) != DatePrecision.DAY):
        return None
    return value.date() if isinstance(value, pd.Timestamp) else value


def organisation_id(*, internal_id: str, charity_number: Any = None, company_number: Any = None, prefix: str = ORG_ID_PREFIX_360G) -> str:
    """An org-id.guide identifier: GB-CHC-<charity number>, else GB-COH-<company number>, else `prefix`-<internal id>."""
    for scheme, number in (("GB-CHC", charity_number), ("GB-COH", company_number)):
        if _present(number) and str(number).strip():
            return f"{scheme}-{str(number).strip()}"
    return f"{prefix}-{internal_id}"


def _partial_dates_text(row: Mapping[str, Any]) -> str:
    """Dates whose day is not published, in words, for a description."""
    parts = []
    if _present(row.get("start_date")) and row.get("start_precision") != DatePrecision.DAY:
        parts.append(f"Starts {format_date(row['start_date'], row['start_precision'])} (day not published).")
    if _present(row.get("current_end_date")) and row.get("end_precision") != DatePrecision.DAY:
        parts.append(f"Ends {format_date(row['current_end_date'], row['end_precision'])} (day not published).")
    return " ".join(parts)


def _sentence(text: Any) -> str:
    """Text ending with a full stop, so notes can follow it; empty when there is none."""
    shown = str(text).strip() if _present(text) else ""
    return shown if not shown or shown.endswith((".", "!", "?")) else shown + "."


def _value_text(row: Mapping[str, Any]) -> str:
    if _present(row.get("total_value_pence")):
        return ""
    if _present(row.get("annual_value_pence")):
        return f"Annual value £{pounds(int(row['annual_value_pence'])):,}; the total value is not published."
    return "Value not published."


# --- OCDS 1.1 ------------------------------------------------------------------------------------

NOT_FOR_PUBLICATION = (
    "NOT FOR PUBLICATION: this file uses placeholder identifiers (OCID prefix {prefix}). Set OCDS_OCID_PREFIX to the "
    "office's registered OCID prefix and OPCC_ORG_ID to its organisation identifier before publishing it."
)
"""Said in the package (`note`) and in each release's tender description when the office's own identifiers are not set."""


def ocid(agreement_id: str, prefix: str = OCID_PREFIX) -> str:
    """The contracting process's OCDS id: the office's OCID prefix, then the agreement's id."""
    return f"{prefix}-{agreement_id}"


def party_id(internal_id: str, prefix: str = OCID_PREFIX) -> str:
    """A provider's id within the releases: stable, ours (the org-id, where known, goes in its `identifier`)."""
    return f"{prefix}-org-{internal_id}"


def _period(start: date | None, end: date | None, max_extent: date | None) -> dict[str, str]:
    period = {}
    if start:
        period["startDate"] = date_time(start)
    if end:
        period["endDate"] = date_time(end, end_of_day=True)
    if max_extent:
        period["maxExtentDate"] = date_time(max_extent, end_of_day=True)
    return period


def money_text(pence: int) -> str:
    """Pounds as the house writes them, the sign first: -£5,000, £1,037,415.50 (read back by `money.parse_money`)."""
    amount = pounds(int(pence))
    return f"{'-' if amount < 0 else ''}£{abs(amount):,}"


def _amendment(row: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(row["kind"]).capitalize()
    before, after = _day(row, "previous_end_date"), _day(row, "new_end_date")
    description = f"{kind}."
    if before and after:
        description = f"{kind}: end date moved from {format_date(before)} to {format_date(after)}."
    elif after:
        description = f"{kind}: new end date {format_date(after)}."
    if _present(row.get("value_change_pence")):
        description += f" Value changed by {money_text(row['value_change_pence'])}."
    amendment: dict[str, Any] = {"id": str(row["id"]), "description": description}
    agreed = _day(row, "agreed_on")
    if agreed:
        amendment["date"] = date_time(agreed)
    if _present(row.get("rationale")) and str(row["rationale"]).strip():
        amendment["rationale"] = str(row["rationale"])
    return amendment


def _organisation(identifier: str, name: str) -> dict[str, Any]:
    """An organisation reference; an org-id.guide identifier (GB-CHC-..., GB-GOR-...) also as its `identifier`."""
    organisation: dict[str, Any] = {"id": identifier, "name": name}
    scheme, _, number = identifier.partition("-")[2].partition("-") if identifier.startswith("GB-") else ("", "", "")
    if scheme and number:
        organisation["identifier"] = {"scheme": f"GB-{scheme}", "id": number, "legalName": name}
    return organisation


SERVICE_TYPE_SCHEME = "police-commissioning-service-type"  # this app's vocabulary (models.ServiceType)


def service_classification(row: Mapping[str, Any]) -> dict[str, str] | None:
    """An agreement's service type as an OCDS classification (scheme, id, description); None where not stated."""
    code = row.get("service_type")
    if not _present(code) or not str(code):
        return None
    return {"scheme": SERVICE_TYPE_SCHEME, "id": str(code), "description": SERVICE_TYPE_NAMES.get(str(code), str(code))}


def ocds_release(
    row: Mapping[str, Any], amendments: pd.DataFrame, *, ocid_prefix: str = OCID_PREFIX, buyer_id: str | None = None
) -> dict[str, Any]:
    """One OCDS release for one agreement (a row of `public.published_agreements`) and its amendments.

    `buyer_id` is the office's org-id (settings `OPCC_ORG_ID`); without it the buyer gets an id under the OCID prefix.
    """
    agreement_id = str(row["id"])
    buyer_party = _organisation(buyer_id or party_id(f"buyer-{row['area_id']}", ocid_prefix), str(row["office"]))
    buyer = {"id": buyer_party["id"], "name": buyer_party["name"]}
    parties: list[dict[str, Any]] = [{**buyer_party, "roles": ["buyer", "procuringEntity"]}]
    supplier = None
    if _present(row.get("provider")):
        supplier = {"id": party_id(str(row["provider_id"]), ocid_prefix), "name": str(row["provider"])}
        party: dict[str, Any] = {**supplier, "roles": ["supplier"]}
        org_id = organisation_id(
            internal_id="", charity_number=row.get("charity_number"), company_number=row.get("company_number"), prefix=""
        )
        if org_id.startswith(("GB-CHC-", "GB-COH-")):
            scheme, _, number = org_id.rpartition("-")
            party["identifier"] = {"scheme": scheme, "id": number, "legalName": str(row["provider"])}
            if _present(row.get("charity_number")) and _present(row.get("company_number")) and str(row["company_number"]).strip():
                party["additionalIdentifiers"] = [{"scheme": "GB-COH", "id": str(row["company_number"]).strip()}]
        parties.append(party)

    start, end = _day(row, "start_date", "start_precision"), _day(row, "current_end_date", "end_precision")
    latest = _day(row, "latest_end_date")
    notes = " ".join(
        t
        for t in (
            "" if _present(row.get("kind")) else "The source does not say whether this is a contract or a grant.",
            _value_text(row),
            _partial_dates_text(row),
            "" if ocid_prefix != OCID_PREFIX else NOT_FOR_PUBLICATION.format(prefix=ocid_prefix),
        )
        if t
    )
    description = " ".join(t for t in (_sentence(row.get("purpose")), notes) if t) or str(row["title"])
    status = row.get("status") if _present(row.get("status")) else None
    planned = status == AgreementStatus.PLANNED

    tender: dict[str, Any] = {"id": f"{agreement_id}-tender", "title": str(row["title"]), "description": description}
    tender["status"] = "planned" if planned else "complete"
    tender["procuringEntity"] = buyer
    if row.get("procurement_route") in PROCUREMENT_METHODS:
        tender["procurementMethod"] = row["procurement_route"]
    else:
        tender["procurementMethodDetails"] = "Not stated in the published source"
    if _present(row.get("number_of_tenderers")):
        tender["numberOfTenderers"] = int(row["number_of_tenderers"])
    if planned and _period(start, end, latest):
        tender["contractPeriod"] = _period(start, end, latest)
    service = service_classification(row)
    if service:
        # The kind of service as an item classification under our own scheme (the codelist is open): not
        # mainProcurementCategory, whose goods / works / services says nothing about which service.
        tender["items"] = [{"id": "1", "description": str(row["title"]), "classification": service}]

    release: dict[str, Any] = {
        "ocid": ocid(agreement_id, ocid_prefix),
        "id": f"{agreement_id}-{row['source_published'].isoformat()}",
        "date": date_time(row["source_published"]),
        "tag": ["planning"] if planned else ["contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": buyer,
        "tender": tender,
    }
    if planned:
        return release

    value = {"amount": money_number(row["total_value_pence"]), "currency": "GBP"} if _present(row.get("total_value_pence")) else None
    award: dict[str, Any] = {"id": f"{agreement_id}-award", "title": str(row["title"]), "description": description}
    if status == AgreementStatus.ACTIVE:
        award["status"] = "active"
    if value:
        award["value"] = value
    if supplier:
        award["suppliers"] = [supplier]
    original_end = _day(row, "original_end_date")
    if _period(start, original_end, latest):
        award["contractPeriod"] = _period(start, original_end, latest)

    contract: dict[str, Any] = {
        "id": f"{agreement_id}-contract",
        "awardID": award["id"],
        "title": str(row["title"]),
        "description": description,
    }
    # Only what the source says: a status it does not state is left out rather than written as 'terminated'.
    contract_status = {AgreementStatus.ACTIVE: "active", AgreementStatus.ENDED: "terminated"}.get(status) if status else None
    if contract_status:
        contract["status"] = contract_status
    if _period(start, end, latest):
        contract["period"] = _period(start, end, latest)
    if value:
        contract["value"] = value
    changes = amendments[amendments["agreement_id"] == agreement_id] if len(amendments) else amendments
    if len(changes):
        contract["amendments"] = [_amendment(a) for a in changes.to_dict("records")]
    release["awards"] = [award]
    release["contracts"] = [contract]
    return release


def ocds_release_package(
    agreements: pd.DataFrame,
    amendments: pd.DataFrame,
    *,
    published: datetime,
    uri: str | None = None,
    ocid_prefix: str | None = None,
    buyer_id: str | None = None,
) -> dict[str, Any] | None:
    """An OCDS 1.1 release package of the contracts in `agreements` (grants go to 360Giving), or None when there are none.

    `agreements` is `public.published_agreements`; rows whose kind the source does not state are included,
    and say so in their description. `ocid_prefix` and `buyer_id` are the office's own (settings); without a
    prefix the package uses the placeholder and says, in `note` and in each description, that it is not for publication.
    """
    contracts = agreements[agreements["kind"].isna() | (agreements["kind"] == AgreementKind.CONTRACT)]
    if contracts.empty:
        return None
    prefix = ocid_prefix or OCID_PREFIX
    area = str(contracts["area_id"].iloc[0])
    package: dict[str, Any] = {
        "uri": uri or f"{PLACEHOLDER_BASE_URI}/{area}/contracts-ocds.json",
        "version": OCDS_VERSION,
        "publishedDate": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publisher": {"name": str(contracts["office"].iloc[0])},
        "license": LICENCE_URL,
        "releases": [ocds_release(row, amendments, ocid_prefix=prefix, buyer_id=buyer_id) for row in contracts.to_dict("records")],
    }
    identifier = _organisation(buyer_id, package["publisher"]["name"]).get("identifier") if buyer_id else None
    if identifier:  # the publisher is the buyer: its org-id as scheme and uid
        package["publisher"] |= {"scheme": identifier["scheme"], "uid": identifier["id"]}
    if prefix == OCID_PREFIX:
        package["note"] = NOT_FOR_PUBLICATION.format(prefix=prefix)  # not an OCDS field: read by people, ignored by tools
    return package


# --- 360Giving -----------------------------------------------------------------------------------


def grants_left_out(agreements: pd.DataFrame) -> pd.DataFrame:
    """The grants that cannot go in the 360Giving file, with the reason in words (`title`, `reason`)."""
    rows = []
    for row in agreements[agreements["kind"] == AgreementKind.GRANT].to_dict("records"):
        missing = [
            what
            for what, ok in (
                ("a named recipient", _present(row.get("provider"))),
                ("an amount", _present(row.get("total_value_pence")) or _present(row.get("annual_value_pence"))),
                (_award_missing(row), _award_day(row) is not None),
            )
            if not ok
        ]
        if missing:
            rows.append({"id": row["id"], "title": row["title"], "reason": "Not published: " + ", ".join(missing)})
    return pd.DataFrame(rows, columns=["id", "title", "reason"])


def _planned_date(row: Mapping[str, Any], column: str, precision_column: str) -> str | None:
    """360Giving allows a partial planned date: 2018-03 or 2018 where the day or month is not published."""
    value: Any = row.get(column)  # a date, or a missing value that _present catches
    if not _present(value):
        return None
    precision = row.get(precision_column, DatePrecision.DAY)
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return date_time(value, end_of_day=column != "start_date")


def _award_day(row: Mapping[str, Any]) -> date | None:
    """The whole date to give as a grant's awardDate: its award date where the day is published, else its start date
    where that has a day, else None (360Giving's awardDate takes no partial date, and none is made up)."""
    return _day(row, "award_date", "award_precision") or _day(row, "start_date", "start_precision")


def _award_text(row: Mapping[str, Any]) -> str:
    """The award date as published: '14 March 2019', 'March 2019', '2019', or '' where not published."""
    return format_date(row["award_date"], row.get("award_precision") or DatePrecision.DAY) if _present(row.get("award_date")) else ""


def _award_missing(row: Mapping[str, Any]) -> str:
    published = _award_text(row)
    return f"an award date with its day (published as {published}) or a start date" if published else "an award or start date"


def grant_360(row: Mapping[str, Any]) -> dict[str, Any]:
    """One 360Giving grant from a row of `public.published_agreements` that `grants_left_out` does not list."""
    award = _award_day(row)
    assert award is not None, "grants_left_out lists grants with no award or start date"
    total: Any = row.get("total_value_pence")  # whole pence, or a missing value
    amount = total if _present(total) else row["annual_value_pence"]
    published = _award_text(row)
    if _day(row, "award_date", "award_precision") is not None:
        award_note = ""
    elif published:
        award_note = f"Award date published as {published} only: the grant's start date ({format_date(award)}) is given as its award date."
    else:
        award_note = f"Award date not published: the grant's start date ({format_date(award)}) is given as its award date."
    notes = [
        award_note,
        "" if _present(total) else "Amount is the published annual value; the total over the life of the grant is not published.",
    ]
    purpose = _sentence(row.get("purpose")) or _sentence(row["title"])
    recipient: dict[str, Any] = {
        "id": organisation_id(
            charity_number=row.get("charity_number"), company_number=row.get("company_number"), internal_id=str(row["provider_id"])
        ),
        "name": str(row["provider"]),
    }
    for column, field in (("charity_number", "charityNumber"), ("company_number", "companyNumber")):
        if _present(row.get(column)) and str(row[column]).strip():
            recipient[field] = str(row[column]).strip()
    grant: dict[str, Any] = {
        "id": f"{ORG_ID_PREFIX_360G}-{row['id']}",
        "title": str(row["title"]),
        "description": " ".join(t for t in (purpose, *notes) if t),
        "currency": "GBP",
        "amountAwarded": money_number(amount),
        "awardDate": date_time(award),
        "recipientOrganization": [recipient],
        "fundingOrganization": [{"id": f"{ORG_ID_PREFIX_360G}-{row['area_id']}", "name": str(row["office"])}],
    }
    planned = {
        field: text
        for field, text in (
            ("startDate", _planned_date(row, "start_date", "start_precision")),
            ("endDate", _planned_date(row, "current_end_date", "end_precision")),
        )
        if text
    }
    if planned:
        grant["plannedDates"] = [planned]
    if _present(row.get("funding_stream")):
        grant["grantProgramme"] = [{"title": str(row["funding_stream"])}]
    service = service_classification(row)
    if service:
        grant["classifications"] = [{"vocabulary": service["scheme"], "code": service["id"], "title": service["description"]}]
    if row.get("procurement_route") == ProcurementRoute.OPEN:
        grant["fromOpenCall"] = "Yes"
    elif row.get("procurement_route") == ProcurementRoute.DIRECT:
        grant["fromOpenCall"] = "No"
    return grant


def grants_360_package(agreements: pd.DataFrame, *, published: datetime) -> dict[str, Any] | None:
    """A 360Giving package of the grants in `agreements` that have the ten required fields, or None when none do."""
    grants = agreements[agreements["kind"] == AgreementKind.GRANT]
    left_out = set(grants_left_out(agreements)["id"])
    eligible = grants[~grants["id"].isin(left_out)]
    if eligible.empty:
        return None
    office = str(eligible["office"].iloc[0])
    return {
        "version": GRANTS_360_VERSION,
        "title": f"Grants made by the {office}",
        "description": (
            "Grants from the public transparency view. Where a grant's award date is not published to the day, "
            "its start date is given instead, and its description says so."
        ),
        "issued": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publisher": {"name": office},
        "license": LICENCE_URL,
        "grants": [grant_360(row) for row in eligible.to_dict("records")],
    }


# --- the public downloads, as the transparency pages offer them ----------------------------------


def spending_tables(
    by_stream: pd.DataFrame, by_priority: pd.DataFrame, agreements: pd.DataFrame, amendments: pd.DataFrame, *, area_name: str, year: str
) -> list[tuple[str, str, pd.DataFrame]]:
    """(title, file slug, table) of each table the spending page offers as CSV and Excel."""
    grants, contracts = agreements[agreements["kind"] == AgreementKind.GRANT], agreements[agreements["kind"] != AgreementKind.GRANT]
    return [
        (
            "Money by funding stream",
            "money-by-funding-stream",
            money_download(by_stream, name="funding_stream", heading="Funding stream", area=area_name, year=year),
        ),
        (
            "Money by priority",
            "money-by-priority",
            money_download(by_priority, name="priority", heading="Priority", area=area_name, year=year),
        ),
        ("Contracts", "contracts", agreements_download(contracts, amendments)),
        ("Grants", "grants", agreements_download(grants, amendments)),
    ]


NOT_FOR_PUBLICATION_360 = (
    "NOT FOR PUBLICATION: this file uses placeholder identifiers ({prefix}). Set GRANTS_360_PREFIX to the office's "
    "360Giving prefix and OPCC_ORG_ID to its organisation identifier before publishing it."
)


def _with_360_identifiers(package: dict[str, Any], *, prefix: str | None, org_id: str | None) -> dict[str, Any]:
    """The 360Giving package with the office's own prefix and org-id in place of the placeholders, or saying it is not
    for publication. (`grant_360` writes the placeholders; its identifiers are replaced here, so it need not know settings.)"""
    own = prefix or ORG_ID_PREFIX_360G
    for grant in package["grants"]:
        grant["id"] = own + grant["id"].removeprefix(ORG_ID_PREFIX_360G)
        for recipient in grant.get("recipientOrganization", []):
            recipient["id"] = (
                own + recipient["id"].removeprefix(ORG_ID_PREFIX_360G)
                if recipient["id"].startswith(ORG_ID_PREFIX_360G)
                else recipient["id"]
            )
        for funder in grant.get("fundingOrganization", []):
            funder["id"] = org_id or own + funder["id"].removeprefix(ORG_ID_PREFIX_360G)
    if not (prefix and org_id):
        package["description"] = f"{package.get('description', '')} {NOT_FOR_PUBLICATION_360.format(prefix=own)}".strip()
    return package


def spending_packages(
    agreements: pd.DataFrame,
    amendments: pd.DataFrame,
    *,
    published: datetime,
    ocid_prefix: str | None = None,
    org_id: str | None = None,
    grants_prefix: str | None = None,
) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(label, file name, package or None when the standard can hold nothing) of the spending page's OCDS and 360Giving files."""
    contracts = agreements[agreements["kind"] != AgreementKind.GRANT]
    grants = grants_360_package(agreements, published=published)
    return [
        (
            "Contracts as open contracting data (OCDS 1.1 JSON)",
            "contracts-ocds.json",
            ocds_release_package(contracts, amendments, published=published, ocid_prefix=ocid_prefix, buyer_id=org_id),
        ),
        (
            "Grants as 360Giving data (JSON)",
            "grants-360giving.json",
            _with_360_identifiers(grants, prefix=grants_prefix, org_id=org_id) if grants else None,
        ),
    ]


if __name__ == "__main__":  # python -m data_access.exporting: the scheduled export, which needs the store
    import sys

    from data_access.scheduled_export import main

    sys.exit(main())
