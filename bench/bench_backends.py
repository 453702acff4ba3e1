"""Benchmark: the numpy backend against the fused numba kernel, 1 thread and all threads.

    python bench/bench_backends.py [--trials 2000000] [--numpy-trials 500000] [--seed 1]

Models:

* ``cost model``: built here, 12 triangular cost inputs and about 60 formula cells (an
  escalated estimate with contingency, and a 10-year cash flow with NPV and payback);
* ``capital_project``: the bundled example ``mcdesk/examples/capital_project.xlsx`` with its
  spec, when the example and the engine's spec loader are present.

For each model: trials/s of numpy, numba on 1 thread and numba on all threads (each the best
of three runs, after a warm-up that compiles the kernel; compile time printed apart), side by
side with the ratios to numpy, and whether the numbers agree (max relative difference of the
outputs).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ITEMS = 12
YEARS = 10


def cost_model_cells() -> tuple[dict[str, object], list[str], list[str]]:
    """A capital cost estimate and cash flow: (cells, input addresses, output addresses)."""
    cells: dict[str, object] = {}
    base = [120, 85, 300, 45, 60, 210, 95, 150, 70, 40, 130, 55]
    for i, x in enumerate(base, start=2):           # B2:B13 cost items (the inputs)
        cells[f"Model!B{i}"] = float(x)
        cells[f"Model!C{i}"] = f"=B{i}*(1+$F$2)^$F$3"  # escalated
    cells["Model!F2"] = 0.03     # escalation rate
    cells["Model!F3"] = 2.0      # years to mid-construction
    cells["Model!F4"] = 0.08     # discount rate
    cells["Model!F5"] = 0.10     # contingency
    cells["Model!F6"] = 520.0    # revenue, year 1
    cells["Model!F7"] = 0.02     # revenue growth
    cells["Model!F8"] = 0.35     # operating cost ratio
    cells["Model!D2"] = "=SUM(C2:C7)"                    # equipment
    cells["Model!D3"] = "=SUM(C8:C13)"                   # construction
    cells["Model!D4"] = "=D2+D3"                         # direct cost
    cells["Model!D5"] = "=ROUND(D4*$F$5,1)"              # contingency
    cells["Model!D6"] = "=D4+D5"                         # capital cost
    cells["Model!D7"] = "=MAX(C2:C13)/D6"                # largest item share
    for y in range(1, YEARS + 1):
        r = 20 + y
        cells[f"Model!A{r}"] = float(y)
        cells[f"Model!B{r}"] = f"=$F$6*(1+$F$7)^(A{r}-1)*IF(A{r}=1,0.8,1)"   # revenue
        cells[f"Model!C{r}"] = f"=-B{r}*$F$8-$D$6*0.01"                       # operating cost
        cells[f"Model!D{r}"] = f"=B{r}+C{r}"                                  # net cash flow
        cells[f"Model!E{r}"] = f"=D{r}/(1+$F$4)^A{r}"                         # discounted
        cells[f"Model!F{r}"] = (f"=E{r}" if y == 1 else f"=F{r - 1}+E{r}") + f"-IF(A{r}=1,$D$6,0)"
    last = 20 + YEARS
    cells["Model!H2"] = f"=SUM(E21:E{last})-D6"          # NPV
    cells["Model!H3"] = "=IF(H2>0,1,0)"                  # profitable
    cells["Model!H4"] = "=IFERROR(H2/D6,0)"              # NPV / capital
    cells["Model!H5"] = f"=MIN(F21:F{last})"              # worst cumulative position
    inputs = [f"Model!B{i}" for i in range(2, 2 + ITEMS)]
    outputs = ["Model!D6", "Model!H2", "Model!H3", "Model!H4", "Model!H5"]
    return cells, inputs, outputs


def cost_model_job(trials: int, seed: int):
    """A Job for the cost model with triangular(0.85 x, x, 1.3 x) inputs."""
    from engine.model import Model
    from engine.simulate import prepare
    from engine.spec import InputSpec, SimulationSpec

    cells, inputs, outputs = cost_model_cells()
    model = Model.from_cells(cells, sheets=("Model",))
    specs = []
    for a in inputs:
        x = float(cells[a])
        specs.append(InputSpec(a, "triangular", {"min": 0.85 * x, "mode": x, "max": 1.3 * x}))
    return prepare(model, SimulationSpec(inputs=specs, outputs=outputs, trials=trials,
                                         seed=seed))


NOTES: list[str] = []


def capital_project_job(trials: int, seed: int):
    """The bundled example and its spec, or None when they are not available.  Outputs that
    need a function the engine does not have yet are left out (and said so)."""
    try:
        from engine.errors import UnsupportedError
        from engine.model import Model
        from engine.simulate import prepare
        from engine.spec import SimulationSpec
    except ImportError:
        return None
    ex = ROOT / "mcdesk" / "examples"
    book, spec_path = ex / "capital_project.xlsx", ex / "capital_project.spec.json"
    if not (book.exists() and spec_path.exists()):
        return None
    spec = SimulationSpec.load(spec_path)
    spec.trials, spec.seed = trials, seed
    model = Model.open(book)
    try:
        return prepare(model, spec)
    except UnsupportedError:
        inputs = [model.ref(i.cell) for i in spec.inputs]
        kept = []
        for o in spec.outputs:
            try:
                model.compile(inputs, [model.ref(o)])
                kept.append(o)
            except UnsupportedError as exc:
                note = f"capital_project: output {o} left out: {exc}"
                if note not in NOTES:
                    NOTES.append(note)
        spec.outputs = kept
        return prepare(model, spec) if kept else None


# ----------------------------------------------------------------- measuring
def run_all(backend, job, chunk: int | None = None) -> tuple[float, dict]:
    """Run every trial of ``job``; returns (seconds, {output: values})."""
    size = chunk or backend.chunk_size(job)
    outs: dict = {c: [] for c in job.program.outputs}
    t0 = time.perf_counter()
    done = 0
    while done < job.trials:
        n = min(size, job.trials - done)
        res = backend.run(job, done, n)
        for c in outs:
            outs[c].append(res.outputs[c])
        done += n
    dt = time.perf_counter() - t0
    return dt, {c: np.concatenate(v) for c, v in outs.items()}


REPEATS = 3  # each rate is the best of this many runs (the machine may be shared)


def best_of(n: int, fn):
    """The fastest of ``n`` calls of ``fn`` (which returns (seconds, result))."""
    best = None
    for _ in range(n):
        got = fn()
        if best is None or got[0] < best[0]:
            best = got
    return best


def max_rel_diff(a: dict, b: dict, n: int) -> float:
    """max over outputs of max |a - b| / max |a| (inf if the NaN patterns differ): the
    difference relative to the output's scale (a value near zero, such as an NPV close to
    breaking even, is a difference of large cash flows and carries their rounding)."""
    worst = 0.0
    for c in a:
        x, y = a[c][:n], b[c][:n]
        if not np.array_equal(np.isfinite(x), np.isfinite(y)):
            return float("inf")
        ok = np.isfinite(x)
        if not ok.any():
            continue
        scale = float(np.max(np.abs(x[ok])))
        if scale > 0:
            worst = max(worst, float(np.max(np.abs(x[ok] - y[ok]))) / scale)
    return worst


def bench(label: str, make_job, trials: int, numpy_trials: int, seed: int) -> list[str]:
    import numba

    from engine.backends.numba import NumbaBackend
    from engine.backends.numpy import NumpyBackend

    job = make_job(trials, seed)
    if job is None:
        return [f"{label}: not available"]
    njob = make_job(numpy_trials, seed)
    cells = len(job.program.steps)
    t_np, out_np = best_of(REPEATS, lambda: run_all(NumpyBackend(), njob))
    r_np = numpy_trials / t_np

    nb = NumbaBackend()
    t0 = time.perf_counter()
    nb.prepare(job)
    first = time.perf_counter() - t0
    compile_s = nb.last_compile_s
    fb = nb.last_fallback or (nb.fallbacks[-1] if nb.fallbacks else None)
    threads = numba.config.NUMBA_NUM_THREADS
    rates = {}
    out_nb = None
    for nthreads in (1, threads):
        numba.set_num_threads(nthreads)
        run_all(nb, make_job(min(trials, 10_000), seed))  # warm (threads started, caches)
        t, out = best_of(REPEATS, lambda: run_all(nb, job))
        rates[nthreads] = trials / t
        out_nb = out_nb or out
    numba.set_num_threads(threads)
    agree = max_rel_diff(out_np, out_nb, numpy_trials)
    lines = [
        f"{label}: {len(job.program.inputs)} inputs, {cells} formula cells in the stochastic slice",
        f"  numba kernel: prepare {first:.2f} s (compile or cache load {compile_s:.2f} s); "
        + (f"fused {fb.fused_cells} cells, {fb.numpy_cells} left to numpy"
           + (" (whole program on numpy)" if fb.whole_program else "") if fb else ""),
        f"  {'backend':<22}{'trials/s':>14}{'vs numpy':>10}",
        f"  {'numpy':<22}{r_np:>14,.0f}{1.0:>10.1f}",
        f"  {'numba, 1 thread':<22}{rates[1]:>14,.0f}{rates[1] / r_np:>10.1f}",
        f"  {f'numba, {threads} threads':<22}{rates[threads]:>14,.0f}{rates[threads] / r_np:>10.1f}",
        f"  numba vs numpy over {numpy_trials:,} trials: max |difference| / output scale "
        f"{agree:.1e}",
    ]
    if fb and fb.reasons:
        first_reasons = list(fb.reasons.items())[:3]
        lines.append("  left to numpy: " + "; ".join(f"{c}: {r}" for c, r in first_reasons))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=2_000_000)
    ap.add_argument("--numpy-trials", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {os.cpu_count()} CPUs; numba threads "
          f"{__import__('numba').config.NUMBA_NUM_THREADS}")
    for label, make in (("cost model", cost_model_job), ("capital_project", capital_project_job)):
        try:
            lines = bench(label, make, args.trials, args.numpy_trials, args.seed)
        except Exception as exc:  # noqa: BLE001 - report and go on with the next model
            lines = [f"{label}: failed: {exc!r}"]
        for line in lines:
            print(line, flush=True)
    for note in NOTES:
        print("note:", note)


if __name__ == "__main__":
    main()
