"""Every page: its file, where it sits in the menu, which filters it uses, and which audiences reach it.

`dashboard.py` hands each audience only its pages; each restricted page also checks for itself
(`ui.audience.require`). Tests walk this list to check every page for every audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from data_access.models import Audience

EVERYONE = frozenset(Audience)
PANEL_AND_STAFF = frozenset({Audience.PANEL, Audience.STAFF})
STAFF = frozenset({Audience.STAFF})


@dataclass(frozen=True)
class PageSpec:
    """One page of the app."""

    file: str  # under pages/
    title: str
    icon: str
    url_path: str  # "" for the default page
    section: str
    audiences: frozenset[Audience]
    with_area: bool = True  # False: no filters at all (e.g. the accessibility statement)
    with_year: bool = False
    with_priority: bool = False
    with_as_at: bool = False

    @property
    def path(self) -> str:
        return f"pages/{self.file}"


PAGES: list[PageSpec] = [
    PageSpec("overview.py", "Overview", ":material/dashboard:", "", "Scrutiny", EVERYONE, with_year=True, with_as_at=True),
    PageSpec(
        "spend.py", "Spend against priorities", ":material/payments:", "spend", "Scrutiny", EVERYONE, with_year=True, with_priority=True
    ),
    PageSpec("renewals.py", "Contract renewals", ":material/event_repeat:", "renewals", "Scrutiny", EVERYONE, with_as_at=True),
    PageSpec("performance.py", "Provider performance", ":material/monitoring:", "performance", "Scrutiny", EVERYONE),
    PageSpec("compare.py", "Compare areas", ":material/leaderboard:", "compare", "Scrutiny", EVERYONE),
    PageSpec("trends.py", "Trends", ":material/trending_up:", "trends", "Scrutiny", EVERYONE),
    PageSpec("data_quality.py", "Data quality", ":material/rule:", "data-quality", "Data", PANEL_AND_STAFF, with_area=False),
    PageSpec("audit.py", "Audit trail", ":material/history:", "audit", "Data", STAFF, with_area=False),
    PageSpec(
        "transparency_spending.py",
        "What the Commissioner spends",
        ":material/receipt_long:",
        "transparency_spending",
        "For residents",
        EVERYONE,
        with_year=True,
    ),
    PageSpec(
        "transparency_services.py",
        "How services perform",
        ":material/volunteer_activism:",
        "transparency_services",
        "For residents",
        EVERYONE,
    ),
    PageSpec("meeting.py", "Panel meeting mode", ":material/co_present:", "meeting", "Scrutiny", EVERYONE, with_area=False),
    PageSpec(
        "briefing.py", "Briefing pack", ":material/summarize:", "briefing", "Scrutiny", PANEL_AND_STAFF, with_year=True, with_as_at=True
    ),
    PageSpec("import_data.py", "Import data", ":material/upload_file:", "import", "Data", STAFF, with_area=False),
    PageSpec(
        "accessibility.py",
        "Accessibility statement",
        ":material/accessibility:",
        "accessibility",
        "About this site",
        EVERYONE,
        with_area=False,
    ),
]


def pages_for(audience: Audience) -> list[PageSpec]:
    """The pages this audience may reach, in menu order."""
    return [p for p in PAGES if audience in p.audiences]


def by_file(file: str) -> PageSpec | None:
    """The page whose file name is `file` (e.g. 'spend.py')."""
    return next((p for p in PAGES if p.file == Path(file).name), None)
