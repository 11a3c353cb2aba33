"""What is wrong with the figures: checks that flag, and never block, for the staff who load them and the
panel that reads them.

Each check is a function `(session, audience) -> list of findings`. A finding names its check, a
severity, a plain description, the records involved (`table:id`, separated by `; `), a link to a page of
the app that shows them (path and query, relative to the app's root, e.g. `renewals?area=west-yorkshire`)
and the sources of the figures. SQL finds the rows; Python only words the findings.

Severities:
- high: the records contradict each other or a rule (a grant over its round's cap, spend after the end);
- medium: probably wrong, or a link that scrutiny needs is missing (no Plan priority);
- low: a gap worth filling (spend that does not account for all of a budget).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Select, and_, case, extract, func, literal, or_, select
from sqlmodel import Session

from data_access.models import (
    VISIBLE_TO,
    Agreement,
    AgreementPriority,
    Amendment,
    Area,
    Audience,
    AuditEntry,
    Basis,
    Budget,
    FundingStream,
    ImportRecord,
    Measure,
    Observation,
    Provider,
    Source,
    Spend,
)
from data_access.money import format_money
from data_access.periods import Period, format_date, fy_end, fy_label, fy_start, parse_partial_date, quarter_start
from data_access.queries import CITATION_SEP

COLUMNS = ["check_id", "check", "severity", "area_id", "area", "description", "records", "link", "citations"]
SEVERITIES = ("high", "medium", "low")
_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
RECORD_SEP = "; "
# Two provider names at least this alike, once normalised, are taken for one organisation.
NAME_SIMILARITY = 0.9
# Words that do not tell two organisations apart.
_NAME_NOISE = {"the", "ltd", "limited", "plc", "llp", "cic"}

CHECKS: dict[str, str] = {
    "parts_total": "Parts do not add up to the stated total",
    "shares": "Breakdown shares do not add up to 100%",
    "annual_quarters": "Annual figure does not match its quarters",
    "end_before_start": "Ends before it starts",
    "extensions": "Extended beyond the options available",
    "spend_after_end": "Spend after the agreement ended",
    "no_priority": "Agreement linked to no Plan priority",
    "provider_names": "One provider under several names",
    "over_cap": "Award over the grant round's cap",
    "future_dates": "Date later than its source",
}


@dataclass(frozen=True)
class Finding:
    """One thing that looks wrong, and where to see it."""

    check_id: str
    severity: str
    area_id: str
    description: str
    records: tuple[tuple[str, str], ...]  # (table, id)
    link: str
    citations: str


def _visible(model, audience: Audience):
    return model.visibility.in_([v.value for v in VISIBLE_TO[Audience(audience)]])


def _citation(model):
    return model.source_id + literal("|") + model.source_section


def _rows(session: Session, query: Select) -> list:
    return list(session.execute(query).all())


def _link(page: str, **params: str) -> str:
    return f"{page}?{urlencode(params)}" if params else page


def _year_param(year: int) -> str:
    return fy_label(year).replace("/", "-")  # as the app's links write it (ui.filters)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _ids(text: str | None) -> list[str]:
    return [i for i in (text or "").split(CITATION_SEP) if i]


def _cites(*texts: str | None) -> str:
    return CITATION_SEP.join(dict.fromkeys(c for text in texts for c in _ids(text)))


# --- the checks ------------------------------------------------------------------------------


def shares_not_100(session: Session, audience: Audience) -> list[Finding]:
    """Breakdown shares (measures in unit 'share') and an agreement's priority shares that do not add up to 100.

    Shares rounded to whole percent may miss 100 by up to half a point each; only a gap wider than that is flagged.
    """
    findings = []
    query = (
        select(
            Observation.measure_id,
            Measure.name,
            Observation.area_id,
            Observation.agreement_id,
            Agreement.title,
            Observation.period_start,
            Observation.period_end,
            Observation.financial_year,
            Observation.quarter,
            Observation.dimension,
            func.sum(Observation.value).label("total"),
            func.count().label("parts"),
            func.max(case((Observation.basis == Basis.ILLUSTRATIVE, 1), else_=0)).label("illustrative"),
            func.aggregate_strings(Observation.id, CITATION_SEP).label("ids"),
            func.aggregate_strings(_citation(Observation), CITATION_SEP).label("citations"),
        )
        .join(Measure, Observation.measure_id == Measure.id)
        .outerjoin(Agreement, Observation.agreement_id == Agreement.id)
        .where(Measure.unit == "share", _visible(Observation, audience), or_(Agreement.id.is_(None), _visible(Agreement, audience)))
        .group_by(
            Observation.measure_id,
            Measure.name,
            Observation.area_id,
            Observation.agreement_id,
            Agreement.title,
            Observation.period_start,
            Observation.period_end,
            Observation.financial_year,
            Observation.quarter,
            Observation.dimension,
        )
        .having(func.abs(func.sum(Observation.value) - 100) > 0.5 * func.count())
    )
    for r in _rows(session, query):
        period = Period(r.period_start, r.period_end, r.financial_year, r.quarter).label
        findings.append(
            Finding(
                "shares",
                "medium",
                r.area_id,
                f"{r.name}, {r.title or 'whole area'}, {period}: the {r.parts} shares by {r.dimension or 'category'} add up to "
                f"{_number(r.total)}%, not 100%" + (" (illustrative figures)" if r.illustrative else ""),
                tuple(("observation", i) for i in _ids(r.ids)),
                _link("performance", area=r.area_id),
                r.citations,
            )
        )
    priority_shares = (
        select(
            Agreement.id,
            Agreement.title,
            Agreement.area_id,
            func.sum(AgreementPriority.share_percent).label("total"),
            func.aggregate_strings(AgreementPriority.priority_id, CITATION_SEP).label("priorities"),
            func.aggregate_strings(_citation(AgreementPriority), CITATION_SEP).label("citations"),
        )
        .join(AgreementPriority, AgreementPriority.agreement_id == Agreement.id)
        .where(_visible(Agreement, audience))
        .group_by(Agreement.id, Agreement.title, Agreement.area_id)
        .having(func.sum(AgreementPriority.share_percent) != 100)
    )
    for r in _rows(session, priority_shares):
        findings.append(
            Finding(
                "shares",
                "high",
                r.area_id,
                f"{r.title}: its shares across Plan priorities add up to {r.total}%, not 100%, so its spend is "
                + ("counted more than once" if r.total > 100 else "not all apportioned")
                + " in the spend by priority",
                (("agreement", r.id), *tuple(("agreement_priority", f"{r.id}|{p}") for p in _ids(r.priorities))),
                _link("spend", area=r.area_id),
                r.citations,
            )
        )
    return findings


def annual_not_quarters(session: Session, audience: Audience) -> list[Finding]:
    """A count stated for a year that disagrees with a stated quarterly average (x4) or with its four quarters' sum."""
    counted = and_(
        Measure.unit == "count",
        Observation.dimension == "",
        Observation.financial_year.is_not(None),
        _visible(Observation, audience),
        or_(Agreement.id.is_(None), _visible(Agreement, audience)),
    )
    keys = (
        Observation.measure_id,
        Measure.name,
        Observation.area_id,
        Observation.agreement_id,
        Agreement.title,
        Observation.financial_year,
    )
    per_quarter = or_(
        func.lower(Observation.value_statement).like("%per quarter%"), func.lower(Observation.value_statement).like("%a quarter%")
    )
    quarters = (
        select(
            *keys,
            func.sum(Observation.value).label("total"),
            func.max(case((Observation.basis == Basis.ILLUSTRATIVE, 1), else_=0)).label("illustrative"),
            func.aggregate_strings(Observation.id, CITATION_SEP).label("ids"),
            func.aggregate_strings(_citation(Observation), CITATION_SEP).label("citations"),
        )
        .join(Measure, Observation.measure_id == Measure.id)
        .outerjoin(Agreement, Observation.agreement_id == Agreement.id)
        .where(counted, Observation.quarter.is_not(None))
        .group_by(*keys)
        # Only a full year of quarters, each once, is comparable with an annual figure.
        .having(and_(func.count(func.distinct(Observation.quarter)) == 4, func.count() == 4))
    )
    annual = (
        select(
            *keys,
            Observation.id,
            Observation.value,
            case((per_quarter, 1), else_=0).label("per_quarter"),
            Observation.basis,
            _citation(Observation).label("citations"),
        )
        .join(Measure, Observation.measure_id == Measure.id)
        .outerjoin(Agreement, Observation.agreement_id == Agreement.id)
        .where(counted, Observation.quarter.is_(None))
        .order_by(Observation.id)
    )
    groups: dict[tuple, dict] = {}
    for r in _rows(session, annual):
        group = groups.setdefault(tuple(r[:6]), {"statements": [], "ids": [], "citations": []})
        flag = " (illustrative)" if r.basis == Basis.ILLUSTRATIVE else ""
        if r.per_quarter:
            group["statements"].append(
                (4 * r.value, f"the stated average of {_number(r.value)}{flag} a quarter makes {_number(4 * r.value)}")
            )
        else:
            group["statements"].insert(0, (r.value, f"the year is stated as {_number(r.value)}{flag}"))
        group["ids"].append(r.id)
        group["citations"].append(r.citations)
    for r in _rows(session, quarters):
        group = groups.get(tuple(r[:6]))
        if group is None:
            continue  # quarters with no annual figure: nothing to compare
        flag = " (illustrative)" if r.illustrative else ""
        group["statements"].append((r.total, f"the four quarters{flag} add up to {_number(r.total)}"))
        group["ids"] += _ids(r.ids)
        group["citations"].append(r.citations)
    findings = []
    for (_measure, name, area, _agreement, title, year), group in groups.items():
        totals = {round(value, 6) for value, _ in group["statements"]}
        if len(totals) < 2:
            continue
        findings.append(
            Finding(
                "annual_quarters",
                "medium",
                area,
                f"{name}, {title or 'whole area'}, {fy_label(year)}: " + "; ".join(text for _, text in group["statements"]),
                tuple(("observation", i) for i in dict.fromkeys(group["ids"])),
                _link("performance", area=area),
                _cites(*group["citations"]),
            )
        )
    return findings


