"""Aggregates of a whole column inside an array formula's elements, generated once per cell.

Found on EfiLygda's Sales_Data_Project: ``FILTER(..)`` of
``IF(ABS((Sales - AVERAGE(Sales)) / STDEV.S(Sales)) > 3, Sales, NA())`` evaluated AVERAGE and
STDEV.S of the 2,823-cell column again for each of its elements: 10 M operand reads, 4-9
minutes of planning, and in the kernel a loop over the column per element per trial.  Now the
first element's aggregate is reused by the cell's later elements (_range_memo): over a column
holding an input, one ``arr_sum`` per aggregate in the kernel; over a column of constants,
one fold (one evaluation by the numpy compiler) per aggregate and cell.
"""

from __future__ import annotations

import pytest

openpyxl = pytest.importorskip("openpyxl")

from engine import ir  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

N = 300
TRIALS = 200
R = f"$A$2:$A${N + 1}"   # holds an input (A50): its aggregates vary per trial
K = f"$D$2:$D${N + 1}"   # constants only: its aggregates are folded
FORMULAS = {
    "C1": f"=SUM(FILTER({R},ABS(({R}-AVERAGE({R}))/STDEV.S({R}))>2))*H1",
    "C2": f"=SUM(FILTER({R},IF(H1>1,{R}>AVERAGE({R}),{R}<STDEV.S({R}))))",
    "C3": f"=SUM(FILTER({K},ABS(({K}*H1-AVERAGE({K}))/STDEV.S({K}))>2))",
    # each element constant: folded whole, the column's aggregates inside it evaluated once
    "C4": f"=SUM(FILTER({K},IF(H1>1,{K}>AVERAGE({K}),{K}<STDEV.S({K}))))",
}


def _job(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "M"
    for r in range(2, N + 2):
        x = float((r * 7919) % 1000) / 10.0 + (500.0 if r % 97 == 0 else 0.0)
        ws.cell(r, 1, x)
        ws.cell(r, 4, x)
    ws["A50"], ws["H1"] = 20.0, 1.0
    for k, f in FORMULAS.items():
        ws[k] = f
    wb.save(tmp_path / "zscore.xlsx")
    model = Model.open(tmp_path / "zscore.xlsx")
    inputs = [tri("M!H1", 0.9, 1.0, 1.1), tri("M!A50", 10.0, 20.0, 900.0)]
    return job_for(model, inputs, [f"M!{c}" for c in FORMULAS], trials=TRIALS)


def _plan(job, monkeypatch):
    """The plan, and how often the numpy compiler compiled AVERAGE/STDEV.S of the column of
    constants (to fold it, or to fold an element reading it)."""
    from engine import compiler
    from engine.backends.numba import _codegen
    from engine.backends.numba._samplers import samplers_for

    folds = {"AVERAGE": 0, "STDEV.S": 0}
    real = _codegen.compile_formula

    def counting(node, cell):
        if isinstance(node, ir.Call) and node.name in folds:
            folds[node.name] += 1
        return real(node, cell)

    monkeypatch.setattr(_codegen, "compile_formula", counting)
    monkeypatch.setattr(compiler, "compile_formula", counting)
    samplers, mode = samplers_for(job)
    return _codegen.generate(job.program, samplers, mode), folds


def test_column_aggregates_of_elements_are_generated_once_per_cell(tmp_path, monkeypatch):
    pytest.importorskip("numba")
    job = _job(tmp_path)
    plan, folds = _plan(job, monkeypatch)
    assert plan.rest == [], plan.reasons
    # C1 and C2: AVERAGE and STDEV.S's mean, once each per cell (before: once per element,
    # 1,200 loops over the column per trial)
    assert plan.source.count("arr_sum(") == 4
    assert plan.source.count("arr_devsq(") == 2
    # C3, C4: each aggregate of the constant column evaluated once per cell (before: C3
    # folded it for each element, C4 evaluated it inside each element's fold)
    assert folds == {"AVERAGE": 2, "STDEV.S": 2}


@pytest.mark.slow
def test_column_aggregates_of_elements_equal_numpy(tmp_path):
    pytest.importorskip("numba")
    from tests.test_backend_numba import numba_and_numpy

    job = _job(tmp_path)
    numba_and_numpy(job, tmp_path / "kernels", TRIALS, fused=True)
