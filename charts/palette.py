"""The one chart palette: Okabe-Ito, safe for the common kinds of colour blindness.

WCAG 2.2 (1.4.11 Non-text Contrast) asks for 3:1 between a chart's marks and the white behind them, and
1.4.3 for 4.5:1 for text. Okabe-Ito blue, vermillion, green, reddish purple and black reach 3:1 on
white; orange (2.2:1), sky blue (2.3:1) and yellow (1.3:1) do not. So:
- the colours that reach 3:1 come first in SEQUENCE, and yellow last: categorical marks use them first;
- every filled mark (bars, Sankey nodes and links) gets a black OUTLINE (`outline`, called by each builder), so its
  edge reaches 21:1 whatever its fill; thick lines in a light colour get a black underlay (renewals);
- all text (titles, axes, labels on bars, legend, annotations) is black: 21:1; the chart toolbar's icons 7:1.
tests/test_palette_contrast.py computes these ratios and checks every chart built from the sample data.
"""

from __future__ import annotations

import plotly.graph_objects as go

from data_access.text import plotly_text

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#6B6B6B"  # not an Okabe-Ito colour: used only for things that are over (ended agreements)
TOOLBAR_ICON = "#595959"  # the chart toolbar's icons: 7:1 on white

# Colours reaching 3:1 on white first; the three light ones are used only with an outline.
SEQUENCE = [BLUE, VERMILLION, GREEN, PURPLE, BLACK, ORANGE, SKY_BLUE, YELLOW]
BELOW_3_TO_1 = frozenset({ORANGE, SKY_BLUE, YELLOW})  # fills that must be outlined (ratios in the docstring)
OUTLINE = BLACK
OUTLINE_WIDTH = 1.5  # px: a visible edge on a projector, thin enough not to swallow small bars
# Marks whose figures are illustrative are hatched as well as labelled, so the difference never rests on colour.
ILLUSTRATIVE_PATTERN = "/"
FONT_SIZE = 16  # readable on a projector at the back of a council chamber


LEGEND_TOP_PX = 46  # the legend's top, below a one-line title at FONT_SIZE
AXIS = {"gridcolor": "#DDDDDD", "zerolinecolor": "#999999", "tickfont": {"color": BLACK}, "title": {"font": {"color": BLACK}}}


def base_layout(fig: go.Figure, *, title: str, height: int = 420) -> go.Figure:
    """House layout: large type, left-aligned title, legend on top, room for long category names."""
    fig.update_layout(
        # The title at the top of the figure and the legend under it, both placed on the figure (container), not on
        # the plot: a legend on the plot's top edge grows upwards as it wraps, and on a national store (eight
        # priorities, or a 620 px column) it covered the title. Below the title, it pushes the plot down instead.
        title={"text": plotly_text(title), "x": 0, "xanchor": "left", "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 8}},
        font={"size": FONT_SIZE, "family": "Source Sans Pro, Arial, sans-serif", "color": BLACK},
        colorway=SEQUENCE,
        height=height,
        margin={"l": 10, "r": 20, "t": LEGEND_TOP_PX + 24, "b": 40},  # one legend row; more push the plot down
        legend={"orientation": "h", "yref": "container", "yanchor": "top", "y": 1 - LEGEND_TOP_PX / height, "x": 0},
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel={"font_size": FONT_SIZE},
        # The chart's toolbar (zoom, pan, download): plotly draws its icons in a pale grey; these reach 7:1 and 21:1 (WCAG 1.4.11).
        modebar={"color": TOOLBAR_ICON, "activecolor": BLACK, "bgcolor": "white"},
        # Axis text in black: plotly's default grey falls below 4.5:1 contrast on white. (The charts have one x and one
        # y axis; set with the rest in one update, as each update validates the layout again.)
        xaxis=AXIS,
        yaxis={**AXIS, "automargin": True},
    )
    return fig


def outline(fig: go.Figure) -> go.Figure:
    """A black edge round every filled mark, so a light fill (orange, sky blue) still stands out from white at 3:1 or more."""
    fig.update_traces(marker_line_color=OUTLINE, marker_line_width=OUTLINE_WIDTH, selector={"type": "bar"})
    fig.update_traces(
        node_line_color=OUTLINE, node_line_width=OUTLINE_WIDTH, link_line_color=BLUE, link_line_width=1, selector={"type": "sankey"}
    )
    return fig


LABEL_CHAR_PX = 9  # a value label's width per character at the charts' font size, with room to spare


def room_for_value_labels(fig: go.Figure) -> go.Figure:
    """A right margin, in pixels, for the longest value label beside a horizontal bar ("£93k (illustrative)"),
    whatever the chart's width: a share of the axis shrinks with the plot, a margin in pixels does not."""
    longest = max((len(str(t)) for trace in fig.data if trace.type == "bar" for t in (trace.text or ())), default=0)
    return fig.update_layout(margin={"r": 20 + LABEL_CHAR_PX * longest})
