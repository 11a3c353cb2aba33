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


def get_settings() -> Settings:
    """Settings from the environment.

    DATABASE_URL picks the store (e.g. postgresql+psycopg://user@host/db); without it the app
    keeps an SQLite file under .data/. LOAD_SAMPLE_DATA=no stops the sample data being loaded
    into an empty store.
    """
    url = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    load = os.environ.get("LOAD_SAMPLE_DATA", "yes").strip().lower() not in {"no", "false", "0"}
    return Settings(database_url=url, load_sample_data=load)