def parts_not_total(session: Session, audience: Audience) -> list[Finding]:
    """Counts broken down by a dimension that do not add up to the total stated beside them; spend that does
    not add up to the budget for the same funding stream and year."""
    findings = []
    match = and_(
        Observation.measure_id == Measure.id,
        _visible(Observation, audience),
        or_(Observation.agreement_id.is_(None), Observation.agreement_id.in_(select(Agreement.id).where(_visible(Agreement, audience)))),
    )
    keys = (Observation.measure_id, Observation.area_id, Observation.agreement_id, Observation.period_start, Observation.period_end)
    parts = (
        select(
            *keys,
            Observation.dimension,
            func.sum(Observation.value).label("total"),
            func.aggregate_strings(Observation.id, CITATION_SEP).label("ids"),
            func.aggregate_strings(_citation(Observation), CITATION_SEP).label("citations"),
        )
        .join(Measure, match)
        .where(Measure.unit == "count", Observation.dimension != "")
        .group_by(*keys, Observation.dimension)
        .subquery()
    )
    whole = select(Observation).join(Measure, match).where(Measure.unit == "count", Observation.dimension == "").subquery()
    query = (
        select(
            parts.c.area_id,
            parts.c.dimension,
            parts.c.total,
            parts.c.ids,
            parts.c.citations,
            whole.c.id.label("total_id"),
            whole.c.value.label("stated"),
            whole.c.financial_year,
            whole.c.quarter,
            whole.c.period_start,
            whole.c.period_end,
            (whole.c.source_id + literal("|") + whole.c.source_section).label("total_citation"),
            Measure.name,
        )
        .join(
            whole,
            and_(
                *(parts.c[k.key] == whole.c[k.key] for k in keys[:2]),
                or_(parts.c.agreement_id == whole.c.agreement_id, and_(parts.c.agreement_id.is_(None), whole.c.agreement_id.is_(None))),
                parts.c.period_start == whole.c.period_start,
                parts.c.period_end == whole.c.period_end,
            ),
        )
        .join(Measure, Measure.id == parts.c.measure_id)
        .where(parts.c.total != whole.c.value)
    )
    for r in _rows(session, query):
        period = Period(r.period_start, r.period_end, r.financial_year, r.quarter).label
        findings.append(
            Finding(
                "parts_total",
                "medium",
                r.area_id,
                f"{r.name} by {r.dimension}, {period}: the parts add up to {_number(r.total)}; the stated total is {_number(r.stated)}",
                (("observation", r.total_id), *tuple(("observation", i) for i in _ids(r.ids))),
                _link("performance", area=r.area_id),
                _cites(r.total_citation, r.citations),
            )
        )

    spend = (
        select(
            Spend.area_id,
            Spend.financial_year,
            Spend.funding_stream_id,
            func.sum(Spend.amount_pence).label("spend_pence"),
            func.max(case((Spend.basis == Basis.ILLUSTRATIVE, 1), else_=0)).label("illustrative"),
            func.aggregate_strings(Spend.id, CITATION_SEP).label("ids"),
            func.aggregate_strings(_citation(Spend), CITATION_SEP).label("citations"),
        )
        .where(Spend.funding_stream_id.is_not(None), _visible(Spend, audience))
        .group_by(Spend.area_id, Spend.financial_year, Spend.funding_stream_id)
        .subquery()
    )
    budget = (
        select(
            Budget.area_id,
            Budget.financial_year,
            Budget.funding_stream_id,
            func.sum(Budget.amount_pence).label("budget_pence"),
            func.aggregate_strings(Budget.id, CITATION_SEP).label("ids"),
            func.aggregate_strings(_citation(Budget), CITATION_SEP).label("citations"),
        )
        .where(_visible(Budget, audience))
        .group_by(Budget.area_id, Budget.financial_year, Budget.funding_stream_id)
        .subquery()
    )
    query = (
        select(
            budget.c.area_id,
            budget.c.financial_year,
            FundingStream.name,
            budget.c.budget_pence,
            func.coalesce(spend.c.spend_pence, 0).label("spend_pence"),
            spend.c.illustrative,
            budget.c.ids.label("budget_ids"),
            spend.c.ids.label("spend_ids"),
            budget.c.citations.label("budget_citations"),
            spend.c.citations.label("spend_citations"),
        )
        .join(FundingStream, FundingStream.id == budget.c.funding_stream_id)
        .outerjoin(
            spend,
            and_(
                spend.c.area_id == budget.c.area_id,
                spend.c.financial_year == budget.c.financial_year,
                spend.c.funding_stream_id == budget.c.funding_stream_id,
            ),
        )
        .where(func.coalesce(spend.c.spend_pence, 0) != budget.c.budget_pence)
        .order_by(budget.c.area_id, budget.c.financial_year, FundingStream.name)
    )
    for r in _rows(session, query):
        spent, budgeted = int(r.spend_pence), int(r.budget_pence)
        year = fy_label(r.financial_year)
        flag = " (illustrative)" if r.illustrative else ""
        if spent > budgeted:
            severity, text = "medium", f"spend recorded adds up to {format_money(spent)}{flag}, {format_money(spent - budgeted)} more than"
        elif spent == 0:
            severity, text = "low", "no spend is recorded against"
        else:
            severity, text = "low", f"spend recorded adds up to {format_money(spent)}{flag}, leaving {format_money(budgeted - spent)} of"
        findings.append(
            Finding(
                "parts_total",
                severity,
                r.area_id,
                f"{r.name}, {year}: {text} the budget of {format_money(budgeted)}" + (" unaccounted for" if 0 < spent < budgeted else ""),
                tuple(("budget", i) for i in _ids(r.budget_ids)) + tuple(("spend", i) for i in _ids(r.spend_ids)),
                _link("spend", area=r.area_id, year=_year_param(r.financial_year)),
                _cites(r.budget_citations, r.spend_citations),
            )
        )
    return findings


