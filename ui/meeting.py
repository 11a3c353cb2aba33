"""Meeting mode's topics, each drawn for one area at one meeting date as the public sees it (pages/meeting.py).

Projected in public, so every query asks as the public (Audience.PUBLIC), whoever is signed in, and counts of
people follow the public pages' disclosure rule (`data_access.disclosure`). Headings go h2 (the topic), h3 (each
item), h4 (its question), so a screen reader's list of headings is the agenda.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.compare import compare_figure
from charts.performance import (
    breakdown_empty,
    breakdown_figure,
    breakdown_takeaway,
    charted_figures,
    measure_takeaway,
    measure_trend_empty,
    measure_trend_figure,
)
from charts.renewals import renewal_takeaway, renewal_timeline_empty, renewal_timeline_figure
from charts.spend import budget_and_spend_empty, budget_and_spend_figure, budget_and_spend_takeaway, side_word
from data_access import compare, disclosure, public
from data_access.basis import marked
from data_access.findings import Scope
from data_access.models import Audience
from data_access.money import format_money
from data_access.periods import format_date, fy_label
from data_access.queries import NOT_LINKED
from data_access.settings import get_settings
from data_access.text import safe_text
from ui import cache, render

PUBLIC = Audience.PUBLIC  # never the viewer's own audience: the screen is seen by everyone in the room
SEVERITY_COLOUR = {"high": "red", "medium": "orange", "low": "gray"}  # with the word itself: never colour alone
SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "low": ":material/info:"}
CHART_HEIGHT = 250  # px: with the title, the position and the buttons, one chart fits a 1280x720 projector screen
PER_SCREEN = 2  # agreements ending soon, or changes, shown on one screen

# A topic function draws its topic, or returns its screens (each draws one item) for the page to show one at a time;
# a topic that draws itself is one item. So any `topic(m)` plugs into TOPICS below unchanged.
Screen = Callable[[], None]

# Meeting mode only (drawn by pages/meeting.py): type to read from the back of a room, the whole width, and nothing cut off.
PROJECTOR_CSS = """<style>
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 3rem 2rem 1rem 2rem; }
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] { gap: 0.5rem; }
[data-testid="stMain"] { font-size: 28px; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMain"] [data-testid="stAlertContainer"] p,
[data-testid="stMain"] button p,
[data-testid="stMain"] [data-testid="stTable"] td,
[data-testid="stMain"] [data-testid="stTable"] th,
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 28px; line-height: 1.25; }
[data-testid="stMain"] [data-testid="stMarkdownBadge"] { font-size: 26px; }
[data-testid="stMain"] [data-testid="stTable"] td, [data-testid="stMain"] [data-testid="stTable"] th { line-height: 1.15; }
[data-testid="stMain"] [data-testid="stWidgetLabel"] p { font-size: 18px; line-height: 1.2; }
[data-testid="stMain"] [data-testid="stWidgetLabel"] { min-height: 0; margin-bottom: 0; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 16px; line-height: 1.3; }
[data-testid="stMain"] h1 { font-size: 30px; padding: 0; }
[data-testid="stMain"] h2 { font-size: 32px; padding: 0; text-align: center; }
[data-testid="stMain"] h3 { font-size: 32px; padding: 0.25rem 0; }
[data-testid="stMain"] h4 { font-size: 30px; padding: 0.25rem 0; }
[data-testid="stMain"] [data-testid="stMetricValue"] div { font-size: 40px; white-space: normal; overflow: visible; text-overflow: clip; }
[data-testid="stMain"] [data-testid="stMetricLabel"] div { white-space: normal; overflow: visible; }
[data-testid="stMain"] [data-testid="stTable"] table { table-layout: auto; width: 100%; }
[data-testid="stMain"] [data-testid="stTable"] td,
[data-testid="stMain"] [data-testid="stTable"] th { white-space: normal; overflow-wrap: anywhere; padding: 0.2rem 0.4rem; }
[data-testid="stMain"] h1 + div, [data-testid="stMain"] [data-testid="stHeading"] { margin-bottom: 0.25rem; }
@media print { .st-key-meeting_nav { display: none; } }
</style>"""

# Presenter remotes send PageDown/PageUp; keyboards arrows. The script clicks the page's own buttons, so a key does
# exactly what a click does; it ignores keys typed into a field. It runs in the page itself (st.html) and loads nothing.
# The listener is added once per browser tab, and finds the buttons only on this page.
KEYS_SCRIPT = """<script>
const doc = document;
if (!doc.meetingKeys) {
  doc.meetingKeys = true;
  doc.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    const next = "meeting_next", previous = "meeting_previous";
    const key = {ArrowRight: next, PageDown: next, ArrowLeft: previous, PageUp: previous}[event.key];
    const button = key && doc.querySelector(".st-key-" + key + " button");
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });
}
</script>"""


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


def projector_styles() -> None:
    """Meeting mode's large type and full width (PROJECTOR_CSS) and its keys (KEYS_SCRIPT); pages/meeting.py calls it."""
    st.html(PROJECTOR_CSS)
    st.html(KEYS_SCRIPT, unsafe_allow_javascript=True)  # our own constant script, never store text


