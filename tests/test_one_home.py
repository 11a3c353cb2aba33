"""Each concept is written in one place, so changing it there changes it everywhere.

- The visibility rule (which audience sees which records) lives in `data_access.models.visible_to`;
  nothing else under data_access/, ui/, pages/, charts/ or dashboard.py indexes VISIBLE_TO or builds
  a `visibility.in_(...)` filter of its own.
- The characters that make a spreadsheet run a cell as a formula are listed once, in
  `data_access.exporting`; the importer's refusal and every CSV/XLSX writer take them from there.
- Every CHECK list of words in models.py comes from a vocabulary enum, never a tuple of string
  literals; and the importer accepts exactly the words the database's CHECK constraints accept.

Each scan is first run on a synthetic breach, so the test is seen to catch what it looks for.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

from sqlalchemy import CheckConstraint

from data_access import exporting, importing, loading, models
from data_access.loading import CHOICES, Problem

ROOT = Path(__file__).resolve().parents[1]
SCANNED = [*(ROOT / d for d in ("data_access", "ui", "pages", "charts")), ROOT / "dashboard.py"]


def _python_files() -> list[Path]:
    files: list[Path] = []
    for place in SCANNED:
        files += [place] if place.is_file() else sorted(place.rglob("*.py"))
    assert len(files) > 20, "the scan found too few files to be looking in the right place"
    return files


def _breaches(pattern: re.Pattern[str], *, home: Path) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _python_files()
        if path != home
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]


# --- the visibility rule ------------------------------------------------------------------------

VISIBILITY_RULE = re.compile(r"VISIBLE_TO\[|visibility\.in_\(")


def test_the_visibility_scan_catches_a_private_copy_of_the_rule() -> None:
    """The helper each module once had is what the scan must flag; calling the one rule is not."""
    old_helper = "    return model.visibility.in_([v.value for v in VISIBLE_TO[Audience(audience)]])"
    assert VISIBILITY_RULE.search(old_helper)
    assert VISIBILITY_RULE.search("    .where(Spend.visibility.in_(['public', 'panel']))")
    assert VISIBILITY_RULE.search("allowed = VISIBLE_TO[Audience.PUBLIC]")
    assert not VISIBILITY_RULE.search("    .where(visible_to(Spend, audience))")
    # The rule's home holds it, so the scan reads real files rather than passing on an empty search.
    assert VISIBILITY_RULE.search((ROOT / "data_access" / "models.py").read_text(encoding="utf-8"))


def test_the_visibility_rule_is_written_only_in_models() -> None:
    breaches = _breaches(VISIBILITY_RULE, home=ROOT / "data_access" / "models.py")
    assert not breaches, "filter with data_access.models.visible_to instead:\n" + "\n".join(breaches)


# --- formula characters ---------------------------------------------------------------------------

# A literal list of formula characters: "=" and "@" as string literals on one line (in any order, either quote).
FORMULA_LIST = re.compile(r"""(["'])=\1.*(["'])@\2|(["'])@\3.*(["'])=\4""")


def test_the_formula_scan_catches_a_second_list() -> None:
    """The lists the importer and the problem report once had of their own are what the scan must flag."""
    assert FORMULA_LIST.search('FORMULA_STARTS = ("=", "+", "-", "@")')
    assert FORMULA_LIST.search("return f\"'{text}\" if text.startswith(('=', '+', '-', '@', '\\t')) else text")
    assert not FORMULA_LIST.search("if text.startswith(FORMULA_STARTS):")
    assert FORMULA_LIST.search((ROOT / "data_access" / "exporting.py").read_text(encoding="utf-8"))


def test_formula_characters_are_listed_once() -> None:
    breaches = _breaches(FORMULA_LIST, home=ROOT / "data_access" / "exporting.py")
    assert not breaches, "take formula characters from data_access.exporting:\n" + "\n".join(breaches)
    assert loading.FORMULA_STARTS is exporting.FORMULA_STARTS
    assert exporting.FORMULA_TRIGGERS[: len(exporting.FORMULA_STARTS)] == exporting.FORMULA_STARTS


def test_the_import_problem_report_escapes_formulas_as_the_downloads_do() -> None:
    """The importer's refusal quotes the offending value back; the report must not run it when opened."""
    values = ['=HYPERLINK("http://x")', "+44 113", "-5", "@SUM(A1)", "\tx", "plain"]
    problems = [Problem("spend.csv", 2, "description", value, "a rule") for value in values]
    rows = list(csv.DictReader(io.StringIO(importing.report_csv(problems).decode("utf-8-sig"))))
    assert [row["Value"] for row in rows] == ['\'=HYPERLINK("http://x")', "'+44 113", "'-5", "'@SUM(A1)", "'\tx", "plain"]
    assert not hasattr(importing, "_safe_cell")


# --- vocabularies -------------------------------------------------------------------------------------


def _literal_word_lists(source: str) -> list[str]:
    """CHECK word lists in models.py source written as literals: `_in(column, ("a", "b"), name)` or `... IN ('a', 'b')` text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        words = node.args[1] if node.func.id == "_in" and len(node.args) >= 2 else None
        if isinstance(words, ast.Tuple | ast.List) and any(
            isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value for e in words.elts
        ):
            found.append(ast.unparse(node))
        text = node.args[0] if node.func.id == "CheckConstraint" and node.args else None
        if isinstance(text, ast.Constant) and re.search(r"\bIN\s*\(", str(text.value), re.IGNORECASE):
            found.append(ast.unparse(node))
    return found


def test_the_word_list_scan_catches_a_literal_list() -> None:
    assert _literal_word_lists('_in("kind", ("contract", "grant"), "agreement_kind")')
    assert _literal_word_lists("CheckConstraint(\"status IN ('planned', 'active')\", name='x')")
    assert not _literal_word_lists('_in("kind", AGREEMENT_KINDS, "agreement_kind")')
    assert not _literal_word_lists('_in("target_basis", ("", *BASES), "observation_target_basis")')


def test_check_word_lists_come_from_enums() -> None:
    found = _literal_word_lists((ROOT / "data_access" / "models.py").read_text(encoding="utf-8"))
    assert not found, "derive these from a vocabulary enum in models.py:\n" + "\n".join(found)


def _check_words() -> dict[tuple[str, str], tuple[str, ...]]:
    """(table, column) -> the words its CHECK constraint allows, read from the models' constraint text."""
    words = {}
    for table in models.SQLModel.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                match = re.fullmatch(r"(\w+) IN \((.*)\)", str(constraint.sqltext))
                if match:
                    words[(table.name, match[1])] = tuple(re.findall(r"'([^']*)'", match[2]))
    return words


def test_the_importer_accepts_exactly_what_the_database_accepts() -> None:
    checks = _check_words()
    assert checks[("agreement", "procurement_route")] == ("open", "selective", "limited", "direct", "not stated")
    assert checks[("measure", "unit")] == ("count", "percent", "share")
    compared = 0
    for _, model in loading.FILES:
        for column in model.__table__.c:
            key = (model.__tablename__, column.name)
            allowed = CHOICES.get((model, column.name)) or CHOICES.get((None, column.name))
            if key in checks and column.name not in {p for p, _ in loading.PARTIAL_DATES.values()}:
                assert allowed is not None, f"{key}: the database checks it but the importer does not"
                assert tuple(allowed) == tuple(w for w in checks[key] if w), key
                compared += 1
            elif allowed is not None and column.name not in {"basis", "visibility"}:
                raise AssertionError(f"{key}: the importer limits it but the database does not")
    assert compared >= 20


def test_vocabularies_keep_their_stored_words() -> None:
    """Stored rows and the migrations hold these exact words: an enum's value must never change."""
    assert models.values_of(models.AgreementKind) == ("contract", "grant")
    assert models.values_of(models.AgreementStatus) == ("planned", "active", "ended", "not stated")
    assert models.values_of(models.ProcurementRoute) == ("open", "selective", "limited", "direct", "not stated")
    assert models.values_of(models.DatePrecision) == ("day", "month", "year")
    assert models.values_of(models.AmendmentKind) == ("extension", "variation", "termination")
    assert models.values_of(models.MilestoneKind) == ("reprocurement", "decision", "delivery")
    assert models.values_of(models.MeasureUnit) == ("count", "percent", "share")
    assert models.values_of(models.AuditAction) == ("insert", "update", "delete")
    assert exporting.PROCUREMENT_METHODS == ("open", "selective", "limited", "direct")


# --- cached queries: called as typed functions, never by a string name -----------------------------------

QUERY_BY_NAME = re.compile(r"""\bcached\(\s*["']|_run\(\s*["']""")


def test_pages_call_cached_queries_as_functions() -> None:
    """`ui.cache.renewals(area=..., ...)`, not `cached("renewals", ...)`: a misspelt query is then an error at import,
    and a misspelt argument an error at the call (the wrapper binds it to the query's signature)."""
    assert QUERY_BY_NAME.search('frame = cached("renewals", area=area)')
    assert not QUERY_BY_NAME.search("frame = cache.renewals(area=area)")
    assert _breaches(QUERY_BY_NAME, home=ROOT / "ui" / "cache.py") == []


def test_a_misspelt_argument_to_a_cached_query_fails_at_the_call() -> None:
    import pytest

    from ui import cache  # no store is opened: the arguments are checked before the cache is asked

    with pytest.raises(TypeError, match="areaa"):
        cache.areas(areaa="norfolk")
    with pytest.raises(TypeError, match="missing a required argument: 'as_at'"):
        cache.renewals(area="norfolk", audience="public")


def test_a_cached_workbook_is_the_workbook_of_exactly_that_table() -> None:
    """`cache.xlsx_bytes` keeps each download's workbook by the table's content: another figure, another heading or
    another sheet name is another workbook, and a table Streamlit would hash only by a sample of rows is not cached."""
    import pandas as pd
    import streamlit.runtime.caching.hashing as hashing
    from openpyxl import load_workbook

    from ui import cache

    def cells(data: bytes) -> list[tuple[object, ...]]:
        sheet = load_workbook(io.BytesIO(data)).active
        return [sheet.title, *sheet.iter_rows(values_only=True)]

    # West Yorkshire's ISVA contract, £310,000 in 2017/18 (sample_data/spend.csv).
    table = pd.DataFrame({"Agreement": ["ISVA service"], "Spend": [310_000]})
    assert cells(cache.xlsx_bytes(table, "Spending")) == ["Spending", ("Agreement", "Spend"), ("ISVA service", 310_000)]
    assert cells(cache.xlsx_bytes(table.assign(Spend=[96_000]), "Spending"))[2] == ("ISVA service", 96_000)
    assert cells(cache.xlsx_bytes(table.rename(columns={"Spend": "Paid"}), "Spending"))[1] == ("Agreement", "Paid")
    assert cells(cache.xlsx_bytes(table, "Grants"))[0] == "Grants"
    assert cache.HASHED_WHOLE_BELOW_ROWS == hashing._PANDAS_ROWS_LARGE  # Streamlit's own threshold for sampling rows
    long = pd.DataFrame({"n": range(cache.HASHED_WHOLE_BELOW_ROWS)})
    changed = long.assign(n=long["n"].where(long.index != 7, -1))
    assert cells(cache.xlsx_bytes(long, "Lines"))[9] == (7,) and cells(cache.xlsx_bytes(changed, "Lines"))[9] == (-1,)
