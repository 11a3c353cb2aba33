"""Accessibility to WCAG 2.2 AA, in a real browser, for every page and every audience that may reach it.

Pages come from ui/navigation.PAGES at collection time, so a page someone adds is checked without
touching this file. Each page is visited once per audience (tests/browser/tour.py); the tests below
read what that visit recorded:

- axe-core (the copy bundled in axe-playwright-python, tags wcag2a/2aa/21a/21aa/22aa): any serious or
  critical violation fails; every other finding must be named in the accessibility statement
  (ui/accessibility.py), and every rule the statement names must still be found;
- what axe cannot see: each chart's text alternative, the sentence before it and the table after it;
  Tab reaching every filter, button and download; a visible label on every widget; one main heading
  and headings in order; a page title naming the page; nothing running off a window 320 CSS px wide.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from data_access.models import Audience
from tests.browser.tour import BLOCKING_IMPACTS, FILTER_LABELS, axe_script, case_id, cases, summarise
from ui import accessibility as a11y
from ui.navigation import PAGES, by_file

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CASES = cases()
IDS = [case_id(c) for c in CASES]
CHART_TABLE_TITLE = "The numbers in this chart"
browser = pytest.mark.browser


def _nodes(rule: dict, limit: int = 4) -> str:
    lines = []
    for node in rule["nodes"][:limit]:
        checks = node.get("any") or node.get("all") or node.get("none") or [{}]
        lines.append(f"    {node['target']} {node['html'][:160]!r}: {checks[0].get('message', '')[:200]}")
    return "\n".join(lines)


# --- axe-core -----------------------------------------------------------------------------------


@browser
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_axe_finds_no_serious_or_critical_problem(case, tours) -> None:
    audience, spec = case
    visit = tours.visit(audience, spec)
    assert visit.passes > 20, f"{visit.name}: axe-core passed only {visit.passes} rules: it cannot have seen the page"
    blocking = [r for r in visit.violations if r["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"{visit.name} ({visit.url}):\n" + "\n".join(
        f"  {r['id']} ({r['impact']}, {len(r['nodes'])} elements): {r['help']} {r['helpUrl']}\n{_nodes(r)}" for r in blocking
    )


@browser
def test_every_other_axe_finding_is_in_the_statement_and_every_rule_it_names_is_still_found(tours) -> None:
    visits = [tours.visit(audience, spec) for audience, spec in CASES]
    found = {r["id"] for v in visits for r in v.violations if r["impact"] not in BLOCKING_IMPACTS}
    to_review = {r["id"] for v in visits for r in v.incomplete}
    named = {rule for issue in a11y.KNOWN_ISSUES for rule in issue.axe_rules}
    reviewed = {r.axe_rule for r in a11y.REVIEWED}
    summary = "\naxe-core findings per page and audience:\n" + summarise(visits)
    assert found <= named, f"not fixed and not in ui/accessibility.py KNOWN_ISSUES: {sorted(found - named)}{summary}"
    unreviewed = sorted(to_review - named - reviewed)
    assert not unreviewed, f"'needs review' results not in KNOWN_ISSUES or REVIEWED: {unreviewed}{summary}"
    stale = (named - found) | (reviewed - to_review)
    assert not stale, f"the statement names axe rules no page shows any more (fixed? take them out): {sorted(stale)}{summary}"


@browser
def test_axe_is_the_bundled_copy_with_the_statements_version_and_tags(tours) -> None:
    bundled = re.search(r"axe v(\d+\.\d+\.\d+)", axe_script()[:200])
    assert bundled and bundled.group(1) == a11y.AXE_CORE_VERSION
    visit = tours.visit(Audience.PUBLIC, PAGES[0])
    assert visit.axe_version == a11y.AXE_CORE_VERSION


@browser
def test_the_statement_names_the_browser_the_tests_ran_in(chromium) -> None:
    major = chromium.version.split(".")[0]
    assert f"Chromium {major} " in a11y.TEST_BROWSER, f"tests ran in Chromium {chromium.version}; the statement says {a11y.TEST_BROWSER!r}"


@browser
def test_nothing_is_fetched_from_anywhere_but_the_app(tours) -> None:
    """axe-core comes from the wheel, not a CDN; nor may the app load fonts, icons or scripts from elsewhere
    (no network in tests; and a public body's site should not tell a third party who reads it)."""
    for audience, spec in CASES:
        tours.visit(audience, spec)
    origin = tours.server.url
    elsewhere = sorted({u for u in tours.requests if not u.startswith((origin, "data:", "blob:", "about:"))})
    assert tours.requests and not elsewhere, f"requests to other hosts: {elsewhere[:10]}"


# --- what axe cannot see ------------------------------------------------------------------------


@browser
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_chart_has_alt_text_a_takeaway_before_it_and_its_numbers_after_it(case, tours) -> None:
    audience, spec = case
    visit = tours.visit(audience, spec)
    problems = []
    for chart in visit.charts:
        what = f"chart {chart.label[:70]!r}"
        if chart.role not in {"figure", "img"} or len(chart.label) < 30:
            problems.append(f"{what}: no text alternative (role {chart.role!r}, aria-label {chart.label!r})")
        if not re.search(r"\w.*[.!?]$", chart.before):
            problems.append(f"{what}: the element before it is not a takeaway sentence: {chart.before[:100]!r}")
        if not chart.after_has_table:
            problems.append(f"{what}: no table of its numbers after it (found {chart.after_kind}: {chart.after_text!r})")
        elif chart.after_kind == "expander" and chart.after_text != CHART_TABLE_TITLE:
            problems.append(f"{what}: its table's expander is titled {chart.after_text!r}, not {CHART_TABLE_TITLE!r}")
    assert not problems, f"{visit.name}:\n" + "\n".join(problems)


@browser
def test_the_chart_checks_saw_the_charts_of_the_four_core_pages(tours) -> None:
    """So the test above cannot pass by finding no charts: West Yorkshire has figures for every kind of chart."""
    for audience, spec in CASES:
        if spec.file in {"overview.py", "spend.py", "renewals.py", "performance.py"}:  # the same four as below
            visit = tours.visit(audience, spec)
            assert visit.charts, f"{visit.name}: no chart on the page"
    # Spend against priorities draws three charts for West Yorkshire's 2018/19: by priority, by funding stream, the money's path.
    assert len(tours.visit(Audience.PUBLIC, by_file("spend.py")).charts) == 3


@browser
def test_chart_hover_labels_behave_as_the_statement_says(open_app) -> None:
    """WCAG 1.4.13: content shown on hover must stay while the pointer moves onto it, and close with Escape.
    Plotly's hover labels do neither, so the statement must list them; if that changes, take the entry out."""
    page = open_app("/performance?area=west-yorkshire")
    bar = page.locator('[data-testid="stPlotlyChart"] .bars .point path').first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box, "no bar to point at"
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    labels = page.locator('[data-testid="stPlotlyChart"] .hoverlayer .hovertext')
    labels.first.wait_for(state="visible")
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    dismissible = labels.count() == 0
    hoverable = True
    if not dismissible:
        label = labels.first.bounding_box()
        assert label
        page.mouse.move(label["x"] + label["width"] - 3, label["y"] + label["height"] / 2)
        page.wait_for_timeout(300)
        hoverable = labels.count() > 0
    listed = a11y.issue("chart-hover-labels")
    if dismissible and hoverable:
        assert listed is None, "hover labels now meet 1.4.13: take 'chart-hover-labels' out of ui/accessibility.py"
    else:
        assert listed and any(c.startswith("1.4.13") for c in listed.wcag), (
            f"hover labels fail 1.4.13 (dismissible with Escape: {dismissible}, hoverable: {hoverable}) and the statement does not say so"
        )


@browser
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tab_reaches_every_filter_button_and_download(case, tours) -> None:
    audience, spec = case
    visit = tours.visit(audience, spec)
    shown = [w for w in visit.widgets if w.visible and not w.disabled]
    labels = {w.label for w in shown}
    expected = (
        [FILTER_LABELS[0]] * spec.with_area
        + [FILTER_LABELS[1]] * (spec.with_area and spec.with_year)
        + [FILTER_LABELS[2]] * (spec.with_area and spec.with_as_at)
        + [FILTER_LABELS[3]] * (spec.with_area and spec.with_priority)
    )
    assert set(expected) <= labels, f"{visit.name}: filters missing from the page: {set(expected) - labels}"
    missed = [f"{w.testid} {w.label!r}" for w in shown if w.index not in visit.reached]
    assert not missed, f"{visit.name}: pressing Tab ({visit.tab_stops} stops) never reached: {missed}"


@browser
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_widget_has_a_visible_label(case, tours) -> None:
    audience, spec = case
    visit = tours.visit(audience, spec)
    unlabelled = [f"{w.testid} (label {w.label!r})" for w in visit.widgets if w.visible and not (w.label_visible and w.label.strip())]
    assert not unlabelled, f"{visit.name}: widgets without a visible label: {unlabelled}"


@browser
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_one_main_heading_headings_in_order_and_a_title_naming_the_page(case, tours) -> None:
    audience, spec = case
    visit = tours.visit(audience, spec)
    assert len(visit.h1) == 1 and visit.h1[0], f"{visit.name}: main headings (h1): {visit.h1}"
    assert visit.headings and visit.headings[0][0] == 1, f"{visit.name}: the first heading is not the h1: {visit.headings[:3]}"
    jumps = [(a, b) for a, b in zip(visit.headings, visit.headings[1:], strict=False) if b[0] > a[0] + 1]
    assert not jumps, f"{visit.name}: headings skip a level (WCAG 1.3.1): {jumps}"
    # WCAG 2.4.2 Page Titled: each page's browser tab says which page it is.
    assert spec.title in visit.title, f"{visit.name}: the browser tab's title {visit.title!r} does not name the page {spec.title!r}"


@browser
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_nothing_runs_off_the_side_of_a_window_320_pixels_wide(case, tours) -> None:
    """WCAG 1.4.10 Reflow: a phone, or 1280 pixels at 400% zoom; tables and charts may scroll inside themselves."""
    audience, spec = case
    visit = tours.visit(audience, spec)
    assert not visit.overflowing, f"{visit.name}: at 320 CSS px wide these run off the side:\n" + "\n".join(visit.overflowing[:10])


def test_no_widget_in_the_code_hides_its_label() -> None:
    """label_visibility='hidden' or 'collapsed' leaves a widget with no visible label (WCAG 3.3.2); none is used."""
    files = sorted((PROJECT_ROOT / "pages").glob("*.py")) + sorted((PROJECT_ROOT / "ui").glob("*.py")) + [PROJECT_ROOT / "dashboard.py"]
    hiding = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"label_visibility\s*=\s*[\"'](hidden|collapsed)", line)
    ]
    assert not hiding, f"widgets whose label is hidden: {hiding}"


