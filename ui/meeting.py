"""Meeting mode's topics, each drawn for one area at one meeting date as the public sees it (pages/meeting.py).

Projected in public, so every query asks as the public (Audience.PUBLIC), whoever is signed in, and counts of
people follow the public pages' disclosure rule (`data_access.disclosure`). Headings go h2 (the topic), h3 (each
item), h4 (its question), so a screen reader's list of headings is the agenda.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from charts.renewals import renewal_takeaway, renewal_timeline_empty, renewal_timeline_figure
from charts.spend import budget_and_spend_empty, budget_and_spend_figure, budget_and_spend_takeaway, side_word
from data_access import disclosure, public
from data_access.basis import marked
from data_access.findings import Scope
from data_access.models import Audience
from data_access.money import format_money
from data_access.periods import format_date, fy_label
from data_access.queries import NOT_LINKED
from data_access.settings import get_settings
from ui import cache, render

PUBLIC = Audience.PUBLIC  # never the viewer's own audience: the screen is seen by everyone in the room
SEVERITY_COLOUR = {"high": "red", "medium": "orange", "low": "gray"}  # with the word itself: never colour alone
SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "low": ":material/info:"}


@dataclass(frozen=True)
class Meeting:
    """The meeting the screen is for."""

    area: str
    area_name: str
    on: date
    last: date  # the date of the panel's previous meeting
    year: int  # the financial year whose figures are shown


def _findings(m: Meeting) -> pd.DataFrame:
    """The scrutiny findings at the meeting date, as the public may see them (the same engine as every other view)."""
    return cache.findings_frame(area=m.area, as_at=m.on, audience=PUBLIC, year=m.year, scope=Scope.SCRUTINY)


def red_flags(m: Meeting) -> None:
    flags = _findings(m)
    counts = flags["severity"].value_counts()
    render.kpi_row([(f"{s.capitalize()} flags", f"{counts.get(s, 0)}", None) for s in ("high", "medium", "low")])
    if flags.empty:
        st.success("No red flags are raised by the published figures for this area and date.")
    for n, item in enumerate(flags.itertuples(), start=1):
        with st.container(border=True):
            st.badge(
                f"{item.severity.capitalize()}: {item.heading}", icon=SEVERITY_ICON[item.severity], color=SEVERITY_COLOUR[item.severity]
            )
            st.markdown(f"### {n}. {public.plain_text(item.statement)}")
            st.markdown(f"#### Question to ask: {public.plain_text(item.question)}")
    render.sources_footer(flags["citations"], illustrative=bool(flags["illustrative"].any()))
    st.caption(f"Counts of people in these findings follow the public rule: {disclosure.rule_in_words()}")


def spend(m: Meeting) -> None:
    by_priority = cache.budget_and_spend_by_priority(area=m.area, year=m.year, audience=PUBLIC)
    shown = by_priority[(by_priority["budget_pence"] > 0) | (by_priority["spend_pence"] > 0)]
    unlinked = shown[shown["priority"] == NOT_LINKED]

    def tile(label: str, rows, side: str) -> tuple[str, str, None]:
        # The basis in the tile's own label: a tooltip is lost on a projector. Nothing published is "not published", not £0.
        if not shown[f"{side}_pence"].any():
            return label, "not published", None
        return marked(label, side_word(rows, side)), format_money(int(rows[f"{side}_pence"].sum()), short=True), None

    render.kpi_row(
        [
            tile(f"Budget {fy_label(m.year)}", shown, "budget"),
            tile(f"Spend {fy_label(m.year)}", shown, "spend"),
            tile("Spend linked to no priority", unlinked, "spend"),
        ]
    )
    render.chart(
        budget_and_spend_figure(shown, category="priority", title=f"Budget and spend by priority, {fy_label(m.year)}"),
        alt=f"Bar chart of budget and spend by Police and Crime Plan priority for {m.area_name}, {fy_label(m.year)}.",
        takeaway=budget_and_spend_takeaway(shown, category="priority", unlinked=NOT_LINKED),
        data=render.money_columns(shown, {"budget_pence": "Budget", "spend_pence": "Spend"}).assign(
            Basis=shown["illustrative"].map({True: "illustrative", False: ""})
        ),
        columns={"priority": "Priority", "Budget": "Budget", "Spend": "Spend", "Basis": "Basis"},
        key="meeting_spend",
        empty=budget_and_spend_empty(shown, subject=m.area_name, year_label=fy_label(m.year)),
    )


def renewals(m: Meeting) -> None:
    settings = get_settings()
    red, amber = settings.expiry_red_months, settings.expiry_amber_months
    agreements = cache.renewals(area=m.area, as_at=m.on, audience=PUBLIC, red_months=red, amber_months=amber)
    counts = agreements["warning"].value_counts()
    render.kpi_row(
        [
            (f"Ending within {red} months", f"{counts.get('red', 0)}", None),
            (f"Ending within {amber} months", f"{counts.get('amber', 0)}", None),
        ]
    )
    # Paged like a table: a national store can have hundreds ending soon, and each is two headings.
    for r in render.page_of(agreements[agreements["warning"].isin(["red", "amber"])], key="meeting_ending").itertuples():
        st.subheader(f"{public.plain_text(r.title)}: ends {public.plain_text(r.end_text)}", anchor=False)
        st.markdown(f"#### {public.plain_text(r.next_step)}")
    # Agreements whose status on the meeting date is not published are listed, not charted as running.
    unknown = agreements[agreements["warning"] == "unknown"]
    charted = agreements[agreements["warning"] != "unknown"]
    unknown_sentence = (
        f" {len(unknown)} agreement{'s are' if len(unknown) != 1 else ' is'} not shown as running: "
        f"current status not published on {format_date(m.on)}."
        if len(unknown)
        else ""
    )
    render.chart(
        renewal_timeline_figure(
            charted,
            cache.amendments(area=m.area, audience=PUBLIC),
            cache.milestones(area=m.area, audience=PUBLIC),
            as_at=m.on,
            red_months=red,
            amber_months=amber,
            title=f"Agreements in {m.area_name} by start and end",
        ),
        alt=f"Timeline of {m.area_name}'s contracts and grants, with a dashed line at the meeting date.",
        takeaway=renewal_takeaway(charted, as_at=m.on, red_months=red, amber_months=amber) + unknown_sentence,
        data=agreements,
        columns={
            "title": "Agreement",
            "start_text": "Start",
            "end_text": "Current end",
            "latest_text": "Latest possible end",
            "timing": "Status",
        }
        | ({"last_listed": "Last listed"} if len(unknown) else {}),
        key="meeting_renewals",
        empty=(nothing + unknown_sentence) if (nothing := renewal_timeline_empty(agreements, area_name=m.area_name)) else None,
    )


def performance(m: Meeting) -> None:
    figures = cache.published_performance(area=m.area, audience=PUBLIC)
    figures = figures[figures["period_end"].map(lambda end: end <= m.on).astype(bool)]  # what was known at the meeting
    below = _findings(m)
    below = below[below["rule"] == "below_target"]
    st.subheader("Below target", anchor=False)
    if below.empty:
        st.markdown("#### No measure with a target was below it in its latest period.")
    for item in below.itertuples():
        st.markdown(f"#### {public.plain_text(item.statement)}")
    st.subheader("Published figures", anchor=False)
    if figures.empty:
        st.info(f"No performance figures are published for {public.plain_text(m.area_name)} up to {format_date(m.on)}.")
    else:
        render.text_table(public.performance_table(figures), key="meeting_performance")
    st.caption(disclosure.rule_in_words())
    render.sources_footer([*figures["citations"], *below["citations"]], illustrative=bool(below["illustrative"].any()))


def since_last_meeting(m: Meeting) -> None:
    if m.last > m.on:
        st.error(f"The last meeting ({format_date(m.last)}) is after this meeting ({format_date(m.on)}): set it in the sidebar.")
        return
    changes = cache.changes_between(area=m.area, since=m.last, until=m.on, audience=PUBLIC)
    st.subheader(f"Since {format_date(m.last)}: {len(changes)} dated change{'s' if len(changes) != 1 else ''}", anchor=False)
    if changes.empty:
        st.info("Nothing in the published records is dated between the two meetings.")
    for c in render.page_of(changes, key="meeting_changes").itertuples():
        st.markdown(f"#### {public.plain_text(c.when)}: {public.plain_text(c.what)}" + (" (illustrative)" if c.illustrative else ""))
        st.caption(c.kind)
    render.sources_footer(changes["citations"], illustrative=bool(changes["illustrative"].any()))


# The topics in agenda order: link value -> (name on screen, what draws it).
TOPICS: dict[str, tuple[str, Callable[[Meeting], None]]] = {
    "flags": ("Red flags", red_flags),
    "spend": ("Spend", spend),
    "renewals": ("Renewals", renewals),
    "performance": ("Performance", performance),
    "since": ("Since the last meeting", since_last_meeting),
}
