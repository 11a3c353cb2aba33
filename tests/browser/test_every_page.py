"""Every page in ui/navigation.PAGES, for every audience that may reach it, in a real browser:

- it renders with no exception and shows its main heading;
- a link with filter values selects them, and choosing another area by clicking changes the link and the heading;
- the area chosen stays chosen from page to page;
- every download button gives a file that is not empty and opens (CSV, Excel, JSON, PDF).

Audiences other than the public are chosen with the sidebar's 'LOCAL DEMO ONLY: view as' radio, since
a fresh visit is always the public.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import pytest

from data_access.models import Audience
from tests.browser.conftest import StreamlitServer, wait_for_app
from tests.browser.tour import AudienceTab, case_id, cases, choose, click_menu_link, shown_exceptions, switch_audience
from ui import accessibility as a11y
from ui.navigation import PAGES, PageSpec, by_file, pages_for

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page

pytestmark = pytest.mark.browser
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CASES = cases()
AREA_CASES = [c for c in CASES if c[1].with_area]
# Pages whose code offers a download, directly or through render.download_row.
DOWNLOAD_CASES = [c for c in CASES if re.search(r"download_(button|row)\(", (PROJECT_ROOT / c[1].path).read_text(encoding="utf-8"))]

# A link to Norfolk's 2016/17 figures (its panel paper's year), and what the filters should then show.
LINK = {"area": "norfolk", "year": "2016-17", "as_at": "2017-03-31", "priority": "nfk-victims"}
SHOWN = {"area": "Norfolk", "year": "2016/17", "as_at": "2017-03-31", "priority": "Victims and witnesses"}
OTHER_AREA = ("West Yorkshire", "west-yorkshire")
# A page's own choices, written into the link beside the shared filters so the exact view can go in an agenda.
PAGE_PARAMS = {"compare.py": {"indicator": "linked-share"}, "trends.py": {"view": "priority"}}


# What each page must show for West Yorkshire at 14 September 2018 (the tour's area, and the date of its latest
# figures): a figure or fact from the seed document (seeds/, Commissioning and Granting Report), or, on pages that
# hold no figures, the words that show the page did its job. A page added to the registry needs a line here.
KEY_TEXT = {
    "overview.py": "Independent Sexual Advisor Contract (ISVA) has used all its extension options (1 of 1) and ends on 31 March 2019",
    "spend.py": "Ministry of Justice (MOJ) victims grant",
    "renewals.py": "the first is Independent Sexual Advisor Contract (ISVA), on 31 March 2019",
    "performance.py": "The largest share is Other agencies: 29% (as published)",
    "compare.py": "West Yorkshire: 100% (illustrative) (2018/19)",  # the share of its spend linked to a Plan priority
    "trends.py": "Every financial year with figures for West Yorkshire: 2017/18, 2018/19",
    "data_quality.py": "2.3.2 West Yorkshire ISVA service",
    "audit.py": "No changes have been recorded yet",
    "transparency_spending.py": "Independent Sexual Advisor Contract (ISVA)",
    "transparency_services.py": "996",
    "meeting.py": "Red flags: Item 1 of 11",  # the counts, then each of the 10 flags on its own screen
    "briefing.py": "Independent Sexual Advisor Contract (ISVA) on 31 March 2019",
    "import_data.py": "Nothing is written until you press Apply",
    "accessibility.py": f"This site is {a11y.COMPLIANCE} with the {a11y.STANDARD}",
}


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_page_renders_with_no_exception_its_heading_and_its_key_figures(case, tours) -> None:
    audience, spec = case
    visit = tours.visit(audience, spec)
    assert not visit.exceptions, f"{visit.name} shows an exception: {visit.exceptions}\n--- server log ---\n{tours.server.log_tail()}"
    assert len(visit.h1) == 1 and visit.h1[0].strip(), f"{visit.name}: main headings {visit.h1}"
    if spec.with_area:
        assert "West Yorkshire" in visit.h1[0], f"{visit.name}: the tour's area is not in the heading {visit.h1}"
    assert spec.file in KEY_TEXT, f"{spec.file} is a new page: add what it must show to KEY_TEXT"
    assert KEY_TEXT[spec.file] in " ".join(visit.text.split()), f"{visit.name} does not show {KEY_TEXT[spec.file]!r}"


# --- tables that fit --------------------------------------------------------------------------

# Each grid on screen whose columns run past its right edge (issue 14: at 1366 px "Latest po…" was cut off): the
# grid's scrolling box is wider inside than out. Grids in closed expanders are not on screen, and not measured.
_GRIDS_JS = """
() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(grid => grid.checkVisibility()).map(grid => {
  const scroller = grid.querySelector('.dvn-scroller');
  return {
    headings: [...grid.querySelectorAll('[role="columnheader"]')].map(h => h.textContent.trim()),
    inside: scroller ? scroller.scrollWidth : -1,
    outside: scroller ? scroller.clientWidth : -1,
  };
})
"""
STAFF_PAGES = pages_for(Audience.STAFF)  # the audience that reaches every page


@pytest.fixture(scope="module")
def staff_tab(app_server: StreamlitServer, visitors: BrowserContext) -> Iterator[AudienceTab]:
    """One tab at 1366 x 768 with the sidebar open, as OPCC staff, for West Yorkshire (whose pages have the most
    tables): the tour's tabs are stretched and narrowed for their other checks, so they are not used here."""
    page = visitors.new_page()
    try:
        tab = AudienceTab(page, app_server.url, Audience.STAFF, wait_for_app)
        tab.start("?area=west-yorkshire")
        yield tab
    finally:
        page.close()


