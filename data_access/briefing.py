"""The Commissioner's briefing pack: a one-page summary for an area and an as-at date, and its PDF.

`briefing_summary` gathers the figures (key totals, what ends soon, what is off target, the red flags)
and writes the narrative from them: every sentence is a template filled from the data, so a sentence
with nothing to say says that, and none is written in advance.

`briefing_pdf` lays the summary out on one A4 page (long lists are shortened, and the rest counted, until it fits)
and, only when asked, an appendix of charts, every table and the sources in full. It is a tagged, accessible PDF
(PDF/UA-1: a structure tree with headings, paragraphs, lists and tables, the document's language and title, and
alternative text on every chart) made with Typst (the `typst` package, a self-contained compiler in a binary wheel).
The summary goes to the template as JSON, so no figure or title is ever read as markup. Charts arrive as PNG images
with their alt text (see `charts.briefing`); without them the pack says why, and the same figures are in its tables.

This module never imports Streamlit, so the same pack can be built by a page, a script or a test.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session

from data_access import compare, findings, queries
from data_access.basis import ILLUSTRATIVE, agreement_values_word, basis_word, illustrative_pence, marked, side_word
from data_access.disclosure import AS_PUBLISHED
from data_access.measures import format_measure, format_target
from data_access.models import Audience
from data_access.money import format_money
from data_access.periods import format_date, fy_label
from data_access.queries import NOT_ASSIGNED, NOT_LINKED, source_lines

LANGUAGE, REGION = "en", "gb"
NOT_FOR_PUBLICATION = (
    "Not for publication: this pack may contain exact counts of people supported and records the public transparency pages do not show."
)


@dataclass(frozen=True)
class KeyFigure:
    """One headline figure: what it is, its value as written, and a note (what it leaves out, or its basis)."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class ChartImage:
    """A chart drawn to PNG, with the text alternative and the sentence that go with it."""

    png: bytes
    alt: str
    caption: str
    takeaway: str


@dataclass
class Briefing:
    """Everything on the briefing pack, already computed."""

    area: str
    area_name: str
    office: str
    as_at: date
    as_at_reason: str
    year: int
    audience: Audience
    red_months: int
    amber_months: int
    key_figures: list[KeyFigure]
    narrative: list[str]
    ending: pd.DataFrame  # live agreements ending within the amber window
    off_target: pd.DataFrame  # findings of the below_target rule
    performance: pd.DataFrame  # each measure's latest figure for each service, with its target (`latest_figures`)
    flags: pd.DataFrame  # every scrutiny finding (findings.FRAME_COLUMNS)
    spend: pd.DataFrame  # budget and spend by priority for the year
    renewals: pd.DataFrame
    amendments: pd.DataFrame
    milestones: pd.DataFrame
    sources: list[str] = field(default_factory=list)  # "Title, publisher, date: sections"
    illustrative: bool = False

    @property
    def title(self) -> str:
        return f"Commissioning briefing: {self.area_name}, as at {format_date(self.as_at)}"


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    separator = "; " if any("," in i for i in items) else ", "
    return separator.join(items[:-1]) + " and " + items[-1]


