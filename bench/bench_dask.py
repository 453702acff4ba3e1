"""Benchmark: the dask backend (a LocalCluster of worker processes) against local numba, on the
same cores, with the numbers compared bit for bit.

    python bench/bench_dask.py [--trials 10000000] [--workers 2] [--projects 40]

Model: ``bench/genmodel.py``'s generated workbook (40 projects: about 1,000 formula cells,
20 inputs, 3 outputs).  Both runs stream (exact moments, float32 outputs, the subsample), after
a warm-up that compiles the kernel (numba's disk cache: the workers load it).  Local numba
uses every core in one process; the dask run uses ``--workers`` processes of one thread.
Printed: trials/s of each, the ratio (goal: at least 0.85), and whether the moments, the
float32 outputs and the subsample are identical.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def identical(a, b) -> bool:
    """Moments, float32 outputs and the subsample of two streamed runs, bit for bit."""
    if a.moments != b.moments:
        return False
    for name in ("inputs", "outputs", "errors", "outputs32"):
        x, y = getattr(a, name), getattr(b, name)
        if x.keys() != y.keys() or not all(np.array_equal(x[k], y[k], equal_nan=True)
                                           for k in x):
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=10_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--projects", type=int, default=40, help="genmodel projects (25 cells each)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import bench.genmodel as genmodel
    from engine.backends import get_backend
    from engine.backends.dask import DaskBackend
    from engine.model import Model
    from engine.simulate import prepare, run_job
    from engine.spec import SimulationSpec

    genmodel.PROJECTS = args.projects
    with tempfile.TemporaryDirectory() as tmp:
        book, spec_path, cells = genmodel.write_model(Path(tmp))
        spec = SimulationSpec.load(spec_path)
        job = prepare(Model.open(book), replace(spec, trials=args.trials))
    warm = replace(job, trials=20_000)
    print(f"model: {cells} formula cells, {len(job.distributions)} inputs, "
          f"{len(job.program.outputs)} outputs; {args.trials:,} trials, streamed")

    local = get_backend("numba")
    t = time.perf_counter()
    run_job(warm, local, stream=True)
    print(f"local numba: compile/load {time.perf_counter() - t:.1f} s")
    want, local_s = run_job(job, local, stream=True)
    local.close()
    print(f"local numba ({local.thread_count()} threads): {local_s:.2f} s, "
          f"{args.trials / local_s:,.0f} trials/s")

    dask = DaskBackend(inner="numba", n_workers=args.workers, threads_per_worker=1)
    try:
        t = time.perf_counter()
        run_job(warm, dask, stream=True)
        print(f"dask: cluster start + compile/load {time.perf_counter() - t:.1f} s")
        got, dask_s = run_job(job, dask, stream=True)
    finally:
        dask.close()
    print(f"dask ({args.workers} workers x 1 thread): {dask_s:.2f} s, "
          f"{args.trials / dask_s:,.0f} trials/s")
    print(f"dask / local = {local_s / dask_s:.2f}x (goal >= 0.85); "
          f"identical: {identical(want, got)}")


if __name__ == "__main__":
    main()
