"""Check: the numba backend gives the numpy reference's answers on every workbook of a folder.

    python bench/check_agree.py FOLDER [--trials 2000] [--generated 0 --seed N]
                                [--max-cells 8000] [--all] [--only NAME] [--worst 5]

Each workbook's job is bench/bench_fused.py's (every non-zero number a formula reads becomes
a triangular input, every formula depending on one is an output, and so are the cells drawing
a random number (RAND, RANDBETWEEN, RANDARRAY) and their users: a RAND-only workbook is
checked too).  The numpy backend and the numba backend (one thread, kernels compiled into a
temporary folder) run the same trials of the same seed (the same random streams: exact
agreement expected); every output cell is compared trial by trial:

* ``maxrel``: the largest |numba - numpy| / max(|numpy|, the cell's scale), the scale being the
  largest finite |numpy| of the cell over the trials (tests/test_backend_numba.py's rule:
  1e-12 of the scale, a value near zero being a difference of large ones);
* ``codes``: cells whose error codes differ in some trial where both sides err;
* ``err/ok``: cells where one side errs and the other does not (or one is text, NaN, and the
  other a number) in some trial.

A cell agrees when its error codes are identical and its values are within 1e-12 (``--rtol``).
Printed: one row per workbook, then the worst cells of each workbook that disagrees, with the
trial, both answers and the cell's formula.  Slices of more than ``--max-cells`` cells are
skipped (their first compile takes minutes) unless ``--all``.  Exit status 1 when a workbook
disagrees.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_fused import generated_books, slice_job  # noqa: E402

RTOL = 1e-12


@dataclass
class CellDiff:
    cell: str
    kind: str           # "value", "codes", "err/ok"
    trials: int         # trials that disagree
    worst: float        # the relative difference (inf for codes and err/ok)
    trial: int          # the worst trial
    numpy: str
    numba: str
    formula: str = ""


@dataclass
class BookRow:
    name: str
    cells: int = 0
    fused: int = 0
    maxrel: float = 0.0
    codes: int = 0
    err_ok: int = 0
    seconds: float = 0.0
    note: str = ""
    diffs: list[CellDiff] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.note and not self.diffs


def _answer(value: float, code: int) -> str:
    from engine.values import ERROR_NAMES

    if code:
        return ERROR_NAMES.get(int(code), f"error {int(code)}")
    return "text/empty (NaN)" if np.isnan(value) else repr(float(value))


def compare_cell(cell: str, want: tuple[np.ndarray, np.ndarray],
                 got: tuple[np.ndarray, np.ndarray], rtol: float) -> list[CellDiff]:
    """The ways ``got`` (numba: values, error codes) differs from ``want`` (numpy)."""
    (wv, we), (gv, ge) = want, got
    out = []
    one_errs = (we == 0) != (ge == 0)
    both_ok = (we == 0) & (ge == 0)
    one_errs |= both_ok & (np.isnan(wv) != np.isnan(gv))
    codes = (we != 0) & (ge != 0) & (we != ge)
    for kind, mask in (("err/ok", one_errs), ("codes", codes)):
        if mask.any():
            t = int(np.argmax(mask))
            out.append(CellDiff(cell, kind, int(mask.sum()), float("inf"), t,
                                _answer(wv[t], we[t]), _answer(gv[t], ge[t])))
    num = both_ok & ~np.isnan(wv) & ~np.isnan(gv)
    if num.any():
        w, g = wv[num], gv[num]
        fin = np.isfinite(w)
        scale = float(np.max(np.abs(w[fin]), initial=0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(w == g, 0.0,
                           np.abs(g - w) / np.maximum(np.abs(w), scale))
        rel = np.where(np.isnan(rel), np.inf, rel)  # inf against a finite value, or two infs
        k = int(np.argmax(rel))
        if rel[k] > 0:
            idx = np.flatnonzero(num)[k]
            out.append(CellDiff(cell, "value", int((rel > rtol).sum()), float(rel[k]), int(idx),
                                _answer(wv[idx], 0), _answer(gv[idx], 0)))
    return out


def check(path: Path, trials: int, max_cells: int, rtol: float, kernel_dir: Path) -> BookRow:
    """Run ``path``'s slice on both backends and compare every output cell."""
    from engine.backends.numba import NumbaBackend, fused_report
    from engine.backends.numpy import NumpyBackend

    row = BookRow(path.name)
    t0 = time.perf_counter()
    try:
        job, _ = slice_job(path, trials)
    except LookupError as exc:
        row.note = str(exc)
        return row
    except Exception as exc:  # noqa: BLE001 - the engine refuses it: a row, not a failure
        row.note = f"{type(exc).__name__}: {str(exc)[:70]}"
        return row
    row.cells = len(job.program.steps)
    if row.cells > max_cells:
        row.note = f"skipped: {row.cells} cells > {max_cells} (--all to include)"
        return row
    row.fused = row.cells - len(fused_report(job))
    want = NumpyBackend().run(job, 0, trials)
    be = NumbaBackend(threads=1, kernel_dir=kernel_dir)
    try:
        got = be.run(job, 0, trials)
    finally:
        be.close()
    book = job.program
    for c in book.outputs:
        diffs = compare_cell(str(c), (want.outputs[c], want.errors[c]),
                             (got.outputs[c], got.errors[c]), rtol)
        for d in diffs:
            if d.kind == "value":
                row.maxrel = max(row.maxrel, d.worst)
                if d.trials == 0:
                    continue
            row.codes += d.kind == "codes"
            row.err_ok += d.kind == "err/ok"
            d.formula = _formula(path, job, c)
            row.diffs.append(d)
    row.seconds = time.perf_counter() - t0
    return row


