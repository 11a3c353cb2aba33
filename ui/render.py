"""Shared pieces of a page: KPI row, a chart with its text alternative and table, and the sources beneath.

Store text reaches the screen through these as plain text: each passes `data_access.text.safe_text`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from data_access import compare, exporting
from data_access.models import Audience
from data_access.money import format_money
from data_access.periods import format_date
from data_access.public import plain_text
from data_access.queries import source_lines
from data_access.text import cell_text, safe_text
from ui import cache, navigation

ILLUSTRATIVE_NOTE = (
    "Figures marked *illustrative* are not in any published source: they were made up so this view can show "
    "something, and must not be quoted as fact."
)


# The app's few changes to how Streamlit draws its own widgets, each for a WCAG 2.2 success criterion. A fixed
# stylesheet with no data in it, so nothing a user or the store supplies reaches st.html.
# - 2.5.8 Target Size (Minimum), 24 x 24 CSS px: Streamlit 1.67's date field draws day, month and year as three
#   separate targets of about 18 x 20 px, side by side.
# - 1.4.10 Reflow, 320 CSS px wide (a phone, or 400% zoom): a long button label such as "Contracts as open
#   contracting data (OCDS 1.1 JSON)" wraps instead of running off the screen, and page titles are smaller so
#   that words are not broken in the middle.
# - Print (issue 14): A4 portrait with no sidebar, header, toolbars or download buttons, content full width, charts
#   kept whole within the page width, tables wrapping (each `table` printed as its plain copy, the grid hidden), what
#   closed expanders hold shown, a new page before each h2 section but the first, and ui.print's footer (live link,
#   as-at date, sources) pinned to the foot of every printed page (Chromium repeats position: fixed), with room kept
#   for it at the foot of each page so that nothing prints under it; what is only about using the screen left out.
PAGE_CSS = """<style>
[data-testid="stDateInputField"] [role="spinbutton"] {
  min-width: 24px; min-height: 24px; display: inline-flex; align-items: center; justify-content: center;
}
[data-testid="stMain"] button { max-width: 100%; }
[data-testid="stMain"] button p { white-space: normal; overflow-wrap: break-word; }
/* A headline figure's label and value wrap rather than end in "…": cut off at 1366 px, "Annual value of live
   agreements (illustrative)" lost the word that says the figure is made up. */
