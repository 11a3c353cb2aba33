"""One findings engine: every rule about the figures written once, returning typed findings.

A panel member's "look at these first", meeting mode's red flags, the briefing and the data-quality page
are views over the findings this module returns: they choose which to show and how much, and never
decide again whether something is wrong. For the same store, area, as-at date, year and audience they
therefore cannot contradict each other.

Each finding names its rule, its outcome (the rule is broken, or it cannot be checked because a value it
needs is not published), a severity, the records involved, the figures it used with their basis, a plain
statement, a question for the panel, a link to the page that shows the records, and its sources.

Rules never do arithmetic on a value that is not published: they say it cannot be checked instead, under
a heading that says so. A figure that is illustrative is labelled so in the statement itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from enum import StrEnum
from functools import cached_property
from itertools import combinations
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import Indel
from sqlalchemy import ColumnElement, Select, and_, case, extract, func, or_, select
from sqlmodel import Session, col

from data_access import disclosure, overlaps, queries
from data_access.basis import NOT_PUBLISHED
from data_access.exporting import escape_formula
from data_access.measures import PERCENT_UNITS, format_measure, number_text
from data_access.models import (
    Agreement,
    AgreementKind,
    AgreementPriority,
    Amendment,
    Area,
    Audience,
    Basis,
    Budget,
    FundingStream,
    Measure,
    MoneyQualifier,
    Observation,
    Provider,
    Source,
    Spend,
    visible_to,
)
from data_access.money import format_money
from data_access.periods import Period, format_date, fy_end, fy_label, fy_start, parse_partial_date, quarter_start
from data_access.queries import CITATION_SEP, citation

Query = Select[*tuple[Any, ...]]  # a SELECT of several columns
VALUE_GROWTH_PERCENT = 20  # amendments adding more than this share of the awarded value are flagged
# Shares rounded to whole percent may miss 100 by up to half a point each: only a wider gap is a finding.
SHARE_TOLERANCE_PER_PART = 0.5
# Two provider names at least this alike, once normalised, are taken for one organisation.
NAME_SIMILARITY = 0.9
_NAME_NOISE = {"the", "ltd", "limited", "plc", "llp", "cic"}
RECORD_SEP = "\n"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


class Outcome(StrEnum):
    """What a rule found: a breach of the rule, or that the rule cannot be checked (a value is not published)."""

    BREACH = "breach"
    CANNOT_CHECK = "cannot check"


class Scope(StrEnum):
    """Where a rule belongs: scrutiny views (overview, meeting, briefing), the data-quality page, or both."""

    SCRUTINY = "scrutiny"
    QUALITY = "quality"


@dataclass(frozen=True)
class Figure:
    """A number a finding used, with its basis: reported, derived (and how), illustrative, or not published (value None)."""

    name: str
    value: float | date | None
    unit: str  # "money" (pence), "count", "percent", "share", "number", "date"
    basis: str
    how: str = ""


@dataclass(frozen=True)
class Record:
    """A record a finding is about: its table, id and a name a person recognises."""

    table: str
    id: str
    label: str


@dataclass(frozen=True)
class Finding:
    """One thing wrong, or worth asking about, with everything a view needs to show it."""

    rule: str
    outcome: Outcome
    severity: Severity
    area_id: str
    statement: str
    question: str
    records: tuple[Record, ...]
    figures: tuple[Figure, ...]
    citations: str
    link: str

    @property
    def heading(self) -> str:
        rule = RULES[self.rule]
        return rule.heading if self.outcome is Outcome.BREACH else rule.cannot_check_heading

    @property
    def illustrative(self) -> bool:
        return any(f.basis == Basis.ILLUSTRATIVE for f in self.figures)


# --- wording helpers -----------------------------------------------------------------------------------


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 agreement', '9 agreements'."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _names(titles: Sequence[str], limit: int = 4) -> str:
    """'A, B and C'; past `limit`, 'A, B, C, D and 5 more'."""
    shown = list(titles[:limit])
    rest = len(titles) - len(shown)
    comma = "; " if any("," in t for t in shown) else ", "  # names with commas need a stronger separator
    if rest:
        return comma.join(shown) + f" and {rest} more"
    return shown[0] if len(shown) == 1 else comma.join(shown[:-1]) + " and " + shown[-1]


def _lower_first(name: str) -> str:
    """A measure's name inside a sentence: 'Share of …' -> 'share of …', but 'ISVA referrals' stays."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _on(text: str, precision: str) -> str:
    """'on 31 March 2019', or 'in March 2018' for a month or year."""
    return f"{'on' if precision == 'day' else 'in'} {text}"


def _number(value: float) -> str:
    return number_text(value)  # the decimals it has: 99.8 stays 99.8 (`data_access.measures`)


def _label(basis: str) -> str:
    return " (illustrative)" if basis == Basis.ILLUSTRATIVE else ""


def _cites(texts: Iterable[object]) -> str:
    """Citation columns ('source|section' lines) joined, each once, blanks dropped."""
    return CITATION_SEP.join(dict.fromkeys(c for text in texts if isinstance(text, str) for c in text.split(CITATION_SEP) if c))


def _link(page: str, **params: str) -> str:
    return f"{page}?{urlencode(params)}" if params else page


def _year_param(year: int) -> str:
    return fy_label(year).replace("/", "-")  # as the app's links write it (ui.filters)


def _day(value: Any) -> date | None:
    return None if value is None or pd.isna(value) else value  # type: ignore[no-any-return,unused-ignore]


def _basis(illustrative: object) -> str:
    return Basis.ILLUSTRATIVE if bool(illustrative) else Basis.REPORTED


def shares_gap(values: Iterable[float]) -> float | None:
    """How far shares of one whole fall short of 100% (negative when over), or None when the gap is within rounding:
    shares rounded to whole percent may each miss by half a point. The one rule every view uses for shares."""
    parts = [float(v) for v in values]
    total = sum(parts)
    return None if abs(total - 100) <= SHARE_TOLERANCE_PER_PART * len(parts) else 100 - total


def normalised_name(name: str) -> str:
    """A provider's name without case, punctuation, bracketed abbreviations, 'The' or 'Ltd/Limited'."""
    text = re.sub(r"\([^)]*\)", " ", name.lower()).replace("&", " and ")
    words = re.sub(r"[^\w\s]", " ", text).split()
    return " ".join(w for w in words if w not in _NAME_NOISE)


# --- what every rule reads: the area's records at the as-at date, fetched once -----------------------


