"""Load a folder of CSV files (the `sample_data/` format) into the store.

Every row of every file is checked before anything is written, and every problem is reported
(file, row, column, value, rule). Rows are keyed by their `id`, so loading the same files twice
changes nothing.
"""

from __future__ import annotations

import csv
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from data_access.models import (
    BASES,
    VISIBILITIES,
    Agreement,
    AgreementPriority,
    Amendment,
    Area,
    Budget,
    FundingStream,
    Measure,
    Milestone,
    Observation,
    Plan,
    Priority,
    Provider,
    Source,
    Spend,
)
from data_access.money import parse_money
from data_access.periods import parse_fy, parse_partial_date, parse_period

# Files in the order they load: each refers only to files above it.
FILES: list[tuple[str, type[SQLModel]]] = [
    ("sources.csv", Source),
    ("areas.csv", Area),
    ("plans.csv", Plan),
    ("priorities.csv", Priority),
    ("providers.csv", Provider),
    ("funding_streams.csv", FundingStream),
    ("agreements.csv", Agreement),
    ("amendments.csv", Amendment),
    ("milestones.csv", Milestone),
    ("agreement_priorities.csv", AgreementPriority),
    ("budgets.csv", Budget),
    ("spend.csv", Spend),
    ("measures.csv", Measure),
    ("observations.csv", Observation),
]

# Text columns that take one of a few words.
CHOICES: dict[tuple[type[SQLModel] | None, str], tuple[str, ...]] = {
    (None, "basis"): BASES,
    (None, "visibility"): VISIBILITIES,
    (Agreement, "kind"): ("contract", "grant"),
    (Agreement, "status"): ("planned", "active", "ended"),
    (Agreement, "procurement_route"): ("open", "selective", "limited", "direct", "not stated"),
    (Amendment, "kind"): ("extension", "variation", "termination"),
    (Milestone, "kind"): ("reprocurement", "decision", "delivery"),
    (Measure, "unit"): ("count", "percent", "share"),
}

# Date columns that may be partial (2018-03, 2018), and the column that records how precise they are.
PARTIAL_DATES: dict[tuple[type[SQLModel], str], tuple[str, bool]] = {
    (Source, "published"): ("published_precision", False),
    (Agreement, "start_date"): ("start_precision", False),
    (Agreement, "current_end_date"): ("end_precision", True),
}
YEAR_COLUMNS = {"first_year", "last_year", "financial_year"}


def _not_negative(field: str) -> Callable[[dict[str, Any]], bool]:
    return lambda values: (values.get(field) or 0) >= 0


# Rules within a row. The database enforces the same with CHECK constraints; checking here first
# reports each breach with its file, row and column instead of one refusal for the whole load.
ROW_RULES: dict[type[SQLModel], list[tuple[str, Callable[[dict[str, Any]], bool], str]]] = {
    Agreement: [
        (
            "current_end_date",
            lambda v: v.get("current_end_date") is None or v.get("start_date") is None or v["current_end_date"] >= v["start_date"],
            "ends before its start date",
        ),
        ("annual_value", _not_negative("annual_value_pence"), "must not be negative"),
        ("total_value", _not_negative("total_value_pence"), "must not be negative"),
    ],
    Budget: [("amount", _not_negative("amount_pence"), "must not be negative")],
    Spend: [
        (
            "amount",
            lambda v: (v.get("amount_pence") or 0) >= 0 or bool(v.get("is_credit")),
            "is negative: mark the row as a credit (is_credit yes) or correct it",
        )
    ],
}
PERIOD_MODELS = (Spend, Observation)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value, said so that someone can find and fix it."""

    file: str
    row: int
    column: str
    value: str
    rule: str


class ImportFailed(Exception):
    """Raised with every problem found; nothing has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s), first: {problems[0]}" if problems else "no problems")


