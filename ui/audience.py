"""Who is looking: the public, a panel member, or OPCC staff.

- Sign-in configured: signed-out visitors are the public; signed-in people get the audience `[access]`
  gives them, or the public if it names them not (or their email address is not verified).
- No sign-in configured: the public. Setting LOCAL_DEMO=yes adds a clearly marked switch to view as
  panel or staff on a developer's machine; it is never shown where sign-in is configured.

Sign-in fails closed. It counts as configured when the secrets hold an `[auth]` section of any shape
(Streamlit's flat layout, named providers such as `[auth.microsoft]`, several providers, or one we do
not understand), and also when a secrets file exists but cannot be read or parsed: then nobody can
sign in, everyone is the public, the demo switch stays hidden, and the sidebar tells the operator.
The secrets are read through `st.secrets`, which hands nested tables back as its own mapping type
(AttrDict, not dict), so nothing here tests for `dict`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from data_access.access import AccessRules, audience_for, email_verified
from data_access.models import Audience
from data_access.public import plain_text
from ui.entry import through_entry_point

_LOGGER = logging.getLogger(__name__)
_DEMO_KEY = "local_demo_audience"
AUDIENCE_NAMES = {Audience.PUBLIC: "the public", Audience.PANEL: "Police and Crime Panel members", Audience.STAFF: "OPCC staff"}

# What st.login needs (streamlit.auth_util.validate_auth_credentials): shared keys in [auth], and per provider.
_SHARED_KEYS = ("redirect_uri", "cookie_secret")
_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
_NOT_PROVIDERS = {"client_kwargs"}  # a table of the flat layout's own provider, not a provider

UNREADABLE = (
    "Sign-in is switched off because this site's secrets file could not be read, so everyone sees what the public "
    "sees. Operator: check .streamlit/secrets.toml (the server log says what is wrong with it)."
)


@dataclass(frozen=True)
class SignInSetup:
    """What the secrets say about sign-in.

    `configured` is True for any `[auth]` section and for an unreadable secrets file: the demo switch never
    shows then. `providers` are the names st.login can be called with (None: the flat `[auth]` provider);
    `problem` tells the operator why sign-in cannot work, when it cannot.
    """

    configured: bool
    providers: tuple[str | None, ...] = ()
    problem: str = ""


def _secrets_files() -> list[str]:
    files = st.config.get_option("secrets.files") or []
    return [str(f) for f in ([files] if isinstance(files, str) else files)]


def _auth_setup(auth: Any) -> SignInSetup:
    """Which providers of an `[auth]` section st.login can use, and what is missing for the others."""
    if not isinstance(auth, Mapping):
        return SignInSetup(True, (), "Sign-in is set up in the secrets file, but [auth] is not a table, so nobody can sign in.")
    missing = [key for key in _SHARED_KEYS if not auth.get(key)]
    candidates: list[tuple[str | None, Mapping[str, Any]]] = []
    if any(key in auth for key in _PROVIDER_KEYS):
        candidates.append((None, auth))
    candidates += [(str(name), table) for name, table in auth.items() if isinstance(table, Mapping) and name not in _NOT_PROVIDERS]
    providers: list[str | None] = []
    problems: list[str] = []
    if missing:
        problems.append("[auth] lacks " + ", ".join(missing))
    if not candidates:
        problems.append("[auth] names no identity provider")
    for name, table in candidates:
        label = f"[auth.{name}]" if name else "[auth]"
        lacking = [key for key in _PROVIDER_KEYS if not table.get(key)]
        if lacking:
            problems.append(f"{label} lacks " + ", ".join(lacking))
        elif name and "_" in name:
            problems.append(f"{label}: Streamlit does not allow an underscore in a provider's name")
        elif not missing:
            providers.append(name)
    problem = ""
    if problems:
        problem = "Sign-in is set up in the secrets file, but " + "; ".join(problems) + "."
        problem += " Nobody can sign in that way." if providers else " Nobody can sign in, so everyone sees what the public sees."
    return SignInSetup(True, tuple(providers), problem)


def sign_in_setup(secrets: Mapping[str, Any] | None = None, files: Sequence[str] | None = None) -> SignInSetup:
    """What the secrets (st.secrets unless given) say about sign-in; `files` are where they come from."""
    secrets = st.secrets if secrets is None else secrets
    try:
        if "auth" not in secrets:
            return SignInSetup(False)
        auth = secrets["auth"]
    except Exception as exc:  # a file that will not parse, a path that is not a file, a file we may not read
        paths = _secrets_files() if files is None else list(files)
        if isinstance(exc, FileNotFoundError) and not any(os.path.exists(p) for p in paths):
            return SignInSetup(False)  # no secrets file at all (Streamlit raises its not-found error then)
        _LOGGER.error("Sign-in is off: the secrets could not be read (%s): %s", ", ".join(paths), exc)
        return SignInSetup(True, (), UNREADABLE)
    return _auth_setup(auth)


def sign_in_configured() -> bool:
    """True when the secrets have an `[auth]` section of any shape, or cannot be read: fail closed."""
    return sign_in_setup().configured


def local_demo_enabled() -> bool:
    """The demo switch: only with LOCAL_DEMO=yes, and never where sign-in is configured."""
    return os.environ.get("LOCAL_DEMO", "").strip().lower() in {"yes", "true", "1"} and not sign_in_configured()


def _access_rules() -> AccessRules:
    try:
        return AccessRules.from_mapping(st.secrets.get("access") or {})
    except Exception:  # unreadable secrets: nobody is known
        return AccessRules()


def signed_in_claims() -> dict[str, Any] | None:
    """The ID-token claims of whoever is signed in through a working sign-in; None for everyone else."""
    if not sign_in_setup().providers:
        return None
    claims = st.user.to_dict()
    return claims if claims.get("is_logged_in") is True else None


def current_audience() -> Audience:
    """The audience of this session."""
    setup = sign_in_setup()
    if setup.configured:
        claims = signed_in_claims()
        return (audience_for(claims, _access_rules()) if claims else None) or Audience.PUBLIC
    if local_demo_enabled():
        return Audience(st.session_state.get(_DEMO_KEY, Audience.PUBLIC))
    return Audience.PUBLIC


def _sign_in_buttons(providers: tuple[str | None, ...]) -> None:
    if len(providers) == 1:
        provider = providers[0]
        st.sidebar.button("Sign in (panel and OPCC staff)", on_click=st.login, args=(provider,) if provider else (), key="sign_in")
        return
    st.sidebar.caption("Sign in (panel and OPCC staff):")
    for provider in providers:
        st.sidebar.button(
            f"Sign in with {provider or 'the main account'}",
            on_click=st.login,
            args=(provider,) if provider else (),
            key=f"sign_in_{provider or 'default'}",
        )


def sidebar_account() -> None:
    """Sign in / sign out, or the local demo switch, at the foot of the sidebar."""
    setup = sign_in_setup()
    if setup.configured:
        if setup.problem:
            st.sidebar.error(setup.problem)
        if not setup.providers:
            return
        claims = signed_in_claims()
        if claims:
            audience = current_audience()
            email = plain_text(claims.get("email") or "unknown")  # the ID token's text is data, never markup
            st.sidebar.caption(f"Signed in as {email}: viewing as {AUDIENCE_NAMES[audience]}.")
            if audience is Audience.PUBLIC:
                if claims.get("email") and not email_verified(claims):
                    st.sidebar.warning(
                        f"Your identity provider has not confirmed that {email} is verified, so it cannot place you on "
                        "the panel or staff list and you see what the public sees."
                    )
                else:
                    st.sidebar.warning(
                        "Your account is not on the panel or staff list, so you see what the public sees. Ask the OPCC to add you."
                    )
            st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
        else:
            _sign_in_buttons(setup.providers)
    elif local_demo_enabled():
        st.sidebar.divider()
        st.sidebar.radio(
            "LOCAL DEMO ONLY: view as",
            list(AUDIENCE_NAMES),
            format_func=lambda a: AUDIENCE_NAMES[Audience(a)],
            key=_DEMO_KEY,
            persist_state="session",  # kept if a menu click interrupts a run, which otherwise resets widgets
            help="Shown only when LOCAL_DEMO=yes and sign-in is not configured. Never use it on a public site.",
        )


def require(*allowed: Audience) -> Audience:
    """Stop the page, with a clear message and nothing restricted, unless this session's audience is allowed.

    Every restricted page calls this itself, so a hand-typed link cannot reach it past the navigation.
    """
    audience = current_audience()
    if audience not in allowed:
        names = " or ".join(AUDIENCE_NAMES[a] for a in allowed)
        setup = sign_in_setup()
        hint = (
            "Sign in to see it."
            if setup.providers
            else "Sign-in is not working here."
            if setup.configured
            else "Sign-in is not configured here."
        )
        st.error(f"This page is for {names}. {hint}")
        st.stop()
    through_entry_point()  # allowed: make sure the page runs inside the entry point's menu and filters
    return audience