def _fitted(fig: go.Figure, *, large: bool) -> go.Figure:
    """A chart sized for one projector screen. A bar chart's value labels may run past the plot into a right margin
    kept for them, never clipped ("£1.71m (illustrative)"); `large` numbers on its value axis. A timeline's many
    labels and legend keep the builder's sizes, or its bars are squeezed out."""
    if large:
        fig.update_xaxes(tickfont_size=18, tickangle=0)
        fig.update_traces(cliponaxis=False, selector={"type": "bar"})
        fig.update_layout(margin={"r": 200})
    return fig.update_layout(height=CHART_HEIGHT, margin={"t": 60, "b": 40})


def _chart(
    fig: go.Figure,
    *,
    alt: str,
    takeaway: str,
    empty: str | None,
    key: str,
    citations: Sequence[str] = (),
    illustrative: bool = False,
    large: bool = True,
) -> None:
    """One chart on one screen: the takeaway in words, the chart with its alt text, and its sources."""
    if empty:
        st.info(safe_text(empty), icon=":material/info:")
    else:
        st.markdown(f"**{safe_text(takeaway)}**")
        st.plotly_chart(
            _fitted(fig, large=large),
            alt=f"{alt} {takeaway}",
            key=key,
            config={"displaylogo": False, "responsive": True, "displayModeBar": False},
        )
    render.sources_footer(citations, illustrative=illustrative)


def _table_screens(frame: pd.DataFrame, *, title: str, rows: int) -> list[Screen]:
    """A table as screens of `rows` rows each ("title, rows 1 to 3 of 12"): paged by the item buttons, not by a widget."""

    def part(start: int) -> Screen:
        def draw() -> None:
            end = min(start + rows, len(frame))
            heading = f"{title}, rows {start + 1} to {end} of {len(frame)}" if len(frame) > rows else title
            st.subheader(public.plain_text(heading), anchor=False)  # the title may hold store text
            st.table(frame.iloc[start:end].map(public.plain_text), hide_index=True)

        return draw

    return [part(start) for start in range(0, len(frame), rows)]


def red_flags(m: Meeting) -> Sequence[Screen] | None:
    flags = _findings(m)
    if flags.empty:
        st.success("No red flags are raised by the published figures for this area and date.")
        st.caption(f"Counts of people in these findings follow the public rule: {disclosure.rule_in_words()}")
        return None
    counts = flags["severity"].value_counts()

    def overview() -> None:
        render.kpi_row([(f"{s.capitalize()} flags", f"{counts.get(s, 0)}", None) for s in ("high", "medium", "low")])
        st.subheader(f"{len(flags)} red flags, one to a screen, each with the question to ask. Next: flag 1.", anchor=False)
        st.caption(f"Counts of people in these findings follow the public rule: {disclosure.rule_in_words()}")

    def flag(n: int, item: pd.Series) -> Screen:
        def draw() -> None:
            st.badge(
                f"{item.severity.capitalize()}: {item.heading}", icon=SEVERITY_ICON[item.severity], color=SEVERITY_COLOUR[item.severity]
            )
            st.markdown(f"### {n}. {public.plain_text(item.statement)}")
            st.markdown(f"#### Question to ask: {public.plain_text(item.question)}")
            render.sources_footer([item.citations], illustrative=bool(item.illustrative))

        return draw

    return [overview] + [flag(n, item) for n, (_, item) in enumerate(flags.iterrows(), start=1)]


