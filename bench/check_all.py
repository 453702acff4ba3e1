"""Run ``check`` on every workbook in a folder and print the per-workbook agreement table.

    python bench/check_all.py ../shared/workbooks [--mismatches]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from engine.check import check_model
from engine.errors import McdeskError
from engine.model import Model

SEPARATE = "formulas__test.xlsx"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--mismatches", action="store_true", help="list each miss")
    args = ap.parse_args(argv)
    total = matched = 0
    print(f"{'workbook':58} {'formulas':>8} {'compared':>8} {'match':>7} {'ratio':>8} {'s':>6}")
    for path in sorted(args.folder.glob("*.xlsx")):
        t = time.perf_counter()
        try:
            report = check_model(Model.open(path))
        except McdeskError as exc:
            print(f"{path.name:58} error: {exc}")
            continue
        dt = time.perf_counter() - t
        print(f"{path.name:58} {report.formula_cells:8d} {report.compared:8d} "
              f"{report.matches_cached:7d} {report.match_ratio:8.4%} {dt:6.1f}")
        if path.name != SEPARATE:
            total += report.compared
            matched += report.matches_cached
        if args.mismatches:
            for m in report.mismatches:
                print(f"    {m.cell} {m.formula[:70]} expected {m.expected!r} got {m.got!r} ({m.reason})")
    print(f"{'all except ' + SEPARATE:58} {'':8} {total:8d} {matched:7d} {matched / max(total, 1):8.4%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
