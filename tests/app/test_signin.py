"""Sign-in fails closed: any `[auth]` section, in any layout Streamlit documents, or a secrets file that
will not parse, means sign-in is configured, so LOCAL_DEMO can never widen anyone's audience.

Each layout is a real secrets.toml written to a temporary folder and read the way the app reads it:
through a `streamlit.runtime.secrets.Secrets` (what `st.secrets` is), which hands nested tables back
as AttrDict, not dict. The AppTests point `st.secrets` and Streamlit's own auth helpers at that file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
import streamlit.auth_util as auth_util
from streamlit import config
from streamlit.runtime.secrets import Secrets
from streamlit.testing.v1 import AppTest

from data_access.models import Audience
from tests.app.conftest import ENTRYPOINT, PROJECT_ROOT, RUN_TIMEOUT_S
from ui import audience as ui_audience
from ui import navigation

SHARED = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "a-test-cookie-secret-that-is-long-enough-for-streamlit"
"""
FLAT = (
    SHARED
    + """client_id = "scrutiny"
client_secret = "not-a-secret"
server_metadata_url = "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"
"""
)
MICROSOFT = """
[auth.microsoft]
client_id = "scrutiny"
client_secret = "not-a-secret"
server_metadata_url = "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"
"""
GOOGLE = """
[auth.google]
client_id = "scrutiny.apps.googleusercontent.com"
client_secret = "not-a-secret"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
"""
ACCESS = """
[access]
staff_emails = ["commissioning@opcc.example.gov.uk"]
panel_emails = ["member@council.example.gov.uk"]
"""

# layout -> (secrets.toml text, the providers st.login can use, whether the operator is told of a problem)
LAYOUTS: dict[str, tuple[str, tuple[str | None, ...], bool]] = {
    "flat": (FLAT + ACCESS, (None,), False),
    "flat-with-client-kwargs": (FLAT + '[auth.client_kwargs]\nprompt = "select_account"\n' + ACCESS, (None,), False),
    "microsoft": (SHARED + MICROSOFT + ACCESS, ("microsoft",), False),
    "google": (SHARED + GOOGLE + ACCESS, ("google",), False),
    "several-providers": (SHARED + MICROSOFT + GOOGLE + ACCESS, ("microsoft", "google"), False),
    "flat-and-named": (FLAT + MICROSOFT + ACCESS, (None, "microsoft"), False),
    "empty-auth": ("[auth]\n" + ACCESS, (), True),
    "incomplete-provider": (SHARED + '[auth.microsoft]\nclient_id = "scrutiny"\n' + ACCESS, (), True),
    "no-redirect-uri": ('[auth.microsoft]\nclient_id = "x"\nclient_secret = "y"\nserver_metadata_url = "https://x"\n', (), True),
    "unparseable": ("[auth\nredirect_uri = 'http://localhost:8501/oauth2callback'\n" + ACCESS, (), True),
    "unparseable-without-auth": ('title = "a quote never closed\n', (), True),
}


def streamlit_secrets(path: Path, monkeypatch: pytest.MonkeyPatch) -> Secrets:
    """A fresh `Secrets` reading only `path`, as st.secrets reads `.streamlit/secrets.toml`; also used by
    `st.user` and `st.login` (streamlit.auth_util), so the whole app sees the same file."""
    get_option = config.get_option
    monkeypatch.setattr(config, "get_option", lambda key: [str(path)] if key == "secrets.files" else get_option(key))
    secrets = Secrets()
    secrets._file_watchers_installed = True  # no polling thread on a temporary file
    monkeypatch.setattr(st, "secrets", secrets)
    monkeypatch.setattr(auth_util, "secrets_singleton", secrets)
    return secrets


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    folder = tmp_path / ".streamlit"
    folder.mkdir()
    return folder / "secrets.toml"


def write_layout(path: Path, layout: str, monkeypatch: pytest.MonkeyPatch) -> Secrets:
    path.write_text(LAYOUTS[layout][0], encoding="utf-8")
    return streamlit_secrets(path, monkeypatch)


# --- which layouts count as configured (no app run) ------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_counts_as_configured(layout: str, secrets_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = write_layout(secrets_file, layout, monkeypatch)
    if not layout.startswith("unparseable"):
        assert type(secrets["auth"]).__name__ == "AttrDict"  # what the old check mistook for 'not a dict'
    setup = ui_audience.sign_in_setup()
    _, providers, problem = LAYOUTS[layout]
    assert setup.configured is True
    assert setup.providers == providers
    assert bool(setup.problem) is problem
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    assert ui_audience.sign_in_configured() is True
    assert ui_audience.local_demo_enabled() is False


