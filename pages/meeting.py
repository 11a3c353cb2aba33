"""Panel meeting mode: for a public meeting on a projector, one topic at a time, in large type. What should the
panel ask about spend, renewals, performance and red flags, and what has changed since it last met?

Projected in public, so it always asks as the public (Audience.PUBLIC), whoever is signed in, and counts of
people follow the public pages' disclosure rule (`data_access.disclosure`). The area, the meeting date
(`meeting`), the last meeting (`since`) and the topic (`topic`) live in the link for the agenda.
"""

import re
from datetime import date

import streamlit as st

from charts.renewals import renewal_takeaway, renewal_timeline_figure
from charts.spend import budget_and_spend_figure, budget_and_spend_takeaway
from data_access import disclosure, public
from data_access.models import Audience
from data_access.money import format_money
from data_access.periods import add_months, format_date, fy_label
from data_access.queries import NOT_LINKED
from data_access.settings import get_settings
from ui import render
from ui.cache import cached
from ui.entry import through_entry_point

through_entry_point()

PUBLIC = Audience.PUBLIC  # never the viewer's own audience: the screen is seen by everyone in the room
TOPICS = {"flags": "Red flags", "spend": "Spend", "renewals": "Renewals", "performance": "Performance", "since": "Since the last meeting"}
SEVERITY_COLOUR = {"high": "red", "medium": "orange", "low": "gray"}  # with the word itself: never colour alone
SEVERITY_ICON = {"high": ":material/error:", "medium": ":material/warning:", "low": ":material/info:"}
settings, areas = get_settings(), cached("areas")
names = dict(zip(areas["id"], areas["name"], strict=True))


def md(text: str) -> str:
    """Data as Markdown text: characters Markdown (or Streamlit's LaTeX) would act on are escaped."""
    return re.sub(r"([\\`*_\[\]<>#|~$])", r"\\\1", str(text))


def seed(key: str, param: str, parse, what: str) -> None:
    """On a fresh visit, put the link's value for `param` into widget `key`; a value that is not valid gets a message naming it."""
    if key in st.session_state or param not in st.query_params:
        return
    raw = st.query_params[param]
    try:
        st.session_state[key] = parse(raw)
    except (ValueError, KeyError):
        st.warning(f"The link's {param} “{raw}” is not {what}; showing the default instead.", icon="⚠️")


def one_of(options):
    def parse(raw: str) -> str:
        if raw not in options:
            raise KeyError(raw)
        return raw

    return parse


def reset_dates() -> None:  # a new area has its own latest figures, so its own default meeting date
    for key in ("meeting_date", "meeting_since"):
        st.session_state.pop(key, None)


seed("meeting_area", "area", one_of(names), f"an area in this store ({', '.join(names)})")
seed("meeting_topic", "topic", one_of(TOPICS), f"a topic ({', '.join(TOPICS)})")
seed("meeting_date", "meeting", date.fromisoformat, "a date written like 2018-09-14")
seed("meeting_since", "since", date.fromisoformat, "a date written like 2018-03-01")
st.session_state.setdefault("meeting_area", st.session_state.get("filter_area", next(iter(names))))  # the area chosen elsewhere
st.sidebar.header("Meeting")
area = st.sidebar.selectbox("Policing area", list(names), format_func=names.get, key="meeting_area", on_change=reset_dates)
default_meeting, why = cached("default_as_at", area=area, today=date.today())
st.session_state.setdefault("meeting_date", default_meeting)
meeting = st.sidebar.date_input("Meeting date", key="meeting_date", format="DD/MM/YYYY")
st.session_state.setdefault("meeting_since", add_months(meeting, -3))
since = st.sidebar.date_input("Last meeting", key="meeting_since", format="DD/MM/YYYY", help="Defaults to three months before the meeting.")
year = cached("default_financial_year", area=area, audience=PUBLIC, as_at=meeting)

st.title(f"{names[area]}: Police and Crime Panel, {format_date(meeting)}")
st.caption(
    f"Figures as at the meeting date{'' if meeting != default_meeting else f': {why}'}. Financial year {fy_label(year)}. "
    "This screen shows what the public may see, whoever is signed in."
)
st.session_state.setdefault("meeting_topic", "flags")
topic = st.segmented_control("Topic", list(TOPICS), format_func=TOPICS.get, required=True, key="meeting_topic", width="stretch")
st.query_params.from_dict({"area": area, "topic": topic, "meeting": meeting.isoformat(), "since": since.isoformat()})
st.session_state["filter_area"] = area  # the other pages open on the same area

st.header(TOPICS[topic], anchor=False)  # headings go down one level at a time (WCAG 1.3.1)
if topic == "flags":
    flags = cached("red_flags", area=area, as_at=meeting, audience=PUBLIC, year=year, disclose=True)
    counts = flags["severity"].value_counts()
    render.kpi_row([(f"{s.capitalize()} flags", f"{counts.get(s, 0)}", None) for s in ("high", "medium", "low")])
    if flags.empty:
        st.success("No red flags are raised by the published figures for this area and date.")
    for n, item in enumerate(flags.itertuples(), start=1):
        with st.container(border=True):
            st.badge(
                f"{item.severity.capitalize()}: {item.flag_name}", icon=SEVERITY_ICON[item.severity], color=SEVERITY_COLOUR[item.severity]
            )
            st.markdown(f"### {n}. {md(item.finding)}")
            st.markdown(f"#### Question to ask: {md(item.question)}")
    render.sources_footer(flags["citations"], illustrative=bool(flags["illustrative"].any()))
    st.caption(f"Counts of people in these findings follow the public rule: {disclosure.rule_in_words()}")
