"""Time each piece of a run's statistics (engine.results), old code next to new, on data
shaped like the bundled example (16 inputs, 7 outputs, one with about 5% error trials).

    python bench/bench_stats.py [--trials 1000000 10000000] [--example 1000000]

"old" is a copy, kept only here, of the functions as they were before the statistics were
made proportionate (scipy's rankdata per output for outputs with errors, np.dot on big
vectors, a blocked per-mark convergence loop); "new" is engine.results as it is.  The
sensitivity lines also print the largest difference in Spearman between old and new.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy.stats import rankdata

from engine import results as new
from engine.results import Convergence, Sensitivity, _marks, _scale

_Z95 = 1.959963984540054
_BLOCK = 1 << 20


# ------------------------------------------------------------ old code (for comparison only)
def old_sum_sq_dev(x: np.ndarray, shift: float) -> float:
    total = 0.0
    for a in range(0, x.size, _BLOCK):
        d = x[a:a + _BLOCK] - shift
        total += float(np.dot(d, d))
    return total


def old_convergence(x: np.ndarray, points: int = 200) -> Convergence:
    marks = _marks(x.size, points)
    if not marks:
        return Convergence([], [], [])
    s1 = s2 = 0.0
    prev = 0
    means, halves = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        lo, hi = float(x.min()), float(x.max())
        s = _scale(lo, hi) if math.isfinite(lo) and math.isfinite(hi) else 1.0
        shift = float(np.mean(x))
        for k in marks:
            for a in range(prev, k, _BLOCK):
                block = x[a:min(a + _BLOCK, k)]
                d = (block if s == 1.0 else block / s) - shift
                s1 += float(d.sum())
                s2 += float(np.dot(d, d))
            prev = k
            m = s1 / k
            var = max(s2 - k * m * m, 0.0) / (k - 1)
            means.append((shift + m) * s)
            halves.append(_Z95 * math.sqrt(var / k) * s)
    return Convergence(marks, means, halves)


def old_pct_hist(x: np.ndarray) -> tuple[np.ndarray, Any]:
    pct = np.percentile(x, new.PERCENTILES)
    return pct, new.histogram(x, iqr=float(pct[74] - pct[24]))


def new_pct_hist(x: np.ndarray) -> tuple[np.ndarray, Any]:
    xs = np.sort(x)
    pct = new._sorted_percentiles(xs, new.PERCENTILES)
    return pct, new.histogram(xs, iqr=float(pct[74] - pct[24]), presorted=True)


def old_summary_s(x: np.ndarray, reps: int) -> float:
    """The old summarize_output's pieces: moments, np.percentile, histogram, convergence."""
    def run() -> None:
        finite = np.isfinite(x)
        assert finite.all()
        mean = float(np.mean(x))
        old_sum_sq_dev(x, mean)
        old_pct_hist(x)
        old_convergence(x)
    return timed(run, reps)[0]


def old_centred_ranks(x: np.ndarray) -> tuple[np.ndarray, float]:
    if x.min() == x.max():
        return np.zeros_like(x), 0.0
    r = rankdata(x, method="average")
    r -= r.mean()
    return r, float(np.sqrt(np.dot(r, r)))


def old_input_ranks(inputs: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, float]]:
    return {name: old_centred_ranks(np.asarray(x, dtype=np.float64).ravel())
            for name, x in inputs.items()}


def old_sensitivity(inputs: Mapping[str, np.ndarray], output: np.ndarray,
                    ranks: Mapping[str, tuple[np.ndarray, float]] | None = None,
                    ) -> dict[str, Sensitivity]:
    y = np.asarray(output, dtype=np.float64).ravel()
    if y.size < 2:
        return {name: Sensitivity(0.0, 0.0) for name in inputs}
    ry, ny = old_centred_ranks(y)
    rho: dict[str, float] = {}
    for name, values in inputs.items():
        x = np.asarray(values, dtype=np.float64).ravel()
        rx, nx = ranks[name] if ranks is not None and name in ranks else old_centred_ranks(x)
        r = float(np.dot(rx, ry) / (nx * ny)) if nx > 0 and ny > 0 else 0.0
        rho[name] = min(max(r, -1.0), 1.0)
    total = math.fsum(r * r for r in rho.values())
    return {name: Sensitivity(r, r * r / total if total > 0 else 0.0) for name, r in rho.items()}


def old_all_sensitivity(inputs: dict[str, np.ndarray], outputs: dict[str, np.ndarray],
                        errors: dict[str, np.ndarray]) -> dict[str, dict[str, Sensitivity]]:
    """As engine.simulate.summarize did: shared ranks for outputs without errors, every
    input ranked again for each output with errors."""
    shared, out = None, {}
    for name, vals in outputs.items():
        ok = errors[name] == 0
        if ok.all():
            shared = shared if shared is not None else old_input_ranks(inputs)
            out[name] = old_sensitivity(inputs, vals, shared)
        else:
            out[name] = old_sensitivity({k: v[ok] for k, v in inputs.items()}, vals[ok])
    return out


def new_all_sensitivity(inputs: dict[str, np.ndarray], outputs: dict[str, np.ndarray],
                        errors: dict[str, np.ndarray], max_trials: int | None = new.SENSITIVITY_MAX,
                        ) -> dict[str, dict[str, Sensitivity]]:
    shared = new.input_ranks(inputs, max_trials)
    return {name: new.sensitivity(inputs, vals, shared, ok=errors[name] == 0,
                                  max_trials=max_trials)
            for name, vals in outputs.items()}