@pytest.mark.parametrize("spec", STAFF_PAGES, ids=[s.file for s in STAFF_PAGES])
def test_no_table_is_cut_off_at_the_right_at_1366_px(spec: PageSpec, staff_tab: AudienceTab) -> None:
    page = staff_tab.go(spec)
    assert page.viewport_size == {"width": 1366, "height": 768}
    grids = page.evaluate(_GRIDS_JS)
    assert all(g["inside"] > 0 for g in grids), f"{spec.title}: a grid on screen with no scrolling box: {grids}"
    if spec.file == "renewals.py":  # West Yorkshire's renewals show Decisions due, Amendments and the steps as grids,
        assert len(grids) >= 3, f"{spec.title}: only {len(grids)} grids on screen"
        sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()  # beside the open sidebar
        assert sidebar and sidebar["width"] > 250 and all(g["outside"] < 1366 - 250 for g in grids), (sidebar, grids)
    cut = [g for g in grids if g["inside"] > g["outside"] + 1]
    assert not cut, f"{spec.title}: columns run past the right edge of {cut}"


_CUT_METRICS_JS = """
() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetricLabel"] *, '
  + '[data-testid="stMain"] [data-testid="stMetricValue"] *')]
  .filter(e => e.checkVisibility() && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim())
"""


@pytest.mark.parametrize("spec", STAFF_PAGES, ids=[s.file for s in STAFF_PAGES])
def test_no_headline_figure_or_its_label_is_cut_off_at_1366_px(spec: PageSpec, staff_tab: AudienceTab) -> None:
    """A tile's label ended in "…" where it says "(illustrative)": the word that says the figure is made up was lost."""
    page = staff_tab.go(spec)
    assert page.evaluate(_CUT_METRICS_JS) == [], f"{spec.title}: a headline figure or its label is cut off"


# --- filters and links --------------------------------------------------------------------------


def _link(spec: PageSpec) -> str:
    params = ["area"] + ["year"] * spec.with_year + ["as_at"] * spec.with_as_at + ["priority"] * spec.with_priority
    return f"/{spec.url_path}?" + "&".join(f"{p}={LINK[p]}" for p in params)


def _public_page_with_the_same_filters(spec: PageSpec) -> PageSpec:
    """For a restricted page: a public page using at least its filters, whose link carries the values to it."""
    return next(
        p
        for p in PAGES
        if Audience.PUBLIC in p.audiences
        and p.with_area
        and p.with_year >= spec.with_year
        and p.with_as_at >= spec.with_as_at
        and p.with_priority >= spec.with_priority
    )


