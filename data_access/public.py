"""The public transparency pages in residents' words, and the steps the public's figures take beyond the queries.

The transparency pages are what a resident reads on the OPCC's website, so they leave out what a resident must
not be shown or must not take as fact:

- records whose visibility the audience may not see (the pages always ask as `Audience.PUBLIC`);
- figures whose basis is *illustrative* (made up for the demonstration data): the pages ask `data_access.queries`
  with `published_only=True` (budget and spend, amendments, observations, cost per unit), which leaves such money
  and measures out; `published_agreements` here blanks an agreement's illustrative fields (see
  `col(Agreement.illustrative_fields)`), so the screen says "not published" as it would for any figure the
  documents do not give;
- exact counts of people from internal returns: performance figures go through `data_access.disclosure` here
  (`published_performance`, `published_cost_per_unit`), which shows a count from a published document as published,
  and hides or rounds one from an internal return.

The rest of the module is pure functions from those frames to tables and sentences of words.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session, col

from data_access import disclosure, queries
from data_access.basis import NOT_PUBLISHED
from data_access.measures import format_measure, format_target
from data_access.models import (
    Agreement,
    AgreementStatus,
    Area,
    Audience,
    Budget,
    FundingStream,
    MoneyQualifier,
    ProcurementRoute,
    Provider,
    Source,
    SourceKind,
    Spend,
    visible_to,
)
from data_access.money import format_money
from data_access.periods import format_date
from data_access.text import safe_text

# Columns of `agreements.csv` that `illustrative_fields` may name, and the columns of `published_agreements` they blank.
_ILLUSTRATIVE_COLUMNS = {
    "kind": ["kind"],
    "provider_id": ["provider_id", "provider", "charity_number", "company_number"],
    "funding_stream_id": ["funding_stream", "funder"],
    "procurement_route": ["procurement_route"],
    "number_of_tenderers": ["number_of_tenderers"],
    "start_date": ["start_date"],
    "original_end_date": ["original_end_date"],
    "current_end_date": ["current_end_date"],
    "latest_end_date": ["latest_end_date"],
    "extension_options_available": ["extension_options_available"],
    "extension_options_used": ["extension_options_used"],
    "annual_value": ["annual_value_pence"],
    "total_value": ["total_value_pence"],
    "status": ["status"],
    "purpose": ["purpose"],
}
CONTRACT_THRESHOLD_PENCE = 10_000_00  # The Specified Information Order asks for each contract over £10,000.


_published = queries._published


# The same SQL pieces as the scrutiny queries, so citations and money sums behave identically.
_citations, _sum_pence = queries._citations, queries._sum_pence
citation = queries.citation


_frame = queries._frame


def illustrative_left_out(*, session: Session, area: str, year: int, audience: Audience) -> int:
    """How many budget and spend rows for the year are illustrative, and so not shown on the public pages."""
    budgets = select(func.count()).where(
        col(Budget.area_id) == area, col(Budget.financial_year) == year, visible_to(Budget, audience), ~_published(Budget)
    )
    spends = select(func.count()).where(
        col(Spend.area_id) == area, col(Spend.financial_year) == year, visible_to(Spend, audience), ~_published(Spend)
    )
    return int(session.execute(budgets).scalar_one()) + int(session.execute(spends).scalar_one())


def _illustrative_names(text: str) -> set[str]:
    return {name for name in re.split(r"[;,\s]+", text or "") if name}


def published_agreements(*, session: Session, area: str, audience: Audience, as_at: date | None = None) -> pd.DataFrame:
    """Every contract and grant in the area, with provider, funder, dates, values, the office that awarded it and the
    source's date; illustrative fields blanked (None), and agreements that are illustrative as a whole left out.

    With an as-at date, `standing` is each agreement's standing on that date (`queries._standing`, the same judgement
    as the scrutiny pages) and `status_note` what is known where its status then is not published."""
    query: queries.Query = (
        select(
            col(Agreement.id),
            col(Agreement.area_id),
            col(Area.name).label("area"),
            col(Area.office),
            col(Agreement.title),
            col(Agreement.kind),
            col(Agreement.provider_id),
            col(Provider.name).label("provider"),
            col(Provider.charity_number),
            col(Provider.company_number),
            col(FundingStream.name).label("funding_stream"),
            col(FundingStream.funder),
            col(Agreement.procurement_route),
            col(Agreement.service_type),
            col(Agreement.number_of_tenderers),
            col(Agreement.start_date),
            col(Agreement.start_precision),
            col(Agreement.original_end_date),
            col(Agreement.current_end_date),
            col(Agreement.end_precision),
            col(Agreement.latest_end_date),
            col(Agreement.latest_end_precision),
            col(Agreement.award_date),
            col(Agreement.award_precision),
            col(Agreement.extension_options_available),
            col(Agreement.extension_options_used),
            col(Agreement.annual_value_pence),
            col(Agreement.total_value_pence),
            col(Agreement.value_qualifier),
            col(Agreement.status),
            col(Agreement.purpose),
            col(Agreement.basis),
            col(Agreement.illustrative_fields),
            col(Source.published).label("source_published"),
            col(Source.published_precision).label("source_published_precision"),
            citation(Agreement).label("citations"),
        )
        .join(Area, col(Agreement.area_id) == col(Area.id))
        .join(Source, col(Agreement.source_id) == col(Source.id))
        .outerjoin(Provider, col(Agreement.provider_id) == col(Provider.id))
        .outerjoin(FundingStream, col(Agreement.funding_stream_id) == col(FundingStream.id))
        .where(col(Agreement.area_id) == area, visible_to(Agreement, audience), _published(Agreement))
        .order_by(col(Agreement.kind), col(Agreement.title))
    )
    frame = _frame(session, query).astype("object")
    if as_at is not None:
        frame = frame.merge(queries.standings(session=session, area=area, as_at=as_at, audience=audience), on="id", how="left")
    for index, names in frame["illustrative_fields"].map(_illustrative_names).items():
        for name in names:
            for column in _ILLUSTRATIVE_COLUMNS.get(name, []):
                frame.at[index, column] = None
    queries.not_published_to_none(frame, ["annual_value_pence", "total_value_pence", "number_of_tenderers", "extension_options_available"])
    frame = frame.where(frame.notna(), None)
    # The value the £10,000 rule is judged on: the whole contract where published, else a year of it.
    values = [t if t is not None else a for t, a in zip(frame["total_value_pence"], frame["annual_value_pence"], strict=True)]
    frame["value_pence"] = pd.Series(values, index=frame.index, dtype="object")
    # Over £10,000, or not published (so it may be): these are the contracts the Order asks to see.
    frame["over_threshold"] = [v is None or v > CONTRACT_THRESHOLD_PENCE for v in values]
    return frame.drop(columns=["illustrative_fields"]).reset_index(drop=True)


def _performance_links(frame: pd.DataFrame) -> tuple[list[disclosure.Breakdown], list[disclosure.Shares]]:
    """Which published figures can be worked out from which, so a hidden one stays hidden.

    - a breakdown of a count (dimension set) adds up to the same measure's figure without a breakdown;
    - a breakdown of a `share` measure is percentages of a whole, and of the one count of people published for
      the same service and period, when there is exactly one;
    - a count's quarters add up to its stated figure for the whole year;
    - an "average per quarter" states the same figure as the year's total, divided by four.
    """
    breakdowns: list[disclosure.Breakdown] = []
    shares: list[disclosure.Shares] = []
    frame = frame.assign(
        _agreement=frame["agreement"].fillna(""),
        _average=frame["value_statement"].str.lower().str.startswith("average"),
        _whole_year=frame["quarter"].isna() & frame["financial_year"].notna(),
    )
    plain = frame[frame["dimension"] == ""]
    period = ["_agreement", "period_start", "period_end"]
    for (measure, *key, _dimension), parts in frame[frame["dimension"] != ""].groupby(["measure_id", *period, "dimension"], sort=False):
        same = (plain["_agreement"] == key[0]) & (plain["period_start"] == key[1]) & (plain["period_end"] == key[2])
        unit = parts["unit"].iloc[0]
        if unit == "count":
            total = plain[same & (plain["measure_id"] == measure) & ~plain["_average"]]
            breakdowns.append(disclosure.Breakdown(tuple(parts.index), total.index[0] if len(total) == 1 else None))
        elif unit == "share":
            people = plain[same & (plain["unit"] == "count") & plain["counts_people"].astype(bool) & ~plain["_average"]]
            shares.append(disclosure.Shares(tuple(parts.index), people.index[0] if len(people) == 1 else None))
    counts = frame[frame["unit"] == "count"]
    for _, group in counts.groupby(["measure_id", "_agreement", "financial_year", "dimension", "dimension_value"], sort=False):
        year_total = group[group["_whole_year"] & ~group["_average"]]
        if len(year_total) != 1:
            continue
        quarters = group[group["quarter"].notna()]
        if len(quarters):
            breakdowns.append(disclosure.Breakdown(tuple(quarters.index), year_total.index[0]))
        for average in group[group["_whole_year"] & group["_average"]].index:
            breakdowns.append(disclosure.Breakdown((average,), year_total.index[0]))
    return breakdowns, shares


def published_performance(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """Published performance figures for the area with disclosure control applied (`shown_value`, `disclosure_note`,
    `shown_text`): counts from published documents as published, counts of people from internal returns controlled.

    The exact value is dropped from the result, so nothing downstream (a page, a download) can show it.
    Illustrative figures are left out, and so are illustrative targets.
    """
    frame = queries.observations(session=session, area=area, audience=audience, published_only=True)
    frame[disclosure.PUBLISHED] = frame["source_kind"] == SourceKind.PUBLISHED
    breakdowns, shares = _performance_links(frame)
    controlled = disclosure.control(
        frame, value="value", counts_people="counts_people", published=disclosure.PUBLISHED, breakdowns=breakdowns, shares=shares
    )
    ordered = controlled.sort_values(["agreement", "measure", "period_start", "period_end", "dimension", "dimension_value"], kind="stable")
    return ordered.drop(columns=["value"]).reset_index(drop=True)


# --- what the public pages show: pure functions from the frames above to tables of words ---------

ROUTES: dict[ProcurementRoute, str] = {  # "not stated" has no wording: it is shown as not published
    ProcurementRoute.OPEN: "Open competition: anyone could bid",
    ProcurementRoute.SELECTIVE: "Competition among suppliers that passed a first check",
    ProcurementRoute.LIMITED: "The office invited suppliers of its choice",
    ProcurementRoute.DIRECT: "Given to one supplier without a competition",
}
STATUSES: dict[AgreementStatus, str] = {
    AgreementStatus.PLANNED: "Planned",
    AgreementStatus.ACTIVE: "Running",
    AgreementStatus.ENDED: "Ended",
    AgreementStatus.NOT_STATED: NOT_PUBLISHED,
}


def plain_text(value: object) -> str:
    """Text shown exactly as written (st.table renders Markdown in cells): the one escaper, `data_access.text.safe_text`."""
    return safe_text(value)


def _date_text(day: Any, precision: str | None = "day") -> str:
    return NOT_PUBLISHED if day is None or pd.isna(day) else format_date(day, precision or "day")


def _money_text(pence: Any) -> str:
    return NOT_PUBLISHED if pence is None or pd.isna(pence) else format_money(int(pence))


def _qualified_texts(frame: pd.DataFrame, side: str) -> list[str]:
    """A side's sums in words: "up to £X" where a ceiling is in the sum, its parts ("of which ...") after it."""
    up_to = frame[f"{side}_up_to"] if f"{side}_up_to" in frame else pd.Series(False, index=frame.index)
    parts = frame[f"{side}_of_which"] if f"{side}_of_which" in frame else pd.Series("", index=frame.index)
    texts = []
    for pence, ceiling, part in zip(frame[f"{side}_pence"], up_to, parts, strict=True):
        text = _money_text(pence)
        if text != NOT_PUBLISHED:
            text = (f"up to {text}" if bool(ceiling) else text) + (f" ({part})" if isinstance(part, str) and part else "")
        texts.append(text)
    return texts


