"""Write an area's public downloads to a folder, for the office's website: `python -m data_access.exporting`.

    python -m data_access.exporting --area norfolk --out DIR [--year 2016/17] [--as-at 2026-04-01]

writes the same files the public transparency pages offer (CSV and Excel of money, contracts, grants and service
performance; contracts as OCDS 1.1; grants as 360Giving), built by the same functions from the same public queries,
and a README.txt saying what each file is, the as-at date, the financial year and the sources. Run it from cron (or
a systemd timer) to keep a website's copies current. Exit 0 when written, 2 for an unknown area, a folder that
cannot be written or a year or date that cannot be read; nothing is left half-written (each file is written beside
its place and moved in).

The OCDS and 360Giving files carry the office's identifiers from settings (OCDS_OCID_PREFIX, GRANTS_360_PREFIX,
OPCC_ORG_ID); with them unset they use placeholders and say, in the file and in the README, that they are not for
publication.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from data_access import exporting, public, queries
from data_access.models import Audience
from data_access.periods import format_date, fy_label, parse_fy
from data_access.settings import Settings, get_settings

PUBLIC = Audience.PUBLIC


@dataclass(frozen=True)
class Written:
    """One file written: its name, what it is, and its SHA-256 (so a website can show it has not been altered)."""

    name: str
    what: str
    sha256: str


class ExportRefused(Exception):
    """The export cannot be made as asked (an unknown area, a year that cannot be read); the message says why."""


def public_files(
    session: Session, *, area: str, settings: Settings, today: date, year: int | None = None, as_at: date | None = None
) -> tuple[dict[str, tuple[str, bytes]], list[str], dict[str, str]]:
    """(file name -> (what it is, bytes), the sources cited, facts for the README) of an area's public downloads."""
    areas = queries.areas(session=session)
    if area not in set(areas["id"]):
        raise ExportRefused(f"There is no area '{area}' in the store; its areas are: {', '.join(areas['id'])}")
    area_name = str(areas.set_index("id").loc[area, "name"])
    if as_at is None:
        as_at, as_at_reason = queries.default_as_at(session=session, area=area, today=today, audience=PUBLIC)
    else:
        as_at_reason = "given with --as-at"
    if year is None:
        year = queries.default_financial_year(session=session, area=area, audience=PUBLIC, as_at=as_at)
    by_stream = queries.budget_and_spend_by_funding_stream(session=session, area=area, year=year, audience=PUBLIC, published_only=True)
    by_priority = queries.budget_and_spend_by_priority(session=session, area=area, year=year, audience=PUBLIC, published_only=True)
    agreements = public.published_agreements(session=session, area=area, audience=PUBLIC, as_at=as_at)
    amendments = queries.amendments(session=session, area=area, audience=PUBLIC, published_only=True)
    performance = public.published_performance(session=session, area=area, audience=PUBLIC)
    published = datetime.combine(today, datetime.min.time(), tzinfo=UTC)

    files: dict[str, tuple[str, bytes]] = {}
    facts: dict[str, str] = {}
    tables = exporting.spending_tables(by_stream, by_priority, agreements, amendments, area_name=area_name, year=fy_label(year))
    if not performance.empty:
        tables.append(("Service performance", "service-performance", exporting.performance_download(performance)))
    for title, stem, table in tables:
        rows = f"{len(table)} row{'s' if len(table) != 1 else ''}"
        files[f"{area}-{stem}.csv"] = (f"{title}, CSV ({rows})", exporting.csv_bytes(table))
        files[f"{area}-{stem}.xlsx"] = (f"{title}, Excel ({rows})", exporting.xlsx_bytes(table, sheet=title))
    packages = exporting.spending_packages(
        agreements,
        amendments,
        published=published,
        ocid_prefix=settings.ocds_ocid_prefix,
        org_id=settings.opcc_org_id,
        grants_prefix=settings.grants_360_prefix,
    )
    for label, name, package in packages:
        if package:
            files[f"{area}-{name}"] = (label, exporting.json_bytes(package))
        else:
            facts[f"none:{name}"] = f"No {label.split(' as ')[-1].split(' (')[0]} file: no record has what the standard needs."
    citations = [
        *by_stream["citations"],
        *by_priority["citations"],
        *agreements["citations"],
        *amendments["citations"],
        *performance.get("citations", []),
    ]
    sources = queries.source_lines(citations, queries.sources(session=session))
    facts |= {
        "area": area_name,
        "year": fy_label(year),
        "as_at": f"{format_date(as_at)} ({as_at_reason})",
        "published": published.strftime("%d/%m/%Y"),
    }
    return files, sources, facts