elif topic == "spend":
    by_priority = cached("budget_and_spend_by_priority", area=area, year=year, audience=PUBLIC)
    shown = by_priority[(by_priority["budget_pence"] > 0) | (by_priority["spend_pence"] > 0)]
    render.kpi_row(
        [
            (
                f"Budget {fy_label(year)}",
                format_money(int(shown["budget_pence"].sum()), short=True) if shown["budget_pence"].any() else "not published",
                None,
            ),
            (f"Spend {fy_label(year)}", format_money(int(shown["spend_pence"].sum()), short=True), None),
            (
                "Spend linked to no priority",
                format_money(int(shown.loc[shown["priority"] == NOT_LINKED, "spend_pence"].sum()), short=True),
                None,
            ),
        ]
    )
    render.chart(
        budget_and_spend_figure(shown, category="priority", title=f"Budget and spend by priority, {fy_label(year)}"),
        alt=f"Bar chart of budget and spend by Police and Crime Plan priority for {names[area]}, {fy_label(year)}.",
        takeaway=budget_and_spend_takeaway(shown, category="priority", unlinked=NOT_LINKED),
        data=render.money_columns(shown, {"budget_pence": "Budget", "spend_pence": "Spend"}).assign(
            Basis=shown["illustrative"].map({True: "illustrative", False: ""})
        ),
        columns={"priority": "Priority", "Budget": "Budget", "Spend": "Spend", "Basis": "Basis"},
        key="meeting_spend",
    )
elif topic == "renewals":
    red, amber = settings.expiry_red_months, settings.expiry_amber_months
    renewals = cached("renewals", area=area, as_at=meeting, audience=PUBLIC, red_months=red, amber_months=amber)
    counts = renewals["warning"].value_counts()
    render.kpi_row(
        [
            (f"Ending within {red} months", f"{counts.get('red', 0)}", None),
            (f"Ending within {amber} months", f"{counts.get('amber', 0)}", None),
        ]
    )
    for r in renewals[renewals["warning"].isin(["red", "amber"])].itertuples():
        st.subheader(f"{md(r.title)}: ends {md(r.end_text)}", anchor=False)
        st.markdown(f"#### {md(r.next_step)}")
    render.chart(
        renewal_timeline_figure(
            renewals,
            cached("amendments", area=area, audience=PUBLIC),
            cached("milestones", area=area, audience=PUBLIC),
            as_at=meeting,
            red_months=red,
            amber_months=amber,
            title=f"Agreements in {names[area]} by start and end",
        ),
        alt=f"Timeline of {names[area]}'s contracts and grants, with a dashed line at the meeting date.",
        takeaway=renewal_takeaway(renewals, as_at=meeting, red_months=red, amber_months=amber),
        data=renewals,
        columns={
            "title": "Agreement",
            "start_text": "Start",
            "end_text": "Current end",
            "latest_text": "Latest possible end",
            "timing": "Status",
        },
        key="meeting_renewals",
    )
elif topic == "performance":
    figures = cached("published_performance", area=area, audience=PUBLIC)
    figures = figures[figures["period_end"].map(lambda end: end <= meeting).astype(bool)]
    below = cached("red_flags", area=area, as_at=meeting, audience=PUBLIC, year=year, disclose=True)
    below = below[below["flag"] == "below_target"]
    st.subheader("Below target", anchor=False)
    if below.empty:
        st.markdown("#### No measure with a target was below it in its latest period.")
    for item in below.itertuples():
        st.markdown(f"#### {md(item.finding)}")
    st.subheader("Published figures", anchor=False)
    if figures.empty:
        st.info(f"No performance figures are published for {names[area]} up to {format_date(meeting)}.")
    else:
        st.table(public.performance_table(figures).map(public.plain_text), hide_index=True)
    st.caption(disclosure.rule_in_words())
    render.sources_footer([*figures["citations"], *below["citations"]], illustrative=bool(below["illustrative"].any()))
else:
    if since > meeting:
        st.error(f"The last meeting ({format_date(since)}) is after this meeting ({format_date(meeting)}): set it in the sidebar.")
        st.stop()
    changes = cached("changes_between", area=area, since=since, until=meeting, audience=PUBLIC)
    st.subheader(f"Since {format_date(since)}: {len(changes)} dated change{'s' if len(changes) != 1 else ''}", anchor=False)
    if changes.empty:
        st.info("Nothing in the published records is dated between the two meetings.")
    for c in changes.itertuples():
        st.markdown(f"#### {md(c.when)}: {md(c.what)}" + (" (illustrative)" if c.illustrative else ""))
        st.caption(c.kind)
    render.sources_footer(changes["citations"], illustrative=bool(changes["illustrative"].any()))