@dataclass
class Context:
    """The question a view asks: one area, at an as-at date, for some financial years, for one audience."""

    session: Session
    area: str
    as_at: date
    audience: Audience
    years: tuple[int, ...]
    red_months: int = 6
    amber_months: int = 12
    # What rules find over the whole store rather than in one area (such as providers under several names), by key:
    # `store_findings` hands one dict to every area's context, so each is computed once per report, not once per area.
    store_wide: dict[Any, Any] = field(default_factory=dict)
    # The area's standing against its peer groups (compare.standing) where the caller has read it already for its own
    # line "Against its group": most of a scrutiny view's reads, done once, not again for the finding.
    peer_standing: pd.DataFrame | None = None

    def store_wide_value(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The store-wide result under `key`, computed on first use."""
        if key not in self.store_wide:
            self.store_wide[key] = compute()
        return self.store_wide[key]

    @property
    def disclose(self) -> bool:
        """Counts of people shown to the public pass the disclosure step; panel and staff see them exactly."""
        return self.audience == Audience.PUBLIC

    @cached_property
    def renewals(self) -> pd.DataFrame:
        if self.store_wide.get(ALL_AREAS) is not None:
            # A report of every area: one query for the whole store, each area's agreements in the one-area order.
            def every_area() -> dict[str, pd.DataFrame]:
                frame = queries.renewals(
                    session=self.session,
                    area=None,
                    as_at=self.as_at,
                    audience=self.audience,
                    red_months=self.red_months,
                    amber_months=self.amber_months,
                )
                split = {str(a): part.drop(columns=["area_id"]).reset_index(drop=True) for a, part in frame.groupby("area_id", sort=False)}
                return split | {"": frame.iloc[0:0].drop(columns=["area_id"])}

            by_area: dict[str, pd.DataFrame] = self.store_wide_value(("renewals", self.red_months, self.amber_months), every_area)
            return by_area.get(self.area, by_area[""])
        return queries.renewals(
            session=self.session,
            area=self.area,
            as_at=self.as_at,
            audience=self.audience,
            red_months=self.red_months,
            amber_months=self.amber_months,
        )

    @cached_property
    def amendments(self) -> pd.DataFrame:
        """Amendments made by the as-at date: agreed by then, or (no agreed date published) whose previous end had passed.
        One with neither date cannot be placed in time and counts as known: it is in the store because a source gives it."""
        frame = queries.amendments(session=self.session, area=self.area, audience=self.audience)
        when = [_day(a) or _day(p) for a, p in zip(frame["agreed_on"], frame["previous_end_date"], strict=True)]
        return frame.loc[pd.Series([w is None or w <= self.as_at for w in when], index=frame.index, dtype=bool)]

    @cached_property
    def observations(self) -> pd.DataFrame:
        """Figures for periods that had ended by the as-at date: the panel could not have had later ones."""
        frame = queries.observations(session=self.session, area=self.area, audience=self.audience)
        return frame.loc[pd.Series([end <= self.as_at for end in frame["period_end"]], index=frame.index, dtype=bool)]

    @cached_property
    def money_records(self) -> dict[tuple[int, str], list[Record]]:
        return _money_records(self)

    @cached_property
    def streams_with_spend(self) -> dict[int, set[str]]:
        return _streams_with_spend(self)

    def count_text(self, value: float, *, people: bool, published: bool = True) -> str:
        """A count as a finding writes it; counts of people pass the one disclosure step for the public."""
        if people and self.disclose:
            return disclosure.public_count(value, published=published).text
        return _number(value)

    def measure_text(self, row: Any, column: str) -> str:
        """An observation's value or target as written in a finding: 1,234, or 99.8% (as published); an illustrative
        percentage is not marked as published (the finding says it is illustrative)."""
        value = float(row[column])
        if row["unit"] in PERCENT_UNITS:
            own = row.get("target_basis", "") if column == "target" and hasattr(row, "get") else ""
            basis = own or row["basis"]
            return format_measure(value, row["unit"], labelled=basis != Basis.ILLUSTRATIVE)
        published = row.get("source_kind", "published") == "published" if hasattr(row, "get") else True
        # A target is set, not a count of people helped: only the value passes the disclosure step.
        people = column == "value" and bool(row["counts_people"]) and row["unit"] == "count"
        return self.count_text(value, people=people, published=published)


# The key, in `Context.store_wide`, of every area's financial years (`queries.financial_years_by_area`), set when a
# report covers every area: rules then find what they can for the whole store at once, not once per area.
ALL_AREAS = "all areas"


def _visible_both(model: Any, audience: Audience) -> ColumnElement[bool]:
    """An observation or spend row visible, with its agreement (when it has one) visible too."""
    return and_(
        visible_to(model, audience), or_(model.agreement_id.is_(None), col(Agreement.id).is_(None), visible_to(Agreement, audience))
    )


def _rows(ctx: Context, query: Any) -> list[Any]:
    return list(ctx.session.execute(query).all())


# --- the rules ---------------------------------------------------------------------------------------

LIVE_WARNINGS = ("red", "amber", "ok", "undated")  # running on the as-at date as far as is known


def _moves_end(amendments: pd.DataFrame) -> pd.Series:
    """Extensions and variations that move an agreement's end later."""
    keep = [
        k in ("extension", "variation") and _day(p) is not None and _day(n) is not None and n > p
        for k, p, n in zip(amendments["kind"], amendments["previous_end_date"], amendments["new_end_date"], strict=True)
    ]
    return pd.Series(keep, index=amendments.index, dtype=bool)


def _agreement(r: Any) -> Record:
    return Record("agreement", r.id, r.title)


def extensions(ctx: Context) -> list[Finding]:
    """Repeated extensions; an end past the latest possible end; more options used or recorded than available;
    an extension past the original end with no option recorded; extensions recorded but not counted as used."""
    known = ctx.amendments
    # Each agreement's amendments, counted and listed once as plain values: filtering the whole frame for every agreement
    # grew with their product, and a frame per agreement was most of this rule's time on 43 areas.
    moved = known[_moves_end(known)]
    moved_of = moved["agreement_id"].value_counts().to_dict()
    moved_kind_of = moved.groupby("agreement_id", sort=False)["kind"].first().to_dict()
    recorded_of = known.loc[known["kind"] == "extension", "agreement_id"].value_counts().to_dict()
    by_agreement = known.groupby("agreement_id", sort=False)
    ids_of, citations_of = by_agreement["id"].agg(list).to_dict(), by_agreement["citations"].agg(list).to_dict()
    found = []
    for r in ctx.renewals[ctx.renewals["warning"] != "planned"].itertuples():
        own = int(moved_of.get(r.id, 0))
        recorded = int(recorded_of.get(r.id, 0))
        original, current, latest = _day(r.original_end_date), _day(r.current_end_date), _day(r.latest_end_date)
        available = None if pd.isna(r.extension_options_available) else int(r.extension_options_available)
        # A blank count of options used is not published, never 0: only the extensions recorded are known to be used.
        used = None if pd.isna(r.extension_options_used) else int(r.extension_options_used)
        at_least = recorded if used is None else max(used, recorded)
        live = r.warning in LIVE_WARNINGS
        breaches, notes, questions = [], [], []
        if own >= 2:
            breaches.append(f"has been extended {own} times, to {r.end_text}")
            questions.append(f"Why has {r.title} been extended {own} times rather than re-procured?")
        if current is not None and latest is not None and current > latest:
            breaches.append(f"now ends on {r.end_text}, beyond the latest possible end of {r.latest_text} set when it was let")
            questions.append(f"Under what authority was {r.title} extended beyond its latest possible end, and why was it not re-procured?")
        if available is not None and at_least > available:
            breaches.append(f"has used {at_least} extension options, more than the {available} it was let with")
            questions.append(f"Under what authority was {r.title} extended beyond the options it was let with?")
        if (
            not breaches
            and original is not None
            and current is not None
            and current > original
            and latest is None
            and available is None
            and (own > 0 or ctx.as_at > original)
        ):
            how = " by variation" if own == 1 and moved_kind_of.get(r.id) == "variation" else ""
            notes.append(
                f"was extended{how} from its original end of {format_date(original)} to {r.end_text}, "
                "and no extension option in the original agreement is recorded"
            )
            questions.append(
                f"Was the extension of {r.title} within an option in the original agreement, "
                "and why was it extended rather than re-procured?"
            )
        if used is not None and recorded > used:
            notes.append(f"has {plural(recorded, 'extension')} recorded but its options used says {used}")
            questions.append(f"How many extension options of {r.title} have been used?")
        if not breaches and not notes:
            continue
        ended = "" if live else f" (it ended {_on(r.end_text, r.end_precision)})"
        severity = (Severity.HIGH if live else Severity.MEDIUM) if breaches else (Severity.MEDIUM if live else Severity.LOW)
        own_ids = ids_of.get(r.id, [])
        found.append(
            Finding(
                "extensions",
                Outcome.BREACH,
                severity,
                ctx.area,
                f"{r.title} " + "; it ".join(breaches + notes) + ended,
                questions[0],
                (_agreement(r), *(Record("amendment", i, r.title) for i in own_ids)),
                # Only published figures: a rule that needs an unpublished one does not use it (see the wording above).
                (
                    *([Figure("extension options available", available, "number", Basis.REPORTED)] if available is not None else []),
                    *([Figure("extension options used", used, "number", Basis.REPORTED)] if used is not None else []),
                    Figure("current end", current, "date", _basis("current_end_date" in r.illustrative_fields)),
                ),
                _cites([r.citations, *citations_of.get(r.id, [])]),
                _link("renewals", area=ctx.area),
            )
        )
    return found


def options_used_up(ctx: Context) -> list[Finding]:
    """Live agreements that have used every extension option they were let with: the next step is re-procurement.
    One let with options whose count of options used is not published cannot be checked (a blank is not 0)."""
    live = ctx.renewals["warning"].isin(LIVE_WARNINGS)
    rows = ctx.renewals[live & (ctx.renewals["options_remaining"] == 0) & (ctx.renewals["extension_options_used"] > 0)]
    unknown = ctx.renewals[live & ctx.renewals["extension_options_available"].notna() & ctx.renewals["extension_options_used"].isna()]
    cannot_check = [
        Finding(
            "options_used_up",
            Outcome.CANNOT_CHECK,
            Severity.LOW,
            ctx.area,
            f"{r.title} was let with {plural(int(r.extension_options_available), 'extension option')}, but how many have been "
            "used is not published, so whether any are left cannot be checked",
            f"How many of the extension options of {r.title} have been used, and when does it have to be re-procured?",
            (_agreement(r),),
            (
                Figure("extension options available", int(r.extension_options_available), "number", Basis.REPORTED),
                Figure("extension options used", None, "number", NOT_PUBLISHED),
            ),
            r.citations,
            _link("renewals", area=ctx.area),
        )
        for r in unknown.itertuples()
    ]
    return cannot_check + [
        Finding(
            "options_used_up",
            Outcome.BREACH,
            Severity.MEDIUM,
            ctx.area,
            f"{r.title} has used all its extension options ({r.options_text}) and ends {_on(r.end_text, r.end_precision)}",
            f"Why was {r.title} extended rather than re-procured, and what replaces it after {r.end_text}?",
            (_agreement(r),),
            (
                Figure("extension options available", int(r.extension_options_available), "number", Basis.REPORTED),
                Figure("extension options used", int(r.extension_options_used), "number", Basis.REPORTED),
            ),
            r.citations,
            _link("renewals", area=ctx.area),
        )
        for r in rows.itertuples()
    ]


def ending(ctx: Context) -> list[Finding]:
    """Live agreements ending within the red or amber window with no re-procurement step recorded."""
    rows = ctx.renewals[ctx.renewals["warning"].isin(["red", "amber"]) & ctx.renewals["reprocurement_recorded_on"].isna()]
    found = []
    for r in rows.sort_values("current_end_date").itertuples():
        months = ctx.red_months if r.warning == "red" else ctx.amber_months
        found.append(
            Finding(
                "ending",
                Outcome.BREACH,
                Severity.HIGH if r.warning == "red" else Severity.MEDIUM,
                ctx.area,
                f"{r.title} ends {_on(r.end_text, r.end_precision)}, within {months} months, and no re-procurement step is recorded",
                f"What happens to {r.title} after {r.end_text}: will it be re-procured, extended or ended, and when will the panel know?",
                (_agreement(r),),
                (Figure("current end", r.current_end_date, "date", _basis("current_end_date" in r.illustrative_fields)),),
                r.citations,
                _link("renewals", area=ctx.area),
            )
        )
    return found


def value_growth(ctx: Context) -> list[Finding]:
    """Amendments adding more than VALUE_GROWTH_PERCENT% to the awarded value; where the value or the change is
    not published, the growth cannot be checked."""
    known = ctx.amendments
    found = []
    # Plain rows and one pass over them, not a DataFrame per agreement: pandas indexing per group cost more than half a
    # second on a national store's area (hundreds of amendments).
    agreements = {row["id"]: row for row in ctx.renewals.to_dict("records")}
    moves_end = _moves_end(known).tolist()
    by_agreement: dict[Any, list[tuple[dict[str, Any], bool]]] = {}
    for change, moves in zip(known.to_dict("records"), moves_end, strict=True):
        if pd.notna(change["agreement_id"]):
            by_agreement.setdefault(change["agreement_id"], []).append((change, moves))
    for agreement_id, pairs in by_agreement.items():
        if agreement_id not in agreements:
            continue
        agreement = agreements[agreement_id]
        changes = [change for change, _ in pairs]
        title = str(agreement["title"])
        priced = [int(c["value_change_pence"]) for c in changes if pd.notna(c["value_change_pence"])]
        unpriced = [c for c, moves in pairs if pd.isna(c["value_change_pence"]) and moves]
        base_field = "total_value_pence" if pd.notna(agreement["total_value_pence"]) else "annual_value_pence"
        base = None if pd.isna(agreement[base_field]) or not agreement[base_field] else int(agreement[base_field])
        record = (Record("agreement", str(agreement_id), title), *(Record("amendment", c["id"], title) for c in changes))
        cited = _cites([agreement["citations"], *(c["citations"] for c in changes)])
        value_basis = _basis("value" in agreement["illustrative_fields"])
        if not unpriced and base is not None and priced:
            growth = sum(priced)
            if growth * 100 > base * VALUE_GROWTH_PERCENT:
                percent = (growth * 200 + base) // (2 * base)  # whole percent, halves up
                what = "awarded value" if base_field == "total_value_pence" else "annual value"
                label = _label(value_basis)
                found.append(
                    Finding(
                        "value_growth",
                        Outcome.BREACH,
                        Severity.HIGH if growth > base else Severity.MEDIUM,
                        ctx.area,
                        f"Amendments to {title} add {format_money(growth)}, {percent}% of its {what} of {format_money(base)}{label}",
                        f"Why has {title} grown by {percent}% since it was awarded, and was the increase competed or approved?",
                        record,
                        (Figure(what, base, "money", value_basis), Figure("added by amendments", growth, "money", Basis.REPORTED)),
                        cited,
                        _link("renewals", area=ctx.area),
                    )
                )
        elif unpriced or (base is None and priced):
            if unpriced:
                ends = ", ".join(f"to {format_date(c['new_end_date'])}" for c in unpriced)
                moves = plural(len(unpriced), "extension or variation", "extensions or variations")
                why = f"{moves} ({ends}) with no published change in value"
            else:
                why = "amendments that change its value, but no awarded value is published"
            found.append(
                Finding(
                    "value_growth",
                    Outcome.CANNOT_CHECK,
                    Severity.LOW,
                    ctx.area,
                    f"{title} has {why}, so how much it has grown cannot be checked",
                    f"What has each change to {title} cost, and where is that published?",
                    record,
                    (
                        Figure("awarded value", base, "money", value_basis if base is not None else NOT_PUBLISHED),
                        Figure(
                            "change in value",
                            None if unpriced else sum(priced),
                            "money",
                            NOT_PUBLISHED if unpriced else Basis.REPORTED,
                        ),
                    ),
                    cited,
                    _link("renewals", area=ctx.area),
                )
            )
    return found


def over_cap(ctx: Context) -> list[Finding]:
    """Awards from a round with a cap per award whose published value is above the cap; rounds with money but no
    individual awards published cannot be checked."""
    value = func.coalesce(col(Agreement.total_value_pence), col(Agreement.annual_value_pence))
    query: Query = (
        select(
            col(Agreement.id),
            col(Agreement.title),
            func.coalesce(col(Provider.name), "").label("provider"),
            value.label("value_pence"),
            col(Agreement.total_value_pence),
            col(FundingStream.id).label("stream_id"),
            col(FundingStream.name).label("stream"),
            col(FundingStream.cap_per_award_pence),
            col(Agreement.illustrative_fields),
            citation(Agreement).label("citations"),
            citation(FundingStream).label("stream_citation"),
        )
        .join(FundingStream, col(Agreement.funding_stream_id) == col(FundingStream.id))
        .outerjoin(Provider, col(Agreement.provider_id) == col(Provider.id))
        .where(
            col(Agreement.area_id) == ctx.area,
            visible_to(Agreement, ctx.audience),
            col(FundingStream.cap_per_award_pence).is_not(None),
            value > col(FundingStream.cap_per_award_pence),
        )
        .order_by(value.desc(), col(Agreement.id))
    )
    found = []
    for r in _rows(ctx, query):
        basis = _basis("value" in r.illustrative_fields)
        what = "total" if r.total_value_pence is not None else "annual"
        who = f" ({r.provider})" if r.provider else ""
        cap = format_money(int(r.cap_per_award_pence))
        found.append(
            Finding(
                "over_cap",
                Outcome.BREACH,
                Severity.HIGH,
                ctx.area,
                f"{r.title}{who} has {'a total' if what == 'total' else 'an annual'} value of "
                f"{format_money(int(r.value_pence))}{_label(basis)}, "
                f"above the {cap} cap per award of {r.stream}",
                f"Why did {r.provider or r.title} receive more than the {cap} cap for {r.stream}, and who approved it?",
                (Record("agreement", r.id, r.title), Record("funding_stream", r.stream_id, r.stream)),
                (
                    Figure(f"{what} value", int(r.value_pence), "money", basis),
                    Figure("cap per award", int(r.cap_per_award_pence), "money", "reported"),
                ),
                _cites([r.citations, r.stream_citation]),
                _link("renewals", area=ctx.area),
            )
        )
    # Capped rounds whose money is published but none of whose awards are: the cap cannot be checked.
    awards = select(func.count()).where(col(Agreement.funding_stream_id) == col(FundingStream.id), visible_to(Agreement, ctx.audience))
    money = (
        select(col(Budget.funding_stream_id))
        .where(col(Budget.area_id) == ctx.area, col(Budget.financial_year).in_(ctx.years), visible_to(Budget, ctx.audience))
        .union(
            select(col(Spend.funding_stream_id)).where(
                col(Spend.area_id) == ctx.area, col(Spend.financial_year).in_(ctx.years), visible_to(Spend, ctx.audience)
            )
        )
    )
    streams = select(
        col(FundingStream.id), col(FundingStream.name), col(FundingStream.cap_per_award_pence), citation(FundingStream).label("citations")
    ).where(
        col(FundingStream.area_id) == ctx.area,
        col(FundingStream.cap_per_award_pence).is_not(None),
        col(FundingStream.id).in_(money.subquery().select()),
        awards.scalar_subquery() == 0,
    )
    for s in _rows(ctx, streams.order_by(col(FundingStream.name))):
        cap = format_money(int(s.cap_per_award_pence))
        found.append(
            Finding(
                "over_cap",
                Outcome.CANNOT_CHECK,
                Severity.LOW,
                ctx.area,
                f"{s.name}: its individual awards are not published, so its {cap} cap per award cannot be checked",
                f"Who received {s.name} awards, how much did each get, and did any exceed {cap}?",
                (Record("funding_stream", s.id, s.name),),
                (Figure("awards", None, "money", NOT_PUBLISHED), Figure("cap per award", int(s.cap_per_award_pence), "money", "reported")),
                s.citations,
                _link("spend", area=ctx.area),
            )
        )
    return found


def awards_and_stated_total(ctx: Context) -> list[Finding]:
    """Funds (or rounds) with a stated total of awards whose listed awards, the grants from the stream, add up to more
    or less than it. Where an award's value is not published, or none is listed, the sum cannot be checked; awards
    written "up to" are ceilings, so only a sum of ceilings below the stated total is sure to fall short of it."""
    streams = select(
        col(FundingStream.id),
        col(FundingStream.name),
        col(FundingStream.stated_awards_total_pence),
        col(FundingStream.basis),
        citation(FundingStream).label("citations"),
    ).where(col(FundingStream.area_id) == ctx.area, col(FundingStream.stated_awards_total_pence).is_not(None))
    found = []
    for s in _rows(ctx, streams.order_by(col(FundingStream.name))):
        stated = int(s.stated_awards_total_pence)
        stated_text = f"{format_money(stated)}{_label(s.basis)}"
        awards = _rows(
            ctx,
            select(
                col(Agreement.id),
                col(Agreement.title),
                func.coalesce(col(Agreement.total_value_pence), col(Agreement.annual_value_pence)).label("value_pence"),
                col(Agreement.value_qualifier),
                col(Agreement.basis),
                col(Agreement.illustrative_fields),
                citation(Agreement).label("citations"),
            )
            .where(
                col(Agreement.funding_stream_id) == s.id,
                col(Agreement.kind) == AgreementKind.GRANT,
                col(Agreement.value_part_of_id).is_(None),  # a part of another award is in that award's value
                visible_to(Agreement, ctx.audience),
            )
            .order_by(col(Agreement.title), col(Agreement.id)),
        )
        stream = Record("funding_stream", s.id, s.name)
        records = (stream, *(Record("agreement", a.id, a.title) for a in awards))
        cited = _cites([s.citations, *(a.citations for a in awards)])
        stated_figure = Figure("stated total of awards", stated, "money", s.basis)
        valued = [a for a in awards if a.value_pence is not None]
        total = sum(int(a.value_pence) for a in valued)
        up_to = any(a.value_qualifier == MoneyQualifier.UP_TO for a in valued)
        basis = _basis(any(a.basis == Basis.ILLUSTRATIVE or "value" in a.illustrative_fields for a in valued))
        listed = plural(len(awards), "award")
        summed = Figure("sum of the awards listed", total, "money", basis, f"sum of the {plural(len(valued), 'published value')}")
        unvalued = [a for a in awards if a.value_pence is None]
        why = ""
        if not awards:
            why = f"a total of {stated_text} in awards is stated, but no award from it is listed"
        elif unvalued:
            one = len(unvalued) == 1
            names = _names([a.title for a in unvalued])
            why = f"{listed} listed, but {len(unvalued)} {'has' if one else 'have'} no published value ({names})"
        elif up_to and total > stated:
            why = f"the {listed} listed are ceilings (up to {format_money(total)}{_label(basis)} in all)"
        if why:
            found.append(
                Finding(
                    "awards_and_stated_total",
                    Outcome.CANNOT_CHECK,
                    Severity.LOW,
                    ctx.area,
                    f"{s.name}: {why}, so whether its awards add up to the stated total of {stated_text} cannot be checked",
                    f"Who received awards from {s.name}, how much did each get, and where is that published?",
                    records,
                    (stated_figure, summed if valued else Figure("awards", None, "money", NOT_PUBLISHED))
                    + ((Figure("award values", None, "money", NOT_PUBLISHED),) if unvalued and valued else ()),
                    cited,
                    _link("spend", area=ctx.area),
                )
            )
            continue
        if total == stated:
            continue
        gap = abs(stated - total)
        adds_up = f"add up to {'at most ' if up_to else ''}{format_money(total)}{_label(basis)}"
        if total < stated:
            statement = f"{s.name}: the {listed} listed {adds_up}, {format_money(gap)} less than the stated total of {stated_text}"
            question = f"Which awards from {s.name} make up the other {format_money(gap)}, and where are they published?"
        else:
            statement = f"{s.name}: the {listed} listed {adds_up}, {format_money(gap)} more than the stated total of {stated_text}"
            question = f"Which is right for {s.name}: the stated total of {format_money(stated)}, or the awards listed?"
        found.append(
            Finding(
                "awards_and_stated_total",
                Outcome.BREACH,
                Severity.MEDIUM,
                ctx.area,
                statement,
                question,
                records,
                (stated_figure, summed, Figure("difference", gap, "money", basis, "stated total less the sum of the awards")),
                cited,
                _link("spend", area=ctx.area),
            )
        )
    return found


def unlinked_spend(ctx: Context) -> list[Finding]:
    """Spend in the year that reaches no Plan priority: no priority of its own, and no agreement with a priority share."""
    shared = select(col(AgreementPriority.agreement_id)).where(col(AgreementPriority.agreement_id) == col(Spend.agreement_id)).exists()
    found = []
    for year in ctx.years:
        query = (
            select(
                col(Spend.id),
                col(Spend.description),
                func.coalesce(col(Agreement.title), "").label("agreement"),
                col(Spend.amount_pence),
                col(Spend.basis),
                citation(Spend).label("citations"),
            )
            .outerjoin(Agreement, col(Spend.agreement_id) == col(Agreement.id))
            .where(
                col(Spend.area_id) == ctx.area,
                col(Spend.financial_year) == year,
                _visible_both(Spend, ctx.audience),
                col(Spend.priority_id).is_(None),
                col(Spend.part_of_id).is_(None),  # a part ("of which") is in its whole's amount already
                ~shared,
            )
            .order_by(col(Spend.amount_pence).desc(), col(Spend.id))
        )
        rows = _rows(ctx, query)
        total = sum(int(r.amount_pence) for r in rows)
        if total <= 0:
            continue
        basis = _basis(any(r.basis == Basis.ILLUSTRATIVE for r in rows))
        names = [r.agreement or r.description or r.id for r in rows]
        found.append(
            Finding(
                "unlinked_spend",
                Outcome.BREACH,
                Severity.MEDIUM,
                ctx.area,
                f"{format_money(total)}{_label(basis)} of {fy_label(year)} spend is linked to no Plan priority: {_names(names)}",
                "Which Police and Crime Plan priority does this spend deliver?",
                tuple(Record("spend", r.id, n) for r, n in zip(rows, names, strict=True)),
                (Figure("spend linked to no priority", total, "money", basis, "sum of the payments listed"),),
                _cites(r.citations for r in rows),
                _link("spend", area=ctx.area, year=_year_param(year)),
            )
        )
    return found


def no_priority(ctx: Context) -> list[Finding]:
    """Agreements that serve no Plan priority, so their money cannot be followed to the plan."""
    query = (
        select(col(Agreement.id), col(Agreement.title), col(Agreement.status), citation(Agreement).label("citations"))
        .outerjoin(AgreementPriority, col(AgreementPriority.agreement_id) == col(Agreement.id))
        .where(col(Agreement.area_id) == ctx.area, visible_to(Agreement, ctx.audience), col(AgreementPriority.agreement_id).is_(None))
        .order_by(col(Agreement.title))
    )
    return [
        Finding(
            "no_priority",
            Outcome.BREACH,
            Severity.MEDIUM,
            ctx.area,
            f"{r.title} ({r.status}) is linked to no Plan priority, so its money cannot be followed to the plan",
            f"Which Police and Crime Plan priority does {r.title} serve?",
            (_agreement(r),),
            (),
            r.citations,
            _link("renewals", area=ctx.area),
        )
        for r in _rows(ctx, query)
    ]


def budget_and_spend(ctx: Context) -> list[Finding]:
    """Spend recorded against a funding stream's budget that is more or less than the budget. Where no spend is
    published for the stream and year, the comparison cannot be made: unknown is not zero."""
    found = []
    by_area_and_year = _budget_and_spend_by_area_and_year(ctx)
    empty = by_area_and_year[None]
    for year in ctx.years:
        frame = by_area_and_year.get((ctx.area, year), empty)
        published = spend_published(ctx, year)
        for r in frame[frame["budget_pence"].fillna(0) > 0].itertuples():
            budget = int(r.budget_pence)
            budget_basis = _basis(r.budget_illustrative)
            stream = r.funding_stream
            record = (Record("funding_stream", str(r.funding_stream_id), stream), *money_records(ctx, year, str(r.funding_stream_id)))
            link = _link("spend", area=ctx.area, year=_year_param(year))
            if r.funding_stream_id not in published:
                budget_text = f"{queries.money_text(budget, up_to=bool(r.budget_up_to))}{_label(budget_basis)}"
                awarded = int(r.awarded_pence) if r.awards else 0
                if awarded:
                    # Grants awarded from the stream are money committed against its budget, not money spent.
                    award_basis = _basis(r.awarded_illustrative_pence)
                    against = (
                        f"the {budget_text} {fy_label(year)} budget"
                        if not r.budget_up_to
                        else f"the {fy_label(year)} budget of {budget_text}"
                    )
                    statement = (
                        f"{stream}: no spend is published against {against}; "
                        f"{plural(int(r.awards), 'grant')} awarded from it add up to "
                        f"{queries.money_text(awarded, up_to=bool(r.awarded_up_to))}{_label(award_basis)}, "
                        "so what has been paid cannot be followed"
                    )
                    question = f"How much of the {stream} grants awarded in {fy_label(year)} has been paid, and where is that published?"
                else:
                    statement = (
                        f"{stream}: no spend is published against the {budget_text} {fy_label(year)} budget, "
                        "so what it pays for cannot be followed"
                        if not r.budget_up_to
                        else f"{stream}: no spend is published against the {fy_label(year)} budget of {budget_text}, "
                        "so what it pays for cannot be followed"
                    )
                    question = f"What is the {stream} budget for {fy_label(year)} paying for, and where is its spend published?"
                found.append(
                    Finding(
                        "budget_and_spend",
                        Outcome.CANNOT_CHECK,
                        Severity.LOW,
                        ctx.area,
                        statement,
                        question,
                        record,
                        (Figure("budget", budget, "money", budget_basis), Figure("spend", None, "money", NOT_PUBLISHED))
                        + ((Figure("awarded in grants", awarded, "money", award_basis),) if awarded else ()),
                        r.citations,
                        link,
                    )
                )
                continue
            spend = int(r.spend_pence)
            if spend == budget:
                continue
            spend_basis = _basis(r.spend_illustrative)
            label = _label(spend_basis)
            if spend > budget:
                statement = (
                    f"{stream}: spend recorded for {fy_label(year)} adds up to {format_money(spend)}{label}, "
                    f"{format_money(spend - budget)} more than the budget of {format_money(budget)}{_label(budget_basis)}"
                )
                question = f"Where did the extra {format_money(spend - budget)} for {stream} come from, and who approved it?"
            else:
                statement = (
                    f"{stream}: {format_money(budget - spend)}{_label(_basis(r.illustrative))} of the "
                    f"{format_money(budget)}{_label(budget_basis)} {fy_label(year)} budget "
                    f"has no spend recorded against it (spend recorded: {format_money(spend)}{label})"
                )
                question = "What is the rest of this budget paying for, and will it be spent this year?"
            found.append(
                Finding(
                    "budget_and_spend",
                    Outcome.BREACH,
                    Severity.MEDIUM if spend > budget else Severity.LOW,
                    ctx.area,
                    statement,
                    question,
                    record,
                    (
                        Figure("budget", budget, "money", budget_basis),
                        Figure("spend", spend, "money", spend_basis),
                        Figure("difference", abs(budget - spend), "money", _basis(r.illustrative), "budget less spend"),
                    ),
                    r.citations,
                    link,
                )
            )
    return found


def _budget_and_spend_by_area_and_year(ctx: Context) -> dict[Any, pd.DataFrame]:
    """`queries.budget_and_spend_by_funding_stream` of the context's area and years, by (area, year), and an empty frame
    under None: in a report of every area (`ALL_AREAS`), one query for the whole store, shared by every area's context."""
    every_area = ctx.store_wide.get(ALL_AREAS) is not None
    area = None if every_area else ctx.area
    years = sorted({y for ys in ctx.store_wide[ALL_AREAS].values() for y in ys}) if every_area else list(ctx.years)

    def compute() -> dict[Any, pd.DataFrame]:
        frame = queries.budget_and_spend_by_year_and_funding_stream(session=ctx.session, area=area, years=years, audience=ctx.audience)
        # Each part keeps the area and year columns and its index: the rule reads its rows by name, in order.
        split: dict[Any, pd.DataFrame] = {
            (str(a), int(y)): part for (a, y), part in frame.groupby(["area_id", "financial_year"], sort=False)
        }
        split[None] = frame.iloc[0:0]
        return split

    return dict(ctx.store_wide_value(("budget_and_spend", area, tuple(years)), compute))


def money_records(ctx: Context, year: int, stream: str) -> list[Record]:
    """The budget lines and payments of a funding stream in a year, as the records a finding names."""
    return ctx.money_records.get((year, stream), [])


def spend_published(ctx: Context, year: int) -> set[str]:
    """Funding streams with any spend row published for the area and year (the audience may see)."""
    return set(ctx.streams_with_spend.get(year, set()))


def _money_records(ctx: Context) -> dict[tuple[int, str], list[Record]]:
    """Every budget line and payment with a funding stream in the context's years, by (year, stream): budgets first,
    each table in id order. One query per table for the area, not two for every stream and year."""
    if ctx.store_wide.get(ALL_AREAS) is not None:
        # A report of every area: one query per table for the whole store, each area's records in id order as below.
        def every_area() -> dict[str, dict[tuple[int, str], list[Record]]]:
            by_area: dict[str, dict[tuple[int, str], list[Record]]] = {}
            for model, table in ((Budget, "budget"), (Spend, "spend")):
                query = select(col(model.id), col(model.area_id), col(model.financial_year), col(model.funding_stream_id)).where(
                    col(model.funding_stream_id).is_not(None), visible_to(model, ctx.audience)
                )
                for i, area, year, stream in ctx.session.execute(query.order_by(col(model.id))).all():
                    by_area.setdefault(str(area), {}).setdefault((int(year), str(stream)), []).append(Record(table, i, f"{table} {i}"))
            return by_area

        mine: dict[tuple[int, str], list[Record]] = ctx.store_wide_value("money_records", every_area).get(ctx.area, {})
        return {key: records for key, records in mine.items() if key[0] in ctx.years}
    found: dict[tuple[int, str], list[Record]] = {}
    for model, table in ((Budget, "budget"), (Spend, "spend")):
        query = select(col(model.id), col(model.financial_year), col(model.funding_stream_id)).where(
            col(model.area_id) == ctx.area,
            col(model.financial_year).in_(ctx.years),
            col(model.funding_stream_id).is_not(None),
            visible_to(model, ctx.audience),
        )
        for i, year, stream in ctx.session.execute(query.order_by(col(model.id))).all():
            found.setdefault((int(year), str(stream)), []).append(Record(table, i, f"{table} {i}"))
    return found


def _streams_with_spend(ctx: Context) -> dict[int, set[str]]:
    """Funding streams with any spend row the audience may see, by year of the context's years: one query."""
    query = select(col(Spend.financial_year), col(Spend.funding_stream_id)).where(
        col(Spend.area_id) == ctx.area,
        col(Spend.financial_year).in_(ctx.years),
        col(Spend.funding_stream_id).is_not(None),
        visible_to(Spend, ctx.audience),
    )
    published: dict[int, set[str]] = {}
    for year, stream in ctx.session.execute(query.distinct()).all():
        published.setdefault(int(year), set()).add(str(stream))
    return published


def shares(ctx: Context) -> list[Finding]:
    """Breakdown shares that do not add up to 100% (beyond rounding), and an agreement's Plan priority shares that
    do not add up to exactly 100 (its spend would be counted twice, or not all apportioned)."""
    found = []
    parts = ctx.observations[(ctx.observations["dimension"] != "") & (ctx.observations["unit"] == "share")]
    by_group = parts.groupby(["measure", "agreement", "dimension", "period"], sort=False)
    # Each group's values as a list first: most groups add up, and a frame for each of them was most of this rule's time.
    for (measure, agreement, dimension, period), values in by_group["value"].agg(list).items():
        if shares_gap(values) is None:
            continue
        group = by_group.get_group((measure, agreement, dimension, period))
        total = float(group["value"].sum())
        basis = _basis((group["basis"] == Basis.ILLUSTRATIVE).any())
        # Shares of people from a return that is not published would give hidden counts away: the public sees the sum only.
        private = ctx.disclose and (group.get("source_kind", pd.Series("published", index=group.index)) != "published").any()
        listed = "" if private else " (" + " + ".join(f"{_number(v)}%" for v in group["value"]) + ")"
        found.append(
            Finding(
                "shares",
                Outcome.BREACH,
                Severity.MEDIUM,
                ctx.area,
                f"{measure} for {agreement}, {period}: the {len(group)} shares by {dimension} add up to {_number(total)}%, "
                f"not 100%{listed}{_label(basis)}",
                f"What accounts for the missing {_number(100 - total)}% in the {_lower_first(measure)}, and which figure is right?",
                tuple(Record("observation", i, f"{measure}: {agreement}, {period}") for i in group["id"]),
                (Figure("sum of the shares", total, "percent", basis, "sum of the published shares"),),
                _cites(group["citations"]),
                _link("performance", area=ctx.area),
            )
        )
    priority_shares = (
        select(
            col(Agreement.id),
            col(Agreement.title),
            func.sum(col(AgreementPriority.share_percent)).label("total"),
            func.aggregate_strings(col(AgreementPriority.priority_id), CITATION_SEP).label("priorities"),
            func.aggregate_strings(citation(AgreementPriority), CITATION_SEP).label("citations"),
        )
        .join(AgreementPriority, col(AgreementPriority.agreement_id) == col(Agreement.id))
        .where(col(Agreement.area_id) == ctx.area, visible_to(Agreement, ctx.audience))
        .group_by(col(Agreement.id), col(Agreement.title))
        .having(func.sum(col(AgreementPriority.share_percent)) != 100)
        .order_by(col(Agreement.id))
    )
    for r in _rows(ctx, priority_shares):
        found.append(
            Finding(
                "shares",
                Outcome.BREACH,
                Severity.HIGH,
                ctx.area,
                f"{r.title}: its shares across Plan priorities add up to {_number(r.total)}%, not 100%, so its spend is "
                + ("counted more than once" if r.total > 100 else "not all apportioned")
                + " in the spend by priority",
                f"How is {r.title} split between the Plan priorities it serves?",
                (
                    Record("agreement", r.id, r.title),
                    *(Record("agreement_priority", f"{r.id}|{p}", r.title) for p in r.priorities.split(CITATION_SEP)),
                ),
                (Figure("sum of the priority shares", float(r.total), "percent", Basis.REPORTED, "sum of the shares"),),
                _cites([r.citations]),
                _link("spend", area=ctx.area),
            )
        )
    return found


def annual_and_quarters(ctx: Context) -> list[Finding]:
    """A count stated for a year that disagrees with a stated quarterly average (x4) or with its four quarters' sum."""
    found = []
    obs = ctx.observations
    counts = obs[(obs["dimension"] == "") & (obs["unit"] == "count") & obs["financial_year"].notna()]
    keys = ["measure", "agreement", "financial_year"]
    # Only a year with a stated annual figure and something to compare it with (a stated quarterly average, or four
    # quarters) can be a finding: the others are dropped in one pass over the frame, not looked at one by one below.
    whole = counts["quarter"].isna()
    average = counts["value_statement"].str.lower().str.contains("a quarter|per quarter|average", regex=True, na=False)
    by = [counts[k] for k in keys]
    has_annual = (whole & ~average).groupby(by, sort=False).transform("any")
    has_average = (whole & average).groupby(by, sort=False).transform("any")
    in_quarters = counts["quarter"].where(~whole)
    four_quarters = (in_quarters.groupby(by, sort=False).transform("count") == 4) & (
        in_quarters.groupby(by, sort=False).transform("nunique") == 4
    )
    counts = counts[(has_annual.fillna(False) & (has_average.fillna(False) | four_quarters)).astype(bool)]
    for (measure, agreement, year), rows in counts.groupby(keys, sort=False):
        whole_year = rows[rows["quarter"].isna()]
        per_quarter = whole_year["value_statement"].str.lower().str.contains("a quarter|per quarter|average", regex=True)
        average, annual = whole_year[per_quarter], whole_year[~per_quarter]
        quarters = rows[rows["quarter"].notna()]
        four = quarters if len(quarters) == 4 and quarters["quarter"].nunique() == 4 else quarters.iloc[0:0]
        people = bool(rows["counts_people"].any())

        def n(value: float, row: Any = None, people: bool = people) -> str:
            published = True if row is None else row.get("source_kind", "published") == "published"
            return ctx.count_text(value, people=people, published=published)

        for stated in annual.to_dict("records"):
            problems: list[str] = []
            used: list[dict[str, Any]] = [stated]
            alternatives: dict[float, str] = {}
            for avg in average.to_dict("records"):
                if stated["value"] != 4 * avg["value"]:
                    # 4 × a shown figure: the product is written from the figure as shown, so the sentence adds up.
                    shown = n(avg["value"], avg)
                    product = f"4 × {shown}" if not shown[:1].isdigit() else n(4 * avg["value"], avg)
                    problems.append(f"4 × the stated quarterly average of {shown}{_label(avg['basis'])} ({product})")
                    alternatives.setdefault(4 * avg["value"], f"{product} (4 × {shown})")
                    used.append(avg)
            if not four.empty and stated["value"] != four["value"].sum():
                label = ", illustrative" if (four["basis"] == Basis.ILLUSTRATIVE).any() else ""
                total = float(four["value"].sum())
                problems.append(f"the sum of the four quarters ({n(total)}{label})")
                alternatives.setdefault(total, f"{n(total)} (the four quarters{label})")
                used += four.to_dict("records")
            if not problems:
                continue
            period = fy_label(int(year))
            found.append(
                Finding(
                    "annual_and_quarters",
                    Outcome.BREACH,
                    Severity.MEDIUM,
                    ctx.area,
                    f"{measure} for {agreement}, {period}: the stated annual figure of "
                    f"{n(stated['value'], stated)}{_label(stated['basis'])} "
                    "does not match " + ", nor ".join(problems),
                    f"Which is right for {_lower_first(measure)} in {period}: {n(stated['value'], stated)} a year, "
                    f"or {' or '.join(alternatives.values())}?",
                    tuple(Record("observation", u["id"], f"{measure}: {agreement}, {period}") for u in used),
                    tuple(Figure(measure, float(u["value"]), "count", u["basis"]) for u in used),
                    _cites(u["citations"] for u in used),
                    _link("performance", area=ctx.area),
                )
            )
    return found


def parts_and_total(ctx: Context) -> list[Finding]:
    """Counts broken down by a dimension that do not add up to the total stated beside them."""
    obs = ctx.observations
    counts = obs[obs["unit"] == "count"]
    wholes = counts[counts["dimension"] == ""]
    found = []
    parts = counts[counts["dimension"] != ""]
    for (measure_id, agreement, start, end, dimension), group in parts.groupby(
        ["measure_id", "agreement", "period_start", "period_end", "dimension"], sort=False
    ):
        total = float(group["value"].sum())
        beside = wholes[
            (wholes["measure_id"] == measure_id)
            & (wholes["agreement"] == agreement)
            & (wholes["period_start"] == start)
            & (wholes["period_end"] == end)
        ]
        for stated in beside.to_dict("records"):
            if float(stated["value"]) == total:
                continue
            people = bool(stated["counts_people"])
            used = [stated, *group.to_dict("records")]
            basis = _basis(any(u["basis"] == Basis.ILLUSTRATIVE for u in used))
            found.append(
                Finding(
                    "parts_and_total",
                    Outcome.BREACH,
                    Severity.MEDIUM,
                    ctx.area,
                    f"{stated['measure']} by {dimension} for {agreement}, {stated['period']}: the parts add up to "
                    f"{ctx.count_text(total, people=people)}; the stated total is {ctx.count_text(float(stated['value']), people=people)}"
                    f"{_label(basis)}",
                    f"Which is right for {_lower_first(str(stated['measure']))}: the total or the sum of its parts?",
                    tuple(Record("observation", u["id"], f"{stated['measure']}: {agreement}, {stated['period']}") for u in used),
                    (
                        Figure("sum of the parts", total, "count", basis, "sum of the parts"),
                        Figure("stated total", float(stated["value"]), "count", stated["basis"]),
                    ),
                    _cites(u["citations"] for u in used),
                    _link("performance", area=ctx.area),
                )
            )
    return found


def below_target(ctx: Context) -> list[Finding]:
    """The latest period of each measure below its target; two periods running below is the stronger finding."""
    found = []
    obs = ctx.observations
    plain = obs[(obs["dimension"] == "") & obs["target"].notna()]

    def below(row: Any) -> bool:
        return bool(row["value"] < row["target"] if row["higher_is_better"] else row["value"] > row["target"])

    # Each measure's last two periods, from one sort and one pass over plain rows: sorting and indexing every group in
    # pandas took most of a national store's overview (hundreds of measures in an area).
    latest: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for row in plain.sort_values("period_end", kind="stable").groupby(["measure", "agreement"], sort=False).tail(2).to_dict("records"):
        latest.setdefault((row["measure"], row["agreement"]), []).append(row)
    for measure, agreement in dict.fromkeys(zip(plain["measure"], plain["agreement"], strict=True)):  # as groupby(sort=False)
        periods = latest.get((measure, agreement))
        if not periods:  # a blank measure or agreement: not grouped, as before
            continue
        last = periods[-1]
        if pd.isna(last["higher_is_better"]):
            found.append(_direction_not_stated(ctx, last))
            continue
        if not below(last):
            continue
        previous = periods[-2] if len(periods) > 1 else None
        running = previous is not None and below(previous)
        shown = [previous, last] if running and previous is not None else [last]
        basis = _basis(any(s["basis"] == Basis.ILLUSTRATIVE or s["target_basis"] == Basis.ILLUSTRATIVE for s in shown))
        label = _label(basis)
        target = ctx.measure_text(last, "target")
        if running and previous is not None:
            statement = (
                f"{measure} ({agreement}) has been below its target of {target} for two periods running: "
                f"{ctx.measure_text(previous, 'value')} in {previous['period']} and "
                f"{ctx.measure_text(last, 'value')} in {last['period']}{label}"
            )
            question = f"Why has {_lower_first(measure)} been below target for two periods running, and what is the recovery plan?"
        else:
            statement = (
                f"{measure} ({agreement}) was {ctx.measure_text(last, 'value')} against a target of {target} in {last['period']}{label}"
            )
            question = f"Why was {_lower_first(measure)} below target in {last['period']}, and what is being done about it?"
        found.append(
            Finding(
                "below_target",
                Outcome.BREACH,
                Severity.HIGH if running else Severity.MEDIUM,
                ctx.area,
                statement,
                question,
                tuple(Record("observation", s["id"], f"{measure}: {agreement}") for s in shown),
                tuple(
                    f
                    for s in shown
                    for f in (
                        Figure(measure, float(s["value"]), s["unit"], s["basis"]),
                        Figure("target", float(s["target"]), s["unit"], s["target_basis"]),
                    )
                ),
                _cites(s["citations"] for s in shown),
                _link("performance", area=ctx.area),
            )
        )
    return found


def _direction_not_stated(ctx: Context, last: Any) -> Finding:
    """A figure with a target, for a measure whose source does not say whether higher or lower is better: never judged."""
    measure, agreement = last["measure"], last["agreement"]
    return Finding(
        "below_target",
        Outcome.CANNOT_CHECK,
        Severity.LOW,
        ctx.area,
        (
            f"{measure} ({agreement}) was {ctx.measure_text(last, 'value')} against a target of {ctx.measure_text(last, 'target')} "
            f"in {last['period']}, but whether higher or lower is better is not stated, so it cannot be said to meet its target or not"
        ),
        f"Is a higher or a lower {_lower_first(measure)} better, and is the service meeting its target?",
        (Record("observation", last["id"], f"{measure}: {agreement}"),),
        (
            Figure(measure, float(last["value"]), last["unit"], last["basis"]),
            Figure("target", float(last["target"]), last["unit"], last["target_basis"]),
        ),
        _cites([last["citations"]]),
        _link("performance", area=ctx.area),
    )


def no_measures(ctx: Context) -> list[Finding]:
    """Services running on the as-at date with no performance figure of any kind recorded."""
    measured = select(col(Observation.agreement_id)).where(
        col(Observation.area_id) == ctx.area, col(Observation.agreement_id).is_not(None), visible_to(Observation, ctx.audience)
    )
    ids = set(ctx.session.execute(measured.distinct()).scalars())
    rows = ctx.renewals[ctx.renewals["warning"].isin(LIVE_WARNINGS) & ~ctx.renewals["id"].isin(ids)]
    if rows.empty:
        return []
    one = len(rows) == 1
    return [
        Finding(
            "no_measures",
            Outcome.BREACH,
            Severity.MEDIUM,
            ctx.area,
            f"{plural(len(rows), 'live service')} {'has' if one else 'have'} no performance measures recorded: "
            f"{_names(list(rows['title']))}",
            f"How does the Commissioner know whether {'this service is' if one else 'these services are'} working: "
            "what does each report, and how often?",
            tuple(_agreement(r) for r in rows.itertuples()),
            (),
            _cites(rows["citations"]),
            _link("performance", area=ctx.area),
        )
    ]


def undated(ctx: Context) -> list[Finding]:
    """Agreements running as far as is known whose dates are not published: when they end cannot be checked."""
    rows = ctx.renewals[ctx.renewals["warning"] == "undated"]
    if rows.empty:
        return []
    return [
        Finding(
            "ending",
            Outcome.CANNOT_CHECK,
            Severity.LOW,
            ctx.area,
            f"{plural(len(rows), 'agreement')} {'has' if len(rows) == 1 else 'have'} no published end date, so when "
            f"{'it ends' if len(rows) == 1 else 'they end'} cannot be checked: {_names(list(rows['title']))}",
            "When do these services end, what do they cost, and who provides them?",
            tuple(_agreement(r) for r in rows.itertuples()),
            (Figure("end date", None, "date", NOT_PUBLISHED),),
            _cites(rows["citations"]),
            _link("renewals", area=ctx.area),
        )
    ]


def status_not_published(ctx: Context) -> list[Finding]:
    """Agreements known only from an earlier document, with no dates: whether they still run is not published."""
    rows = ctx.renewals[(ctx.renewals["warning"] == "unknown") & (ctx.renewals["last_listed"] != "")]
    found = []
    for note, group in rows.groupby("last_listed", sort=True):
        one = len(group) == 1
        found.append(
            Finding(
                "status_not_published",
                Outcome.CANNOT_CHECK,
                Severity.LOW,
                ctx.area,
                f"{plural(len(group), 'agreement')} ({_names(list(group['title']))}): {str(note)[:1].lower()}{str(note)[1:]}",
                f"{'Is this service' if one else 'Are these services'} still commissioned on {format_date(ctx.as_at)}, "
                "and where is that published?",
                tuple(_agreement(r) for r in group.itertuples()),
                (Figure("current status", None, "text", NOT_PUBLISHED),),
                _cites(group["citations"]),
                _link("renewals", area=ctx.area),
            )
        )
    return found


def award_route(ctx: Context) -> list[Finding]:
    """Direct or limited awards, or a single bidder: live or planned agreements are the stronger finding."""
    query = (
        select(
            col(Agreement.id),
            col(Agreement.title),
            col(Agreement.procurement_route),
            col(Agreement.number_of_tenderers),
            citation(Agreement).label("citations"),
        )
        .where(
            col(Agreement.area_id) == ctx.area,
            visible_to(Agreement, ctx.audience),
            or_(col(Agreement.procurement_route).in_(["direct", "limited"]), col(Agreement.number_of_tenderers) == 1),
        )
        .order_by(col(Agreement.title))
    )
    current = dict(zip(ctx.renewals["id"], ctx.renewals["warning"], strict=True))
    found = []
    for r in _rows(ctx, query):
        direct = r.procurement_route in ("direct", "limited")
        how = f"was awarded by {r.procurement_route} award" if direct else "was awarded with a single bid"
        if direct and r.number_of_tenderers == 1:
            how += " (one bidder)"
        live = current.get(r.id) in (*LIVE_WARNINGS, "planned")
        found.append(
            Finding(
                "award_route",
                Outcome.BREACH,
                Severity.MEDIUM if live else Severity.LOW,
                ctx.area,
                f"{r.title} {how}",
                f"Why was {r.title} not openly competed, and how was value for money tested?",
                (_agreement(r),),
                (),
                r.citations,
                _link("renewals", area=ctx.area),
            )
        )
    return found


def end_before_start(ctx: Context) -> list[Finding]:
    """Agreements whose original, current or latest possible end is before their start; amendments that end an
    agreement before it began."""
    start = col(Agreement.start_date)
    query = (
        select(
            col(Agreement.id),
            col(Agreement.title),
            start,
            col(Agreement.original_end_date),
            col(Agreement.current_end_date),
            col(Agreement.latest_end_date),
            citation(Agreement).label("citations"),
        )
        .where(
            col(Agreement.area_id) == ctx.area,
            visible_to(Agreement, ctx.audience),
            start.is_not(None),
            or_(col(Agreement.original_end_date) < start, col(Agreement.current_end_date) < start, col(Agreement.latest_end_date) < start),
        )
        .order_by(col(Agreement.id))
    )
    found = []
    for r in _rows(ctx, query):
        ends = [
            f"its {what} end is {format_date(day)}"
            for what, day in (("original", r.original_end_date), ("current", r.current_end_date), ("latest possible", r.latest_end_date))
            if day is not None and day < r.start_date
        ]
        found.append(
            Finding(
                "end_before_start",
                Outcome.BREACH,
                Severity.HIGH,
                ctx.area,
                f"{r.title} starts on {format_date(r.start_date)} but " + " and ".join(ends),
                f"When did {r.title} really start and end?",
                (_agreement(r),),
                (),
                r.citations,
                _link("renewals", area=ctx.area),
            )
        )
    amendments: Query = (
        select(
            col(Amendment.id),
            col(Amendment.kind),
            col(Amendment.new_end_date),
            col(Agreement.id).label("agreement_id"),
            col(Agreement.title),
            start,
            citation(Amendment).label("citations"),
        )
        .join(Agreement, col(Amendment.agreement_id) == col(Agreement.id))
        .where(
            col(Agreement.area_id) == ctx.area,
            visible_to(Amendment, ctx.audience),
            visible_to(Agreement, ctx.audience),
            col(Amendment.new_end_date) < start,
        )
        .order_by(col(Amendment.id))
    )
    for r in _rows(ctx, amendments):
        found.append(
            Finding(
                "end_before_start",
                Outcome.BREACH,
                Severity.HIGH,
                ctx.area,
                f"An amendment ({r.kind}) of {r.title} sets its end to {format_date(r.new_end_date)}, "
                f"before it starts on {format_date(r.start_date)}",
                f"When did {r.title} really start and end?",
                (Record("amendment", r.id, r.title), Record("agreement", r.agreement_id, r.title)),
                (),
                r.citations,
                _link("renewals", area=ctx.area),
            )
        )
    return found


def spend_after_end(ctx: Context) -> list[Finding]:
    """Spend for a financial year (or quarter) that starts after the agreement's current end."""
    end = col(Agreement.current_end_date)
    end_year = extract("year", end) - case((extract("month", end) < 4, 1), else_=0)  # the financial year the end falls in
    query: Query = (
        select(
            col(Spend.id),
            col(Spend.financial_year),
            col(Spend.quarter),
            col(Spend.amount_pence),
            col(Spend.basis),
            col(Agreement.id).label("agreement_id"),
            col(Agreement.title),
            end,
            col(Agreement.end_precision),
            citation(Spend).label("citations"),
        )
        .join(Agreement, col(Spend.agreement_id) == col(Agreement.id))
        .where(
            col(Spend.area_id) == ctx.area,
            visible_to(Spend, ctx.audience),
            visible_to(Agreement, ctx.audience),
            end.is_not(None),
            col(Spend.financial_year) >= end_year,
        )
        .order_by(col(Spend.id))
    )
    found = []
    for r in _rows(ctx, query):
        starts = quarter_start(r.financial_year, r.quarter) if r.quarter else fy_start(r.financial_year)
        if starts <= r.current_end_date:
            continue  # the period began before the end (SQL compared whole years only)
        period = Period(starts, fy_end(r.financial_year), r.financial_year, r.quarter).label
        found.append(
            Finding(
                "spend_after_end",
                Outcome.BREACH,
                Severity.HIGH,
                ctx.area,
                f"{format_money(r.amount_pence)}{_label(r.basis)} of spend in {period} on {r.title}, "
                f"which ended {format_date(r.current_end_date, r.end_precision)}",
                f"What was paid to {r.title} after it ended, and under what agreement?",
                (Record("spend", r.id, r.title), Record("agreement", r.agreement_id, r.title)),
                (Figure("spend", int(r.amount_pence), "money", r.basis),),
                r.citations,
                _link("spend", area=ctx.area, year=_year_param(r.financial_year)),
            )
        )
    return found


@dataclass(frozen=True)
class ProviderGroup:
    """Providers that may be one organisation: the rows (in id order) and why they were taken for one."""

    rows: tuple[Any, ...]
    why: str

    @cached_property
    def ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.rows)


