"""Bring your own spreadsheet: a sheet with its own headers -> the import format, with nothing guessed.

A contract register, a grant list or a performance table comes as its owner keeps it (`area, service,
provider, start_date, end_date, annual_value_gbp, source_url`). This module:

- `propose` reads the headers and the cells and proposes, for every column, the import-format column it
  holds, with the reason ("named like an end date; 9 of 10 cells are dates"). Columns it cannot place are
  listed as not imported, never dropped silently.
- `recall` / `remember` keep a confirmed mapping by the sheet's header set (`column_mapping`), so the
  same sheet next quarter maps itself.
- `to_bundle` writes the rows in the import format, one table per kind of record, each row keeping the
  user's spreadsheet row number: ids made from the area, the name and the start (the same row gives the
  same id on every import, so re-importing changes nothing), providers from names (an organisation already
  in the store is used as it is, never rewritten), a source per URL (or one for the file). A blank cell
  stays blank: the loader judges every value exactly as it judges a file in the format.
- `user_problems` puts the loader's problems back in the user's terms: their row, their column, their
  value once, one problem per cell.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select
from sqlmodel import SQLModel

from data_access import importing
from data_access.findings import normalised_name
from data_access.importing import Report
from data_access.loading import (
    FILES,
    Problem,
    Table,
    column_letter,
    columns_of,
    parse_date,
    parse_money_text,
    read_file,
)
from data_access.models import Agreement, Area, FundingStream, Measure, Observation, Provider, SavedMapping, Source, table_of
from data_access.periods import parse_period

# What a sheet may hold, as the person says it: the agreement kind a register's rows take when no column says.
HOLDS: dict[str, str] = {
    "contracts": "A contract register: one row per contract",
    "grants": "A grant list: one row per grant",
    "performance": "A performance table: one row per figure",
}
AGREEMENT_KIND_OF = {"contracts": "contract", "grants": "grant"}
NOT_IMPORTED = "not imported"
KIND_OF_FILE = {Path(name).stem: model for name, model in FILES}
SAMPLE = 50  # cells read from each column to judge what it holds


# --- what a column can be -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A place in the import format a column of the user's can go, and the headings that usually mean it."""

    name: str
    meaning: str
    synonyms: tuple[str, ...] = ()  # normalised headings, best first
    content: str = ""  # what its cells look like: date, money, url, period, percent, number
    required: bool = False


def _cited() -> list[Target]:
    return [
        Target(
            "source",
            "the web address of the document the row comes from (a source is made for each address)",
            _s("source url, source, url, link, web link, source link, weblink, website, web address", "published at, document"),
            "url",
        ),
        Target("source_section", "the section, page or heading of that document", _s("source section, section, page, paragraph, heading")),
        Target("basis", "reported, derived or illustrative", _s("basis")),
        Target("basis_note", "how a figure was worked out, or a caveat", _s("basis note, note, notes, comment, comments, caveat")),
    ]


def _s(*texts: str) -> tuple[str, ...]:
    """'a, b', 'c' -> ('a', 'b', 'c'): headings written as lists, best first."""
    return tuple(w.strip() for text in texts for w in text.split(","))


_REGISTER: list[Target] = [
    Target(
        "reference",
        "your own reference for the agreement: its id is made from it",
        _s(
            "reference, ref, contract reference, contract ref, contract id, contract number",
            "grant reference, grant ref, identifier, id, ocid",
        ),
    ),
    Target("area", "the area: checked against the area you chose", _s("area, area id, police area, policing area, force, pcc, opcc")),
    Target(
        "title",
        "the service or project: what the agreement is for",
        _s(
            "title, service, contract title, service name, contract, contract name, project",
            "project title, grant title, programme, scheme, name, description",
        ),
        required=True,
    ),
    Target(
        "kind",
        "contract or grant (blank: what you said the sheet holds)",
        _s("kind, type, contract or grant, agreement type, agreement kind"),
    ),
    Target(
        "provider",
        "the organisation: a provider is made for each new name",
        _s(
            "provider, supplier, organisation, organization, recipient, provider name",
            "supplier name, recipient org name, recipient name, recipient organisation",
            "contractor, grantee, delivered by, awarded to, delivery partner",
        ),
        "text",
    ),
    Target(
        "charity_number",
        "the provider's charity number",
        _s("charity number, charity no, registered charity number, charity, charity registration number"),
    ),
    Target(
        "company_number",
        "the provider's company number",
        _s("company number, company no, companies house number, company registration number, company"),
    ),
    Target(
        "funding_stream",
        "a funding stream of the area, by name",
        _s("funding stream, fund, funding, funding source, grant programme, funded by"),
    ),
    Target(
        "procurement_route",
        "open, selective, limited, direct or not stated",
        _s("procurement route, procurement method, route, method, procedure, procurement procedure"),
    ),
    Target("number_of_tenderers", "how many bids", _s("number of tenderers, tenderers, bids, number of bids, tenders received")),
    Target(
        "start_date",
        "when it starts",
        _s(
            "start date, start, contract start, contract start date, commencement, commencement date",
            "from, begins, start of contract, award date, date awarded",
        ),
        "date",
    ),
    Target(
        "original_end_date", "when it was first due to end", _s("original end date, original end, initial end date, initial end"), "date"
    ),
    Target(
        "current_end_date",
        "when it ends now",
        _s(
            "end date, end, contract end, contract end date, expiry, expiry date, expires",
            "end of contract, to, until, finish, finish date",
        ),
        "date",
    ),
    Target(
        "latest_end_date",
        "the latest it can end with every extension",
        _s("latest end date, latest end, max end date, maximum end date, end with extensions", "final end date, max extent date"),
        "date",
    ),
    Target(
        "extension_options_available",
        "how many extensions it allows",
        _s("extension options available, extension options, extensions available, options to extend", "extensions"),
    ),
    Target("extension_options_used", "how many extensions were used", _s("extension options used, extensions used, options used")),
    Target(
        "annual_value",
        "its value for one year",
        _s(
            "annual value, annual value gbp, annual value £, value per year, value per annum",
            "yearly value, annual cost, annual amount, per annum, annual, annual contract value",
        ),
        "money",
    ),
    Target(
        "total_value",
        "its value over its whole life",
        _s(
            "total value, total value gbp, contract value, value, value gbp, value £",
            "amount, amount gbp, total, total amount, grant amount, amount awarded, award amount",
            "award value, whole life value, total contract value, grant value",
        ),
        "money",
    ),
    Target("status", "planned, active or ended (blank: not stated)", _s("status, state, contract status, grant status")),
    Target("purpose", "what it does, in a sentence", _s("purpose, summary, details, service description, aims, about")),
    Target("visibility", "public, panel or restricted (blank: public)", _s("visibility")),
    *_cited(),
]

