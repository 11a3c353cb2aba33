"""The basis walk: every illustrative money figure the app shows is labelled "illustrative" where it is shown.

For every page in `ui.navigation.PAGES`, every sample area and every audience that may reach the page, the walk
collects each piece of text a person sees, element by element: a sentence of Markdown, a caption or an alert; a
metric (label, value and help); one row of a table; one point of a chart (its text, hover text, custom data and
category label) or one annotation, each with the chart's title. Meeting mode is walked topic by topic.

The figures to look for come from the store, not from this file: every illustrative spend, budget or agreement value,
and every sum the pages show that has an illustrative part (per priority, per funding stream, per money-flow path,
provider and stream, year totals, spend linked to no priority, cost per unit), each as `format_money` writes it in
full and short. A string that also writes a wholly reported figure is left out (the page could be showing that one).
An element that shows one of those strings must say "illustrative" itself.

Findings (the overview's "Look at these first", meeting mode's red flags and "Below target", the briefing's flag
lists and the narrative's flag sentences) are checked like everything else; they all pass today, so none is marked
xfail. A failure there is tagged "[finding]" in the message, for whoever works on the findings engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from charts import performance as performance_charts
from data_access import public, queries
from data_access.db import make_engine
from data_access.models import Agreement, Area, Audience, Basis, Budget, Spend
from data_access.money import format_money
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S, _clear_streamlit_caches, _NavigationPagesManager
from ui.meeting import TOPICS
from ui.navigation import PAGES

AREAS = ("derbyshire", "norfolk", "west-yorkshire")
WORD = "illustrative"
# Sections whose elements are findings (wording and choice are moving to the lead's findings engine).
FINDINGS_SECTIONS = frozenset(
    {"Look at these first", "Red flags", "Below target", "Questions to put to the Commissioner first", "Every red flag"}
)
FINDINGS_SENTENCE = re.compile(r"red flags? (is|are) raised|below target in the latest period", re.IGNORECASE)


# --- what a person sees, element by element ---------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """One unit of text that must carry its own basis: a sentence, a metric, a table row, a chart point."""

    kind: str
    text: str
    section: str = ""  # the heading it sits under

    @property
    def finding(self) -> bool:
        return self.section in FINDINGS_SECTIONS or bool(FINDINGS_SENTENCE.search(self.text))


_SENTENCE_BREAK = re.compile(r"(?<=[.!?:;])\s+(?=[A-Z“\"*(£0-9])|\n+")


def sentences(text: str) -> list[str]:
    """Markdown text as sentences (and list items), Markdown escapes removed."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text.replace("\\", "")) if s and s.strip()]


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _point_texts(trace: dict, i: int) -> list[str]:
    parts = []
    for key in ("text", "hovertext", "customdata", "x", "y", "labels"):
        values = trace.get(key)
        if isinstance(values, list) and i < len(values):
            parts += _strings(values[i])
        elif isinstance(values, str):
            parts.append(values)
    return parts


def chart_elements(spec: str, alt: str) -> list[Element]:
    """One element per chart point (bar, marker, Sankey node or link) and annotation, each with the chart's title."""
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    title = layout.get("title", {})
    title = title.get("text", "") if isinstance(title, dict) else str(title)
    out = [Element("chart alt", alt)] if alt else []
    for trace in figure.get("data", []):
        common = [title, str(trace.get("name", "")), str(trace.get("hovertemplate", ""))]
        groups = [trace]
        if trace.get("type") == "sankey":
            groups = [trace.get("node", {}), trace.get("link", {})]
            common = [title]
        for group in groups:
            size = max([len(v) for k, v in group.items() if isinstance(v, list) and k not in ("color", "colors")] or [0])
            extra = [str(group.get("hovertemplate", ""))] if group is not trace else []
            for i in range(size):
                out.append(Element("chart point", " | ".join([*common, *extra, *_point_texts(group, i)])))
    for note in layout.get("annotations", []):
        out.append(Element("chart annotation", f"{title} | {note.get('text', '')}"))
    return out


def _frame_rows(frame: pd.DataFrame) -> list[str]:
    # st.table renders Markdown, so cells arrive escaped (£15\,000); a reader sees them without the backslashes.
    return [" | ".join(str(v).replace("\\", "") for v in row) for row in frame.astype(str).itertuples(index=False)]