def _base_type(annotation: Any) -> type:
    """`int | None` -> int."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation


def _parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in {"yes", "y", "true"}:
        return True
    if word in {"no", "n", "false"}:
        return False
    raise ValueError(f"'{text}' is not yes or no")


_CONVERTERS: dict[type, Callable[[str], Any]] = {
    int: int,
    float: float,
    bool: _parse_bool,
    date: date.fromisoformat,
    str: str,
}


def _convert_row(model: type[SQLModel], raw: dict[str, str], fail: Callable[[str, str, str], None]) -> dict[str, Any]:
    """One CSV row -> field values for `model`; every problem goes to `fail(column, value, rule)`."""
    values: dict[str, Any] = {}
    precision_fields = {p for p, _ in PARTIAL_DATES.values()}
    for name, info in model.model_fields.items():
        if name in precision_fields:
            continue
        if model in PERIOD_MODELS and name in {"financial_year", "quarter", "period_start", "period_end"}:
            continue
        column = name.removesuffix("_pence")
        text = (raw.get(column) or "").strip()
        if not text:
            if info.is_required():
                fail(column, text, "required: this column may not be blank")
            continue
        kind = _base_type(info.annotation)
        try:
            if name.endswith("_pence"):
                values[name] = parse_money(text)
            elif name in YEAR_COLUMNS:
                values[name] = parse_fy(text)
            elif (model, name) in PARTIAL_DATES:
                precision_field, at_end = PARTIAL_DATES[(model, name)]
                values[name], values[precision_field] = parse_partial_date(text, at_end=at_end)
            else:
                values[name] = _CONVERTERS[kind](text)
        except ValueError as error:
            plain_int = kind is int and not name.endswith("_pence") and name not in YEAR_COLUMNS
            fail(column, text, "must be a whole number" if plain_int else str(error))
            continue
        allowed = CHOICES.get((model, name)) or CHOICES.get((None, name))
        if allowed and text not in allowed:
            fail(column, text, f"must be one of: {', '.join(allowed)}")
    if model in PERIOD_MODELS:
        text = (raw.get("period") or "").strip()
        try:
            period = parse_period(text)
        except ValueError as error:
            fail("period", text, str(error))
        else:
            values["financial_year"], values["quarter"] = period.financial_year, period.quarter
            if model is Observation:
                values["period_start"], values["period_end"] = period.start, period.end
            elif period.financial_year is None:
                fail("period", text, "spend needs a financial year or a quarter, not a date span")
    return values


def _columns(model: type[SQLModel]) -> set[str]:
    precision_fields = {p for p, _ in PARTIAL_DATES.values()}
    names = {n.removesuffix("_pence") for n in model.model_fields if n not in precision_fields}
    if model in PERIOD_MODELS:
        names -= {"financial_year", "quarter", "period_start", "period_end"}
        names.add("period")
    return names


def _key(model: type[SQLModel], values: dict[str, Any]) -> tuple:
    return tuple(values.get(c.name) for c in model.__table__.primary_key.columns)


def read_folder(folder: Path, *, known_ids: dict[str, set] | None = None) -> tuple[list[SQLModel], list[Problem]]:
    """Read and check every file in `folder`; returns the records and every problem found.

    `known_ids` maps table name -> ids already in the store, which rows may refer to.
    """
    known: dict[str, set] = {table: set(ids) for table, ids in (known_ids or {}).items()}
    records: list[SQLModel] = []
    problems: list[Problem] = []
    shares: dict[str, list[int]] = {}  # agreement id -> [first line, sum of its shares], for agreement_priorities.csv
    for file_name, model in FILES:
        path = folder / file_name
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            expected = _columns(model)
            for column in sorted(set(header) - expected):
                problems.append(Problem(file_name, 1, column, "", f"unexpected column; this file takes: {', '.join(sorted(expected))}"))
            for column in sorted(expected - set(header)):
                problems.append(Problem(file_name, 1, column, "", "missing column"))
            seen: set[tuple] = set()
            for line, raw in enumerate(reader, start=2):
                if not any((v or "").strip() for v in raw.values()):
                    continue
                row_problems: list[Problem] = []

                def fail(column: str, value: str, rule: str, _line: int = line, _into: list = row_problems, _file: str = file_name) -> None:
                    _into.append(Problem(_file, _line, column, value, rule))

                values = _convert_row(model, raw, fail)
                for column_name, holds, rule in ROW_RULES.get(model, []):
                    if not row_problems and not holds(values):
                        fail(column_name, (raw.get(column_name) or "").strip(), rule)
                for column in model.__table__.columns:
                    for fk in column.foreign_keys:
                        value = values.get(column.name)
                        target = fk.column.table.name
                        if value is not None and value not in known.get(target, set()):
                            fail(column.name, str(value), f"refers to an unknown {target} id")
                key = _key(model, values)
                if key in seen:
                    key_columns = [c.name for c in model.__table__.primary_key.columns]
                    fail(", ".join(key_columns), ", ".join(map(str, key)), "appears more than once in this file")
                seen.add(key)
                problems.extend(row_problems)
                if len(key) == 1 and key[0] is not None:
                    # Known even when the row has a mistake, so rows referring to it are not told a false "unknown id".
                    known.setdefault(model.__tablename__, set()).add(key[0])
                if not row_problems:
                    records.append(model(**values))
                    if model is AgreementPriority:
                        shares.setdefault(values["agreement_id"], [line, 0])[1] += values.get("share_percent", 100)
            for agreement_id, (first_line, total) in shares.items():
                if total != 100:
                    problems.append(
                        Problem(
                            file_name,
                            first_line,
                            "share_percent",
                            str(total),
                            f"the shares of agreement {agreement_id} add up to {total}, not 100",
                        )
                    )
            shares.clear()
    return records, problems


def load_folder(folder: Path, *, connection: Connection) -> int:
    """Check every file in `folder`, then write all rows on `connection`, or raise ImportFailed and write nothing.

    The caller owns the transaction: raising inside it rolls everything back.
    Returns the number of rows written or updated.
    """
    known_ids = {
        model.__tablename__: set(connection.execute(select(model.__table__.c.id)).scalars())
        for _, model in FILES
        if "id" in model.__table__.c
    }
    records, problems = read_folder(folder, known_ids=known_ids)
    if problems:
        raise ImportFailed(problems)
    session = Session(bind=connection)
    try:
        for record in records:
            session.merge(record)
        session.flush()
    except IntegrityError as error:
        raise ImportFailed([Problem(str(folder), 0, "", "", f"the database refused the rows: {error.orig}")]) from None
    finally:
        session.close()
    return len(records)
