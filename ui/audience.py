"""Who is looking. Until sign-in exists every visitor is the public, the narrowest audience."""

from __future__ import annotations

from data_access.models import Audience


def current_audience() -> Audience:
    """The audience of this session: the public until sign-in assigns panel or staff."""
    return Audience.PUBLIC
