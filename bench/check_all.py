"""Run ``check`` on every workbook in a folder and print the per-workbook agreement table.

    python bench/check_all.py ../shared/workbooks [--mismatches]

Columns: formula cells, cells compared with a trusted cached value, those recomputed to it
and the ratio; cells compared with untrusted caches (placeholders, manual mode) and those
that agree; flags (P placeholder caches, M manual mode, X external links, T pivot tables);
with ``--fused``, the share of the stochastic slice the numba kernel fuses; seconds.  Fields a
report lacks (an older engine) print as "-".
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.check import CheckReport, check_model
from engine.errors import McdeskError
from engine.model import Model

SEPARATE = "formulas__test.xlsx"
NAME_WIDTH = 58


def _get(report: CheckReport, name: str) -> Any:
    return getattr(report, name, None)


def _flags(report: CheckReport) -> str:
    calc = _get(report, "calc") or {}
    flags = ""
    flags += "P" if calc.get("full_calc_on_load") else ""
    flags += "M" if str(calc.get("calc_mode") or "").lower() == "manual" else ""
    flags += "X" if _get(report, "external_links") else ""
    flags += "T" if _get(report, "pivot_tables") else ""
    return flags or "-"


def fused_share(model: Model, max_inputs: int = 2_000) -> float | None:
    """Share of the stochastic slice's cells the numba kernel fuses, for the slice from every
    number a formula reads (at most ``max_inputs``, each given a distribution) to every
    formula nothing reads; None when there is no slice or it cannot be compiled."""
    try:
        from engine.backends.numba import fused_report
    except ImportError:
        return None
    from engine import ir
    from engine.simulate import prepare
    from engine.spec import InputSpec, SimulationSpec

    cells = model.workbook.formula_cells()
    read: set = set()
    numbers: dict[str, float] = {}
    for c in cells:
        read.update(model.deps(c))
        for r in ir.references(model.code(c).node):
            if isinstance(r, ir.Ref) and not model.is_formula(r.cell) and len(numbers) < max_inputs:
                v = getattr(model.workbook.cell(r.cell), "value", None)
                if isinstance(v, int | float) and not isinstance(v, bool):
                    numbers[str(r.cell)] = float(v)
    outputs = [str(c) for c in cells if c not in read]
    if not numbers or not outputs:
        return None
    inputs = [InputSpec(c, "triangular", {"min": v - 1.0, "mode": v, "max": v + 1.0})
              for c, v in numbers.items()]
    try:
        job = prepare(model, SimulationSpec(inputs, outputs, trials=1_000))
        steps = len(job.program.steps)
        return 1.0 - len(fused_report(job)) / steps if steps else None
    except Exception:  # noqa: BLE001 - a column, never a failure of the table
        return None


def _pct(x: Any) -> str:
    return "-" if x is None else f"{x:.4%}"


def _int(x: Any) -> str:
    return "-" if x is None else f"{x:d}"


# (header, width, value of a row) for each column after the workbook's name
COLUMNS: list[tuple[str, int, Callable[[dict[str, Any]], str]]] = [
    ("formulas", 8, lambda r: _int(_get(r["report"], "formula_cells"))),
    ("compared", 8, lambda r: _int(_get(r["report"], "compared"))),
    ("match", 7, lambda r: _int(_get(r["report"], "matches_cached"))),
    ("ratio", 9, lambda r: _pct(_get(r["report"], "match_ratio"))),
    ("untrust", 7, lambda r: _int(_get(r["report"], "compared_untrusted"))),
    ("agree", 6, lambda r: _int(_get(r["report"], "matches_untrusted"))),
    ("flags", 5, lambda r: _flags(r["report"])),
    ("fused", 7, lambda r: "-" if r["fused"] is None else f"{r['fused']:.1%}"),
    ("s", 6, lambda r: f"{r['seconds']:.1f}"),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--mismatches", action="store_true", help="list each miss")
    ap.add_argument("--fused", action="store_true",
                    help="add the share of each workbook's stochastic slice numba fuses "
                         "(its numbers as inputs, its last formulas as outputs; slower)")
    args = ap.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for path in sorted(args.folder.glob("*.xls[xm]")):   # .xlsm too, as bench_fused reads them
        t = time.perf_counter()
        try:
            model = Model.open(path)
            report = check_model(model)
        except McdeskError as exc:
            rows.append({"name": path.name, "error": str(exc)})
            continue
        seconds = time.perf_counter() - t
        rows.append({"name": path.name, "report": report, "seconds": seconds,
                     "fused": fused_share(model) if args.fused else None})
    width = max([NAME_WIDTH, *(len(r["name"]) for r in rows)])
    columns = [c for c in COLUMNS
               if c[0] != "fused" or any(r.get("fused") is not None for r in rows)]
    print(f"{'workbook':{width}} " + " ".join(f"{h:>{w}}" for h, w, _ in columns))
    total = matched = 0
    for row in rows:
        if "error" in row:
            print(f"{row['name']:{width}} error: {row['error']}")
            continue
        report = row["report"]
        print(f"{row['name']:{width}} " + " ".join(f"{get(row):>{w}}" for _, w, get in columns))
        if row["name"] != SEPARATE:
            total += _get(report, "compared") or 0
            matched += _get(report, "matches_cached") or 0
        if args.mismatches:
            for m in report.mismatches:
                print(f"    {m.cell} {m.formula[:70]} expected {m.expected!r} got {m.got!r} "
                      f"({m.reason})")
    ratio = _pct(matched / total if total else None)
    print(f"{'all except ' + SEPARATE:{width}} {'':8} {total:8d} {matched:7d} {ratio:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
