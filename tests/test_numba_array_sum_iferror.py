"""SUM/AVERAGE/MIN/MAX of IFERROR/IF of arithmetic in an array formula, fused and equal.

The classic CSE idioms ``{=SUM(IFERROR(A2:A9/B2:B9,0))}`` and ``{=MAX(IF(C2:C9="x",
A2:A9*B2:B9,0))}`` were refused ("SUM of an array expression in an array formula"): the
aggregates expand only an array whose every element is a number or an error (SUM of an
array skips text and logicals that it counts when given them one by one), and that was
checked for arithmetic alone.  IFERROR/IFNA of arithmetic with a number as the fallback, and
IF choosing between arithmetic and numbers, have only numbers and errors as elements too.
IF without an else (FALSE elements) and a fallback of text are read as a range is, their
logicals and text skipped (_array_args: stand-in cells).
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

ARRAYS = {
    "E1": ("E1", "=SUM(IFERROR(A2:A9/ROUND(B2:B9,0),0))"),       # #DIV/0! where B rounds to 0
    "E2": ("E2", '=MAX(IF(C2:C9="x",A2:A9*B2:B9,-1))'),
    "E3": ("E3", "=AVERAGE(IFNA(A2:A9-B2:B9,0))"),
    "E4": ("E4", '=MIN(IF(A2:A9>B2:B9,A2:A9-B2:B9,IF(C2:C9="y",2,B2:B9*1)))'),
    "E5": ("E5", "=SUM(IFERROR(A2:A9/ROUND(B2:B9,0),0)*(C2:C9=\"x\"))"),
}
SKIPPED = {
    "E6": ("E6", "=SUM(IF(A2:A9>B2:B9,A2:A9))"),                # FALSE elements
    "E7": ("E7", '=SUM(IFERROR(A2:A9/ROUND(B2:B9,0),"none"))'),   # text elements
}
OUTPUTS = [f"Sheet1!{c}" for c in ARRAYS]
INPUTS = [tri(f"Sheet1!A{r}", -2.0 + r, 1.0 + r, 3.0 + r) for r in range(2, 10)] + \
    [tri(f"Sheet1!B{r}", -0.8, 0.3 * r - 1.0, 2.5) for r in range(2, 10)]


def workbook(tmp_path, arrays) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in range(2, 10):
        ws[f"A{r}"] = 1.0 + r
        ws[f"B{r}"] = 0.3 * r - 1.0
        ws[f"C{r}"] = "xy"[r % 2]
    for k, (ref, formula) in arrays.items():
        ws[k] = ArrayFormula(ref, formula)
    path = tmp_path / "sum_iferror.xlsx"
    wb.save(path)
    return Model.open(path)


def test_aggregates_of_iferror_and_if_of_arithmetic_fused_and_equal(tmp_path):
    job = job_for(workbook(tmp_path, ARRAYS), INPUTS, OUTPUTS, 1_000)
    # before: "SUM of an array expression in an array formula" (MAX, AVERAGE, MIN alike)
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "kernels", 500, 1_000)
    values = {str(c): v for c, v in want[0].items()}
    assert len(set(values["Sheet1!E1"].tolist())) > 100   # varies per trial


def test_elements_not_all_numbers_fused_and_equal(tmp_path):
    job = job_for(workbook(tmp_path, SKIPPED), INPUTS, ["Sheet1!E6", "Sheet1!E7"], 100)
    assert fused_report(job) == {}   # before: both refused
    numba_and_numpy(job, tmp_path / "kernels", 100)


def test_cuda_kernel_of_aggregates_of_iferror(tmp_path):
    """The CUDA backend's kernel (compiled for the host by a C++ compiler) gives numpy's
    answers."""
    from tests.test_backend_cupy import host_equals_numpy

    job = job_for(workbook(tmp_path, ARRAYS), INPUTS, OUTPUTS, 300)
    host_equals_numpy(job, tmp_path, 300)
