"""The briefing pack's charts: the same builders the pages use, with alt text and a takeaway, drawn to PNG.

`briefing_figures` is pure (Briefing -> figures). `briefing_chart_images` draws them in Chromium
(`charts.static`); when it cannot, it returns no images and the sentence the PDF prints instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from charts.renewals import renewal_takeaway, renewal_timeline_empty, renewal_timeline_figure
from charts.spend import budget_and_spend_empty, budget_and_spend_figure, budget_and_spend_takeaway
from charts.static import StaticExportUnavailable, png_images
from data_access.briefing import Briefing, ChartImage
from data_access.periods import fy_label
from data_access.queries import NOT_LINKED

TABLES_INSTEAD = "The same figures are in the tables that follow."


@dataclass(frozen=True)
class BriefingFigure:
    """A chart of the pack before it is drawn."""

    figure: go.Figure
    alt: str
    caption: str
    takeaway: str


def briefing_figures(b: Briefing) -> list[BriefingFigure]:
    """Budget and spend by priority for the year, and the renewal timeline, where there is anything to draw."""
    figures = []
    # The builders' own emptiness rules, as on the pages: no chart of nothing.
    if budget_and_spend_empty(b.spend, subject=b.area_name, year_label=fy_label(b.year)) is None:
        figures.append(
            BriefingFigure(
                budget_and_spend_figure(b.spend, category="priority", title=f"Budget and spend by priority, {fy_label(b.year)}"),
                alt=f"Bar chart of budget and spend by Police and Crime Plan priority for {b.area_name}, {fy_label(b.year)}; "
                "illustrative bars are hatched and labelled.",
                caption=f"Budget and spend by Plan priority, {b.area_name}, {fy_label(b.year)}",
                takeaway=budget_and_spend_takeaway(b.spend, category="priority", unlinked=NOT_LINKED),
            )
        )
    if renewal_timeline_empty(b.renewals, area_name=b.area_name) is None:
        figures.append(
            BriefingFigure(
                renewal_timeline_figure(
                    b.renewals,
                    b.amendments,
                    b.milestones,
                    as_at=b.as_at,
                    red_months=b.red_months,
                    amber_months=b.amber_months,
                    title=f"Agreements in {b.area_name} by start and end",
                ),
                alt=f"Timeline of {b.area_name}'s contracts and grants: bars from start to current end, dotted to the latest "
                "possible end, diamonds for amendments, triangles for re-procurement steps, and a dashed line at the as-at date.",
                caption=f"Contract and grant timeline, {b.area_name}",
                takeaway=renewal_takeaway(b.renewals, as_at=b.as_at, red_months=b.red_months, amber_months=b.amber_months),
            )
        )
    return figures


def briefing_chart_images(b: Briefing, *, browser: str | None = None) -> tuple[list[ChartImage], str]:
    """The pack's charts as PNG images, and a note for the PDF: empty when every chart was drawn, else why none were."""
    figures = briefing_figures(b)
    if not figures:
        return [], "There is nothing to chart for this area and date."
    try:
        pngs = png_images([f.figure for f in figures], browser=browser)
    except StaticExportUnavailable as reason:
        return [], f"Charts are not included in this copy: {reason}. {TABLES_INSTEAD}"
    return [ChartImage(png, f.alt, f.caption, f.takeaway) for png, f in zip(pngs, figures, strict=True)], ""
