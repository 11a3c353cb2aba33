"""Backups: the store written to a folder of CSV files in the import format, and loaded back into an empty
store with every row of every table identical, on SQLite, on PostgreSQL, and from one to the other.

The store backed up is the sample data plus rows that test the format's corners: a credit (negative
spend), a quarter, a date span, a fractional value, a negative amendment, leading zeros, text with
commas, quotes, new lines and £, restricted records, import records and an audit trail.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlmodel import Session, SQLModel

from data_access import backup
from data_access.backup import BackupError, export_store, load_backup
from data_access.db import make_engine, open_store
from data_access.loading import load_folder
from data_access.models import (
    Agreement,
    AgreementPriority,
    Amendment,
    AuditEntry,
    Budget,
    FundingStream,
    ImportRecord,
    Milestone,
    Observation,
    Provider,
    SavedMapping,
    Spend,
)
from data_access.settings import SAMPLE_DATA_DIR
from tests.conftest import BACKENDS, TEST_DATABASE_URL

# --- stores of one's own: a file on SQLite, a schema of the test database on PostgreSQL ---------


def _with_search_path(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@contextmanager
def scratch_store_url(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of `backend`, removed afterwards.

    On PostgreSQL it is a schema of its own in TEST_DATABASE_URL's database (found first on the search
    path), so it never meets the shared `engine` fixture's tables.
    """
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'store-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    schema = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _with_search_path(TEST_DATABASE_URL, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def scratch_store(backend: str, folder: Path, *, sample: bool) -> Iterator[Engine]:
    """A migrated store of `backend`, holding the sample data if `sample`, disposed of afterwards."""
    with scratch_store_url(backend, folder) as url:
        engine = open_store(url, load_sample_data=sample)
        try:
            yield engine
        finally:
            engine.dispose()


# --- what the backup must preserve ------------------------------------------------------------

CITED = {"source_id": "wy-2018", "source_section": '2.2.3, "quoted", with a comma', "basis": "illustrative"}
AWKWARD = 'Commas, "quotes", a new line\nand £ signs; ünïcödé'


