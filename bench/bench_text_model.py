"""Benchmark: a cost model full of text (labels, flags, SUMIF on text, a lookup returning
text, IF returning "", an IFERROR over an error) on numpy, on the fused numba kernel, and as
a hand-written fused Numba kernel of the same model; then every shared workbook.

    python bench/bench_text_model.py [--trials 1000000] [--numpy-trials 100000]
                                     [--workbooks] [--max-slice 250]

The model is written as an .xlsx with openpyxl and opened by the engine as a user's workbook
would be.  The hand-fused kernel draws its uniforms with the engine's own Philox generator
(``engine.backends.numba._rt.u01``, the uniforms of :mod:`engine.sampling` bit for bit), so
all three compute the same trials; its results are compared with the engine's.

Printed: trials/s of each, the ratios (goals: numba >= 0.75x hand-fused, >= 10x numpy), the
share of the slice's cells that are fused and why the others are not.  With
``--workbooks``: per shared workbook (tests/data/workbooks, numeric constants feeding
formulas as triangular inputs, as the differential test picks them), the cells of the slice,
the fused share, and numpy and numba trials/s.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ITEMS = 12
YEARS = 10
BASE = [120, 85, 300, 45, 60, 210, 95, 150, 70, 40, 130, 55]
BUDGET = [130, 80, 330, 50, 58, 230, 90, 170, 66, 45, 120, 60]
LO, HI = 0.85, 1.35          # triangular(LO x, x, HI x)
ESC, RATE, CONT_HIGH, CONT_LOW, REVENUE, GROWTH = 0.03, 0.08, 0.15, 0.05, 260.0, 0.02
OUTPUTS = ["Model!D16", "Model!D17", "Model!D18", "Model!D19", "Model!D20", "Model!D21",
           "Model!D22", "Model!D23"]


def write_model(path: Path) -> list[str]:
    """The cost model as an .xlsx; returns the input cells (B2:B13)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Model"
    ws["A1"], ws["B1"], ws["C1"], ws["D1"], ws["E1"] = "Item", "Cost", "Risk", "Escalated", \
        "Budget"
    for i, (x, budget) in enumerate(zip(BASE, BUDGET, strict=True), start=2):
        ws[f"A{i}"] = f"Item {i - 1}"
        ws[f"B{i}"] = float(x)                                          # input
        ws[f"E{i}"] = float(budget)
        ws[f"D{i}"] = f"=B{i}*(1+$K$2)"                                 # escalated
        ws[f"C{i}"] = f'=IF(D{i}>E{i}*0.8,"high","normal")'              # risk class (text)
        ws[f"F{i}"] = f'=IF(D{i}>E{i},"over","")'                       # flag, "" otherwise
        ws[f"G{i}"] = f"=VLOOKUP(C{i},$M$2:$N$3,2,FALSE)"               # text from a table
    ws["K2"], ws["K3"], ws["K4"], ws["K5"] = ESC, RATE, REVENUE, GROWTH
    ws["M2"], ws["N2"], ws["M3"], ws["N3"] = "high", "Review", "normal", "OK"
    ws["D14"] = "=SUM(D2:D13)"                                          # direct cost
    ws["D15"] = (f'=SUMIF(C2:C13,"high",D2:D13)*{CONT_HIGH}'
                 f'+SUMIF(C2:C13,"normal",D2:D13)*{CONT_LOW}')           # contingency
    ws["D16"] = "=D14+D15"                                              # total cost
    ws["D17"] = '=COUNTIF(C2:C13,"high")'                               # items at risk
    ws["D18"] = '=COUNTIF(F2:F13,"over")'                               # items over budget
    ws["D19"] = '=COUNTIF(G2:G13,"Review")'                             # items to review
    ws["D20"] = '=IFERROR(SUMIF(F2:F13,"over",D2:D13)/D18,0)'           # #DIV/0! -> 0
    ws["D21"] = '=IF(D16>SUM(E2:E13)*1.1,1,0)'                          # overrun flag
    for y in range(1, YEARS + 1):
        r = 29 + y
        ws[f"A{r}"] = float(y)
        ws[f"B{r}"] = f"=$K$4*(1+$K$5)^(A{r}-1)"                        # revenue
        ws[f"C{r}"] = f"=IF(A{r}=1,-$D$16,0)+B{r}"                      # net cash flow
    ws["D22"] = f"=NPV($K$3,C30:C{29 + YEARS})"                         # NPV
    ws["D23"] = '=IF(D22>0,1,0)+IF(D16>SUM(E2:E13),10,0)'
    ws["D24"] = '=IF(D22>0,"go","no go")'                               # a text output
    wb.save(path)
    return [f"Model!B{i}" for i in range(2, 2 + ITEMS)]


