"""What a panel member should look at first: findings computed from the store, each with a question to ask.

Each rule is a small function over query results; `attention_items` runs them all.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlmodel import Session

from data_access import queries
from data_access.models import Audience
from data_access.money import format_money
from data_access.periods import format_date, fy_label
from data_access.queries import CITATION_SEP

COLUMNS = ["severity", "finding", "question", "citations"]
_ORDER = {"high": 0, "medium": 1, "low": 2}


def _ending_without_successor(renewals: pd.DataFrame) -> list[dict]:
    rows = renewals[renewals["warning"].isin(["red", "amber"])]
    return [
        {
            "severity": "high" if r.warning == "red" else "medium",
            "finding": f"{r.title} ends on {r.end_text}"
            + (
                f"; re-procurement step recorded {format_date(r.reprocurement_recorded_on)}"
                if pd.notna(r.reprocurement_recorded_on)
                else "; no re-procurement is recorded"
            ),
            "question": f"What will replace {r.title} after {r.end_text}, and is it on time?",
            "citations": r.citations,
        }
        for r in rows.itertuples()
    ]


def _options_exhausted(renewals: pd.DataFrame) -> list[dict]:
    rows = renewals[
        renewals["warning"].isin(["red", "amber", "ok"]) & (renewals["options_remaining"] == 0) & (renewals["extension_options_used"] > 0)
    ]
    return [
        {
            "severity": "medium",
            "finding": f"{r.title} has used all its extension options ({r.options_text})",
            "question": "Why extend rather than re-procure, and was each extension within the original option?",
            "citations": r.citations,
        }
        for r in rows.itertuples()
    ]


def _undated(renewals: pd.DataFrame) -> list[dict]:
    rows = renewals[renewals["warning"] == "undated"]
    if rows.empty:
        return []
    names = ", ".join(rows["title"].head(3)) + (f" and {len(rows) - 3} more" if len(rows) > 3 else "")
    return [
        {
            "severity": "low",
            "finding": f"{len(rows)} agreement(s) have no published dates or value: {names}",
            "question": "When do these services end, what do they cost, and who provides them?",
            "citations": CITATION_SEP.join(dict.fromkeys(rows["citations"])),
        }
    ]


def _unlinked_spend(by_priority: pd.DataFrame, year: int) -> list[dict]:
    rows = by_priority[by_priority["priority_id"].isna() & (by_priority["spend_pence"] > 0)]
    return [
        {
            "severity": "medium",
            "finding": f"{format_money(int(r.spend_pence))} of {fy_label(year)} spend is linked to no Plan priority"
            + (" (illustrative)" if r.illustrative else ""),
            "question": "Which Police and Crime Plan priority does this spend deliver?",
            "citations": r.citations,
        }
        for r in rows.itertuples()
    ]


def _unspent_budget(by_stream: pd.DataFrame, year: int) -> list[dict]:
    rows = by_stream[by_stream["budget_pence"] > by_stream["spend_pence"]]
    return [
        {
            "severity": "low",
            "finding": f"{r.funding_stream}: {format_money(int(r.budget_pence - r.spend_pence))} of the "
            f"{format_money(int(r.budget_pence))} {fy_label(year)} budget has no spend recorded against it"
            + (" (spend illustrative)" if r.illustrative else ""),
            "question": "What is the rest of this budget paying for, and will it be spent this year?",
            "citations": r.citations,
        }
        for r in rows.itertuples()
    ]


def _performance(observations: pd.DataFrame) -> list[dict]:
    items = []
    plain = observations[observations["dimension"] == ""]
    for (measure, agreement), series in plain.groupby(["measure", "agreement"], sort=False):
        targeted = series[series["target"].notna()]
        if not targeted.empty:
            last = targeted.sort_values("period_end").iloc[-1]
            below = last["value"] < last["target"] if last["higher_is_better"] else last["value"] > last["target"]
            if below:
                items.append(
                    {
                        "severity": "medium",
                        "finding": f"{measure} ({agreement}) was {last['value']:g} against a target of {last['target']:g} "
                        "in the latest period" + (" (illustrative)" if last["basis"] == "illustrative" else ""),
                        "question": f"Why is {measure.lower()} below target, and what is being done about it?",
                        "citations": last["citations"],
                    }
                )
    parts = observations[(observations["dimension"] != "") & (observations["unit"] == "share")]
    for (measure, _dimension, _period), group in parts.groupby(["measure", "dimension", "period"], sort=False):
        total = group["value"].sum()
        if round(total) != 100:
            items.append(
                {
                    "severity": "low",
                    "finding": f"{measure} adds up to {total:g}%, not 100%",
                    "question": f"What accounts for the missing {100 - total:g}%, and which figure is right?",
                    "citations": CITATION_SEP.join(dict.fromkeys(group["citations"])),
                }
            )
    return items


def attention_items(
    *, session: Session, area: str, year: int, as_at: date, audience: Audience, red_months: int = 6, amber_months: int = 12
) -> pd.DataFrame:
    """Findings for the area at the as-at date, most serious first, each with a question for the Commissioner."""
    renewals = queries.renewals(
        session=session, area=area, as_at=as_at, audience=audience, red_months=red_months, amber_months=amber_months
    )
    by_priority = queries.budget_and_spend_by_priority(session=session, area=area, year=year, audience=audience)
    by_stream = queries.budget_and_spend_by_funding_stream(session=session, area=area, year=year, audience=audience)
    observations = queries.observations(session=session, area=area, audience=audience)
    items = (
        _ending_without_successor(renewals)
        + _options_exhausted(renewals)
        + _unlinked_spend(by_priority, year)
        + _performance(observations)
        + _unspent_budget(by_stream, year)
        + _undated(renewals)
    )
    frame = pd.DataFrame(items, columns=COLUMNS)
    return frame.sort_values("severity", key=lambda s: s.map(_ORDER), kind="stable").reset_index(drop=True)
