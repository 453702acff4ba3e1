"""Streamed runs (engine.streaming): exact moments, float32 percentiles, chunk independence."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from engine.backends.base import ChunkResult
from engine.backends.numpy import NumpyBackend
from engine.errors import LimitError
from engine.model import Model
from engine.results import _kept_percentiles, sensitivity, summarize_output
from engine.simulate import prepare, run_job, summarize
from engine.spec import InputSpec, SimulationSpec
from engine.streaming import Moments, StreamSink, kept_bytes, stride_for
from engine.workbook import CellRef

sim = importlib.import_module("engine.simulate")  # engine.simulate is also the function

OUT = "Sheet1!B1"
ERR = "Sheet1!B2"


def tiny_model() -> Model:
    """Two inputs, an output, and an output that is #N/A in about 10% of the trials."""
    return Model.from_cells({"A1": 2.0, "A2": 1.0, "B1": "=A1*A2+A1^2",
                             "B2": "=IF(A1>3.2,NA(),A1-A2)"})


def tiny_spec(trials: int, seed: int = 5) -> SimulationSpec:
    inputs = [InputSpec("Sheet1!A1", "triangular", {"min": 1.0, "mode": 2.0, "max": 4.0}),
              InputSpec("Sheet1!A2", "normal", {"mean": 1.0, "sd": 0.3})]
    return SimulationSpec(inputs=inputs, outputs=[OUT, ERR], trials=trials, seed=seed)


# ----------------------------------------------------------------- pieces
def test_merged_moments_equal_the_moments_of_all_values():
    rng = np.random.default_rng(1)
    x = rng.normal(1e6, 3.0, 100_003)
    whole = Moments.of(x)
    merged = Moments()
    for a, b in [(0, 1), (1, 5000), (5000, 5000), (5000, 70_000), (70_000, x.size)]:
        merged = merged.merge(Moments.of(x[a:b]))
    assert merged.count == whole.count == x.size
    assert merged.mean == pytest.approx(np.mean(x), rel=1e-14)
    assert merged.std == pytest.approx(np.std(x, ddof=1), rel=1e-12)
    assert (merged.min, merged.max) == (x.min(), x.max())
    assert Moments.of(x[:1]).std == 0.0 and Moments().merge(Moments()).count == 0


def test_percentiles_of_kept_values_are_numpys_linear_percentiles():
    rng = np.random.default_rng(2)
    for n in (1, 2, 7, 1000, 12_345):
        x = rng.lognormal(0.0, 1.0, n)
        expected = np.percentile(x, range(1, 100))
        np.testing.assert_array_equal(_kept_percentiles(x.copy(), tuple(range(1, 100))), expected)


def test_stride_keeps_at_most_the_subsample_size():
    assert stride_for(10, keep=100) == 1
    assert stride_for(100, keep=100) == 1
    assert stride_for(101, keep=100) == 2
    assert stride_for(10**8) == 96  # 1,041,667 trials kept of 10^8
    # 10^8 trials, 16 inputs, 3 outputs: 1.2 GB of float32 outputs + the subsample ...
    assert kept_bytes(10**8, 16, 3, bounded=False) == 10**8 * 12 + 1_041_667 * (8 * 16 + 27)
    # ... or, bounded (the default above 1 GiB of float32 outputs), the subsample and the
    # values the exact passes collect (engine.exact_summary), whatever the trials
    assert kept_bytes(10**8, 16, 3) == 256 * 2**20 + 1_041_667 * (8 * 16 + 27)
    assert kept_bytes(10**9, 16, 3) == 256 * 2**20 + 1_048_219 * (8 * 16 + 27)


def test_chunks_stored_in_any_order_keep_the_same_values():
    x, y = CellRef("S", 1, 1), CellRef("S", 1, 2)
    rng = np.random.default_rng(3)
    total = 10_001
    vin, vout = rng.random(total), rng.normal(size=total)
    err = (rng.random(total) < 0.05).astype(np.uint8) * 7
    vout[err != 0] = np.nan

    def chunk(a: int, b: int) -> ChunkResult:
        return ChunkResult(a, b - a, {x: vin[a:b]}, {y: vout[a:b]}, {y: err[a:b]})

    bounds = [0, 13, 999, 1000, 4096, 7777, total]
    sinks = []
    for order in (list(range(6)), [5, 0, 3, 1, 4, 2]):
        sink = StreamSink(total, {x: "x"}, {y: "y"}, keep=1000)
        for k in order:
            sink.store(chunk(bounds[k], bounds[k + 1]))
        sinks.append(sink)
    a, b = sinks
    assert a.stride == 11
    np.testing.assert_array_equal(a.sub_inputs["x"], vin[::11])
    np.testing.assert_array_equal(a.sub_outputs["y"], vout[::11])
    np.testing.assert_array_equal(a.sub_errors["y"], err[::11])
    np.testing.assert_array_equal(a.values32["y"], vout.astype(np.float32))
    for got in (a, b):
        np.testing.assert_array_equal(got.sub_inputs["x"], a.sub_inputs["x"])
        np.testing.assert_array_equal(got.values32["y"], a.values32["y"])
    assert a.moments() == b.moments()  # merged in trial order: bit for bit
    m = a.moments()["y"]
    ok = vout[err == 0]
    assert m.count == ok.size and m.mean == pytest.approx(ok.mean(), rel=1e-14)


# ----------------------------------------------------------------- whole runs
def _stats(s) -> dict:
    return {"mean": s.mean, "std": s.std, "min": s.min, "max": s.max, "errors": s.errors,
            "count": s.count}