def _key_figures(
    totals: pd.Series, spend: pd.DataFrame, year: int, ending: pd.DataFrame, red: int, amber: int, n_flags: int
) -> list[KeyFigure]:
    live, unpublished = int(totals["live"]), int(totals["value_not_published"])
    value = "not published" if live and unpublished == live else queries.annual_value_text(totals)
    value_note = f"{findings.plural(unpublished, 'live agreement')} with no published value left out" if unpublished else "all published"
    if not live:  # as the overview says it: a sum of no agreements is not £0 of services
        value, value_note = "none known", "no agreement is known to be running on this date"
    value_word = agreement_values_word(totals) if value != "not published" else ""
    if value_word:
        value_note += f"; {'every value' if value_word == ILLUSTRATIVE else 'some values'} illustrative"
    budget, spent = int(spend["budget_pence"].sum()), int(spend["spend_pence"].sum())
    # Each total says in its label whether all of it is illustrative or only part: a tooltip is lost on a projector and in print.
    budget_word = side_word(spend, "budget") if budget else ""
    spend_word = side_word(spend, "spend") if spent else ""
    red_count = int((ending["warning"] == "red").sum())
    return [
        KeyFigure("Live agreements", f"{live}", "contracts and grants running on the as-at date; undated ones count as running"),
        KeyFigure(marked("Annual value of live agreements", value_word), value, value_note),
        KeyFigure(
            marked(f"Budget, {fy_label(year)}", budget_word),
            format_money(budget) if budget else "not published",
            f"budget {budget_word}" if budget_word else "",
        ),
        KeyFigure(
            marked(f"Spend recorded, {fy_label(year)}", spend_word),
            format_money(spent) if spent else "none recorded",
            f"spend {spend_word}" if spend_word else "",
        ),
        KeyFigure(f"Ending within {amber} months", f"{len(ending)}", f"{red_count} within {red} months"),
        KeyFigure("Red flags", f"{n_flags}", "each with a question for the Commissioner"),
    ]


def _sentence_agreements(as_at: date, area_name: str, totals: pd.Series) -> str:
    live, unpublished = int(totals["live"]), int(totals["value_not_published"])
    text = f"On {format_date(as_at)}, {area_name} has {findings.plural(live, 'live agreement')} (contracts and grants running that day)"
    if not live:
        return text + "."
    if unpublished == live:
        return text + ", and none of them has a published annual value."
    published = live - unpublished
    value = marked(queries.annual_value_text(totals), agreement_values_word(totals))
    if not unpublished:
        return text + f"; their published annual values come to {value} a year."
    return (
        text
        + f"; the {findings.plural(published, 'one')} with a published annual value come{'s' if published == 1 else ''} to {value} a year, "
        f"and {unpublished} more {'has' if unpublished == 1 else 'have'} no published value."
    )


def _sentence_money(spend: pd.DataFrame, year: int) -> list[str]:
    budget, spent = int(spend["budget_pence"].sum()), int(spend["spend_pence"].sum())
    label = fy_label(year)
    # Each sum carries its own basis, in the sentence that states it.
    budgeted = marked(format_money(budget), side_word(spend, "budget"))
    recorded = marked(format_money(spent), side_word(spend, "spend"))
    if not budget and not spent:
        return [f"No budget or spend is recorded for {label}."]
    if budget and spent:
        first = f"In {label}, {budgeted} is budgeted and {recorded} is recorded as spent."
    elif spent:
        first = f"In {label}, {recorded} is recorded as spent and no budget is published."
    else:
        first = f"In {label}, {budgeted} is budgeted and no spend is recorded against it yet."
    sentences = [first]
    linked = spend[~spend["priority"].isin([NOT_LINKED, NOT_ASSIGNED]) & (spend["spend_pence"] > 0)]
    if spent and not linked.empty:
        top = linked.sort_values("spend_pence", ascending=False).iloc[0]
        share = (int(top["spend_pence"]) * 200 + spent) // (2 * spent)  # whole percent, halves up (as the chart's takeaway)
        sentences.append(
            f"The largest share of that spend, {format_money(int(top['spend_pence']))} ({share}%), serves the priority “{top['priority']}”"
            + (f" ({word})" if (word := basis_word(int(top["spend_pence"]), int(illustrative_pence(linked, "spend")[top.name]))) else "")
            + "."
        )
    return sentences


# How many agreements ending soon, and how many measures below target, the summary names; past these it counts the rest
# ("and 37 more ending within 12 months"), which the pack's appendix and the live view list in full.
NAMED_ENDING, NAMED_OFF_TARGET = 5, 3


