"""Benchmark: which workbooks the cupy backend runs as one CUDA kernel, and why not the others.

    python bench/bench_cuda_translate.py [FOLDER] [--generated 20] [--only NAME]
                                         [--host] [--ptx] [--reasons 3]

For each workbook (FOLDER, default tests/data/workbooks; plus ``--generated`` workbooks drawn
as tests/test_libreoffice_differential.py draws them), the stochastic slice of
bench/bench_fused.py (every number a formula reads a triangular input): the cells the numba
kernel fuses, how many of them translate to CUDA (``_codegen.translation_report``: every
line tried), whether the whole program translates (else it runs on the CPU, and why), and
the size of the CUDA source.  ``--host`` also compiles each translated kernel for the host
(g++, the tests' build) and prints its largest difference from numpy on 2,000 trials,
relative to max(|numpy's value|, 1e-3 x the output's largest) (inf: an error code differs);
``--ptx`` times ``nvcc --ptx`` of it.  No GPU needed.

Measured 14:30 UTC (session 23, loaded 2-core machine): 54 of 55 workbooks run as one CUDA
kernel (travel_expenses: dynamic arrays have no twins); host build within 3e-12 of numpy
on all but ironcalc__NORM_DIST (NORM.INV(NORM.DIST(0,40,1.5)): 0 vs 7e-15, libm's erfc
against scipy's cephes in ndtr) and pycel__stats (6e-11, LINEST).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_fused import generated_books, slice_job  # noqa: E402

TRIALS = 2_000


@dataclass
class Row:
    name: str
    cells: int = 0          # in the slice
    fused: int = 0          # fused by the numba generator
    translated: int = 0     # of those, cells whose lines all translate
    whole: bool = False     # the program translates: it runs on the GPU
    why: str = ""           # else the first refusal
    lines: int = 0          # of the CUDA source
    reasons: Counter = field(default_factory=Counter)
    host_diff: float | None = None
    ptx_s: float | None = None
    note: str = ""


def measure(path: Path, host: bool, ptx: bool, tmp: Path) -> Row:
    from engine.backends.cupy._codegen import NotTranslatable, generate_cuda, translation_report
    from engine.backends.numba import fused_report
    from engine.backends.numba._samplers import samplers_for

    row = Row(path.name)
    try:
        job, _ = slice_job(path, TRIALS)
    except LookupError as exc:
        row.note = str(exc)
        return row
    except Exception as exc:  # noqa: BLE001 - the engine refuses it: a row, not a failure
        row.note = f"{type(exc).__name__}: {str(exc)[:70]}"
        return row
    row.cells = len(job.program.steps)
    row.fused = row.cells - len(fused_report(job))
    samplers, mode = samplers_for(job)
    _, row.translated, reasons = translation_report(job.program, samplers, mode)
    row.reasons = Counter(reasons)
    try:
        cuda = generate_cuda(job.program, samplers, mode)
    except NotTranslatable as exc:
        row.why = str(exc)
        return row
    row.whole = True
    row.lines = cuda.source.count("\n")
    if ptx and shutil.which("nvcc"):
        cu = tmp / f"{path.stem}.cu"
        cu.write_text(cuda.source)
        t0 = time.perf_counter()
        got = subprocess.run(["nvcc", "--ptx", "-x", "cu", "--fmad=false", "-arch=sm_80",
                              "-o", str(tmp / f"{path.stem}.ptx"), str(cu)],
                             capture_output=True, text=True, timeout=1800)
        row.ptx_s = time.perf_counter() - t0
        if got.returncode:
            row.note = "nvcc failed: " + got.stderr.strip().splitlines()[-1][:80]
    if host:
        row.host_diff = _host_diff(job, tmp)
    return row


def _host_diff(job, tmp: Path) -> float:   # type: ignore[no-untyped-def]
    """Largest relative difference of the host build from numpy (inf: an error code differs)."""
    import numpy as np

    from engine.backends.numpy import NumpyBackend
    from tests.test_backend_cupy import HostCudaBackend
    from tests.test_backend_numba import run

    got = run(HostCudaBackend(tmp), job, TRIALS)
    want = run(NumpyBackend(), job, TRIALS)
    worst = 0.0
    for c in job.program.outputs:
        if not np.array_equal(got[1][c], want[1][c]):
            return float("inf")
        ok = want[1][c] == 0
        a, b = got[0][c][ok], want[0][c][ok]
        scale = np.maximum(np.abs(b), np.max(np.abs(b), initial=0.0) * 1e-3)
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(a == b, 0.0, np.abs(a - b) / scale)
        worst = max(worst, float(np.nanmax(d, initial=0.0)))
    return worst


def table(rows: list[Row], top: int) -> list[str]:
    width = max([34, *(len(r.name) for r in rows)])
    head = (f"{'workbook':{width}} {'cells':>6} {'fused':>6} {'to CUDA':>8} {'kernel':>7} "
            f"{'lines':>7} {'host diff':>9} {'ptx':>6}")
    out = [head, "-" * len(head)]
    total: Counter = Counter()
    fused = translated = whole = books = 0
    for r in rows:
        if not r.cells:
            out.append(f"{r.name:{width}} {r.note}")
            continue
        books += 1
        fused += r.fused
        translated += r.translated
        whole += r.whole
        diff = "-" if r.host_diff is None else f"{r.host_diff:.0e}"
        ptx = "-" if r.ptx_s is None else f"{r.ptx_s:.0f}s"
        out.append(f"{r.name:{width}} {r.cells:6d} {r.fused:6d} {r.translated:8d} "
                   f"{'GPU' if r.whole else 'CPU':>7} {r.lines:7d} {diff:>9} {ptx:>6}"
                   + (f"  ({r.note})" if r.note else ""))
        if not r.whole:
            out.append(f"    runs on the CPU: {r.why}")
        for why, k in r.reasons.most_common(top):
            out.append(f"    {k:5d} cells x {why}")
        total.update(r.reasons)
    out.append(f"total: {whole} of {books} workbooks run as one CUDA kernel; {translated} of "
               f"{fused} fused cells translate ({translated / max(fused, 1):.1%})")
    out.append("reasons over all workbooks (cells):")
    for why, k in total.most_common(20):
        out.append(f"    {k:5d} x {why}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, nargs="?", default=ROOT / "tests/data/workbooks")
    ap.add_argument("--generated", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261206, help="of the generated workbooks")
    ap.add_argument("--only", default="", help="only workbooks whose name contains this")
    ap.add_argument("--host", action="store_true", help="host build against numpy (g++)")
    ap.add_argument("--ptx", action="store_true", help="time nvcc --ptx of each kernel")
    ap.add_argument("--reasons", type=int, default=3, help="reasons printed per workbook")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        paths = sorted(args.folder.glob("*.xlsx"))
        if args.generated:
            paths += generated_books(Path(tmp), args.generated, args.seed)
        paths = [p for p in paths if args.only in p.name]
        rows = []
        for p in paths:
            r = measure(p, args.host, args.ptx, Path(tmp))
            rows.append(r)
            print(f"  {p.name}: {r.translated}/{r.fused} cells translate, "
                  f"{'GPU' if r.whole else 'CPU ' + r.why} {r.note}", file=sys.stderr,
                  flush=True)
    for line in table(rows, args.reasons):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