def model_job(path: Path, inputs: list[str], trials: int, seed: int):
    from engine.model import Model
    from engine.simulate import prepare
    from engine.spec import InputSpec, SimulationSpec

    model = Model.open(path)
    specs = [InputSpec(a, "triangular", {"min": LO * x, "mode": float(x), "max": HI * x})
             for a, x in zip(inputs, BASE, strict=True)]
    return prepare(model, SimulationSpec(inputs=specs, outputs=OUTPUTS + ["Model!D24"],
                                         trials=trials, seed=seed))


# ----------------------------------------------------------------- the hand-fused kernel
def hand_kernel():
    """The same model written plainly as one Numba loop (uniforms from the engine's Philox)."""
    from numba import njit

    from engine.backends.numba._rt import _triangular, u01

    base = np.array(BASE, dtype=np.float64)
    budget = np.array(BUDGET, dtype=np.float64)

    @njit(nogil=True, cache=True)
    def kernel(k0, k1, sids, start, count, total, out):
        over_total = budget.sum() * 1.1
        budget_sum = budget.sum()
        for i in range(count):
            trial = start + i
            direct = 0.0
            high_sum = 0.0
            low_sum = 0.0
            n_high = 0.0
            n_over = 0.0
            over_sum = 0.0
            for j in range(12):
                u = u01(k0, k1, sids[j], trial, total)
                x = _triangular(u, 0.85 * base[j], base[j], 1.35 * base[j])
                d = x * (1.0 + 0.03)
                direct += d
                if d > budget[j] * 0.8:
                    high_sum += d
                    n_high += 1.0
                else:
                    low_sum += d
                if d > budget[j]:
                    n_over += 1.0
                    over_sum += d
            cont = high_sum * 0.15 + low_sum * 0.05
            tot = direct + cont
            npv = 0.0
            v = 1.0 / 1.08
            p = v
            for y in range(1, 11):
                rev = 260.0 * 1.02 ** (y - 1)
                cf = rev - tot if y == 1 else rev
                npv += cf * p
                p *= v
            out[0, i] = tot
            out[1, i] = n_high
            out[2, i] = n_over
            out[3, i] = n_high                     # "Review" is the lookup of "high"
            out[4, i] = over_sum / n_over if n_over > 0 else 0.0
            out[5, i] = 1.0 if tot > over_total else 0.0
            out[6, i] = npv
            out[7, i] = (1.0 if npv > 0 else 0.0) + (10.0 if tot > budget_sum else 0.0)
        return out

    return kernel


def run_hand(kernel, job, count: int) -> tuple[float, np.ndarray]:
    from engine.compiler import stream_id

    seed = int(job.seed) & 0xFFFFFFFFFFFFFFFF
    k0, k1 = np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)
    sids = np.array([stream_id(c) for c in job.program.inputs], dtype=np.uint64)
    out = np.empty((8, count))
    kernel(k0, k1, sids, 0, 10, count, out[:, :10])   # compile / load
    t0 = time.perf_counter()
    kernel(k0, k1, sids, 0, count, count, out)
    return time.perf_counter() - t0, out


def run_all(backend, job) -> tuple[float, dict]:
    from bench.bench_backends import run_all as _run_all

    return _run_all(backend, job)


