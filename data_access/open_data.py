"""Read open data as publishers really publish it into tables of the import format, ready to check and apply.

- **OCDS 1.1** (Find a Tender, Contracts Finder, and this product's own download): a release package
  (`releases[]`; several releases of one contracting process, e.g. its tender, award and contract notices, are
  merged in date order as OCDS merges them), a record package (`records[]` with a `compiledRelease`, or with its
  `releases` to merge), or a single release. Each contract (or, before a contract, each award; before an award,
  the tender) becomes an agreement; `contracts[].amendments` become amendments; `milestones` of type delivery or
  approval become milestones; suppliers become providers; `relatedProcesses` are named in the agreement's note.
- **360Giving**: a JSON package (`grants[]`) or the flat spreadsheet layout GrantNav exports (CSV or XLSX, columns
  "Identifier", "Title", "Amount Awarded", "Recipient Org:Name", ...). Each grant becomes an agreement of kind
  grant; its recipient a provider; its grant programme a funding stream.

Every figure is copied as written: a date-time such as 2026-04-01T00:00:00+01:00 becomes the calendar date it
names (2026-04-01), not converted between time zones; a blank stays blank; nothing is guessed. The tables come
back keyed by kind (`data_access.importing.KINDS`), cells as text, each row numbered by the release, record or
grant it came from (its place in the file, counting from 1) or, for a spreadsheet, by its spreadsheet row, so a
problem the checks find can be found in the file.

Ids are derived, stable and never typed by anyone: an agreement's from its ocid or grant identifier, with this
product's own prefix taken off so that its own downloads import back to the same ids; a provider's from its
charity or company number (gb-chc-1234567) where the file gives one.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from data_access import exporting
from data_access.loading import Problem, Table, columns_of, read_file
from data_access.models import SERVICE_TYPES, Provider, table_of
from data_access.settings import get_settings

FORMATS = ("ocds", "360giving")
"""The open-data formats `read_open_data` reads."""

_ISO_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")
_SLUG = re.compile(r"[^a-z0-9]+")
CONTRACT_STATUSES = {"pending": "planned", "active": "active", "terminated": "ended"}
AWARD_STATUSES = {"pending": "planned", "active": "active"}
TENDER_STATUSES = {"planning": "planned", "planned": "planned", "active": "planned"}
MILESTONE_TYPES = {"delivery": "delivery", "approval": "decision"}
"""OCDS milestone types with a kind in the store; the others (engagement, reporting, ...) are left out, with a note."""
OUR_AMENDMENT = re.compile(r"^(Extension|Variation|Termination)(?:\.|:)")
MOVED = re.compile(r"end date moved from (.+?) to (.+?)\.(?:\s|$)")
NEW_END = re.compile(r"new end date (.+?)\.(?:\s|$)")
VALUE_CHANGE = re.compile(r"Value changed by (-?£[\d,]+(?:\.\d+)?)\.")
OWN_NOTES = {
    "annual_value": re.compile(r"\s*Annual value (£[\d,]+(?:\.\d+)?); the total value is not published\."),
    "start_date": re.compile(r"\s*Starts (.+?) \(day not published\)\."),
    "current_end_date": re.compile(r"\s*Ends (.+?) \(day not published\)\."),
    "": re.compile(r"\s*(?:Value not published\.|NOT FOR PUBLICATION: .*?before publishing it\.)"),
    "basis_note": re.compile(r"\s*(The source does not say whether this is a contract or a grant\.)"),
}
"""What this product's own OCDS download writes into a description where OCDS has no field (`exporting.ocds_release`):
read back into the fields they stand for, so its own files import to the same agreements."""
ANNUAL_AMOUNT = "Amount is the published annual value"
"""How this product's 360Giving download says its amount is a year's value, not the total (`exporting.grant_360`)."""

SHARED = ("sources", "providers", "funding_streams")
"""Kinds several rows of a file may name: written once. A repeated agreement, amendment or milestone is a problem."""

GRANTNAV_COLUMNS = {
    "identifier": ("id",),
    "title": ("title",),
    "description": ("description",),
    "currency": ("currency",),
    "amount awarded": ("amountAwarded",),
    "award date": ("awardDate",),
    "planned dates:start date": ("plannedDates", "startDate"),
    "planned dates:end date": ("plannedDates", "endDate"),
    "recipient org:identifier": ("recipientOrganization", "id"),
    "recipient org:name": ("recipientOrganization", "name"),
    "recipient org:charity number": ("recipientOrganization", "charityNumber"),
    "recipient org:company number": ("recipientOrganization", "companyNumber"),
    "funding org:identifier": ("fundingOrganization", "id"),
    "funding org:name": ("fundingOrganization", "name"),
    "grant programme:title": ("grantProgramme", "title"),
    "grant programme:code": ("grantProgramme", "code"),
    "from an open call?": ("fromOpenCall",),
    "data source": ("dataSource",),
    "publisher:name": ("publisherName",),
    "last modified": ("dataModified",),
}
"""The 360Giving spreadsheet headings this reader uses (compared without regard to case), and where each goes in a grant."""
GRANTNAV_REQUIRED = ("identifier", "title", "amount awarded", "recipient org:name")


@dataclass
class Bundle:
    """The rows being built, kind -> (row number, column -> text); the first row of an id wins."""

    file_name: str
    part: str  # "releases", "records", "grants", or the worksheet: shown as the problems' sheet
    rows: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def add(self, kind: str, number: int, values: Mapping[str, str]) -> None:
        rows = self.rows.setdefault(kind, [])
        if kind in SHARED and any(r.get("id") == values["id"] for _, r in rows):
            return  # a provider, programme or source named by several rows: one record
        rows.append((number, dict(values)))

    def problem(self, number: int, where: str, value: Any, rule: str) -> None:
        self.problems.append(Problem(self.file_name, number, where, _text(value), rule, self.part if number else ""))

    def note(self, number: int, rule: str) -> None:
        self.notes.append(Problem(self.file_name, number, "", "", rule, self.part if number else ""))

    def tables(self) -> dict[str, Table]:
        """The rows as import-format tables, in load order, every cell text."""
        tables: dict[str, Table] = {}
        for kind in ("sources", "providers", "funding_streams", "agreements", "amendments", "milestones"):
            if kind not in self.rows:
                continue
            header = _columns(kind)
            rows = [(number, [values.get(c, "") for c in header]) for number, values in self.rows[kind]]
            tables[kind] = Table(self.file_name, sheet=self.part, header=header, header_row=0, rows=rows)
        return tables


def _columns(kind: str) -> list[str]:
    from data_access.importing import KINDS as MODELS  # importing imports this module for its command line

    return columns_of(MODELS[kind])


# --- small pieces ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A value as a cell's text: '' for nothing, numbers exactly as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).strip() if not isinstance(value, dict | list) else json.dumps(value, ensure_ascii=False)


def date_text(value: Any) -> str:
    """An OCDS or 360Giving date as the calendar date it names: '2026-04-01T00:00:00+01:00' -> '2026-04-01'.

    The day as written, never moved between time zones; anything else (2018-03, a date in words) as written,
    for the checks to judge."""
    text = _text(value)
    match = _ISO_DATE_TIME.match(text)
    return match[1] if match else text


def slug(text: str) -> str:
    """'ocds-b5fd17-2c8d 1/A' -> 'ocds-b5fd17-2c8d-1-a': an id made of the text, in the store's style."""
    return _SLUG.sub("-", text.strip().lower()).strip("-")