_PERFORMANCE: list[Target] = [
    Target("reference", "your own reference for the figure: its id is made from it", _s("reference, ref, id, identifier")),
    Target("area", "the area: checked against the area you chose", _s("area, area id, police area, policing area, force, pcc, opcc")),
    Target(
        "service",
        "the agreement (contract or grant) of the area the figure is for, by its title",
        _s("service, contract, agreement, service name, contract title, title, project", "programme, scheme"),
    ),
    Target(
        "measure",
        "what is measured: a measure is made for each new name",
        _s("measure, indicator, kpi, measure name, indicator name, performance measure", "metric, performance indicator, description"),
        required=True,
    ),
    Target("unit", "count, percent or share", _s("unit, units, measure unit, unit of measure")),
    Target("counts_people", "yes when the figure counts people (their numbers are then controlled on public pages)", _s("counts people")),
    Target("higher_is_better", "yes when a higher figure is better", _s("higher is better")),
    Target(
        "period",
        "the period: a financial year, a quarter, a month or a span of them",
        _s("period, quarter, month, months, reporting period, financial year, year, time period", "date, date range"),
        "period",
        required=True,
    ),
    Target(
        "value",
        "the figure as published",
        _s("value, actual, result, performance, figure, outcome, number, count, percentage", "%, score, achieved, actual performance"),
        "number",
        required=True,
    ),
    Target(
        "value_statement", "a qualifier published with the figure (average per quarter, …)", _s("value statement, qualifier, statement")
    ),
    Target("target", "the target, where one is published", _s("target, goal, expected, standard, target value"), "number"),
    Target("target_basis", "the target's basis when it differs from the figure's", _s("target basis")),
    Target("dimension", "the breakdown, e.g. referral source", _s("dimension, breakdown, breakdown by")),
    Target("dimension_value", "the breakdown's category", _s("dimension value, category, group, breakdown value")),
    Target("visibility", "public, panel or restricted (blank: public)", _s("visibility")),
    *_cited(),
]


def targets(holds: str) -> list[Target]:
    """The places a column of this kind of sheet can go, in the order the import page lists them.

    A format column that another change adds (a grant's award date, say) is offered under its own name as soon as
    the format has it.
    """
    model = Observation if holds == "performance" else Agreement
    chosen = list(_PERFORMANCE if holds == "performance" else _REGISTER)
    if holds == "performance" and "provider_id" in columns_of(Observation):
        chosen.insert(3, next(t for t in _REGISTER if t.name == "provider"))
    named = {t.name for t in chosen}
    extra = [c for c in columns_of(model) if c not in named and c not in _DERIVED_OF[model.__name__]]
    return chosen + [Target(c, f"the format's {c.replace('_', ' ')}", (c.replace("_", " "),)) for c in extra]


# Format columns the mapper fills itself (from the area, the names and the addresses): never offered as targets.
_DERIVED_OF: dict[str, set[str]] = {
    "Agreement": {"id", "area_id", "provider_id", "funding_stream_id", "source_id"},
    "Observation": {"id", "area_id", "measure_id", "agreement_id", "source_id", "provider_id", "period"},
}
# Which target a problem on a format column goes back to, for the columns that do not share the target's name.
_PROBLEM_TARGET: dict[tuple[str, str], tuple[str, ...]] = {
    ("agreements", "id"): ("reference", "title"),
    ("agreements", "provider_id"): ("provider",),
    ("agreements", "funding_stream_id"): ("funding_stream",),
    ("agreements", "source_id"): ("source",),
    ("agreements", "area_id"): ("area",),
    ("providers", "id"): ("provider",),
    ("providers", "name"): ("provider",),
    ("providers", "source_id"): ("source",),
    ("sources", "id"): ("source",),
    ("sources", "url"): ("source",),
    ("sources", "title"): ("source",),
    ("measures", "id"): ("measure",),
    ("measures", "name"): ("measure",),
    ("measures", "unit"): ("unit", "measure"),
    ("observations", "id"): ("reference", "measure"),
    ("observations", "measure_id"): ("measure",),
    ("observations", "agreement_id"): ("service",),
    ("observations", "provider_id"): ("provider",),
    ("observations", "source_id"): ("source",),
    ("observations", "area_id"): ("area",),
}


# --- reading headings and cells -------------------------------------------------------------------


def normalised_heading(text: str) -> str:
    """'Annual_Value (GBP) ' -> 'annual value gbp': headings compared without case, spacing or punctuation."""
    text = str(text).replace("£", " £ ").replace("%", " % ")
    words = re.sub(r"[^\w£%]+", " ", text.lower().replace("_", " ")).split()
    return " ".join(words)


_MONTH_WORDS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december"
)
_MONTH_SPAN = re.compile(
    rf"^\s*(?:\d{{4}}-\d{{1,2}}|(?:{_MONTH_WORDS})\.?(?:\s+\d{{4}})?)\s*(?:to|-|–|—|\.\.)\s*(?:\d{{4}}-\d{{1,2}}|(?:{_MONTH_WORDS})\.?\s+\d{{4}})\s*$",
    re.IGNORECASE,
)
_ONE_MONTH = re.compile(rf"^\s*(?:\d{{4}}-\d{{1,2}}|(?:{_MONTH_WORDS})\.?\s+\d{{4}})\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*%\s*$")
_NUMBER = re.compile(r"^\s*-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*$")
_URL = re.compile(r"^\s*(?:https?://|www\.)\S+$", re.IGNORECASE)


def _passes(check: Callable[[str], object], text: str) -> bool:
    try:
        return bool(check(text))
    except (ValueError, ArithmeticError):
        return False


def _is_date(text: str) -> bool:
    return not _NUMBER.match(text) and _passes(lambda t: parse_date(t, partial=True), text)