def money_table(frame: pd.DataFrame, *, name: str, heading: str) -> pd.DataFrame:
    """Budget and spend in words: one row per funding stream or priority, "not published" where none is; the grants
    awarded from each stream in the year where the frame has them (awarded is not spent: the words say so)."""
    shown = pd.DataFrame({heading: frame[name].map(str)})
    if "funder" in frame:
        shown["Who provides the money"] = frame["funder"].map(str)
    shown["Budget"] = _qualified_texts(frame, "budget")
    shown["Spend"] = _qualified_texts(frame, "spend")
    if "awards" in frame and frame["awards"].any():
        shown["Awarded in grants"] = [
            "none listed" if not awards else text for awards, text in zip(frame["awards"], _qualified_texts(frame, "awarded"), strict=True)
        ]
    return shown


def _value_text(row: Any) -> str:
    up_to = "up to " if row.get("value_qualifier", "") == MoneyQualifier.UP_TO else ""
    if row["total_value_pence"] is not None:
        return f"{up_to}{format_money(int(row['total_value_pence']))} in total"
    if row["annual_value_pence"] is not None:
        return f"{up_to}{format_money(int(row['annual_value_pence']))} a year"
    return NOT_PUBLISHED


def _changes_text(amendments: pd.DataFrame, agreement_id: str) -> str:
    rows = amendments[amendments["agreement_id"] == agreement_id]
    texts = []
    for row in rows.itertuples():
        text = str(row.kind).capitalize()
        if pd.notna(row.new_end_date):
            text += f" to {format_date(row.new_end_date)}"
        if isinstance(row.rationale, str) and row.rationale:
            text += f": {row.rationale}"
        texts.append(text)
    return "; ".join(texts) or "none recorded"


