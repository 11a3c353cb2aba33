"""Every finding of a store, as JSON, to show that a change to the rules' speed changed none of their findings.

    python -m benchmarks.findings_dump sqlite:////tmp/benchmark_stores/5_areas.sqlite3 before.json
    ... change the code ...
    python -m benchmarks.findings_dump sqlite:////tmp/benchmark_stores/5_areas.sqlite3 after.json --compare before.json

For each audience: the data-quality report of every area and of all areas (`store_findings`), and every area's
findings of every rule for its default financial year (`findings`, as the scrutiny pages ask). Order is kept: a
report that lists the same findings in another order is a difference too.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from data_access.db import make_engine
from data_access.findings import findings, store_findings
from data_access.models import Area, Audience

TODAY = date(2026, 11, 28)  # as benchmarks.run


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


def dump(url: str) -> dict[str, Any]:
    """Every finding, keyed by '<audience> <what was asked>'."""
    out: dict[str, Any] = {}
    engine = make_engine(url)
    with Session(engine) as session:
        area_ids = list(session.execute(select(col(Area.id)).order_by(col(Area.id))).scalars())
        for audience in Audience:
            for area in [None, *area_ids]:
                frame = store_findings(session=session, as_at=TODAY, audience=audience, area=area)
                out[f"{audience} store_findings {area or 'all'}"] = [
                    {k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
                ]
            for area in area_ids:
                out[f"{audience} findings {area}"] = [repr(f) for f in findings(session=session, area=area, as_at=TODAY, audience=audience)]
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the dump; with --compare, exit 1 unless it is identical to an earlier one."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    found = dump(args.url)
    args.out.write_text(json.dumps(found, indent=0, sort_keys=False))
    count = sum(len(v) for v in found.values())
    print(f"{count:,} findings in {len(found)} lists, {time.perf_counter() - started:.1f} s -> {args.out}")
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = [k for k in before.keys() | found.keys() if before.get(k) != found.get(k)]
        for key in sorted(differ)[:20]:
            print(f"differs: {key} ({len(before.get(key, []))} before, {len(found.get(key, []))} after)")
        print("identical" if not differ else f"{len(differ)} lists differ")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