def readme(written: list[Written], sources: list[str], facts: dict[str, str], settings: Settings) -> str:
    """The README.txt beside the files: what each is, the dates, the sources, and whether the open data may be published."""
    lines = [
        f"Public data on police commissioning money: {facts['area']}",
        "",
        f"Written {facts['published']}. Money for the financial year {facts['year']} (1 April to 31 March); contracts "
        f"and grants of all years, their status as at {facts['as_at']}.",
        "Free to reuse under the Open Government Licence v3. A blank cell means the figure is not published.",
        "",
        "Files (SHA-256 in brackets):",
        *(f"- {w.name}: {w.what} [{w.sha256}]" for w in written),
        "",
    ]
    lines += [text for key, text in facts.items() if key.startswith("none:")]
    has_ocds, has_360 = (any(w.name.endswith(name) for w in written) for name in ("-contracts-ocds.json", "-grants-360giving.json"))
    if not has_ocds:
        pass
    elif settings.publishable:
        lines.append(f"OCDS: OCID prefix {settings.ocds_ocid_prefix}; buyer {settings.opcc_org_id}.")
    else:
        lines.append(
            f"NOT FOR PUBLICATION: the OCDS file uses the placeholder OCID prefix {exporting.OCID_PREFIX}. Set OCDS_OCID_PREFIX "
            "and OPCC_ORG_ID (see the README's configuration section) before putting it on a website."
        )
    if not has_360:
        pass
    elif settings.publishable_360:
        lines.append(f"360Giving: prefix {settings.grants_360_prefix}; funder {settings.opcc_org_id}.")
    else:
        lines.append(
            f"NOT FOR PUBLICATION: the 360Giving file uses the placeholder prefix {exporting.ORG_ID_PREFIX_360G}. Set "
            "GRANTS_360_PREFIX and OPCC_ORG_ID before putting it on a website."
        )
    lines += ["", "Sources:", *(f"- {s}" for s in sources or ["none cited"]), ""]
    return "\n".join(lines)


def _write(folder: Path, name: str, data: bytes) -> None:
    """Write beside the file's place, then move it in, so a website never serves half a file."""
    temporary = folder / f".{name}.partial"
    temporary.write_bytes(data)
    os.replace(temporary, folder / name)


def export_area(
    engine: Engine, *, area: str, out: Path, settings: Settings, today: date, year: int | None = None, as_at: date | None = None
) -> list[Written]:
    """Write an area's public downloads and README.txt into `out` (made if missing); raises ExportRefused or OSError."""
    with Session(engine) as session:
        files, sources, facts = public_files(session, area=area, settings=settings, today=today, year=year, as_at=as_at)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (what, data) in files.items():
        _write(out, name, data)
        written.append(Written(name, what, hashlib.sha256(data).hexdigest()))
    _write(out, "README.txt", readme(written, sources, facts, settings).encode("utf-8"))
    return written


def main(argv: list[str] | None = None, *, engine: Engine | None = None, today: date | None = None) -> int:
    """The command line. Exit 0 when written; 2 when the area, year, date or folder will not do."""
    parser = argparse.ArgumentParser(prog="python -m data_access.exporting", description="Write an area's public downloads to a folder.")
    parser.add_argument("--area", required=True, help="the area's id, e.g. norfolk")
    parser.add_argument("--out", required=True, type=Path, help="the folder to write into (made if missing; files in it are replaced)")
    parser.add_argument("--year", help="the financial year of the money tables, e.g. 2016/17 (default: as the page chooses)")
    parser.add_argument("--as-at", help="the date contracts' status is judged at, e.g. 2026-04-01 (default: as the page chooses)")
    args = parser.parse_args(argv)
    try:
        year = parse_fy(args.year) if args.year else None
    except ValueError as error:
        print(f"Cannot export: --year '{args.year}' {error}", file=sys.stderr)
        return 2
    try:
        as_at = date.fromisoformat(args.as_at) if args.as_at else None
    except ValueError:
        print(f"Cannot export: --as-at '{args.as_at}' is not a date written like 2026-04-01", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"Cannot export: {args.out} is a file, not a folder", file=sys.stderr)
        return 2
    settings = get_settings()
    if engine is None:
        from data_access.db import open_store

        engine = open_store()
    try:
        written = export_area(engine, area=args.area, out=args.out, settings=settings, today=today or date.today(), year=year, as_at=as_at)
    except ExportRefused as refused:
        print(f"Cannot export: {refused}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"Cannot write to {args.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"Wrote {len(written)} files and README.txt to {args.out}")
    if not settings.publishable or not settings.publishable_360:
        print("NOT FOR PUBLICATION: open-data identifiers are not set; README.txt says which.")
    return 0