def _sentence_ending(ending: pd.DataFrame, as_at: date, amber: int, red: int) -> str:
    if ending.empty:
        return f"No live agreement ends within {amber} months of {format_date(as_at)}."
    parts = []
    for r in ending.head(NAMED_ENDING).itertuples():
        step = (
            f"a re-procurement step is recorded on {format_date(r.reprocurement_recorded_on)}"
            if pd.notna(r.reprocurement_recorded_on)
            else "no re-procurement is recorded"
        )
        parts.append(f"{r.title} on {r.end_text} ({step})")
    red_count = int((ending["warning"] == "red").sum())
    within = f"{findings.plural(len(ending), 'agreement')} {'ends' if len(ending) == 1 else 'end'} within {amber} months"
    if red_count:
        within += f" ({red_count} of them within {red} months)" if len(ending) > 1 else f", within {red} months in fact"
    if len(ending) > NAMED_ENDING:
        parts.append(f"{len(ending) - NAMED_ENDING} more ending within {amber} months")
    return f"{within}: {_list(parts)}."


def _sentence_targets(off_target: pd.DataFrame, observations: pd.DataFrame, as_at: date) -> str:
    targeted = observations[observations["target"].notna() & (observations["dimension"] == "")]
    if targeted.empty:
        return f"No performance measure has a target recorded for figures up to {format_date(as_at)}, so none can be judged against one."
    if off_target.empty:
        return f"Every measure with a target met it in its latest period up to {format_date(as_at)}."
    named = list(off_target["statement"].head(NAMED_OFF_TARGET))
    if len(off_target) > NAMED_OFF_TARGET:
        named.append(f"{len(off_target) - NAMED_OFF_TARGET} more below target")
    below = _list(named)
    return f"{findings.plural(len(off_target), 'measure was', 'measures were')} below target in the latest period: {below}."


LATEST_FIGURE_COLUMNS = {
    "agreement": "Service",
    "measure": "Measure",
    "period": "Period",
    "value_text": f"Figure ({AS_PUBLISHED})",
    "value_statement": "As stated",
    "target_text": "Target",
}


def latest_figures(observations: pd.DataFrame) -> pd.DataFrame:
    """Each measure's latest figure for each service (breakdowns left out), as published: a percentage with the decimals
    the source gives, an illustrative figure marked so, and "no target published" where the source sets none."""
    plain = observations[observations["dimension"] == ""]
    if plain.empty:
        return pd.DataFrame(columns=[*LATEST_FIGURE_COLUMNS, "citations", "basis"])
    ordered = plain.sort_values(["period_end", "period_start"], kind="stable")
    latest = ordered.groupby(["measure_id", ordered["agreement_id"].fillna("")], sort=False).tail(1)
    made_up = latest["basis"] == ILLUSTRATIVE
    target_made_up = [(t or b) == ILLUSTRATIVE for t, b in zip(latest["target_basis"].fillna(""), latest["basis"], strict=True)]
    return (
        latest.assign(
            value_text=[
                marked(format_measure(v, u), ILLUSTRATIVE if i else "")
                for v, u, i in zip(latest["value"], latest["unit"], made_up, strict=True)
            ],
            target_text=[
                marked(format_target(t, u), ILLUSTRATIVE if i and pd.notna(t) else "")
                for t, u, i in zip(latest["target"], latest["unit"], target_made_up, strict=True)
            ],
        )
        .sort_values(["agreement", "measure"], kind="stable")
        .reset_index(drop=True)
    )


def _sentence_flags(red_flags: pd.DataFrame) -> str:
    if red_flags.empty:
        return "No red flags are raised."
    counts = red_flags["severity"].value_counts()
    by_severity = _list([f"{counts[s]} {s}" for s in ("high", "medium", "low") if counts.get(s, 0)])
    first = red_flags.iloc[0]
    return (
        f"{findings.plural(len(red_flags), 'red flag is', 'red flags are')} raised ({by_severity}); the most serious: {first['statement']}."
    )


