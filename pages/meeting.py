"""Panel meeting mode: for a public meeting on a projector, one topic at a time, in large type. What should the
panel ask about spend, renewals, performance and red flags, and what has changed since it last met?

Projected in public, so it always asks as the public (Audience.PUBLIC), whoever is signed in, and counts of
people follow the public pages' disclosure rule (`data_access.disclosure`). The area, the meeting date
(`meeting`), the last meeting (`since`), the topic (`topic`) and the item within it (`item`, "Item 4 of 7") live in the
link for the agenda and the minutes. Made for a projector: the whole width, the sidebar closed, one item per screen in
large type, and next/previous by buttons or by the keys a presenter's remote sends (arrows, Page Up, Page Down).
"""

from datetime import date

import streamlit as st

from data_access.models import Audience
from data_access.periods import add_months, format_date, fy_label
from data_access.text import safe_text, url_value
from ui import cache
from ui import meeting as meeting_mode
from ui.entry import through_entry_point

through_entry_point()
st.set_page_config(layout="wide", initial_sidebar_state="collapsed")  # the projector shows the item, not the controls
meeting_mode.projector_styles()

LAST = -1  # "the last item", for previous from a topic's first item: the previous topic's count is known once drawn
TOPICS = {key: name for key, (name, _) in meeting_mode.TOPICS.items()}
areas = cache.areas()
names = dict(zip(areas["id"], areas["name"], strict=True))


def seed(key: str, param: str, parse, what: str) -> None:
    """On a fresh visit, put the link's value for `param` into widget `key`; a value that is not valid gets a message naming it."""
    if key in st.session_state or param not in st.query_params:
        return
    raw = st.query_params[param]
    try:
        st.session_state[key] = parse(raw)
    except (ValueError, KeyError):
        st.warning(f"The link's {param} “{url_value(raw)}” is not {safe_text(what)}; showing the default instead.", icon="⚠️")


def one_of(options):
    def parse(raw: str) -> str:
        if raw not in options:
            raise KeyError(raw)
        return raw

    return parse


def reset_dates() -> None:  # a new area has its own latest figures, so its own default meeting date
    for key in ("meeting_date", "meeting_since"):
        st.session_state.pop(key, None)


def first_item() -> None:  # a topic chosen by hand opens on its first item
    st.session_state["meeting_item"] = 1


def step(by: int, item: int, count: int) -> None:
    """Next (+1) or previous (-1) item; past either end of a topic, into the next or previous topic."""
    keys = list(TOPICS)
    at = keys.index(st.session_state["meeting_topic"])
    if 1 <= item + by <= count:
        st.session_state["meeting_item"] = item + by
    elif 0 <= at + by < len(keys):
        st.session_state["meeting_topic"] = keys[at + by]
        st.session_state["meeting_item"] = 1 if by > 0 else LAST


def item_number(count: int) -> int:
    """The item to show, 1 to `count`: the link's on a fresh visit (a value that is not one warns and shows item 1)."""
    if "meeting_item" not in st.session_state and "item" in st.query_params:
        raw = st.query_params["item"]
        valid = raw.isdigit() and 1 <= int(raw) <= count
        st.session_state["meeting_item"] = int(raw) if valid else 1
        if not valid:
            st.warning(f"The link's item “{url_value(raw)}” is not an item of this topic (1 to {count}); showing item 1 instead.", icon="⚠️")
    chosen = st.session_state.get("meeting_item", 1)
    st.session_state["meeting_item"] = count if chosen == LAST else min(max(chosen, 1), count)
    return int(st.session_state["meeting_item"])


seed("meeting_area", "area", one_of(names), f"an area in this store ({', '.join(names)})")
seed("meeting_topic", "topic", one_of(TOPICS), f"a topic ({', '.join(TOPICS)})")
seed("meeting_date", "meeting", date.fromisoformat, "a date written like 2018-09-14")
seed("meeting_since", "since", date.fromisoformat, "a date written like 2018-03-01")
st.session_state.setdefault("meeting_area", st.session_state.get("filter_area", next(iter(names))))  # the area chosen elsewhere
st.sidebar.header("Meeting")
area = st.sidebar.selectbox("Policing area", list(names), format_func=names.get, key="meeting_area", on_change=reset_dates)
default_meeting, why = cache.default_as_at(area=area, today=date.today(), audience=Audience.PUBLIC)
st.session_state.setdefault("meeting_date", default_meeting)
meeting = st.sidebar.date_input("Meeting date", key="meeting_date", format="DD/MM/YYYY")
st.session_state.setdefault("meeting_since", add_months(meeting, -3))
since = st.sidebar.date_input("Last meeting", key="meeting_since", format="DD/MM/YYYY", help="Defaults to three months before the meeting.")
year = cache.default_financial_year(area=area, audience=Audience.PUBLIC, as_at=meeting)

st.title(f"{safe_text(names[area])}: Police and Crime Panel, {format_date(meeting)}")
st.caption(
    f"Figures as at the meeting date{'' if meeting != default_meeting else f': {safe_text(why)}'}. Financial year {fy_label(year)}. "
    "This screen shows what the public may see, whoever is signed in."
)
st.session_state.setdefault("meeting_topic", "flags")
topic = st.segmented_control(
    "Topic",
    list(TOPICS),
    format_func=TOPICS.get,
    required=True,
    key="meeting_topic",
    width="stretch",
    on_change=first_item,
)
st.session_state["filter_area"] = area  # the other pages open on the same area

name, draw = meeting_mode.TOPICS[topic]
position = st.container(key="meeting_nav")
body = st.container(key="meeting_item")
with body:
    screens = draw(meeting_mode.Meeting(area, names[area], meeting, since, year))  # None: the topic drew itself, one item
count = len(screens) if screens is not None else 1
item = item_number(count)
if screens:
    with body:
        screens[item - 1]()
st.query_params.from_dict({"area": area, "topic": topic, "item": str(item), "meeting": meeting.isoformat(), "since": since.isoformat()})
with position:
    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center", gap="small")
    first, last = topic == next(iter(TOPICS)) and item == 1, topic == list(TOPICS)[-1] and item == count
    back.button(
        "Previous",
        key="meeting_previous",
        on_click=step,
        args=(-1, item, count),
        disabled=first,
        width="stretch",
        icon=":material/arrow_back:",
    )
    where.container(key="meeting_position").header(f"{name}: Item {item} of {count}", anchor=False)  # for the minutes
    forward.button(
        "Next", key="meeting_next", on_click=step, args=(1, item, count), disabled=last, width="stretch", icon=":material/arrow_forward:"
    )
