"""deploy/nginx.conf in front of the app, in a real Chromium: the page works through the proxy (its websocket too),
the security headers are there, Streamlit's internal endpoints are refused, and the CSP blocks nothing the app needs.

nginx is Debian's package at /usr/sbin/nginx (override with NGINX_PATH); without it the test is skipped with a
reason. The config is used as written, except the two ADDRESS lines (free loopback ports here) and the paths of
its pid, logs and temporary files (a pytest folder), so no root is needed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import PROJECT_ROOT, StreamlitServer, _end_with_parent, _free_port, _stop, wait_for_app

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

pytestmark = pytest.mark.browser

NGINX = Path(os.environ.get("NGINX_PATH", "/usr/sbin/nginx"))
CONFIG = PROJECT_ROOT / "deploy" / "nginx.conf"
PRIVATE = ["/_stcore/metrics", "/_stcore/agent/openapi.json", "/_stcore/agent/mcp", "/_stcore/script-health-check"]


def proxy_config(upstream_port: int, listen_port: int, prefix: Path) -> str:
    text = CONFIG.read_text()
    text, upstreams = re.subn(r"server 127\.0\.0\.1:\d+;", f"server 127.0.0.1:{upstream_port};", text)
    text, listens = re.subn(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{listen_port};", text)
    assert upstreams == listens == 1, "deploy/nginx.conf must have one upstream server and one listen line"
    text = re.sub(r"^pid .*;$", f"pid {prefix / 'nginx.pid'};", text, flags=re.M)
    text = text.replace("/var/log/nginx/", f"{prefix}/")
    temp = "".join(f"    {name}_temp_path {prefix / name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return text.replace("http {\n", "http {\n" + temp, 1)


@pytest.fixture(scope="module")
def proxy(app_server: StreamlitServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not NGINX.exists():
        pytest.skip(f"the proxy test needs nginx at {NGINX}, which is missing: install it with `apt-get install -y nginx`")
    prefix = tmp_path_factory.mktemp("nginx")
    port = _free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(proxy_config(int(app_server.url.rsplit(":", 1)[1]), port, prefix))
    command = [str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"), "-g", "daemon off;"]
    checked = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=_end_with_parent,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start: {(prefix / 'error.log').read_text(errors='replace')}", pytrace=False)
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.parametrize("path", PRIVATE)
def test_internal_endpoints_are_refused_through_the_proxy(proxy: str, app_server: StreamlitServer, path: str) -> None:
    assert status_of(proxy + path) in (403, 404)
    assert status_of(proxy + "/_stcore/health") == 200  # the page needs this one


def test_the_app_works_through_the_proxy_under_its_csp(proxy: str, page: Page) -> None:
    messages: list[str] = []

    def note(message: ConsoleMessage) -> None:
        messages.append(message.text)

    page.on("console", note)
    response = page.goto(proxy + "/?area=west-yorkshire", wait_until="domcontentloaded")
    assert response is not None
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'self'" in csp and "default-src 'self'" in csp, csp
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("x-frame-options") == "SAMEORIGIN"
    wait_for_app(page)  # needs the websocket through the proxy
    assert page.locator("h1").first.inner_text().startswith("Commissioning overview: West Yorkshire")
    page.locator(".js-plotly-plot").first.wait_for()  # a chart drew under the CSP
    # Meeting mode adds its own inline script (the presenter's keys), allowed by its hash like the print script.
    page.goto(proxy + "/meeting?area=west-yorkshire", wait_until="domcontentloaded")
    wait_for_app(page)
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert not violations, violations