@dataclass(frozen=True)
class ProviderGroups:
    """Every group of providers the audience can see that may be one organisation, over the whole store, and the
    providers any agreement uses (seen by the audience or not)."""

    groups: tuple[ProviderGroup, ...]
    used: frozenset[str]


def similar_name_pairs(names: Sequence[str]) -> list[tuple[int, int]]:
    """The pairs (i, j), i < j, of non-empty names at least NAME_SIMILARITY alike by difflib's SequenceMatcher ratio.

    Comparing every pair with SequenceMatcher in Python grows with the square of the providers (minutes for a national
    store). RapidFuzz's Indel similarity (2 × longest common subsequence / total length, in C++) is never below
    SequenceMatcher's ratio, whose matching blocks are a common subsequence; so the pairs it keeps at the same
    threshold (less a margin for rounding) include every pair SequenceMatcher would, and SequenceMatcher then decides
    each of those few as before. The result is the same pairs; only the number of slow comparisons changes. (Every
    name a seed of `_pairs_around`, which does this.)
    """
    return sorted(_pairs_around(names, set(), range(len(names))))


def _pairs_around(names: Sequence[str], numbered: set[tuple[int, int]], seeds: Iterable[int]) -> set[tuple[int, int]]:
    """The pairs `provider_groups` joins, `numbered` (the same charity or company number) and non-empty names alike
    (RapidFuzz's candidates, each decided once by SequenceMatcher: see `similar_name_pairs`), within the groups that
    hold a `seeds` position, and no other.

    Each provider reached is compared with every other, so every pair of those groups is found; SequenceMatcher takes
    the lower position's name first, as its ratio can differ with the order. One area's report needs only its own
    providers' groups: on a national store, a few hundred names compared with every other instead of 2,200 with 2,200."""
    numbered_with: dict[int, set[tuple[int, int]]] = {}
    for pair in numbered:
        for member in pair:
            numbered_with.setdefault(member, set()).add(pair)
    pairs: set[tuple[int, int]] = set()
    decided: set[tuple[int, int]] = set()  # pairs of names SequenceMatcher has judged, alike or not: each once
    reached = set(seeds)
    frontier = sorted(reached)
    while frontier:
        found = {pair for i in frontier for pair in numbered_with.get(i, ())}
        named = [i for i in frontier if names[i]]
        scores = (
            process.cdist(
                [names[i] for i in named], names, scorer=Indel.normalized_similarity, score_cutoff=NAME_SIMILARITY - 0.01, dtype=np.float32
            )
            if named
            else np.zeros((0, len(names)))
        )
        for row, column in zip(*np.nonzero(scores), strict=True):
            i, j = sorted((named[int(row)], int(column)))
            if i == j or not (names[i] and names[j]) or (i, j) in decided:
                continue
            decided.add((i, j))
            if SequenceMatcher(None, names[i], names[j]).ratio() >= NAME_SIMILARITY:
                found.add((i, j))
        pairs |= found
        frontier = sorted({k for pair in found for k in pair} - reached)
        reached.update(frontier)
    return pairs


