"""CHOOSE of ranges of one shape in an array formula, the index one value (a scenario's
block of a model: ``{=CHOOSE($E$9, $F$56:$O$67, $F$72:$O$83, ...)}`` in tamc/excel_to_code's
model.xlsx, whose ~3,000 downstream cells were numpy's): element (r, c) is CHOOSE(k,
range1[r, c], ...), fused, numba = numpy (an index outside 1..n: #VALUE! everywhere).
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402


def _job(tmp_path, trials: int):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 2.0                      # the scenario, an input: 0..4 (0 and 4: #VALUE!)
    ws["A2"] = "=ROUND(A1, 0)"
    ws["A3"] = 10.0                     # a driver, an input
    for r in range(5, 8):               # three blocks of 3x2: values and formulas
        for j, col in enumerate("BC"):
            ws[f"{col}{r}"] = f"=$A$3*{r + j}"
            ws[f"{chr(ord(col) + 3)}{r}"] = float(r * 10 + j)
            ws[f"{chr(ord(col) + 6)}{r}"] = f"=1/($A$3-{r + j + 5})"   # #DIV/0! at 10..
    ws["B10"] = ArrayFormula("B10:C12", "=CHOOSE($A$2, B5:C7, E5:F7, H5:I7)")
    ws["E10"] = "=SUM(B10:C12)"
    ws["E11"] = "=B11*2"
    ws["E12"] = ArrayFormula("E12", "=SUM(CHOOSE($A$2, B5:C7, E5:F7, H5:I7)*2)")
    ws["E13"] = ArrayFormula("E13", "=SUM(CHOOSE($A$2, B5:C7, E5:F7, H5:I7))")
    wb.save(tmp_path / "choose.xlsx")
    model = Model.open(tmp_path / "choose.xlsx")
    inputs = [tri("S!A1", -0.4, 2.0, 4.4), tri("S!A3", 8.0, 10.0, 14.0)]
    outs = ["S!B10", "S!C12", "S!B11", "S!E10", "S!E11", "S!E12", "S!E13"]
    return model, job_for(model, inputs, outs, trials=trials)


def test_choose_of_ranges_in_an_array_formula_is_fused_and_equals_numpy(tmp_path):
    model, job = _job(tmp_path, 600)
    # before: "CHOOSE of a range (in another cell of the array formula)", and the cells
    # reading it numpy's
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 300, 600)
    vals, errs, ins = got
    k = ins[model.ref("S!A1")].round()
    e10 = errs[model.ref("S!E10")]
    assert (e10[(k < 1) | (k > 3)] != 0).all() and (e10[k == 2] == 0).all()
    assert set(vals[model.ref("S!C12")][k == 2]) == {71.0}


def test_choose_of_ranges_on_the_cuda_host_build_equals_numpy(tmp_path):
    """No new runtime helper: the same kernel translated for CUDA, compiled with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 300)
    host_equals_numpy(job, tmp_path, 300)
