"""What the accessibility statement says, in one place: pages/accessibility.py shows it and
tests/browser/test_accessibility.py checks it against what axe-core and the keyboard tests find.

No Streamlit here, so the tests can import it. When a test finds a new problem, either fix it or add it
to KNOWN_ISSUES (plain English: what a user meets, where, why it is not fixed, what to do instead);
when a problem is fixed, the tests say its entry is stale and it comes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SITE_NAME = "Police commissioning scrutiny"
STANDARD = "Web Content Accessibility Guidelines (WCAG) version 2.2, level AA"
REGULATIONS = "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018"
COMPLIANCE = "partially compliant"

PREPARED = date(2026, 11, 22)
LAST_REVIEWED = date(2026, 11, 22)
LAST_TESTED = date(2026, 11, 22)
NEXT_REVIEW = date(2027, 11, 22)  # at the latest: sooner whenever a page is added or changed

# How it was tested: tests/browser/ reads these, so the statement cannot drift from the tests.
AXE_CORE_VERSION = "4.12.1"  # bundled in axe-playwright-python 0.1.8 (requirements-test.txt)
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
TEST_BROWSER = "Chromium 156 (the Debian 12 package), headless, in a window 1366 by 768 pixels"

# Replaced by the OPCC that runs the site: shown on the page exactly as written, so it cannot be mistaken for a real contact.
PLACEHOLDER = "[OPCC to replace: {}]"
RUN_BY = PLACEHOLDER.format("name of the Office of the Police and Crime Commissioner that runs this site")
CONTACT_EMAIL = PLACEHOLDER.format("accessibility contact email address")
CONTACT_PHONE = PLACEHOLDER.format("telephone number, and the hours it is answered")
REPLY_WITHIN = PLACEHOLDER.format("number of working days")


@dataclass(frozen=True)
class KnownIssue:
    """Something that is not fully accessible: what a user meets, where, why it is not fixed, what to do instead."""

    id: str
    summary: str  # plain English: what a user meets
    wcag: tuple[str, ...]  # success criteria, e.g. '1.3.1 Info and Relationships (A)'
    where: str  # pages and element
    why: str  # why it is not fixed (yet)
    workaround: str  # how to get the same information or do the same thing
    plan: str  # what we will do about it
    axe_rules: tuple[str, ...] = ()  # axe-core rule ids reporting it; empty when found by our own tests or by hand
    non_compliant: bool = True  # False: a limitation that does not fail a success criterion, listed to be open about it


@dataclass(frozen=True)
class Reviewed:
    """An axe-core result marked 'needs review': checked another way, with what was found."""

    axe_rule: str
    where: str
    finding: str


KNOWN_ISSUES: tuple[KnownIssue, ...] = (
    KnownIssue(
        id="interactive-grid",
        summary=(
            "Tables on the scrutiny pages are interactive grids drawn on a canvas, with a hidden accessible copy for screen "
            "readers. Within a grid you move between cells with the arrow keys, not the Tab key, and each grid's toolbar "
            "(show or hide columns, download, search, full screen) appears only when the pointer is over it or it has focus."
        ),
        wcag=(),
        where="Overview, Spend against priorities, Contract renewals, Provider performance, Compare areas, Trends, "
        "Data quality: every table.",
        why="This is how Streamlit, the framework the app is built on, draws sortable tables.",
        workaround=(
            "Each grid's toolbar has 'Download as CSV', which opens in a spreadsheet or a screen reader's table mode. The "
            "pages for residents (What the Commissioner spends, How services perform) use plain tables."
        ),
        plan="Test the grids with NVDA, JAWS and VoiceOver; where sorting is not needed, use plain tables instead.",
        non_compliant=False,
    ),
    KnownIssue(
        id="chart-hover-labels",
        summary=(
            "When the pointer rests on a bar, line or flow in a chart, a label with its exact figures appears. The label "
            "cannot be closed with the Escape key, and it disappears when you move the pointer onto it, so people who "
            "magnify the screen may not be able to read it. It cannot be opened from the keyboard."
        ),
        wcag=("1.4.13 Content on Hover or Focus (AA)",),
        where="Every chart.",
        why="The charts are drawn with Plotly, whose hover labels work this way and cannot be changed from the app.",
        workaround=(
            "Nothing is only in a hover label: every chart has a sentence just above it saying what it shows, its values "
            "written beside the bars, a description for screen readers, and all its numbers in a table just below it "
            "('The numbers in this chart')."
        ),
        plan="Turn the hover labels off, or show the same details in a panel that stays open, when the charts are next changed.",
    ),
)

REVIEWED: tuple[Reviewed, ...] = (
    Reviewed(
        axe_rule="color-contrast",
        where="text inside charts: titles, axis labels, values beside bars, legends, Sankey labels",
        finding=(
            "axe-core cannot work out the colour behind text drawn in a chart (an SVG image, with hatched bars). Every piece "
            "of chart text is black on white, 21:1, and values are written beside bars, not on them: tests/test_palette_contrast.py "
            "checks every chart the pages draw from the sample data."
        ),
    ),
)

# Fixed after the first test run, so they are not in the lists above (the report to the lead has the details).
FIXED = (
    "Bars, Sankey nodes and timeline bars in orange or sky blue (2.2:1 and 2.3:1 on white) now have a black outline "
    "(WCAG 1.4.11 Non-text Contrast); yellow is no longer used before other colours.",
    "The chart toolbar's icons are dark grey (7:1) instead of Plotly's pale grey (1.7:1).",
    "The day, month and year boxes of date fields are at least 24 by 24 pixels on every page, meeting mode's included "
    "(WCAG 2.5.8 Target Size).",
    "Each page's title in the browser tab names the page, not only the site (WCAG 2.4.2 Page Titled).",
    "Headings in meeting mode go down one level at a time (WCAG 1.3.1 Info and Relationships).",
    "The site's icon is drawn in the browser instead of being fetched from Google's font servers, so no other "
    "organisation learns who reads these pages.",
    "The briefing pack's tables are plain tables, not interactive grids.",
    "In a window 320 pixels wide (a phone, or 400% zoom), long button labels wrap and page titles are smaller, so "
    "nothing runs off the side of the screen and no word is broken in the middle (WCAG 1.4.10 Reflow).",
    "The area box says the area the page shows: after meeting mode or a page without filters, it went back to the "
    "first area while the page showed another, which a screen reader read out as the choice.",
)

NOT_TESTED = (
    "with screen readers (NVDA, JAWS, VoiceOver) or speech recognition software by people who use them;",
    "with the browser's own zoom at 400%: the tests open each page in a window 320 pixels wide instead, which is "
    "what WCAG 1.4.10 Reflow measures, and nothing but tables and charts runs off its side;",
    "with changed text spacing (WCAG 1.4.12 Text Spacing);",
    "with Windows high contrast (forced colours), or on real phones and tablets;",
    "the downloads (CSV, Excel, JSON, the briefing PDF) beyond checking that each one opens, and that the PDF is tagged.",
)


def known_rule_ids() -> set[str]:
    """Every axe-core rule id the statement names, as a known issue or as reviewed."""
    return {rule for issue in KNOWN_ISSUES for rule in issue.axe_rules} | {r.axe_rule for r in REVIEWED}


def issue(issue_id: str) -> KnownIssue | None:
    """The known issue with this id, if the statement lists it."""
    return next((i for i in KNOWN_ISSUES if i.id == issue_id), None)