[data-testid="stMain"] [data-testid="stMetricLabel"] *, [data-testid="stMain"] [data-testid="stMetricValue"] * {
  white-space: normal; overflow: visible; text-overflow: clip;
}
@media (max-width: 40rem) { [data-testid="stMain"] h1 { font-size: 1.75rem; } }
.st-key-print_footer, [class*="st-key-print_copy_"] { display: none; }
/* The element holding one of the app's scripts (PRINT_FIT_SCRIPT, meeting mode's keys) shows nothing: without this,
   it still took a gap between elements, and meeting mode's timeline ran 5 px past a 720 px projector screen. */
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) { display: none; }
@page { size: A4 portrait; margin: 12mm; }
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stElementToolbar"], [data-testid="stDownloadButton"], [data-testid="stBaseButton-header"],
  .stDownloadButton, .modebar-container, [data-testid="stSkipLink"] { display: none !important; }
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
    height: auto !important; min-height: 0 !important; overflow: visible !important; position: static !important;
  }
  [data-testid="stAppViewContainer"], [data-testid="stMain"] { display: block !important; }
  /* An ancestor with a transform, filter or containment becomes the box a fixed element is placed in, and the footer
     would print once, at the top of a later page, instead of at the foot of every page. */
  .stApp, .stApp div:not(.js-plotly-plot div) {
    transform: none !important; filter: none !important; contain: none !important; will-change: auto !important;
  }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important; width: 100% !important; padding: 0 !important; }
  /* Room at the foot of every printed page for the footer below, which is fixed and so takes none itself: the main
     column's bottom padding is repeated at the end of each page's part of it (box-decoration-break: clone), so the
     content stops above the footer instead of running under it. 18mm holds five of its lines (8pt at 1.2 line
     height): the link, the as-at date over two or three (its reason names the source) and the sources. @page margin
     boxes would need the footer's text in this stylesheet, and Chromium does not paint a fixed element moved into
     the page margin (a negative bottom). tests/browser/test_print.py checks that no text lies under the footer. */
  [data-testid="stMainBlockContainer"] {
    padding-bottom: 18mm !important; box-decoration-break: clone; -webkit-box-decoration-break: clone;
  }
  [data-testid="stPlotlyChart"], [data-testid="stPlotlyChart"] > div, .js-plotly-plot, .plot-container {
    max-width: 100% !important; break-inside: avoid;
  }
  [data-testid="stPlotlyChart"] .main-svg { max-width: 100% !important; }
  /* Neither a box that scrolls (the one between st.table and its table) nor an inline table (st.table's own) is split
     between printed pages: a long table ran on past the foot of the page, under the footer. */
  [data-testid="stTable"], [data-testid="stTable"] > div, [data-testid="stTable"] table {
    width: 100% !important; overflow: visible !important;
  }
  [data-testid="stTable"] table { display: table !important; }
  [data-testid="stTable"] td, [data-testid="stTable"] th { white-space: normal !important; overflow-wrap: anywhere; }
  /* render.table: the grid (a canvas, printed as a picture of the rows in view) gives way to its plain copy. */
  [class*="st-key-printable_"] [data-testid="stDataFrame"], [class*="st-key-pager_"] { display: none !important; }
  /* What is about using the screen: render.screen_only_caption ("click a column heading to sort by it"), and the
     arrow that opens an expander (what it holds is printed open, below). */
  [class*="st-key-screen_only_"], [data-testid="stExpander"] summary [data-testid="stIconMaterial"] { display: none !important; }
  [class*="st-key-print_copy_"] { display: block !important; }
  /* What a closed expander holds (a chart's numbers) is printed: paper cannot be clicked open. */
  [data-testid="stExpander"] details::details-content { content-visibility: visible !important; display: block !important; }
  [class*="st-key-print_copy_"] table { font-size: 9pt; }
  [class*="st-key-print_copy_"] tr { break-inside: avoid; }
  /* A new page before each section but the first (each h2 sits in its own element container; :first-of-type would
     match every one of them). */
  [data-testid="stElementContainer"]:has(h2) ~ [data-testid="stElementContainer"]:has(h2) { break-before: page; }
  [data-testid="stMain"] h2, [data-testid="stMain"] h3 { break-after: avoid; }
  .st-key-print_footer {
    display: block !important; position: fixed !important; top: auto !important; bottom: 0 !important;
    left: 0; right: 0; height: auto !important;
    background: white; border-top: 1px solid #999; overflow: visible !important;
  }
  .st-key-print_footer * { font-size: 8pt !important; line-height: 1.2 !important; margin: 0 !important; gap: 0 !important; }
  /* A plotly chart is drawn at the screen's width (about 970 px beside the sidebar at 1366 px, 1460 px at 1920) and
     does not redraw when printed; the A4 column is about 700 px, so it is scaled down rather than cut off at the
     right: by PRINT_FIT_SCRIPT's --print-zoom for the width it was drawn at, else as for 1366 px. */
  [data-testid="stPlotlyChart"] { zoom: var(--print-zoom, 0.72); }
  /* Its box, though, is the chart's own height (Streamlit's `height: 584px` on the element around it): zoomed, the
     chart left a quarter of it empty below, and with the room kept for the footer the renewals timeline no longer
     fitted its first page. The box around it takes the chart's zoomed height instead: the chart keeps its own
     (contain: size with Streamlit's contain-intrinsic-height), so it is not redrawn. */
  [data-testid="stElementContainer"]:has(> [data-testid="stFullScreenFrame"] > [data-testid="stPlotlyChart"]),
  [data-testid="stFullScreenFrame"]:has(> [data-testid="stPlotlyChart"]) {
    height: auto !important; flex: none !important; overflow: visible !important;
  }
  .stApp .stPlotlyChart[data-testid="stPlotlyChart"] { contain: size !important; }
}
</style>"""


# Printing from a wide screen: a chart drawn 1460 px wide (1920 px screen) scaled as one drawn beside the sidebar at
# 1366 px was cut off after its third year. When the page is about to print (beforeprint, or print media, as a PDF is
# made), each chart gets the zoom that fits the width it is drawn at into A4's column, and again whenever plotly draws
# it anew while printing (print media hides the sidebar, and the wider column can make plotly redraw wider). Our own
# constant script, never store text; added once per browser tab.
PRINT_FIT_SCRIPT = """<script>
if (!document.printFit) {
  document.printFit = true;
  const A4_COLUMN_PX = 700;  // 210 mm less two 12 mm margins, at 96 px an inch
  const fit = () => document.querySelectorAll('[data-testid="stPlotlyChart"]').forEach((chart) => {
    const drawn = Number(chart.querySelector(".main-svg")?.getAttribute("width")) || 0;
    if (drawn) chart.style.setProperty("--print-zoom", Math.min(1, A4_COLUMN_PX / drawn).toFixed(3));
  });
  const redrawn = new MutationObserver(fit);
  const print = window.matchMedia("print");
  const follow = () => {
    if (!print.matches) return redrawn.disconnect();
    fit();
    redrawn.observe(document.body, {subtree: true, attributes: true, attributeFilter: ["width"]});
  };
  window.addEventListener("beforeprint", fit);
  print.addEventListener("change", follow);
}
</script>"""


def page_styles() -> None:
    """The app's few accessibility fixes to Streamlit's own widgets and its print stylesheet (PAGE_CSS), and the script
    that fits charts to the printed page (PRINT_FIT_SCRIPT); dashboard.py calls it on every run."""
    st.html(PAGE_CSS)
    st.html(PRINT_FIT_SCRIPT, unsafe_allow_javascript=True)


def download_row(title: str, table: pd.DataFrame, file_stem: str) -> None:
    """One dataset offered for download: its name and row count, then a CSV and an Excel button (`file_stem`.csv, .xlsx)."""
    label, csv_column, xlsx_column = st.columns([2, 1, 1], vertical_alignment="center")
    label.markdown(f"**{safe_text(title)}** ({len(table)} row{'s' if len(table) != 1 else ''})")
    for column, kind, suffix, data, mime in (
        (csv_column, "CSV", "csv", exporting.csv_bytes(table), exporting.CSV_MIME),
        (xlsx_column, "Excel", "xlsx", cache.xlsx_bytes(table, title), exporting.XLSX_MIME),
    ):
        column.download_button(f"{title} ({kind})", data, f"{file_stem}.{suffix}", mime, key=f"dl_{file_stem}.{suffix}", on_click="ignore")


def kpi_row(items: list[tuple[str, str, str | None]]) -> None:
    """Headline figures side by side: (label, value, help)."""
    for column, (label, value, help_text) in zip(st.columns(len(items)), items, strict=True):
        column.metric(label, value, help=help_text)


def money_columns(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A copy with pence columns written as money (£1,037,415) under readable names.

    Blank means not published, and so does False in the query's `<side>_published` beside `<side>_pence`: a sum of
    nothing is "not published", never £0. A sum holding a ceiling (`<side>_up_to`) is written "up to £X", and the
    parts of its lines (`<side>_of_which`) follow it in brackets.
    """
    shown = frame.copy()
    for column, title in columns.items():
        side = column.removesuffix("_pence")
        published = shown[f"{side}_published"].astype(bool) if f"{side}_published" in shown else pd.Series(True, index=shown.index)
        up_to = shown[f"{side}_up_to"].fillna(False).astype(bool) if f"{side}_up_to" in shown else pd.Series(False, index=shown.index)
        parts = shown[f"{side}_of_which"] if f"{side}_of_which" in shown else pd.Series("", index=shown.index)
        shown[title] = [
            (f"up to {format_money(int(v))}" if u else format_money(int(v))) + (f" ({w})" if isinstance(w, str) and w else "")
            if pd.notna(v) and p
            else "not published"
            for v, p, u, w in zip(shown[column], published, up_to, parts, strict=True)
        ]
    return shown