def _number_pairs(providers: Sequence[Any], number: str) -> set[tuple[int, int]]:
    """The pairs (i, j), i < j, of providers with the same charity or company number (spaces and case ignored)."""
    holders: dict[str, list[int]] = {}
    for i, p in enumerate(providers):
        key = getattr(p, number).replace(" ", "").upper()
        if key:
            holders.setdefault(key, []).append(i)
    return {pair for members in holders.values() for pair in combinations(members, 2)}


def provider_groups(session: Session, audience: Audience, around: Iterable[str] | None = None) -> ProviderGroups:
    """Providers whose names, normalised, match another provider's, or who share a charity or company number, over the
    whole store: the same for every area, so `store_findings` finds them once (`Context.store_wide`). With `around`
    (provider ids), only the groups that hold one of those providers or a provider no agreement uses: what one area's
    report shows, found without comparing every other provider of a national store with every other (`_pairs_around`).

    Only providers the audience can see through an agreement (or that no agreement uses) are compared. Pairs are
    found by number (exact keys) and by name (`similar_name_pairs`), then joined into groups in the order of the pairs,
    as comparing every pair in turn did: a group's reason is that of its first pair, and a pair with the same number
    gives that reason even when the names match too.
    """
    used_visibly = select(col(Agreement.provider_id)).where(col(Agreement.provider_id).is_not(None), visible_to(Agreement, audience))
    used_at_all = select(col(Agreement.provider_id)).where(col(Agreement.provider_id).is_not(None))
    query = (
        select(
            col(Provider.id),
            col(Provider.name),
            col(Provider.charity_number),
            col(Provider.company_number),
            citation(Provider).label("citations"),
        )
        # A provider used only by agreements this audience may not see stays hidden: its name is theirs too.
        .where(or_(col(Provider.id).in_(used_visibly), ~col(Provider.id).in_(used_at_all)))
        .order_by(col(Provider.id))
    )
    providers = list(session.execute(query).all())
    used = frozenset(session.execute(used_at_all.distinct()).scalars())
    charity, company = _number_pairs(providers, "charity_number"), _number_pairs(providers, "company_number")
    names = [normalised_name(p.name) for p in providers]
    if around is None:
        pairs = charity | company | set(similar_name_pairs(names))
    else:
        wanted = set(around)
        pairs = _pairs_around(names, charity | company, (i for i, p in enumerate(providers) if p.id in wanted or p.id not in used))
    group_of = {p.id: {p.id} for p in providers}
    reasons: dict[frozenset[str], str] = {}
    for i, j in sorted(pairs):
        a, b = providers[i], providers[j]
        if (i, j) in company:  # the later of the two numbers named, as comparing charity then company number did
            why = f"the same company number ({a.company_number})"
        elif (i, j) in charity:
            why = f"the same charity number ({a.charity_number})"
        else:
            why = "names that match once case, punctuation, 'The' and 'Ltd/Limited' are ignored"
        merged = group_of[a.id] | group_of[b.id]
        for member in merged:
            group_of[member] = merged
        reasons[frozenset(merged)] = why
    by_id = {p.id: p for p in providers}
    groups, seen = [], set()
    for members in group_of.values():
        key = frozenset(members)
        if len(members) < 2 or key in seen:
            continue
        seen.add(key)
        why = next(reason for group, reason in reasons.items() if group <= key)
        groups.append(ProviderGroup(tuple(by_id[m] for m in sorted(members)), why))
    return ProviderGroups(tuple(groups), used)