def add_corner_cases(engine: Engine) -> None:
    """Rows whose values the import format has to write with care."""
    at = datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)
    with Session(engine) as session:
        session.add(Provider(id="leading-zeros", name="Leading Zeros Ltd", charity_number="0012345", company_number="01234567", **CITED))
        session.flush()
        session.add(
            Agreement(
                id="corner-agreement", area_id="west-yorkshire", title=AWKWARD, kind="grant", provider_id="leading-zeros",
                funding_stream_id="wy-moj", procurement_route="direct", number_of_tenderers=1, start_date=date(2019, 1, 1),
                start_precision="year", original_end_date=date(2019, 12, 31), current_end_date=date(2020, 6, 30), end_precision="month",
                latest_end_date=date(2021, 3, 31), extension_options_available=2, extension_options_used=1,
                annual_value_pence=1_234_56, total_value_pence=0, status="active", purpose="Total = SUM(A1:A9), as text",
                illustrative_fields="annual_value;total_value", visibility="restricted", basis_note=AWKWARD, **CITED,
            )
        )  # fmt: skip
        session.flush()
        session.add(
            Amendment(
                id="corner-amendment", agreement_id="corner-agreement", kind="variation", agreed_on=date(2019, 6, 1),
                previous_end_date=date(2019, 12, 31), new_end_date=date(2020, 6, 30), value_change_pence=-1_234_56,
                rationale="A 5% cut (-£1,234.56)", visibility="panel", **CITED,
            )
        )  # fmt: skip
        session.add(
            Milestone(id="corner-milestone", agreement_id="corner-agreement", on=date(2020, 1, 15), kind="decision",
                      title="Decision: see minutes @ item 4", visibility="restricted", **CITED)
        )  # fmt: skip
        session.add(AgreementPriority(agreement_id="corner-agreement", priority_id="wy-victims", share_percent=100, **CITED))
        session.add(
            Budget(id="corner-budget", area_id="west-yorkshire", financial_year=2019, funding_stream_id="wy-moj", priority_id="wy-victims",
                   amount_pence=999_999_999_99, description="Budget + contingency", visibility="panel", **CITED)
        )  # fmt: skip
        session.add(
            Spend(id="corner-credit", area_id="west-yorkshire", financial_year=2019, quarter=3, funding_stream_id="wy-moj",
                  agreement_id="corner-agreement", amount_pence=-50_000_01, is_credit=True, description="Clawback", visibility="restricted",
                  **CITED)
        )  # fmt: skip
        session.flush()
        # Money as the source qualifies it; each part's id sorts before its whole's, so the backup must list wholes first.
        session.add_all(
            [
                Budget(id="corner-a-part", area_id="west-yorkshire", financial_year=2019, funding_stream_id="wy-moj",
                       amount_pence=1_000_00, qualifier="up to", part_of_id="corner-budget", description="of which, up to", **CITED),
                Budget(id="corner-two-years", area_id="west-yorkshire", financial_year=2019, last_financial_year=2020,
                       apportionment="even", funding_stream_id="wy-moj", amount_pence=469_363_00, **CITED),
                Spend(id="corner-a-credit-part", area_id="west-yorkshire", financial_year=2019, quarter=3, funding_stream_id="wy-moj",
                      amount_pence=-10_000_00, is_credit=True, qualifier="up to", part_of_id="corner-credit", **CITED),
                Agreement(id="corner-a-lot", area_id="west-yorkshire", title="A lot", kind="grant", status="active",
                          annual_value_pence=1_00, value_qualifier="up to", value_part_of_id="corner-agreement", **CITED),
                FundingStream(id="corner-fund", area_id="west-yorkshire", name="Fund", funder="PCC", stated_awards_total_pence=400_000_00,
                              **CITED),
            ]
        )  # fmt: skip
        session.add(
            Observation(
                id="corner-observation", measure_id="enhanced-contact-48h", area_id="west-yorkshire", agreement_id=None,
                period_start=date(2018, 4, 1), period_end=date(2018, 6, 15), value=12.345, target=33.333333333333336,
                target_basis="reported", dimension="district", dimension_value="Calderdale", value_statement="0.1 + 0.2",
                visibility="panel", **CITED,
            )
        )  # fmt: skip
        session.add(
            ImportRecord(sha256="a" * 64, file_name="spend, Q3.csv", imported_at=at, imported_by="staff@opcc.example", rows_added=3)
        )
        session.add(
            ImportRecord(sha256="b" * 64, file_name="amendments.xlsx", imported_at=at + timedelta(days=1), imported_by="x", rows_changed=2)
        )
        session.add(
            AuditEntry(at=at, who="staff@opcc.example", action="insert", table_name="spend", record_key="corner-credit",
                       after=json.dumps({"amount_pence": -5000001, "description": AWKWARD}), file_name="spend, Q3.csv",
                       file_sha256="a" * 64)
        )  # fmt: skip
        session.add(
            AuditEntry(at=at.astimezone(timezone(timedelta(hours=1))) + timedelta(hours=2), who="x", action="update",
                       table_name="amendment", record_key="corner-amendment", before='{"rationale": ""}',
                       after='{"rationale": "A 5% cut (-£1,234.56)"}',
                       file_name="amendments.xlsx", file_sha256="b" * 64)
        )  # fmt: skip
        session.add(
            SavedMapping(header_key="c" * 64, headers=json.dumps(["Service", "End date", "Value (£)"]), holds="contracts",
                         mapping=json.dumps({"service": "title", "end_date": "current_end_date"}), saved_by="staff@opcc.example",
                         saved_at=at)
        )  # fmt: skip
        session.commit()


def every_row(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, all columns, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [dict(r._mapping) for r in connection.execute(select(table).order_by(*table.primary_key.columns))]
            for table in SQLModel.metadata.sorted_tables
        }


def assert_same_rows(original: dict[str, list[dict]], restored: dict[str, list[dict]]) -> None:
    assert set(original) == set(restored) == set(SQLModel.metadata.tables)
    for table, rows in original.items():
        assert len(restored[table]) == len(rows), table
        for before, after in zip(rows, restored[table], strict=True):
            assert before == after, f"{table}: {before} became {after}"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def row(rows: list[dict[str, str]], **match: str) -> dict[str, str]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, f"{len(found)} rows match {match}"
    return found[0]


# --- the format -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data, backed up from an SQLite store."""
    folder = tmp_path_factory.mktemp("sample_backup")
    with scratch_store("sqlite", folder, sample=True) as engine:
        export_store(engine, folder / "backup")
    return folder / "backup"