def spend(m: Meeting) -> Sequence[Screen] | None:
    by_priority = cache.budget_and_spend_by_priority(area=m.area, year=m.year, audience=PUBLIC)
    shown = by_priority[(by_priority["budget_pence"] > 0) | (by_priority["spend_pence"] > 0)]
    unlinked = shown[shown["priority"] == NOT_LINKED]
    illustrative = bool(shown["illustrative"].any())

    def tile(label: str, rows, side: str) -> tuple[str, str, None]:
        # The basis in the tile's own label: a tooltip is lost on a projector. Nothing published is "not published", not £0.
        if not shown[f"{side}_pence"].any():
            return label, "not published", None
        return marked(label, side_word(rows, side)), format_money(int(rows[f"{side}_pence"].sum()), short=True), None

    def tiles() -> None:
        render.kpi_row(
            [
                tile(f"Budget {fy_label(m.year)}", shown, "budget"),
                tile(f"Spend {fy_label(m.year)}", shown, "spend"),
                tile("Spend linked to no priority", unlinked, "spend"),
            ]
        )
        render.sources_footer(shown.get("citations", []), illustrative=illustrative)

    def chart() -> None:
        _chart(
            budget_and_spend_figure(shown, category="priority", title=f"Budget and spend by priority, {fy_label(m.year)}"),
            alt=f"Bar chart of budget and spend by Police and Crime Plan priority for {m.area_name}, {fy_label(m.year)}.",
            takeaway=budget_and_spend_takeaway(shown, category="priority", unlinked=NOT_LINKED),
            empty=budget_and_spend_empty(shown, subject=m.area_name, year_label=fy_label(m.year)),
            key="meeting_spend",
            citations=shown.get("citations", []),
            illustrative=illustrative,
        )

    numbers = render.money_columns(shown, {"budget_pence": "Budget", "spend_pence": "Spend"}).assign(
        Basis=shown["illustrative"].map({True: "illustrative", False: ""})
    )
    table = numbers.rename(columns={"priority": "Priority"})[["Priority", "Budget", "Spend", "Basis"]]
    return [tiles, chart, *_table_screens(table, title="The numbers in this chart", rows=5)]


def renewals(m: Meeting) -> Sequence[Screen] | None:
    settings = get_settings()
    red, amber = settings.expiry_red_months, settings.expiry_amber_months
    agreements = cache.renewals(area=m.area, as_at=m.on, audience=PUBLIC, red_months=red, amber_months=amber)
    counts = agreements["warning"].value_counts()
    ending = agreements[agreements["warning"].isin(["red", "amber"])]
    # Agreements whose status on the meeting date is not published are listed, not charted as running.
    unknown = agreements[agreements["warning"] == "unknown"]
    charted = agreements[agreements["warning"] != "unknown"]
    unknown_sentence = (
        f" {len(unknown)} agreement{'s are' if len(unknown) != 1 else ' is'} not shown as running: "
        f"current status not published on {format_date(m.on)}."
        if len(unknown)
        else ""
    )

    def tiles() -> None:
        render.kpi_row(
            [
                (f"Ending within {red} months", f"{counts.get('red', 0)}", None),
                (f"Ending within {amber} months", f"{counts.get('amber', 0)}", None),
            ]
        )
        if ending.empty:
            st.markdown(f"### No agreement ends within {amber} months of {format_date(m.on)}.")

    def soon(rows: pd.DataFrame) -> Screen:
        def draw() -> None:
            for r in rows.itertuples():
                st.subheader(f"{public.plain_text(r.title)}: ends {public.plain_text(r.end_text)}", anchor=False)
                st.markdown(f"#### {public.plain_text(r.next_step)}")

        return draw

    def timeline() -> None:
        nothing = renewal_timeline_empty(agreements, area_name=m.area_name)
        _chart(
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
            empty=(nothing + unknown_sentence) if nothing else None,
            key="meeting_renewals",
            large=False,
            citations=agreements.get("citations", []),
        )

    # Four narrow columns (five when some status is not published), wrapped: read whole from the back of the room.
    columns = {"title": "Agreement", "end_text": "Current end", "latest_text": "Latest possible end", "timing": "Status"}
    columns |= {"last_listed": "Last listed"} if len(unknown) else {}
    table = agreements[list(columns)].rename(columns=columns).astype(object).where(lambda t: t.notna() & (t != ""), render.BLANK)
    chunks = [soon(ending.iloc[i : i + PER_SCREEN]) for i in range(0, len(ending), PER_SCREEN)]
    return [tiles, *chunks, timeline, *_table_screens(table, title="Agreements", rows=2 if len(unknown) else 3)]