def provider_names(ctx: Context) -> list[Finding]:
    """Providers of this area's agreements that may be one organisation under several names (`provider_groups`)."""
    in_area = select(col(Agreement.provider_id)).where(
        col(Agreement.area_id) == ctx.area, col(Agreement.provider_id).is_not(None), visible_to(Agreement, ctx.audience)
    )
    ours = set(ctx.session.execute(in_area.distinct()).scalars())
    if ctx.store_wide.get(ALL_AREAS) is not None:  # every area's report: every group, found once
        store = ctx.store_wide_value(("provider_groups", ctx.audience), lambda: provider_groups(ctx.session, ctx.audience))
    else:
        store = provider_groups(ctx.session, ctx.audience, around=ours)
    found = []
    for group in store.groups:
        # A group belongs to the areas whose agreements use it; one no agreement uses is listed in every area
        # (the data-quality page lists it once).
        if not (group.ids & ours or not group.ids & store.used):
            continue
        rows = group.rows
        found.append(
            Finding(
                "provider_names",
                Outcome.BREACH,
                Severity.MEDIUM,
                ctx.area,
                "These may be one organisation under several names: " + ", ".join(f"“{p.name}”" for p in rows) + f" ({group.why})",
                "Are these one organisation, and is the money paid to it counted together?",
                tuple(Record("provider", p.id, p.name) for p in rows),
                (),
                _cites(p.citations for p in rows),
                _link("renewals", area=ctx.area),
            )
        )
    return found


