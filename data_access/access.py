"""Who sees what: which audience a signed-in person belongs to.

The rules come from the `[access]` table of `.streamlit/secrets.toml` (see `secrets.toml.example`):
lists of email addresses, and/or an ID-token claim whose values name the audience. Staff wins over
panel when a person matches both. A signed-in person who matches neither is nobody we know: they get
the public audience and are told so.

An email address counts only when the ID token says it is verified: `email_verified` is the boolean
true, or the string "true" in any case (AWS Cognito, for one, sends the claim as a string). Missing,
false, "false" or anything else is unverified, and an unverified address matches no email list.
Claim values (`roles`, `groups`) are matched whatever `email_verified` says: the provider asserts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from data_access.models import Audience


@dataclass(frozen=True)
class AccessRules:
    """Who is panel and who is staff."""

    staff_emails: frozenset[str] = field(default_factory=frozenset)
    panel_emails: frozenset[str] = field(default_factory=frozenset)
    claim: str = ""  # e.g. "roles" or "groups": a claim in the identity provider's ID token
    staff_claim_values: frozenset[str] = field(default_factory=frozenset)
    panel_claim_values: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> AccessRules:
        """Rules from the `[access]` table; emails compared without regard to case."""

        def words(key: str, lower: bool = False) -> frozenset[str]:
            values = settings.get(key) or []
            if isinstance(values, str):
                values = [values]
            return frozenset(str(v).strip().lower() if lower else str(v).strip() for v in values if str(v).strip())

        return cls(
            staff_emails=words("staff_emails", lower=True),
            panel_emails=words("panel_emails", lower=True),
            claim=str(settings.get("claim") or "").strip(),
            staff_claim_values=words("staff_claim_values"),
            panel_claim_values=words("panel_claim_values"),
        )


def _claim_values(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {v for v in value.replace(",", " ").split() if v}
    if isinstance(value, Iterable):
        return {str(v) for v in value}
    return {str(value)}


def email_verified(claims: Mapping[str, Any]) -> bool:
    """True only when the ID token says the email address is verified: true, or "true" in any case."""
    value = claims.get("email_verified")
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def audience_for(claims: Mapping[str, Any], rules: AccessRules) -> Audience | None:
    """The audience of a signed-in person from their ID-token claims; None when the rules do not know them."""
    email = str(claims.get("email") or "").strip().lower()
    verified = email_verified(claims)  # an unverified address proves nothing
    held = _claim_values(claims.get(rules.claim)) if rules.claim else set()
    if (verified and email in rules.staff_emails) or held & rules.staff_claim_values:
        return Audience.STAFF
    if (verified and email in rules.panel_emails) or held & rules.panel_claim_values:
        return Audience.PANEL
    return None
