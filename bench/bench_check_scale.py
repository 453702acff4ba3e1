"""Benchmark: ``mcdesk check`` on big generated workbooks (issue 13: 100,000 formulas in at most
20 s under 1 GB; issue 17: 10^6 formulas in bounded memory, goal 60 s, at most 2 GB).

    python bench/bench_check_scale.py [--sizes 20000,100000,1000000] [--out DIR] [--timeout 600]

Each workbook is realistic rather than uniform: a label and a constant per row, four formulas
down the columns (a running total reading the row above, a text flag from IF, a ratio, a
growth reading the previous row's ratio), and a summary block of SUMIF, COUNTIF, VLOOKUP,
INDEX/MATCH and SUM over the whole columns.  Cached values are written (computed here) so
check compares every cell.  Every number is measured in its own child process: load seconds
(``load_workbook``), check seconds (``check_model(Model.open(p))``, what ``mcdesk check`` does,
load included) and the child's peak RSS.

Measured 2026-12-06 on the shared 2-core machine, check s / peak MB:
  before (5131322), quiet: 20k 6.5 s / 309 MB, 100k 31.6 s / 935 MB
  1c9a939, quiet:          20k 2.3 s / 217 MB, 100k  9.6 s / 577 MB
  1c9a939, loaded:         10^6: load 33 s / 598 MB, check 337 s / 4,685 MB (over the 2 GB goal)
  now (load average 13-15, so wall seconds are mostly the neighbours'; CPU s of the child):
    100k side by side (--baseline 1c9a939): before 40.7 s wall / 578 MB, now 34.8 s wall,
         9.2 CPU s / 307 MB: 1.2x CPU, 1.9x memory
    10^6: load 31 s / 564 MB; check 531 s wall, 87.7 CPU s / 1,935 MB: 2.4x memory, under
         2 GB; the 60 s goal is not met (about 80 s of CPU)
  What changed: the deterministic pass releases each cell's code and IR once computed (a
  CellCode keeps its dependencies and what compiling found, the code is compiled when first
  run), one shared CompileInfo for the cells whose compile found nothing, topological order
  over int32 edge arrays, one row int per row in the reader, a replayed rebuild plan per
  parse-cache template.
  Session 22 (load average 7-8), side by side with --baseline 618bec4 (CPU s of the child):
    100k: 9.23 -> 6.92 CPU s (1.3x), 312 -> 312 MB
    10^6: 86.35 -> 73.64 CPU s (1.2x), 1,936 -> 1,933 MB, 999,998/999,998 matches; the 60 s
         goal is still not met
  What changed: CellRef is a NamedTuple (hashed in C), copies of one formula computed together
  as trial vectors (engine/_batches.py: the ratio, flag and growth columns here; the running
  total reads its own column and stays cell by cell), a copy's read references from its
  template, one CellRef object per cell in dependency lists, fewer workbook lookups.
  Session 23 (load average 9-11), side by side with --baseline c9a8fac (CPU s of the child):
    100k: 6.78 -> 5.77 CPU s (1.2x), 312 -> 279 MB
    10^6: 75.19 -> 52.08 CPU s (1.4x), 1,933 -> 1,601 MB, 999,998/999,998 matches (the
         brief's 55 CPU s and 1.7 GB met; the issue's 60 s goal met in CPU seconds)
  What changed: every chunk of a family longer than 65,536 copies runs as a batch (the later
  chunks fell back cell by cell: about 550,000 cells here); the running total runs as a
  chain (its other operand as one vector, then np.cumsum: the same sums in the same order);
  copies of a template without ranges keep no IR; the needed cells sorted from the targets'
  row order (not a set's); the add-in scan with the collector paused; copies with the same
  result, and cells with the same constant, share one Vec.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _measure  # noqa: E402
from _xlsx_writer import cell_xml  # noqa: E402

# check seconds and peak MB measured at RECORDED_REV (see the docstring), the "before" column
# when --baseline is not given
RECORDED_REV = "1c9a939"
RECORDED = {100_000: (9.59, 577), 1_000_000: (336.73, 4685)}

FORMULAS_PER_ROW = 4
SUMMARY = 6


def _cell(ref: str, formula: str | None, value: Any) -> str:
    return cell_xml(ref, value if formula is None else (formula, value))


def sheet_xml(formulas: int) -> str:
    """``formulas`` formula cells (about): rows of label, constant, four formulas; a summary."""
    rows = max(2, (formulas - SUMMARY) // FORMULAS_PER_ROW)
    last = rows + 1
    out = ['<sheetData><row r="1">', _cell("A1", None, "Item"), _cell("B1", None, "Amount"),
           _cell("C1", None, "Total"), _cell("D1", None, "Flag"), _cell("E1", None, "Ratio"),
           _cell("F1", None, "Growth")]
    total = 0.0
    prev_ratio = 0.0
    highs = 0
    high_sum = 0.0
    col_c: list[float] = []
    labels: list[str] = []
    sum_b = 0.0
    out.append("</row>")
    for r in range(2, last + 1):
        b = float((r * 37) % 101 + 1)
        total = b * 1.05 + total if r > 2 else b * 1.05
        flag = "high" if b > 50 else "normal"
        ratio = total / b
        growth = ratio - prev_ratio
        label = f"Item {r - 1}"
        cells = [_cell(f"A{r}", None, label), _cell(f"B{r}", None, b),
                 _cell(f"C{r}", f"B{r}*1.05+C{r - 1}" if r > 2 else f"B{r}*1.05", total),
                 _cell(f"D{r}", f'IF(B{r}>50,"high","normal")', flag),
                 _cell(f"E{r}", f"C{r}/B{r}", ratio),
                 _cell(f"F{r}", f"E{r}-E{r - 1}" if r > 2 else f"E{r}", growth)]
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
        prev_ratio = ratio
        sum_b += b
        col_c.append(total)
        labels.append(label)
        if flag == "high":
            highs += 1
            high_sum += b
    mid = rows // 2
    summary = [
        ("H1", f'SUMIF(D2:D{last},"high",B2:B{last})', high_sum),
        ("H2", f'COUNTIF(D2:D{last},"high")', float(highs)),
        ("H3", f'VLOOKUP("{labels[mid]}",A2:C{last},3,FALSE)', col_c[mid]),
        ("H4", f'INDEX(C2:C{last},MATCH("{labels[-1]}",A2:A{last},0))', col_c[-1]),
        ("H5", f"SUM(B2:B{last})", sum_b),
        ("H6", f"MAX(C2:C{last})", max(col_c)),
    ]
    # the summary cells go at the end of rows 1..6 (cells in column order: H after F)
    text = "".join(out)
    for ref, f, v in summary:
        row = text.index(f'<row r="{ref[1:]}">')
        close = text.index("</row>", row)
        text = text[:close] + _cell(ref, f, v) + text[close:]
    return text + "</sheetData>"


def generate(path: Path, formulas: int) -> None:
    from bench_load import write_xlsx

    write_xlsx(path, [("Calc", sheet_xml(formulas))])


def child(mode: str, path: str) -> None:
    import logging

    logging.disable(logging.CRITICAL)
    from engine.check import check_model
    from engine.model import Model
    from engine.workbook import load_workbook

    p = Path(path)
    watch = _measure.Stopwatch()
    if mode == "load":
        wb = load_workbook(p)
        info: dict[str, Any] = {"cells": sum(len(s.cells) for s in wb.sheets.values())}
    else:
        report = check_model(Model.open(p))
        info = {"formulas": report.formula_cells, "compared": report.compared,
                "matches": report.matches_cached}
    watch.report(info)


def baseline_tree(rev: str) -> Path:
    """``engine/`` and ``bench/`` as they were at ``rev`` (git archive into a temporary folder),
    so the baseline runs in the same invocation, on the same machine load."""
    out = Path(tempfile.mkdtemp(prefix=f"bench_check_scale_{rev}_"))
    archive = subprocess.run(["git", "archive", rev, "engine", "bench"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def _num(m: dict[str, Any], key: str, f: str) -> str:
    if m.get("s") is None:
        return m.get("note", "-")
    return format(m[key], f) if m.get(key) is not None else "-"


def _ratio(before: dict[str, Any] | None, after: dict[str, Any], key: str) -> str:
    if not before or not before.get(key) or not after.get(key) or after.get("s") is None:
        return "-"
    return f"{before[key] / after[key]:.1f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="20000,100000,1000000")
    ap.add_argument("--out", type=Path, help="keep the generated workbooks here")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per measurement")
    ap.add_argument("--baseline", metavar="REV", help="also check with the engine of git REV, "
                    "side by side (default: the numbers recorded in RECORDED)")
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_check_scale_"))
    out.mkdir(parents=True, exist_ok=True)
    base = baseline_tree(args.baseline) if args.baseline else None
    label = args.baseline or f"recorded {RECORDED_REV}"
    print(f"before = {label}; ratios are before / now (CPU s: the steadier number on a loaded "
          "machine)")
    print(f"{'formulas':>10} {'load s':>7} {'load MB':>8} {'check s':>8} {'cpu s':>7} "
          f"{'check MB':>9} {'before s':>9} {'bef cpu':>8} {'before MB':>9} {'time':>6} "
          f"{'memory':>6} {'matches':>16}")
    for n in (int(x) for x in args.sizes.split(",")):
        path = out / f"scale_{n}.xlsx"
        if not path.exists():
            generate(path, n)
        load = _measure.measure(__file__, "load", path, args.timeout)
        check = _measure.measure(__file__, "check", path, args.timeout)
        if base is not None:
            before: dict[str, Any] | None = _measure.measure(
                base / "bench" / "bench_check_scale.py", "check", path, args.timeout, cwd=base)
        else:
            rec = RECORDED.get(n)
            before = {"s": rec[0], "cpu_s": None, "rss_mb": rec[1]} if rec else None
        matches = (f"{check['matches']:,}/{check['compared']:,}" if check.get("s") is not None
                   else "-")
        time_key = "cpu_s" if before and before.get("cpu_s") else "s"
        print(f"{n:>10,} {_num(load, 's', '.2f'):>7} {_num(load, 'rss_mb', '.0f'):>8} "
              f"{_num(check, 's', '.2f'):>8} {_num(check, 'cpu_s', '.2f'):>7} "
              f"{_num(check, 'rss_mb', '.0f'):>9} "
              f"{_num(before or {}, 's', '.2f'):>9} {_num(before or {}, 'cpu_s', '.2f'):>8} "
              f"{_num(before or {}, 'rss_mb', '.0f'):>9} "
              f"{_ratio(before, check, time_key):>6} {_ratio(before, check, 'rss_mb'):>6} "
              f"{matches:>16}", flush=True)


if __name__ == "__main__":
    main()