def text_model(trials: int, numpy_trials: int, seed: int) -> list[str]:
    from engine.backends.numba import NumbaBackend, fused_report
    from engine.backends.numpy import NumpyBackend

    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "text_cost_model.xlsx"
        inputs = write_model(path)
        job = model_job(path, inputs, trials, seed)
        njob = model_job(path, inputs, numpy_trials, seed)
    nb1 = NumbaBackend(threads=1)
    nb = NumbaBackend()
    t0 = time.perf_counter()
    nb1.prepare(job)
    compile_s = time.perf_counter() - t0
    nb.prepare(job)
    t_np, out_np = min((run_all(NumpyBackend(), njob) for _ in range(2)), key=lambda r: r[0])
    t_nb1, out_nb = min((run_all(nb1, job) for _ in range(2)), key=lambda r: r[0])
    t_nb, _ = min((run_all(nb, job) for _ in range(2)), key=lambda r: r[0])
    kernel = hand_kernel()
    t_hand, out_hand = min((run_hand(kernel, job, trials) for _ in range(2)), key=lambda r: r[0])
    report = fused_report(job, nb1)
    cells = len(job.program.steps)
    fused = cells - len(report)
    r_np, r_nb1, r_nb, r_hand = (numpy_trials / t_np, trials / t_nb1, trials / t_nb,
                                 trials / t_hand)
    worst_np = max(_rel(out_nb[c][:numpy_trials], out_np[c]) for c in out_np)
    worst_hand = max(_rel(out_nb[job.program.model.ref(c)], out_hand[k])
                     for k, c in enumerate(OUTPUTS))
    lines += [
        f"text cost model: {cells} cells in the slice, {fused} fused "
        f"({100.0 * fused / max(cells, 1):.1f}%), kernel compile {compile_s:.1f} s",
        f"  numpy             {r_np:14,.0f} trials/s",
        f"  numba, 1 thread   {r_nb1:14,.0f} trials/s   {r_nb1 / r_np:6.1f}x numpy   "
        f"{r_nb1 / r_hand:5.2f}x hand-fused",
        f"  numba, all        {r_nb:14,.0f} trials/s   {r_nb / r_np:6.1f}x numpy",
        f"  hand-fused numba  {r_hand:14,.0f} trials/s (1 thread)",
        f"  goals: numba >= 0.75x hand-fused: {'yes' if r_nb1 >= 0.75 * r_hand else 'NO'}; "
        f">= 10x numpy: {'yes' if r_nb1 >= 10 * r_np else 'NO'}",
        f"  max relative difference: numba vs numpy {worst_np:.1e}, vs hand-fused "
        f"{worst_hand:.1e}",
    ]
    for c, why in list(report.items())[:10]:
        lines.append(f"  not fused: {c}: {why}")
    return lines


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    if not np.array_equal(np.isfinite(a), np.isfinite(b)):
        return float("inf")
    if not ok.any():
        return 0.0
    scale = max(float(np.max(np.abs(b[ok]))), 1e-300)
    return float(np.max(np.abs(a[ok] - b[ok]))) / scale


# ----------------------------------------------------------------- shared workbooks
def workbooks(trials: int, max_slice: int) -> list[str]:
    import tests.test_backend_numba as tbn
    from engine.backends.numba import NumbaBackend, fused_report
    from engine.backends.numpy import NumpyBackend
    from tests.conftest import WORKBOOKS

    tbn.MAX_SLICE = max_slice
    lines = [f"{'workbook':44} {'cells':>6} {'fused':>7} {'numpy/s':>12} {'numba/s':>12}"]
    all_cells = all_fused = 0
    for path in sorted(WORKBOOKS.glob("*.xlsx")):
        try:
            job = tbn._workbook_job(path.name, trials)
        except BaseException as exc:  # noqa: BLE001 - skipped or unsupported: say so
            lines.append(f"{path.name[:44]:44} skipped: {str(exc)[:60]}")
            continue
        be = NumbaBackend(threads=1)
        be.prepare(job)
        report = fused_report(job, be)
        cells = len(job.program.steps)
        fused = cells - len(report)
        all_cells += cells
        all_fused += fused
        t_np, _ = run_all(NumpyBackend(), job)
        t_nb, _ = run_all(be, job)
        lines.append(f"{path.name[:44]:44} {cells:6d} {100.0 * fused / max(cells, 1):6.1f}% "
                     f"{trials / t_np:12,.0f} {trials / t_nb:12,.0f}")
        for c, why in list(report.items())[:3]:
            lines.append(f"    not fused: {c}: {why}")
    lines.append(f"all workbooks: {all_fused} of {all_cells} cells fused "
                 f"({100.0 * all_fused / max(all_cells, 1):.1f}%; goal 99%)")
    return lines