def briefing_summary(
    *,
    session: Session,
    area: str,
    as_at: date,
    audience: Audience,
    year: int | None = None,
    red_months: int = 6,
    amber_months: int = 12,
    as_at_reason: str = "the date chosen",
) -> Briefing:
    """The briefing pack's figures and narrative for the area at the as-at date (financial year: the as-at date's, by default).

    `as_at_reason` says why the pack uses that date (the caller knows: a meeting date, or the area's latest figures).
    """
    areas = queries.areas(session=session).set_index("id")
    if area not in areas.index:
        raise ValueError(f"there is no area '{area}' in the store")
    year = year if year is not None else queries.default_financial_year(session=session, area=area, audience=audience, as_at=as_at)
    totals = queries.agreement_totals(
        session=session, area=area, as_at=as_at, audience=audience, red_months=red_months, amber_months=amber_months
    ).iloc[0]
    renewals = queries.renewals(
        session=session, area=area, as_at=as_at, audience=audience, red_months=red_months, amber_months=amber_months
    )
    ending = renewals[renewals["warning"].isin(["red", "amber"])].sort_values("current_end_date").reset_index(drop=True)
    spend = queries.budget_and_spend_by_priority(session=session, area=area, year=year, audience=audience)
    spend = spend[(spend["budget_pence"] > 0) | (spend["spend_pence"] > 0)].reset_index(drop=True)
    observations = queries.observations(session=session, area=area, audience=audience)
    observations = observations.loc[pd.Series([end <= as_at for end in observations["period_end"]], index=observations.index, dtype=bool)]
    # Where the area stands against its peer groups: the narrative's line (furthest first) and the findings' rule.
    standing = compare.standing(session=session, area=area, audience=audience)
    red_flags = findings.findings_frame(
        session=session,
        area=area,
        as_at=as_at,
        audience=audience,
        year=year,
        scope=findings.Scope.SCRUTINY,
        red_months=red_months,
        amber_months=amber_months,
        peer_standing=standing,
    )
    off_target = red_flags[red_flags["rule"] == "below_target"].reset_index(drop=True)
    standing = standing.head(1)  # furthest from its group, as the overview says it (a finding when far)
    narrative = [
        _sentence_agreements(as_at, areas.loc[area, "name"], totals),
        *_sentence_money(spend, year),
        *(f"Against its group: {compare.standing_text(row)}." for row in standing.to_dict("records")),
        _sentence_ending(ending, as_at, amber_months, red_months),
        _sentence_targets(off_target, observations, as_at),
        _sentence_flags(red_flags),
    ]
    performance = latest_figures(observations)
    citations = [
        *ending["citations"],
        *spend["citations"],
        *red_flags["citations"],
        *performance["citations"],
        *standing["citations"],
        str(totals["citations"] or ""),
    ]
    return Briefing(
        area=area,
        area_name=areas.loc[area, "name"],
        office=areas.loc[area, "office"],
        as_at=as_at,
        as_at_reason=as_at_reason,
        year=year,
        audience=Audience(audience),
        red_months=red_months,
        amber_months=amber_months,
        key_figures=_key_figures(totals, spend, year, ending, red_months, amber_months, len(red_flags)),
        narrative=narrative,
        ending=ending,
        off_target=off_target,
        performance=performance,
        flags=red_flags,
        spend=spend,
        renewals=renewals,
        amendments=queries.amendments(session=session, area=area, audience=audience),
        milestones=queries.milestones(session=session, area=area, audience=audience),
        sources=source_lines(citations, queries.sources(session=session)),
        illustrative=bool(
            spend["illustrative"].any()
            or red_flags["illustrative"].any()
            or ending["illustrative_fields"].astype(bool).any()
            or (performance["basis"] == ILLUSTRATIVE).any()
            or (standing["basis"] != "").any()
            or (standing["average_basis"] != "").any()
        ),
    )


# --- The PDF ---------------------------------------------------------------------------------------

