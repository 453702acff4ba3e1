"""End-to-end statistics through the engine: exact moments, LHS vs MC, chunk independence."""

from __future__ import annotations

import numpy as np
import pytest

from engine.backends.numpy import NumpyBackend
from engine.errors import CancelledError
from engine.model import Model
from engine.sampling import Sampling
from engine.simulate import prepare, run_job, simulate
from engine.spec import InputSpec, SimulationSpec

TRI = [(1.0 + i, 2.0 + 1.5 * i, 4.0 + 2 * i) for i in range(10)]


def sum_model() -> Model:
    cells = {f"A{i + 1}": mode for i, (_, mode, _) in enumerate(TRI)}
    cells["B1"] = "=SUM(A1:A10)"
    return Model.from_cells(cells)


def sum_spec(trials: int, seed: int = 0, sampling: Sampling = Sampling.MC) -> SimulationSpec:
    inputs = [InputSpec(f"Sheet1!A{i + 1}", "triangular", {"min": a, "mode": m, "max": b})
              for i, (a, m, b) in enumerate(TRI)]
    return SimulationSpec(inputs=inputs, outputs=["Sheet1!B1"], trials=trials, seed=seed,
                          sampling=sampling)


def exact_moments():
    mean = sum((a + m + b) / 3 for a, m, b in TRI)
    var = sum((a * a + m * m + b * b - a * m - a * b - m * b) / 18 for a, m, b in TRI)
    return mean, var


def test_sum_of_triangulars_matches_exact_values():
    n = 1_000_000
    result = simulate(sum_model(), sum_spec(n, seed=11), backend="numpy")
    out = result.outputs["Sheet1!B1"]
    mean, var = exact_moments()
    sd = np.sqrt(var)
    assert abs(out.mean - mean) < 4 * sd / np.sqrt(n)
    # variance of the sample variance ~ (mu4 - sigma^4) / n; the sum is close to normal: 2 sigma^4 / n
    assert abs(out.std ** 2 - var) < 4 * np.sqrt(2.0 / n) * var
    # percentiles of a near-normal sum: compare with the exact distribution by a large reference run
    # standard error of a quantile: sqrt(p(1-p)/n) / f(x_p)
    from scipy.stats import norm

    for p in (5, 95):
        z = norm.ppf(p / 100)
        se = np.sqrt(p / 100 * (1 - p / 100) / n) / (norm.pdf(z) / sd)
        reference = _reference_quantile(p / 100)
        assert abs(out.percentiles[str(p)] - reference) < 4 * se + 1e-3 * sd


def _reference_quantile(q: float) -> float:
    """Quantile of the exact sum distribution, by numerical convolution of the densities."""
    from scipy.signal import fftconvolve

    grid = np.linspace(0, 200, 40_001)  # the sum lies in [sum of minima, sum of maxima]
    assert sum(b for _, _, b in TRI) < grid[-1]
    h = grid[1] - grid[0]
    dens = None
    for a, m, b in TRI:
        f = np.where(grid < a, 0, np.where(grid <= m, 2 * (grid - a) / ((b - a) * (m - a)),
                     np.where(grid <= b, 2 * (b - grid) / ((b - a) * (b - m)), 0)))
        dens = f if dens is None else fftconvolve(dens, f)[: len(grid)] * h
    cdf = np.cumsum(dens) * h
    return float(np.interp(q, cdf / cdf[-1], grid))


def test_latin_hypercube_beats_monte_carlo_on_the_mean():
    mean, _ = exact_moments()
    model = sum_model()
    errs = {Sampling.MC: [], Sampling.LHS: []}
    for seed in range(30):
        for s in errs:
            r = simulate(model, sum_spec(2000, seed=seed, sampling=s), backend="numpy")
            errs[s].append(r.outputs["Sheet1!B1"].mean - mean)
    rmse = {s: float(np.sqrt(np.mean(np.square(e)))) for s, e in errs.items()}
    assert rmse[Sampling.LHS] < 0.25 * rmse[Sampling.MC], rmse