# ----------------------------------------------------------------- compile time, many RANDs
def compile_time(projects: int) -> list[str]:
    """The first compile of a generated slice (bench/genmodel.py with ``projects`` x 25
    cells), into an empty kernel directory."""
    from bench import genmodel
    from engine.backends.numba import NumbaBackend
    from engine.model import Model
    from engine.simulate import prepare
    from engine.spec import SimulationSpec

    genmodel.PROJECTS = projects
    with tempfile.TemporaryDirectory() as tmp:
        book, spec_path, n = genmodel.write_model(Path(tmp))
        spec = SimulationSpec.load(spec_path)
        spec.trials = 10_000
        job = prepare(Model.open(book), spec)
        be = NumbaBackend(threads=1, kernel_dir=Path(tmp) / "kernels")
        t0 = time.perf_counter()
        prep = be.prepare(job)
        total = time.perf_counter() - t0
    plan = prep.plan
    return [f"generated slice: {len(job.program.steps)} cells ({n} formulas): plan + first "
            f"compile {total:.1f} s (numba {be.last_compile_s:.1f} s), {plan.segments} "
            f"segments, {len(plan.source.splitlines())} lines, {len(plan.fused)} fused, "
            f"{len(plan.rest)} left to numpy"
            + (f" (first: {next(iter(plan.reasons.values()))})" if plan.reasons else "")]


def many_rand_cells(n: int, trials: int) -> list[str]:
    """A workbook built for Excel Monte Carlo: ``n`` cells ``=NORM.INV(RAND(),m,s)`` and
    sums of them (bench_many_rand's model); numpy and numba trials/s and the fused share."""
    from bench_many_rand import many_rand_job  # the same model as bench/bench_many_rand.py

    from engine.backends.numba import NumbaBackend, fused_report
    from engine.backends.numpy import NumpyBackend

    job = many_rand_job(n, trials)
    be = NumbaBackend(threads=1)
    t0 = time.perf_counter()
    be.prepare(job)
    compile_s = time.perf_counter() - t0
    t_np, out_np = run_all(NumpyBackend(), job)
    t_nb, out_nb = run_all(be, job)
    t_all, _ = run_all(NumbaBackend(), job)
    report = fused_report(job, be)
    cells_n = len(job.program.steps)
    first = next(iter(report.values()), "")
    worst = max(_rel(out_nb[c], out_np[c]) for c in out_np)
    return [f"{n} NORM.INV(RAND()) cells ({trials} trials, 1 thread each): numpy "
            f"{trials / t_np:,.0f} trials/s, numba {trials / t_nb:,.0f} trials/s "
            f"({t_np / t_nb:.1f}x; goal 20x), numba all threads {trials / t_all:,.0f} trials/s "
            f"({t_np / t_all:.1f}x); prepare {compile_s:.1f} s, fused {cells_n - len(report)} "
            f"of {cells_n}, max relative difference {worst:.1e}"
            + (f" (first not fused: {first})" if first else "")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1_000_000)
    ap.add_argument("--numpy-trials", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workbooks", action="store_true")
    ap.add_argument("--workbook-trials", type=int, default=20_000)
    ap.add_argument("--max-slice", type=int, default=250)
    ap.add_argument("--compile", type=int, default=0, metavar="PROJECTS",
                    help="also time the first compile of genmodel with PROJECTS x 25 cells")
    ap.add_argument("--many-rand", type=int, default=0, metavar="N",
                    help="also run a workbook of N NORM.INV(RAND()) cells")
    ap.add_argument("--rand-trials", type=int, default=4_000)
    ap.add_argument("--skip-model", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not args.skip_model:
        for line in text_model(args.trials, args.numpy_trials, args.seed):
            print(line)
    if args.compile:
        for line in compile_time(args.compile):
            print(line)
    if args.many_rand:
        for line in many_rand_cells(args.many_rand, args.rand_trials):
            print(line)
    if args.workbooks:
        for line in workbooks(args.workbook_trials, args.max_slice):
            print(line)


if __name__ == "__main__":
    main()
