"""Iterative calculation (``<calcPr iterate="1">``, issue 12.8): ``check`` compares the cells
of a deliberate cycle with Excel's cached values, and a simulation iterates each trial as Excel
does (up to iterateCount passes, until no value moves by iterateDelta), on a circular
interest-on-average-balance model whose fixed point has a closed form."""

from __future__ import annotations

import numpy as np
import pytest

from engine.backends.numpy import NumpyBackend
from engine.check import check_model
from engine.errors import SpecError
from engine.model import Model
from engine.simulate import prepare, run_job
from engine.spec import InputSpec, SimulationSpec
from tests.xlsx_xml import write_xlsx

RATE = 0.1


def excel_passes(opening: float, a3: float, a4: float, count: int, delta: float):
    """Excel's iterative calculation of A3 = RATE*(A1+A4)/2, A4 = A1+A3 (row order, each pass
    reading the latest values) from the values the cells hold."""
    for _ in range(count):
        new3 = RATE * (opening + a4) / 2
        new4 = opening + new3
        moved = max(abs(new3 - a3), abs(new4 - a4))
        a3, a4 = new3, new4
        if moved < delta:
            break
    return a3, a4


def book(tmp_path, count: int = 100, delta: float = 0.001, iterate: bool = True,
         off: float = 0.0) -> Model:
    """Interest on the average balance: A3 interest, A4 closing balance, A5 reads the cycle.
    The cached values are Excel's answer after entering the formulas (cells at 0)."""
    a3, a4 = excel_passes(1000.0, 0.0, 0.0, count, delta)
    calc = {"iterate": "1" if iterate else "0", "iterateCount": str(count),
            "iterateDelta": repr(delta)}
    path = write_xlsx(tmp_path / "interest.xlsx", {
        "A1": 1000.0, "A2": RATE,
        "A3": ("A2*(A1+A4)/2", a3 + off), "A4": ("A1+A3", a4), "A5": ("A4*2", 2 * a4),
    }, calc=calc)
    return Model.open(path)


def closed_form(opening):
    interest = RATE * opening / (1 - RATE / 2)
    return opening + interest


def test_check_compares_the_cells_of_an_iterative_cycle(tmp_path):
    report = check_model(book(tmp_path))
    assert report.circular == [["Sheet1!A3", "Sheet1!A4"]]
    assert report.compared == 3 and report.matches_cached == 3, report.mismatches
    assert report.iterative_compared == 3   # the cycle and A5, computed in the same passes
    assert "circular" not in report.not_compared


def test_check_finds_a_wrong_value_in_an_iterative_cycle(tmp_path):
    report = check_model(book(tmp_path, off=1.0))   # Excel's A3 off by 1: our A3 is not
    assert report.compared == 3 and report.mismatch_count >= 1
    assert "Sheet1!A3" in {m.cell for m in report.mismatches}


def test_without_iterative_calculation_the_cycle_is_not_compared(tmp_path):
    model = book(tmp_path, iterate=False)
    report = check_model(model)
    assert report.not_compared.get("circular") == 2 and report.iterative_compared == 0
    with pytest.raises(SpecError, match="iterative calculation"):
        model.compile([model.ref("A1")], [model.ref("A4")])


def _simulate(model: Model, trials: int, chunk: int, backend=None):
    spec = SimulationSpec(inputs=[InputSpec("Sheet1!A1", "uniform", {"min": 500, "max": 1500})],
                          outputs=["Sheet1!A3", "Sheet1!A4", "Sheet1!A5"], trials=trials, seed=3)
    samples, _ = run_job(prepare(model, spec), backend or NumpyBackend(), chunk_size=chunk)
    return samples


def test_simulation_iterates_each_trial_to_the_closed_form(tmp_path):
    model = book(tmp_path)
    samples = _simulate(model, 4_000, chunk=1_000)
    x = np.asarray(samples.inputs["Sheet1!A1"])
    a4 = np.asarray(samples.outputs["Sheet1!A4"])
    assert np.abs(a4 - closed_form(x)).max() < 1e-3           # converged within the delta
    assert np.allclose(np.asarray(samples.outputs["Sheet1!A5"]), 2 * a4)
    # each trial as Excel iterates it from the values the cells hold
    cached3, cached4 = (model.workbook.cell(model.ref(c)).value for c in ("A3", "A4"))
    want = np.array([excel_passes(v, cached3, cached4, 100, 0.001)[1] for v in x])
    assert np.allclose(a4, want, rtol=0, atol=1e-9)
    again = _simulate(model, 4_000, chunk=4_000)               # whatever the chunking
    assert np.array_equal(np.asarray(again.outputs["Sheet1!A4"]), a4)


def test_iteration_stops_at_the_count(tmp_path):
    model = book(tmp_path, count=1)
    samples = _simulate(model, 200, chunk=200)
    x = np.asarray(samples.inputs["Sheet1!A1"])
    cached3, cached4 = (model.workbook.cell(model.ref(c)).value for c in ("A3", "A4"))
    want = np.array([excel_passes(v, cached3, cached4, 1, 0.001)[1] for v in x])
    assert np.allclose(np.asarray(samples.outputs["Sheet1!A4"]), want, rtol=0, atol=1e-9)
    assert np.abs(want - closed_form(x)).max() > 1.0          # one pass is far from converged


def test_numba_backend_iterates_through_numpy(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import NumbaBackend

    model = book(tmp_path)
    got = _simulate(model, 2_000, chunk=1_000, backend=NumbaBackend())
    ref = _simulate(model, 2_000, chunk=2_000)
    assert np.allclose(np.asarray(got.outputs["Sheet1!A4"]), np.asarray(ref.outputs["Sheet1!A4"]),
                       rtol=0, atol=1e-9)


def self_loop(tmp_path) -> Model:
    """A3 = A1 + A2*A3 reads itself (a cycle of one cell): each pass reads A3's value from the
    pass before (Excel's answer from 0 after entering it: A1*(1 - A2^k)/(1 - A2))."""
    a3 = 0.0
    for _ in range(100):
        new = 1000.0 + 0.5 * a3
        moved, a3 = abs(new - a3), new
        if moved < 0.001:
            break
    path = write_xlsx(tmp_path / "self.xlsx", {"A1": 1000.0, "A2": 0.5, "A3": ("A1+A2*A3", a3),
                                              "A4": ("A3*2", 2 * a3)},
                      calc={"iterate": "1", "iterateCount": "100", "iterateDelta": "0.001"})
    return Model.open(path)


def test_a_cell_reading_itself_iterates_from_its_value(tmp_path):
    model = self_loop(tmp_path)
    report = check_model(model)                      # was #REF! (the cell read while computed)
    assert report.circular == [["Sheet1!A3"]]
    assert report.compared == 2 and report.matches_cached == 2, report.mismatches
    spec = SimulationSpec(inputs=[InputSpec("Sheet1!A1", "uniform", {"min": 500, "max": 1500})],
                          outputs=["Sheet1!A3"], trials=300, seed=3)
    samples, _ = run_job(prepare(model, spec), NumpyBackend(), chunk_size=100)
    x = np.asarray(samples.inputs["Sheet1!A1"])
    assert np.abs(np.asarray(samples.outputs["Sheet1!A3"]) - 2 * x).max() < 0.01