def elements_of(at: AppTest) -> list[Element]:
    """Every element of the page, in order, each with the heading above it."""
    found: list[Element] = []
    section = ""

    def walk(node) -> None:
        nonlocal section
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        name = type(node).__name__
        if name in ("Title", "Header", "Subheader"):
            section = str(node.value).replace("\\", "")
            found.append(Element("heading", section, section))
        elif name in ("Markdown", "Caption", "Info", "Warning", "Success", "Error", "Latex", "Code"):
            text = str(node.value)
            if text.startswith("#"):  # a Markdown heading (meeting mode writes h3/h4 this way)
                found.append(Element("heading", text.lstrip("# ").replace("\\", ""), section))
            else:
                found.extend(Element(name.lower(), s, section) for s in sentences(text))
        elif name == "Metric":
            found.append(Element("metric", f"{node.label} | {node.value} | {getattr(node.proto, 'help', '')}", section))
        elif name in ("Dataframe", "Table"):
            found.extend(Element("table row", row, section) for row in _frame_rows(node.value))
        elif kind == "plotly_chart" or (proto is not None and type(proto).__name__ == "PlotlyChart"):
            found.extend(Element(e.kind, e.text, section) for e in chart_elements(proto.spec, getattr(proto, "alt", "")))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


# --- the figures to look for, from the store --------------------------------------------------------------------


def _formats(pence: int) -> set[str]:
    return {format_money(pence), format_money(pence, short=True)}


def _add(target: dict[bool, set[int]], total: int, illustrative_part: int) -> None:
    if total:
        target[bool(illustrative_part)].add(int(total))


def illustrative_strings(session: Session) -> set[str]:
    """Money strings that write an illustrative figure or a sum with an illustrative part, and write no reported one."""
    amounts: dict[bool, set[int]] = {True: set(), False: set()}
    for model in (Spend, Budget):
        for row in session.exec(select(model)):
            amounts[row.basis == Basis.ILLUSTRATIVE].add(row.amount_pence)
    for agreement in session.exec(select(Agreement)):
        made_up = agreement.basis == Basis.ILLUSTRATIVE
        for field in ("annual_value_pence", "total_value_pence"):
            value = getattr(agreement, field)
            if value is not None:
                amounts[made_up or field.removesuffix("_pence") in (agreement.illustrative_fields or "")].add(value)
    areas = [a.id for a in session.exec(select(Area))]
    for area in areas:
        for audience in Audience:
            for year in queries.financial_years(session=session, area=area, audience=audience):
                for frame in (
                    queries.budget_and_spend_by_priority(session=session, area=area, year=year, audience=audience),
                    queries.budget_and_spend_by_funding_stream(session=session, area=area, year=year, audience=audience),
                ):
                    for side in ("budget", "spend"):
                        for total, part in zip(frame[f"{side}_pence"], frame[f"{side}_illustrative_pence"], strict=True):
                            _add(amounts, total, part)
                        _add(amounts, frame[f"{side}_pence"].sum(), frame[f"{side}_illustrative_pence"].sum())
                    linked = frame[~frame.iloc[:, 1].isin([queries.NOT_LINKED, queries.NOT_ASSIGNED])]
                    _add(amounts, linked["spend_pence"].sum(), linked["spend_illustrative_pence"].sum())
                flows = queries.money_flow(session=session, area=area, year=year, audience=audience)
                for total, part in zip(flows["amount_pence"], flows["illustrative_pence"], strict=True):
                    _add(amounts, total, part)
                _add(amounts, flows["amount_pence"].sum(), flows["illustrative_pence"].sum())
                for key in (["funding_stream"], ["priority"], ["provider"], ["funding_stream", "priority"], ["priority", "provider"]):
                    sums = flows.groupby(key)[["amount_pence", "illustrative_pence"]].sum()
                    for total, part in zip(sums["amount_pence"], sums["illustrative_pence"], strict=True):
                        _add(amounts, total, part)
            # The live agreements' annual value on the overview and the briefing, at the date they open on.
            as_at, _ = queries.default_as_at(session=session, area=area, today=date.today(), audience=audience)
            totals = queries.agreement_totals(session=session, area=area, as_at=as_at, audience=audience).iloc[0]
            _add(amounts, int(totals["annual_value_pence"]), int(totals["illustrative_values"] or 0))
            costs = queries.cost_per_unit(session=session, area=area, audience=audience)
            for row in costs.itertuples():
                _add(amounts, row.spend_pence, row.illustrative)
                _add(amounts, row.cost_per_unit_pence, row.illustrative)
    made_up = {s for p in amounts[True] for s in _formats(p)}
    reported = {s for p in amounts[False] for s in _formats(p)}
    return made_up - reported