def test_an_unparseable_file_tells_the_operator_without_streamlit_wording(secrets_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_layout(secrets_file, "unparseable", monkeypatch)
    setup = ui_audience.sign_in_setup()
    assert setup.problem == ui_audience.UNREADABLE
    assert "Streamlit" not in setup.problem and "Cloud" not in setup.problem


def test_a_secrets_directory_that_will_not_load_counts_as_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kubernetes-style secret folders: a plain file where a folder belongs makes Streamlit refuse the lot."""
    (tmp_path / "stray-file").write_text("x")
    streamlit_secrets(tmp_path, monkeypatch)
    assert ui_audience.sign_in_setup() == ui_audience.SignInSetup(True, (), ui_audience.UNREADABLE)


def test_no_secrets_file_or_no_auth_section_is_not_configured(secrets_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    streamlit_secrets(secrets_file, monkeypatch)  # the file does not exist
    assert ui_audience.sign_in_setup() == ui_audience.SignInSetup(False)
    secrets_file.write_text(ACCESS, encoding="utf-8")
    streamlit_secrets(secrets_file, monkeypatch)
    assert ui_audience.sign_in_setup() == ui_audience.SignInSetup(False)
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    assert ui_audience.local_demo_enabled() is True  # the positive control: the switch can appear


# --- the app itself, with LOCAL_DEMO=yes ---------------------------------------------------------------


def run_app(monkeypatch: pytest.MonkeyPatch, *, wants: Audience = Audience.STAFF, user: dict | None = None) -> AppTest:
    """The app with LOCAL_DEMO=yes and a session that asks the demo switch for `wants`."""
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = wants.value
    if user is not None:
        at.user = user
    return at.run()


def assert_ran_cleanly(at: AppTest) -> None:
    assert not at.exception, "\n\n".join(f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception)


def reaches_import_page(at: AppTest) -> bool:
    try:
        at.switch_page(navigation.by_file("import_data.py").path)
    except ValueError:  # the app registered no such page for this audience
        return False
    at.run()
    assert_ran_cleanly(at)
    return [t.value for t in at.title] == ["Import data"]


def sidebar_texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.sidebar.get(kind)]


def test_without_auth_the_demo_switch_does_open_import_data(secrets_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The positive control for the tests below: with no [auth], LOCAL_DEMO's switch shows and staff reach Import data."""
    secrets_file.write_text(ACCESS, encoding="utf-8")
    streamlit_secrets(secrets_file, monkeypatch)
    at = run_app(monkeypatch)
    assert_ran_cleanly(at)
    assert [r.label for r in at.sidebar.radio] == ["LOCAL DEMO ONLY: view as"]
    assert reaches_import_page(at)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_demo_switch_and_no_staff_page_with_any_auth_layout(layout: str, secrets_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_layout(secrets_file, layout, monkeypatch)
    at = run_app(monkeypatch, wants=Audience.STAFF)
    assert_ran_cleanly(at)
    assert not at.radio, [r.label for r in at.radio]  # no LOCAL DEMO ONLY switch anywhere
    _, providers, problem = LAYOUTS[layout]
    buttons = [b.label for b in at.sidebar.button]
    if len(providers) == 1:
        assert buttons == ["Sign in (panel and OPCC staff)"]
    else:
        assert buttons == [f"Sign in with {p or 'the main account'}" for p in providers]
    errors = sidebar_texts(at, "error")
    assert len(errors) == int(problem), errors
    if layout.startswith("unparseable"):
        assert errors == [ui_audience.UNREADABLE]
    assert not reaches_import_page(at)  # the visitor is the public, whatever the session asked for


def test_the_sign_in_button_calls_st_login_with_the_named_provider(secrets_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Named providers need st.login("microsoft"); st.login() would look for a provider in [auth] itself."""
    write_layout(secrets_file, "several-providers", monkeypatch)
    called: list[tuple] = []
    monkeypatch.setattr(st, "login", lambda *args: called.append(args))
    at = run_app(monkeypatch)
    at.sidebar.button(key="sign_in_google").click().run()
    assert called == [("google",)]


@pytest.mark.parametrize(
    ("claims", "expected", "note"),
    [
        ({"email": "commissioning@opcc.example.gov.uk", "email_verified": True}, Audience.STAFF, None),
        ({"email": "member@council.example.gov.uk", "email_verified": True}, Audience.PANEL, None),
        ({"email": "commissioning@opcc.example.gov.uk"}, Audience.PUBLIC, "has not confirmed that"),
        ({"email": "commissioning@opcc.example.gov.uk", "email_verified": "false"}, Audience.PUBLIC, "has not confirmed that"),
        ({"email": "someone@else.example", "email_verified": True}, Audience.PUBLIC, "not on the panel or staff list"),
    ],
)
def test_signed_in_audiences_and_the_unverified_note(
    claims: dict, expected: Audience, note: str | None, secrets_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_layout(secrets_file, "microsoft", monkeypatch)
    at = run_app(monkeypatch, wants=Audience.STAFF, user={"is_logged_in": True, **claims})
    assert_ran_cleanly(at)
    assert not at.radio
    captions = sidebar_texts(at, "caption")
    assert any(ui_audience.AUDIENCE_NAMES[expected] in c and "Signed in as" in c for c in captions), captions
    warnings = sidebar_texts(at, "warning")
    assert [w for w in warnings if note and note in w] if note else not warnings, warnings
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    assert reaches_import_page(at) is (expected is Audience.STAFF)


def test_a_signed_in_cookie_counts_for_nothing_while_the_secrets_are_unreadable(
    secrets_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_layout(secrets_file, "unparseable", monkeypatch)
    at = run_app(monkeypatch, user={"is_logged_in": True, "email": "commissioning@opcc.example.gov.uk", "email_verified": True})
    assert_ran_cleanly(at)
    assert sidebar_texts(at, "error") == [ui_audience.UNREADABLE]
    assert not at.sidebar.button and not at.radio
    assert not reaches_import_page(at)


def test_the_import_page_run_on_its_own_refuses_with_unreadable_secrets(secrets_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_layout(secrets_file, "unparseable", monkeypatch)
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(PROJECT_ROOT / navigation.by_file("import_data.py").path, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = Audience.STAFF.value
    at.run()
    assert_ran_cleanly(at)
    assert [e.value for e in at.error] == ["This page is for OPCC staff. Sign-in is not working here."]
    assert not at.title