def performance(m: Meeting) -> Sequence[Screen] | None:
    figures = cache.published_performance(area=m.area, audience=PUBLIC)
    figures = figures[figures["period_end"].map(lambda end: end <= m.on).astype(bool)]  # what was known at the meeting
    below = _findings(m)
    below = below[below["rule"] == "below_target"]

    def summary() -> None:
        st.subheader("Below target", anchor=False)
        if below.empty:
            st.markdown("#### No measure with a target was below it in its latest period.")
        for item in below.itertuples():
            st.markdown(f"#### {public.plain_text(item.statement)}")
        if figures.empty:
            st.info(f"No performance figures are published for {public.plain_text(m.area_name)} up to {format_date(m.on)}.")
        st.caption(disclosure.rule_in_words())
        render.sources_footer([*figures["citations"], *below["citations"]], illustrative=bool(below["illustrative"].any()))

    charted = charted_figures(figures.rename(columns={"shown_value": "value"})) if not figures.empty else figures
    quarterly = charted[(charted["dimension"] == "") & charted["quarter"].notna()] if not charted.empty else charted

    def trend(n: int, series: pd.DataFrame) -> Screen:
        def draw() -> None:
            measure_name, agreement = series["measure"].iloc[0], series["agreement"].iloc[0]
            _chart(
                measure_trend_figure(series, title=f"{measure_name}: {agreement}"),
                alt=f"Bar chart of {str(measure_name).lower()} per quarter for {agreement}, with the target marked where one is published.",
                takeaway=measure_takeaway(series),
                empty=measure_trend_empty(series, name=f"{measure_name} ({agreement})"),
                key=f"meeting_performance_{n}",
                citations=list(series["citations"]),
                illustrative=bool((series["basis"] == "illustrative").any()),
            )

        return draw

    def parts_of(n: int, parts: pd.DataFrame) -> Screen:
        def draw() -> None:
            measure_name, agreement, dimension, period = (parts[c].iloc[0] for c in ("measure", "agreement", "dimension", "period"))
            _chart(
                breakdown_figure(parts, title=f"{measure_name}, {agreement}, {period}"),
                alt=f"Bar chart of {str(measure_name).lower()} by {dimension} for {agreement}, {period}.",
                takeaway=breakdown_takeaway(parts),
                empty=breakdown_empty(parts, name=f"{str(measure_name).lower()} by {dimension} for {agreement}, {period}"),
                key=f"meeting_breakdown_{n}",
                citations=list(parts["citations"]),
                illustrative=bool((parts["basis"] == "illustrative").any()),
            )

        return draw

    # One chart per measure against its target (and per breakdown), in the order the store lists them; then every
    # figure, a few to a screen.
    # The table a service at a time: its name in the heading, not a column.
    table = public.performance_table(figures) if not figures.empty else pd.DataFrame(columns=["Service"])
    columns = ["What is measured", "Period", "Figure", "Target", "Why it is shown this way"]

    def of_service(service: str, rows: pd.DataFrame) -> list[Screen]:
        # One period for all its figures: in the heading, and a column fewer to read across the room.
        if rows["Period"].nunique() == 1:
            only = str(rows["Period"].iloc[0])
            return _table_screens(rows[[c for c in columns if c != "Period"]], title=f"Published figures for {service}, {only}", rows=2)
        return _table_screens(rows[columns], title=f"Published figures for {service}", rows=2)

    by_service = [screen for service, rows in table.groupby("Service", sort=False) for screen in of_service(str(service), rows)]
    trends = [trend(n, s) for n, (_, s) in enumerate(quarterly.groupby("measure_id", sort=False))]
    breakdowns = charted[charted["dimension"] != ""] if not charted.empty else charted
    trends += [parts_of(n, p) for n, (_, p) in enumerate(breakdowns.groupby(["measure_id", "dimension", "period"], sort=False))]
    return [summary, *trends, *by_service]


