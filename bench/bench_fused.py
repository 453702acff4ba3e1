"""Benchmark: how much of each workbook's stochastic slice the numba kernel fuses, and what
that buys, on every workbook of the differential test.

    python bench/bench_fused.py [FOLDER] [--trials 20000] [--generated 20] [--no-time]
                                [--max-time-cells 1500] [--reasons 3]

For each workbook (FOLDER, default tests/data/workbooks; plus ``--generated`` workbooks drawn
as tests/test_libreoffice_differential.py draws them): every non-zero number that a formula
reads (directly, or in a range of at most 400 cells) becomes a triangular input (value
-10%, value, +10%), every formula that depends on one of them is an output, and so is every cell drawing a random
number (RAND, RANDBETWEEN, RANDARRAY) and every formula depending on one (their streams are
the same on every backend), so the slice is the whole stochastic part of the workbook.  Printed per workbook: inputs, cells in the slice,
the fused share (``engine.backends.numba.fused_report``: no compile needed), numpy and numba
trials/s on the same job in the same run (numba on one thread, its compile timed apart), and
the most frequent reasons a cell is not fused (``cpu x`` and ``cpu comp``: the same ratio and
compile in process CPU seconds, which a busy shared machine does not inflate); then the totals and the reasons over all
workbooks.  Issue 13's goal: at least 99% fused on every workbook.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEPENDS = "depends on a cell left to numpy"
MAX_RANGE = 400       # cells of a range whose numbers become inputs (as the differential test)
SPREAD = 0.10         # triangular(x - 10%, x, x + 10%)


@dataclass
class Row:
    name: str
    inputs: int = 0
    cells: int = 0
    fused: int = 0
    numpy_rate: float | None = None
    numba_rate: float | None = None
    compile_s: float | None = None
    compile_cpu: float | None = None   # CPU seconds: what a busy shared machine does not inflate
    cpu_ratio: float | None = None     # numba/numpy trials per CPU second
    max_diff: float | None = None
    reasons: Counter = field(default_factory=Counter)
    external: Counter = field(default_factory=Counter)   # engine._external_data
    note: str = ""

    @property
    def share(self) -> float | None:
        return self.fused / self.cells if self.cells else None


def slice_job(path: Path, trials: int) -> tuple[Any, int]:
    """The job of ``path``: its numbers read by formulas as triangular inputs, every formula
    depending on them or on a random function's cell (those cells too) as an output.  Returns
    (job, number of inputs)."""
    from engine import ir
    from engine._gcpause import paused
    from engine.model import Holds, Model

    model = Model.open(path)
    with paused():   # compiling every formula: no full collections over a big model's heap
        return _slice_job(model, trials, ir, Holds)


def _slice_job(model: Any, trials: int, ir: Any, holds_of: Any) -> tuple[Any, int]:
    from engine.simulate import prepare
    from engine.spec import InputSpec, SimulationSpec

    wb = model.workbook
    numbers: set = set()
    for ref in wb.formula_cells():
        if getattr(model.code(ref).info, "external", ()):   # Excel's cached value: the
            continue   # numbers it reads change nothing (engine._external_data)
        for r in ir.references(model.code(ref).node):
            if isinstance(r, ir.Ref):
                cells = [r.cell]
            elif r.shape[0] * r.shape[1] <= MAX_RANGE:
                cells = [c for row in r.cells() for c in row]
            else:
                cells = []
            for c in cells:
                cell = wb.cell(c)
                if cell is None or cell.formula is not None or cell.array_anchor is not None:
                    continue
                x = cell.value
                if isinstance(x, int | float) and not isinstance(x, bool) and x != 0 \
                        and math.isfinite(x):
                    numbers.add(c)
    inputs = sorted(numbers)
    order, _ = model.order(wb.formula_cells())
    # the cells drawing a random stream (RAND, RANDBETWEEN, RANDARRAY) vary per trial with no
    # input: they and their users are the slice of a RAND-only Monte Carlo workbook
    random = {c for c in order if model.code(c).info.random_streams}
    if not inputs and not random:
        raise LookupError("no number feeds a formula and no cell draws a random number")
    varying: set = set(inputs) | random
    holds = holds_of(numbers)   # a range holding an input: each range once, by numpy
    for c in order:
        cc = model.code(c)
        if c in random or not varying.isdisjoint(cc.deps) or any(
                holds(r) for r in ir.references(cc.node)):
            varying.add(c)
    outputs = [str(c) for c in order if c in varying and c not in numbers]
    if not outputs:
        raise LookupError("no formula depends on a number")
    specs = []
    for c in inputs:
        x = float(wb.cell(c).value)
        lo, hi = sorted((x * (1.0 - SPREAD), x * (1.0 + SPREAD)))
        specs.append(InputSpec(str(c), "triangular", {"min": lo, "mode": x, "max": hi}))
    job = prepare(model, SimulationSpec(specs, outputs, trials=trials, seed=1))
    return job, len(inputs)


def generated_books(folder: Path, n: int, seed: int) -> list[Path]:
    """``n`` workbooks drawn as the LibreOffice differential test draws them."""
    from tests.strategies import from_seed
    from tests.test_libreoffice_differential import draw_case, write_case

    paths = []
    for k, case in enumerate(from_seed(draw_case, n, seed)):
        path = folder / f"generated_{k:03d}.xlsx"
        write_case(path, case)
        paths.append(path)
    return paths


def measure(path: Path, trials: int, timed: bool, max_time_cells: int,
            kernel_dir: Path) -> Row:
    from bench.bench_backends import max_rel_diff, run_all
    from engine._external_data import varying_external
    from engine.backends.numba import NumbaBackend, fused_report
    from engine.backends.numpy import NumpyBackend

    row = Row(path.name)
    try:
        job, row.inputs = slice_job(path, trials)
    except LookupError as exc:
        row.note = str(exc)
        return row
    except Exception as exc:  # noqa: BLE001 - the engine refuses it: a row, not a failure
        row.note = f"{type(exc).__name__}: {str(exc)[:70]}"
        return row
    report = fused_report(job)
    row.cells = len(job.program.steps)
    row.fused = row.cells - len(report)
    row.reasons = Counter(report.values())
    row.external = Counter(varying_external(job.program).values())
    if not timed:
        return row
    if row.cells > max_time_cells:
        row.note = f"not timed: more than {max_time_cells} cells"
        return row
    stage = "compile"
    try:   # a failure of one workbook is a row with its reason, never the end of the run
        be = NumbaBackend(threads=1, kernel_dir=kernel_dir)
        t0, c0 = time.perf_counter(), time.process_time()
        be.prepare(job)
        row.compile_s = time.perf_counter() - t0
        row.compile_cpu = time.process_time() - c0
        stage = "numpy run"
        c0 = time.process_time()
        t_np, out_np = run_all(NumpyBackend(), job)
        c_np = time.process_time() - c0
        row.numpy_rate = trials / t_np
        stage = "numba run"
        c0 = time.process_time()
        t_nb, out_nb = run_all(be, job)
        c_nb = time.process_time() - c0
        row.numba_rate = trials / t_nb
        row.cpu_ratio = c_np / c_nb if c_nb > 0 else None
        stage = "compare"
        row.max_diff = max_rel_diff(out_nb, out_np, trials)
    except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
        logging.getLogger(__name__).exception("%s: %s failed", path.name, stage)
        row.note = f"{stage} failed: {type(exc).__name__}: {str(exc)[:70]}"
    return row


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def table(rows: list[Row], top: int) -> list[str]:
    width = max([40, *(len(r.name) for r in rows)])
    head = (f"{'workbook':{width}} {'inputs':>6} {'cells':>6} {'fused':>7} {'numpy/s':>11} "
            f"{'numba/s':>11} {'x':>6} {'compile':>8} {'maxdiff':>8} {'cpu x':>6} {'cpu comp':>8}")
    out = [head, "-" * len(head)]
    total = Counter()
    cells = fused = 0
    below = 0
    for r in rows:
        if not r.cells:
            out.append(f"{r.name:{width}} {'':6} {'':6} {'':7} {r.note}")
            continue
        cells += r.cells
        fused += r.fused
        below += r.share is not None and r.share < 0.99
        ratio = "-" if r.numba_rate is None or not r.numpy_rate else \
            f"{r.numba_rate / r.numpy_rate:.1f}"
        comp = "-" if r.compile_s is None else f"{r.compile_s:.1f}s"
        diff = "-" if r.max_diff is None else f"{r.max_diff:.0e}"
        cpu_x = "-" if r.cpu_ratio is None else f"{r.cpu_ratio:.1f}"
        cpu_comp = "-" if r.compile_cpu is None else f"{r.compile_cpu:.1f}s"
        out.append(f"{r.name:{width}} {r.inputs:6d} {r.cells:6d} {r.share:7.1%} "
                   f"{_rate(r.numpy_rate):>11} {_rate(r.numba_rate):>11} {ratio:>6} "
                   f"{comp:>8} {diff:>8} {cpu_x:>6} {cpu_comp:>8}"
                   + (f"  ({r.note})" if r.note else ""))
        own = [(why, k) for why, k in r.reasons.most_common() if why != DEPENDS]
        for why, k in own[:top]:
            out.append(f"    {k:5d} x {why}")
        for why, k in r.external.most_common():   # fused, numpy's value: not recomputed
            out.append(f"    {k:5d} x note: {why}")
        total.update(r.reasons)
    out.append(f"total: {fused} of {cells} cells fused ({fused / max(cells, 1):.1%}); "
               f"{below} workbooks below 99% (goal: none)")
    out.append("reasons over all workbooks (cells):")
    for why, k in total.most_common(25):
        out.append(f"    {k:5d} x {why}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, nargs="?", default=ROOT / "tests/data/workbooks")
    ap.add_argument("--trials", type=int, default=20_000)
    ap.add_argument("--generated", type=int, default=20,
                    help="also this many workbooks drawn as the LibreOffice differential "
                         "test draws them (0: none)")
    ap.add_argument("--seed", type=int, default=20261206, help="of the generated workbooks")
    ap.add_argument("--no-time", action="store_true", help="the fused share only (no compile)")
    ap.add_argument("--max-time-cells", type=int, default=1500,
                    help="time only slices of at most this many cells (compile time)")
    ap.add_argument("--reasons", type=int, default=3, help="reasons printed per workbook")
    ap.add_argument("--only", default="", help="only workbooks whose name contains this")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        paths = sorted(args.folder.glob("*.xls[xm]"))   # .xlsm: macro-enabled workbooks too
        if args.generated:
            paths += generated_books(Path(tmp), args.generated, args.seed)
        paths = [p for p in paths if args.only in p.name]
        rows = []
        for p in paths:
            r = measure(p, args.trials, not args.no_time, args.max_time_cells,
                        Path(tmp) / "kernels")
            rows.append(r)
            comp = "" if r.compile_s is None else \
                f", compile {r.compile_s:.1f}s (cpu {r.compile_cpu:.1f}s), cpu ratio " \
                f"{'-' if r.cpu_ratio is None else f'{r.cpu_ratio:.1f}'}"
            print(f"  {p.name}: {r.cells} cells, {r.fused} fused, numpy "
                  f"{_rate(r.numpy_rate)}/s, numba {_rate(r.numba_rate)}/s{comp} {r.note}",
                  file=sys.stderr, flush=True)
    for line in table(rows, args.reasons):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
