"""Generate a regional or national store in the import format, for the benchmark (issue 12).

Every figure is made up: each row that carries a basis is `illustrative`, with a basis_note saying it
was generated for the benchmark, and cites a generated source (one per area). The sizes follow issue 12:
43 areas, 10 financial years (2015/16 to 2024/25), about 6,450 agreements, 3,900 amendments, 2,200
providers, 1,000,000 spend lines and 45,000 observations; `--areas 5` gives the 5-area store (about 117,000
spend lines). The seed is fixed, so two runs write the same files.

The files are written as a backup folder (`data_access.backup`): each table in parts of at most
PART_ROWS rows (spend.csv, spend.part2.csv, ...) and a manifest.json with each file's rows and SHA-256, so

    python -m benchmarks.generate OUT [--areas 5]
    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m data_access.backup load OUT

loads it. The rows keep the loader's rules: ids refer to rows listed earlier, an agreement's priority
shares add up to 100, spend periods of one agreement never overlap (one line per agreement and quarter;
the other payment lines name no agreement and no funding stream, so no two of them are one line's twice).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from data_access.backup import FORMAT_VERSION, HEADERS, MANIFEST, PART_ROWS, money_text, part_name

SEED = 20261128
FIRST_YEAR = 2015  # 2015/16 ... 2024/25
YEARS = 10
AREAS_NATIONAL = 43
AGREEMENTS_PER_AREA = 150  # 43 x 150 = 6,450
AMENDMENT_SHARE = 0.6  # of agreements: ~3,900 nationally
PROVIDERS_PER_AREA = 51  # 43 x 51 = 2,193
SPEND_PER_AREA = 23_300  # 43 x 23,300 = 1,001,900; 5 x 23,300 = 116,500
OBSERVATIONS_PER_AREA = 1_050  # 43 x 1,050 = 45,150
STREAMS_PER_AREA = 8
PRIORITIES_PER_PLAN = 6
NOTE = "Not a real figure: generated for the benchmark (benchmarks/generate.py)"
MEASURES = [
    # id, name, unit, higher_is_better, counts_people
    ("referrals", "Referrals received", "count", "yes", "yes"),
    ("people-supported", "People supported", "count", "yes", "yes"),
    ("cases-closed", "Cases closed", "count", "yes", "yes"),
    ("waiting-days", "Average days waiting", "count", "no", "no"),
    ("satisfied", "Service users satisfied", "percent", "yes", "no"),
    ("cope-better", "Service users better able to cope", "percent", "yes", "no"),
    ("referral-source", "Referrals by source", "share", "", "no"),
    ("age-group", "People supported by age group", "share", "", "no"),
]
BREAKDOWNS = {
    "referral-source": ("referral source", {"Police": 55, "Self-referral": 25, "Health": 12, "Children's social care": 8}),
    "age-group": ("age group", {"Under 18": 15, "18 to 34": 40, "35 to 54": 30, "55 and over": 15}),
}
AREA_NAMES = [
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London", "Cleveland", "Cumbria",
    "Derbyshire", "Devon and Cornwall", "Dorset", "Durham", "Dyfed-Powys", "Essex", "Gloucestershire",
    "Greater Manchester", "Gwent", "Hampshire", "Hertfordshire", "Humberside", "Kent", "Lancashire", "Leicestershire",
    "Lincolnshire", "Merseyside", "Metropolitan", "Norfolk", "North Wales", "North Yorkshire", "Northamptonshire",
    "Northumbria", "Nottinghamshire", "South Wales", "South Yorkshire", "Staffordshire", "Suffolk", "Surrey", "Sussex",
    "Thames Valley", "Warwickshire", "West Mercia", "West Midlands", "West Yorkshire", "Wiltshire",
]  # fmt: skip
SERVICES = [
    "Independent sexual violence advisers", "Domestic abuse advocacy", "Victim referral and support", "Restorative justice",
    "Perpetrator programme", "Youth diversion", "Substance misuse treatment", "Mental health triage", "Stalking advocacy",
    "Child exploitation support", "Hate crime support", "Modern slavery support", "Community safety grants",
    "Road safety education", "Rural crime prevention", "Anti-social behaviour mediation",
]  # fmt: skip
# The import format's service type of each service above (data_access.models.ServiceType), so /compare and the
# overview's line against the area's group compare like with like at national scale; the rest are "other".
SERVICE_TYPES = {
    "Independent sexual violence advisers": "isva",
    "Domestic abuse advocacy": "idva",
    "Victim referral and support": "victim assessment and referral",
    "Restorative justice": "restorative justice",
    "Perpetrator programme": "perpetrator programme",
    "Substance misuse treatment": "substance misuse",
}
REGION_SIZE = 5  # generated peer groups of five areas in the store's order (the last holds what is left)


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-").replace("--", "-")


def fy(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def money(pence: int) -> str:
    return money_text(pence)


class Store:
    """The generated rows, file by file, as dicts of import-format text (streamed where large)."""

    def __init__(self, areas: int, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.area_ids = [slug(n) for n in AREA_NAMES[:areas]]
        self.area_names = AREA_NAMES[:areas]
        self.priorities: dict[str, list[str]] = {}  # area -> priority ids
        self.streams: dict[str, list[str]] = {}
        self.providers: dict[str, list[str]] = {}
        # area -> (agreement id, provider id, start year, last year inclusive, extended)
        self.agreements: dict[str, list[tuple[str, str, int, int, bool]]] = {}

    @staticmethod
    def cited(area: str) -> dict[str, str]:
        return {"source_id": f"gen-{area}", "source_section": "Generated", "basis": "illustrative", "basis_note": NOTE}

    def sources(self) -> Iterator[dict[str, str]]:
        for area, name in zip(self.area_ids, self.area_names, strict=True):
            yield {
                "id": f"gen-{area}",
                "title": f"Generated benchmark figures for {name} (illustrative)",
                "publisher": "benchmarks/generate.py",
                "published": "2025-04",
                "as_at_note": NOTE,
                "kind": "published",
            }

    def areas(self) -> Iterator[dict[str, str]]:
        for area, name in zip(self.area_ids, self.area_names, strict=True):
            yield {"id": area, "name": name, "office": f"Office of the Police and Crime Commissioner for {name}"}

    def plans(self) -> Iterator[dict[str, str]]:
        for area, name in zip(self.area_ids, self.area_names, strict=True):
            for first, last in ((FIRST_YEAR, FIRST_YEAR + 4), (FIRST_YEAR + 5, FIRST_YEAR + YEARS - 1)):
                yield {
                    "id": f"{area}-plan-{first}",
                    "area_id": area,
                    "title": f"Police and Crime Plan for {name} {first}-{(last + 1) % 100:02d} (illustrative)",
                    "first_year": fy(first),
                    "last_year": fy(last),
                    **self.cited(area),
                }

    def priorities_rows(self) -> Iterator[dict[str, str]]:
        themes = ["Victims", "Violence against women and girls", "Neighbourhood crime", "Road safety", "Reoffending", "Rural crime"]
        for area in self.area_ids:
            self.priorities[area] = []
            for first in (FIRST_YEAR, FIRST_YEAR + 5):
                for position, theme in enumerate(themes[:PRIORITIES_PER_PLAN], start=1):
                    pid = f"{area}-{first}-p{position}"
                    self.priorities[area].append(pid)
                    yield {
                        "id": pid,
                        "plan_id": f"{area}-plan-{first}",
                        "position": str(position),
                        "name": theme,
                        "description": f"{theme} (illustrative)",
                        **self.cited(area),
                    }

    def providers_rows(self) -> Iterator[dict[str, str]]:
        for area_number, area in enumerate(self.area_ids):
            self.providers[area] = []
            for n in range(PROVIDERS_PER_AREA):
                pid = f"{area}-provider-{n + 1}"
                self.providers[area].append(pid)
                yield {
                    "id": pid,
                    "name": f"{self.area_names[area_number]} {SERVICES[n % len(SERVICES)].split()[0]} Trust {n + 1}",
                    "charity_number": f"{1_100_000 + area_number * 1000 + n:07d}" if n % 3 else "",
                    "company_number": f"{area_number * 1000 + n:08d}" if n % 4 == 0 else "",
                    **self.cited(area),
                }

    def funding_streams(self) -> Iterator[dict[str, str]]:
        funders = ["Home Office", "Ministry of Justice (MOJ)", "Office of the PCC", "Youth Justice Board"]
        for area in self.area_ids:
            self.streams[area] = []
            for n in range(STREAMS_PER_AREA):
                sid = f"{area}-stream-{n + 1}"
                self.streams[area].append(sid)
                yield {
                    "id": sid,
                    "area_id": area,
                    "name": f"Fund {n + 1} ({funders[n % len(funders)]})",
                    "funder": funders[n % len(funders)],
                    **self.cited(area),
                }

    def agreements_rows(self) -> Iterator[dict[str, str]]:
        rng = self.rng
        for area in self.area_ids:
            self.agreements[area] = []
            for n in range(AGREEMENTS_PER_AREA):
                aid = f"{area}-agreement-{n + 1}"
                provider = rng.choice(self.providers[area])
                start_year = FIRST_YEAR + rng.randrange(YEARS)
                length = rng.choice([1, 2, 3, 3, 4, 5])
                extended = rng.random() < AMENDMENT_SHARE
                last_year = start_year + length - 1 + (1 if extended else 0)
                self.agreements[area].append((aid, provider, start_year, last_year, extended))
                annual = rng.randrange(20_000, 900_000) * 100
                kind = "grant" if n % 3 == 0 else "contract"
                yield {
                    "id": aid,
                    "area_id": area,
                    "title": f"{SERVICES[n % len(SERVICES)]} {n + 1}",
                    "kind": kind,
                    "provider_id": provider,
                    "funding_stream_id": rng.choice(self.streams[area]),
                    "procurement_route": rng.choice(["open", "selective", "direct", "not stated"]),
                    "number_of_tenderers": str(rng.randrange(1, 8)) if kind == "contract" else "",
                    "start_date": f"{start_year}-04-01",
                    "original_end_date": f"{start_year + length}-03-31",
                    "current_end_date": f"{last_year + 1}-03-31",
                    "latest_end_date": f"{last_year + 2}-03-31",
                    "extension_options_available": "2",
                    "extension_options_used": "1" if extended else "0",
                    "extension_terms": "initial term plus up to 2 x 12 months",
                    "annual_value": money(annual),
                    "total_value": money(annual * (last_year - start_year + 1)),
                    "purpose": f"{SERVICES[n % len(SERVICES)]} (illustrative)",
                    "service_type": SERVICE_TYPES.get(SERVICES[n % len(SERVICES)], "other"),
                    "illustrative_fields": "",
                    "visibility": "public" if n % 10 else "panel",
                    **self.cited(area),
                }

    def amendments(self) -> Iterator[dict[str, str]]:
        for area in self.area_ids:
            for aid, _, _, last_year, extended in self.agreements[area]:
                if extended:
                    yield {
                        "id": f"{aid}-extension",
                        "agreement_id": aid,
                        "kind": "extension",
                        "agreed_on": f"{last_year}-01",
                        "previous_end_date": f"{last_year}-03-31",
                        "new_end_date": f"{last_year + 1}-03-31",
                        "value_change": "",
                        "rationale": "Extended by one year (illustrative)",
                        "visibility": "public",
                        **self.cited(area),
                    }

    def milestones(self) -> Iterator[dict[str, str]]:
        for area in self.area_ids:
            for aid, _, _, last_year, _ in self.agreements[area][::5]:
                yield {
                    "id": f"{aid}-reprocurement",
                    "agreement_id": aid,
                    "on": f"{last_year}-09",
                    "kind": "reprocurement",
                    "title": "Re-procurement begins (illustrative)",
                    "visibility": "public",
                    **self.cited(area),
                }

    def agreement_priorities(self) -> Iterator[dict[str, str]]:
        rng = self.rng
        for area in self.area_ids:
            for aid, _, start_year, _, _ in self.agreements[area]:
                plan = 0 if start_year < FIRST_YEAR + 5 else PRIORITIES_PER_PLAN
                first, second = rng.sample(self.priorities[area][plan : plan + PRIORITIES_PER_PLAN], 2)
                shares = [(first, 100)] if rng.random() < 0.7 else [(first, 60), (second, 40)]
                for priority, share in shares:
                    yield {"agreement_id": aid, "priority_id": priority, "share_percent": str(share), **self.cited(area)}

    def budgets(self) -> Iterator[dict[str, str]]:
        rng = self.rng
        for area in self.area_ids:
            for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
                for stream in self.streams[area]:
                    yield {
                        "id": f"{stream}-{year}",
                        "area_id": area,
                        "financial_year": fy(year),
                        "funding_stream_id": stream,
                        "amount": money(rng.randrange(500_000, 5_000_000) * 100),
                        "description": "Allocation (illustrative)",
                        "visibility": "public",
                        **self.cited(area),
                    }

    def spend(self) -> Iterator[dict[str, str]]:
        rng = self.rng
        for area in self.area_ids:
            count = 0
            # One line per agreement and quarter it runs: never two for one agreement and period.
            for aid, _, start_year, last_year, _ in self.agreements[area]:
                for year in range(start_year, min(last_year, FIRST_YEAR + YEARS - 1) + 1):
                    for quarter in range(1, 5):
                        count += 1
                        yield {
                            "id": f"{aid}-{year}-q{quarter}",
                            "area_id": area,
                            "period": f"Q{quarter} {fy(year)}",
                            "agreement_id": aid,
                            "amount": money(rng.randrange(5_000, 250_000) * 100),
                            "is_credit": "no",
                            "description": "Quarterly payment (illustrative)",
                            "visibility": "public",
                            **self.cited(area),
                        }
            # The rest: payment lines with no agreement and no funding stream (purchase-ledger lines), a priority
            # where one is given.
            for n in range(SPEND_PER_AREA - count):
                year = FIRST_YEAR + n % YEARS
                credit = n % 50 == 0
                yield {
                    "id": f"{area}-payment-{n + 1}",
                    "area_id": area,
                    "period": f"Q{1 + (n // YEARS) % 4} {fy(year)}",
                    "priority_id": self.priorities[area][(0 if year < FIRST_YEAR + 5 else PRIORITIES_PER_PLAN) + n % PRIORITIES_PER_PLAN]
                    if n % 2
                    else "",
                    "amount": money((-1 if credit else 1) * rng.randrange(50, 2_000_000)),
                    "is_credit": "yes" if credit else "no",
                    "description": f"Payment to supplier {n % 997 + 1} (illustrative)",
                    "visibility": "public" if n % 20 else "restricted",
                    **self.cited(area),
                }

    def measures(self) -> Iterator[dict[str, str]]:
        for mid, name, unit, higher, people in MEASURES:
            yield {
                "id": mid,
                "name": name,
                "unit": unit,
                "higher_is_better": higher,
                "counts_people": people,
                "description": f"{name} (illustrative)",
            }

    def observations(self) -> Iterator[dict[str, str]]:
        rng = self.rng
        plain = [m for m in MEASURES if m[0] not in BREAKDOWNS]
        for area in self.area_ids:
            count = 0
            agreements = self.agreements[area]
            # Quarterly figures for each agreement's quarters, from the latest back, until the area has its share;
            # every 6th agreement also reports a breakdown (two agreements of an area share a breakdown measure).
            for index, (aid, _, _, last_year, _) in enumerate(agreements):
                if count >= OBSERVATIONS_PER_AREA:
                    break
                year = min(last_year, FIRST_YEAR + YEARS - 1)
                for quarter in range(1, 5):
                    for mid, _, unit, _, _ in plain[: 2 + index % 4]:
                        value = rng.randrange(40, 100) if unit == "percent" else rng.randrange(0, 400)
                        count += 1
                        yield {
                            "id": f"{aid}-{mid}-{year}-q{quarter}",
                            "measure_id": mid,
                            "area_id": area,
                            "agreement_id": aid,
                            "period": f"Q{quarter} {fy(year)}",
                            "value": str(value),
                            "target": str(80 if unit == "percent" else 200) if quarter == 4 else "",
                            "visibility": "public",
                            **self.cited(area),
                        }
                if index % 6 == 0:
                    mid = list(BREAKDOWNS)[index // 6 % 2]
                    dimension, shares = BREAKDOWNS[mid]
                    for value_name, share in shares.items():
                        count += 1
                        yield {
                            "id": f"{aid}-{mid}-{year}-{slug(value_name)}",
                            "measure_id": mid,
                            "area_id": area,
                            "agreement_id": aid,
                            "period": fy(year),
                            "value": str(share),
                            "dimension": dimension,
                            "dimension_value": value_name,
                            "visibility": "public",
                            **self.cited(area),
                        }

    def area_groups(self) -> Iterator[dict[str, str]]:
        for n, area in enumerate(self.area_ids):
            group = n // REGION_SIZE + 1
            yield {
                "group_id": f"gen-region-{group}",
                "name": f"Generated region {group}",
                "kind": "region",
                "area_id": area,
                **self.cited(area),
            }

    def populations(self) -> Iterator[dict[str, str]]:
        for n, area in enumerate(self.area_ids):
            for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):  # no random draw: the other files' rows stay as they were
                yield {
                    "area_id": area,
                    "financial_year": fy(year),
                    "population": str(600_000 + 97_000 * n + 4_000 * (year - FIRST_YEAR)),
                    **self.cited(area),
                }

    def files(self) -> list[tuple[str, Iterable[dict[str, str]]]]:
        return [
            ("sources.csv", self.sources()),
            ("areas.csv", self.areas()),
            ("plans.csv", self.plans()),
            ("priorities.csv", self.priorities_rows()),
            ("providers.csv", self.providers_rows()),
            ("funding_streams.csv", self.funding_streams()),
            ("agreements.csv", self.agreements_rows()),
            ("amendments.csv", self.amendments()),
            ("milestones.csv", self.milestones()),
            ("agreement_priorities.csv", self.agreement_priorities()),
            ("budgets.csv", self.budgets()),
            ("spend.csv", self.spend()),
            ("measures.csv", self.measures()),
            ("observations.csv", self.observations()),
            ("area_groups.csv", self.area_groups()),
            ("populations.csv", self.populations()),
        ]


def write_store(out: Path, areas: int = AREAS_NATIONAL) -> dict[str, int]:
    """Write the generated store into `out` (an empty or new folder) as a loadable backup; returns rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise SystemExit(f"{out} is not empty: choose an empty folder")
    store = Store(areas)
    counts: dict[str, int] = {}
    # Generated in load order: each generator fills what later ones refer to.
    for file_name, rows in store.files():
        header = HEADERS[file_name]
        part, handle, writer, in_part = 0, None, None, PART_ROWS
        for row in rows:
            if in_part == PART_ROWS:
                if handle:
                    handle.close()
                part += 1
                name = part_name(file_name, part)
                handle = (out / name).open("w", newline="", encoding="utf-8")
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(header)
                counts[name], in_part = 0, 0
            assert writer is not None
            unknown = set(row) - set(header)
            if unknown:
                raise ValueError(f"{file_name}: columns the import format does not have: {sorted(unknown)}")
            writer.writerow([row.get(column, "") for column in header])
            counts[name] += 1
            in_part += 1
        if handle:
            handle.close()
        else:  # no rows at all: one empty file, as a backup has
            with (out / file_name).open("w", newline="", encoding="utf-8") as empty:
                csv.writer(empty, lineterminator="\n").writerow(header)
            counts[file_name] = 0
    manifest = {
        "format_version": FORMAT_VERSION,
        "written_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "generated_by": f"benchmarks/generate.py, seed {SEED}, {areas} areas, {date.today().isoformat()}",
        "files": {name: {"rows": rows, "sha256": hashlib.sha256((out / name).read_bytes()).hexdigest()} for name, rows in counts.items()},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, metavar="DIR", help="an empty or new folder")
    parser.add_argument("--areas", type=int, default=AREAS_NATIONAL, help=f"how many areas (1 to {AREAS_NATIONAL}; default all)")
    args = parser.parse_args(argv)
    if not 1 <= args.areas <= AREAS_NATIONAL:
        parser.error(f"--areas must be from 1 to {AREAS_NATIONAL}")
    counts = write_store(args.out, args.areas)
    tables: dict[str, int] = {}
    for name, rows in counts.items():
        table = name.split(".")[0]
        tables[table] = tables.get(table, 0) + rows
    print(", ".join(f"{t} {n:,}" for t, n in tables.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
