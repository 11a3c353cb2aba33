"""Faults of the store itself get the app's own message, naming what is wrong and that nothing was written.

Each fault is made for real where it can be: a database server that does not answer (a closed port), a SQLite
file opened read-only (`?mode=ro`), a file of random bytes; a full disk is simulated at COMMIT, where SQLite
reports it, by making the dialect's commit raise SQLite's own error. Never Streamlit's error box (which shows a
traceback and mentions Streamlit Cloud and "Manage app"), and a full disk during an import never blames the file.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine.default import DefaultDialect
from streamlit.testing.v1 import AppTest

from data_access import store_faults
from data_access.db import open_store
from data_access.models import Audience
from data_access.settings import SAMPLE_DATA_DIR
from tests.app.conftest import ENTRYPOINT, RUN_TIMEOUT_S, _clear_streamlit_caches
from ui import navigation

FORBIDDEN = ("Streamlit Cloud", "Manage app", "Traceback", "check the file again")


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file filled with the sample data, copied by each test that changes it."""
    path = tmp_path_factory.mktemp("faults") / "loaded.sqlite3"
    open_store(f"sqlite:///{path}", load_sample_data=True).dispose()
    return path


def use_store(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    _clear_streamlit_caches()


def everything(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("title", "header", "markdown", "caption", "warning", "info", "error") for e in at.get(kind)]
    return "\n".join(parts + [str(e.message) for e in at.exception])


def assert_fault_shown(at: AppTest, fault: store_faults.StoreFault) -> None:
    assert not at.exception, [e.message for e in at.exception]
    text = everything(at)
    assert fault.what in text, text
    assert store_faults.NOTHING_WRITTEN in text
    for words in FORBIDDEN:
        assert words not in text


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free now, and nothing listens on it once the probe is closed


def test_an_unreachable_database_server(monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(monkeypatch, f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/commissioning?connect_timeout=3")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S).run()
    assert_fault_shown(at, store_faults.UNREACHABLE)


def test_a_damaged_store_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite3"
    path.write_bytes(os.urandom(64 * 1024))
    use_store(monkeypatch, f"sqlite:///{path}")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S).run()
    assert_fault_shown(at, store_faults.DAMAGED)


def import_page(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("LOCAL_DEMO", "yes")
    at = AppTest.from_file(ENTRYPOINT, default_timeout=RUN_TIMEOUT_S)
    at.session_state["local_demo_audience"] = Audience.STAFF.value
    at.run()
    at.switch_page(navigation.by_file("import_data.py").path)
    return at.run()


def upload_changed_budgets(at: AppTest) -> AppTest:
    lines = (SAMPLE_DATA_DIR / "budgets.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("amount")] = "123456.78"
    changed = "\r\n".join([lines[0], ",".join(first), *lines[2:]]) + "\r\n"
    at.selectbox(key="import_kind").set_value("budgets")
    at.file_uploader(key="import_file").set_value(("budgets.csv", changed.encode(), "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_read_only_store_refuses_an_import_in_its_own_words(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, loaded_store: Path) -> None:
    path = tmp_path / "read-only.sqlite3"
    shutil.copy(loaded_store, path)
    use_store(monkeypatch, f"sqlite:///file:{path}?mode=ro&uri=true")
    at = import_page(monkeypatch)
    if not [b for b in at.button if b.key == "import_apply"]:
        at = upload_changed_budgets(at)
    at.button(key="import_apply").click().run()
    assert_fault_shown(at, store_faults.READ_ONLY)
    assert sqlite3.connect(path).execute("select count(*) from import_record").fetchone() == (0,)


def test_a_full_disk_during_an_import(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, loaded_store: Path) -> None:
    path = tmp_path / "full.sqlite3"
    shutil.copy(loaded_store, path)
    use_store(monkeypatch, f"sqlite:///{path}")
    at = upload_changed_budgets(import_page(monkeypatch))

    def disk_full(self: DefaultDialect, dbapi_connection: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(DefaultDialect, "do_commit", disk_full)
    at.button(key="import_apply").click().run()
    assert_fault_shown(at, store_faults.FULL)
    assert "Your file is not at fault" in everything(at)
    monkeypatch.undo()
    assert sqlite3.connect(path).execute("select count(*) from import_record").fetchone() == (0,)
