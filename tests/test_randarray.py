"""RANDARRAY as a per-trial random source like RAND (issue 12.5): volatile in ``check``, each
element its own keyed stream (same seed, same numbers, whatever the chunking), Excel's rules
for its arguments.  The workbook is written as Excel 365 writes a spilled RANDARRAY."""

from __future__ import annotations

import numpy as np
import pytest

from engine.backends.numpy import NumpyBackend
from engine.check import check_model
from engine.model import Model
from engine.simulate import prepare, run_job
from engine.spec import SimulationSpec
from tests.xlsx_books import write_book

SHEET = {
    # A1 =RANDARRAY(3,2,10,20) spilled into A1:B3 (Excel's last draw cached), D1 a die
    "A1": ("_xlfn.RANDARRAY(3,2,10,20)", 12.5, "A1:B3"), "B1": 17.25,
    "A2": 11.0, "B2": 19.5, "A3": 14.75, "B3": 10.5,
    "C1": ("SUM(A1:B3)", 85.5),
    "C2": ("SUM(_xlfn.ANCHORARRAY(A1))", 85.5),
    "D1": ("_xlfn.RANDARRAY(1,1,1,6,TRUE)", 4),
    "E1": 7, "E2": ("E1*2", 14),
}


@pytest.fixture
def book(tmp_path) -> Model:
    return Model.open(write_book(tmp_path / "randarray.xlsx", {"Sheet1": SHEET}))


def test_check_treats_randarray_as_volatile(book):
    report = check_model(book)
    assert report.unsupported_functions == {}
    assert {"Sheet1!A1", "Sheet1!D1"} <= set(report.volatile_cells)
    # the spill, the sums of it and the die are volatile; only E2 is compared
    assert report.compared == 1 and report.matches_cached == 1
    assert report.not_compared.get("volatile") == 9


def _run(model: Model, outputs: list[str], trials: int, chunk: int, seed: int = 5):
    job = prepare(model, SimulationSpec(inputs=[], outputs=outputs, trials=trials, seed=seed))
    samples, _ = run_job(job, NumpyBackend(), chunk_size=chunk)
    return {k: np.asarray(v) for k, v in samples.outputs.items()}


def test_randarray_draws_per_trial_from_keyed_streams(book):
    outs = ["Sheet1!A1", "Sheet1!B1", "Sheet1!B3", "Sheet1!C1", "Sheet1!C2", "Sheet1!D1"]
    n = 40_000
    small = _run(book, outs, n, chunk=1_000)
    large = _run(book, outs, n, chunk=1_000_000)
    for k in outs:
        assert np.array_equal(small[k], large[k]), k           # whatever the chunking
    a1, b1, b3, c1, c2, d1 = (large[k] for k in outs)
    for x in (a1, b1, b3):                                     # uniform on [10, 20)
        assert x.min() >= 10 and x.max() < 20
        assert abs(x.mean() - 15) < 0.05 and abs(x.var() - 100 / 12) < 0.2
    assert abs(np.corrcoef(a1, b1)[0, 1]) < 0.03               # each element its own stream
    assert np.allclose(c1, c2)                                 # SUM(A1:B3) = SUM(A1#)
    assert abs(c1.mean() - 90) < 0.1 and abs(c1.var() - 50) < 1.5
    assert set(np.unique(d1)) == {1, 2, 3, 4, 5, 6}            # whole numbers 1..6
    assert abs(d1.mean() - 3.5) < 0.03
    other = _run(book, outs, 1_000, chunk=1_000, seed=6)
    assert not np.array_equal(other["Sheet1!A1"], a1[:1_000])


@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUM(_xlfn.RANDARRAY(3,1,2,2))", 6.0),                  # min = max: that number
    ("=ROWS(_xlfn.RANDARRAY(4,3))", 4.0),
    ("=COLUMNS(_xlfn.RANDARRAY(4,3))", 3.0),
    ("=ROWS(_xlfn.RANDARRAY())", 1.0),
    ("=_xlfn.RANDARRAY(2,2,5,1)", "#VALUE!"),                  # min above max
    ("=_xlfn.RANDARRAY(2,2,1.5,6,TRUE)", "#VALUE!"),           # whole numbers need whole bounds
    ("=_xlfn.RANDARRAY(-1)", "#VALUE!"),
    ("=AND(_xlfn.RANDARRAY(50,1,1,3,TRUE)>=1,_xlfn.RANDARRAY(50,1,1,3,TRUE)<=3)", True),
])
def test_randarray_arguments(formula, expected):
    v = Model.from_cells({"A1": 1}).evaluate_formula(formula)
    assert v.scalar() == expected


def test_randarray_cell_is_random_in_the_stochastic_slice(book):
    program = book.compile([], [book.ref("Sheet1!C1")])
    assert book.ref("Sheet1!A1") in program.steps
    assert len(program.random_streams) == 6


def test_numba_fuses_the_spill_with_numpys_draws(book):
    pytest.importorskip("numba")
    from engine.backends.numba import NumbaBackend, fused_report

    spec = SimulationSpec(inputs=[], outputs=["Sheet1!C1", "Sheet1!E2"], trials=2_000, seed=5)
    job = prepare(book, spec)
    assert fused_report(job) == {}   # each element drawn in the kernel (numba/_randarrays)
    got, _ = run_job(job, NumbaBackend(), chunk_size=1_000)
    ref, _ = run_job(job, NumpyBackend(), chunk_size=2_000)
    assert np.array_equal(got.outputs["Sheet1!C1"], ref.outputs["Sheet1!C1"])