# The layout, in Typst. All text comes from briefing.json, read as data: nothing in it is ever markup.
# Page one is the briefing: it always fits one A4 page (`briefing_pdf` shortens its lists until it does, and says how
# many more there are). The appendix, only when asked for, starts on page two: charts, the full tables and sources.
_TEMPLATE = r"""
#let d = json("briefing.json")
#let fit = d.fit
#set document(title: d.title, author: d.office, keywords: d.keywords)
#set text(lang: d.lang, region: d.region, font: ("DejaVu Sans", "Liberation Sans", "Libertinus Serif"), size: fit.size * 1pt)
#set page(
  paper: "a4",
  margin: (x: 1.5cm, top: 1.3cm, bottom: 1.9cm),
  footer: context [
    #set text(size: 7.5pt)
    #set par(leading: 0.4em)
    #d.footer #h(1fr) Page #counter(page).display() of #counter(page).final().first() \
    #d.live_line
  ],
)
#set par(leading: 0.5em, spacing: 0.65em)
#show heading.where(level: 1): set text(size: 14pt)
#show heading.where(level: 2): set text(size: 11pt)
#show heading: set block(above: 0.9em, below: 0.5em)
#set table(stroke: 0.5pt + luma(150), inset: 3pt)
#show table.cell.where(y: 0): set text(weight: "bold")
#set table.cell(breakable: false)  // a row is never split across two pages
#set list(spacing: 0.45em)
#set enum(spacing: 0.5em)

= #d.title

#d.as_at_line

#if d.marking != "" {
  block(fill: luma(232), inset: 5pt, width: 100%, strong(d.marking))
}

== Key figures
#table(
  columns: (auto, auto, 1fr),
  table.header([Figure], [Value], [Note]),
  ..d.key_figures.map(k => (k.label, k.value, k.note)).flatten(),
)

== Summary
#for sentence in d.narrative [
  #sentence

]

#if d.flags_heading != "" [
  == #d.flags_heading
  #if d.top_flags.len() > 0 {
    enum(..d.top_flags.map(f => [#strong(f.finding). #emph[Question to ask:] #f.question]))
  }
  #if d.more_flags != "" [ #d.more_flags ]
]

#if d.illustrative != "" [
  #emph(d.illustrative)
]

#block(above: 0.8em)[
  #set text(size: 7.5pt)
  #set par(leading: 0.4em)
  #set list(spacing: 0.3em)
  #strong[Sources]
  #list(..d.page_sources)
  #if d.more_sources != "" [ #d.more_sources ]
]

#context [#metadata(here().page()) <page-one-end>]

#if d.appendix [
  #pagebreak()
  == Appendix: charts
  #if d.charts.len() == 0 [
    #d.charts_note
  ]
  #for c in d.charts [
    #figure(image(c.file, alt: c.alt, width: 100%), caption: c.caption)
    #c.takeaway

  ]

  #for t in d.tables [
    == #t.title
    #if t.rows.len() == 0 [
      #t.empty
    ] else [
      #table(
        columns: t.widths.map(w => if w == 0 { auto } else { w * 1fr }),
        table.header(..t.columns),
        ..t.rows.flatten(),
      )
    ]
  ]

  == Sources
  #list(..d.sources)
]
"""

# How page one is shortened until it fits, step by step: the number of red flags listed with their questions, the
# type size (points), and the number of sources listed (None: all; the rest are counted, and listed in the appendix).
# A long list of sources is shortened before the questions are; the last step is the smallest the page gets.
Fit = tuple[int, float, int | None]
FIT_STEPS: tuple[Fit, ...] = (
    (5, 9.5, None),
    (4, 9.5, None),
    (3, 9.5, None),
    (3, 9.0, None),
    (3, 9.0, 8),
    (3, 9.0, 3),
    (2, 9.0, 3),
    (2, 8.5, 3),
    (1, 8.5, 3),
    (1, 8.0, 3),
    (0, 8.0, 3),
    (0, 8.0, 1),
)


def _table(title: str, columns: dict[str, str], frame: pd.DataFrame, *, widths: list[int], empty: str) -> dict[str, Any]:
    """A table for the template: `columns` maps the frame's column to its heading; widths are fractions (0 = as wide as needed)."""
    rows = [
        [str(v) if v is not None and not (isinstance(v, float) and pd.isna(v)) else "" for v in row]
        for row in frame[list(columns)].itertuples(index=False)
    ]
    return {"title": title, "columns": list(columns.values()), "rows": rows, "widths": widths, "empty": empty}


