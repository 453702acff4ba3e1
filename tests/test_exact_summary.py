"""engine.exact_summary: exact percentiles and histogram of a bounded run, by passes over
the same trials; equal bit for bit to the statistics of every trial kept in memory."""

from __future__ import annotations

import numpy as np
import pytest

import engine.exact_summary as ex
import engine.streaming as st
from engine.backends.base import ChunkResult
from engine.backends.numpy import NumpyBackend
from engine.results import summarize_output
from engine.simulate import prepare, run_job, summarize
from engine.streaming import Moments
from engine.workbook import CellRef
from tests.test_streaming import ERR, OUT, tiny_model, tiny_spec

CELL = CellRef("S", 1, 1)


def _hostile(n: int, seed: int = 3) -> np.ndarray:
    """Heavy tails on both sides of zero, point masses (ties), -0.0, a few errors (NaN)."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0.0, 3.0, n) * np.where(rng.random(n) < 0.3, -1.0, 1.0)
    x[rng.random(n) < 0.2] = 7.25            # a point mass
    x[rng.random(n) < 0.05] = -0.0
    x[rng.random(n) < 0.01] = np.nan         # Excel errors
    x[:3] = [1e-300, -1e-300, 5e-324]
    return x


def _passes(x: np.ndarray, chunk: int, rerun=None) -> tuple[ex.ExactPasses, float]:
    """First pass (moments, successes per chunk) then ExactPasses over chunks of ``x``."""
    ok = np.isfinite(x)
    moments = Moments()
    chunk_ok = {}
    starts = list(range(0, x.size, chunk))
    for a in starts:
        v, o = x[a:a + chunk], ok[a:a + chunk]
        moments = moments.merge(Moments.of(v[o]))
        chunk_ok[a] = {"o": (int(o.sum()), float(np.sum(v[o])))}
    passes = ex.ExactPasses(x.size, {CELL: "o"}, {"o": moments}, chunk_ok)

    def run_pass(store) -> float:
        data = x if rerun is None else rerun()
        for a in reversed(starts):  # any order
            v = data[a:a + chunk]
            store(ChunkResult(a, v.size, outputs={CELL: v.copy()},
                              errors={CELL: np.where(np.isfinite(v), 0, 7).astype(np.uint8)}))
        return 0.0

    passes.run(run_pass)
    return passes, moments


@pytest.mark.parametrize("collect", [ex.COLLECT_MAX, 5_000, 50])
def test_percentiles_and_histogram_equal_those_of_every_value_sorted(monkeypatch, collect):
    monkeypatch.setattr(ex, "COLLECT_MAX", collect)
    x = _hostile(200_003)
    passes, _ = _passes(x, 30_000)
    got = passes.summaries()["o"]
    want = summarize_output(x[np.isfinite(x)], int(np.isnan(x).sum()))
    assert got.percentiles == want.percentiles  # bit for bit, every P1..P99
    assert got.histogram == want.histogram
    assert (got.count, got.errors, got.min, got.max) == (want.count, want.errors, want.min, want.max)
    assert got.percentile_method == "exact-passes"
    # 2 runs when everything fits, more when bins must be split (50: down to single values)
    runs = got.percentile_passes
    assert runs == 2 if collect > x.size else 3 <= runs <= 6 if collect == 5_000 else runs >= 4
    assert got.convergence.trials == want.convergence.trials
    np.testing.assert_allclose(got.convergence.mean, want.convergence.mean, rtol=1e-12)


def test_a_smooth_output_takes_three_runs(monkeypatch):
    """Typical outputs: one histogram pass, then the wanted bins fit and are collected."""
    monkeypatch.setattr(ex, "COLLECT_MAX", 20_000)
    x = np.random.default_rng(5).normal(-50.0, 300.0, 1_000_000)
    passes, _ = _passes(x, 65_536)
    got = passes.summaries()["o"]
    assert got.percentiles == summarize_output(x, 0).percentiles
    assert got.percentile_passes == 3


def test_a_narrow_cluster_beside_huge_outliers_resolves(monkeypatch):
    monkeypatch.setattr(ex, "COLLECT_MAX", 1_000)
    rng = np.random.default_rng(4)
    x = 1000.0 + rng.normal(0, 1e-9, 100_000)
    x[::997] = 1e300
    passes, _ = _passes(x, 8_192)
    want = summarize_output(x, 0)
    assert passes.summaries()["o"].percentiles == want.percentiles


def test_constant_and_all_error_outputs_need_no_pass():
    calls = []
    for x in (np.full(1000, 3.5), np.full(1000, np.nan)):
        passes, _ = _passes(x, 100, rerun=lambda x=x: calls.append(1) or x)
        got = passes.summaries()["o"]
        assert got.percentiles == summarize_output(x[np.isfinite(x)], int(np.isnan(x).sum())).percentiles
    assert calls == []


def test_trials_that_differ_between_runs_are_an_error_not_a_wrong_answer():
    x = _hostile(20_000)
    for other in (x[::-1].copy(), x + 1.0, np.where(x == 7.25, 7.5, x)):
        with pytest.raises(ex.NotRepeatableError, match="not the same"):
            _passes(x, 5_000, rerun=lambda other=other: other)


def test_order_keys_follow_the_values():
    v = np.array([-np.inf, -1e308, -1.0, -5e-324, 0.0, 5e-324, 1.0, 1e308, np.inf])
    k = ex.order_keys(v)
    assert np.all(k[1:] > k[:-1])
    assert [ex.key_value(int(i)) for i in k] == list(v)


def test_a_bounded_run_equals_the_run_kept_in_memory(monkeypatch):
    """run_job streams without keeping per-trial outputs (VALUES32_MAX 0) and runs the
    chunks again: the same RESULT.json statistics as every trial kept, percentiles bit for bit."""
    job = prepare(tiny_model(), tiny_spec(120_000))
    kept, t = run_job(job, NumpyBackend(), stream=False, chunk_size=40_000)
    want = summarize(job, kept, t, "numpy").to_dict()
    monkeypatch.setattr(st, "VALUES32_MAX", 0)
    monkeypatch.setattr(ex, "COLLECT_MAX", 20_000)
    bounded, t = run_job(job, NumpyBackend(), stream=True, chunk_size=25_000)
    assert bounded.streamed and bounded.summaries
    got = summarize(job, bounded, t, "numpy").to_dict()
    for name in (OUT, ERR):
        g, w = got["outputs"][name], want["outputs"][name]
        assert g["percentiles"] == w["percentiles"] and g["histogram"] == w["histogram"]
        assert g["errors"] == w["errors"] and g["sensitivity"] == w["sensitivity"]
        assert g["mean"] == pytest.approx(w["mean"], rel=1e-14)
        assert (g["percentile_method"], g["percentile_accuracy"]) == ("exact-passes", "exact")
        assert g["percentile_passes"] == 3 and w["percentile_method"] == "sorted"


def test_simulate_reports_a_bounded_run_of_every_trial(monkeypatch):
    from engine.simulate import simulate

    monkeypatch.setattr(st, "VALUES32_MAX", 0)
    got = simulate(tiny_model(), tiny_spec(30_000), backend=NumpyBackend(), stream=True)
    want = simulate(tiny_model(), tiny_spec(30_000), backend=NumpyBackend(), stream=False)
    assert got.trials == 30_000 and got.samples.summaries
    assert got.outputs[OUT].percentiles == want.outputs[OUT].percentiles
    assert got.to_dict()["outputs"][OUT]["percentile_passes"] == 2


class _Recorder:
    """A progress callback with the CLI bar's ``phase``: every call and phase, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []
        self.phases: list[tuple[int, str]] = []   # (calls before it, its text)

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    def phase(self, text: str) -> None:
        self.phases.append((len(self.calls), text))


