"""Settings, read once from the environment: the only place that knows about DATABASE_URL."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA_DIR = PROJECT_ROOT / "sample_data"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / ".data" / "commissioning.sqlite3"


@dataclass(frozen=True)
class Settings:
    """What the app needs to know about where it runs."""

    database_url: str
    load_sample_data: bool
    expiry_red_months: int = 6
    expiry_amber_months: int = 12
    # Open-data identifiers of the office that publishes the downloads. Blank: the files carry placeholders and say
    # they are not for publication (a real publisher registers its own OCID prefix and org-id).
    ocds_ocid_prefix: str = ""
    opcc_org_id: str = ""
    grants_360_prefix: str = ""

    @property
    def publishable(self) -> bool:
        """True when the office's own OCDS identifiers are set, so the OCDS download may go on its website."""
        return bool(self.ocds_ocid_prefix and self.opcc_org_id)

    @property
    def publishable_360(self) -> bool:
        """True when the office's 360Giving prefix and org-id are set, so the 360Giving download may go on its website."""
        return bool(self.grants_360_prefix and self.opcc_org_id)


def get_settings() -> Settings:
    """Settings from the environment.

    DATABASE_URL picks the store (e.g. postgresql+psycopg://user@host/db); without it the app
    keeps an SQLite file under .data/. LOAD_SAMPLE_DATA=no stops the sample data being loaded
    into an empty store. OCDS_OCID_PREFIX (ocds-abc123, registered with the Open Contracting Partnership) and
    OPCC_ORG_ID (the office's org-id.guide identifier, e.g. GB-GOR-PC000123) go into the open-data downloads, and
    GRANTS_360_PREFIX (360G-abc123, given by 360Giving) into the 360Giving one.
    """
    url = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    load = os.environ.get("LOAD_SAMPLE_DATA", "yes").strip().lower() not in {"no", "false", "0"}
    return Settings(
        database_url=url,
        load_sample_data=load,
        ocds_ocid_prefix=os.environ.get("OCDS_OCID_PREFIX", "").strip(),
        opcc_org_id=os.environ.get("OPCC_ORG_ID", "").strip(),
        grants_360_prefix=os.environ.get("GRANTS_360_PREFIX", "").strip(),
    )