def _is_money(text: str) -> bool:
    marked = "£" in text or re.search(r"\d\s*(k|m|bn)\s*\)?\s*$", text, re.IGNORECASE) or text.strip().upper().startswith("GBP")
    return bool(marked) and _passes(parse_money_text, text)


def _is_period(text: str) -> bool:
    return (
        bool(_MONTH_SPAN.match(text) or _ONE_MONTH.match(text))
        or _passes(parse_period, text)
        or _passes(lambda t: parse_period(re.sub(r"^\s*(\S+)\s+(Q[1-4])\s*$", r"\2 \1", t, flags=re.IGNORECASE)), text)
    )


CONTENT_TESTS: dict[str, tuple[Callable[[str], bool], str]] = {
    "url": (lambda t: bool(_URL.match(t)), "web addresses"),
    "date": (_is_date, "dates"),
    "money": (_is_money, "amounts of money"),
    "period": (_is_period, "periods (years, quarters, months)"),
    "percent": (lambda t: bool(_PERCENT.match(t)), "percentages"),
    "number": (lambda t: bool(_NUMBER.match(t) or _PERCENT.match(t)), "numbers"),
}


def _cells(table: Table, index: int) -> list[str]:
    """The non-blank cells of one column, as text."""
    return [str(cells[index]).strip() for _, cells in table.rows if index < len(cells) and str(cells[index]).strip()]


def _content(cells: Sequence[str]) -> dict[str, int]:
    """How many of (up to SAMPLE of) the cells look like each kind of content."""
    sample = list(cells[:SAMPLE])
    return {kind: sum(1 for c in sample if test(c)) for kind, (test, _) in CONTENT_TESTS.items()}


# --- the mapping ----------------------------------------------------------------------------------


@dataclass
class ColumnChoice:
    """One column of the user's sheet and where it goes."""

    index: int
    header: str  # the heading as the user wrote it ("column F" when it has none)
    target: str  # a target's name, or NOT_IMPORTED
    reason: str
    example: str = ""  # the first non-blank cell, to help the person decide


@dataclass
class Mapping:
    """The user's columns -> the import format, for one sheet holding one kind of thing."""

    holds: str
    columns: list[ColumnChoice]
    file: str = ""
    sheet: str = ""
    remembered: str = ""  # 'confirmed by … on …' when this mapping was recalled

    def column_for(self, target: str) -> ColumnChoice | None:
        """The user's column imported as `target`, or None."""
        return next((c for c in self.columns if c.target == target), None)

    @property
    def unmapped(self) -> list[ColumnChoice]:
        """The columns that will not be imported (listed, so nothing goes missing unseen)."""
        return [c for c in self.columns if c.target == NOT_IMPORTED]

    def choose(self, choices: dict[str, str]) -> Mapping:
        """The mapping with the person's changes (their heading -> target); reasons say who chose."""
        changed = []
        for column in self.columns:
            target = choices.get(column.header, column.target)
            reason = column.reason if target == column.target else "your choice"
            changed.append(replace(column, target=target, reason=reason))
        return replace(self, columns=changed)

    def as_json(self) -> str:
        """The choices by normalised heading, as remembered in column_mapping."""
        return json.dumps({normalised_heading(c.header): c.target for c in self.columns}, ensure_ascii=False, sort_keys=True)


def _score(target: Target, heading: str) -> int:
    """How strongly a heading names a target: 100 for its own name, then its synonyms best first, 0 for none."""
    if not heading:
        return 0
    if heading == normalised_heading(target.name):
        return 100
    for rank, synonym in enumerate(target.synonyms):
        if heading == synonym:
            return 90 - rank
    # 'Contract end date (estimated)' still names an end date: a synonym of two words or more inside the heading.
    words = f" {heading} "
    for rank, synonym in enumerate(target.synonyms):
        if " " in synonym and f" {synonym} " in words:
            return 50 - min(rank, 20)
    return 0