def _runs_text(row: Any) -> str:
    """When an agreement runs, in words: '1 April 2018 to 31 March 2021; can be extended to 31 March 2023'."""
    start = None if row["start_date"] is None else _date_text(row["start_date"], row["start_precision"])
    end = None if row["current_end_date"] is None else _date_text(row["current_end_date"], row["end_precision"])
    text = f"{start} to {end}" if start and end else f"until {end}" if end else f"from {start}" if start else NOT_PUBLISHED
    latest = row.get("latest_end_date")
    if latest is not None and latest != row["current_end_date"]:
        text += f"; can be extended to {_date_text(latest, row.get('latest_end_precision'))}"
    return text


def _status_text(row: Any) -> str:
    """The status as the source gives it, except where `published_agreements` was given a date on which the status
    is not published (`queries._standing`): then "Last listed in <document>; current status not published"."""
    if row.get("standing") in queries.STATUS_NOT_PUBLISHED:
        return str(row["status_note"])
    return STATUSES.get(AgreementStatus(row["status"]), NOT_PUBLISHED) if row["status"] else NOT_PUBLISHED


def contracts_table(agreements: pd.DataFrame, amendments: pd.DataFrame) -> pd.DataFrame:
    """Contracts in words, one a row: what, who, how much, when, how it was bought, and changes since."""
    rows = agreements.to_dict("records")
    return pd.DataFrame(
        {
            "Service": [r["title"] + ("" if r["kind"] else " (contract or grant: not stated)") for r in rows],
            "What it is for": [r["purpose"] or NOT_PUBLISHED for r in rows],
            "Provider": [r["provider"] or NOT_PUBLISHED for r in rows],
            "Value": [_value_text(r) for r in rows],
            "Runs": [_runs_text(r) for r in rows],
            "How it was bought": [
                ROUTES.get(ProcurementRoute(r["procurement_route"]), NOT_PUBLISHED) if r["procurement_route"] else NOT_PUBLISHED
                for r in rows
            ],
            "Status": [_status_text(r) for r in rows],
            "Changes": [_changes_text(amendments, r["id"]) for r in rows],
        }
    )


