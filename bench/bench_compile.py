"""Benchmark: the numba backend's first compile of a generated slice, and its cached load.

    python bench/bench_compile.py [--projects 200] [--trials 10000]

The workbook is bench/genmodel.py with ``--projects`` x 25 formula cells (200: a 5,000-cell
slice: chained period formulas copied down 200 rows, SUMs, NPVs, INDEX/MATCH lookups, ROUND).
Printed: cells in the slice, fused cells, generated lines, families (loops over cells of one
shape), plan generation seconds, the first compile into an empty kernel directory, and the
load of the same kernel from numba's disk cache in a fresh process (what a second run of
the app or the CLI pays: its plan read back from the plan store beside the kernels,
engine.backends.numba._plan_store), plus the numpy and numba trials/s and their ratio.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def measure(projects: int, trials: int, workdir: Path, rates: bool) -> dict:
    """Generate the workbook in ``workdir`` (kept between processes), prepare the numba
    backend with its kernels in ``workdir/kernels``; the numbers as a dict."""
    from bench import genmodel
    from engine.backends.numba import NumbaBackend
    from engine.model import Model
    from engine.simulate import prepare
    from engine.spec import SimulationSpec

    genmodel.PROJECTS = projects
    book = workdir / "generated.xlsx"
    spec_path = workdir / "generated.spec.json"
    if not book.exists():
        genmodel.write_model(workdir)
    spec = SimulationSpec.load(spec_path)
    spec.trials = trials
    job = prepare(Model.open(book), spec)
    be = NumbaBackend(threads=1, kernel_dir=workdir / "kernels")
    stored = len(list((workdir / "kernels" / "plans").glob("plan-*.json")))
    from engine.backends.numba._samplers import samplers_for

    t0 = time.perf_counter()
    samplers_for(job, be.exact_samples)   # loads numba's runtime (its own disk cache)
    runtime_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan = be._job_plan(job)   # noqa: SLF001 - the plan alone, to time it apart
    plan_s = time.perf_counter() - t0
    prep = be.prepare(job)
    out = {"cells": len(job.program.steps), "fused": len(plan.fused), "rest": len(plan.rest),
           "lines": len(plan.source.splitlines()), "segments": plan.segments,
           "families": getattr(plan, "families", 0), "plan_s": plan_s,
           "compile_s": be.last_compile_s, "compiled": prep.kernel is not None,
           "plans_stored_before": stored, "runtime_s": runtime_s}
    if rates:
        from bench.bench_backends import run_all
        from engine.backends.numpy import NumpyBackend

        t_nb, _ = run_all(be, job)
        t_np, _ = run_all(NumpyBackend(), job)
        out.update(numba_rate=trials / t_nb, numpy_rate=trials / t_np)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=200)
    ap.add_argument("--trials", type=int, default=10_000)
    ap.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.child:
        print(json.dumps(measure(args.projects, args.trials, Path(args.child), False)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        first = measure(args.projects, args.trials, Path(tmp), True)
        child = subprocess.run([sys.executable, __file__, "--projects", str(args.projects),
                                "--trials", str(args.trials), "--child", tmp],
                               capture_output=True, text=True, check=True)
        again = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"generated slice: {first['cells']} cells ({args.projects} projects x 25), "
          f"{first['fused']} fused, {first['rest']} left to numpy")
    print(f"kernel: {first['lines']} lines, {first['segments']} segments, "
          f"{first['families']} families")
    print(f"runtime load {first['runtime_s']:.1f} s, plan {first['plan_s']:.1f} s; "
          f"first compile {first['compile_s']:.1f} s"
          + ("" if first["compiled"] else " (did not compile: ran on numpy)"))
    source = ("read from the plan store" if again["plans_stored_before"]
              else "generated again: no stored plan")
    print(f"new process: runtime load {again['runtime_s']:.1f} s, plan {again['plan_s']:.2f} s "
          f"({source}); cached load {again['compile_s']:.1f} s")
    print(f"trials/s: numpy {first['numpy_rate']:,.0f}, numba 1 thread "
          f"{first['numba_rate']:,.0f} ({first['numba_rate'] / first['numpy_rate']:.1f}x)")


if __name__ == "__main__":
    main()