def since_last_meeting(m: Meeting) -> Sequence[Screen] | None:
    if m.last > m.on:
        st.error(f"The last meeting ({format_date(m.last)}) is after this meeting ({format_date(m.on)}): set it in the sidebar.")
        return None
    changes = cache.changes_between(area=m.area, since=m.last, until=m.on, audience=PUBLIC)
    heading = f"Since {format_date(m.last)}: {len(changes)} dated change{'s' if len(changes) != 1 else ''}"
    if changes.empty:
        st.subheader(heading, anchor=False)
        st.info("Nothing in the published records is dated between the two meetings.")
        return None

    def some(rows: pd.DataFrame) -> Screen:
        def draw() -> None:
            st.subheader(heading, anchor=False)
            for c in rows.itertuples():
                st.markdown(
                    f"#### {public.plain_text(c.when)}: {public.plain_text(c.what)}" + (" (illustrative)" if c.illustrative else "")
                )
                st.caption(c.kind)
            render.sources_footer(rows["citations"], illustrative=bool(rows["illustrative"].any()))

        return draw

    return [some(changes.iloc[i : i + PER_SCREEN]) for i in range(0, len(changes), PER_SCREEN)]


def comparison(m: Meeting) -> Sequence[Screen] | None:
    standing = cache.compare_standing(area=m.area, audience=PUBLIC)
    if standing.empty:
        st.info(
            f"No peer group of {public.plain_text(m.area_name)} in the store has two more areas with a published figure to "
            "compare it with, on any indicator."
        )
        return None
    groups = cache.area_groups()

    def against(n: int, row: pd.Series) -> Screen:
        def draw() -> None:
            indicator = compare.INDICATORS[str(row["indicator"])]
            members = groups.loc[groups["group_id"] == row["group_id"], "area_id"]
            frame = cache.compare_areas(indicator=indicator.id, audience=PUBLIC, today=m.on, areas=tuple(sorted(members)))
            shown = compare.display(frame, indicator, chosen=m.area, peers=set(members) - {m.area})
            scale = 100 if indicator.unit == "money" else 1
            if row["far"]:
                st.badge("Far from its group", icon=SEVERITY_ICON["low"], color=SEVERITY_COLOUR["low"])
            _chart(
                compare_figure(
                    shown,
                    title=f"{indicator.name}: {row['group']}",
                    axis_title=compare.axis_title(indicator),
                    chosen=m.area,
                    peers=set(members) - {m.area},
                    averages=[(f"{row['group']} average {row['average_text']}", row["average"] / scale)],
                ),
                alt=f"Bar chart of {indicator.name} for the areas of {row['group']}, highest first, {m.area_name} marked, and a "
                "dashed line at the group's weighted average.",
                takeaway=f"{compare.standing_text(row)}.",
                empty=None,
                key=f"meeting_comparison_{n}",
                citations=[str(row["citations"])],
                illustrative=bool(row["basis"] or row["average_basis"]),
            )

        return draw

    return [against(n, row) for n, (_, row) in enumerate(standing.iterrows())]


# The topics in agenda order: link value -> (name on screen, what draws it).
TOPICS: dict[str, tuple[str, Callable[[Meeting], Sequence[Screen] | None]]] = {
    "flags": ("Red flags", red_flags),
    "spend": ("Spend", spend),
    "renewals": ("Renewals", renewals),
    "performance": ("Performance", performance),
    "comparison": ("Against its group", comparison),
    "since": ("Since the last meeting", since_last_meeting),
}
