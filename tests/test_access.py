"""Which audience a signed-in person gets from the [access] rules."""

from __future__ import annotations

import pytest

from data_access.access import AccessRules, audience_for
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


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "commissioning@opcc.example.gov.uk"}, Audience.STAFF),  # case does not matter
        ({"email": "member@council.example.gov.uk"}, Audience.PANEL),
        ({"email": "someone@else.example", "roles": ["police-crime-panel"]}, Audience.PANEL),
        ({"email": "someone@else.example", "roles": "opcc-staff other"}, Audience.STAFF),
        ({"email": "member@council.example.gov.uk", "roles": ["opcc-staff"]}, Audience.STAFF),  # staff wins
        ({"email": "someone@else.example"}, None),  # signed in, but nobody the rules know
        ({}, None),  # a missing email claim
        ({"email": "member@council.example.gov.uk", "email_verified": False}, None),  # an unverified address proves nothing
    ],
)
def test_audience_for(claims: dict, expected: Audience | None) -> None:
    assert audience_for(claims, RULES) == expected


def test_no_rules_know_nobody() -> None:
    assert audience_for({"email": "commissioning@opcc.example.gov.uk", "roles": ["opcc-staff"]}, AccessRules.from_mapping({})) is None
