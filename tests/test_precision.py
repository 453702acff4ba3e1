"""Precision control: a run stops when the chosen statistics' 95% half-widths are within
tolerance, and the stopped run's true error is within it (mean and P90 known exactly)."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
from scipy.stats import norm

from engine.errors import SpecError
from engine.model import Model
from engine.precision import PrecisionSpec, half_width, parse_target, simulate_to_precision
from engine.sampling import Sampling
from engine.simulate import simulate
from engine.spec import InputSpec, SimulationSpec

log = logging.getLogger(__name__)
MEAN = 15.0
SD = math.sqrt(5.0)                       # A1 ~ N(10, 2), A2 ~ N(5, 1): the sum ~ N(15, sqrt 5)
P90 = MEAN + SD * norm.ppf(0.9)


def normal_model() -> Model:
    return Model.from_cells({"A1": 10.0, "A2": 5.0, "B1": "=A1+A2"})


def normal_spec(trials: int, seed: int, sampling: Sampling = Sampling.MC) -> SimulationSpec:
    return SimulationSpec(
        inputs=[InputSpec("Sheet1!A1", "normal", {"mean": 10.0, "sd": 2.0}),
                InputSpec("Sheet1!A2", "normal", {"mean": 5.0, "sd": 1.0})],
        outputs=["Sheet1!B1"], trials=trials, seed=seed, sampling=sampling)


def test_parse_targets():
    t = parse_target("Sheet1!B9:mean:1%")
    assert (t.output, t.statistic, t.tolerance, t.relative) == ("Sheet1!B9", "mean", 0.01, True)
    t = parse_target("'My sheet'!C3:P90:250")
    assert (t.output, t.statistic, t.tolerance, t.relative) == ("'My sheet'!C3", "p90", 250, False)
    assert t.text() == "'My sheet'!C3:p90:250"
    assert PrecisionSpec([t]).z == pytest.approx(1.959964)   # one target: plain 95%
    for bad, msg in [("B9:mean", "CELL:STAT:TOL"), ("B9:median:1", "statistic"),
                     ("B9:p100:1", "statistic"), ("B9:mean:x%", "tolerance"),
                     ("B9:mean:0", "positive")]:
        with pytest.raises(SpecError, match=msg):
            parse_target(bad)
    spec = PrecisionSpec.from_dict({"targets": ["A1:mean:1%", {"output": "A2", "tolerance": 2}]})
    assert PrecisionSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(SpecError, match="unknown"):
        PrecisionSpec.from_dict({"targets": ["A1:mean:1"], "tol": 1})


def test_half_widths_match_the_formulas():
    x = np.random.default_rng(0).normal(0, 1, 100_000)
    m, h = half_width(x, None)
    assert h == pytest.approx(1.959964 * x.std(ddof=1) / math.sqrt(x.size))
    v, h90 = half_width(x, 90)
    assert v == pytest.approx(np.percentile(x, 90))
    # order-statistic half-width ~ 1.96 sqrt(p (1 - p) / n) / f(x_p)
    assert h90 == pytest.approx(1.96 * math.sqrt(0.09 / x.size) / norm.pdf(norm.ppf(0.9)),
                                rel=0.1)


def test_stopped_runs_true_error_within_tolerance_in_95_of_100_seeds():
    model = normal_model()
    precision = PrecisionSpec([parse_target("Sheet1!B1:mean:0.1"),
                               parse_target("Sheet1!B1:p90:0.2")],
                              min_trials=500, check_every=250)
    assert precision.z == pytest.approx(norm.ppf(1 - 0.05 / 4))   # 95% jointly: 2.24 each
    ok_mean = ok_p90 = ok_both = 0
    stops = []
    for seed in range(100):
        result, report = simulate_to_precision(model, normal_spec(100_000, seed), precision,
                                               backend="numpy")
        assert report["converged"] and report["trials"] == result.trials < 100_000
        stops.append(result.trials)
        out = result.outputs["Sheet1!B1"]
        good = abs(out.mean - MEAN) <= 0.1, abs(out.percentiles["90"] - P90) <= 0.2
        ok_mean, ok_p90, ok_both = ok_mean + good[0], ok_p90 + good[1], ok_both + all(good)
    log.info("within tolerance: mean %d, P90 %d, both %d of 100", ok_mean, ok_p90, ok_both)
    assert ok_mean >= 95 and ok_p90 >= 95 and ok_both >= 95, (ok_mean, ok_p90, ok_both)
    # the mean binds: (2.24 sqrt 5 / 0.1)^2 ~ 2,510 trials (P90: ~1,830)
    assert 2_250 <= np.median(stops) <= 2_750


def test_stopped_run_equals_a_fixed_run_of_its_trials():
    model = normal_model()
    precision = PrecisionSpec([parse_target("Sheet1!B1:mean:0.5%")], min_trials=1,
                              check_every=500)
    result, report = simulate_to_precision(model, normal_spec(100_000, 7), precision,
                                           backend="numpy")
    assert report["converged"] and result.trials == report["trials"]
    fixed = simulate(model, normal_spec(result.trials, 7), backend="numpy")
    a, b = result.to_dict(), fixed.to_dict()
    assert a.pop("precision")["converged"]
    for d in (a, b):
        for k in ("elapsed_s", "trials_per_s", "compile_s"):
            d.pop(k)
    assert a == b


def test_cap_reached_is_reported_not_converged():
    model = normal_model()
    precision = PrecisionSpec([parse_target("Sheet1!B1:p90:1e-6")], check_every=1_000)
    result, report = simulate_to_precision(model, normal_spec(5_000, 1), precision,
                                           backend="numpy")
    assert result.trials == 5_000 and report["trials"] == 5_000
    assert not report["converged"] and report["checks"] == 5
    assert not report["targets"][0]["met"] and report["targets"][0]["half_width"] > 1e-6


def test_precision_refuses_lhs_and_unknown_outputs():
    model = normal_model()
    p = PrecisionSpec([parse_target("Sheet1!B1:mean:1%")])
    with pytest.raises(SpecError, match="Monte Carlo"):
        simulate_to_precision(model, normal_spec(1000, 1, Sampling.LHS), p, backend="numpy")
    with pytest.raises(SpecError, match="not an output"):
        simulate_to_precision(model, normal_spec(1000, 1),
                              PrecisionSpec([parse_target("Sheet1!A1:mean:1%")]),
                              backend="numpy")


def test_streamed_run_stops_too():
    model = normal_model()
    precision = PrecisionSpec([parse_target("Sheet1!B1:mean:0.05")], check_every=1_000)
    result, report = simulate_to_precision(model, normal_spec(50_000, 3), precision,
                                           backend="numpy", stream=True)
    assert report["converged"] and result.trials == report["trials"] < 50_000
    out = result.outputs["Sheet1!B1"]
    assert out.count == result.trials
    assert abs(out.mean - MEAN) < 0.1


def test_a_spec_with_precision_runs_to_it_through_simulate():
    spec = normal_spec(100_000, 5)
    spec.precision = PrecisionSpec([parse_target("Sheet1!B1:mean:0.05")], check_every=1_000)
    again = SimulationSpec.from_dict(spec.to_dict())
    assert again.precision == spec.precision
    result = simulate(normal_model(), again, backend="numpy")
    d = result.to_dict()
    assert d["precision"]["converged"] and d["trials"] == d["precision"]["trials"] < 100_000
    # (1.96 sqrt 5 / 0.05)^2 ~ 7,700 trials, checked every 1,000
    assert 6_000 <= d["trials"] <= 10_000
    assert d["precision"]["targets"][0]["half_width"] <= 0.05
    with pytest.raises(SpecError, match="precision.*tolerance"):
        SimulationSpec.from_dict({"outputs": ["A1"], "precision": {"targets": ["A1:mean:-1"]}})


def test_precision_over_the_remote_backend_equals_the_local_run(tmp_path):
    """The stop hook drives the remote backend chunk by chunk: the service runs the trial
    ranges, the client stops where the local run stops, with the same numbers."""
    from pathlib import Path

    from engine.backends import get_backend
    from remote.testing import ServiceProcess

    root = Path(__file__).resolve().parent.parent / "mcdesk" / "examples"
    model = Model.open(root / "capital_project.xlsx")
    spec = SimulationSpec.load(root / "capital_project.spec.json")
    spec.trials, spec.seed = 200_000, 11
    spec.precision = PrecisionSpec([parse_target(f"{spec.outputs[0]}:mean:0.1%")],
                                   min_trials=1, check_every=2_000)
    local = simulate(model, spec, backend="numpy")
    assert local.precision["converged"] and 2_000 < local.trials < 200_000
    env = {"MCDESK_GPU_SLOTS": 1, "MCDESK_BATCH_TRIALS": 2000, "MCDESK_MAX_JOBS_PER_TOKEN": 8}
    with ServiceProcess(tmp_path / "results", env) as svc:
        backend = get_backend("remote", url=svc.url, token=svc.token())
        try:
            remote = simulate(model, spec, backend=backend)
        finally:
            backend.close()
    assert remote.trials == local.trials and remote.precision == local.precision
    assert remote.to_dict()["outputs"] == local.to_dict()["outputs"]


def test_stopping_point_does_not_depend_on_threads():
    """Chunks side by side (numpy's worker threads) stop where one after the other does."""
    from engine.backends.numpy import NumpyBackend

    class OneByOne(NumpyBackend):
        def workers(self, job):
            return 1

    class FourThreads(NumpyBackend):
        def workers(self, job):
            return 4

    precision = PrecisionSpec([parse_target("Sheet1!B1:p90:0.3%")], min_trials=1,
                              check_every=300)
    runs = [simulate_to_precision(normal_model(), normal_spec(100_000, 2), precision,
                                  backend=b)[0] for b in (OneByOne(), FourThreads())]
    assert runs[0].trials == runs[1].trials < 100_000
    assert runs[0].to_dict()["outputs"] == runs[1].to_dict()["outputs"]
    assert runs[0].precision["checks"] == runs[1].precision["checks"]