def _pack_data(
    b: Briefing,
    charts: list[ChartImage],
    charts_note: str,
    *,
    appendix: bool = True,
    live_link: str = "",
    fit: Fit = FIT_STEPS[0],
) -> dict[str, Any]:
    """The summary as the JSON the template reads: page one with `fit` (red flags listed, type size), and the appendix
    (charts, every table, the sources in full) when `appendix` is true."""
    top_n, size, n_sources = fit

    def money(side: str) -> list[str]:  # a side with no figure is "not published", never £0 or "none"
        published = b.spend[f"{side}_published"] if f"{side}_published" in b.spend else b.spend[f"{side}_pence"] != 0
        return [format_money(int(v)) if p else "not published" for v, p in zip(b.spend[f"{side}_pence"], published, strict=True)]

    def row_basis(row: pd.Series) -> str:  # each side's own basis: "budget illustrative; spend partly illustrative"
        frame = row.to_frame().T
        words = [(side, side_word(frame, side)) for side in ("budget", "spend")]
        if words[0][1] and words[0][1] == words[1][1]:
            return words[0][1]
        return "; ".join(f"{side} {word}" for side, word in words if word)

    spend = b.spend.assign(budget=money("budget"), spent=money("spend"), basis=[row_basis(row) for _, row in b.spend.iterrows()])
    ending = b.ending.assign(
        reprocurement=[format_date(d) if pd.notna(d) else "none recorded" for d in b.ending["reprocurement_recorded_on"]]
    )
    flag_rows = b.flags
    every = b.renewals.assign(
        provider=b.renewals["provider"].fillna("not published"),
        reprocurement=[format_date(d) if pd.notna(d) else "none recorded" for d in b.renewals["reprocurement_recorded_on"]],
    )
    tables = [
        _table(
            f"Ending within {b.amber_months} months",
            {
                "title": "Agreement",
                "provider": "Provider",
                "end_text": "Current end",
                "options_text": "Options used",
                "reprocurement": "Re-procurement",
                "next_step": "Decision due",
            },
            ending,
            widths=[3, 2, 0, 0, 0, 3],
            empty=f"No live agreement ends within {b.amber_months} months of {format_date(b.as_at)}.",
        ),
        _table(
            f"Budget and spend by Plan priority, {fy_label(b.year)}",
            {"priority": "Priority", "budget": "Budget", "spent": "Spend", "basis": "Basis"},
            spend,
            widths=[4, 0, 0, 0],
            empty=f"No budget or spend is recorded for {fy_label(b.year)}.",
        ),
        _table(
            "Latest performance figures",
            LATEST_FIGURE_COLUMNS,
            b.performance,
            widths=[3, 3, 0, 0, 2, 0],
            empty=f"No performance figure is recorded for figures up to {format_date(b.as_at)}.",
        ),
        _table(
            "Every red flag, with the question to ask",
            {"severity": "Severity", "heading": "Flag", "statement": "Finding", "question": "Question to ask"},
            flag_rows,
            widths=[0, 2, 4, 4],
            empty="No red flags are raised.",
        ),
        _table(
            "Every agreement",
            {"title": "Agreement", "kind": "Kind", "provider": "Provider", "end_text": "Current end", "next_step": "Decision due"},
            every,
            widths=[3, 0, 2, 0, 4],
            empty="No agreement is recorded for this area.",
        ),
    ]
    sources = b.sources or ["No source is cited by the figures in this pack."]
    shown = b.flags.head(top_n)
    more = len(b.flags) - len(shown)
    where = "the appendix and the live view" if appendix else "the live view and the appendix (ask for it when downloading the pack)"
    more_flags = ""
    if more and shown.empty:
        more_flags = f"{findings.plural(more, 'red flag is', 'red flags are')} raised, each with its question: see {where}."
    elif more:
        more_flags = f"{findings.plural(more, 'more red flag')}, each with its question: see {where}."
    return {
        "title": b.title,
        "office": b.office,
        "keywords": ["Police and Crime Panel", "commissioning", b.area_name],
        "lang": LANGUAGE,
        "region": REGION,
        "footer": f"{b.office}. Figures as at {format_date(b.as_at)}.",
        "as_at_line": f"Figures as at {format_date(b.as_at)}: {b.as_at_reason}. Financial year {fy_label(b.year)}. "
        f"Prepared for {'OPCC staff' if b.audience is Audience.STAFF else 'Police and Crime Panel members'}.",
        "marking": NOT_FOR_PUBLICATION if b.audience is not Audience.PUBLIC else "",
        "key_figures": [{"label": k.label, "value": k.value, "note": k.note} for k in b.key_figures],
        "narrative": b.narrative,
        "flags_heading": "" if b.flags.empty else "Questions to put to the Commissioner first",
        "top_flags": [{"finding": r.statement, "question": r.question} for r in shown.itertuples()],
        "more_flags": more_flags,
        "appendix": appendix,
        "fit": {"size": size},
        "live_line": f"Live view: {live_link}"
        if live_link
        else f"Live view: the dashboard's Briefing pack page, area {b.area_name}, as at {format_date(b.as_at)}.",
        "illustrative": (
            "Figures marked illustrative are not in any published source: they were made up so the dashboard can show "
            "something, and must not be quoted as fact."
            if b.illustrative
            else ""
        ),
        "charts": [{"file": f"chart{i}.png", "alt": c.alt, "caption": c.caption, "takeaway": c.takeaway} for i, c in enumerate(charts)],
        "charts_note": charts_note or "There are no charts for this area and date.",
        "tables": tables,
        "sources": sources,
        "page_sources": sources[:n_sources],
        "more_sources": f"And {findings.plural(len(sources) - n_sources, 'more source')}: see {where}."
        if n_sources is not None and len(sources) > n_sources
        else "",
    }