def test_every_import_file_has_sample_datas_columns_in_order(sample_backup: Path) -> None:
    for sample in sorted(SAMPLE_DATA_DIR.glob("*.csv")):
        with sample.open(encoding="utf-8-sig") as a, (sample_backup / sample.name).open(encoding="utf-8") as b:
            assert next(csv.reader(b)) == next(csv.reader(a)), sample.name
    assert {p.name for p in SAMPLE_DATA_DIR.glob("*.csv")} == set(backup.HEADERS)


def test_money_is_written_as_plain_pounds(sample_backup: Path) -> None:
    budgets = read_csv(sample_backup / "budgets.csv")
    assert row(budgets, id="nfk-2016-moj")["amount"] == "1037415.00"  # Norfolk's MoJ grant, £1,037,415 (paper, 1.9)
    assert row(budgets, id="nfk-2016-police-grant")["amount"] == "1018000.00"  # "£1.018m" (1.4)
    assert row(budgets, id="dby-2025-safer-stronger")["amount"] == "275000.00"
    streams = read_csv(sample_backup / "funding_streams.csv")
    assert row(streams, id="dby-safer-stronger")["cap_per_award"] == "5000.00"  # "up to £5,000"
    assert row(streams, id="nfk-moj")["cap_per_award"] == ""  # not published stays blank


def test_periods_years_and_partial_dates_keep_their_form(sample_backup: Path) -> None:
    observations = read_csv(sample_backup / "observations.csv")
    assert row(observations, id="wy-isva-referrals-2017-pa")["period"] == "2017/18"
    assert row(observations, id="wy-isva-referrals-2017-pa")["value"] == "996"
    assert row(observations, id="wy-isva-referrals-2017-q1")["period"] == "Q1 2017/18"
    assert row(observations, id="wy-perpetrator-referrals")["period"] == "2016-04-01..2017-11-30"
    assert row(observations, id="wy-perpetrator-referrals")["value"] == "5023"
    sources = read_csv(sample_backup / "sources.csv")
    assert row(sources, id="derbyshire-2021")["published"] == "2021-11"
    assert row(sources, id="norfolk-2016")["published"] == "2016"
    assert row(sources, id="wy-2018")["published"] == "2018-09-14"
    agreements = read_csv(sample_backup / "agreements.csv")
    assert row(agreements, id="wy-victims-champion")["current_end_date"] == "2018-03"
    assert row(agreements, id="nfk-yot")["current_end_date"] == "2018"
    assert row(agreements, id="wy-isva")["current_end_date"] == "2019-03-31"
    assert row(read_csv(sample_backup / "plans.csv"), id="dby-2024-29")["first_year"] == "2024/25"
    assert row(read_csv(sample_backup / "spend.csv"), id="wy-2017-isva")["period"] == "2017/18"


def test_yes_no_visibility_and_basis_are_kept(sample_backup: Path) -> None:
    measures = read_csv(sample_backup / "measures.csv")
    assert row(measures, id="isva-referrals")["counts_people"] == "yes"
    assert row(measures, id="perpetrator-referral-share")["higher_is_better"] == "no"
    contingency = row(read_csv(sample_backup / "spend.csv"), id="wy-2018-isva-contingency")
    assert (contingency["visibility"], contingency["basis"], contingency["is_credit"]) == ("restricted", "illustrative", "no")
    assert row(read_csv(sample_backup / "agreements.csv"), id="wy-core-referral")["basis"] == "derived"


def test_the_loader_reads_a_backup_folder_as_it_reads_sample_data(sample_backup: Path, tmp_path: Path) -> None:
    with scratch_store("sqlite", tmp_path, sample=False) as restored, scratch_store("sqlite", tmp_path, sample=True) as original:
        with restored.begin() as connection:
            written = load_folder(sample_backup, connection=connection)
        assert written == sum(len(rows) for name, rows in every_row(original).items() if name not in ("audit_entry", "import_record"))
        assert_same_rows(every_row(original), every_row(restored))


def test_the_manifest_counts_and_fingerprints_every_file(sample_backup: Path) -> None:
    manifest = json.loads((sample_backup / "manifest.json").read_text())
    assert set(manifest["files"]) == set(backup.HEADERS) | {"import_records.csv", "audit_entries.csv", "column_mappings.csv"}
    assert manifest["files"]["observations.csv"]["rows"] == len(read_csv(SAMPLE_DATA_DIR / "observations.csv"))
    assert manifest["files"]["audit_entries.csv"]["rows"] == 0


# --- the round trip: every row of every table identical ---------------------------------------