def ends_before_start(session: Session, audience: Audience) -> list[Finding]:
    """Agreements whose original, current or latest possible end is before their start; amendments that end an agreement before it began."""
    findings = []
    start = Agreement.start_date
    query = (
        select(
            Agreement.id,
            Agreement.title,
            Agreement.area_id,
            start,
            Agreement.original_end_date,
            Agreement.current_end_date,
            Agreement.latest_end_date,
            _citation(Agreement).label("citations"),
        )
        .where(
            _visible(Agreement, audience),
            start.is_not(None),
            or_(Agreement.original_end_date < start, Agreement.current_end_date < start, Agreement.latest_end_date < start),
        )
        .order_by(Agreement.id)
    )
    for r in _rows(session, query):
        ends = [
            f"its {what} end is {format_date(day)}"
            for what, day in (("original", r.original_end_date), ("current", r.current_end_date), ("latest possible", r.latest_end_date))
            if day is not None and day < r.start_date
        ]
        findings.append(
            Finding(
                "end_before_start",
                "high",
                r.area_id,
                f"{r.title} starts on {format_date(r.start_date)} but " + " and ".join(ends),
                (("agreement", r.id),),
                _link("renewals", area=r.area_id),
                r.citations,
            )
        )
    query = (
        select(
            Amendment.id,
            Amendment.kind,
            Amendment.new_end_date,
            Agreement.id.label("agreement_id"),
            Agreement.title,
            Agreement.area_id,
            start,
            _citation(Amendment).label("citations"),
        )
        .join(Agreement, Amendment.agreement_id == Agreement.id)
        .where(_visible(Amendment, audience), _visible(Agreement, audience), Amendment.new_end_date < start)
        .order_by(Amendment.id)
    )
    for r in _rows(session, query):
        findings.append(
            Finding(
                "end_before_start",
                "high",
                r.area_id,
                f"An amendment ({r.kind}) of {r.title} sets its end to {format_date(r.new_end_date)}, "
                f"before it starts on {format_date(r.start_date)}",
                (("amendment", r.id), ("agreement", r.agreement_id)),
                _link("renewals", area=r.area_id),
                r.citations,
            )
        )
    return findings