def briefing_typst_source() -> str:
    """The pack's Typst layout (it reads briefing.json)."""
    return _TEMPLATE


def briefing_pdf(
    b: Briefing,
    *,
    charts: list[ChartImage],
    charts_note: str = "",
    appendix: bool = False,
    live_link: str = "",
    timestamp: datetime | None = None,
) -> bytes:
    """The briefing as a tagged PDF (PDF/UA-1): one A4 page, and with `appendix` further pages holding the charts
    (`charts` where given, `charts_note` saying why where not), every table and the sources in full.

    Page one is laid out at each of FIT_STEPS in turn until it fits one page; `live_link` is the address of the live
    view, printed at the foot of every page."""
    import typst  # a compiled extension: loaded only when a pack is built

    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        root = Path(folder)
        (root / "briefing.typ").write_text(_TEMPLATE, encoding="utf-8")
        for i, chart in enumerate(charts):
            (root / f"chart{i}.png").write_bytes(chart.png)

        def write(fit: Fit, with_appendix: bool) -> None:
            data = _pack_data(b, charts, charts_note, appendix=with_appendix, live_link=live_link, fit=fit)
            (root / "briefing.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

        for fit in FIT_STEPS:
            write(fit, False)
            pages = typst.query(str(root / "briefing.typ"), "<page-one-end>", field="value", one=True, root=str(root), format="json")
            if json.loads(pages) == 1:
                break
        write(fit, appendix)
        return typst.compile(
            str(root / "briefing.typ"),
            root=str(root),
            pdf_standards=["ua-1"],
            timestamp=(timestamp or datetime.now(UTC)).replace(microsecond=0),
        )


def file_name(b: Briefing, *, appendix: bool = False) -> str:
    """'briefing-west-yorkshire-2018-09-14.pdf' ('…-with-appendix.pdf' with the appendix)."""
    return f"briefing-{b.area}-{b.as_at.isoformat()}{'-with-appendix' if appendix else ''}.pdf"