def stream_money(by_stream: pd.DataFrame) -> pd.DataFrame:
    """The funding-stream view's money in words: budget and spend, and the grants awarded from each stream and what is
    committed against its budget ("none listed" where no grant from the stream starts in the year)."""
    shown = money_columns(by_stream, {"budget_pence": "Budget", "spend_pence": "Spend", "awarded_pence": "Awarded in grants"})
    committed = by_stream.assign(
        committed_up_to=by_stream["awarded_up_to"], committed_published=by_stream["spend_published"] | by_stream["awarded_published"]
    )
    shown["Committed"] = money_columns(committed, {"committed_pence": "c"})["c"]
    none = by_stream["awards"] == 0
    shown.loc[none, "Awarded in grants"] = "none listed"
    unvalued = by_stream["awards"] - by_stream["awards_valued"]
    shown["Awarded in grants"] = [
        f"{text} ({n} of {a} awards' values not published)" if n else text
        for text, n, a in zip(shown["Awarded in grants"], unvalued, by_stream["awards"], strict=True)
    ]
    return shown


def short_date(day) -> str:
    """A day for a table column in the screen's one date style, as elsewhere on screen ('31 March 2019',
    `data_access.periods.format_date`); 'not stated' where the source gives none. Exports keep ISO dates."""
    return format_date(day) if pd.notna(day) and day else "not stated"