def _check_contract(calls: list[tuple[int, int]]) -> None:
    dones = [d for d, _ in calls]
    assert dones == sorted(dones), "done moved back"
    assert all(0 <= d <= t for d, t in calls), "done above total"


@pytest.mark.parametrize("collect, level1, split, runs",
                         [(20_000, ex.LEVEL1_BINS, ex.SPLIT_BINS, 3), (3_000, 8_192, 512, 4)])
def test_a_bounded_run_reports_progress_through_its_reruns(monkeypatch, collect, level1, split,
                                                           runs):
    """The reruns that find the exact percentiles move the bar: the total counts every
    run's trials (3 x 120,000 for a run that takes the usual 2 reruns; it grows when bins
    must be split further), done never moves back nor passes the total, ends equal to it, and
    each rerun is announced as "exact percentiles: pass k"."""
    trials = 120_000
    job = prepare(tiny_model(), tiny_spec(trials))
    monkeypatch.setattr(st, "VALUES32_MAX", 0)
    monkeypatch.setattr(ex, "COLLECT_MAX", collect)
    monkeypatch.setattr(ex, "LEVEL1_BINS", level1)   # coarse bins: a third rerun (4 runs)
    monkeypatch.setattr(ex, "SPLIT_BINS", split)
    quiet, _ = run_job(job, NumpyBackend(), stream=True, chunk_size=25_000)
    rec = _Recorder()
    samples, t = run_job(job, NumpyBackend(), stream=True, chunk_size=25_000, progress=rec)
    passes = samples.summaries[OUT].percentile_passes
    assert passes == runs
    _check_contract(rec.calls)
    assert rec.calls[0][1] == 3 * trials   # the usual 2 reruns, known from the start
    assert rec.calls[-1] == (passes * trials, passes * trials)
    assert [text for _, text in rec.phases] == [f"exact percentiles: pass {k}"
                                                for k in range(1, passes)]
    for k, (before, _) in enumerate(rec.phases, start=1):  # each rerun reports as it goes
        during = [d for d, _ in rec.calls[before:]][:-1]
        assert k * trials < during[0] < (k + 1) * trials
    # the numbers do not depend on the progress callback
    assert samples.summaries[OUT].percentiles == quiet.summaries[OUT].percentiles


def test_a_bounded_run_needing_no_rerun_ends_its_progress_at_the_trials(monkeypatch):
    """Outputs that are constant need no rerun: the total shrinks back to the trials run."""
    from engine.model import Model
    from engine.spec import InputSpec, SimulationSpec

    model = Model.from_cells({"A1": 2.0, "B1": "=A1*0+7"})
    spec = SimulationSpec(inputs=[InputSpec("Sheet1!A1", "normal", {"mean": 1.0, "sd": 1.0})],
                          outputs=["Sheet1!B1"], trials=40_000, seed=1)
    monkeypatch.setattr(st, "VALUES32_MAX", 0)
    rec = _Recorder()
    run_job(prepare(model, spec), NumpyBackend(), stream=True, chunk_size=10_000, progress=rec)
    _check_contract(rec.calls)
    assert rec.phases == [] and rec.calls[-1] == (40_000, 40_000)


def test_the_cli_bar_shows_the_exact_percentiles_phase():
    import io

    from mcdesk.cli import ProgressBar

    out = io.StringIO()
    bar = ProgressBar(stream=out, delay=0.0)
    bar(100, 300)
    bar.phase("exact percentiles: pass 1")
    bar(150, 300)
    assert out.getvalue().endswith("150/300 trials (exact percentiles: pass 1) "
                                   + out.getvalue().rsplit(") ", 1)[1])
    assert "100/300 trials " in out.getvalue()
