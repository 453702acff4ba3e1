"""LET whose value is an array, in array formulas.

numpy's LET (engine.functions.lambdas) is its body's value with each name bound to its
value, whatever the shape; the kernel refused every LET inside an array expression ("LET
in an array formula (its array result)": 32 cells of a real dashboard, EfiLygda's
Sales_Data_Project.xlsx, and their readers).  Now an array formula reads a LET as its body
with the names bound (_let_refs.let_body): its shape, its elements, and the aggregates of
arithmetic written out or looped (_row_loops) as for the same formula written without LET.
numba = numpy, and the CUDA host build = numpy.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

ROWS = 120


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r in range(1, ROWS + 1):
        ws[f"A{r}"] = 1.0 + (r * 37 % 23) / 4
    ws["B1"] = 2.0   # an input
    # a spilled LET: each cell its element
    ws["C1"] = ArrayFormula("C1:C5", "=_xlfn.LET(_xlpm.x,A1:A5*$B$1,_xlpm.x+1)")
    # one value of a LET of an array; a name used twice
    ws["D1"] = ArrayFormula("D1", "=SUM(_xlfn.LET(_xlpm.x,A1:A5-$B$1,_xlpm.x*_xlpm.x))")
    # a LET around the SUM, over a long column (a loop over the rows)
    ws["D2"] = ArrayFormula(
        "D2", f"=_xlfn.LET(_xlpm.y,ROUND($B$1,0),SUM(A1:A{ROWS}*(A1:A{ROWS}>_xlpm.y)))")
    # a LET of a LET, one value per row of a two-column block (#N/A past the array)
    ws["E1"] = ArrayFormula(
        "E1:E4", "=_xlfn.LET(_xlpm.a,A1:A3,_xlfn.LET(_xlpm.b,_xlpm.a/$B$1,_xlpm.b-1))")
    wb.save(path)
    return Model.open(path)


OUTS = [f"S!C{r}" for r in range(1, 6)] + ["S!D1", "S!D2"] + \
    [f"S!E{r}" for r in range(1, 5)]


def _job(tmp_path, trials: int):
    model = _book(tmp_path / "let.xlsx")
    inputs = [tri("S!B1", 0.5, 2.0, 6.0), tri("S!A3", 1.0, 3.0, 7.0)]
    return job_for(model, inputs, OUTS, trials=trials)


def test_let_of_arrays_is_fused(tmp_path):
    # before: every cell 'LET in an array formula (its array result)'
    assert fused_report(_job(tmp_path, 50)) == {}


def test_let_of_arrays_equal_numpy(tmp_path):
    job = _job(tmp_path, 400)
    _, want = numba_and_numpy(job, tmp_path / "kernels", 200, 400)
    vals, errs, ins = want
    model = job.program.model
    b1 = ins[model.ref("S!B1")]
    a1 = 1.0 + 37 % 23 / 4
    assert (vals[model.ref("S!C1")] == a1 * b1 + 1).all()   # Excel: A1*B1+1
    assert (errs[model.ref("S!E4")] != 0).all()   # past the 3-row array: #N/A


def test_let_of_arrays_on_the_cuda_host_build_equal_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path, 200)
