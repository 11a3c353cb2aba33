"""Imports of several kinds of record at once (a mapped spreadsheet, an OCDS package): checked together, written in
one transaction or not at all, audited table by table; and organisations shared by several areas protected from a
file for one of them.

Each test has its own store holding the sample data (fixtures of tests/test_importing.py). The sample's Victim Support
(`victim-support`) delivers West Yorkshire's ISVA contract (wy-isva) and cites West Yorkshire's panel report (wy-2018).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from data_access import importing, loading
from data_access.models import Agreement, AuditEntry, Provider
from tests.conftest import BACKENDS
from tests.test_importing import csv_text, fingerprint, new_store, postgres_template, sample, sample_row, sqlite_template  # noqa: F401


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh store holding the sample data."""
    yield from new_store(request.param, request, tmp_path)


def table(kind: str, *rows: dict[str, str], file_name: str = "register.xlsx") -> loading.Table:
    header, _ = sample(kind)
    return loading.read_csv_bytes(csv_text(header, list(rows)).encode(), file_name)


NEW_PROVIDER = sample_row("providers", "victim-support", id="rape-crisis-norfolk", name="Rape Crisis Norfolk", source_id="norfolk-2016")
NEW_AGREEMENT = sample_row(
    "agreements", "nfk-slt", id="nfk-rape-crisis", title="Rape crisis counselling", provider_id="rape-crisis-norfolk"
)


def bundle(**changes: dict[str, str]) -> dict[str, loading.Table]:
    """A Norfolk register: a new provider and a new agreement that names it (load order is the importer's, not the dict's)."""
    return {
        "agreements": table("agreements", dict(NEW_AGREEMENT, **changes.get("agreement", {}))),
        "providers": table("providers", NEW_PROVIDER),
    }


def run(engine: Engine, tables: dict[str, loading.Table], *, apply: bool = False, **options: bool) -> importing.Report:
    return importing.import_tables(engine, tables, file_name="register.xlsx", sha256="ab" * 32, apply=apply, who="officer", **options)


def test_a_bundle_is_checked_in_load_order_and_written_in_one_transaction_with_its_audit_trail(store: Engine) -> None:
    preview = run(store, bundle())
    assert preview.ok and not preview.applied
    assert importing.kinds_changed(preview) == ["providers", "agreements"]
    assert [(c.kind, c.key, c.action) for c in preview.changes] == [
        ("providers", "rape-crisis-norfolk", "insert"),
        ("agreements", "nfk-rape-crisis", "insert"),
    ]
    assert list(importing.added_frame(preview, "agreements")["title"]) == ["Rape crisis counselling"]
    assert preview.summary == "2 record(s) to add, 0 to change, 0 left alone."

    applied = run(store, bundle(), apply=True)
    assert applied.applied
    with Session(store) as session:
        assert session.get(Agreement, "nfk-rape-crisis").provider_id == "rape-crisis-norfolk"  # type: ignore[union-attr]
        audit = session.exec(select(AuditEntry.table_name, AuditEntry.record_key).where(AuditEntry.file_sha256 == "ab" * 32)).all()
    assert sorted(audit) == [("agreement", "nfk-rape-crisis"), ("provider", "rape-crisis-norfolk")]

    again = run(store, bundle(), apply=True)  # the same file again: nothing to write, and it says so
    assert again.previous_import is not None and not again.applied
    assert again.summary == "0 record(s) to add, 0 to change, 2 left alone."
    assert len(importing.unchanged_frame(again)) == 2


def test_one_bad_row_in_any_table_writes_nothing_and_names_its_table_and_row(store: Engine) -> None:
    before = fingerprint(store)
    report = run(store, bundle(agreement={"funding_stream_id": "nfk-no-such-stream"}), apply=True)
    assert not report.applied and fingerprint(store) == before
    assert [(p.row, p.column, p.value) for p in report.problems] == [(2, "funding_stream_id", "nfk-no-such-stream")]
    assert report.problems[0].rule.startswith("refers to an unknown funding_stream id")


def test_changing_an_organisation_another_area_uses_is_refused_until_confirmed(store: Engine) -> None:
    """A Norfolk file that names Victim Support with Norfolk's citation would rewrite what West Yorkshire's figures rest on."""
    rewritten = sample_row("providers", "victim-support", source_id="norfolk-2016", source_section="1.13")
    agreement = dict(NEW_AGREEMENT, provider_id="victim-support")
    tables = {"providers": table("providers", rewritten), "agreements": table("agreements", agreement)}
    before = fingerprint(store)
    report = run(store, tables, apply=True)
    assert not report.applied and fingerprint(store) == before
    assert report.shared_to_confirm and not report.replaceable
    [problem] = report.problems
    assert (problem.row, problem.column, problem.value, problem.confirm) == (2, "id", "victim-support", "shared")
    assert problem.rule == (
        "would change victim-support, which West Yorkshire also uses (source_id wy-2018 -> norfolk-2016, source_section "
        "2.2.3 Independent Sexual Advisor Contract (ISVA) -> 1.13): confirm the change (--confirm-shared on the command line), "
        "or leave this organisation's row out of the file"
    )

    confirmed = run(store, tables, apply=True, confirm_shared=True)
    assert confirmed.applied
    with Session(store) as session:
        assert session.get(Provider, "victim-support").source_id == "norfolk-2016"  # type: ignore[union-attr]


def test_a_file_for_the_only_area_that_uses_an_organisation_may_change_it(store: Engine) -> None:
    renamed = sample_row("providers", "victim-support", name="Victim Support (West Yorkshire)")
    isva = sample_row("agreements", "wy-isva")
    report = run(store, {"providers": table("providers", renamed), "agreements": table("agreements", isva)})
    assert report.ok, report.problems
    assert [(c.key, c.after) for c in report.of("update")] == [("victim-support", {"name": "Victim Support (West Yorkshire)"})]


def test_a_providers_file_with_no_area_is_asked_to_confirm_on_the_command_line_too(
    store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header, _ = sample("providers")
    path = tmp_path / "providers.csv"
    path.write_text(csv_text(header, [sample_row("providers", "victim-support", name="VS")]), encoding="utf-8")
    assert importing.main(["--kind", "providers", "--file", str(path), "--apply"], engine=store) == 1
    assert "To change organisations other areas use, run again with --confirm-shared." in capsys.readouterr().out
    assert importing.main(["--kind", "providers", "--file", str(path), "--apply", "--confirm-shared"], engine=store) == 0
    with Session(store) as session:
        assert session.get(Provider, "victim-support").name == "VS"  # type: ignore[union-attr]
