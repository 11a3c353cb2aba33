"""Every page prints to A4 portrait from Chromium (issue 14): no sidebar, the content whole, and on every printed
page the link to the live view and the as-at date, in a footer that no text runs under.

One tab as OPCC staff (the audience that reaches every page) walks the menu for West Yorkshire; each page is
printed with the print stylesheet (ui.render.PAGE_CSS) and the PDF's text read back with pypdf. What must be in
it comes from the store through data_access.queries, never from a list written here.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session

from data_access import queries
from data_access.db import open_store
from data_access.models import Audience
from data_access.periods import format_date
from tests.browser.conftest import StreamlitServer, wait_for_app
from tests.browser.pdf_text import Run, runs
from tests.browser.tour import AudienceTab, choose
from ui.navigation import PageSpec, by_file, pages_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser
AREA = "west-yorkshire"
AUDIENCE = Audience.STAFF
SIDEBAR_TEXT = ("Show figures for", "LOCAL DEMO ONLY")
# Where the PDFs go when PRINT_PDFS names a folder (to look at them); otherwise they are only read in memory.
KEEP = Path(p) if (p := os.environ.get("PRINT_PDFS")) else None
# ui.print's footer: its first words and its last line, as the PDF's text has them.
FOOTER_FIRST, FOOTER_LAST = "Live view", "Sources are listed under Sources on the page."
# What is about using the screen, which paper cannot do: render.screen_only_caption's, and an expander's arrow (the
# arrow is a glyph of an icon font, which the PDF's text does not hold, so it is looked for in the page as printed).
SORT_HINT = "Click a column heading to sort by it."
VISIBLE_ARROWS_JS = """() => [...document.querySelectorAll('[data-testid="stExpander"] summary [data-testid="stIconMaterial"]')]
  .filter(e => e.checkVisibility()).map(e => e.textContent)"""


@dataclass
class Printed:
    spec: PageSpec
    pages: list[str]  # the text of each printed A4 page, whitespace collapsed
    main: str  # the main column's text on screen: what the page itself says, without the sidebar
    axis_labels: list[str]  # the charts' x-axis labels as printed (plotly does not redraw for print)
    runs: list[list[Run]]  # each printed page's runs of text, placed on the page
    arrows: tuple[int, list[str]]  # how many expanders' arrows there are on screen, and those still shown printed

    @property
    def text(self) -> str:
        return " ".join(self.pages)


@pytest.fixture(scope="module")
def printed(app_server: StreamlitServer, visitors: BrowserContext) -> Iterator[dict[str, Printed]]:
    """Every page the audience reaches, printed to A4 from Chromium with print media emulated."""
    from pypdf import PdfReader

    page = visitors.new_page()
    try:
        tab = AudienceTab(page, app_server.url, AUDIENCE, wait_for_app)
        tab.start(f"?area={AREA}")
        out: dict[str, Printed] = {}
        for spec in pages_for(AUDIENCE):
            tab.go(spec)
            main = " ".join(page.locator('[data-testid="stMain"]').inner_text().split())
            on_screen = len(page.evaluate(VISIBLE_ARROWS_JS))
            page.emulate_media(media="print")
            pdf = page.pdf(format="A4", print_background=True)
            axis = page.eval_on_selector_all('[data-testid="stPlotlyChart"] .xtick text', "ts => ts.map(t => t.textContent)")
            arrows = (on_screen, page.evaluate(VISIBLE_ARROWS_JS))
            page.emulate_media(media="screen")
            keep(page, Path(spec.file).stem, pdf)
            reader = PdfReader(io.BytesIO(pdf))
            pages = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
            out[spec.file] = Printed(spec, pages, main, axis, [runs(p) for p in reader.pages], arrows)
        yield out
    finally:
        page.close()


def keep(page: Page, name: str, pdf: bytes) -> None:
    """The PDF, and where the footer sits and what it says, in the PRINT_PDFS folder when one is named."""
    if KEEP:
        KEEP.mkdir(parents=True, exist_ok=True)
        (KEEP / f"{name}.pdf").write_bytes(pdf)
        page.emulate_media(media="print")
        box = page.locator(".st-key-print_footer").bounding_box()
        (KEEP / f"{name}.txt").write_text(f"{box}\n{page.locator('.st-key-print_footer').inner_text()}")
        page.emulate_media(media="screen")


def _as_at(app_server: StreamlitServer) -> date:
    engine = open_store(app_server.database_url, load_sample_data=False)
    with Session(engine) as session:
        return queries.default_as_at(session=session, area=AREA, today=date.today(), audience=AUDIENCE)[0]


def test_no_page_prints_the_sidebar_or_the_menu(printed: dict[str, Printed]) -> None:
    titles = [p.spec.title for p in printed.values()]
    for item in printed.values():
        for words in SIDEBAR_TEXT:
            assert words not in item.text, f"{item.spec.file} prints the sidebar's {words!r}"
        # The menu is every other page's title; those the page's own text names (the accessibility statement lists
        # the pages) cannot tell the menu apart, the rest must not be printed.
        menu_only = [t for t in titles if t != item.spec.title and t not in item.main]
        shown = [t for t in menu_only if t in item.text]
        assert not shown, f"{item.spec.file} prints the menu: {shown}"


def test_every_printed_page_carries_the_live_link_and_the_as_at_date(printed: dict[str, Printed], app_server: StreamlitServer) -> None:
    as_at = f"As at {format_date(_as_at(app_server))}"
    for item in printed.values():
        link = f"{app_server.url}/{item.spec.url_path}" + (f"?area={AREA}" if item.spec.with_area else "")
        for number, text in enumerate(item.pages, start=1):
            assert f"Live view: {link}" in text, f"{item.spec.file} page {number} of {len(item.pages)} has no live link {link!r}"
            if item.spec.with_area:
                assert as_at in text, f"{item.spec.file} page {number} of {len(item.pages)} has no {as_at!r}"


# st.dataframe (ui.render.table) is a canvas grid that Chromium prints as a picture of the rows in view: the
# table's plain print copy is what puts every agreement's name in the PDF's text.
def test_renewals_prints_every_agreement_and_the_timeline_to_its_last_year(
    printed: dict[str, Printed], app_server: StreamlitServer
) -> None:
    engine = open_store(app_server.database_url, load_sample_data=False)
    as_at = _as_at(app_server)
    with Session(engine) as session:
        renewals = queries.renewals(session=session, area=AREA, as_at=as_at, audience=AUDIENCE)
    text = printed["renewals.py"].text
    assert len(renewals) > 0
    missing = [title for title in renewals["title"] if " ".join(str(title).split()) not in text]
    assert not missing, f"the printed renewals page lacks {missing}"
    ends = [d for column in ("current_end_date", "latest_end_date") for d in renewals[column].dropna()]
    last_year = max(d.year for d in ends)
    assert str(last_year) in text, f"the printed timeline stops before {last_year}"
    # Its own axis names the last year (the tables hold the dates too): 2023, the Core Referral Service's latest end.
    axis = printed["renewals.py"].axis_labels
    assert str(last_year) in axis and all(label in text for label in axis), f"the printed timeline's axis is {axis}"


def test_data_quality_prints_every_finding_as_text(printed: dict[str, Printed], app_server: StreamlitServer) -> None:
    """The findings grid is a canvas: printed, its plain copy puts each finding's statement in the PDF's text (the page
    opens on the area being looked at, with findings as known today)."""
    from data_access import findings

    engine = open_store(app_server.database_url, load_sample_data=False)
    with Session(engine) as session:
        found = findings.store_findings(session=session, as_at=date.today(), audience=AUDIENCE, area=AREA)
    text = printed["data_quality.py"].text
    assert 0 < len(found) <= 100  # within the print copy's rows
    missing = [s for s in found["statement"] if " ".join(str(s).split()) not in text]
    assert not missing, f"the printed data-quality page lacks {missing[:3]}"


def footer_and_the_rest(page_runs: list[Run]) -> tuple[list[Run], list[Run]]:
    """The footer's runs of text on a printed page (painted one after another, from "Live view" to its last line) and
    every other run."""
    starts = [i for i, run in enumerate(page_runs) if run.text.startswith(FOOTER_FIRST)]
    assert len(starts) == 1, f"the footer is printed {len(starts)} times"
    end, said = starts[0], ""
    while not " ".join(said.split()).endswith(FOOTER_LAST):
        assert end < len(page_runs), f"the footer's text ends {said!r}, not {FOOTER_LAST!r}"
        said += page_runs[end].text
        end += 1
    return page_runs[starts[0] : end], page_runs[: starts[0]] + page_runs[end:]


def test_no_printed_text_runs_under_the_footer(printed: dict[str, Printed]) -> None:
    """The footer is fixed, so it takes no room: text that runs on to the foot of a page would be printed under it
    (hidden by its white background, though still in the PDF's text). Every run of text on every printed page lies
    wholly above the footer's top."""
    gaps = []
    for item in printed.values():
        for number, page_runs in enumerate(item.runs, start=1):
            footer, content = footer_and_the_rest(page_runs)
            top = max(run.top for run in footer)
            under = [run.text for run in content if run.bottom < top]
            assert not under, f"{item.spec.file} page {number} of {len(item.runs)} prints {under[:8]} under its footer"
            gaps.extend(run.bottom - top for run in content)
    # Not true only because every page ends early: some page's text runs on to the next page, and so down to within
    # an inch of the footer (the room kept for it, 18 mm, is just above it).
    assert gaps and min(gaps) < 72, f"no printed text comes within {min(gaps):.0f} points of the footer"


def test_what_is_about_the_screen_is_not_printed(printed: dict[str, Printed]) -> None:
    renewals = printed["renewals.py"]
    assert SORT_HINT in renewals.main, "the renewals page no longer says its table can be sorted"
    assert SORT_HINT not in renewals.text
    assert "Sorted by current end date. The months left count from the as-at date." in renewals.text
    assert sum(item.arrows[0] for item in printed.values()) > 0, "no expander's arrow found on screen: the selector is out of date"
    arrows = {item.spec.file: item.arrows[1] for item in printed.values() if item.arrows[1]}
    assert not arrows, f"expanders' arrows printed: {arrows}"
    assert any("The numbers in this chart" in item.text for item in printed.values())  # the expanders are there, open


def test_the_import_page_prints_its_tables_as_text(app_server: StreamlitServer, visitors: BrowserContext) -> None:
    """The import page's tables are grids (st.dataframe, which prints as a picture of the rows in view): printed, each
    is its plain copy. A budgets file with two mistakes: both problems are in the PDF's text, cell by cell."""
    from pypdf import PdfReader

    from tests.app.test_import_page import budgets_csv

    spec = by_file("import_data.py")
    assert spec is not None
    page = visitors.new_page()
    try:
        tab = AudienceTab(page, app_server.url, AUDIENCE, wait_for_app)
        tab.start()
        tab.go(spec)
        choose(page, "Kind of record", "Budgets: allocations", wait_for_app)
        bad = budgets_csv(**{"nfk-2016-moj": "£1,037,41.5", "nfk-2016-police-grant": "=1018000"})
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            files=[{"name": "budgets.csv", "mimeType": "text/csv", "buffer": bad}]
        )
        wait_for_app(page)
        grid = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')
        assert grid.count() == 1 and grid.is_visible(), "the problems are not listed on screen"
        page.emulate_media(media="print")
        assert not grid.is_visible(), "the grid is printed (as a picture)"
        pdf = page.pdf(format="A4", print_background=True)
        page.emulate_media(media="screen")
        keep(page, "import_data-problems", pdf)
    finally:
        page.close()
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for row in (["2", "F2", "amount", "=1018000"], ["3", "F3", "amount", "£1,037,41.5"]):
        assert " ".join(row) in text, f"the printed problems lack the row {row}"
    assert "Row Cell Column Value Rule" in text


