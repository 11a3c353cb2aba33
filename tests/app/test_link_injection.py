"""A link's parameters are echoed in a warning when they are not valid: as plain text, never as Markdown.

The attack (issue 10): `/?area=x ![t](http://example.invalid/p.png) **… [continue to the new site](https://evil.example/login)**
:red[Security notice]` drew a phishing link, an external image and red text inside the app's own warning box. The
same worked through `year=` and meeting mode's `topic=`. The browser test (tests/browser/test_text_safety.py) checks
what Chromium draws; here the warning's Markdown source must have every mark escaped.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from data_access.text import URL_VALUE_LIMIT
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S
from tests.test_text_safety import ATTACK, every_mark_escaped, unescape

OpenApp = Callable[..., AppTest]


def link_warning(at: AppTest, param: str) -> str:
    """The Markdown source of the warning about the link's `param`."""
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)
    found = [w.value for w in at.warning if w.value.startswith(f"The link's {param} “")]
    assert len(found) == 1, [w.value for w in at.warning]
    return found[0]


def assert_plain(warning: str, payload: str) -> None:
    value = warning.split("“", 1)[1].split("”", 1)[0]
    assert every_mark_escaped(value), value
    assert unescape(value) == payload  # the visitor reads exactly what the link holds
    for markup in ("](", "![", ":red[", "**", "<"):
        assert markup not in warning


@pytest.mark.parametrize(("page", "param"), [("overview", "area"), ("spend", "year")])
def test_shared_filter_parameters_are_echoed_as_plain_text(open_app: OpenApp, page: str, param: str) -> None:
    params = {"area": "norfolk", param: ATTACK} if param != "area" else {"area": ATTACK}
    assert_plain(link_warning(open_app(page, **params), param), ATTACK)


def test_meeting_topic_is_echoed_as_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.query_params.update({"area": "west-yorkshire", "topic": ATTACK})
    at.switch_page("pages/meeting.py")
    at.run()
    assert_plain(link_warning(at, "topic"), ATTACK)


def test_a_long_link_value_is_cut_short(open_app: OpenApp) -> None:
    warning = link_warning(open_app(area="x" * 5000), "area")
    shown = warning.split("“", 1)[1].split("”", 1)[0]
    assert len(shown) == URL_VALUE_LIMIT and shown.endswith("…")