def _pattern(strings: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True))
    # A whole amount: not the start of a longer number (£1,250 in £1,250,000) nor the end of one.
    return re.compile(rf"(?<![\d£.,])(?:{alternatives})(?![\d]|[.,]\d)")


def unlabelled(elements: list[Element], strings: set[str]) -> list[str]:
    """Each element that shows an illustrative money string without the word 'illustrative', as 'kind: text [amounts]'."""
    if not strings:
        return []
    pattern = _pattern(strings)
    problems = []
    for e in elements:
        shown = pattern.findall(e.text)
        if shown and WORD not in e.text.lower():
            tag = " [finding]" if e.finding else ""
            problems.append(f"{e.kind}{tag} under “{e.section}”: {e.text!r} shows {sorted(set(shown))}")
    return problems


# --- the walk ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    page: str
    area: str  # "" where the page has no area
    audience: Audience
    topic: str = ""  # meeting mode only
    link: tuple[tuple[str, str], ...] = ()  # more of the link's query parameters

    @property
    def id(self) -> str:
        extra = [f"{k}={v}" for k, v in self.link]
        return "-".join(p for p in (self.page.removesuffix(".py"), self.area, self.audience.value, self.topic, *extra) if p)


# Links beyond each page's defaults where a total is only partly illustrative (West Yorkshire 2017/18: three
# illustrative payments and a derived £5,000), and the empty-chart link of issue 9.
MORE_LINKS = [
    ("overview.py", "west-yorkshire", (("year", "2017-18"), ("as_at", "2018-03-31"))),
    ("spend.py", "west-yorkshire", (("year", "2017-18"),)),
    ("spend.py", "derbyshire", (("year", "2025-26"), ("priority", "dby21-road-safety"))),
    ("briefing.py", "west-yorkshire", (("year", "2017-18"), ("as_at", "2018-03-31"))),
    ("meeting.py", "west-yorkshire", (("meeting", "2018-03-31"),)),
]


def _cases() -> list[Case]:
    cases = []
    for page in PAGES:
        for audience in sorted(page.audiences, key=lambda a: a.value):
            if page.file == "meeting.py":
                cases += [Case(page.file, area, audience, topic) for area in AREAS for topic in TOPICS]
            elif page.with_area:
                cases += [Case(page.file, area, audience) for area in AREAS]
            else:
                cases.append(Case(page.file, "", audience))
            for file, area, link in MORE_LINKS:
                if file == page.file:
                    topics = list(TOPICS) if file == "meeting.py" else [""]
                    cases += [Case(file, area, audience, topic, link) for topic in topics]
    return cases


CASES = _cases()


def performance_figures(session: Session, area: str, audience: Audience) -> pd.DataFrame:
    """The figures the performance page shows this audience: the public's after disclosure control."""
    if audience is Audience.PUBLIC:
        return public.published_performance(session=session, area=area, audience=audience).rename(columns={"shown_value": "value"})
    return queries.observations(session=session, area=area, audience=audience)


def performance_choices(session: Session, area: str, audience: Audience) -> list[tuple[str, str, str | None]]:
    """Every choice the performance page offers for `area` and `audience`: each service, with all its measures and with
    each one, and each breakdown period it then offers (service, measure, period or None), from the page's own helpers."""
    charted = performance_charts.charted_figures(performance_figures(session, area, audience))
    if charted.empty:
        return []
    choices: list[tuple[str, str, str | None]] = []
    services, _ = performance_charts.service_choices(charted)
    for service in services:
        mine = charted[charted["service"] == service]
        measures = performance_charts.measure_choices(mine)
        for n, measure in enumerate(measures):
            shown = mine if n == 0 else mine[mine["measure_id"] == measure]  # the first choice is all of them
            periods = performance_charts.breakdown_periods(shown[shown["dimension"] != ""])
            choices += [(service, measure, period) for period in periods] if len(periods) > 1 else [(service, measure, None)]
    return choices