# A4 portrait's column (210 mm less two 12 mm margins) in CSS px, with a pixel's rounding to spare.
A4_COLUMN_PX = 703
FITTED_JS = """(column) => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(chart =>
  chart.style.getPropertyValue('--print-zoom') !== '' && chart.querySelector('.main-svg').getBoundingClientRect().width <= column)"""
PRINTED_CHART_WIDTHS_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg')]
  .map(svg => svg.getBoundingClientRect().width)"""


@pytest.mark.parametrize("width", [1366, 1920])
def test_a_chart_printed_from_any_screen_fits_the_page(app_server: StreamlitServer, chromium: Browser, width: int) -> None:
    """Plotly draws a chart at the screen's width and does not redraw it to print: from a 1920 px screen the renewals
    timeline is 1460 px wide, and scaled as one drawn beside the sidebar at 1366 px it was cut off after 2017. Printed,
    every chart is no wider than A4's column, and the timeline's axis reaches its last year."""
    from pypdf import PdfReader

    context = chromium.new_context(viewport={"width": width, "height": 1000}, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    try:
        page.goto(f"{app_server.url}/renewals?area={AREA}")
        wait_for_app(page)
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg')
        drawn = page.eval_on_selector_all('[data-testid="stPlotlyChart"] .main-svg', "es => es.map(e => Number(e.getAttribute('width')))")
        page.emulate_media(media="print")
        # The page's script fits the charts when print media comes in (the media change event, dispatched after it),
        # and again as plotly redraws them in the wider column; the PDF is made once they are fitted.
        page.wait_for_function(FITTED_JS, arg=A4_COLUMN_PX, timeout=10_000)
        pdf = page.pdf(format="A4", print_background=True)
        printed = page.evaluate(PRINTED_CHART_WIDTHS_JS)  # as they were printed: no redraw undid the fit
        keep(page, f"renewals-{width}", pdf)
    finally:
        context.close()
    assert drawn and max(drawn) > A4_COLUMN_PX  # drawn wider than the page, so it must be scaled
    assert printed and max(printed) <= A4_COLUMN_PX, f"charts drawn {drawn} px wide print {printed} px wide"
    assert "2023" in " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)