def _widget(page: Page, testid: str, label: str) -> Locator:
    return page.locator(f'[data-testid="{testid}"]').filter(has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)).first


def _selected(page: Page, label: str) -> str:
    """The text a selectbox shows as chosen."""
    return _widget(page, "stSelectbox", label).locator('input[role="combobox"]').input_value().strip()


def _query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _heading(page: Page) -> str:
    return page.locator('[data-testid="stMain"] h1').first.inner_text()


@pytest.mark.parametrize("case", AREA_CASES, ids=[case_id(c) for c in AREA_CASES])
def test_a_link_selects_its_filters_and_choosing_another_area_changes_the_link_and_heading(
    case, page: Page, app_server: StreamlitServer
) -> None:
    """A fresh visit is the public, so a restricted page's values come from a link to a public page with the
    same filters, carried by the menu once the audience is switched; a public page is opened by its own link."""
    from playwright.sync_api import expect

    audience, spec = case
    restricted = Audience.PUBLIC not in spec.audiences
    opened = _public_page_with_the_same_filters(spec) if restricted else spec
    link = _link(spec).replace(f"/{spec.url_path}?", f"/{opened.url_path}?")
    page.goto(app_server.url + link, wait_until="domcontentloaded")
    wait_for_app(page)
    if audience is not Audience.PUBLIC:
        switch_audience(page, audience, wait_for_app)
    if restricted:
        click_menu_link(page, spec, app_server.url)
        wait_for_app(page)
    what = f"{spec.title} as {audience.value}, from {link}"
    assert not shown_exceptions(page), f"{what}: {shown_exceptions(page)}"

    assert _selected(page, "Policing area") == SHOWN["area"], what
    expected = {"area": LINK["area"]}
    if spec.with_year:
        assert _selected(page, "Financial year") == SHOWN["year"], what
        expected["year"] = LINK["year"]
    if spec.with_as_at:
        chosen = _widget(page, "stDateInput", "As at").locator('input[type="date"]').input_value()
        assert chosen == SHOWN["as_at"], what
        expected["as_at"] = LINK["as_at"]
    if spec.with_priority:
        assert _selected(page, "Plan priority").startswith(SHOWN["priority"]), what
        expected["priority"] = LINK["priority"]
    expected |= PAGE_PARAMS.get(spec.file, {})
    assert _query(page) == expected, f"{what}: the address now holds {_query(page)}"
    assert SHOWN["area"] in _heading(page), f"{what}: heading {_heading(page)!r}"

    # Choose another area by clicking, as a visitor would.
    name, area_id = OTHER_AREA
    choose(page, "Policing area", name, wait_for_app)
    expect(page, f"{what}: after choosing {name}").to_have_url(re.compile(rf"[?&]area={area_id}(&|$)"))
    heading = page.locator('[data-testid="stMain"] h1').first
    expect(heading, f"{what}: heading after choosing {name}").to_contain_text(name)
    assert SHOWN["area"] not in _heading(page), f"{what}: heading after choosing {name}: {_heading(page)!r}"
    assert _selected(page, "Policing area") == name, what
    assert not shown_exceptions(page), f"{what}, then {name}: {shown_exceptions(page)}"


def test_the_area_chosen_stays_chosen_from_page_to_page(page: Page, app_server: StreamlitServer) -> None:
    """Choose Norfolk on the overview, then move through the menu by way of meeting mode (which has its own area
    box) and the accessibility statement (which has none): every page with the area filter still shows Norfolk."""
    from playwright.sync_api import expect

    spend, renewals, performance, meeting, statement = (
        by_file(f) for f in ("spend.py", "renewals.py", "performance.py", "meeting.py", "accessibility.py")
    )
    page.goto(app_server.url + "/", wait_until="domcontentloaded")
    wait_for_app(page)
    choose(page, "Policing area", SHOWN["area"], wait_for_app)
    route = [spend, meeting, renewals, statement, performance]
    for n, spec in enumerate(route, start=1):
        click_menu_link(page, spec, app_server.url)
        wait_for_app(page)
        where = f"after {' > '.join(p.title for p in route[:n])}"
        if spec is statement:
            continue
        box = "Policing area"
        assert _selected(page, box) == SHOWN["area"], f"{where}, the area box shows {_selected(page, box)!r}, not {SHOWN['area']}"
        expect(page.locator('[data-testid="stMain"] h1').first, where).to_contain_text(SHOWN["area"])
        assert _query(page)["area"] == LINK["area"], f"{where}, the address holds {_query(page)}"


