"""XLOOKUP over an array expression inside an array formula, fused and equal to numpy.

A real payroll tracker (.xlsm, dynamic-array Excel: its formulas are stored as array
formulas) looks up a deduction by two keys:
``=XLOOKUP(1,(Deductions!$A$2:$A$100=$B11)*(Deductions!$B$2:$B$100=$D11),Deductions!$F$2:$F$100,0)``.
The array-formula rules read only XLOOKUP over ranges ("XLOOKUP in an array formula over
something other than ranges"), though the plain-cell XLOOKUP reads an expression as its
lookup vector (_lookup_arrays).  Built here with openpyxl, the second key varying per trial
so that the match moves, and is missing in some trials (if_not_found, or #N/A).
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 1_000
KEYS = "$A$2:$A$6"
CODES = "$B$2:$B$6"

ARRAYS = {
    # one cell: the matched amount, else 0 (if_not_found)
    "B11": ("B11", f"=_xlfn.XLOOKUP(1,(Deductions!{KEYS}=A11)*(Deductions!{CODES}=2),"
                   "Deductions!$F$2:$F$6,0)"),
    # no if_not_found: #N/A where no row matches; a varying key on the left too
    "B12": ("B12", f"=_xlfn.XLOOKUP(1,(Deductions!{KEYS}=A12)*(Deductions!{CODES}=ROUND(C12,0)),"
                   "Deductions!$F$2:$F$6)"),
    # two columns returned: the matched row of F:G spilled over two cells
    "B13": ("B13:C13", f"=_xlfn.XLOOKUP(1,(Deductions!{KEYS}=A11)*(Deductions!{CODES}=3),"
                       "Deductions!$F$2:$G$6,-1)"),
    # searched from the last row (search mode -1)
    "B14": ("B14", f"=_xlfn.XLOOKUP(1,(Deductions!{CODES}>=2)*1,Deductions!$F$2:$F$6,0,0,-1)"),
}
OUTPUTS = ["Sheet1!B11", "Sheet1!B12", "Sheet1!B13", "Sheet1!C13", "Sheet1!B14"]
INPUTS = [tri(f"Deductions!C{r}", 0.6, 2.0, 3.4) for r in range(2, 7)] + \
    [tri(f"Deductions!F{r}", 10.0 * r, 11.0 * r, 13.0 * r) for r in range(2, 7)] + \
    [tri("Sheet1!C12", 0.6, 2.0, 3.4)]


def workbook(tmp_path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    dd = wb.create_sheet("Deductions")
    for r, key in zip(range(2, 7), ("E1", "E2", "E1", "E3", "E2"), strict=True):
        dd[f"A{r}"] = key
        dd[f"C{r}"] = 2.0                    # an input: the code is its rounding
        dd[f"B{r}"] = f"=ROUND(C{r},0)"
        dd[f"F{r}"] = 11.0 * r               # an input: the amount
        dd[f"G{r}"] = f"=F{r}*2"
    ws["A11"], ws["A12"], ws["C12"] = "E1", "E2", 2.0
    for k, (ref, formula) in ARRAYS.items():
        ws[k] = ArrayFormula(ref, formula)
    path = tmp_path / "xlookup_expr.xlsx"
    wb.save(path)
    return Model.open(path)


def test_xlookup_of_an_expression_in_an_array_formula_fused_and_equal(tmp_path):
    job = job_for(workbook(tmp_path), INPUTS, OUTPUTS, TRIALS)
    # before: 5 x "XLOOKUP in an array formula over something other than ranges"
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "kernels", 500, TRIALS)
    values = {str(c): v for c, v in want[0].items()}
    errors = {str(c): v for c, v in want[1].items()}
    # the trials really differ: a match in some, none in others (0 / #N/A)
    assert len(set(values["Sheet1!B11"].tolist())) > 3
    assert 0.0 in set(values["Sheet1!B11"].tolist())
    assert (errors["Sheet1!B12"] != 0).any() and (errors["Sheet1!B12"] == 0).any()


def test_cuda_kernel_of_xlookup_of_an_expression(tmp_path):
    """The CUDA backend's kernel of the same cells (compiled for the host by a C++ compiler)
    gives numpy's answers."""
    from tests.test_backend_cupy import host_equals_numpy

    job = job_for(workbook(tmp_path), INPUTS, OUTPUTS, 300)
    host_equals_numpy(job, tmp_path, 300)