def extensions_beyond_options(session: Session, audience: Audience) -> list[Finding]:
    """More extensions used or recorded than options available, a current end past the latest possible end,
    and extensions recorded where the options are not stated or not counted."""
    recorded = (
        select(
            Amendment.agreement_id,
            func.count().label("extensions"),
            func.aggregate_strings(Amendment.id, CITATION_SEP).label("ids"),
            func.aggregate_strings(_citation(Amendment), CITATION_SEP).label("citations"),
        )
        .where(Amendment.kind == "extension", _visible(Amendment, audience))
        .group_by(Amendment.agreement_id)
        .subquery()
    )
    available, used = Agreement.extension_options_available, Agreement.extension_options_used
    extensions = func.coalesce(recorded.c.extensions, 0)
    query = (
        select(
            Agreement.id,
            Agreement.title,
            Agreement.area_id,
            available,
            used,
            Agreement.current_end_date,
            Agreement.latest_end_date,
            extensions.label("extensions"),
            recorded.c.ids,
            _citation(Agreement).label("citations"),
            recorded.c.citations.label("amendment_citations"),
        )
        .outerjoin(recorded, recorded.c.agreement_id == Agreement.id)
        .where(
            _visible(Agreement, audience),
            or_(
                and_(available.is_not(None), or_(used > available, extensions > available)),
                Agreement.current_end_date > Agreement.latest_end_date,
                and_(extensions > 0, available.is_(None)),
                extensions > used,
            ),
        )
        .order_by(Agreement.id)
    )
    findings = []
    for r in _rows(session, query):
        high, other = [], []
        if r.extension_options_available is not None and r.extension_options_used > r.extension_options_available:
            high.append(f"{r.extension_options_used} extension options used of {r.extension_options_available} available")
        if r.extension_options_available is not None and r.extensions > r.extension_options_available:
            high.append(f"{_count(r.extensions, 'extension')} recorded against {_count(r.extension_options_available, 'option')} available")
        if r.current_end_date and r.latest_end_date and r.current_end_date > r.latest_end_date:
            high.append(
                f"it now ends on {format_date(r.current_end_date)}, after its latest possible end of {format_date(r.latest_end_date)}"
            )
        if r.extensions and r.extension_options_available is None:
            other.append(f"{_count(r.extensions, 'extension')} recorded but the number of extension options is not stated")
        if r.extensions > r.extension_options_used:
            other.append(f"{_count(r.extensions, 'extension')} recorded but options used says {r.extension_options_used}")
        findings.append(
            Finding(
                "extensions",
                "high" if high else "medium",
                r.area_id,
                f"{r.title}: " + "; ".join(high + other),
                (("agreement", r.id), *tuple(("amendment", i) for i in _ids(r.ids))),
                _link("renewals", area=r.area_id),
                _cites(r.citations, r.amendment_citations),
            )
        )
    return findings