def grants_table(agreements: pd.DataFrame, left_out: pd.DataFrame) -> pd.DataFrame:
    """Grants in words, one a row: who got it, how much, what for, when, from which money, and whether it is
    in the 360Giving file (and if not, why)."""
    rows = agreements.to_dict("records")
    reasons = dict(zip(left_out["id"], left_out["reason"], strict=True))
    return pd.DataFrame(
        {
            "Recipient": [r["provider"] or NOT_PUBLISHED for r in rows],
            "Amount": [_value_text(r) for r in rows],
            "What it is for": [r["purpose"] or r["title"] for r in rows],
            "Runs": [_runs_text(r) for r in rows],
            "Paid from": [r["funding_stream"] or NOT_PUBLISHED for r in rows],
            "In the 360Giving file": [f"No. {reasons[r['id']]}" if r["id"] in reasons else "Yes" for r in rows],
        }
    )


def figure_text(shown: object, unit: str, text: str, counts_people: bool) -> str:
    """A figure after disclosure control in words: a count of people as `disclosure.control` wrote it ("224",
    "about 225", "fewer than 10"), a percentage with its sign and the decimals it was published with (99.8%), "hidden"
    or "not published"."""
    if counts_people and unit == "count":
        return text
    return format_measure(shown, unit, missing="hidden" if text == "hidden" else NOT_PUBLISHED)


