"""Which audience a signed-in person gets from the [access] rules."""

from __future__ import annotations

import pytest

from data_access.access import AccessRules, audience_for, email_verified
from data_access.models import Audience

RULES = AccessRules.from_mapping(
    {
        "staff_emails": ["Commissioning@OPCC.example.gov.uk"],
        "panel_emails": "member@council.example.gov.uk",
        "claim": "roles",
        "staff_claim_values": ["opcc-staff"],
        "panel_claim_values": ["police-crime-panel"],
    }
)


V = {"email_verified": True}


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "commissioning@opcc.example.gov.uk", **V}, Audience.STAFF),  # case does not matter
        ({"email": "member@council.example.gov.uk", **V}, Audience.PANEL),
        ({"email": "someone@else.example", "roles": ["police-crime-panel"]}, Audience.PANEL),  # claims need no verified email
        ({"email": "someone@else.example", "roles": "opcc-staff other"}, Audience.STAFF),
        ({"email": "member@council.example.gov.uk", "roles": ["opcc-staff"], **V}, Audience.STAFF),  # staff wins
        ({"email": "someone@else.example", **V}, None),  # signed in, but nobody the rules know
        ({}, None),  # a missing email claim
        # An address counts only when the provider says it is verified.
        ({"email": "member@council.example.gov.uk", "email_verified": False}, None),
        ({"email": "commissioning@opcc.example.gov.uk"}, None),  # email_verified missing
        ({"email": "commissioning@opcc.example.gov.uk", "email_verified": "false"}, None),  # a string that is truthy in Python
        ({"email": "commissioning@opcc.example.gov.uk", "email_verified": "False"}, None),
        ({"email": "commissioning@opcc.example.gov.uk", "email_verified": ""}, None),
        ({"email": "commissioning@opcc.example.gov.uk", "email_verified": 1}, None),  # only a real boolean or "true"
        ({"email": "commissioning@opcc.example.gov.uk", "email_verified": None}, None),
        ({"email": "commissioning@opcc.example.gov.uk", "email_verified": "true"}, Audience.STAFF),  # sent as a string (Cognito)
        ({"email": "member@council.example.gov.uk", "email_verified": " TRUE "}, Audience.PANEL),
    ],
)
def test_audience_for(claims: dict, expected: Audience | None) -> None:
    assert audience_for(claims, RULES) == expected


def test_no_rules_know_nobody() -> None:
    assert audience_for({"email": "commissioning@opcc.example.gov.uk", "roles": ["opcc-staff"]}, AccessRules.from_mapping({})) is None


@pytest.mark.parametrize(
    ("value", "verified"),
    [(True, True), ("true", True), ("True", True), (False, False), ("false", False), ("yes", False), (1, False), (None, False)],
)
def test_email_verified(value: object, verified: bool) -> None:
    assert email_verified({"email_verified": value}) is verified
    assert email_verified({}) is False
