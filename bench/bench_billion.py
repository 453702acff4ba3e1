"""Benchmark: a streamed run's peak memory (RSS) and trials/s as trials grow, on a 3-output model.

    python bench/bench_billion.py [--trials 1000000000] [--base 10000000] [--backend numba]

Each count runs in a fresh process (peak RSS is per process: ``ru_maxrss``), streamed, after
a warm-up that compiles the kernel (numba's disk cache).  Printed per count: peak RSS, the
memory the stream keeps by design (:func:`engine.streaming.kept_bytes`: float32 outputs of
every trial plus the float64 subsample), elapsed seconds and trials/s.  The goal for 10^9
trials is a peak RSS of at most 1.5 GB; a count whose kept memory would not fit is refused
by the engine before it starts (the refusal is printed).

Model (built here with openpyxl): 4 triangular cost inputs, a 10-year cash flow, 3 outputs
(NPV, total cost, payback-like ratio).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def write_model(directory: Path) -> tuple[Path, dict]:
    """A small cash-flow workbook and its spec (3 outputs)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "M"
    for i, base in enumerate((120.0, 85.0, 300.0, 45.0), start=1):
        ws[f"A{i}"] = base
    ws["B1"] = 0.08
    for y in range(1, 11):
        ws[f"C{y}"] = f"=(A1+A2)*(1.02^{y})-A3/10-A4*0.5"
    ws["D1"] = "=NPV(B1,C1:C10)-A3"
    ws["D2"] = "=A1+A2+A3+A4"
    ws["D3"] = "=IF(D2>0,D1/D2,0)"
    book = directory / "cash.xlsx"
    wb.save(book)
    spec = {"inputs": [{"cell": f"M!A{i}", "distribution": "triangular",
                        "params": {"min": 0.8 * b, "mode": b, "max": 1.3 * b}}
                       for i, b in enumerate((120.0, 85.0, 300.0, 45.0), start=1)],
            "outputs": ["M!D1", "M!D2", "M!D3"], "seed": 7}
    return book, spec


def child(trials: int, backend: str) -> None:
    from dataclasses import replace

    from engine.backends import get_backend
    from engine.errors import LimitError
    from engine.model import Model
    from engine.simulate import prepare, run_job
    from engine.spec import SimulationSpec
    from engine.streaming import kept_bytes

    with tempfile.TemporaryDirectory() as tmp:
        book, spec = write_model(Path(tmp))
        spec = SimulationSpec.from_dict({**spec, "trials": trials})
        job = prepare(Model.open(book), spec)
    be = get_backend(backend)
    run_job(replace(job, trials=10_000), be, stream=True)  # compile / load the kernel
    kept = kept_bytes(trials, len(job.distributions), len(job.program.outputs))
    out = {"trials": trials, "kept_bytes": kept}
    try:
        samples, elapsed = run_job(job, be, stream=True)
        out.update(elapsed_s=elapsed, trials_per_s=trials / elapsed,
                   mean=samples.moments["M!D1"].mean)
    except LimitError as exc:
        out["refused"] = str(exc)
    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=float, default=1e9)
    ap.add_argument("--base", type=float, default=1e7)
    ap.add_argument("--backend", default="numba")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(int(args.child), args.backend)
        return
    for n in (int(args.base), int(args.trials)):
        t = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--child", str(n), "--backend",
                               args.backend], capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            print(f"{n:,} trials: failed ({done.returncode}): {done.stderr[-500:]}")
            continue
        got = json.loads(done.stdout.strip().splitlines()[-1])
        rss = got["peak_rss_bytes"] / 2**30
        head = f"{n:>14,} trials: peak RSS {rss:.2f} GB (stream keeps {got['kept_bytes'] / 2**30:.2f} GB)"
        if "refused" in got:
            print(head + f"; refused: {got['refused']}")
        else:
            print(head + f", {got['elapsed_s']:.1f} s, {got['trials_per_s']:,.0f} trials/s "
                  f"(process {time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