def example_subsample_change(trials: int) -> None:
    """On the bundled example: the largest change in Spearman between every trial and the
    subsample of at most SENSITIVITY_MAX."""
    from engine import Model, SimulationSpec, simulate
    from mcdesk.cli import example_paths

    book, spec_path = example_paths()
    spec = dataclasses.replace(SimulationSpec.load(spec_path), trials=trials)
    result = simulate(Model.open(book), spec, backend="numba")
    smp = result.samples
    worst = 0.0
    for name, vals in smp.outputs.items():
        ok = smp.errors[name] == 0
        full = new.sensitivity(smp.inputs, vals, ok=ok, max_trials=None)
        sub = result.outputs[name].sensitivity
        worst = max([worst] + [abs(full[k].spearman - sub[k].spearman) for k in full])
    trials_used = next(iter(result.outputs.values())).sensitivity
    print(f"\nexample, {trials:,} trials: sensitivity over "
          f"{next(iter(trials_used.values())).trials:,} trials; largest change in Spearman "
          f"vs every trial: {worst:.2e}")


# ------------------------------------------------------------ data and timing
def example_like(n: int, seed: int = 7) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray],
                                                dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    inputs = {f"Inputs!C{i + 2}": (rng.triangular(1, 2, 4, n) if i % 3 == 0 else
                                   rng.lognormal(0, 0.5, n) if i % 3 == 1 else
                                   np.round(rng.normal(10, 2, n), 1))  # ties
              for i in range(16)}
    xs = list(inputs.values())
    outputs, errors = {}, {}
    for j in range(7):
        y = sum(x * (k + j + 1) for k, x in enumerate(xs[j:j + 6])) - 40 * xs[(j + 7) % 16]
        outputs[f"Model!F{j + 2}"] = y
        errors[f"Model!F{j + 2}"] = np.zeros(n, dtype=np.uint8)
    bad = rng.random(n) < 0.05
    errors["Model!F8"] = bad.astype(np.uint8)
    outputs["Model!F8"] = np.where(bad, np.nan, outputs["Model!F8"])
    return inputs, outputs, errors


def timed(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    best, value = math.inf, None
    for _ in range(reps):
        t = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t)
    return best, value


def bench(n: int) -> None:
    inputs, outputs, errors = example_like(n)
    y = outputs["Model!F2"]
    mean = float(np.mean(y))
    reps = 3 if n <= 2_000_000 else 1
    rows: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("sum of squared deviations (1 output)", lambda: old_sum_sq_dev(y, mean),
         lambda: new._sum_sq_dev(y, mean)),
        ("convergence (1 output)", lambda: old_convergence(y), lambda: new.convergence(y)),
        ("percentiles + histogram (1 output)", lambda: old_pct_hist(y), lambda: new_pct_hist(y)),
        ("summarize_output (1 output)", lambda: None, lambda: new.summarize_output(y, 0)),
        ("input ranks (16 inputs)", lambda: old_input_ranks(inputs),
         lambda: new.input_ranks(inputs)),
        ("sensitivity, all 7 outputs (full)", lambda: old_all_sensitivity(inputs, outputs, errors),
         lambda: new_all_sensitivity(inputs, outputs, errors, None)),
        ("sensitivity, all 7 outputs (<=200k)", lambda: old_all_sensitivity(inputs, outputs, errors),
         lambda: new_all_sensitivity(inputs, outputs, errors)),
    ]
    print(f"\n{n:,} trials, 16 inputs, 7 outputs (best of {reps})")
    print(f"{'piece':40s} {'old s':>8s} {'new s':>8s}  check")
    for label, old_fn, new_fn in rows:
        t_old, a = timed(old_fn, reps)
        t_new, b = timed(new_fn, reps)
        check = ""
        if label.startswith("summarize"):
            t_old = old_summary_s(y, reps)
        elif isinstance(a, tuple):
            check = ("percentiles equal" if np.array_equal(a[0], b[0]) else "PERCENTILES DIFFER") + (
                ", histograms equal" if a[1] == b[1] else ", HISTOGRAMS DIFFER")
        elif isinstance(a, float):
            check = f"rel diff {abs(a - b) / abs(a):.1e}"
        elif isinstance(a, Convergence):
            check = (f"max rel diff mean {np.max(np.abs(np.subtract(a.mean, b.mean)) / np.abs(a.mean)):.1e}"
                     f", half-width {np.max(np.abs(np.subtract(a.half_width, b.half_width)) / np.abs(a.half_width[1:]).min()):.1e}")
        elif label.startswith("sensitivity"):
            d = max(abs(a[o][i].spearman - b[o][i].spearman) for o in a for i in a[o])
            check = f"max |d spearman| {d:.1e}"
        print(f"{label:40s} {t_old:8.3f} {t_new:8.3f}  {check}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--trials", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--example", type=int, default=0, metavar="TRIALS",
                    help="also run the bundled example with TRIALS trials and print the "
                         "largest change in Spearman of the subsample vs every trial")
    args = ap.parse_args(argv)
    if args.example:
        example_subsample_change(args.example)
    for n in args.trials:
        bench(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