def spend_after_end(session: Session, audience: Audience) -> list[Finding]:
    """Spend for a financial year (or quarter) that starts after the agreement's current end."""
    end = Agreement.current_end_date
    end_year = extract("year", end) - case((extract("month", end) < 4, 1), else_=0)  # the financial year the end falls in
    query = (
        select(
            Spend.id,
            Spend.area_id,
            Spend.financial_year,
            Spend.quarter,
            Spend.amount_pence,
            Spend.basis,
            Agreement.id.label("agreement_id"),
            Agreement.title,
            end,
            Agreement.end_precision,
            _citation(Spend).label("citations"),
        )
        .join(Agreement, Spend.agreement_id == Agreement.id)
        .where(_visible(Spend, audience), _visible(Agreement, audience), end.is_not(None), Spend.financial_year >= end_year)
        .order_by(Spend.id)
    )
    findings = []
    for r in _rows(session, query):
        starts = quarter_start(r.financial_year, r.quarter) if r.quarter else fy_start(r.financial_year)
        if starts <= r.current_end_date:
            continue  # the period began before the end (SQL compared whole years only)
        period = Period(starts, fy_end(r.financial_year), r.financial_year, r.quarter).label
        findings.append(
            Finding(
                "spend_after_end",
                "high",
                r.area_id,
                f"{format_money(r.amount_pence)} of spend in {period}"
                + (" (illustrative)" if r.basis == Basis.ILLUSTRATIVE else "")
                + f" on {r.title}, which ended {format_date(r.current_end_date, r.end_precision)}",
                (("spend", r.id), ("agreement", r.agreement_id)),
                _link("spend", area=r.area_id, year=_year_param(r.financial_year)),
                r.citations,
            )
        )
    return findings


def no_priority(session: Session, audience: Audience) -> list[Finding]:
    """Agreements that serve no Plan priority, so their spend cannot be followed to the plan."""
    query = (
        select(Agreement.id, Agreement.title, Agreement.area_id, Agreement.status, _citation(Agreement).label("citations"))
        .outerjoin(AgreementPriority, AgreementPriority.agreement_id == Agreement.id)
        .where(_visible(Agreement, audience), AgreementPriority.agreement_id.is_(None))
        .order_by(Agreement.area_id, Agreement.title)
    )
    return [
        Finding(
            "no_priority",
            "medium",
            r.area_id,
            f"{r.title} ({r.status}) is linked to no Plan priority, so its money cannot be followed to the plan",
            (("agreement", r.id),),
            _link("renewals", area=r.area_id),
            r.citations,
        )
        for r in _rows(session, query)
    ]


def normalised_name(name: str) -> str:
    """A provider's name without case, punctuation, bracketed abbreviations, 'The' or 'Ltd/Limited'."""
    text = re.sub(r"\([^)]*\)", " ", name.lower()).replace("&", " and ")
    words = re.sub(r"[^\w\s]", " ", text).split()
    return " ".join(w for w in words if w not in _NAME_NOISE)