def propose(table: Table, holds: str, *, remembered: dict[str, str] | None = None, remembered_text: str = "") -> Mapping:
    """A proposed mapping of the sheet's columns, by heading and by content, each with its reason.

    `remembered` (normalised heading -> target, from `recall`) is used first: what the person confirmed for
    this header set before. The result does not depend on the order, case or spacing of the headings.
    """
    offered = targets(holds)
    by_name = {t.name: t for t in offered}
    width = max([len(table.header), *(len(cells) for _, cells in table.rows)], default=0)
    columns: list[ColumnChoice] = []
    headings: dict[int, str] = {}
    for index in range(width):
        written = str(table.header[index]).strip() if index < len(table.header) else ""
        cells = _cells(table, index)
        header = written or f"column {column_letter(index)}"
        columns.append(ColumnChoice(index, header, NOT_IMPORTED, "", cells[0] if cells else ""))
        headings[index] = normalised_heading(written)
    counted = {c.index: (_content(_cells(table, c.index)), min(len(_cells(table, c.index)), SAMPLE)) for c in columns}
    taken: set[str] = set()
    seen_headings: dict[str, int] = {}
    # A heading written twice: the second is listed, not imported, so one value never comes from two places.
    for column in sorted(columns, key=lambda c: (headings[c.index], c.index)):
        heading = headings[column.index]
        if heading and heading in seen_headings:
            column.reason = f"the same heading as column {column_letter(seen_headings[heading])}: only the first is imported"
        elif heading:
            seen_headings[heading] = column.index
    free = [c for c in columns if not c.reason]

    if remembered:
        for column in free:
            confirmed = remembered.get(headings[column.index])
            if confirmed in by_name and confirmed not in taken:
                column.target, column.reason = confirmed, remembered_text or "as confirmed before for these headings"
                taken.add(confirmed)
            elif confirmed == NOT_IMPORTED:
                column.reason = remembered_text or "as confirmed before for these headings"

    # By name: the strongest (heading, target) pairs first; ties broken by the heading's text, never its position.
    pairs = sorted(
        ((_score(t, headings[c.index]), headings[c.index], order, c, t) for c in free if not c.reason for order, t in enumerate(offered)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    for score, _, _, column, named in pairs:
        if score <= 0 or column.reason or named.name in taken:
            continue
        column.target = named.name
        column.reason = f"named like {named.name.replace('_', ' ')}" + _content_reason(named, *counted[column.index])
        taken.add(named.name)

    # By content: a column no heading placed, whose cells are mostly of one kind.
    for column in sorted((c for c in free if not c.reason), key=lambda c: headings[c.index]):
        found, total = counted[column.index]
        if not total:
            column.reason = "no heading the format knows, and no values" if headings[column.index] else "no heading and no values"
            continue
        for kind in ("url", "period", "percent", "money", "date", "number"):
            if found[kind] * 10 < total * 8:  # at least 8 in 10
                continue
            candidates = [t for t in offered if t.content == kind or (kind == "percent" and t.content == "number")]
            if kind == "date" and holds != "performance":
                candidates = _dates_in_order(table, column, free, counted, by_name)
            by_content = next((t for t in candidates if t.name not in taken), None)
            if by_content is not None:
                label = CONTENT_TESTS[kind][1]
                column.target = by_content.name
                column.reason = f"{found[kind]} of {total} cells are {label}: taken as {by_content.name.replace('_', ' ')}"
                taken.add(by_content.name)
            break
        if not column.reason:
            column.reason = "no heading or content the format knows: choose where it goes, or leave it out"
    return Mapping(holds, columns, table.file, table.sheet, remembered_text if remembered else "")


def _content_reason(target: Target, found: dict[str, int], total: int) -> str:
    if not target.content or not total or target.content == "text":
        return ""
    hits = found["number"] if target.content == "number" else found[target.content]
    label = CONTENT_TESTS[target.content][1]
    if hits == total > 1:
        return f"; all {total} cells are {label}"
    return f"; {hits} of {total} cells are {label}"


def _dates_in_order(
    table: Table, column: ColumnChoice, free: list[ColumnChoice], counted: dict[int, tuple[dict[str, int], int]], by_name: dict[str, Target]
) -> list[Target]:
    """For an unnamed date column: the start if its dates come before another unnamed date column's, else the end."""
    others = [
        c
        for c in free
        if c is not column and not c.reason and counted[c.index][1] and counted[c.index][0]["date"] * 10 >= counted[c.index][1] * 8
    ]
    earlier = later = 0
    for _, cells in table.rows:
        mine = _date_of(cells, column.index)
        for other in others:
            theirs = _date_of(cells, other.index)
            if mine and theirs:
                earlier += mine < theirs
                later += mine > theirs
    order = ["start_date", "current_end_date"] if earlier >= later else ["current_end_date", "start_date"]
    return [by_name[n] for n in order if n in by_name]


def _date_of(cells: list[str], index: int) -> date | None:
    text = str(cells[index]).strip() if index < len(cells) else ""
    try:
        return parse_date(text, partial=True)[0] if text else None
    except ValueError:
        return None


def mapping_problems(mapping: Mapping) -> list[Problem]:
    """What stops the mapping being used: a target chosen twice, a required one chosen nowhere."""
    problems = []
    by_target: dict[str, list[ColumnChoice]] = {}
    for column in mapping.columns:
        if column.target != NOT_IMPORTED:
            by_target.setdefault(column.target, []).append(column)
    offered = {t.name: t for t in targets(mapping.holds)}
    for target, chosen in by_target.items():
        if target not in offered:
            problems.append(
                Problem(mapping.file, 0, chosen[0].header, target, f"is not a column of the format for {mapping.holds}", mapping.sheet)
            )
        elif len(chosen) > 1:
            names = " and ".join(f"'{c.header}'" for c in chosen)
            problems.append(
                Problem(
                    mapping.file,
                    0,
                    chosen[1].header,
                    "",
                    f"{names} are both imported as {target}: choose one, and 'not imported' or another place for the other",
                    mapping.sheet,
                )
            )
    for needed in offered.values():
        if needed.required and needed.name not in by_target:
            rule = f"no column is imported as {needed.name} ({needed.meaning}): choose the column that holds it"
            problems.append(Problem(mapping.file, 0, needed.name, "", rule, mapping.sheet))
    return problems


# --- remembering ------------------------------------------------------------------------------------


def header_key(header: Iterable[str]) -> str:
    """The SHA-256 of the sheet's normalised headings, sorted: the same headings in any order, case or spacing match."""
    names = sorted(normalised_heading(h) for h in header if str(h).strip())
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Remembered:
    """A mapping confirmed before for a header set."""

    holds: str
    choices: dict[str, str]  # normalised heading -> target
    saved_by: str
    saved_at: datetime

    @property
    def text(self) -> str:
        """'as confirmed by a@b.org on 22/11/2026'."""
        return f"as confirmed by {self.saved_by} on {self.saved_at:%d/%m/%Y}"


def recall(connection: Connection, header: Iterable[str]) -> Remembered | None:
    """The mapping last confirmed for this header set, or None."""
    saved = table_of(SavedMapping)
    row = connection.execute(select(saved).where(saved.c.header_key == header_key(header))).mappings().first()
    if row is None:
        return None
    try:
        choices = json.loads(row["mapping"])
    except ValueError:
        return None
    return Remembered(row["holds"], {str(k): str(v) for k, v in choices.items()}, row["saved_by"], row["saved_at"])


def remember(connection: Connection, mapping: Mapping, header: Iterable[str], *, who: str) -> None:
    """Keep the confirmed mapping for this header set (replacing an earlier one); the caller commits."""
    saved = table_of(SavedMapping)
    names = [str(h) for h in header]
    key = header_key(names)
    connection.execute(delete(saved).where(saved.c.header_key == key))
    connection.execute(
        insert(saved).values(
            header_key=key,
            headers=json.dumps(names, ensure_ascii=False),
            holds=mapping.holds,
            mapping=mapping.as_json(),
            saved_by=(who or "unknown").strip(),
            saved_at=datetime.now(UTC),
        )
    )


def propose_for(connection: Connection, table: Table, holds: str) -> Mapping:
    """`propose`, starting from the mapping remembered for this header set when it was for the same kind of sheet."""
    saved = recall(connection, table.header)
    if saved is None or saved.holds != holds:
        return propose(table, holds)
    return propose(table, holds, remembered=saved.choices, remembered_text=saved.text)


# --- ids ----------------------------------------------------------------------------------------------

MAX_ID = 64


def slug(*parts: str) -> str:
    """Stable short lower-case id from text: 'norfolk', 'IDVA Service', '2019-04-01' -> 'norfolk-idva-service-2019-04-01'.

    Long ids are cut and end with a hash of the whole, so two long titles never share an id; a part with no letter or
    digit a slug can hold (a title in another script) adds the hash too. The same text always gives the same id.
    """
    given = [p for p in parts if p and p.strip()]
    pieces = [_slug_text(p) for p in given]
    text = "-".join(p for p in pieces if p)
    digest = hashlib.sha256("\n".join(given).encode("utf-8")).hexdigest()[:8]
    if not all(pieces) or not text:
        text = f"{text}-{digest}" if text else digest
    if len(text) > MAX_ID:
        text = text[: MAX_ID - 9].rstrip("-") + "-" + digest
    return text


def _slug_text(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")


def _date_part(text: str) -> str:
    """A start date as one text, however it was written (01/04/2019 and 2019-04-01 give the same id)."""
    try:
        day, precision = parse_date(text, partial=True)
    except ValueError:
        return text
    return {"year": f"{day.year}", "month": f"{day:%Y-%m}"}.get(precision, day.isoformat())


def _source_title(url: str) -> str:
    """A web address's page and site: 'register.pdf (www.norfolk-pcc.gov.uk)'."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    page = unquote(next((p for p in reversed(parts.path.split("/")) if p), ""))
    return f"{page} ({parts.netloc})" if page and parts.netloc else parts.netloc or url


# --- building the bundle ------------------------------------------------------------------------------


@dataclass
class Bundle:
    """The sheet in the import format: one table per kind of record, and what stops it before any check."""

    tables: dict[str, Table]
    mapping: Mapping
    problems: list[Problem] = field(default_factory=list)  # in the user's terms already
    notes: list[str] = field(default_factory=list)


_UP_TO = re.compile(r"^\s*up\s+to\s+(\S.*)$", re.IGNORECASE)


@dataclass
class _Store:
    """What the mapper reads from the store: names to reuse, never rows to rewrite."""

    area_names: dict[str, str]
    providers: dict[str, str]  # normalised name -> id
    provider_ids: set[str]
    provider_numbers: dict[str, dict[str, str]]  # id -> {"charity_number": ..., "company_number": ...} as stored
    measures: dict[str, str]
    measure_ids: set[str]
    sources_by_url: dict[str, str]
    source_ids: set[str]
    agreements: dict[str, str]  # the area's agreements: normalised title (and id) -> id
    funding_streams: dict[str, str]


def _read_store(connection: Connection, area_id: str) -> _Store:
    def pairs(model: type[SQLModel], *names: str, where: Any = None) -> list[tuple[Any, ...]]:
        table = table_of(model)
        query = select(*[table.c[n] for n in names])
        if where is not None:
            query = query.where(where(table))
        return [tuple(r) for r in connection.execute(query)]

    providers = pairs(Provider, "id", "name")
    numbers = pairs(Provider, "id", "charity_number", "company_number")
    measures = pairs(Measure, "id", "name")
    sources = pairs(Source, "id", "url")
    in_area = lambda t: t.c.area_id == area_id  # noqa: E731
    agreements = pairs(Agreement, "id", "title", where=in_area)
    streams = pairs(FundingStream, "id", "name", where=in_area)
    return _Store(
        area_names=dict(pairs(Area, "id", "name")),
        providers={normalised_name(n): i for i, n in sorted(providers, reverse=True)},
        provider_ids={i for i, _ in providers},
        provider_numbers={i: {"charity_number": c or "", "company_number": n or ""} for i, c, n in numbers},
        measures={normalised_name(n): i for i, n in sorted(measures, reverse=True)},
        measure_ids={i for i, _ in measures},
        sources_by_url={u.strip(): i for i, u in sorted(sources, reverse=True) if u and u.strip()},
        source_ids={i for i, _ in sources},
        agreements={**{normalised_name(t): i for i, t in sorted(agreements, reverse=True)}, **{i: i for i, _ in agreements}},
        funding_streams={**{normalised_name(n): i for i, n in sorted(streams, reverse=True)}, **{i: i for i, _ in streams}},
    )


def _new_table(kind: str, sheet: str) -> Table:
    return Table(f"{kind}.csv", sheet, columns_of(KIND_OF_FILE[kind]))


def _add_row(table: Table, number: int, values: dict[str, str]) -> None:
    unknown = set(values) - set(table.header)
    assert not unknown, unknown  # a programming error, never the user's: every key is a format column
    table.rows.append((number, [values.get(c, "") for c in table.header]))


def to_bundle(table: Table, mapping: Mapping, area_id: str, *, connection: Connection) -> Bundle:
    """The sheet's rows as tables in the import format, keyed by kind, each row keeping the sheet's row number.

    Nothing is guessed: a blank cell stays blank, and the loader judges every value the user wrote. What the mapper
    makes is only what the format needs and the sheet cannot hold: ids, the area, the agreement kind of a register
    the person named, providers from names, sources from addresses (or the file).
    """
    store = _read_store(connection, area_id)
    mapping = replace(mapping, file=mapping.file or table.file, sheet=mapping.sheet or table.sheet)
    bundle = Bundle({}, mapping, problems=[user_problem(p, mapping) for p in mapping_problems(mapping)])
    if table.problems:
        bundle.problems = [replace(p, file=mapping.file) for p in table.problems] + bundle.problems
        return bundle
    if area_id not in store.area_names:
        bundle.problems.append(
            Problem(mapping.file, 0, "", area_id, "is not an area in the store: choose one of the areas listed", mapping.sheet)
        )
        return bundle
    if bundle.problems:
        return bundle
    builder = _Builder(table, mapping, area_id, store, connection)
    builder.build()
    bundle.tables = {kind: t for kind, t in builder.tables.items() if t.rows}
    bundle.problems += builder.problems
    bundle.notes += builder.notes
    if not any(kind in bundle.tables for kind in ("agreements", "observations")) and not bundle.problems:
        bundle.problems.append(Problem(mapping.file, table.header_row, "", "", "has a header row but no rows to import", mapping.sheet))
    return bundle


class _Builder:
    """Writes one sheet's rows into format tables; keeps the first row that named each provider, source and measure."""

    def __init__(self, table: Table, mapping: Mapping, area_id: str, store: _Store, connection: Connection) -> None:
        self.table, self.mapping, self.area_id, self.store = table, mapping, area_id, store
        self.tables: dict[str, Table] = {kind: _new_table(kind, table.sheet) for kind in KIND_OF_FILE}
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.providers: dict[str, str] = {}  # normalised name -> id, for names new to the store
        self.provider_rows: dict[str, tuple[int, dict[str, str]]] = {}
        self.sources: dict[str, str] = {}
        self.measures: dict[str, str] = {}
        self.measure_rows: dict[str, tuple[int, dict[str, str]]] = {}
        self.measure_values: dict[str, list[str]] = {}

    def cell(self, cells: list[str], target: str) -> str:
        column = self.mapping.column_for(target)
        if column is None or column.index >= len(cells):
            return ""
        return str(cells[column.index]).strip()

    def problem(self, number: int, target: str, value: str, rule: str) -> None:
        column = self.mapping.column_for(target)
        header = column.header if column else target
        cell = f"{column_letter(column.index)}{number}" if column else ""
        self.problems.append(Problem(self.mapping.file, number, header, value, rule, self.mapping.sheet, cell))

    def build(self) -> None:
        area_name = self.store.area_names[self.area_id]
        for number, cells in self.table.rows:
            if not any(str(c).strip() for c in cells):
                continue
            stated_area = self.cell(cells, "area")
            if stated_area and normalised_name(stated_area) not in {normalised_name(self.area_id), normalised_name(area_name)}:
                self.problem(
                    number,
                    "area",
                    stated_area,
                    f"is not {area_name}, the area this sheet is being imported for: "
                    "import that area's rows with it chosen, or remove them",
                )
                continue
            cited = self.cited(number, cells)
            if self.mapping.holds == "performance":
                self.observation(number, cells, cited)
            else:
                self.agreement(number, cells, cited)
        for number, values in self.provider_rows.values():
            _add_row(self.tables["providers"], number, values)
        for name, (number, values) in self.measure_rows.items():
            values["unit"] = values["unit"] or self.unit_from_values(name)
            _add_row(self.tables["measures"], number, values)
        self.tables["sources"].rows.sort(key=lambda r: r[0])
        self.tables["providers"].rows.sort(key=lambda r: r[0])
        self.tables["measures"].rows.sort(key=lambda r: r[0])

    def unit_from_values(self, name: str) -> str:
        """'percent' when every figure of the measure is written with a % sign; otherwise blank, for the person to say."""
        values = [v for v in self.measure_values.get(name, []) if v]
        if values and all(_PERCENT.match(v) for v in values):
            note = (
                "Measures whose every figure is written with % are recorded as percent (a rate); "
                "add a unit column saying share for parts of a whole."
            )
            if note not in self.notes:
                self.notes.append(note)
            return "percent"
        return ""

    def cited(self, number: int, cells: list[str]) -> dict[str, str]:
        """The row's citation: its source (made from its address, or the file) and what the sheet says of it."""
        url = self.cell(cells, "source")
        values = {name: self.cell(cells, name) for name in ("source_section", "basis", "basis_note")}
        values["source_id"] = self.source(number, url)
        return values

    def source(self, number: int, url: str) -> str:
        key = url or f"file:{self.mapping.file}"
        if key in self.sources:
            return self.sources[key]
        if url and url in self.store.sources_by_url:
            self.sources[key] = self.store.sources_by_url[url]
            return self.sources[key]
        if url:
            source_id = slug(
                "source", urlsplit(url if "://" in url else f"https://{url}").netloc, hashlib.sha256(url.encode()).hexdigest()[:10]
            )
            row = {"id": source_id, "title": _source_title(url), "url": url, "kind": "published" if _URL.match(url) else ""}
        else:
            source_id = slug(self.area_id, "file", Path(self.mapping.file).name)
            row = {"id": source_id, "title": Path(self.mapping.file).name, "file": Path(self.mapping.file).name}
        self.sources[key] = source_id
        _add_row(self.tables["sources"], number, row)
        return source_id

    def provider(self, number: int, name: str, cells: list[str], cited: dict[str, str]) -> str:
        if not name:
            return ""
        key = normalised_name(name) or name.strip().lower()
        if key in self.store.providers:
            provider_id = self.store.providers[key]  # used as it is: another area's organisation is never rewritten
            self.numbers_not_imported(number, provider_id, name, cells)
            return provider_id
        if key not in self.providers:
            provider_id = slug(name)
            if provider_id in self.store.provider_ids or provider_id in self.providers.values():
                provider_id = slug(name, hashlib.sha256(key.encode()).hexdigest()[:6])
            self.providers[key] = provider_id
            self.provider_rows[key] = (number, {"id": provider_id, "name": name, "charity_number": "", "company_number": "", **cited})
        first_row, values = self.provider_rows[key]
        for column in ("charity_number", "company_number"):
            given = self.cell(cells, column)
            if given and not values[column]:
                values[column] = given
            elif given and given != values[column]:
                self.problem(
                    number, column, given, f"differs from row {first_row}'s {values[column]} for the same organisation ({values['name']})"
                )
        return self.providers[key]

    def numbers_not_imported(self, number: int, provider_id: str, name: str, cells: list[str]) -> None:
        """A charity or company number the sheet gives for an organisation already in the store, and not as stored
        there: said, never dropped unseen, and never written over the stored record (other areas may rest on it)."""
        stored = self.store.provider_numbers.get(provider_id, {})
        for column, words in (("charity_number", "charity number"), ("company_number", "company number")):
            given = self.cell(cells, column)
            if given and given != stored.get(column, ""):
                holds = f"holds {words} {stored[column]}" if stored.get(column) else f"has no {words}"
                chosen = self.mapping.column_for(column)
                note = (
                    f"Row {number}, {chosen.header if chosen else column}: {given} is given for {name}, which the store already {holds} "
                    f"({provider_id}): not imported, so the stored record is not rewritten. To change it, import a "
                    "providers file for that record"
                )
                if note not in self.notes:
                    self.notes.append(note)

    def agreement(self, number: int, cells: list[str], cited: dict[str, str]) -> None:
        title, reference, start = self.cell(cells, "title"), self.cell(cells, "reference"), self.cell(cells, "start_date")
        agreement_id = slug(self.area_id, reference) if reference else slug(self.area_id, title, _date_part(start)) if title else ""
        stream = self.cell(cells, "funding_stream")
        passed = {t.name: self.cell(cells, t.name) for t in targets(self.mapping.holds) if t.name in columns_of(Agreement)}
        kind = passed.get("kind", "") if self.mapping.column_for("kind") else AGREEMENT_KIND_OF.get(self.mapping.holds, "")
        for value_column in ("annual_value", "total_value"):  # "up to £50,000": the amount, and that it is a ceiling
            if (ceiling := _UP_TO.match(passed.get(value_column, ""))) and not passed.get("value_qualifier"):
                passed[value_column], passed["value_qualifier"] = ceiling[1], "up to"
        values = {
            **passed,
            "id": agreement_id,
            "area_id": self.area_id,
            "kind": kind,
            "provider_id": self.provider(number, self.cell(cells, "provider"), cells, cited),
            "funding_stream_id": self.store.funding_streams.get(normalised_name(stream), self.store.funding_streams.get(stream, stream))
            if stream
            else "",
            **cited,
        }
        _add_row(self.tables["agreements"], number, values)

    def observation(self, number: int, cells: list[str], cited: dict[str, str]) -> None:
        name, service, period = self.cell(cells, "measure"), self.cell(cells, "service"), self.cell(cells, "period")
        measure_id = self.measure(number, name, cells) if name else ""
        agreement_id = self.store.agreements.get(normalised_name(service), self.store.agreements.get(service, service)) if service else ""
        reference, dimension_value = self.cell(cells, "reference"), self.cell(cells, "dimension_value")
        parts = (self.area_id, reference) if reference else (self.area_id, name, service, period, dimension_value)
        passed = {t.name: self.cell(cells, t.name) for t in targets(self.mapping.holds) if t.name in columns_of(Observation)}
        values = {
            **passed,
            "id": slug(*parts) if (reference or name) else "",
            "measure_id": measure_id,
            "area_id": self.area_id,
            "agreement_id": agreement_id,
            **cited,
        }
        if "provider_id" in columns_of(Observation):
            values["provider_id"] = self.provider(number, self.cell(cells, "provider"), cells, cited)
        _add_row(self.tables["observations"], number, values)

    def measure(self, number: int, name: str, cells: list[str]) -> str:
        key = normalised_name(name) or name.strip().lower()
        self.measure_values.setdefault(key, []).append(self.cell(cells, "value"))
        if key in self.store.measures:
            return self.store.measures[key]  # used as it is: other areas' figures rest on it
        if key not in self.measures:
            measure_id = slug(name)
            if measure_id in self.store.measure_ids or measure_id in self.measures.values():
                measure_id = slug(name, hashlib.sha256(key.encode()).hexdigest()[:6])
            self.measures[key] = measure_id
            row = {"id": measure_id, "name": name, "unit": self.cell(cells, "unit")}
            row |= {c: self.cell(cells, c) for c in ("counts_people", "higher_is_better")}
            self.measure_rows[key] = (number, row)
        return self.measures[key]


# --- problems in the user's terms ---------------------------------------------------------------------

_KNOCK_ON_RULES = {
    (
        "observations",
        "agreement_id",
    ): "no agreement of this area has this title: import the contract register first, or write the title as the store has it",
    (
        "agreements",
        "funding_stream_id",
    ): "no funding stream of this area has this name: import the funding stream first, or write its name as the store has it",
}


def _user_column(kind: str, column: str, mapping: Mapping) -> ColumnChoice | None:
    for target in _PROBLEM_TARGET.get((kind, column), (column,)):
        if (chosen := mapping.column_for(target)) is not None:
            return chosen
    return None


def _value_once(value: str, rule: str) -> str:
    """'£22.955' with rule "'£22.955' has a fraction of a penny" -> 'has a fraction of a penny': the value is said once."""
    for quoted in (f"'{value}'", f"period '{value}'"):
        if value and rule.startswith(quoted):
            return rule[len(quoted) :].lstrip(" :")
    return rule


def user_problem(problem: Problem, mapping: Mapping) -> Problem:
    """A problem of the mapping itself (row 0) in the user's file and sheet."""
    return replace(problem, file=mapping.file, sheet=mapping.sheet)


def user_problems(problems: Iterable[Problem], mapping: Mapping) -> list[Problem]:
    """The loader's problems with a bundle, in the user's terms: their file, row, own column name and value, once each.

    One problem per cell of the sheet: a knock-on (the provider made from a cell, then the agreement that names it)
    is dropped. A format column the sheet has no column for is one problem for the whole sheet, not one per row.
    """
    kept: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    sheet_wide: dict[tuple[str, str], list[tuple[str, int]]] = {}
    order = {kind: position for position, kind in enumerate(KIND_OF_FILE)}
    for problem in sorted(problems, key=lambda p: (order.get(Path(p.file).stem, -1), p.row)):
        kind = Path(problem.file).stem
        if kind not in KIND_OF_FILE or (problem.file != f"{kind}.csv"):
            kept.append(problem)  # not a bundle table's: already in the user's terms
            continue
        column_names = [c.strip() for c in problem.column.split(",")]
        chosen = next((c for name in column_names if (c := _user_column(kind, name, mapping)) is not None), None)
        rule = _KNOCK_ON_RULES.get((kind, problem.column), _value_once(problem.value, problem.rule))
        if rule.startswith("appears more than once in this file"):
            rule = (
                "makes the same record as an earlier row (ids are made from the area, the title and the start date, "
                "or your reference): remove one, or tell them apart"
            )
        if chosen is None:
            if problem.row:
                sheet_wide.setdefault((problem.column, rule), []).append((kind, problem.row))
                continue
            kept.append(replace(problem, file=mapping.file, sheet=mapping.sheet, rule=rule))
            continue
        if (problem.row, chosen.header) in seen:
            continue
        seen.add((problem.row, chosen.header))
        cell = f"{column_letter(chosen.index)}{problem.row}" if problem.row else ""
        read_as = (
            "" if normalised_heading(chosen.header) == normalised_heading(problem.column) else f" (read as {problem.column} of {kind})"
        )
        kept.append(replace(problem, file=mapping.file, sheet=mapping.sheet, column=chosen.header, cell=cell, rule=rule + read_as))
    offered = {t.name for t in targets(mapping.holds)}
    main_kind = "observations" if mapping.holds == "performance" else "agreements"
    for (column, rule), places in sheet_wide.items():
        kinds = ", ".join(dict.fromkeys(kind for kind, _ in places))
        rows = sorted({row for _, row in places})
        where = f"row {rows[0]}" if len(rows) == 1 else f"{len(rows)} rows, from row {rows[0]}"
        fix = (
            f"no column of your sheet is imported as {column}: choose one in the mapping, or add it to the sheet"
            if column in offered and main_kind in kinds
            else f"the format needs it and your sheet cannot give it here (it is the {kinds} made from your rows)"
        )
        kept.append(Problem(mapping.file, 0, f"{column} ({kinds})", "", f"{rule} ({where}): {fix}", mapping.sheet))
    return sorted(kept, key=lambda p: p.row)


# --- checking and importing a bundle ------------------------------------------------------------------


def import_bundle(
    engine: Engine,
    bundle: Bundle,
    *,
    sha256: str,
    apply: bool = False,
    who: str = "",
    replace_overlapping: bool = False,
    confirm_shared: bool = False,
) -> Report:
    """Check the bundle against the store (and, with `apply` and nothing wrong, write it in one transaction).

    The report's problems and notes are in the user's terms (`user_problems`); a problem of the mapping itself stops
    the import, but the rows are still checked so that every problem is listed at once.
    """
    mapping = bundle.mapping
    report = importing.import_tables(
        engine,
        bundle.tables,
        file_name=mapping.file,
        sha256=sha256,
        label=mapping.holds,
        apply=apply and not bundle.problems,
        who=who,
        replace_overlapping=replace_overlapping,
        confirm_shared=confirm_shared,
    )
    found = [p for p in report.problems if not (not bundle.tables and "not a kind of record" in p.rule)]
    report.problems = bundle.problems + user_problems(found, mapping)
    report.notes = user_problems(report.notes, mapping)
    report.sheet = mapping.sheet
    return report


def mapping_text(mapping: Mapping) -> str:
    """The mapping as lines of text, for the command line: their column -> the format's, and why."""
    return "\n".join(f"MAP {c.header!r} -> {c.target}: {c.reason}" for c in mapping.columns)


def command_line(args: argparse.Namespace, data: bytes, engine: Engine) -> int:
    """`python -m data_access.importing --kind contracts --area norfolk --file register.xlsx [--map "their=our"]`."""
    table = read_file(data, Path(args.file).name, sheet=args.sheet)
    if table.problems:
        print("\n".join(f"PROBLEM: {p.rule}" for p in table.problems), file=sys.stderr)
        return 2
    if not args.area:
        print("--area is needed with --kind contracts, grants or performance: the id of the area the sheet is for", file=sys.stderr)
        return 2
    with engine.connect() as connection:
        mapping = propose_for(connection, table, args.kind)
    headers = {normalised_heading(c.header): c.header for c in mapping.columns}
    offered = [t.name for t in targets(args.kind)] + [NOT_IMPORTED]
    choices: dict[str, str] = {}
    for given in args.map or []:
        theirs, _, ours = given.partition("=")
        if normalised_heading(theirs) not in headers or ours.strip() not in offered:
            ours_text, theirs_text = ", ".join(offered), ", ".join(headers.values())
            print(f"--map '{given}': write 'their column=our column'; theirs: {theirs_text}; ours: {ours_text}", file=sys.stderr)
            return 2
        choices[headers[normalised_heading(theirs)]] = ours.strip()
    mapping = mapping.choose(choices)
    print(mapping_text(mapping))
    with engine.connect() as connection:
        bundle = to_bundle(table, mapping, args.area, connection=connection)
    report = import_bundle(
        engine,
        bundle,
        sha256=hashlib.sha256(data).hexdigest(),
        apply=args.apply,
        who=args.who,
        replace_overlapping=args.replace_overlapping,
        confirm_shared=args.confirm_shared,
    )
    print("\n".join(bundle.notes))
    print(importing.format_report(report))
    if args.apply and report.ok:
        with engine.begin() as connection:
            remember(connection, mapping, table.header, who=args.who)
        print("Applied." if report.applied else "Nothing to change: the store already matches this file.")
    return 0 if report.ok else 1


# --- for the import page ------------------------------------------------------------------------------


def mapping_frame(proposal: Mapping) -> pd.DataFrame:
    """The mapping as the page's editable table: the user's column, an example cell, where it goes, and why."""
    return pd.DataFrame(
        [{"Your column": c.header, "Example": c.example, "Imported as": c.target, "Why": c.reason} for c in proposal.columns],
        columns=["Your column", "Example", "Imported as", "Why"],
    )


def chosen_from_frame(proposal: Mapping, frame: pd.DataFrame) -> Mapping:
    """The mapping with the person's edits of `mapping_frame` (a cleared choice means not imported)."""
    edited = {
        str(h): str(t) if isinstance(t, str) and t else NOT_IMPORTED
        for h, t in zip(frame["Your column"], frame["Imported as"], strict=True)
    }
    return proposal.choose(edited)


def targets_frame(holds: str) -> pd.DataFrame:
    """What each place in the format means, for the page's help beneath the mapping."""
    return pd.DataFrame([{"Imported as": t.name, "Meaning": t.meaning} for t in targets(holds)], columns=["Imported as", "Meaning"])


def area_choices(connection: Connection) -> dict[str, str]:
    """Area id -> name, in name order: the areas a sheet can be imported for."""
    area = table_of(Area)
    return {str(i): str(n) for i, n in connection.execute(select(area.c.id, area.c.name).order_by(area.c.name))}


def area_named(table: Table, proposal: Mapping, areas: dict[str, str]) -> str | None:
    """The area every filled cell of the sheet's area column names (by id or name), to offer first; else None."""
    column = proposal.column_for("area")
    if column is None:
        return None
    by_name = {normalised_name(key): area for area, name in areas.items() for key in (area, name)}
    named = {by_name.get(normalised_name(cell)) for cell in _cells(table, column.index)}
    return next(iter(named)) if len(named) == 1 else None