def performance_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Published performance figures in words, after disclosure control: the shown figure and why it is shown so."""
    return pd.DataFrame(
        {
            "Service": frame["agreement"].map(str),
            "Provider": frame["provider"].map(str),
            "What is measured": [
                f"{m} ({d}: {v})" if d else str(m)
                for m, d, v in zip(frame["measure"], frame["dimension"], frame["dimension_value"], strict=True)
            ],
            "Period": frame["period"].map(str),
            "Figure": [
                figure_text(v, u, t, bool(p))
                for v, u, t, p in zip(frame["shown_value"], frame["unit"], frame["shown_text"], frame["counts_people"], strict=True)
            ],
            "Target": [format_target(t, u) for t, u in zip(frame["target"], frame["unit"], strict=True)],
            "As stated": frame["value_statement"].fillna("").map(str),
            "Why it is shown this way": [n or disclosure.AS_PUBLISHED for n in frame["disclosure_note"]],
        }
    )


def money_takeaway(frame: pd.DataFrame, *, name: str) -> str:
    """One sentence on the published money: the largest budget and its share, and whether spend is published."""
    budgets = frame[frame["budget_pence"].notna()]
    spent = [int(v) for v in frame["spend_pence"] if v is not None and not pd.isna(v)]
    if budgets.empty:
        sentence = "No budget is published for this year."
    else:
        total = int(budgets["budget_pence"].sum())
        top = budgets.loc[budgets["budget_pence"].astype("int64").idxmax()]
        up_to = budgets["budget_up_to"].astype(bool) if "budget_up_to" in budgets else pd.Series(False, index=budgets.index)
        top_text = format_money(int(top["budget_pence"]))
        sentence = f"{top[name]} is the largest budget published, {'up to ' if bool(up_to.loc[top.name]) else ''}{top_text}"
        sentence += f" of {'up to ' if up_to.any() else ''}{format_money(total)} in all." if len(budgets) > 1 else "."
    awarded = [int(v) for v in frame.get("awarded_pence", pd.Series(dtype=object)) if v is not None and not pd.isna(v)]
    if awarded:
        sentence += f" {format_money(sum(awarded))} has been awarded in grants."
    if spent:
        return sentence + f" {format_money(sum(spent))} of spend is published."
    return sentence + " How much was actually spent is not published."


TERMS = (
    "**What the words mean**\n"
    "- **Budget**: money set aside to be spent in the year.\n"
    "- **Spend**: money actually paid out.\n"
    "- **Awarded in grants**: money promised to organisations from a funding stream; it may not all have been paid yet.\n"
    "- **Funding stream**: where the money comes from, such as a government grant to the Commissioner.\n"
    "- **Police and Crime Plan priority**: one of the aims the Commissioner has promised to work on.\n"
    "- **Contract**: an agreement to pay a provider for a service, usually after a competition.\n"
    "- **Grant**: money given to an organisation for work it proposes.\n"
    "- **Not published**: the documents do not give this figure; it is not zero."
)


def published_total(pence: pd.Series, up_to: pd.Series | None = None) -> str:
    """The sum of the published amounts as money, or "not published" when there are none; "up to £X" when any amount
    summed is a ceiling (`up_to`, the query's `<side>_up_to`)."""
    known = [int(v) for v in pence if v is not None and not pd.isna(v)]
    ceiling = up_to is not None and bool(up_to.fillna(False).astype(bool).any())
    return f"{'up to ' if ceiling else ''}{format_money(sum(known))}" if known else NOT_PUBLISHED


def published_cost_per_unit(*, session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """Cost per unit for the public: published (not illustrative) spend and counts only.

    The count goes through `disclosure.public_count` (`units`: the shown count, `units_text`, `units_note`), and
    the cost is worked out from the shown count, never the exact one: spend is public, so spend divided by a
    cost computed from the exact count would give the hidden count back. Where the count is hidden, so is the
    cost (`cost_per_unit_pence` None).
    """
    frame = queries.cost_per_unit(session=session, area=area, audience=audience, published_only=True)
    counts = [disclosure.public_count(u, published=bool(p)) for u, p in zip(frame["units"], frame["units_published"], strict=True)]
    frame["units"] = pd.Series([c.shown for c in counts], index=frame.index, dtype="object")
    frame["units_text"] = [c.text for c in counts]
    frame["units_note"] = [c.note for c in counts]
    frame["cost_per_unit_pence"] = pd.Series(
        [None if not u else round(s / u) for s, u in zip(frame["spend_pence"], frame["units"], strict=True)],
        index=frame.index,
        dtype="object",
    )
    return frame.reset_index(drop=True)