def test_the_readme_shows_every_pages_screenshot() -> None:
    """So a reader sees the product before installing it: the README links each page's first screen."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [spec.file for spec in PAGES if f"(docs/screenshots/{Path(spec.file).stem}-screen.png)" not in readme]
    assert not missing, f"README.md does not link the screenshots of {missing}"


# --- the statement itself -----------------------------------------------------------------------


def test_the_statement_has_what_the_regulations_require() -> None:
    source = (PROJECT_ROOT / "pages" / "accessibility.py").read_text(encoding="utf-8")
    for heading in (
        "How accessible this site is",
        "Feedback and contact information",
        "Reporting accessibility problems with this site",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert f'"{heading}"' in source, f"the statement has no section {heading!r}"
    assert "Equality and Human Rights Commission" in source and "Equality Commission for Northern Ireland" in source
    assert "(No. 2) Accessibility Regulations 2018" in a11y.REGULATIONS
    # Compliance status follows from the list: partially compliant while anything in it fails a success criterion.
    failing = [i for i in a11y.KNOWN_ISSUES if i.non_compliant]
    assert ("partially compliant" if failing else "fully compliant") == a11y.COMPLIANCE
    assert all(i.wcag for i in failing), "a non-compliance must name the success criteria it fails"
    assert a11y.PREPARED <= a11y.LAST_REVIEWED <= a11y.NEXT_REVIEW
    assert (a11y.NEXT_REVIEW - a11y.LAST_REVIEWED).days <= 366, "review the statement at least once a year"
    # Contacts are placeholders an OPCC fills in, and say so.
    for placeholder in (a11y.RUN_BY, a11y.CONTACT_EMAIL, a11y.CONTACT_PHONE, a11y.REPLY_WITHIN):
        assert placeholder.startswith("[OPCC to replace: ")
    ids = [i.id for i in a11y.KNOWN_ISSUES]
    assert len(ids) == len(set(ids))


@browser
@pytest.mark.parametrize("audience", list(Audience), ids=[a.value for a in Audience])
def test_the_statement_page_shows_every_known_issue_and_how_it_was_tested(audience, tours) -> None:
    spec = next(p for p in PAGES if p.file == "accessibility.py")
    tours.visit(audience, spec)
    page = tours.tab(audience).go(spec)
    text = page.locator('[data-testid="stMain"]').inner_text()
    flat = " ".join(text.split())
    assert "Accessibility statement" in tours.visit(audience, spec).h1
    for issue in a11y.KNOWN_ISSUES:
        assert " ".join(issue.summary.split())[:80] in flat, f"the page does not show known issue {issue.id!r}"
    for needed in (a11y.COMPLIANCE, f"axe-core {a11y.AXE_CORE_VERSION}", ", ".join(a11y.AXE_TAGS), a11y.CONTACT_EMAIL, "Tab"):
        assert needed in flat, f"the statement page does not say {needed!r}"
    # Every page lists the statement in its menu, for every audience.
    assert page.locator(f'[data-testid="stSidebarNavLink"][href="{tours.server.url}/{spec.url_path}"]').count() == 1


@browser
def test_pages_with_interactive_grids_are_named_in_the_statement(tours) -> None:
    grid = a11y.issue("interactive-grid")
    with_grids = sorted({spec.title for audience, spec in CASES if tours.visit(audience, spec).grids})
    if grid is None:
        assert not with_grids, f"pages with interactive grids, which the statement does not mention: {with_grids}"
        return
    missing = [title for title in with_grids if title not in grid.where]
    assert not missing, f"pages with interactive grids not named in the statement's 'where': {missing}"
    stale = [p.title for p in PAGES if p.title in grid.where and p.title not in with_grids]
    assert not stale, f"the statement names pages with no interactive grid: {stale}"