def _source_date(published: date, precision: str) -> date:
    """The last day a source's publication date can mean: the end of its month or year when only those are known."""
    if precision in ("month", "year"):
        text = published.strftime("%Y-%m") if precision == "month" else str(published.year)
        published = parse_partial_date(text, at_end=True)[0]
    return published


def future_dates(ctx: Context) -> list[Finding]:
    """Agreements said to be running or ended that start after the date of their source; amendments agreed, and
    figures for periods that begin, after it."""
    source: tuple[Any, ...] = (col(Source.title).label("source"), col(Source.published), col(Source.published_precision))
    candidates: list[tuple[str, Any]] = [
        (
            "agreement",
            select(
                col(Agreement.id),
                col(Agreement.title).label("what"),
                col(Agreement.start_date).label("day"),
                col(Agreement.status).label("note"),
                citation(Agreement).label("citations"),
                *source,
            )
            .join(Source, col(Agreement.source_id) == col(Source.id))
            .where(
                col(Agreement.area_id) == ctx.area,
                visible_to(Agreement, ctx.audience),
                col(Agreement.status) != "planned",
                col(Agreement.start_date) > col(Source.published),
            ),
        ),
        (
            "amendment",
            select(
                col(Amendment.id),
                col(Agreement.title).label("what"),
                col(Amendment.agreed_on).label("day"),
                col(Amendment.kind).label("note"),
                citation(Amendment).label("citations"),
                *source,
            )
            .join(Agreement, col(Amendment.agreement_id) == col(Agreement.id))
            .join(Source, col(Amendment.source_id) == col(Source.id))
            .where(
                col(Agreement.area_id) == ctx.area,
                visible_to(Amendment, ctx.audience),
                visible_to(Agreement, ctx.audience),
                col(Amendment.agreed_on) > col(Source.published),
            ),
        ),
        (
            "observation",
            select(
                col(Observation.id),
                col(Measure.name).label("what"),
                col(Observation.period_start).label("day"),
                col(Observation.period_end).label("note"),
                citation(Observation).label("citations"),
                *source,
            )
            .join(Measure, col(Observation.measure_id) == col(Measure.id))
            .join(Source, col(Observation.source_id) == col(Source.id))
            .where(
                col(Observation.area_id) == ctx.area,
                visible_to(Observation, ctx.audience),
                col(Observation.period_start) > col(Source.published),
            ),
        ),
    ]
    found = []
    for table, query in candidates:
        for r in _rows(ctx, query.order_by(query.selected_columns[0])):
            latest = _source_date(r.published, r.published_precision)
            if r.day <= latest:
                continue
            when = format_date(latest)
            if table == "agreement":
                text = f"{r.what} is recorded as {r.note} but starts on {format_date(r.day)}, after its source ({r.source}, {when})"
            elif table == "amendment":
                text = f"An amendment ({r.note}) of {r.what} was agreed on {format_date(r.day)}, after its source ({r.source}, {when})"
            else:
                text = f"{r.what}: a figure for a period starting {format_date(r.day)}, after its source ({r.source}, {when}) was written"
            found.append(
                Finding(
                    "future_dates",
                    Outcome.BREACH,
                    Severity.HIGH,
                    ctx.area,
                    text,
                    "Which date is right, the record's or its source's?",
                    (Record(table, r.id, r.what),),
                    (),
                    r.citations,
                    _link("performance" if table == "observation" else "renewals", area=ctx.area),
                )
            )
    return found