def _runs(database_url: str) -> Iterator[tuple[Case, AppTest, str]]:
    """Each case's page as run, with what was chosen on it: one AppTest per page, area and audience; meeting mode's
    topics in the same AppTest, and so is every choice of service, measure and breakdown period on the performance page
    (which charts one service at a time), each yielded under its case."""
    for case in CASES:
        if case.topic and case.topic != next(iter(TOPICS)):
            continue
        at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
        at.session_state["local_demo_audience"] = case.audience.value
        if case.area:
            at.query_params["area"] = case.area
        if case.topic:
            at.query_params["topic"] = case.topic
        at.query_params.update(dict(case.link))
        at.switch_page(f"pages/{case.page}")
        at.run()
        yield case, at, ""
        if case.topic:
            for topic in list(TOPICS)[1:]:
                at.session_state["meeting_topic"] = topic
                at.run()
                yield Case(case.page, case.area, case.audience, topic, case.link), at, ""
        if case.page == "performance.py":
            with Session(make_engine(database_url)) as session:
                choices = performance_choices(session, case.area, case.audience)
            for service, measure, period in choices:
                chosen = {"performance_service": service, "performance_measure": measure}
                chosen |= {"performance_period": period} if period else {}
                for key, value in chosen.items():
                    at.session_state[key] = value
                at.run()
                # A choice the page did not take would fall back to its default, and leave a chart unwalked.
                taken = {key: at.selectbox(key=key).value for key in chosen}
                assert taken == chosen, f"{case.id}: chose {chosen}, the page shows {taken}"
                yield case, at, " ".join(f"{k.removeprefix('performance_')}={v}" for k, v in chosen.items())