# --- downloads ----------------------------------------------------------------------------------


def _opens(path: Path) -> str:
    """Open a downloaded file the way its type says; return a description, or raise saying what is wrong."""
    data = path.read_bytes()
    assert data, f"{path.name} is empty"
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows and rows[0], f"{path.name}: no header row"
        widths = {len(r) for r in rows if r}
        assert len(widths) == 1, f"{path.name}: rows of different lengths {sorted(widths)}"
        return f"CSV, {len(rows) - 1} rows of {len(rows[0])} columns"
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        sizes = {sheet.title: sum(1 for _ in sheet.iter_rows()) for sheet in book.worksheets}
        assert sizes and any(sizes.values()), f"{path.name}: no rows in any sheet"
        return f"Excel, sheets {sizes}"
    if suffix == ".json":
        parsed = json.loads(data.decode("utf-8"))
        assert parsed, f"{path.name}: empty JSON"
        return f"JSON {type(parsed).__name__}"
    if suffix == ".pdf":
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], f"{path.name}: not a complete PDF"
        return "PDF, tagged" if b"/StructTreeRoot" in data else "PDF, untagged"
    raise AssertionError(f"{path.name}: a download of a type this test cannot open ({suffix}): teach _opens about it")


@pytest.mark.parametrize("case", DOWNLOAD_CASES, ids=[case_id(c) for c in DOWNLOAD_CASES])
def test_downloads_arrive_and_open(case, tours, tmp_path: Path) -> None:
    audience, spec = case
    tours.visit(audience, spec)
    page = tours.tab(audience).go(spec)
    if spec.with_area:  # West Yorkshire has figures for every download
        choose(page, "Policing area", OTHER_AREA[0], wait_for_app)
    buttons = page.locator('[data-testid="stDownloadButton"] button[data-testid^="stBaseButton"]').filter(visible=True)
    count = buttons.count()
    if not count:
        pytest.skip(f"{spec.title} shows {audience.value} no download button for {_heading(page)!r} (its downloads depend on the data)")
    opened = {}
    for i in range(count):
        label = buttons.nth(i).inner_text().split("\n")[-1].strip()
        with page.expect_download(timeout=60_000) as info:
            buttons.nth(i).click()
        download = info.value
        assert download.failure() is None, f"{label}: {download.failure()}"
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        opened[label] = f"{path.name}: {_opens(path)}"
        wait_for_app(page)  # the click reruns the page
        assert not shown_exceptions(page), f"{spec.title}, after {label}: {shown_exceptions(page)}"
    tours.downloads.setdefault(spec.file, {}).update(opened)
    untagged = [f for f in opened.values() if f.endswith("PDF, untagged")]
    known = a11y.issue("untagged-pdf")
    if untagged:
        assert known and spec.title in known.where, f"{untagged}: not in the accessibility statement (ui/accessibility.py)"
    elif any(f.endswith("PDF, tagged") for f in opened.values()):
        assert not (known and spec.title in known.where), "the PDF is tagged now: take 'untagged-pdf' out of the statement"


def test_every_page_whose_code_offers_downloads_gave_at_least_one(tours) -> None:
    """So the test above cannot pass by finding no buttons: each such page gave a file to some audience."""
    files = {spec.file for _, spec in DOWNLOAD_CASES}
    missing = sorted(f for f in files if not tours.downloads.get(f))
    assert not missing, f"pages whose code has st.download_button but gave no download in this run: {missing}"