_MODELS: dict[Path, Any] = {}


def _formula(path: Path, job: Any, cell: Any) -> str:
    from engine.model import Model

    if path not in _MODELS:
        _MODELS.clear()
        _MODELS[path] = Model.open(path)
    c = _MODELS[path].workbook.cell(cell)
    return "" if c is None or c.formula is None else str(c.formula)


def table(rows: list[BookRow], worst: int) -> list[str]:
    width = max([40, *(len(r.name) for r in rows)])
    head = (f"{'workbook':{width}} {'cells':>6} {'fused':>7} {'maxrel':>8} {'codes':>5} "
            f"{'err/ok':>6} {'secs':>6}  verdict")
    out = [head, "-" * len(head)]
    checked = same = 0
    top = 0.0
    for r in rows:
        if r.note:
            out.append(f"{r.name:{width}} {r.cells or '':>6} {'':7} {'':8} {'':5} {'':6} "
                       f"{'':6}  {r.note}")
            continue
        checked += 1
        same += r.agrees
        top = max(top, r.maxrel)
        share = r.fused / r.cells if r.cells else 1.0
        out.append(f"{r.name:{width}} {r.cells:6d} {share:7.1%} {r.maxrel:8.1e} {r.codes:5d} "
                   f"{r.err_ok:6d} {r.seconds:6.1f}  "
                   f"{'agree' if r.agrees else f'DIFFER ({len(r.diffs)} cells)'}")
    out.append(f"checked {checked} workbooks: {same} agree, {checked - same} differ; "
               f"max relative difference {top:.1e}")
    for r in rows:
        if r.diffs:
            out.append(f"\n{r.name}: worst cells")
            order = sorted(r.diffs, key=lambda d: (d.kind == "value", -d.worst, -d.trials))
            for d in order[:worst]:
                out.append(f"  {d.cell} [{d.kind}] {d.trials} trials, worst {d.worst:.1e} at "
                           f"trial {d.trial}: numpy {d.numpy}, numba {d.numba}")
                out.append(f"      {d.formula[:160]}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--trials", type=int, default=2_000)
    ap.add_argument("--generated", type=int, default=0,
                    help="also this many workbooks drawn as bench_fused --generated draws them")
    ap.add_argument("--seed", type=int, default=20261206, help="of the generated workbooks")
    ap.add_argument("--max-cells", type=int, default=8_000,
                    help="skip slices of more cells than this (compile time)")
    ap.add_argument("--all", action="store_true", help="include every slice, however large")
    ap.add_argument("--rtol", type=float, default=RTOL)
    ap.add_argument("--only", default="", help="only workbooks whose name contains this")
    ap.add_argument("--exclude", default="",
                    help="leave out workbooks whose name contains one of these (comma-separated)")
    ap.add_argument("--worst", type=int, default=5, help="cells printed per workbook")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    max_cells = sys.maxsize if args.all else args.max_cells
    with tempfile.TemporaryDirectory() as tmp:
        paths = sorted([*args.folder.glob("*.xlsx"), *args.folder.glob("*.xlsm")])
        if args.generated:
            paths += generated_books(Path(tmp), args.generated, args.seed)
        skip = [x for x in args.exclude.split(",") if x]
        paths = [p for p in paths
                 if args.only in p.name and not any(x in p.name for x in skip)]
        rows = []
        for p in paths:
            r = check(p, args.trials, max_cells, args.rtol, Path(tmp) / "kernels")
            rows.append(r)
            print(f"  {p.name}: {r.cells} cells, maxrel {r.maxrel:.1e}, {len(r.diffs)} cells "
                  f"differ {r.note}", file=sys.stderr, flush=True)
    for line in table(rows, args.worst):
        print(line)
    return 0 if all(r.agrees or r.note for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