@pytest.mark.parametrize("sampling", [Sampling.MC, Sampling.LHS])
def test_same_seed_same_samples_whatever_the_chunk_size(sampling):
    # 200 chunks against one (1,000,000 trials were the same path: ~9.5 s -> ~2 s of CPU)
    model = sum_model()
    job = prepare(model, sum_spec(200_000, seed=5, sampling=sampling))
    small, _ = run_job(job, NumpyBackend(), chunk_size=1_000)
    large, _ = run_job(job, NumpyBackend(), chunk_size=200_000)
    for k in small.inputs:
        assert np.array_equal(small.inputs[k], large.inputs[k])
    assert np.array_equal(small.outputs["Sheet1!B1"], large.outputs["Sheet1!B1"])


def test_cancel_stops_between_chunks():
    job = prepare(sum_model(), sum_spec(100_000))
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(CancelledError, match="cancelled after [0-9,]+ of 100,000") as info:
        run_job(job, NumpyBackend(), chunk_size=1_000, cancel=cancel)
    done = int(str(info.value).split()[2].replace(",", ""))
    assert len(calls) == 4 and done <= 3_000  # at most the chunks already started


def test_threaded_chunks_equal_one_after_the_other():
    job = prepare(sum_model(), sum_spec(50_000))

    class OneByOne(NumpyBackend):
        def workers(self, job):
            return 1

    a, _ = run_job(job, NumpyBackend(), chunk_size=3_000)
    b, _ = run_job(job, OneByOne(), chunk_size=3_000)
    assert NumpyBackend().workers(job) >= 1
    np.testing.assert_array_equal(a.outputs["Sheet1!B1"], b.outputs["Sheet1!B1"])
    np.testing.assert_array_equal(a.inputs["Sheet1!A3"], b.inputs["Sheet1!A3"])


def test_progress_is_reported():
    seen = []
    simulate(sum_model(), sum_spec(10_000), backend="numpy", chunk_size=2_500,
             progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2_500, 10_000), (5_000, 10_000), (7_500, 10_000), (10_000, 10_000)]


def test_rand_workbooks_run_as_they_are():
    """NORM.INV(RAND(), m, s) built for Excel Monte Carlo, with no input declared."""
    model = Model.from_cells({"A1": 100.0, "A2": 15.0, "B1": "=NORM.INV(RAND(),A1,A2)",
                              "B2": "=B1*2"})
    spec = SimulationSpec(inputs=[], outputs=["Sheet1!B2"], trials=200_000, seed=1)
    out = simulate(model, spec, backend="numpy").outputs["Sheet1!B2"]
    assert abs(out.mean - 200.0) < 4 * 30 / np.sqrt(200_000)
    assert abs(out.std - 30.0) < 0.5


def test_auto_uses_numpy_for_a_small_first_run_and_numba_for_a_large_one(tmp_path, monkeypatch):
    pytest.importorskip("numba")
    from engine.backends import base

    monkeypatch.setenv("MCDESK_KERNEL_CACHE", str(tmp_path))
    small = simulate(sum_model(), sum_spec(2_000), backend="auto")
    assert small.backend == "numpy"  # nothing compiled yet: a 20 s compile would not pay
    monkeypatch.setattr(base, "AUTO_NUMBA_TRIALS", 2_000)
    large = simulate(sum_model(), sum_spec(2_000), backend="auto")
    assert large.backend == "numba"
    assert small.compile_s == 0.0 and large.to_dict()["compile_s"] > 0  # compiled here
    np.testing.assert_allclose(large.samples.outputs["Sheet1!B1"],
                               small.samples.outputs["Sheet1!B1"], rtol=1e-12)
    monkeypatch.setattr(base, "AUTO_NUMBA_TRIALS", 10**12)
    again = simulate(sum_model(), sum_spec(2_000), backend="auto")
    assert again.backend == "numba"  # compiled on disk now: no compile cost left


def test_a_run_kept_in_memory_too_large_for_it_is_refused_before_it_starts(monkeypatch):
    import importlib

    from engine.errors import LimitError

    sim = importlib.import_module("engine.simulate")  # engine.simulate is also the function

    monkeypatch.setattr(sim, "available_memory", lambda: 100 * 2**20)  # 100 MB free
    job = prepare(sum_model(), sum_spec(10_000_000))
    with pytest.raises(LimitError, match=r"10,000,000 trials keep 0\.8 GB .* run at most about"):
        run_job(job, NumpyBackend(), stream=False)
