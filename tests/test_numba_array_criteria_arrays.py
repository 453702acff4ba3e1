"""Conditional aggregates whose criteria are ranges, in an array formula
(``{=F493:F503*SUMIFS(F330:F335, C330:C335, C687:C697, D330:D335, D687:D697)}`` in
tamc/excel_to_code's model.xlsx, the root of ~1,200 cells numpy's): element (r, c) is the
aggregate of criteria (r, c), as numpy's _conditional maps over them; fused, numba = numpy.
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
    ws["A1"] = 3.0                                  # an input
    for r in range(1, 7):
        ws[f"C{r}"] = ("coal", "gas", "oil")[r % 3]
        ws[f"D{r}"] = ("a", "b")[r % 2]
        ws[f"F{r}"] = f"=$A$1*{r}" if r != 4 else "=1/($A$1-3)"   # #DIV/0! at 3
    for r in range(10, 15):
        ws[f"B{r}"] = f"=$A$1+{r}"
        ws[f"C{r}"] = ("coal", "gas", "oil", "coal", "none")[r - 10]
        ws[f"D{r}"] = ("a", "b", "a", "b", "a")[r - 10]
        ws[f"E{r}"] = float(r)
    ws["G10"] = ArrayFormula("G10:G14", "=B10:B14*SUMIFS(F1:F6, C1:C6, C10:C14, D1:D6, D10:D14)")
    ws["H10"] = ArrayFormula("H10:I14", "=B10:C14*0+E10:F14*SUMIFS(F1:F6, C1:C6, C10:C14)")
    ws["J10"] = ArrayFormula("J10:J14", "=COUNTIF(C1:C6, C10:C14)*B10:B14")
    ws["J20"] = "=SUM(G10:G14)+H13"
    wb.save(tmp_path / "crit.xlsx")
    model = Model.open(tmp_path / "crit.xlsx")
    inputs = [tri("S!A1", 1.0, 3.0, 6.0)]
    outs = ["S!G10", "S!G12", "S!G14", "S!H11", "S!I12", "S!J10", "S!J14", "S!J20"]
    return model, job_for(model, inputs, outs, trials=trials)


def test_criteria_arrays_in_an_array_formula_are_fused_and_equal_numpy(tmp_path):
    _, job = _job(tmp_path, 600)
    # before: "SUMIFS with a range as the criterion (in another cell of the array formula)"
    assert fused_report(job) == {}
    numba_and_numpy(job, tmp_path / "kernels", 300, 600)


def test_criteria_arrays_on_the_cuda_host_build_equal_numpy(tmp_path):
    """No new runtime helper: the same kernel translated for CUDA, compiled with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 300)
    host_equals_numpy(job, tmp_path, 300)
