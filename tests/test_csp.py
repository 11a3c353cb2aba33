"""The reverse proxy's Content-Security-Policy (deploy/nginx.conf) allows the app's own inline scripts by their hashes:
edit a script and this fails with the hash to put in `script-src` (Chromium blocks a script whose hash is not there)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from ui.meeting import KEYS_SCRIPT
from ui.render import PRINT_FIT_SCRIPT

NGINX = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf"


def csp_hash(script: str) -> str:
    """CSP's hash source for an inline script: sha256 of the text between its tags, base64."""
    match = re.fullmatch(r"<script>(.*)</script>", script, flags=re.DOTALL)
    assert match, "an inline script is one <script> element with no attributes"
    return "'sha256-" + base64.b64encode(hashlib.sha256(match.group(1).encode()).digest()).decode() + "'"


@pytest.mark.parametrize("name, script", [("PRINT_FIT_SCRIPT", PRINT_FIT_SCRIPT), ("KEYS_SCRIPT", KEYS_SCRIPT)])
def test_the_proxy_allows_each_of_the_apps_inline_scripts(name: str, script: str) -> None:
    script_src = re.search(r"script-src ([^;]*);", NGINX.read_text()).group(1)
    assert csp_hash(script) in script_src.split(), f"put {csp_hash(script)} for {name} in script-src of deploy/nginx.conf"