def _money(value: Any) -> str:
    """A JSON amount as plain pounds text: 1037415.5 -> '1037415.5'; anything else as written."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return format(Decimal(str(value)).normalize(), "f")
        except InvalidOperation:
            return _text(value)
    return _text(value)


def _first(items: Any) -> dict[str, Any]:
    """The first object of a list (360Giving's recipientOrganization[0]), or the object itself, or {}."""
    if isinstance(items, list):
        items = items[0] if items else {}
    return items if isinstance(items, dict) else {}


def _objects(items: Any) -> list[dict[str, Any]]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _service_type(classifications: Iterable[dict[str, Any]]) -> str:
    """The first of this app's service types among OCDS classifications ({scheme, id}), as a cell; '' where none is.

    Only our own scheme is read: a CPV code says what was bought in other words, which are not matched to ours."""
    for classification in classifications:
        code = _text(classification.get("id")).lower()
        if _text(classification.get("scheme")) == exporting.SERVICE_TYPE_SCHEME and code in SERVICE_TYPES:
            return code
    return ""


def _source_id(area_id: str, kind: str, key: str) -> str:
    """A stable source id for one file or address: the same package from the same address is the same source."""
    return f"{area_id}-{kind}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def _sentence(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _decode_json(data: bytes, bundle: Bundle, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        bundle.problem(0, "", "", f"is not UTF-8 text (byte {error.start}): {what} files are UTF-8 JSON")
    except json.JSONDecodeError as error:
        bundle.problem(0, "", "", f"is not JSON ({error.msg} at line {error.lineno}, column {error.colno}): {what} files are JSON")
    except RecursionError:  # Python's reader gives up on arrays or objects nested thousands deep
        bundle.problem(0, "", "", f"is nested too deeply to be {what} data (arrays or objects inside each other thousands of levels)")
    return None


# --- providers --------------------------------------------------------------------------------------


def _org_numbers(organisation: Mapping[str, Any]) -> tuple[str, str]:
    """(charity number, company number) from an OCDS party's identifiers or a 360Giving organisation."""
    charity, company = _text(organisation.get("charityNumber")), _text(organisation.get("companyNumber"))
    identifiers = [_first(organisation.get("identifier")), *_objects(organisation.get("additionalIdentifiers"))]
    for identifier in identifiers:
        scheme, number = _text(identifier.get("scheme")).upper(), _text(identifier.get("id"))
        if scheme == "GB-CHC" and not charity:
            charity = number
        elif scheme == "GB-COH" and not company:
            company = number
    org_id = _text(organisation.get("id"))
    for scheme in ("GB-CHC-", "GB-COH-"):
        if org_id.upper().startswith(scheme):
            number = org_id[len(scheme) :]
            charity = charity or (number if scheme == "GB-CHC-" else "")
            company = company or (number if scheme == "GB-COH-" else "")
    return charity, company


def store_providers(connection: Connection) -> dict[str, str]:
    """The store's providers by id and by org-id (GB-CHC-1234567, GB-COH-01234567): what `read_open_data` links to
    instead of writing a provider again, so an organisation shared by several areas keeps its own citation."""
    table = table_of(Provider)
    known: dict[str, str] = {}
    for provider_id, charity, company in connection.execute(select(table.c.id, table.c.charity_number, table.c.company_number)):
        known[provider_id] = provider_id
        if charity:
            known[f"GB-CHC-{charity}"] = provider_id
        if company:
            known[f"GB-COH-{company}"] = provider_id
    return known


@dataclass(frozen=True)
class Context:
    """What every part of one file's reading needs to know."""

    area_id: str
    source_id: str
    ocid_prefix: str
    org_prefix: str  # this product's own prefix for organisations (OCDS party ids, 360Giving org ids)
    known_providers: Mapping[str, str]


def _provider(organisation: Mapping[str, Any], context: Context, bundle: Bundle, number: int, section: str) -> str:
    """The provider id for an organisation, adding its row when it is new to the store."""
    name = _text(organisation.get("name"))
    charity, company = _org_numbers(organisation)
    org_id = _text(organisation.get("id"))
    if org_id.startswith(context.org_prefix + "-"):
        provider_id = org_id.removeprefix(context.org_prefix + "-")  # this product's own download: the store's id
    elif charity:
        provider_id = f"gb-chc-{slug(charity)}"
    elif company:
        provider_id = f"gb-coh-{slug(company)}"
    elif org_id:
        provider_id = slug(org_id)
    else:
        provider_id = slug(name)
    for key in (provider_id, f"GB-CHC-{charity}" if charity else "", f"GB-COH-{company}" if company else ""):
        if key and key in context.known_providers:
            return context.known_providers[key]  # already in the store: linked to, never written again
    if not provider_id:
        return ""
    bundle.add(
        "providers",
        number,
        {
            "id": provider_id,
            "name": name,
            "charity_number": charity,
            "company_number": company,
            "source_id": context.source_id,
            "source_section": section,
            "basis": "reported",
        },
    )
    return provider_id


# --- OCDS ---------------------------------------------------------------------------------------------


def merge_releases(releases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Releases of one contracting process merged in date order, as OCDS compiles a record: objects field by field,
    arrays of objects with ids item by item, anything else the latest value; null removes a field."""

    def merge(into: dict[str, Any], update: Mapping[str, Any]) -> None:
        for key, value in update.items():
            if value is None:
                into.pop(key, None)
            elif isinstance(value, dict):
                if not isinstance(into.get(key), dict):
                    into[key] = {}
                merge(into[key], value)
            elif isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
                current = {str(v.get("id")): v for v in into.get(key, []) if isinstance(v, dict)}
                for item in value:
                    merge(current.setdefault(str(item["id"]), {}), item)
                into[key] = list(current.values())
            else:
                into[key] = value

    compiled: dict[str, Any] = {}
    for release in sorted(releases, key=lambda r: _text(r.get("date"))):
        merge(compiled, {k: v for k, v in release.items() if k not in ("id", "tag")})
    return compiled


def office_key(name: str) -> str:
    """An office's name or org-id as compared with the area's: case, spacing and a bracketed abbreviation ignored, so
    Find a Tender's "Office of the Police and Crime Commissioner for Norfolk" is the store's "... for Norfolk (OPCCN)"."""
    return " ".join(re.sub(r"\([^)]*\)", " ", name).casefold().split())


def _buyer_key(release: Mapping[str, Any]) -> tuple[str, str]:
    """(id, name) of a release's buyer: its `buyer`, else the party with the buyer role."""
    buyer = _first(release.get("buyer"))
    if not buyer:
        buyer = next((p for p in _objects(release.get("parties")) if "buyer" in (p.get("roles") or [])), {})
    return _text(buyer.get("id")), _text(buyer.get("name"))


def _processes(document: Any, bundle: Bundle) -> list[tuple[int, str, dict[str, Any]]]:
    """(number in the file, where, compiled release) for each contracting process in an OCDS document."""
    if isinstance(document, dict) and "grants" in document:
        bundle.problem(0, "", "", "is 360Giving data (it has 'grants'), not OCDS: choose 360Giving")
        return []
    if isinstance(document, dict) and isinstance(document.get("records"), list):
        bundle.part = "records"
        found = []
        for number, record in enumerate(document["records"], start=1):
            if not isinstance(record, dict):
                bundle.problem(number, "records", record, "is not a record (a JSON object with an ocid)")
                continue
            compiled = record.get("compiledRelease")
            embedded = [r for r in _objects(record.get("releases")) if "url" not in r or len(r) > 4]
            if isinstance(compiled, dict):
                release = dict(compiled)
            elif embedded:
                release = merge_releases(embedded)
            else:
                bundle.problem(
                    number,
                    "releases",
                    _text(record.get("ocid")),
                    "the record has no compiledRelease and links to its releases by address only: import the release package instead",
                )
                continue
            release.setdefault("ocid", record.get("ocid"))
            found.append((number, f"record {number}", release))
        return found
    if isinstance(document, dict) and isinstance(document.get("releases"), list):
        releases = document["releases"]
    elif isinstance(document, dict) and "ocid" in document:
        releases = [document]  # a single release
    else:
        keys = ", ".join(sorted(document)[:8]) if isinstance(document, dict) else type(document).__name__
        bundle.problem(
            0,
            "",
            keys,
            "is not an OCDS release package or record package: expected a JSON object with 'releases' or 'records'",
        )
        return []
    bundle.part = "releases"
    by_ocid: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, release in enumerate(releases, start=1):
        if not isinstance(release, dict):
            bundle.problem(number, "releases", release, "is not a release (a JSON object with an ocid)")
            continue
        ocid = _text(release.get("ocid"))
        if not ocid:
            bundle.problem(number, "ocid", "", "missing: every release needs an ocid, the id of its contracting process")
            continue
        by_ocid.setdefault(ocid, []).append((number, release))
    processes = []
    for entries in by_ocid.values():
        numbers = [n for n, _ in entries]
        where = f"release {numbers[0]}" if len(numbers) == 1 else f"releases {', '.join(map(str, numbers))}"
        processes.append((numbers[0], where, merge_releases(r for _, r in entries) if len(entries) > 1 else dict(entries[0][1])))
    return processes


def _agreement_base_id(ocid: str, context: Context) -> str:
    own = context.ocid_prefix + "-"
    return ocid[len(own) :] if ocid.startswith(own) else slug(ocid)


def _status(contract: Mapping[str, Any], award: Mapping[str, Any], tender: Mapping[str, Any]) -> tuple[str, str]:
    """(store status, note): the status the file states, mapped; blank with a note where it states none the store has."""
    if contract:
        stated = _text(contract.get("status"))
        return CONTRACT_STATUSES.get(stated, ""), (
            f"Contract status '{stated}' in the source." if stated and stated not in CONTRACT_STATUSES else ""
        )
    if award:
        stated = _text(award.get("status"))
        return AWARD_STATUSES.get(stated, ""), (
            f"Award status '{stated}' in the source." if stated and stated not in AWARD_STATUSES else ""
        )
    stated = _text(tender.get("status"))
    return TENDER_STATUSES.get(stated, ""), (f"Tender status '{stated}' in the source." if stated and stated not in TENDER_STATUSES else "")


def _value(value: Any, bundle: Bundle, number: int, where: str) -> str:
    """An OCDS Value's amount as pounds text; a currency other than pounds is a problem."""
    value = _first(value)
    if not value or value.get("amount") is None:
        return ""
    currency = _text(value.get("currency")) or "GBP"
    if currency != "GBP":
        bundle.problem(number, where, f"{_text(value.get('amount'))} {currency}", "is not in pounds (GBP): the store holds pounds only")
        return ""
    return _money(value.get("amount"))


def _related_text(release: Mapping[str, Any]) -> str:
    parts = []
    for related in _objects(release.get("relatedProcesses")):
        relationship = ", ".join(_text(r) for r in related.get("relationship") or []) or "related"
        name = _text(related.get("identifier")) or _text(related.get("uri")) or _text(related.get("id"))
        title = _text(related.get("title"))
        parts.append(f"{relationship} {name}" + (f" ({title})" if title else ""))
    return f"Related processes: {'; '.join(parts)}." if parts else ""


def _amendment_rows(
    contract: Mapping[str, Any], agreement_id: str, own: bool, context: Context, bundle: Bundle, number: int, section: str
) -> None:
    for index, amendment in enumerate(_objects(contract.get("amendments")), start=1):
        description = _text(amendment.get("description"))
        ours = OUR_AMENDMENT.match(description)
        moved, new_end, change = MOVED.search(description), NEW_END.search(description), VALUE_CHANGE.search(description)
        stated_id = _text(amendment.get("id")) or str(index)
        amendment_id = stated_id if own else f"{agreement_id}-{slug(stated_id)}"
        bundle.add(
            "amendments",
            number,
            {
                "id": amendment_id,
                "agreement_id": agreement_id,
                # An amendment varies the contract: 'variation' says no more than that; the file's words are in the note.
                "kind": ours[1].lower() if ours else "variation",
                "agreed_on": date_text(amendment.get("date")),
                "previous_end_date": moved[1] if moved else "",
                "new_end_date": moved[2] if moved else (new_end[1] if new_end else ""),
                "value_change": change[1] if change else "",
                "rationale": _text(amendment.get("rationale")),
                "visibility": "public",
                "source_id": context.source_id,
                "source_section": f"{section}, amendment {stated_id}",
                "basis": "reported",
                "basis_note": "" if ours else _sentence("The source does not say what kind of change this is.", description),
            },
        )


def _milestone_rows(
    items: Iterable[Mapping[str, Any]], agreement_id: str, own: bool, context: Context, bundle: Bundle, number: int, section: str
) -> None:
    for index, milestone in enumerate(items, start=1):
        stated_id = _text(milestone.get("id")) or str(index)
        kind = MILESTONE_TYPES.get(_text(milestone.get("type")))
        on = date_text(milestone.get("dueDate")) or date_text(milestone.get("dateMet"))
        title = _text(milestone.get("title")) or _text(milestone.get("description"))
        if not kind or not on:
            why = f"of type '{_text(milestone.get('type')) or 'not stated'}' has no kind in the store" if not kind else "has no date"
            bundle.note(number, f"milestone {stated_id} ({title or 'untitled'}) of {agreement_id} {why}: left out")
            continue
        bundle.add(
            "milestones",
            number,
            {
                "id": stated_id if own else f"{agreement_id}-{slug(stated_id)}",
                "agreement_id": agreement_id,
                "on": on,
                "kind": kind,
                "title": title,
                "visibility": "public",
                "source_id": context.source_id,
                "source_section": f"{section}, milestone {stated_id}",
                "basis": "reported",
            },
        )


def _period(*periods: Any) -> dict[str, Any]:
    """The first of these periods the file gives."""
    return next((p for p in (_first(p) for p in periods) if p), {})


def _own_notes(row: dict[str, str]) -> dict[str, str]:
    """A row from this product's own download with the notes it wrote into the description read back into their fields."""
    purpose = row["purpose"]
    for column, pattern in OWN_NOTES.items():
        if match := pattern.search(purpose):
            if column == "basis_note":
                row[column] = _sentence(match[1], row[column])
            elif column:
                row[column] = match[1]
            purpose = pattern.sub("", purpose)
    row["purpose"] = "" if purpose.strip() == row["title"] else purpose.strip()
    return row


def _ocds_process(number: int, where: str, release: dict[str, Any], context: Context, bundle: Bundle) -> None:
    """The agreements (one per contract, or per award before a contract, or the tender before an award) of one process."""
    ocid = _text(release.get("ocid"))
    own = ocid.startswith(context.ocid_prefix + "-")
    base_id = _agreement_base_id(ocid, context)
    tender = _first(release.get("tender"))
    awards, contracts = _objects(release.get("awards")), _objects(release.get("contracts"))
    parties = {_text(p.get("id")): p for p in _objects(release.get("parties"))}
    award_of = {_text(a.get("id")): a for a in awards}
    pairs: list[tuple[dict[str, Any], dict[str, Any]]]
    if contracts:
        pairs = [(c, award_of.get(_text(c.get("awardID")), awards[0] if len(awards) == 1 else {})) for c in contracts]
    elif awards:
        pairs = [({}, a) for a in awards if _text(a.get("status")) not in ("unsuccessful", "cancelled")]
    else:
        pairs = [({}, {})]
    method = _text(tender.get("procurementMethod"))
    service_type = _service_type(_first(item.get("classification")) for item in _objects(tender.get("items")))
    for contract, award in pairs:
        item = contract or award
        agreement_id = base_id if len(pairs) == 1 else f"{base_id}-{slug(_text(item.get('id')))}"
        section = f"{where}, ocid {ocid}" + (f", contract {_text(contract.get('id'))}" if contract else "")
        suppliers = [parties.get(_text(s.get("id")), s) for s in _objects(award.get("suppliers"))]
        provider_ids = [_provider(s, context, bundle, number, f"{where}, parties") for s in suppliers]
        status, status_note = _status(contract, award, tender)
        awarded = _period(award.get("contractPeriod"))
        current = _period(contract.get("period"), award.get("contractPeriod"), tender.get("contractPeriod") if not award else None)
        latest = _text(current.get("maxExtentDate")) or _text(awarded.get("maxExtentDate"))
        title = _text(contract.get("title")) or _text(award.get("title")) or _text(tender.get("title"))
        note = _sentence(
            f"Suppliers: {', '.join(_text(s.get('name')) for s in suppliers)}; the store records one provider per agreement."
            if len(suppliers) > 1
            else "",
            status_note,
            _related_text(release),
        )
        row = {
            "id": agreement_id,
            "area_id": context.area_id,
            "title": title,
            "kind": "contract",
            "provider_id": provider_ids[0] if len(provider_ids) == 1 else "",
            "procurement_route": method if method in exporting.PROCUREMENT_METHODS else "",
            "service_type": service_type,
            "number_of_tenderers": _text(tender.get("numberOfTenderers")),
            "start_date": date_text(current.get("startDate")),
            "original_end_date": date_text(awarded.get("endDate")),
            "current_end_date": date_text(current.get("endDate")),
            "latest_end_date": date_text(latest),
            "total_value": _value(contract.get("value") or award.get("value"), bundle, number, "value"),
            "status": status,
            "purpose": _text(contract.get("description")) or _text(award.get("description")) or _text(tender.get("description")),
            "visibility": "public",
            "source_id": context.source_id,
            "source_section": section,
            "basis": "reported",
            "basis_note": note,
        }
        bundle.add("agreements", number, _own_notes(row) if own else row)
        if contract:
            _amendment_rows(contract, agreement_id, own, context, bundle, number, section)
        milestones = [*_objects(contract.get("milestones")), *_objects(_first(contract.get("implementation")).get("milestones"))]
        _milestone_rows(milestones, agreement_id, own, context, bundle, number, section)


def _read_ocds(data: bytes, context: Context, bundle: Bundle, buyers: Collection[str]) -> None:
    document = _decode_json(data, bundle, "OCDS")
    if bundle.problems:
        return
    package = document if isinstance(document, dict) else {}
    processes = _processes(document, bundle)
    if not processes:
        if not bundle.problems:
            bundle.problem(0, bundle.part, "", "holds no releases: there is nothing to import")
        return
    first_number, first_where, first = processes[0]
    file_buyer = _buyer_key(first)
    wanted = {office_key(b) for b in buyers if b.strip()}
    if wanted and file_buyer != ("", "") and not {office_key(k) for k in file_buyer if k} & wanted:
        bundle.problem(
            first_number,
            "buyer",
            file_buyer[1] or file_buyer[0],
            f"is the buyer of {first_where}, not this area's office ({', '.join(sorted(buyers))}): choose the area the file is for",
        )
    for number, where, release in processes:
        buyer = _buyer_key(release)
        if buyer != file_buyer and buyer != ("", "") and not (buyer[0] and buyer[0] == file_buyer[0]):
            bundle.problem(
                number,
                "buyer",
                buyer[1] or buyer[0],
                f"{where} (ocid {_text(release.get('ocid'))}) is for another buyer than {first_where} "
                f"({file_buyer[1] or file_buyer[0]}): a file is imported for one area's office",
            )
            continue
        _ocds_process(number, where, release, context, bundle)
    publisher = _first(package.get("publisher"))
    published = date_text(package.get("publishedDate"))
    uri = _text(package.get("uri"))
    name = _text(publisher.get("name"))
    bundle.add(
        "sources",
        0,
        {
            "id": context.source_id,
            "title": _sentence(
                f"OCDS {'record' if bundle.part == 'records' else 'release'} package {bundle.file_name}", f"from {name}" if name else ""
            ),
            "publisher": name,
            "published": published,
            "file": bundle.file_name,
            "url": uri,
            "figures_as_at": published,
            "as_at_note": "The package's publication date." if published else "",
            "kind": "published",
        },
    )


# --- 360Giving ----------------------------------------------------------------------------------------


def _grants_from_sheet(data: bytes, file_name: str, bundle: Bundle) -> list[tuple[int, dict[str, Any]]]:
    """A GrantNav-style sheet's rows as 360Giving grants, numbered by spreadsheet row."""
    table = read_file(data, file_name)
    bundle.part = table.sheet
    if table.problems:
        bundle.problems.extend(table.problems)
        return []
    bundle.notes.extend(table.notes)
    headings = [h.strip().lower() for h in table.header]
    missing = [h for h in GRANTNAV_REQUIRED if h not in headings]
    if missing:
        names = {h.lower(): h for h in ("Identifier", "Title", "Amount Awarded", "Recipient Org:Name")}
        bundle.problem(
            table.header_row,
            ", ".join(names[m] for m in missing),
            "",
            "missing column: a 360Giving spreadsheet (as GrantNav exports it) has Identifier, Title, Amount Awarded and Recipient Org:Name",
        )
        return []
    grants = []
    for number, cells in table.rows:
        if not any(str(c).strip() for c in cells):
            continue
        grant: dict[str, Any] = {}
        for index, heading in enumerate(headings):
            path = GRANTNAV_COLUMNS.get(heading)
            value = str(cells[index]).strip() if index < len(cells) else ""
            if not path or not value:
                continue
            if len(path) == 1:
                grant[path[0]] = value
            else:
                grant.setdefault(path[0], [{}])[0][path[1]] = value
        grants.append((number, grant))
    return grants


def _read_360(data: bytes, file_name: str, context: Context, bundle: Bundle, funders: Collection[str]) -> None:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    package: dict[str, Any] = {}
    if stripped.startswith((b"{", b"[")):
        document = _decode_json(data, bundle, "360Giving")
        if bundle.problems:
            return
        if isinstance(document, dict) and ("releases" in document or "records" in document):
            bundle.problem(0, "", "", "is OCDS data (it has releases or records), not 360Giving: choose OCDS")
            return
        if not isinstance(document, dict) or not isinstance(document.get("grants"), list):
            keys = ", ".join(sorted(document)[:8]) if isinstance(document, dict) else type(document).__name__
            bundle.problem(0, "", keys, "is not a 360Giving package: expected a JSON object with 'grants'")
            return
        package = document
        bundle.part = "grants"
        grants = list(enumerate(document["grants"], start=1))
    else:
        grants = _grants_from_sheet(data, file_name, bundle)
        if bundle.problems:
            return
    if not grants:
        bundle.problem(0, bundle.part, "", "holds no grants: there is nothing to import")
        return
    file_source_used = False
    first_funder: tuple[str, str] | None = None
    wanted = {office_key(f) for f in funders if f.strip()}
    for number, grant in grants:
        if not isinstance(grant, dict):
            bundle.problem(number, "grants", grant, "is not a grant (a JSON object with an id)")
            continue
        stated_id = _text(grant.get("id"))
        if not stated_id:
            bundle.problem(number, "id", "", "missing: every grant needs its identifier")
            continue
        funder = _first(grant.get("fundingOrganization"))
        funder_key = (_text(funder.get("id")), _text(funder.get("name")))
        if first_funder is None:
            first_funder = funder_key
            if wanted and funder_key != ("", "") and not {office_key(k) for k in funder_key if k} & wanted:
                bundle.problem(
                    number,
                    "fundingOrganization",
                    funder_key[1] or funder_key[0],
                    f"is not this area's office ({', '.join(sorted(funders))}): choose the area the file is for",
                )
        elif funder_key != first_funder and funder_key != ("", "") and not (funder_key[0] and funder_key[0] == first_funder[0]):
            bundle.problem(
                number,
                "fundingOrganization",
                funder_key[1] or funder_key[0],
                f"grant {stated_id} is from another funder than the first grant's ({first_funder[1] or first_funder[0]}): "
                "a file is imported for one area's office",
            )
            continue
        # A spreadsheet from GrantNav names each grant's data source: one source per address; else the file is the source.
        address = _text(grant.get("dataSource"))
        source_id = _source_id(context.area_id, "360giving", address) if address else context.source_id
        file_source_used = file_source_used or not address
        if address:
            modified = date_text(grant.get("dataModified"))
            bundle.add(
                "sources",
                0,
                {
                    "id": source_id,
                    "title": _sentence("360Giving data", f"from {_text(grant.get('publisherName'))}" if grant.get("publisherName") else ""),
                    "publisher": _text(grant.get("publisherName")),
                    "published": modified,
                    "file": bundle.file_name,
                    "url": address,
                    "figures_as_at": modified,
                    "as_at_note": "The data source's last modified date, as GrantNav gives it." if modified else "",
                    "kind": "published",
                },
            )
        _grant_rows(number, stated_id, grant, replace(context, source_id=source_id), bundle)
    if file_source_used:
        published = date_text(package.get("issued"))
        bundle.add(
            "sources",
            0,
            {
                "id": context.source_id,
                "title": _text(package.get("title")) or _sentence("360Giving data", bundle.file_name),
                "publisher": _text(_first(package.get("publisher")).get("name")),
                "published": published,
                "file": bundle.file_name,
                "url": _text(package.get("uri")) or _text(package.get("url")),
                "figures_as_at": published,
                "as_at_note": "The package's date of issue." if published else "",
                "kind": "published",
            },
        )


def _grant_rows(number: int, stated_id: str, grant: Mapping[str, Any], context: Context, bundle: Bundle) -> None:
    own = context.org_prefix + "-"
    agreement_id = stated_id[len(own) :] if stated_id.startswith(own) else slug(stated_id)
    where = f"grant {number}" if bundle.part == "grants" else f"row {number}"
    section = f"{where}, id {stated_id}"
    recipient = _first(grant.get("recipientOrganization"))
    provider_id = _provider(recipient, context, bundle, number, section) if recipient else ""
    programme = _first(grant.get("grantProgramme"))
    funder = _first(grant.get("fundingOrganization"))
    stream_id = ""
    if _text(programme.get("title")):
        stream_id = f"{context.area_id}-{slug(_text(programme.get('code')) or _text(programme.get('title')))}"
        bundle.add(
            "funding_streams",
            number,
            {
                "id": stream_id,
                "area_id": context.area_id,
                "name": _text(programme.get("title")),
                "funder": _text(funder.get("name")),
                "source_id": context.source_id,
                "source_section": f"{section}, grant programme",
                "basis": "reported",
            },
        )
    currency = _text(grant.get("currency")) or "GBP"
    amount = _money(grant.get("amountAwarded"))
    if currency != "GBP":
        bundle.problem(number, "currency", currency, "is not pounds (GBP): the store holds pounds only")
        amount = ""
    description = _text(grant.get("description"))
    annual = ANNUAL_AMOUNT in description  # this product's own download says so when the amount is a year's value
    planned = _first(grant.get("plannedDates"))
    open_call = _text(grant.get("fromOpenCall")).lower()
    award_date = date_text(grant.get("awardDate"))
    row = {
        "id": agreement_id,
        "area_id": context.area_id,
        "title": _text(grant.get("title")),
        "kind": "grant",
        "provider_id": provider_id,
        "funding_stream_id": stream_id,
        "procurement_route": "open" if open_call == "yes" else "",
        "service_type": _service_type({"scheme": c.get("vocabulary"), "id": c.get("code")} for c in _objects(grant.get("classifications"))),
        "start_date": date_text(planned.get("startDate")),
        "current_end_date": date_text(planned.get("endDate")),
        "annual_value": amount if annual else "",
        "total_value": "" if annual else amount,
        "purpose": description,
        "visibility": "public",
        "source_id": context.source_id,
        "source_section": section,
        "basis": "reported",
        "basis_note": _sentence(
            "Not made through an open call." if open_call == "no" else "",
            f"Award date {award_date}." if award_date and "award_date" not in _columns("agreements") else "",
        ),
    }
    if "award_date" in _columns("agreements"):
        row["award_date"] = award_date
    bundle.add("agreements", number, row)


# --- the one way in --------------------------------------------------------------------------------------


def read_open_data(
    data: bytes,
    file_name: str,
    *,
    kind: str,
    area_id: str,
    buyers: Collection[str] = (),
    known_providers: Mapping[str, str] | None = None,
    ocid_prefix: str | None = None,
) -> tuple[dict[str, Table], list[Problem]]:
    """An OCDS or 360Giving file -> (import-format tables keyed by kind, problems); never raises on bad input.

    `area_id` is the area the user chose. `buyers` are the names and org-ids of that area's office: a file whose
    buyer (OCDS) or funder (360Giving) is none of them is refused, and so is a release for another buyer than the
    file's first. `known_providers` (`store_providers`) are linked to rather than written again. `ocid_prefix` is
    this product's own OCID prefix (settings, else the placeholder), taken off the ocids of its own downloads.
    Problems name the file, the release, record, grant or spreadsheet row, the field and the value.
    """
    file_name = Path(file_name or "upload").name
    bundle = Bundle(file_name, "")
    if kind not in FORMATS:
        bundle.problem(0, "", kind, f"is not an open-data format this importer reads; choose one of: {', '.join(FORMATS)}")
        return {}, bundle.problems
    prefix = ocid_prefix or get_settings().ocds_ocid_prefix or exporting.OCID_PREFIX
    context = Context(
        area_id=area_id,
        source_id=_source_id(area_id, kind, file_name),
        ocid_prefix=prefix,
        org_prefix=f"{prefix}-org" if kind == "ocds" else exporting.ORG_ID_PREFIX_360G,
        known_providers=known_providers or {},
    )
    if kind == "ocds":
        _read_ocds(data, context, bundle, buyers)
        if not bundle.problems:  # the source's id follows the package's address, so a newer copy updates it
            uri = next((v["url"] for _, v in bundle.rows.get("sources", []) if v.get("url")), "")
            if uri:
                _rename_source(bundle, context.source_id, _source_id(area_id, kind, uri))
    else:
        _read_360(data, file_name, context, bundle, buyers)
    if bundle.problems:
        return {}, bundle.problems
    tables = bundle.tables()
    if tables:
        first = next(iter(tables.values()))
        first.notes.extend(bundle.notes)
    return tables, []


def _rename_source(bundle: Bundle, old: str, new: str) -> None:
    for rows in bundle.rows.values():
        for _, values in rows:
            for column in ("id", "source_id"):
                if values.get(column) == old and (column == "source_id" or "figures_as_at" in values):
                    values[column] = new


def read_for_area(
    connection: Connection, data: bytes, file_name: str, *, kind: str, area_id: str
) -> tuple[dict[str, Table], list[Problem]]:
    """`read_open_data` for an area of the store: its office (and the OPCC's org-id, where set) as the buyers a file must
    name, and the store's providers to link to. An unknown area is one problem."""
    from data_access.models import Area

    office = connection.execute(select(table_of(Area).c.office).where(table_of(Area).c.id == area_id)).scalar_one_or_none()
    if office is None:
        return {}, [Problem(file_name, 0, "area", area_id, "is not an area in the store: import its areas file first, or choose another")]
    settings = get_settings()
    buyers = [str(office), *([settings.opcc_org_id] if settings.opcc_org_id else [])]
    return read_open_data(data, file_name, kind=kind, area_id=area_id, buyers=buyers, known_providers=store_providers(connection))


def main_import(*, engine: Any, file: Path, kind: str, area_id: str, apply: bool, who: str, confirm_shared: bool = False) -> int:
    """`python -m data_access.importing --kind ocds|360giving --file FILE --area ID [--apply]`: 0 clean, 1 problems, 2 unreadable."""
    from data_access import importing

    try:
        data = file.read_bytes()
    except OSError as error:
        print(f"Cannot read {file}: {error.strerror}", file=sys.stderr)
        return 2
    with engine.connect() as connection:
        tables, problems = read_for_area(connection, data, file.name, kind=kind, area_id=area_id)
    if problems and problems[0].column == "area":
        print(f"There is no area '{area_id}' in the store: import its areas file first, or choose another", file=sys.stderr)
        return 2
    sha256 = hashlib.sha256(data).hexdigest()
    if problems:
        report = importing.Report(kind=kind, file_name=file.name, sha256=sha256, problems=problems)
    else:
        report = importing.import_tables(
            engine, tables, file_name=file.name, sha256=sha256, label=kind, apply=apply, who=who, confirm_shared=confirm_shared
        )
    print(importing.format_report(report))
    if apply and report.ok:
        print("Applied." if report.applied else "Nothing to change: the store already matches this file.")
    elif report.ok:
        print("Checked: nothing written (run again with --apply to import).")
    return 0 if report.ok else 1