@pytest.fixture(scope="module")
def walked(database_url: str) -> dict[str, tuple[list[Element], list[str]]]:
    """Every case's elements and any exception it raised, keyed by case id; the page runs share one warm cache."""
    results: dict[str, tuple[list[Element], list[str]]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", database_url)
        mp.setenv("LOAD_SAMPLE_DATA", "yes")
        mp.setenv("LOCAL_DEMO", "yes")
        mp.chdir(ENTRYPOINT.parent)
        mp.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
        _clear_streamlit_caches()
        for case, at, chosen in _runs(database_url):
            elements, errors = results.setdefault(case.id, ([], []))
            # Each element says which choice it was seen under, so that a failure names the view to open.
            elements += [Element(f"{e.kind} [{chosen}]" if chosen else e.kind, e.text, e.section) for e in elements_of(at)]
            errors += [e.message for e in at.exception]
        _clear_streamlit_caches()
    return results


@pytest.fixture(scope="module")
def illustrative(walked, database_url: str) -> set[str]:
    """The illustrative money strings, from the store the walk ran on (`walked` has loaded it)."""
    with Session(make_engine(database_url)) as session:
        return illustrative_strings(session)


def test_the_walk_covers_every_page_area_audience_and_topic(walked) -> None:
    assert set(walked) == {c.id for c in CASES}
    assert {c.page for c in CASES} == {p.file for p in PAGES}
    # The store's illustrative figures are found somewhere: the walk would prove nothing if the pages showed none.
    assert any(e.kind.startswith("chart") for elements, _ in walked.values() for e in elements)


def test_the_walk_reaches_every_performance_chart(walked, database_url: str) -> None:
    """The performance page charts one service at a time: choosing every service, measure and breakdown period, the walk
    sees every chart the store has for each area and audience (one per quarterly series, one per breakdown and period)."""
    expected_any = False
    with Session(make_engine(database_url)) as session:
        for case in CASES:
            if case.page != "performance.py" or case.link:
                continue
            drawn = performance_figures(session, case.area, case.audience)
            drawn = drawn[(drawn["quarter"].notna() | (drawn["dimension"] != "")) & drawn["value"].notna()]
            expected = {
                f"{r.measure}: {r.agreement}" if r.dimension == "" else f"{r.measure}, {r.agreement}, {r.period}"
                for r in drawn.itertuples()
            }
            seen = {e.text.split(" | ")[0] for e in walked[case.id][0] if e.kind.startswith("chart point")}
            assert expected <= seen, f"{case.id}: charts never reached: {sorted(expected - seen)}"
            expected_any |= len(expected) > 1
    assert expected_any  # West Yorkshire's ISVA referrals and perpetrator programme breakdowns, at least


def test_the_store_has_illustrative_figures_to_look_for(illustrative) -> None:
    # West Yorkshire's 2018/19 spend is illustrative throughout (spend.csv); its total is one of the strings.
    assert {"£1,860,000", "£1.86m", "£1,250,000"} <= illustrative
    assert "£5,000" not in illustrative  # the Honour based abuse advice project's £5k is derived from a stated value


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_illustrative_figure_is_labelled(walked, illustrative, case: Case) -> None:
    elements, errors = walked[case.id]
    assert not errors, errors
    problems = unlabelled(elements, illustrative)
    assert not problems, "\n".join(problems)


# --- the checker can fail ---------------------------------------------------------------------------------------


def test_the_checker_finds_an_unlabelled_illustrative_figure() -> None:
    strings = {"£1,860,000", "£1.86m"}
    elements = [
        Element("metric", "Spend 2018/19 | £1.86m | "),  # unlabelled: found
        Element("metric", "Spend 2018/19 (illustrative) | £1.86m | "),
        Element("markdown", "In 2018/19, £1,860,000 (illustrative) is recorded as spent."),
        Element("table row", "Victims | £1,860,000 | "),  # unlabelled: found
        Element("chart point", "Budget and spend | Spend | £21,860,000"),  # a different, longer amount
        Element("chart point", "Spend, 2018/19 | Core Referral Service | £1.86m"),  # unlabelled: found
    ]
    problems = unlabelled(elements, strings)
    assert len(problems) == 3
    assert problems[0].startswith("metric") and problems[1].startswith("table row") and problems[2].startswith("chart point")


def test_the_walk_splits_sentences_and_chart_points() -> None:
    # "Some figures are illustrative." in the next sentence does not label the one before it.
    assert unlabelled([Element("markdown", s) for s in sentences("X had £1.86m. Some figures are illustrative.")], {"£1.86m"})
    figure = {
        "data": [{"type": "bar", "y": ["Victims", "Other (illustrative)"], "text": ["£1.86m", "£1.86m"], "name": "Spend"}],
        "layout": {"title": {"text": "Spend, 2018/19"}},
    }
    found = unlabelled(chart_elements(json.dumps(figure), ""), {"£1.86m"})
    assert len(found) == 1 and "Victims" in found[0]
    # A table cell as st.table receives it, Markdown-escaped, is read as the reader sees it.
    rows = _frame_rows(pd.DataFrame({"Finding": ["£1\\.86m of spend is linked to no Plan priority"], "Basis": [""]}))
    assert unlabelled([Element("table row", r, "Every red flag") for r in rows], {"£1.86m"})[0].startswith("table row [finding]")
    titled = {**figure, "layout": {"title": {"text": "Illustrative spend, 2018/19"}}}
    assert not unlabelled(chart_elements(json.dumps(titled), ""), {"£1.86m"})


# --- tiles that sum illustrative and reported money ---------------------------------------------------------------


def test_meeting_spend_tiles_say_how_much_is_illustrative() -> None:
    # Uses the app_environment fixture's store (autouse); a fresh visit to the link, as the public.
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.query_params.update({"area": "west-yorkshire", "topic": "spend", "meeting": "2018-03-31"})
    at.switch_page("pages/meeting.py")
    at.run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    # £310,000 + £96,000 + £20,000 illustrative, and the Honour based abuse advice project's derived £5,000.
    assert tiles["Spend 2017/18 (partly illustrative)"] == "£431k"
    assert tiles["Budget 2017/18"] == "not published"  # no budget in the report: not £0
    # The Honour based abuse advice project's £5,000 serves no priority; it is derived from a stated figure: no mark.
    assert tiles["Spend linked to no priority"] == "£5,000"
    later = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    later.query_params.update({"area": "west-yorkshire", "topic": "spend"})
    later.switch_page("pages/meeting.py")
    later.run()
    assert {m.label: m.value for m in later.metric}["Spend 2018/19 (illustrative)"] == "£1.86m"
