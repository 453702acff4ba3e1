"""Runs of alike inputs drawn by one loop in the numba kernel's ``draw`` function
(engine/backends/numba/_draw_loops.py).  A workbook whose every number is an input (a
sensitivity sweep of a model: thousands of inputs on real models) had one ``fill_*`` line per
input, and the compile time grew with them.  Now a run of inputs of the same distribution is
one loop; the samples must stay bit for bit numpy's (Monte Carlo and Latin hypercube), the
outputs equal numpy's, and ``draw`` short.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.simulate import prepare  # noqa: E402
from engine.spec import InputSpec, SimulationSpec  # noqa: E402
from tests.test_backend_numba import assert_same, run  # noqa: E402

TRIALS = 700
TRI, NORM, DISC = 12, 6, 5   # runs of triangular, normal and discrete (a table fill) inputs


def _inputs() -> list[InputSpec]:
    specs = [InputSpec(f"Sheet1!A{r}", "triangular",
                       {"min": r - 0.5, "mode": float(r), "max": r + 1.0})
             for r in range(1, TRI + 1)]
    specs += [InputSpec(f"Sheet1!B{r}", "normal", {"mean": 10.0 * r, "sd": 1.0 + r})
              for r in range(1, NORM + 1)]
    specs += [InputSpec(f"Sheet1!C{r}", "discrete",
                        {"values": [0.0, r, 2.0 * r], "probabilities": [0.2, 0.5, 0.3]})
              for r in range(1, DISC + 1)]
    # two lone inputs between runs stay straight calls
    specs += [InputSpec("Sheet1!D1", "uniform", {"min": 0.0, "max": 1.0}),
              InputSpec("Sheet1!D2", "triangular", {"min": 1.0, "mode": 2.0, "max": 5.0})]
    return specs


def _job(tmp_path, sampling: str):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in range(1, TRI + 1):
        ws[f"A{r}"] = float(r)
    for r in range(1, NORM + 1):
        ws[f"B{r}"] = 10.0 * r
    for r in range(1, DISC + 1):
        ws[f"C{r}"] = float(r)
    ws["D1"], ws["D2"] = 0.5, 2.0
    ws["E1"] = "=SUM(A1:A12)*D1+D2"
    ws["E2"] = "=SUMPRODUCT(B1:B6,C1:C5*0+1)/A3"      # #VALUE!: ranges of unequal size
    ws["E3"] = "=SUM(B1:B6)-C5*A12+IF(C1=0,1/0,C1)"   # #DIV/0! in some trials
    path = tmp_path / "many_inputs.xlsx"
    wb.save(path)
    spec = SimulationSpec(_inputs(), ["Sheet1!E1", "Sheet1!E2", "Sheet1!E3"],
                          trials=TRIALS, seed=5, sampling=sampling)
    return prepare(Model.open(path), spec)


@pytest.mark.parametrize("sampling", ["mc", "lhs"])
def test_runs_of_inputs_drawn_by_loops_equal_numpy(tmp_path, sampling):
    job = _job(tmp_path, sampling)
    be = NumbaBackend(threads=1, kernel_dir=tmp_path / "kernels")
    try:
        assert fused_report(job, be) == {}
        source = be.prepare(job).plan.source
        want = run(NumpyBackend(), job, TRIALS)
        assert_same(job, run(be, job, 300), want)
    finally:
        be.close()
    draw = source[source.index("def draw("):source.index("\n\n", source.index("def draw("))]
    assert f"for q in range({TRI}):" in draw
    assert f"for q in range({NORM}):" in draw
    assert f"for q in range({DISC}):" in draw
    # one call per run, plus the two lone inputs: not one line per input
    assert len(re.findall(r"\bfill_\w+\(", draw)) == 5
    codes = set(want[1][job.program.model.ref("Sheet1!E3")].tolist())
    assert codes == {0, 2}                   # #DIV/0! where C1 drew 0 (the numpy reference)


# ----------------------------------------------------------------- RAND call sites
ROWS = 150


def _rand_job(tmp_path, sampling: str):
    """A Monte Carlo of a price: ``=NORM.S.INV(RAND())`` copied down (each its own stream
    and row of ``ur``, outside the RAND()/NORM.INV group), a price of each, their mean."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["B1"] = 0.2
    for r in range(3, 3 + ROWS):
        ws[f"A{r}"] = "=NORM.S.INV(RAND())"
        ws[f"B{r}"] = f"=100*EXP($B$1*A{r})"
    ws["C1"] = f"=AVERAGE(B3:B{2 + ROWS})"
    ws["C2"] = "=RAND()+A3"
    path = tmp_path / "rand_rows.xlsx"
    wb.save(path)
    spec = SimulationSpec([InputSpec("Sheet1!B1", "uniform", {"min": 0.1, "max": 0.3})],
                          ["Sheet1!C1", "Sheet1!C2", "Sheet1!A3", f"Sheet1!B{2 + ROWS}"],
                          trials=TRIALS, seed=5, sampling=sampling)
    return prepare(Model.open(path), spec)


def _draw(source: str) -> str:
    return source[source.index("def draw("):source.index("\n\n", source.index("def draw("))]


def test_rand_rows_drawn_by_one_loop(tmp_path, monkeypatch):
    from engine.backends.numba import _codegen, _draw_loops
    from engine.backends.numba._samplers import samplers_for

    job = _rand_job(tmp_path, "mc")
    plan = _codegen.generate(job.program, *samplers_for(job, False))
    assert not plan.rest, plan.reasons
    draw = _draw(plan.source)
    # one loop over the rows (was a fill_u01 line per row: ROWS + 1 lines)
    assert f"for q in range({ROWS + 1}):" in draw or f"for q in range({ROWS}):" in draw
    assert len(re.findall(r"\bfill_u01\(", draw)) <= 2, draw
    # the regression this guards: a line per row
    monkeypatch.setattr(_draw_loops, "MIN_RUN", 10**9)
    draw = _draw(_codegen.generate(job.program, *samplers_for(job, False)).source)
    assert len(re.findall(r"\bfill_u01\(", draw)) == ROWS + 1


@pytest.mark.slow   # two compiles; the structural test above guards the loop
@pytest.mark.parametrize("sampling", ["mc", "lhs"])
def test_rand_rows_by_one_loop_equal_numpy(tmp_path, sampling):
    job = _rand_job(tmp_path, sampling)
    be = NumbaBackend(threads=1, kernel_dir=tmp_path / "kernels")
    try:
        prep = be.prepare(job)
        assert prep.info.numpy_cells == 0, prep.plan.reasons
        assert "for q in range(" in _draw(prep.plan.source)
        assert_same(job, run(be, job, 300), run(NumpyBackend(), job, TRIALS))
    finally:
        be.close()
