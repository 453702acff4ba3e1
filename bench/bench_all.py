"""Benchmark of every engine side by side, and the peak memory of a 10^8-trial run.

    python bench/bench_all.py [--trials 2000000] [--numpy-trials 300000] [--pycel-trials 200]
                              [--big-trials 100000000] [--skip-big] [--cupy auto|yes|no]

Models: the bundled example (``mcdesk/examples/capital_project.xlsx`` with its spec) and a
workbook of about 1,000 formula cells generated here with openpyxl (:mod:`genmodel`) in a
temporary folder.

Each measurement runs in its own subprocess, so that its peak memory (``ru_maxrss`` of that
child, from ``os.wait4``) is its own: pycel trial by trial (``--pycel-trials``, the outputs
pycel can evaluate), numpy, numba on 1 thread and on all threads, and cupy when a GPU is
usable.  A rate is end to end: ``run_job`` over every trial, sampling included (the kernel
compiled, or loaded from numba's disk cache, before the clock starts; that time is printed
apart; "prepare"), the best of three runs, each into newly allocated sample arrays (as a
user's run is): the first touch of that memory is part of the rate, and on a virtual machine
whose host backs guest memory lazily it can cost a single thread as much as the kernel
itself (all threads share it).  "max rel diff" compares the first 10,000 trials of each
output with numpy's (difference relative to the output's scale).

Last, the bundled example with 3 outputs and ``--big-trials`` trials on the fastest
backend (streamed: float32 outputs, running moments) through :func:`engine.simulate`,
statistics included, and the peak RSS of that process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

KEEP = 10_000  # trials per output sent back for the agreement check


# ----------------------------------------------------------------- child side
def _load(book: str, spec_path: str, trials: int):
    from engine.model import Model
    from engine.spec import SimulationSpec

    spec = SimulationSpec.load(spec_path)
    spec.trials = trials
    return Model.open(book), spec


def _child_engine(args: argparse.Namespace) -> dict:
    from engine.backends import get_backend
    from engine.simulate import prepare, run_job

    model, spec = _load(args.book, args.spec, args.trials)
    if args.backend.startswith("numba"):
        import numba

        from engine.backends.numba import NumbaBackend

        threads = 1 if args.backend == "numba1" else numba.config.NUMBA_NUM_THREADS
        numba.set_num_threads(threads)
        backend = NumbaBackend(threads=threads)
    else:
        backend = get_backend(args.backend)
    job = prepare(model, spec)
    t0 = time.perf_counter()
    backend.run(job, 0, 1)  # compile (or load) the kernel before the clock starts
    prep_s = time.perf_counter() - t0
    best, samples = float("inf"), None
    for _ in range(3):
        got, dt = run_job(job, backend)
        if dt < best:
            best, samples = dt, got
        del got  # at most two runs' arrays alive: the best and the one running
    assert samples is not None
    first = backend.run(job, 0, min(KEEP, args.trials))
    head = {str(c): [None if not np.isfinite(v) else float(v) for v in vals]
            for c, vals in first.outputs.items()}
    return {"rate": args.trials / best, "seconds": best, "prepare_s": prep_s,
            "compile_s": backend.compile_seconds(), "head": head,
            "cells": len(job.program.steps), "inputs": len(job.distributions),
            "outputs": len(job.program.outputs)}


def _child_pycel(args: argparse.Namespace) -> dict:
    from bench_engine import _pycel_can, pycel_rate

    model, spec = _load(args.book, args.spec, args.trials)
    spec.outputs = [o for o in spec.outputs if _pycel_can(model, model.ref(o))]
    rate = pycel_rate(Path(args.book), spec, model, args.trials)
    return {"rate": rate, "seconds": args.trials / rate, "outputs_evaluated": spec.outputs}


def _child_big(args: argparse.Namespace) -> dict:
    from engine.simulate import simulate

    model, spec = _load(args.book, args.spec, args.trials)
    spec.outputs = spec.outputs[:3]
    t0 = time.perf_counter()
    result = simulate(model, spec, backend=args.backend)
    wall = time.perf_counter() - t0
    first = next(iter(result.outputs.values()))
    return {"rate": result.trials_per_s, "seconds": result.elapsed_s, "wall_s": wall,
            "backend": result.backend, "streamed": bool(result.samples.streamed),
            "outputs": spec.outputs, "mean": first.mean, "p95": first.percentiles["95"]}


def child(args: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    fn = {"pycel": _child_pycel, "big": _child_big}.get(args.mode, _child_engine)
    out = fn(args)
    import resource

    out["self_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out), flush=True)


# ----------------------------------------------------------------- parent side
def measure(mode: str, backend: str, book: Path, spec: Path, trials: int,
            timeout: float = 3600) -> dict:
    """Run one measurement in a subprocess; its result plus its own peak RSS (MB)."""
    cmd = [sys.executable, __file__, "--child", mode, "--backend", backend, "--book", str(book),
           "--spec", str(spec), "--trials", str(trials)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"error": f"timed out after {timeout:.0f} s"}
    # communicate() reaped the child; its own rusage is in RUSAGE_CHILDREN only as a running
    # maximum, so each child reports RUSAGE_SELF as well and we keep the larger
    import resource

    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for line in out.splitlines():
        if line.startswith("RESULT "):
            got = json.loads(line[7:])
            got["peak_mb"] = got["self_maxrss_mb"]
            got["children_max_mb"] = children_mb
            return got
    tail = (err.strip().splitlines() or ["no output"])[-1]
    return {"error": tail}


def max_rel_diff(a: dict, b: dict) -> float | None:
    worst = 0.0
    for name, xs in a.items():
        if name not in b:
            continue
        x = np.array([np.nan if v is None else v for v in xs])
        y = np.array([np.nan if v is None else v for v in b[name]])
        if not np.array_equal(np.isfinite(x), np.isfinite(y)):
            return float("inf")
        ok = np.isfinite(x)
        scale = float(np.max(np.abs(x[ok]))) if ok.any() else 0.0
        if scale > 0:
            worst = max(worst, float(np.max(np.abs(x[ok] - y[ok]))) / scale)
    return worst if a and b else None


def gpu_usable() -> bool:
    try:
        from engine.backends.cupy.device import gpu_available

        return gpu_available()
    except ImportError:
        return False


def bench_model(label: str, book: Path, spec: Path, args: argparse.Namespace,
                cupy: bool) -> list[str]:
    rows = [("pycel, trial by trial", "pycel", "pycel", args.pycel_trials),
            ("numpy", "engine", "numpy", args.numpy_trials),
            ("numba, 1 thread", "engine", "numba1", args.trials),
            (f"numba, {os.cpu_count()} threads", "engine", "numba", args.trials)]
    if cupy:
        rows.append(("cupy (GPU)", "engine", "cupy", args.trials * 5))
    results = {}
    for name, mode, backend, trials in rows:
        results[name] = (trials, measure(mode, backend, book, spec, trials))
        print(f"  .. {label}: {name} done", file=sys.stderr, flush=True)
    ref = results["numpy"][1]
    info = ref if "cells" in ref else next((r for _, r in results.values() if "cells" in r), {})
    lines = [f"{label}: {info.get('inputs', '?')} inputs, {info.get('cells', '?')} formula "
             f"cells in the stochastic slice, {info.get('outputs', '?')} outputs"]
    lines.append(f"  {'engine':<24}{'trials':>12}{'trials/s':>14}{'vs pycel':>11}"
                 f"{'vs numpy':>10}{'peak RSS':>11}{'prepare':>9}{'max rel diff':>14}")
    py = results["pycel, trial by trial"][1].get("rate")
    npr = ref.get("rate")
    for name, (trials, r) in results.items():
        if "error" in r:
            lines.append(f"  {name:<24}{trials:>12,}  failed: {r['error']}")
            continue
        vs_py = f"{r['rate'] / py:,.0f}x" if py else "-"
        vs_np = f"{r['rate'] / npr:.1f}x" if npr else "-"
        diff = max_rel_diff(ref.get("head", {}), r.get("head", {})) if name != "numpy" else None
        prep = f"{r['prepare_s']:.1f}s" if "prepare_s" in r else "-"
        lines.append(f"  {name:<24}{trials:>12,}{r['rate']:>14,.0f}{vs_py:>11}{vs_np:>10}"
                     f"{r['peak_mb']:>8,.0f} MB{prep:>9}"
                     f"{'-' if diff is None else f'{diff:.1e}':>14}")
    if "outputs_evaluated" in results["pycel, trial by trial"][1]:
        lines.append("  (pycel evaluates "
                     + ", ".join(results["pycel, trial by trial"][1]["outputs_evaluated"])
                     + "; the engines every output)")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=2_000_000)
    ap.add_argument("--numpy-trials", type=int, default=300_000)
    ap.add_argument("--pycel-trials", type=int, default=200)
    ap.add_argument("--big-trials", type=int, default=100_000_000)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--cupy", choices=("auto", "yes", "no"), default="auto")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--backend", help=argparse.SUPPRESS)
    ap.add_argument("--book", help=argparse.SUPPRESS)
    ap.add_argument("--spec", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.mode = args.child
        child(args)
        return
    from genmodel import write_model

    from mcdesk.cli import example_paths

    cupy = args.cupy == "yes" or (args.cupy == "auto" and gpu_usable())
    import numba

    print(f"machine: {os.cpu_count()} CPUs, numba threads {numba.config.NUMBA_NUM_THREADS}, "
          f"GPU: {'yes' if cupy else 'no'}, load average {os.getloadavg()[0]:.1f}", flush=True)
    book, spec = example_paths()
    with tempfile.TemporaryDirectory(prefix="mcdesk-bench-") as tmp:
        gbook, gspec, cells = write_model(Path(tmp))
        for label, b, s in (("capital_project (bundled example)", book, spec),
                            (f"generated ({cells} formula cells)", gbook, gspec)):
            for line in bench_model(label, b, s, args, cupy):
                print(line, flush=True)
    if not args.skip_big:
        backend = "cupy" if cupy else "numba"
        r = measure("big", backend, book, spec, args.big_trials)
        if "error" in r:
            print(f"{args.big_trials:,} trials: failed: {r['error']}")
        else:
            print(f"{args.big_trials:,} trials, capital_project, outputs {', '.join(r['outputs'])}, "
                  f"backend {r['backend']}, streamed {r['streamed']}: {r['rate']:,.0f} trials/s, "
                  f"{r['wall_s']:.0f} s end to end incl. statistics; peak RSS "
                  f"{r['peak_mb']:,.0f} MB ({r['peak_mb'] / 1024:.2f} GB)")
    print(f"load average at the end {os.getloadavg()[0]:.1f} (other processes on the machine "
          "slow every rate above)")


if __name__ == "__main__":
    main()