PAIRS = [(a, b) for a in BACKENDS for b in BACKENDS]


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_a_backup_restores_every_row_of_every_table(source: str, target: str, tmp_path: Path) -> None:
    with scratch_store(source, tmp_path, sample=True) as original:
        add_corner_cases(original)
        before = every_row(original)
        counts = export_store(original, tmp_path / "backup")
    assert counts["audit_entries.csv"] == 2 and counts["import_records.csv"] == 2 and counts["column_mappings.csv"] == 1
    assert counts["spend.csv"] == len(before["spend"]) > 0
    with scratch_store(target, tmp_path, sample=False) as restored:
        loaded = load_backup(restored, tmp_path / "backup")
        after = every_row(restored)
        assert_same_rows(before, after)
        assert loaded == {name: len(rows) for name, rows in before.items()}
        # The corners came through as values, not just as equal text.
        credit = row(after["spend"], id="corner-credit")
        assert (credit["amount_pence"], credit["is_credit"], credit["quarter"]) == (-5_000_001, True, 3)
        assert row(after["provider"], id="leading-zeros")["company_number"] == "01234567"
        assert row(after["agreement"], id="corner-agreement")["title"] == AWKWARD
        # The next import's audit entry gets a new id, past the restored ones (PostgreSQL's sequence was moved on).
        with Session(restored) as session:
            session.add(AuditEntry(at=datetime.now(UTC), who="next", action="insert", table_name="area", record_key="x"))
            session.commit()
            ids = list(session.exec(select(AuditEntry.id).order_by(AuditEntry.id)).scalars())
        assert ids == [1, 2, 3]


def add_spend_lines(engine: Engine, count: int) -> None:
    """`count` monthly payment lines, as one OPCC's ten years of payments would be: more than one file of the importer holds."""
    rows = [
        {"id": f"nfk-line-{n:06d}", "area_id": "norfolk", "financial_year": 2008 + n % 10, "quarter": 1 + n % 4,
         "funding_stream_id": "nfk-moj", "agreement_id": None, "priority_id": None, "amount_pence": 100 + n, "is_credit": False,
         "description": f"Payment line {n}", "visibility": "restricted", "source_id": "norfolk-2016", "source_section": "1.13",
         "basis": "illustrative", "basis_note": "Generated by the backup test"}
        for n in range(count)
    ]  # fmt: skip
    with engine.begin() as connection:
        for start in range(0, count, 20_000):
            connection.execute(insert(Spend), rows[start : start + 20_000])


def test_a_store_larger_than_one_import_file_is_backed_up_in_parts_and_restores_identically(tmp_path: Path) -> None:
    """From SQLite to PostgreSQL where one answers (the pairs of backends are covered by the test above, on small stores)."""
    lines = backup.PART_ROWS + 1_500
    with scratch_store("sqlite", tmp_path, sample=True) as original:
        add_spend_lines(original, lines)
        before = every_row(original)
        counts = export_store(original, tmp_path / "backup")
    sample_spend = len(before["spend"]) - lines
    assert (counts["spend.csv"], counts["spend.part2.csv"]) == (backup.PART_ROWS, lines + sample_spend - backup.PART_ROWS)
    assert "spend.part3.csv" not in counts and "agreements.part2.csv" not in counts
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["format_version"] == 2 and manifest["files"]["spend.part2.csv"]["rows"] == counts["spend.part2.csv"]
    with scratch_store(BACKENDS[-1], tmp_path, sample=False) as restored:
        load_backup(restored, tmp_path / "backup")
        assert_same_rows(before, every_row(restored))


def test_small_parts_split_every_table_and_still_restore_identically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 7 rows: West Yorkshire's restorative justice links (50% victims, 50% reoffending) fall in two parts."""
    monkeypatch.setattr(backup, "PART_ROWS", 7)
    with scratch_store("sqlite", tmp_path, sample=True) as original:
        add_corner_cases(original)
        before = every_row(original)
        export_store(original, tmp_path / "backup")
    assert (tmp_path / "backup" / "spend.part2.csv").exists()
    links = [(tmp_path / "backup" / f"agreement_priorities.part{n}.csv").read_text() for n in (3, 4)]
    assert "wy-rj,wy-reoffending,50" in links[0] and "wy-rj,wy-victims,50" in links[1]
    with scratch_store("sqlite", tmp_path, sample=False) as restored:
        load_backup(restored, tmp_path / "backup")
        assert_same_rows(before, every_row(restored))
    (tmp_path / "backup" / "spend.part2.csv").unlink()
    with scratch_store("sqlite", tmp_path, sample=False) as engine:
        with pytest.raises(BackupError, match=r"^spend\.part2\.csv is missing from the backup$"):
            load_backup(engine, tmp_path / "backup")
        with engine.connect() as connection:
            assert backup.is_store_empty(connection)


