"""Simtables share random numbers across their simulations; stress runs hold an input in a
percentile band or at a percentile."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from engine.errors import SpecError
from engine.model import Model
from engine.scenarios import simtable, stress, stress_spec
from engine.spec import InputSpec, SimulationSpec


def model() -> Model:
    return Model.from_cells({"A1": 10.0, "A2": 5.0, "C1": 1.0, "B1": "=A1*C1+A2"})


def spec(trials: int = 20_000) -> SimulationSpec:
    return SimulationSpec(
        inputs=[InputSpec("Sheet1!A1", "normal", {"mean": 10.0, "sd": 2.0}),
                InputSpec("Sheet1!A2", "uniform", {"min": 0.0, "max": 10.0})],
        outputs=["Sheet1!B1"], trials=trials, seed=9)


def test_simtable_of_five_values_shares_the_inputs_samples():
    values = [0.5, 1.0, 1.5, 2.0, 3.0]
    runs = simtable(model(), spec(), "Sheet1!C1", values, backend="numpy")
    assert len(runs) == 5
    a1 = runs[0].samples.inputs["Sheet1!A1"]
    a2 = runs[0].samples.inputs["Sheet1!A2"]
    for v, r in zip(values, runs, strict=True):
        s = r.samples
        assert np.array_equal(s.inputs["Sheet1!A1"], a1)      # common random numbers
        assert np.array_equal(s.inputs["Sheet1!A2"], a2)
        assert np.all(s.inputs["Sheet1!C1"] == v)
        np.testing.assert_allclose(s.outputs["Sheet1!B1"], a1 * v + a2, rtol=1e-15)
        assert r.outputs["Sheet1!B1"].mean == pytest.approx(10 * v + 5, abs=0.1)
    with pytest.raises(SpecError, match="constant cell"):
        simtable(model(), spec(), "Sheet1!A1", [1.0], backend="numpy")
    with pytest.raises(SpecError, match="finite"):
        simtable(model(), spec(), "Sheet1!C1", [float("nan")], backend="numpy")


def test_stress_in_a_band_and_at_a_percentile():
    base = spec()
    r = stress(model(), base, "Sheet1!A1", 0.9, 1.0, backend="numpy")
    a1 = r.samples.inputs["Sheet1!A1"]
    assert a1.min() >= 10 + 2 * norm.ppf(0.9) - 1e-9
    assert np.array_equal(r.samples.inputs["Sheet1!A2"],
                          stress(model(), base, "Sheet1!A1", 0.0, 0.5,
                                 backend="numpy").samples.inputs["Sheet1!A2"])
    # E[X | X above its P90] for N(10, 2): 10 + 2 phi(z90) / 0.1
    assert a1.mean() == pytest.approx(10 + 2 * norm.pdf(norm.ppf(0.9)) / 0.1, abs=0.02)
    held = stress(model(), base, "Sheet1!A1", 0.25, backend="numpy")
    assert np.all(held.samples.inputs["Sheet1!A1"] == pytest.approx(10 + 2 * norm.ppf(0.25)))
    with pytest.raises(SpecError, match="not an input"):
        stress_spec(model(), base, "Sheet1!C1", 0.5)
    with pytest.raises(SpecError, match="empty"):
        stress_spec(model(), base, "Sheet1!A1", 0.5, 0.5)