def provider_names(session: Session, audience: Audience) -> list[Finding]:
    """Providers whose names, normalised, are the same or nearly so, or who share a charity or company number."""
    areas = (
        select(Agreement.provider_id, func.min(Agreement.area_id).label("area_id"))
        .where(Agreement.provider_id.is_not(None), _visible(Agreement, audience))
        .group_by(Agreement.provider_id)
        .subquery()
    )
    query = (
        select(
            Provider.id,
            Provider.name,
            Provider.charity_number,
            Provider.company_number,
            areas.c.area_id,
            _citation(Provider).label("citations"),
        )
        .outerjoin(areas, areas.c.provider_id == Provider.id)
        .order_by(Provider.id)
    )
    providers = _rows(session, query)
    # Join pairs that look alike into groups, so three spellings give one finding.
    group_of = {p.id: {p.id} for p in providers}
    reasons: dict[frozenset, str] = {}
    for a, b in combinations(providers, 2):
        why = ""
        for number in ("charity_number", "company_number"):
            first, second = (getattr(p, number).replace(" ", "").upper() for p in (a, b))
            if first and first == second:
                why = f"the same {number.replace('_', ' ')} ({getattr(a, number)})"
        na, nb = normalised_name(a.name), normalised_name(b.name)
        if not why and na and nb and SequenceMatcher(None, na, nb).ratio() >= NAME_SIMILARITY:
            why = "names that match once case, punctuation, 'The' and 'Ltd/Limited' are ignored"
        if why:
            merged = group_of[a.id] | group_of[b.id]
            for member in merged:
                group_of[member] = merged
            reasons[frozenset(merged)] = why
    by_id = {p.id: p for p in providers}
    findings, seen = [], set()
    for members in group_of.values():
        key = frozenset(members)
        if len(members) < 2 or key in seen:
            continue
        seen.add(key)
        rows = [by_id[m] for m in sorted(members)]
        area = next((p.area_id for p in rows if p.area_id), "")
        why = next(reason for group, reason in reasons.items() if group <= key)
        findings.append(
            Finding(
                "provider_names",
                "medium",
                area,
                "These may be one organisation under several names: " + ", ".join(f"“{p.name}”" for p in rows) + f" ({why})",
                tuple(("provider", p.id) for p in rows),
                _link("renewals", area=area) if area else "",
                _cites(*(p.citations for p in rows)),
            )
        )
    return findings


def over_cap(session: Session, audience: Audience) -> list[Finding]:
    """Agreements under a grant round with a cap per award whose value (total, else annual) is above the cap."""
    value = func.coalesce(Agreement.total_value_pence, Agreement.annual_value_pence)
    query = (
        select(
            Agreement.id,
            Agreement.title,
            Agreement.area_id,
            value.label("value_pence"),
            Agreement.total_value_pence,
            FundingStream.id.label("stream_id"),
            FundingStream.name.label("stream"),
            FundingStream.cap_per_award_pence,
            Agreement.illustrative_fields,
            _citation(Agreement).label("citations"),
            _citation(FundingStream).label("stream_citation"),
        )
        .join(FundingStream, Agreement.funding_stream_id == FundingStream.id)
        .where(_visible(Agreement, audience), FundingStream.cap_per_award_pence.is_not(None), value > FundingStream.cap_per_award_pence)
        .order_by(Agreement.id)
    )
    return [
        Finding(
            "over_cap",
            "high",
            r.area_id,
            f"{r.title}: {'total' if r.total_value_pence is not None else 'annual'} value {format_money(r.value_pence)}"
            + (" (illustrative)" if "value" in r.illustrative_fields else "")
            + f" is over the {format_money(r.cap_per_award_pence)} cap per award of {r.stream}",
            (("agreement", r.id), ("funding_stream", r.stream_id)),
            _link("renewals", area=r.area_id),
            _cites(r.citations, r.stream_citation),
        )
        for r in _rows(session, query)
    ]


def _source_date(published: date, precision: str) -> date:
    """The last day a source's publication date can mean: the end of its month or year when only those are known."""
    if precision in ("month", "year"):
        text = published.strftime("%Y-%m") if precision == "month" else str(published.year)
        published = parse_partial_date(text, at_end=True)[0]
    return published