def _overlaps_of_area(ctx: Context) -> list[overlaps.Overlap]:
    """The area's overlaps; in a report of every area, found for the whole store at once and shared (`ALL_AREAS`)."""
    if ctx.store_wide.get(ALL_AREAS) is None:
        return overlaps.overlapping_periods(session=ctx.session, audience=ctx.audience, area=ctx.area)

    def every_area() -> dict[str, list[overlaps.Overlap]]:
        by_area: dict[str, list[overlaps.Overlap]] = {}
        for o in overlaps.overlapping_periods(session=ctx.session, audience=ctx.audience):
            by_area.setdefault(o.area_id, []).append(o)
        return by_area

    found: list[overlaps.Overlap] = ctx.store_wide_value("overlapping_periods", every_area).get(ctx.area, [])
    return found


def overlapping_periods(ctx: Context) -> list[Finding]:
    """Figures of one agreement or budget line whose periods overlap: a quarter inside a year already recorded, or
    the same period twice under one description. Both are counted in every total, so the money is counted twice."""
    found = []
    for o in _overlaps_of_area(ctx):
        table = "spend" if o.table == "spend" else "budget"
        (first, second), (a, b), (basis_a, basis_b) = o.periods, o.amounts_pence, o.bases
        found.append(
            Finding(
                "overlapping_periods",
                Outcome.BREACH,
                Severity.HIGH,
                ctx.area,
                f"{o.label}: {table} of {format_money(a)}{_label(basis_a)} for {first} and {format_money(b)}{_label(basis_b)} "
                f"for {second} overlap, "
                "so every total counts the money twice",
                f"Which {table} figure for {o.label} is right, and which should be removed?",
                tuple(Record(table, i, o.label) for i in o.record_ids),
                (Figure(table, a, "money", basis_a), Figure(table, b, "money", basis_b)),
                o.citations,
                _link("spend", area=ctx.area),
            )
        )
    return found


