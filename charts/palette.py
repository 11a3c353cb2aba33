"""The one chart palette: Okabe-Ito, safe for the common kinds of colour blindness."""

from __future__ import annotations

import plotly.graph_objects as go

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#6B6B6B"  # not an Okabe-Ito colour: used only for things that are over (ended agreements)

SEQUENCE = [BLUE, ORANGE, GREEN, VERMILLION, SKY_BLUE, PURPLE, YELLOW, BLACK]
# Marks whose figures are illustrative are hatched as well as labelled, so the difference never rests on colour.
ILLUSTRATIVE_PATTERN = "/"
FONT_SIZE = 16  # readable on a projector at the back of a council chamber


def base_layout(fig: go.Figure, *, title: str, height: int = 420) -> go.Figure:
    """House layout: large type, left-aligned title, legend on top, room for long category names."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"size": FONT_SIZE, "family": "Source Sans Pro, Arial, sans-serif", "color": BLACK},
        colorway=SEQUENCE,
        height=height,
        margin={"l": 10, "r": 20, "t": 70, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel={"font_size": FONT_SIZE},
    )
    # Axis text in black: plotly's default grey falls below 4.5:1 contrast on white.
    fig.update_xaxes(gridcolor="#DDDDDD", zerolinecolor="#999999", tickfont_color=BLACK, title_font_color=BLACK)
    fig.update_yaxes(gridcolor="#DDDDDD", zerolinecolor="#999999", tickfont_color=BLACK, title_font_color=BLACK, automargin=True)
    return fig
