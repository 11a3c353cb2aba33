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
import atexit
import concurrent.futures
import contextlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

DEBIAN_CHROMIUM = "/usr/bin/chromium"
EXPORT_TIMEOUT_S = 60
WIDTH_PX = 1000  # layout pixels; images are drawn at twice this for print
SCALE = 2
# The most pixels an image needs from top to bottom: a chart taller than the A4 text area (about 25 cm) is shrunk to fit
# the page (Typst), and 3,000 px over 25 cm is 300 dpi. Drawn at SCALE, a 150-agreement timeline (7,400 layout px)
# made a 2,000 x 14,800 px PNG of 3.2 MB that took 2-7 s to draw and was printed at 1,500 dpi.
PRINT_HEIGHT_PX = 3000


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


class _KeptBrowser:
    """One Chromium kept open between packs, so only the first pack in a process pays for starting it.

    Starting the browser took 2.5-3.5 s of the 7-8 s the sample pack took, drawing its two charts about 1 s (measured
    on the shared 2-core VM, issue 12). kaleido's own persistent server (`kaleido.start_sync_server`, kaleido >= 1.1)
    is a process-wide singleton that answers calls in order through shared queues, is told which browser to use once
    for all calls, and, if the browser fails to start, leaves callers waiting on a thread that has died. So this keeps
    its own: one event loop in a daemon thread, one `kaleido.Kaleido` opened on it for the browser path asked for, one
    drawing at a time (a lock). A browser that fails is closed and forgotten, so the next pack starts a new one; one
    left idle for `IDLE_S` seconds is closed, so a server that rarely builds packs does not hold Chromium's memory.
    """

    IDLE_S = 300.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido: Any = None  # kaleido.Kaleido, open, or None
        self._path: str | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._pid = 0  # the process whose thread runs the loop

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        # A forked child (a benchmark, a worker) has the loop object but not its thread, nor the parent's browser: start afresh.
        if self._loop is None or self._pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="chart-browser", daemon=True).start()
            if self._loop is None:
                atexit.register(self.close)
            self._loop, self._pid, self._kaleido, self._path, self._idle = loop, os.getpid(), None, None, None
        return self._loop

    async def _close(self) -> None:
        kept, self._kaleido, self._path = self._kaleido, None, None
        if kept is not None:
            with contextlib.suppress(Exception):  # a browser that has died already has nothing left to close
                await kept.close()

    async def _draw(self, figures: Sequence[go.Figure], browser: str, width: int, scale: int) -> list[bytes]:
        import kaleido  # loaded only when a chart is drawn: it starts a browser

        if self._idle is not None:
            self._idle.cancel()
        try:
            if self._kaleido is None or self._path != browser:
                await self._close()
                opened = kaleido.Kaleido(path=browser, mathjax=False, plotlyjs=_plotly_js(), timeout=EXPORT_TIMEOUT_S, n=1)
                self._kaleido, self._path = opened, browser  # kept before opening, so a failed start is closed below
                await opened.open()
            images = []
            for fig in figures:
                height = fig.layout.height or 450
                opts = {"format": "png", "width": width, "height": height, "scale": min(scale, PRINT_HEIGHT_PX / height)}
                images.append(await self._kaleido.calc_fig(fig.to_dict(), opts=opts))
            return images
        except BaseException:
            await self._close()
            raise
        finally:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(self.IDLE_S, lambda: loop.create_task(self._close()))

    def draw(self, figures: Sequence[go.Figure], browser: str, width: int, scale: int) -> list[bytes]:
        """PNG bytes of each figure; raises whatever the browser raised, or TimeoutError."""
        with self._lock:
            future = asyncio.run_coroutine_threadsafe(self._draw(figures, browser, width, scale), self._event_loop())
            try:
                return future.result(timeout=EXPORT_TIMEOUT_S * (1 + len(figures)))
            except concurrent.futures.TimeoutError:
                future.cancel()  # the coroutine closes the browser as it is cancelled
                raise

    def close(self) -> None:
        """Close the kept browser, if any (at exit, and in tests)."""
        if self._loop is not None and self._pid == os.getpid() and self._loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)


_BROWSER = _KeptBrowser()


def png_images(figures: Sequence[go.Figure], *, browser: str | None = None, width: int = WIDTH_PX, scale: int = SCALE) -> list[bytes]:
    """Each figure as PNG bytes, drawn in the kept browser session. Raises StaticExportUnavailable with a reason a reader can follow."""
    if not figures:
        return []
    browser = browser or chromium_path()
    if browser is None:
        raise StaticExportUnavailable(
            "no Chromium browser was found on the server that built this pack "
            f"(looked at BROWSER_PATH and {DEBIAN_CHROMIUM}; install it with: apt-get install chromium)"
        )
    # The browser's own event loop runs in its own thread, so this works from a Streamlit script thread or from inside a running loop.
    try:
        return _BROWSER.draw(figures, browser, width, scale)
    except Exception as error:
        raise StaticExportUnavailable(f"the browser at {browser} could not draw the charts ({type(error).__name__}: {error})") from error