def future_dates(session: Session, audience: Audience) -> list[Finding]:
    """Agreements said to be running or ended that start after the date of their source; amendments agreed,
    and figures for periods that begin, after it."""
    findings = []
    source = (Source.title.label("source"), Source.published, Source.published_precision)
    # SQL keeps the candidates (after the earliest day the source could mean); Python applies its precision.
    candidates: list[tuple[str, Select]] = [
        (
            "agreement",
            select(
                Agreement.id,
                Agreement.area_id,
                Agreement.title.label("what"),
                Agreement.start_date.label("day"),
                Agreement.status.label("note"),
                _citation(Agreement).label("citations"),
                *source,
            )
            .join(Source, Agreement.source_id == Source.id)
            .where(_visible(Agreement, audience), Agreement.status != "planned", Agreement.start_date > Source.published),
        ),
        (
            "amendment",
            select(
                Amendment.id,
                Agreement.area_id,
                Agreement.title.label("what"),
                Amendment.agreed_on.label("day"),
                Amendment.kind.label("note"),
                _citation(Amendment).label("citations"),
                *source,
            )
            .join(Agreement, Amendment.agreement_id == Agreement.id)
            .join(Source, Amendment.source_id == Source.id)
            .where(_visible(Amendment, audience), _visible(Agreement, audience), Amendment.agreed_on > Source.published),
        ),
        (
            "observation",
            select(
                Observation.id,
                Observation.area_id,
                Measure.name.label("what"),
                Observation.period_start.label("day"),
                Observation.period_end.label("note"),
                _citation(Observation).label("citations"),
                *source,
            )
            .join(Measure, Observation.measure_id == Measure.id)
            .join(Source, Observation.source_id == Source.id)
            .where(_visible(Observation, audience), Observation.period_start > Source.published),
        ),
    ]
    for table, query in candidates:
        for r in _rows(session, query.order_by(query.selected_columns[0])):
            latest = _source_date(r.published, r.published_precision)
            if r.day <= latest:
                continue
            when = format_date(latest)
            if table == "agreement":
                text = f"{r.what} is recorded as {r.note} but starts on {format_date(r.day)}, after its source ({r.source}, {when})"
                link = _link("renewals", area=r.area_id)
            elif table == "amendment":
                text = f"An amendment ({r.note}) of {r.what} was agreed on {format_date(r.day)}, after its source ({r.source}, {when})"
                link = _link("renewals", area=r.area_id)
            else:
                text = f"{r.what}: a figure for a period starting {format_date(r.day)}, after its source ({r.source}, {when}) was written"
                link = _link("performance", area=r.area_id)
            findings.append(Finding("future_dates", "high", r.area_id, text, ((table, r.id),), link, r.citations))
    return findings


ALL_CHECKS: dict[str, Callable[[Session, Audience], list[Finding]]] = {
    "parts_total": parts_not_total,
    "shares": shares_not_100,
    "annual_quarters": annual_not_quarters,
    "end_before_start": ends_before_start,
    "extensions": extensions_beyond_options,
    "spend_after_end": spend_after_end,
    "no_priority": no_priority,
    "provider_names": provider_names,
    "over_cap": over_cap,
    "future_dates": future_dates,
}


def _records_text(records: Iterable[tuple[str, str]]) -> str:
    return RECORD_SEP.join(f"{table}:{key}" for table, key in records)


def quality_findings(*, session: Session, audience: Audience, check: str | None = None, area: str | None = None) -> pd.DataFrame:
    """Every finding of every check (or of one `check`, in one `area`), most serious first; one row each, with its
    records, link and sources."""
    if check is not None and check not in CHECKS:
        raise ValueError(f"'{check}' is not a data-quality check; the checks are: {', '.join(CHECKS)}")
    names = dict(session.execute(select(Area.id, Area.name)).all())
    rows = [
        {
            "check_id": f.check_id,
            "check": CHECKS[f.check_id],
            "severity": f.severity,
            "area_id": f.area_id,
            "area": names.get(f.area_id, ""),
            "description": f.description,
            "records": _records_text(f.records),
            "link": f.link,
            "citations": f.citations,
        }
        for check_id, run in ALL_CHECKS.items()
        if check in (None, check_id)
        for f in run(session, audience)
        if area in (None, f.area_id)
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame.sort_values(["severity", "check_id", "area", "description"], key=lambda s: s.map(_ORDER) if s.name == "severity" else s)
    return frame.reset_index(drop=True)


def quality_summary(*, session: Session, audience: Audience) -> pd.DataFrame:
    """How many findings each check gives, by severity; every check is listed, with zero where it finds nothing."""
    findings = quality_findings(session=session, audience=audience)
    counts = findings.pivot_table(index="check_id", columns="severity", values="description", aggfunc="count", fill_value=0)
    frame = pd.DataFrame({"check_id": list(CHECKS), "check": list(CHECKS.values())})
    for severity in SEVERITIES:
        frame[severity] = [int(counts.at[c, severity]) if severity in counts and c in counts.index else 0 for c in frame["check_id"]]
    frame["findings"] = frame[list(SEVERITIES)].sum(axis=1)
    return frame


def _csv_safe(value: Any) -> Any:
    # OWASP CSV injection: text a spreadsheet would run as a formula is prefixed with an apostrophe.
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def findings_csv(findings: pd.DataFrame) -> bytes:
    """The findings as a CSV file (UTF-8 with a byte-order mark, so Excel shows £ correctly), safe to open in a spreadsheet."""
    frame = findings.rename(columns={"link": "link (relative to the dashboard's address)", "citations": "sources"})
    frame["sources"] = frame["sources"].str.replace(CITATION_SEP, "; ", regex=False)
    return frame.map(_csv_safe).to_csv(index=False).encode("utf-8-sig")


# --- the audit trail: who changed what, when, from which file (OPCC staff only) ----------------

UK_TIME = ZoneInfo("Europe/London")
AUDIT_COLUMNS = ["id", "at", "who", "action", "table_name", "record_key", "before", "after", "file_name", "file_sha256"]
IMPORT_COLUMNS = ["sha256", "file_name", "imported_at", "imported_by", "rows_added", "rows_changed", "changes_recorded"]
AUDIT_LIMIT = 1000


def _uk_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UK_TIME).astimezone(UTC)


