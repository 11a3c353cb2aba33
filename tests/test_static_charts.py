"""The briefing pack's chart browser (charts.static): one Chromium kept between packs, and forgotten when it fails."""

from __future__ import annotations

import os
from pathlib import Path

import plotly.graph_objects as go
import pytest

from charts import static

HAS_CHROMIUM = static.chromium_path() is not None


def bars(height: int = 320) -> go.Figure:
    fig = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"))
    fig.update_layout(height=height)
    return fig


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the IHDR chunk: width, height


@pytest.mark.skipif(not HAS_CHROMIUM, reason="needs Chromium at /usr/bin/chromium (apt-get install chromium)")
def test_one_browser_serves_successive_packs_and_a_failed_one_is_forgotten(tmp_path: Path) -> None:
    first = static.png_images([bars()])
    kept = static._BROWSER._kaleido
    assert kept is not None, "the browser was not kept after drawing"
    second = static.png_images([bars(), bars(584)])
    assert static._BROWSER._kaleido is kept, "a second pack started another browser"
    assert png_size(first[0]) == (2000, 640)  # 1000 x 320 layout pixels at twice the size, for print
    assert [png_size(p) for p in second] == [(2000, 640), (2000, 1168)]

    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    os.chmod(broken, 0o755)
    with pytest.raises(static.StaticExportUnavailable, match="could not draw the charts"):
        static.png_images([bars()], browser=str(broken))
    assert static._BROWSER._kaleido is None  # the good browser was closed for the other path, the broken one forgotten
    assert png_size(static.png_images([bars()])[0]) == (2000, 640)  # and the next pack starts a working one again
    static._BROWSER.close()
    assert static._BROWSER._kaleido is None


@pytest.mark.skipif(not HAS_CHROMIUM, reason="needs Chromium at /usr/bin/chromium (apt-get install chromium)")
def test_a_chart_taller_than_the_page_is_drawn_at_print_resolution_not_more() -> None:
    # A 150-agreement timeline is 7,400 layout pixels tall: Typst shrinks it to the A4 page, so 3,000 px is 300 dpi there.
    (png,) = static.png_images([bars(7400)])
    width, height = png_size(png)
    assert height == static.PRINT_HEIGHT_PX == 3000
    assert width == round(1000 * 3000 / 7400)  # the same shape, drawn smaller
    static._BROWSER.close()
