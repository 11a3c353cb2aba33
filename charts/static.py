"""Static images of plotly figures (PNG), drawn by kaleido in the system's Chromium, for the PDF briefing pack.

How kaleido 1.x finds a browser: it hands its keyword arguments to choreographer, whose `Chromium`
uses the `path` it is given; with none, it looks for a copy that `kaleido_get_chrome` / `plotly_get_chrome`
downloaded, then the `BROWSER_PATH` environment variable, then `chromium`, `google-chrome` and the like
on PATH. It downloads a browser only when one of those get_chrome commands is run, which nothing here
does. To be certain which browser runs, `chromium_path()` picks it here and passes it as `path`: the
`BROWSER_PATH` variable where it names an executable (choreographer's own setting, so one variable
serves both), else the Debian package's /usr/bin/chromium, else none.

Kaleido's page would also load MathJax and (without plotly installed) plotly.js from a CDN; both are
pinned to local files or switched off, so drawing a chart never touches the network.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import plotly
import plotly.graph_objects as go

DEBIAN_CHROMIUM = "/usr/bin/chromium"
EXPORT_TIMEOUT_S = 60
WIDTH_PX = 1000  # layout pixels; images are drawn at twice this for print
SCALE = 2


class StaticExportUnavailable(RuntimeError):
    """No browser to draw with, or the browser failed: the caller shows tables instead, and says why."""


def chromium_path() -> str | None:
    """The Chromium to draw with: BROWSER_PATH if it names an executable, else /usr/bin/chromium if present, else None."""
    for candidate in (os.environ.get("BROWSER_PATH", "").strip(), DEBIAN_CHROMIUM):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _plotly_js() -> str:
    return str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js")


async def _draw(figures: Sequence[go.Figure], browser: str, width: int, scale: int) -> list[bytes]:
    import kaleido  # loaded only when a chart is drawn: it starts a browser

    images = []
    async with kaleido.Kaleido(path=browser, mathjax=False, plotlyjs=_plotly_js(), timeout=EXPORT_TIMEOUT_S, n=1) as k:
        for fig in figures:
            height = fig.layout.height or 450
            images.append(await k.calc_fig(fig.to_dict(), opts={"format": "png", "width": width, "height": height, "scale": scale}))
    return images


def png_images(figures: Sequence[go.Figure], *, browser: str | None = None, width: int = WIDTH_PX, scale: int = SCALE) -> list[bytes]:
    """Each figure as PNG bytes, drawn in one browser session. Raises StaticExportUnavailable with a reason a reader can follow."""
    if not figures:
        return []
    browser = browser or chromium_path()
    if browser is None:
        raise StaticExportUnavailable(
            "no Chromium browser was found on the server that built this pack "
            f"(looked at BROWSER_PATH and {DEBIAN_CHROMIUM}; install it with: apt-get install chromium)"
        )
    # A worker thread has no event loop of its own, so this works from a Streamlit script thread or from inside a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(asyncio.run, _draw(figures, browser, width, scale)).result(timeout=EXPORT_TIMEOUT_S * (1 + len(figures)))
        except Exception as error:
            raise StaticExportUnavailable(
                f"the browser at {browser} could not draw the charts ({type(error).__name__}: {error})"
            ) from error