def date_time_text(at) -> str:
    """A moment for a table column: '1 April 2024 00:30:00', the day written as `short_date` writes it."""
    return f"{format_date(at)} {at:%H:%M:%S}" if pd.notna(at) and at else BLANK


# Rows a table shows at once. A store of 43 areas and ten years gives tables of hundreds or thousands of rows: sent to
# the browser whole they make a page slow to arrive and no easier to read. A download beside a table holds every row.
PAGE_ROWS = 50
BLANK = "—"  # how a table writes a cell with nothing in it


def page_of(frame: pd.DataFrame, *, key: str, rows: int = PAGE_ROWS) -> pd.DataFrame:
    """The rows of `frame` to draw in this run: all of them when there are at most `rows`; else one page of them,
    chosen in a small "Page" box (widget key `<key>_page`) beside "Rows 51–100 of 812"."""
    if len(frame) <= rows:
        return frame
    pages = -(-len(frame) // rows)
    state = f"{key}_page"
    if not 1 <= st.session_state.get(state, 1) <= pages:  # the table has fewer rows than when the page was chosen
        st.session_state[state] = 1
    with st.container(key=f"{PAGER_PREFIX}{key}"):
        box, words = st.columns([1, 4], vertical_alignment="bottom")
        page = int(box.number_input(f"Page (1 to {pages:,})", min_value=1, max_value=pages, step=1, key=state))
        first = (page - 1) * rows
        shown = frame.iloc[first : first + rows]
        words.caption(f"Rows {first + 1:,}–{first + len(shown):,} of {len(frame):,}.")
    return shown


# A table on paper: st.dataframe is a canvas grid that prints as a picture of the rows in view, so `table` also writes
# the rows as a plain table, hidden on screen and shown only in print (PAGE_CSS), up to PRINT_ROWS of them.
PRINT_ROWS = 100  # a few printed pages; more rows would be sent with every table, printed or not
PRINTABLE_PREFIX = "printable_"  # the container of a table and its print copy: `st-key-printable_<key>`
PRINT_COPY_PREFIX = "print_copy_"  # the print copy's own container: `st-key-print_copy_<key>`
PAGER_PREFIX = "pager_"  # the "Page" box and "Rows 51–100 of 812", which mean nothing on paper
SCREEN_ONLY_PREFIX = "screen_only_"  # `screen_only_caption`: what is about the screen, hidden in print


def table(frame: pd.DataFrame, columns: dict[str, str], *, key: str, rows: int = PAGE_ROWS) -> None:
    """A plain table of `columns` (source name -> heading), in that order; headings made unique (`unique_headings`);
    `rows` at a time (`page_of`). Printed, it is `print_rows`' plain copy of the first PRINT_ROWS rows instead."""
    headings = unique_headings(list(columns.values()))
    shown = plain_cells(page_of(frame, key=key, rows=rows)[list(columns)])
    shown.columns = headings
    widths, lines = fit_widths(headings, [[_cell_str(v) for v in shown[h]] for h in headings])
    config: dict[str, Any] = {h: st.column_config.Column(width=w) for h, w in zip(headings, widths, strict=True)}
    with printable(key=key):
        st.dataframe(
            shown, hide_index=True, width="stretch", key=key, column_config=config, row_height=row_height(lines) if lines > 1 else None
        )
        print_copy(frame[list(columns)], headings, key=key)


@contextmanager
def printable(*, key: str) -> Iterator[None]:
    """Where a grid (st.dataframe or st.data_editor) and its `print_copy` go: the grid is shown on screen and hidden in
    print, the copy the other way round (PAGE_CSS)."""
    with st.container(key=f"{PRINTABLE_PREFIX}{key}"):
        yield


def print_copy(frame: pd.DataFrame, headings: list[str], *, key: str) -> None:
    """`print_rows`' plain copy of `frame`'s first PRINT_ROWS rows under `headings`, shown only in print: inside
    `printable`, after the grid it stands for."""
    printed, more = print_rows(frame, headings)
    with st.container(key=f"{PRINT_COPY_PREFIX}{key}"):
        st.table(printed, hide_index=True)
        if more:
            st.caption(f"… and {more:,} more row{'s' if more != 1 else ''}: see the live view.")


def screen_only_caption(text: str, *, key: str) -> None:
    """A caption about using the screen ("click a column heading to sort by it"), left out when printed: paper
    cannot be clicked. `text` is written by the app, not the store."""
    with st.container(key=f"{SCREEN_ONLY_PREFIX}{key}"):
        st.caption(text)


def print_rows(frame: pd.DataFrame, headings: list[str], *, limit: int = PRINT_ROWS) -> tuple[pd.DataFrame, int]:
    """The first `limit` rows as text for st.table (which renders Markdown in cells and headings): each cell through
    `plain_cells` and `plain_text`, a blank written BLANK, each heading through `plain_text`; and how many rows are
    left out."""
    shown = plain_cells(frame.head(limit))
    shown.columns = [plain_text(h) for h in headings]  # st.table renders Markdown in headings too (a breakdown's value)
    return shown.map(lambda v: BLANK if _blank(v) else plain_text(v)), max(len(frame) - limit, 0)


# Fitting a table to the main column at 1366 px (about 900 px beside the sidebar): the grid never wraps a heading, so
# each column is at least as wide as its heading; the rest of the width goes to the columns with long cells, and those
# cells wrap onto up to WRAP_LINES lines (st.dataframe wraps text only in rows taller than 4rem).
TABLE_BUDGET_PX = 888  # the grid's inside width there is 904 px
HEADING_PX = (6.2, 26)  # px a character of a heading (Source Sans at 14 px: about 6), and the heading's padding
CELL_PX = (6.4, 20)  # px a character of a cell, and the cell's padding
MAX_COLUMN_PX = 420
WRAP_LINES = 4


def fit_widths(headings: list[str], cells: list[list[str]], budget: int = TABLE_BUDGET_PX) -> tuple[list[int], int]:
    """Column widths in px that fit `budget` with no heading cut short, and the lines a row needs (1: no wrapping).

    `cells` holds each column's cells as text. When the columns' natural widths do not all fit, the narrow ones keep
    theirs (a date is not broken over two lines) and the wide ones share what is left, each at least its heading's
    width, their cells wrapping onto up to WRAP_LINES lines."""
    least = [round(HEADING_PX[0] * len(h) + HEADING_PX[1]) for h in headings]
    longest = [round(CELL_PX[0] * max((len(c) for c in column), default=0) + CELL_PX[1]) for column in cells]
    natural = [max(low, min(MAX_COLUMN_PX, need)) for low, need in zip(least, longest, strict=True)]
    if sum(natural) <= budget or sum(least) >= budget:
        return natural, 1
    widths = list(natural)
    left, wide = budget, set(range(len(headings)))
    while wide:  # water-filling: a column narrower than an equal share of what is left keeps its natural width
        share = left / len(wide)
        narrow = {i for i in wide if natural[i] <= share}
        if not narrow:
            break
        wide -= narrow
        left -= sum(natural[i] for i in narrow)
    if left < sum(least[i] for i in wide):  # the narrow ones must give way too: every column shares in what it lacks
        left, wide = budget, set(range(len(headings)))
    spare, lacking = left - sum(least[i] for i in wide), sum(natural[i] - least[i] for i in wide)
    for i in wide:
        widths[i] = least[i] + (int(spare * (natural[i] - least[i]) / lacking) if lacking else 0)
    lines = max(-(-need // (w - CELL_PX[1] // 2)) for need, w in zip(longest, widths, strict=True))
    return widths, min(lines, WRAP_LINES)


def row_height(lines: int) -> int:
    """px for a row of `lines` wrapped lines: over 4rem (64 px), which is when st.dataframe wraps text at all."""
    return max(20 * lines + 16, 66)


def _cell_str(value: object) -> str:
    return "" if _blank(value) else str(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT or value is pd.NA


def text_table(frame: pd.DataFrame, *, key: str, alt: str | None = None, rows: int = PAGE_ROWS) -> None:
    """A static table in large clear type (st.table), `rows` at a time (`page_of`); every cell through `plain_text`,
    since st.table renders Markdown in cells."""
    st.table(page_of(frame, key=key, rows=rows).map(plain_text), hide_index=True, alt=alt)


def unique_headings(headings: list[str]) -> list[str]:
    """Headings with any repeat numbered ("Service", "Service (2)"): a heading can come from the data (a breakdown's
    dimension may be called "service"), and a table with two columns of one name cannot be drawn."""
    seen: set[str] = set()
    unique = []
    for heading in headings:
        candidate, n = heading, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{heading} ({n})"
        seen.add(candidate.casefold())
        unique.append(candidate)
    return unique


def breakdown_heading(dimension: str, others: Iterable[str]) -> str:
    """The heading of a breakdown's parts: its dimension ("Referral source"), or "Service (breakdown)" where the
    dimension's name is one of the table's other headings."""
    heading = dimension[:1].upper() + dimension[1:]
    return f"{heading} (breakdown)" if heading.casefold() in {o.casefold() for o in others} else heading


def plain_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells pass `data_access.text.cell_text` (no bidi or control characters), for st.dataframe.

    A blank in a column of text reads "—": the grid would write it "None", which a panel member reads as a value."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_object_dtype(shown[column]) or pd.api.types.is_string_dtype(shown[column]):
            cells = shown[column].map(cell_text)
            blank = cells.isna()
            if blank.any() and cells[~blank].map(lambda v: isinstance(v, str)).all():
                cells = cells.where(~blank, BLANK)
            shown[column] = cells
    return shown


def chart(fig: go.Figure, *, alt: str, takeaway: str, data: pd.DataFrame, columns: dict[str, str], key: str, empty: str | None) -> None:
    """The takeaway in words, the chart with its alt text, the same numbers as a table, and their sources.

    `empty` is the chart builder's own reason there is nothing to draw (`charts.*._empty`, decided from the data), or
    None. Every caller must pass it: when it is a sentence, that sentence is shown instead of the chart, so a chart
    never draws an axis of invented dates or values. The records behind it are still listed when there are any
    (agreements with no dates, say), since they are what a reader then needs.
    """
    if empty:
        st.info(safe_text(empty), icon=":material/info:")
        if data.empty:
            return
        st.caption("The records, though none can be drawn:")
        table(data, columns, key=f"{key}_table")
    else:
        st.markdown(f"**{safe_text(takeaway)}**")
        st.plotly_chart(fig, alt=f"{alt} {takeaway}", key=key, config={"displaylogo": False, "responsive": True})
        with st.expander("The numbers in this chart"):
            table(data, columns, key=f"{key}_table")
    sources_footer(data.get("citations", []), illustrative="illustrative" in data and bool(data["illustrative"].any()))


def finding_list(found: pd.DataFrame) -> None:
    """Findings as a list: the rule's heading (which says when a rule cannot be checked), the finding, its question."""
    for item in found.itertuples():
        st.markdown(
            f"- **{plain_text(item.heading)} ({item.severity}).** {plain_text(item.statement)}.  \n"
            f"  *Question to ask:* {plain_text(item.question)}"
        )


def group_standing(area: str, audience: Audience) -> None:
    """One line where the area stands furthest from one of its peer groups (`compare.standing`), with a link to the
    comparison; nothing where no group has two more areas with a figure."""
    standing = cache.compare_standing(area=area, audience=audience)
    if standing.empty:
        return
    row = standing.iloc[0]
    st.markdown(f"**Against its group:** {plain_text(compare.standing_text(row))}.")
    if spec := navigation.by_file("compare.py"):
        link = {"area": area, "indicator": row["indicator"]}
        st.page_link(spec.path, label="Compare areas on this figure", icon=":material/leaderboard:", query_params=link)


def sources_footer(citations: Iterable[str], *, illustrative: bool = False) -> None:
    """'Sources:' with each document's title, publisher and date, and the sections cited."""
    lines = [f"- {safe_text(line)}" for line in source_lines(citations, cache.sources())]
    if not lines:
        return
    st.caption("**Sources**\n" + "\n".join(lines))
    if illustrative:
        st.caption(ILLUSTRATIVE_NOTE)