def peer_group(ctx: Context) -> list[Finding]:
    """Where the area's latest figure is far from its peer group's weighted average, as /compare shows them: a
    question to ask (is the service different, or the counting?), not a fault in the records."""
    from data_access import compare  # here, not at the top: compare judges renewals and targets with this module's rules

    found = []
    far = ctx.peer_standing
    if far is None:
        far = compare.standing(session=ctx.session, area=ctx.area, audience=ctx.audience)
    for row in far[far["far"]].drop_duplicates("indicator").to_dict("records"):
        indicator = compare.INDICATORS[row["indicator"]]
        side = "above" if row["ratio"] > 1 else "below"
        found.append(
            Finding(
                "peer_group",
                Outcome.BREACH,
                Severity.LOW,
                ctx.area,
                compare.standing_text(row),
                f"Why is {row['area']}'s {_lower_first(indicator.name.replace(': ', ' for '))} so far {side} the {row['group']} "
                "average, and do the areas count it the same way?",
                (Record("area", ctx.area, f"{indicator.name}: {row['group']}"),),
                (
                    Figure(indicator.name, row["value"], indicator.unit, _basis(bool(row["basis"]))),
                    Figure(
                        f"{row['group']} average", row["average"], indicator.unit, _basis(bool(row["average_basis"])), "weighted average"
                    ),
                ),
                row["citations"],
                _link("compare", area=ctx.area, indicator=indicator.id),
            )
        )
    return found


# --- the register of rules ---------------------------------------------------------------------------

BOTH = frozenset({Scope.SCRUTINY, Scope.QUALITY})
SCRUTINY = frozenset({Scope.SCRUTINY})
QUALITY = frozenset({Scope.QUALITY})


@dataclass(frozen=True)
class Rule:
    """A rule: its heading when broken, its heading when it cannot be checked, where it belongs, and its code."""

    id: str
    heading: str
    cannot_check_heading: str
    scopes: frozenset[Scope]
    run: Callable[[Context], list[Finding]]


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("extensions", "Extended beyond its term or options", "Extensions cannot be checked", BOTH, extensions),
        Rule("options_used_up", "All extension options used", "Extension options not published", SCRUTINY, options_used_up),
        Rule("ending", "Ending with no re-procurement recorded", "End date not published", SCRUTINY, lambda c: ending(c) + undated(c)),
        Rule(
            "value_growth",
            "Value growth through amendments",
            "Value growth cannot be checked: values not published",
            SCRUTINY,
            value_growth,
        ),
        Rule("over_cap", "Award above its round's cap", "Round's cap cannot be checked: awards not published", BOTH, over_cap),
        Rule(
            "awards_and_stated_total",
            "Awards do not add up to the fund's stated total",
            "Awards against the fund's stated total cannot be checked",
            BOTH,
            awards_and_stated_total,
        ),
        Rule("unlinked_spend", "Spend linked to no Plan priority", "Spend's priority cannot be checked", SCRUTINY, unlinked_spend),
        Rule(
            "budget_and_spend",
            "Spend does not match its budget",
            "Spend against budget cannot be checked: spend not published",
            BOTH,
            budget_and_spend,
        ),
        Rule("shares", "Shares do not add up to 100%", "Shares cannot be checked", BOTH, shares),
        Rule(
            "annual_and_quarters", "Annual figure does not match its quarters", "Annual figure cannot be checked", BOTH, annual_and_quarters
        ),
        Rule("parts_and_total", "Parts do not add up to the stated total", "Parts cannot be checked", BOTH, parts_and_total),
        Rule("below_target", "Below target", "Target cannot be checked", SCRUTINY, below_target),
        Rule("peer_group", "Far from its peer group", "Comparison with its peer group cannot be made", SCRUTINY, peer_group),
        Rule("no_measures", "No performance measures", "Performance cannot be checked", SCRUTINY, no_measures),
        Rule("award_route", "Direct or limited award", "Award route not published", SCRUTINY, award_route),
        Rule("status_not_published", "Status", "Current status not published", SCRUTINY, status_not_published),
        Rule("no_priority", "Agreement linked to no Plan priority", "Priority cannot be checked", QUALITY, no_priority),
        Rule("end_before_start", "Ends before it starts", "Dates cannot be checked", QUALITY, end_before_start),
        Rule("spend_after_end", "Spend after the agreement ended", "Spend after the end cannot be checked", QUALITY, spend_after_end),
        Rule("provider_names", "One provider under several names", "Provider names cannot be checked", QUALITY, provider_names),
        Rule("future_dates", "Date later than its source", "Dates cannot be checked", QUALITY, future_dates),
        Rule("overlapping_periods", "Periods that overlap", "Periods cannot be checked", QUALITY, overlapping_periods),
    )
}
_RULE_ORDER = {rule_id: i for i, rule_id in enumerate(RULES)}


def findings(
    *,
    session: Session,
    area: str,
    as_at: date,
    audience: Audience,
    year: int | None = None,
    scope: Scope | None = None,
    rules: Iterable[str] | None = None,
    every_year: bool = False,
    red_months: int = 6,
    amber_months: int = 12,
    store_wide: dict[Any, Any] | None = None,
    peer_standing: pd.DataFrame | None = None,
) -> list[Finding]:
    """Every finding for the area at the as-at date, most serious first.

    `year` is the financial year the money rules look at (by default the as-at date's, as the pages choose it), or
    with `every_year` every year with figures; `scope` keeps the rules of the scrutiny views or of the data-quality
    page; `rules` names rules to run (all by default); `store_wide` shares what is found over the whole store between
    calls for several areas of one session and audience (`Context.store_wide`); `peer_standing` is the area's
    `compare.standing` for this audience where the caller has it (`Context.peer_standing`).
    """
    if every_year:
        years_by_area = (store_wide or {}).get(ALL_AREAS)
        years = tuple(
            years_by_area.get(area, [])
            if years_by_area is not None
            else queries.financial_years(session=session, area=area, audience=audience)
        )
    else:
        year = year if year is not None else queries.default_financial_year(session=session, area=area, audience=audience, as_at=as_at)
        years = (year,)
    ctx = Context(
        session, area, as_at, Audience(audience), years, red_months, amber_months, {} if store_wide is None else store_wide, peer_standing
    )
    wanted = set(rules) if rules is not None else set(RULES)
    found = [f for rule in RULES.values() if rule.id in wanted and (scope is None or scope in rule.scopes) for f in rule.run(ctx)]
    return sorted(found, key=lambda f: (SEVERITY_ORDER[f.severity], _RULE_ORDER[f.rule]))


FRAME_COLUMNS = [
    "rule",
    "heading",
    "outcome",
    "severity",
    "area_id",
    "statement",
    "question",
    "records",
    "record_ids",
    "link",
    "citations",
    "illustrative",
    "figures",
]


def as_frame(found: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame, for pages and the cache: one row each, records and ids one per line."""
    rows = [
        {
            "rule": f.rule,
            "heading": f.heading,
            "outcome": str(f.outcome),
            "severity": str(f.severity),
            "area_id": f.area_id,
            "statement": f.statement,
            "question": f.question,
            "records": RECORD_SEP.join(dict.fromkeys(r.label for r in f.records)),
            "record_ids": RECORD_SEP.join(f"{r.table}:{r.id}" for r in f.records),
            "link": f.link,
            "citations": f.citations,
            "illustrative": f.illustrative,
            "figures": f.figures,
        }
        for f in found
    ]
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    frame["illustrative"] = frame["illustrative"].astype(bool)
    return frame


def findings_frame(
    *,
    session: Session,
    area: str,
    as_at: date,
    audience: Audience,
    year: int | None = None,
    scope: Scope | None = None,
    red_months: int = 6,
    amber_months: int = 12,
    peer_standing: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`findings` as a DataFrame (see `as_frame`)."""
    return as_frame(
        findings(
            session=session,
            area=area,
            as_at=as_at,
            audience=audience,
            year=year,
            scope=scope,
            red_months=red_months,
            amber_months=amber_months,
            peer_standing=peer_standing,
        )
    )


def store_findings(*, session: Session, as_at: date, audience: Audience, area: str | None = None, rule: str | None = None) -> pd.DataFrame:
    """The data-quality view: findings of the quality rules in every area (or one), every year, with the area's name.

    A finding about records of several areas (one provider under several names) is listed once.
    """
    if rule is not None and rule not in RULES:
        raise ValueError(f"'{rule}' is not a data-quality check; the checks are: {', '.join(RULES)}")
    names = dict(session.execute(select(col(Area.id), col(Area.name)).order_by(col(Area.name))).all())
    found: list[Finding] = []
    seen: set[tuple[str, tuple[Record, ...]]] = set()
    store_wide: dict[Any, Any] = {}
    if not area:
        store_wide[ALL_AREAS] = queries.financial_years_by_area(session=session, audience=audience)
    for area_id in [area] if area else list(names):
        for f in findings(
            session=session,
            area=area_id,
            as_at=as_at,
            audience=audience,
            scope=Scope.QUALITY,
            rules=[rule] if rule else None,
            every_year=True,
            store_wide=store_wide,
        ):
            key = (f.rule, tuple(sorted(f.records, key=lambda r: (r.table, r.id))))
            if key not in seen:
                seen.add(key)
                found.append(f)
    frame = as_frame(sorted(found, key=lambda f: (SEVERITY_ORDER[f.severity], _RULE_ORDER[f.rule], names.get(f.area_id, ""))))
    frame.insert(frame.columns.get_loc("area_id") + 1, "area", [names.get(a, "") for a in frame["area_id"]])
    return frame


def quality_summary(*, session: Session, as_at: date, audience: Audience) -> pd.DataFrame:
    """How many findings each data-quality rule gives, by severity, under the heading they are shown with: every rule's
    own heading (zero where it finds nothing), and a rule's "cannot be checked" heading where some finding has it, so a
    check that could not be made is never counted as a breach."""
    return summarise(store_findings(session=session, as_at=as_at, audience=audience))


def summarise(found: pd.DataFrame) -> pd.DataFrame:
    """`quality_summary` of findings already found (`store_findings` of every area and check), so a page that shows
    both the findings and their summary finds them once."""
    rows = []
    for rule in (r for r in RULES.values() if Scope.QUALITY in r.scopes):
        for outcome, heading in ((Outcome.BREACH, rule.heading), (Outcome.CANNOT_CHECK, rule.cannot_check_heading)):
            mine = found[(found["rule"] == rule.id) & (found["outcome"] == str(outcome))]
            if outcome is Outcome.CANNOT_CHECK and mine.empty:
                continue
            counts = mine["severity"].value_counts()
            rows.append({"rule": rule.id, "outcome": str(outcome), "check": heading} | {str(s): int(counts.get(s, 0)) for s in Severity})
    frame = pd.DataFrame(rows, columns=["rule", "outcome", "check", *(str(s) for s in Severity)])
    frame["findings"] = frame[[str(s) for s in Severity]].sum(axis=1)
    return frame


def findings_csv(frame: pd.DataFrame) -> bytes:
    """Findings as a CSV file (UTF-8 with a byte-order mark, so Excel shows £), safe to open in a spreadsheet."""
    columns = {
        "severity": "severity",
        "heading": "rule",
        "outcome": "outcome",
        "area": "area",
        "statement": "finding",
        "question": "question",
        "records": "records",
        "record_ids": "record ids",
        "link": "link (relative to the dashboard's address)",
        "citations": "sources",
    }
    out = frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
    for column in ("records", "record ids", "sources"):
        out[column] = out[column].str.replace("\n", "; ", regex=False)
    text: str = out.map(escape_formula).to_csv(index=False)
    return text.encode("utf-8-sig")
