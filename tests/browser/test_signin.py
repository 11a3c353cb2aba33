"""Real sign-in through st.login, against a real OpenID Connect provider running inside the test suite.

The provider is oidc-provider-mock (pinned in requirements-test.txt), a Flask app on a loopback port in a
thread of this process; it signs real ID tokens with the claims each test user is given (email,
email_verified, groups). The app runs as `streamlit run dashboard.py` with LOCAL_DEMO=yes and a secrets.toml
whose `[auth]` points at that provider, so these tests also prove that the demo switch never appears once
sign-in is configured. Chromium may reach only the two loopback servers: any other request is refused and
reported.

The provider listens on 127.0.0.1 but is addressed as `localhost`, so its cookies and the app's (on
127.0.0.1) never share a host.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

from data_access.models import Audience
from tests.browser.conftest import VIEWPORT, StreamlitServer, _free_port, run_streamlit, wait_for_app
from tests.browser.tour import main_headings, shown_exceptions
from ui import navigation

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

STAFF_EMAIL = "commissioning@opcc.example.gov.uk"
PANEL_EMAIL = "member@council.example.gov.uk"
# sub -> the claims the provider puts in that person's ID token
USERS: dict[str, dict[str, object]] = {
    "staff": {"email": "officer@opcc.example.gov.uk", "email_verified": True, "groups": ["opcc-staff"]},  # staff by claim
    "panel": {"email": PANEL_EMAIL, "email_verified": True, "groups": ["all-users"]},  # panel by verified email
    "stranger": {"email": "stranger@example.org", "email_verified": True},
    "unverified": {"email": STAFF_EMAIL, "email_verified": "false"},  # on the staff list, but not verified
}
SIGN_IN = "Sign in (panel and OPCC staff)"
IMPORT = navigation.by_file("import_data.py")


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The OpenID Connect provider, at http://localhost:<port>."""
    pytest.importorskip("oidc_provider_mock", reason="install the test requirements: pip install -r requirements-test.txt")
    import werkzeug.serving
    from oidc_provider_mock import User, app

    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback
    flask_app = app(user_claims=[User(sub=sub, claims=claims) for sub, claims in USERS.items()])
    server = werkzeug.serving.make_server("127.0.0.1", _free_port(), flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


ACCESS = f"""
[access]
staff_emails = ["{STAFF_EMAIL}"]
panel_emails = ["{PANEL_EMAIL}"]
claim = "groups"
staff_claim_values = ["opcc-staff"]
panel_claim_values = ["police-crime-panel"]
"""


@contextlib.contextmanager
def app_with_sign_in(work: Path, provider: str, *, named: str | None = None) -> Iterator[StreamlitServer]:
    """The app, with LOCAL_DEMO=yes and sign-in through `provider`: Streamlit's flat [auth] layout, or the
    provider in an [auth.<named>] table of its own."""
    port = _free_port()
    shared = f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-cookie-secret-for-the-sign-in-tests-only-0123456789"
"""
    client = f"""client_id = "scrutiny-dashboard"
client_secret = "any-secret-the-mock-accepts"
server_metadata_url = "{provider}/.well-known/openid-configuration"
"""
    secrets = work / "secrets.toml"
    secrets.write_text(shared + (f"\n[auth.{named}]\n" if named else "") + client + ACCESS, encoding="utf-8")
    env = {"LOCAL_DEMO": "yes", "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}
    with run_streamlit(work, port=port, env=env, args=("--secrets.files", str(secrets))) as server:
        yield server


@pytest.fixture(scope="module")
def signin_server(browser_prerequisites: None, provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    with app_with_sign_in(tmp_path_factory.mktemp("signin-server"), provider) as server:
        yield server


@pytest.fixture
def visitor(chromium: Browser, signin_server: StreamlitServer, provider: str) -> Iterator[tuple[Page, list[str]]]:
    """A fresh browser (no cookies) that may reach only the app and the provider; returns the page and refused addresses."""
    allowed = {urlparse(signin_server.url).netloc, urlparse(provider).netloc}
    refused: list[str] = []
    context: BrowserContext = chromium.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(30_000)

    def only_loopback(route, request) -> None:
        if urlparse(request.url).netloc in allowed or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:  # e.g. the provider's page asks a CDN for its stylesheet
            refused.append(request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    try:
        yield page, refused
    finally:
        with contextlib.suppress(Exception):
            context.close()


def menu(page: Page) -> set[str]:
    """The titles of the pages the sidebar menu offers."""
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in more.inner_text().lower():
        more.click()
    links = page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
    return {t.strip().splitlines()[-1].strip() for t in links}  # the icon's ligature name comes first


def titles(audience: Audience) -> set[str]:
    return {spec.title for spec in navigation.pages_for(audience)}


def sidebar(page: Page):
    return page.locator('[data-testid="stSidebar"]')


def sign_in_as(page: Page, server: StreamlitServer, sub: str) -> None:
    page.goto(server.url + "/", wait_until="domcontentloaded")
    wait_for_app(page)
    assert not page.get_by_text("LOCAL DEMO ONLY").count(), "the demo switch shows although sign-in is configured"
    assert menu(page) == titles(Audience.PUBLIC)  # signed out: the public
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url("**/oauth2/authorize**")  # the provider's own page
    page.get_by_role("button", name=sub, exact=True).click()  # one of the provider's predefined users
    page.wait_for_url(f"{server.url}/**")
    wait_for_app(page)
    sidebar(page).get_by_text("Signed in as").wait_for()


def sign_out(page: Page, server: StreamlitServer) -> None:
    page.goto(server.url + "/", wait_until="domcontentloaded")  # closes the 'page not found' dialog a refused link leaves
    wait_for_app(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/end_session**")  # the provider asks to confirm ending its session
    page.get_by_role("button").first.click()
    page.wait_for_url(f"{server.url}/**")
    wait_for_app(page)
    page.get_by_role("button", name=SIGN_IN).wait_for()
    assert not page.get_by_text("Signed in as").count()
    assert not page.get_by_text("LOCAL DEMO ONLY").count()
    assert menu(page) == titles(Audience.PUBLIC)


def opens_import_data(page: Page, server: StreamlitServer) -> bool:
    page.goto(f"{server.url}/{IMPORT.url_path}", wait_until="domcontentloaded")
    wait_for_app(page)
    assert not shown_exceptions(page)
    return main_headings(page) == ["Import data"]


def signed_in_caption(page: Page) -> str:
    """The sidebar's "Signed in as …" line as a reader sees it. The text-safety seam puts an invisible word joiner
    (U+2060) before the @ of an address so Markdown cannot turn it into a mail link: it is not part of what is read."""
    line = sidebar(page).get_by_text("Signed in as")
    assert line.count() == 1
    return line.inner_text().replace("\u2060", "").strip()


@pytest.mark.parametrize(
    ("sub", "audience", "note"),
    [
        ("staff", Audience.STAFF, None),
        ("panel", Audience.PANEL, None),
        ("stranger", Audience.PUBLIC, "Your account is not on the panel or staff list"),
        ("unverified", Audience.PUBLIC, f"has not confirmed that {STAFF_EMAIL} is verified"),
    ],
)
def test_sign_in_and_out(sub: str, audience: Audience, note: str | None, visitor, signin_server: StreamlitServer) -> None:
    page, refused = visitor
    sign_in_as(page, signin_server, sub)
    email = str(USERS[sub]["email"])
    names = {Audience.PUBLIC: "the public", Audience.PANEL: "Police and Crime Panel members", Audience.STAFF: "OPCC staff"}
    assert signed_in_caption(page) == f"Signed in as {email}: viewing as {names[audience]}."
    if note:
        assert sidebar(page).inner_text().replace("\u2060", "").count(note) == 1
    else:
        assert not sidebar(page).locator('[data-testid="stAlertContentWarning"]').count()
    assert not page.get_by_text("LOCAL DEMO ONLY").count()
    assert menu(page) == titles(audience)
    assert ("Import data" in menu(page)) is (audience is Audience.STAFF)
    assert opens_import_data(page, signin_server) is (audience is Audience.STAFF)
    sign_out(page, signin_server)
    assert not opens_import_data(page, signin_server)
    assert not shown_exceptions(page)
    assert all(urlparse(u).hostname not in {"127.0.0.1", "localhost"} for u in refused)  # only outside addresses refused


def test_staff_sign_in_through_a_named_provider(
    chromium: Browser, provider: str, tmp_path_factory: pytest.TempPathFactory, browser_prerequisites: None
) -> None:
    """Streamlit's layout for named providers ([auth] plus [auth.opcc]): the button calls st.login("opcc"),
    and staff get in (the first version took this layout for 'no sign-in' and showed the demo switch)."""
    with app_with_sign_in(tmp_path_factory.mktemp("named-signin-server"), provider, named="opcc") as server:
        context = chromium.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(30_000)
        context.route(
            "**/*",
            lambda route, request: route.continue_() if urlparse(request.url).hostname in {"127.0.0.1", "localhost"} else route.abort(),
        )
        try:
            page = context.new_page()
            sign_in_as(page, server, "staff")
            assert signed_in_caption(page) == "Signed in as officer@opcc.example.gov.uk: viewing as OPCC staff."
            assert menu(page) == titles(Audience.STAFF)
            assert opens_import_data(page, server)
            sign_out(page, server)
        finally:
            context.close()