def test_a_backup_loads_only_into_an_empty_store(sample_backup: Path, tmp_path: Path) -> None:
    with scratch_store("sqlite", tmp_path, sample=True) as engine:
        before = every_row(engine)
        with pytest.raises(BackupError, match="not empty"):
            load_backup(engine, sample_backup)
        assert every_row(engine) == before


def test_a_changed_file_is_refused_and_nothing_is_written(sample_backup: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for path in sample_backup.iterdir():
        (damaged / path.name).write_bytes(path.read_bytes())
    budgets = (damaged / "budgets.csv").read_text(encoding="utf-8")
    (damaged / "budgets.csv").write_text(budgets.replace("1037415.00", "1037416.00"), encoding="utf-8")
    with scratch_store("sqlite", tmp_path, sample=False) as engine:
        with pytest.raises(BackupError, match=r"budgets\.csv has changed since the backup was written"):
            load_backup(engine, damaged)
        with engine.connect() as connection:
            assert backup.is_store_empty(connection)


def test_a_row_the_store_refuses_rolls_back_the_whole_load(sample_backup: Path, tmp_path: Path) -> None:
    """A backup that passes its manifest but that the loader refuses writes nothing at all."""
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for path in sample_backup.iterdir():
        (damaged / path.name).write_bytes(path.read_bytes())
    spend = (damaged / "spend.csv").read_text(encoding="utf-8").replace("310000.00,no", "-310000.00,no", 1)
    (damaged / "spend.csv").write_text(spend, encoding="utf-8")
    manifest = json.loads((damaged / "manifest.json").read_text())
    manifest["files"]["spend.csv"]["sha256"] = backup._sha256(damaged / "spend.csv")
    (damaged / "manifest.json").write_text(json.dumps(manifest))
    with scratch_store("sqlite", tmp_path, sample=False) as engine:
        with pytest.raises(BackupError, match=r"spend\.csv row \d+, column amount \('-310000\.00'\): is negative"):
            load_backup(engine, damaged)
        with engine.connect() as connection:
            assert backup.is_store_empty(connection)


def test_export_refuses_a_value_the_format_would_change(tmp_path: Path) -> None:
    """A start date recorded to the month must be that month's first day; any other day would not come back."""
    with scratch_store("sqlite", tmp_path, sample=True) as engine:
        with engine.begin() as connection:
            connection.execute(
                Agreement.__table__.update()
                .where(Agreement.__table__.c.id == "wy-rj")
                .values(start_date=date(2018, 4, 15), start_precision="month")
            )
        with pytest.raises(BackupError, match=r"agreements\.csv: row wy-rj, column start_date holds datetime\.date\(2018, 4, 15\)"):
            export_store(engine, tmp_path / "backup")


def test_export_refuses_text_the_importer_would_refuse(tmp_path: Path) -> None:
    """Text starting with '=' cannot be imported (formula injection), so a backup holding it could never be loaded.

    The export is refused, saying where, rather than written.
    """
    with scratch_store("sqlite", tmp_path, sample=True) as engine:
        with engine.begin() as connection:
            connection.execute(Spend.__table__.update().where(Spend.__table__.c.id == "wy-2017-isva").values(description="=HYPERLINK()"))
        with pytest.raises(BackupError, match=r"the backup would not load: spend\.csv row \d+, column description \('=HYPERLINK\(\)'\)"):
            export_store(engine, tmp_path / "backup")


def test_export_will_not_overwrite_a_backup(sample_backup: Path, tmp_path: Path) -> None:
    with scratch_store("sqlite", tmp_path, sample=True) as engine, pytest.raises(BackupError, match="already holds a backup"):
        export_store(engine, sample_backup)


# --- the command line -------------------------------------------------------------------------


def test_command_line_export_then_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with scratch_store("sqlite", tmp_path, sample=True) as original:
        before = every_row(original)
        url = str(original.url)
    assert backup.main(["export", str(tmp_path / "backup"), "--database-url", url]) == 0
    assert "Wrote" in capsys.readouterr().out
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    assert backup.main(["load", str(tmp_path / "backup"), "--database-url", target]) == 0
    assert "Loaded" in capsys.readouterr().out
    restored = make_engine(target)
    try:
        assert_same_rows(before, every_row(restored))
    finally:
        restored.dispose()
    # Loading again: refused with a plain message, no traceback, exit status 1.
    assert backup.main(["load", str(tmp_path / "backup"), "--database-url", target]) == 1
    error = capsys.readouterr().err
    assert error.startswith("Backup load failed: the store is not empty")
    assert "Traceback" not in error


def test_command_line_uses_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with scratch_store("sqlite", tmp_path, sample=True) as original:
        add_corner_cases(original)
        monkeypatch.setenv("DATABASE_URL", str(original.url))
        assert backup.main(["export", str(tmp_path / "backup")]) == 0
    assert row(read_csv(tmp_path / "backup" / "spend.csv"), id="corner-credit")["amount"] == "-50000.01"


def test_scratch_stores_are_empty_and_separate(tmp_path: Path) -> None:
    """The scratch stores used above are real, migrated databases that share no rows with the shared store.

    A check of the tests' own tools: on PostgreSQL each is a schema of its own.
    """
    for backend in BACKENDS:
        with scratch_store(backend, tmp_path, sample=False) as engine:
            with engine.begin() as connection:
                connection.execute(
                    insert(ImportRecord.__table__).values(sha256="c" * 64, file_name="f", imported_at=datetime.now(UTC), imported_by="t")
                )
            assert len(every_row(engine)["import_record"]) == 1
            assert all(not rows for name, rows in every_row(engine).items() if name != "import_record")


def _copy_backup(backup_folder: Path, to: Path) -> Path:
    to.mkdir()
    for path in backup_folder.iterdir():
        (to / path.name).write_bytes(path.read_bytes())
    return to


def _refingerprint(folder: Path, name: str) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name]["sha256"] = backup._sha256(folder / name)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_a_problem_met_after_rows_were_written_still_leaves_nothing(
    sample_backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part is written a batch at a time as it is checked: a problem in its last row comes after rows went in."""
    damaged = _copy_backup(sample_backup, tmp_path / "damaged")
    lines = (damaged / "spend.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    last = read_csv(damaged / "spend.csv")[-1]
    lines[-1] = lines[-1].replace(f",{last['amount']},no,", f",-{last['amount']},no,")
    (damaged / "spend.csv").write_text("".join(lines), encoding="utf-8")
    _refingerprint(damaged, "spend.csv")
    written: list[str] = []
    write = backup._Writer.write

    def counted(self: backup._Writer, rows: list[dict[str, Any]]) -> None:
        written.extend([self.table.name] * len(rows))
        write(self, rows)

    monkeypatch.setattr(backup, "_BATCH_ROWS", 2)
    monkeypatch.setattr(backup._Writer, "write", counted)
    with scratch_store("sqlite", tmp_path, sample=False) as engine:
        with pytest.raises(BackupError, match=rf"spend\.csv row {len(lines)}, column amount \('-{last['amount']}'\): is negative"):
            load_backup(engine, damaged)
        assert written.count("spend") >= 2  # spend rows had gone in before the last was checked
        with engine.connect() as connection:
            assert backup.is_store_empty(connection)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_row_the_database_refuses_fails_the_load_and_leaves_nothing(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An id repeated in two parts passes each part's check (a part is checked on its own); the database's key refuses
    it, and that is reported once the part has been checked to its end."""
    monkeypatch.setattr(backup, "PART_ROWS", 7)
    with scratch_store("sqlite", tmp_path, sample=True) as original:
        add_corner_cases(original)
        export_store(original, tmp_path / "backup")
    folder = tmp_path / "backup"
    first_line = (folder / "spend.csv").read_text(encoding="utf-8").splitlines(keepends=True)[1]
    with (folder / "spend.part2.csv").open("a", encoding="utf-8") as handle:
        handle.write(first_line)
    _refingerprint(folder, "spend.part2.csv")
    with scratch_store(backend, tmp_path, sample=False) as engine:
        refused = (
            r"^the backup does not load: the database refused a row of spend \((UNIQUE constraint failed: spend\.id|duplicate key value)"
        )
        with pytest.raises(BackupError, match=refused):
            load_backup(engine, folder)
        with engine.connect() as connection:
            assert backup.is_store_empty(connection)
