"""The shared filters (area, financial year, plan priority, as-at date), kept in the URL so that a link
to an exact view can go in a meeting agenda.

Rendered once per run by `dashboard.py`, before the page; a page reads them with `current()`.
A widget's own state wins over the URL within a session; the URL seeds it on a fresh visit, and a
value in the URL that is not valid gets a message naming it and the default instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from data_access.periods import format_date, fy_label, parse_fy
from data_access.text import cell_text, safe_text, url_value
from ui import cache
from ui.audience import current_audience
from ui.entry import through_entry_point

_STATE_KEY = "_current_filters"
SHARED_PARAMS = ("area", "year", "as_at", "priority")


@dataclass(frozen=True)
class Filters:
    """The view a page is asked to show."""

    area: str
    area_name: str
    year: int
    as_at: date
    as_at_reason: str
    priority: str | None
    priority_name: str | None


def _year_param(year: int) -> str:
    return fy_label(year).replace("/", "-")  # 2016-17: a slash would be escaped in the link


def _seed_from_url(key: str, param: str, parse, problems: list[str], what: str) -> None:
    """Put the URL's value for `param` into the widget state `key`, unless the widget already has one."""
    if key in st.session_state or param not in st.query_params:
        return
    raw = st.query_params[param]
    try:
        st.session_state[key] = parse(raw)
    except (ValueError, KeyError):
        problems.append(f"The link's {param} “{url_value(raw)}” is not {safe_text(what)}; showing the default instead.")


_PAGE_CHOICES_KEY = "_page_choices"  # widget key -> link parameter of each page's own choice (`choice`)


def _reset_dependent() -> None:
    # A different area has different years, priorities, latest figures and services: drop choices made for the old
    # one. The URL still holds the old area's values, and would seed them again.
    page_choices = st.session_state.get(_PAGE_CHOICES_KEY, {})
    for key, param in (("filter_year", "year"), ("filter_as_at", "as_at"), ("filter_priority", "priority"), *page_choices.items()):
        st.session_state.pop(key, None)
        st.query_params.pop(param, None)


def choice(
    label: str,
    options: dict[str, str],
    *,
    key: str,
    param: str,
    default: str,
    what: str,
    in_link: bool = True,
    per_area: bool = True,
    container: Any = st,
) -> str:
    """A page's own choice among `options` (link value -> words on screen), kept in the link as `param` like the
    shared filters: the link seeds it on a fresh visit, and a value there that is not an option gets a message
    saying it is not `what` and the default instead. It belongs to the area: choosing another area drops it.

    Options are keyed by what the store identifies a thing by (an agreement's id), never by its name, which two
    records may share. `in_link=False` leaves the parameter out of the link while the default is chosen (a choice that is not always
    offered). `per_area=False` keeps the choice when the area changes (compare's indicator means the same in every area)."""
    if per_area:
        st.session_state.setdefault(_PAGE_CHOICES_KEY, {})[key] = param
    if key not in st.session_state and param in st.query_params:
        raw = st.query_params[param]
        if raw in options:
            st.session_state[key] = raw
        else:
            st.warning(f"The link's {param} “{url_value(raw)}” is not {safe_text(what)}; showing the default instead.", icon="⚠️")
    if st.session_state.get(key) not in options:  # new to this session, or an option no longer offered
        st.session_state[key] = default
    chosen: str = container.selectbox(label, list(options), format_func=lambda o: cell_text(options[o]), key=key)
    if in_link or chosen != default:
        st.query_params[param] = chosen
    else:
        st.query_params.pop(param, None)
    return chosen


def render(*, with_year: bool, with_priority: bool, with_as_at: bool) -> Filters:
    """Draw the filters the current page uses in the sidebar, sync them with the URL, and remember them for `current()`."""
    audience = current_audience()
    problems: list[str] = []
    areas = cache.areas()
    names = dict(zip(areas["id"], areas["name"], strict=True))

    def parse_area(raw: str) -> str:
        if raw not in names:
            raise KeyError(raw)
        return raw

    _seed_from_url("filter_area", "area", parse_area, problems, f"an area in this store ({', '.join(names)})")
    area = st.sidebar.selectbox(
        "Policing area", list(names), format_func=names.get, key="filter_area", on_change=_reset_dependent, persist_state="session"
    )

    default_as_at, reason = cache.default_as_at(area=area, today=date.today(), audience=audience)
    as_at = default_as_at
    if with_as_at:
        _seed_from_url("filter_as_at", "as_at", date.fromisoformat, problems, "a date written like 2018-09-14")
        st.session_state.setdefault("filter_as_at", default_as_at)
        as_at = st.sidebar.date_input(
            "As at",
            key="filter_as_at",
            persist_state="session",
            format="DD/MM/YYYY",
            help="Renewal warnings and live agreements are judged on this date: set it to the meeting date.",
        )
        if as_at != default_as_at:
            reason = "the date chosen"

    years = cache.financial_years(area=area, audience=audience)
    default_year = cache.default_financial_year(area=area, audience=audience, as_at=as_at)
    year = default_year
    if with_year:
        options = sorted(set(years) | {default_year})

        def parse_year(raw: str) -> int:
            value = parse_fy(raw)
            if value not in options:
                raise ValueError(raw)
            return value

        _seed_from_url(
            "filter_year", "year", parse_year, problems, f"a financial year with figures here ({', '.join(fy_label(y) for y in options)})"
        )
        if st.session_state.get("filter_year") not in options:
            st.session_state["filter_year"] = default_year
        year = st.sidebar.selectbox("Financial year", options, format_func=fy_label, key="filter_year", persist_state="session")

    priority = priority_name = None
    if with_priority:
        plan_priorities = cache.priorities(area=area)
        labels = {None: "All priorities", **{r.id: f"{r.name} ({r.plan})" for r in plan_priorities.itertuples()}}

        def parse_priority(raw: str) -> str:
            if raw not in labels:
                raise KeyError(raw)
            return raw

        _seed_from_url("filter_priority", "priority", parse_priority, problems, "a priority of this area's plans")
        if st.session_state.get("filter_priority") not in labels:
            st.session_state["filter_priority"] = None
        priority = st.sidebar.selectbox(
            "Plan priority", list(labels), format_func=labels.get, key="filter_priority", persist_state="session"
        )
        priority_name = labels[priority] if priority else None

    # Keep a page's own parameters (meeting mode's topic, say); replace only the shared filters'.
    own = {key: st.query_params.get_all(key) for key in st.query_params if key not in SHARED_PARAMS}
    st.query_params.from_dict(
        own
        | {"area": area}
        | ({"year": _year_param(year)} if with_year else {})
        | ({"as_at": as_at.isoformat()} if with_as_at else {})
        | ({"priority": priority} if priority else {})
    )
    for problem in problems:
        st.warning(problem, icon="⚠️")
    filters = Filters(area, names[area], year, as_at, reason, priority, priority_name)
    st.session_state[_STATE_KEY] = filters
    return filters


def current() -> Filters:
    """The filters the entry point drew for this session (a page run on its own is sent through it first)."""
    through_entry_point()
    return st.session_state[_STATE_KEY]


def as_at_caption(filters: Filters) -> str:
    """'As at 14 September 2018: the date of the latest figures for this area (…)'."""
    return f"As at {format_date(filters.as_at)}: {safe_text(filters.as_at_reason)}."