def test_ten_million_trials_in_chunks_of_100k_equal_the_one_shot_run():
    """The issue's "Done when": 10^7 trials streamed in chunks of 10^5 against the same run
    in one chunk, in memory (float64)."""
    job = prepare(tiny_model(), tiny_spec(10_000_000))
    one, _ = run_job(job, NumpyBackend(), chunk_size=10_000_000, stream=False)
    streamed, _ = run_job(job, NumpyBackend(), chunk_size=100_000, stream=True)
    assert not one.streamed and one.stride == 1
    assert streamed.streamed and streamed.stride == 10
    for name in (OUT, ERR):
        # every trial's value, rounded to float32; the subsample bit for bit
        np.testing.assert_array_equal(streamed.outputs32[name], one.outputs[name].astype(np.float32))
        np.testing.assert_array_equal(streamed.outputs[name], one.outputs[name][::10])
        np.testing.assert_array_equal(streamed.errors[name], one.errors[name][::10])
    for name in one.inputs:
        np.testing.assert_array_equal(streamed.inputs[name], one.inputs[name][::10])
    # the in-memory statistics (summarize_output, as summarize does, without its 10^7-trial
    # rankings) and the streamed ones
    a = {name: summarize_output(one.outputs[name][one.errors[name] == 0],
                                int((one.errors[name] != 0).sum())) for name in (OUT, ERR)}
    b = summarize(job, streamed, 1.0, "numpy").outputs
    assert 1_000_000 < a[ERR].errors < 1_130_000  # about 10% of the trials are #N/A
    for name in (OUT, ERR):
        sa, sb = _stats(a[name]), _stats(b[name])
        assert sa["count"] == sb["count"] and sa["errors"] == sb["errors"]
        assert (sa["min"], sa["max"]) == (sb["min"], sb["max"])
        assert sb["mean"] == pytest.approx(sa["mean"], rel=1e-12)
        assert sb["std"] == pytest.approx(sa["std"], rel=1e-12)
        pa = np.array([a[name].percentiles[k] for k in a[name].percentiles])
        pb = np.array([b[name].percentiles[k] for k in a[name].percentiles])
        np.testing.assert_allclose(pb, pa, rtol=2.0**-23)  # float32 rounding
        assert sum(b[name].histogram.counts) == sb["count"]
        assert b[name].convergence.trials[-1] == sb["count"]
        # sensitivity: exactly that of the in-memory trials 0, 10, 20, ... (every k-th of
        # them: engine.results.SENSITIVITY_MAX)
        sub = {k: v[::10] for k, v in one.inputs.items()}
        ok = one.errors[name][::10] == 0
        expected = sensitivity(sub, one.outputs[name][::10], ok=ok)
        assert {k: s.spearman for k, s in b[name].sensitivity.items()} == pytest.approx(
            {k: s.spearman for k, s in expected.items()}, abs=1e-15)


def test_streamed_statistics_do_not_depend_on_the_chunk_size():
    job = prepare(tiny_model(), tiny_spec(300_000, seed=9))
    runs = [run_job(job, NumpyBackend(), chunk_size=size, stream=True)[0]
            for size in (300_000, 7_919)]
    a, b = (summarize(job, s, 1.0, "numpy").outputs for s in runs)
    for name in (OUT, ERR):
        assert a[name].percentiles == b[name].percentiles
        assert a[name].histogram == b[name].histogram
        assert a[name].sensitivity == b[name].sensitivity
        assert b[name].mean == pytest.approx(a[name].mean, rel=1e-13)
        assert b[name].std == pytest.approx(a[name].std, rel=1e-13)


def test_small_runs_keep_every_trial_and_large_ones_stream(monkeypatch):
    job = prepare(tiny_model(), tiny_spec(20_000))
    kept, _ = run_job(job, NumpyBackend())
    assert not kept.streamed and kept.stride == 1 and kept.outputs[OUT].dtype == np.float64
    assert kept.outputs[OUT].size == 20_000 and not kept.outputs32
    monkeypatch.setattr(sim, "STREAM_ABOVE", 100_000)  # 20,000 trials keep 520 kB
    streamed, _ = run_job(job, NumpyBackend())
    assert streamed.streamed and streamed.outputs32[OUT].size == 20_000


def test_an_all_error_output_streams_to_empty_statistics():
    model = Model.from_cells({"A1": 2.0, "B1": "=NA()+A1"})
    spec = SimulationSpec(inputs=[InputSpec("Sheet1!A1", "uniform", {"min": 0.0, "max": 1.0})],
                          outputs=[OUT], trials=1000, seed=1)
    job = prepare(model, spec)
    s, _ = run_job(job, NumpyBackend(), stream=True, chunk_size=300)
    got = summarize(job, s, 1.0, "numpy").outputs[OUT]
    want = summarize_output(np.empty(0), 1000)
    assert (got.count, got.errors, got.mean, got.percentiles) == (0, 1000, None, want.percentiles)


def test_memory_refusals(monkeypatch):
    monkeypatch.setattr(sim, "available_memory", lambda: 100 * 2**20)  # 100 MB free
    job = prepare(tiny_model(), tiny_spec(10_000_000))
    with pytest.raises(LimitError, match=r"10,000,000 trials keep 0\.3 GB .* run at most about"):
        run_job(job, NumpyBackend(), stream=False)
    with pytest.raises(LimitError, match=r"keep 0\.1 GB of float32 outputs .* at most about 7,"):
        run_job(job, NumpyBackend())  # streams (does not fit in memory) but still too large