def audit_choices(*, session: Session, audience: Audience) -> dict[str, Any]:
    """What the audit trail can be filtered by: the people and tables it names, and its first and last days (UK time)."""
    if Audience(audience) is not Audience.STAFF:
        return {"who": [], "tables": [], "first": None, "last": None}
    who = list(session.execute(select(AuditEntry.who).distinct().order_by(AuditEntry.who)).scalars())
    tables = list(session.execute(select(AuditEntry.table_name).distinct().order_by(AuditEntry.table_name)).scalars())
    first, last = session.execute(select(func.min(AuditEntry.at), func.max(AuditEntry.at))).one()
    return {
        "who": who,
        "tables": tables,
        "first": first.astimezone(UK_TIME).date() if first else None,
        "last": last.astimezone(UK_TIME).date() if last else None,
    }


def audit_entries(
    *,
    session: Session,
    audience: Audience,
    first_day: date | None = None,
    last_day: date | None = None,
    who: str | None = None,
    table: str | None = None,
    file_sha256: str | None = None,
    limit: int = AUDIT_LIMIT,
) -> pd.DataFrame:
    """Changes recorded by imports, newest first, filtered by UK day range, person, table and file (a SHA-256 or
    its first characters). Empty for anyone but OPCC staff: the values before and after may be restricted."""
    if Audience(audience) is not Audience.STAFF:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    query = select(*(getattr(AuditEntry, c) for c in AUDIT_COLUMNS)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if first_day:
        query = query.where(AuditEntry.at >= _uk_midnight_utc(first_day))
    if last_day:
        query = query.where(AuditEntry.at < _uk_midnight_utc(last_day + timedelta(days=1)))
    if who:
        query = query.where(AuditEntry.who == who)
    if table:
        query = query.where(AuditEntry.table_name == table)
    if file_sha256:
        prefix = file_sha256.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{1,64}", prefix):
            raise ValueError(f"'{file_sha256}' is not a SHA-256 (up to 64 characters 0-9 and a-f)")
        query = query.where(AuditEntry.file_sha256.like(prefix + "%"))
    result = session.execute(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["at"] = [at.astimezone(UK_TIME) for at in frame["at"]]
    return frame


def audit_changes(before: str, after: str) -> pd.DataFrame:
    """One audit entry's values before and after, field by field (`before`/`after` are JSON objects; blank for an insert or delete)."""

    def fields(text: str) -> dict[str, Any]:
        if not (text or "").strip():
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return {"(not JSON)": text}
        return value if isinstance(value, dict) else {"(value)": value}

    old, new = fields(before), fields(after)
    rows = [
        {
            "field": name,
            "before": _shown(old, name),
            "after": _shown(new, name),
            "changed": old.get(name, _ABSENT) != new.get(name, _ABSENT),
        }
        for name in dict.fromkeys([*old, *new])
    ]
    return pd.DataFrame(rows, columns=["field", "before", "after", "changed"])


_ABSENT = object()


def _shown(values: dict[str, Any], name: str) -> str:
    if name not in values:
        return "(none)"
    value = values[name]
    if value is None or value == "":
        return "(blank)"
    if name.endswith("_pence") and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value)  # money is whole pence in the store: shown as £310,000
    return str(value)


def import_records(*, session: Session, audience: Audience) -> pd.DataFrame:
    """Files imported, newest first, with how many changes the audit trail holds for each. Empty for anyone but OPCC staff."""
    if Audience(audience) is not Audience.STAFF:
        return pd.DataFrame(columns=IMPORT_COLUMNS)
    changes = select(AuditEntry.file_sha256, func.count().label("changes_recorded")).group_by(AuditEntry.file_sha256).subquery()
    query = (
        select(
            *(getattr(ImportRecord, c) for c in IMPORT_COLUMNS[:-1]), func.coalesce(changes.c.changes_recorded, 0).label("changes_recorded")
        )
        .outerjoin(changes, changes.c.file_sha256 == ImportRecord.sha256)
        .order_by(ImportRecord.imported_at.desc())
    )
    result = session.execute(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["imported_at"] = [at.astimezone(UK_TIME) for at in frame["imported_at"]]
    return frame
