"""Who is looking: the public, a panel member, or OPCC staff.

- Sign-in configured (an `[auth]` table in `.streamlit/secrets.toml`): signed-out visitors are the
  public; signed-in people get the audience `[access]` gives them, or the public if it names them not.
- No sign-in configured: the public. Setting LOCAL_DEMO=yes adds a clearly marked switch to view as
  panel or staff on a developer's machine; it is never shown where sign-in is configured.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from data_access.access import AccessRules, audience_for
from data_access.models import Audience
from ui.entry import through_entry_point

_DEMO_KEY = "local_demo_audience"
AUDIENCE_NAMES = {Audience.PUBLIC: "the public", Audience.PANEL: "Police and Crime Panel members", Audience.STAFF: "OPCC staff"}


def _secrets_table(name: str) -> dict[str, Any]:
    try:
        return dict(st.secrets.get(name) or {})
    except Exception:
        return {}


def sign_in_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` table with a client id."""
    auth = _secrets_table("auth")
    return bool(auth.get("client_id") or any(isinstance(v, dict) and v.get("client_id") for v in auth.values()))


def local_demo_enabled() -> bool:
    """The demo switch: only with LOCAL_DEMO=yes, and never where sign-in is configured."""
    return os.environ.get("LOCAL_DEMO", "").strip().lower() in {"yes", "true", "1"} and not sign_in_configured()


def current_audience() -> Audience:
    """The audience of this session."""
    if sign_in_configured():
        if not st.user.is_logged_in:
            return Audience.PUBLIC
        return audience_for(st.user.to_dict(), AccessRules.from_mapping(_secrets_table("access"))) or Audience.PUBLIC
    if local_demo_enabled():
        return Audience(st.session_state.get(_DEMO_KEY, Audience.PUBLIC))
    return Audience.PUBLIC


def sidebar_account() -> None:
    """Sign in / sign out, or the local demo switch, at the foot of the sidebar."""
    if sign_in_configured():
        if st.user.is_logged_in:
            audience = current_audience()
            st.sidebar.caption(f"Signed in as {st.user.get('email', 'unknown')}: viewing as {AUDIENCE_NAMES[audience]}.")
            if audience is Audience.PUBLIC:
                st.sidebar.warning(
                    "Your account is not on the panel or staff list, so you see what the public sees. Ask the OPCC to add you."
                )
            st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
        else:
            st.sidebar.button("Sign in (panel and OPCC staff)", on_click=st.login, key="sign_in")
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
        st.error(f"This page is for {names}. " + ("Sign in to see it." if sign_in_configured() else "Sign-in is not configured here."))
        st.stop()
    through_entry_point()  # allowed: make sure the page runs inside the entry point's menu and filters
    return audience
