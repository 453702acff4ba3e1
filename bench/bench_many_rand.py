"""Benchmark: a workbook built for Excel Monte Carlo (``N`` cells ``=NORM.INV(RAND(),m,s)``
and sums of them), numpy and numba side by side in one run.

    python bench/bench_many_rand.py [--cells 10000] [--trials 20000] [--repeats 3]

Printed: trials/s of the numpy backend and of the numba backend (one thread, then all of
numba's threads), the ratios (goal: numba >= 20x numpy), the first compile (or disk-cache
load) of the kernel, the share of fused cells and the largest relative difference between
the two backends' outputs.  Each rate is the best of ``--repeats`` runs (the machine may be
shared).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def many_rand_job(n: int, trials: int, seed: int = 1):  # noqa: ANN201 - a bench helper
    """The job: ``n`` cells ``=NORM.INV(RAND(),B<i>,C<i>)`` (means 100..116, sds 5..9), their
    SUM, a SUM of the first half and a formula over two of them."""
    from engine.model import Model
    from engine.simulate import prepare
    from engine.spec import SimulationSpec

    cells: dict[str, object] = {}
    for i in range(1, n + 1):
        cells[f"Sheet1!B{i}"] = 100.0 + i % 17
        cells[f"Sheet1!C{i}"] = 5.0 + i % 5
        cells[f"Sheet1!A{i}"] = f"=NORM.INV(RAND(),B{i},C{i})"
    cells["Sheet1!E1"] = f"=SUM(A1:A{n})"
    cells["Sheet1!E2"] = f"=SUM(A1:A{n // 2})"
    cells["Sheet1!E3"] = "=A1+A2*2"
    model = Model.from_cells(cells)
    spec = SimulationSpec(inputs=[], outputs=["Sheet1!E1", "Sheet1!E2", "Sheet1!E3"],
                          trials=trials, seed=seed)
    return prepare(model, spec)


def best_rate(backend, job, repeats: int) -> tuple[float, dict]:  # noqa: ANN001
    from bench.bench_backends import run_all

    best, out = float("inf"), {}
    for _ in range(repeats):
        t, out = run_all(backend, job)
        best = min(best, t)
    return job.trials / best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--trials", type=int, default=20_000)
    ap.add_argument("--numpy-trials", type=int, default=4_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from engine.backends.numba import NumbaBackend, fused_report
    from engine.backends.numpy import NumpyBackend

    job = many_rand_job(args.cells, args.trials)
    njob = many_rand_job(args.cells, args.numpy_trials)
    one = NumbaBackend(threads=1)
    t0 = time.perf_counter()
    one.prepare(job)
    prepare_s = time.perf_counter() - t0
    every = NumbaBackend()
    every.prepare(job)
    r_np, out_np = best_rate(NumpyBackend(), njob, args.repeats)
    r_one, _ = best_rate(one, job, args.repeats)
    r_all, _ = best_rate(every, job, args.repeats)
    _, out_check = best_rate(one, njob, 1)
    worst = max(float(np.max(np.abs(out_check[c] - out_np[c]) / np.maximum(np.abs(out_np[c]),
                                                                         1e-300)))
                for c in out_np)
    report = fused_report(job, one)
    cells = len(job.program.steps)
    print(f"{args.cells} NORM.INV(RAND()) cells + 3 formulas; numpy {args.numpy_trials} "
          f"trials, numba {args.trials} trials, best of {args.repeats}")
    print(f"{'backend':28} {'trials/s':>12} {'x numpy':>8}")
    print(f"{'numpy':28} {r_np:12,.0f} {1.0:8.1f}")
    print(f"{'numba, 1 thread':28} {r_one:12,.0f} {r_one / r_np:8.1f}   (goal 20x)")
    print(f"{f'numba, {every.thread_count()} threads':28} {r_all:12,.0f} {r_all / r_np:8.1f}")
    print(f"prepare (plan + compile or cache load) {prepare_s:.1f} s; fused {cells - len(report)} "
          f"of {cells}; max relative difference numba vs numpy {worst:.1e}")


if __name__ == "__main__":
    main()
