"""Array formulas reading ranges written past the sheet's last row, fused and equal to numpy.

Real workbooks size their ranges generously: a payroll tracker looks up
``XLOOKUP(1,(Deductions!$A$2:$A$100=$B11)*(Deductions!$B$2:$B$100=$D11),Deductions!$F$2:$F$100,0)``
on a sheet of 12 rows; whole columns (``MATCH(1,(A:A=x)*(B:B=y),0)``) are the same case.  numpy reads
such a range clipped to the sheet's cells (``Env.area``), and the element-wise rules refused
every range whose written size differs from the part read ("an array formula over a range
past the sheet's cells").  Rebuilt with openpyxl: 10 rows of data, ranges written to row 100
and whole columns; a multi-cell formula longer than the part read (its cells past the sheet's
rows are empty cells, as Excel reads them: 0 where ``=Data!C2:C100*2`` reaches row 12).
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
    "E2": ("E2", '=_xlfn.XLOOKUP(1,(Data!$A$2:$A$100="k2")*(Data!$B$2:$B$100=2),'
                 "Data!$C$2:$C$100,0)"),
    "E3": ("E3", "=SUM((Data!$B$2:$B$100>=2)*Data!$C$2:$C$100)"),
    "E4": ("E4", '=MATCH(1,(Data!A:A="k1")*(Data!B:B=3),0)'),   # whole columns
    "E5": ("E5", '=MATCH(1,(Data!$A$2:$A$100="k1")*(Data!$B$2:$B$100=3),0)'),
    "F2": ("F2:F14", "=Data!C2:C100*2"),                        # F12:F14: 0 (Excel)
}
OUTPUTS = ["Sheet1!E2", "Sheet1!E3", "Sheet1!E4", "Sheet1!E5", "Sheet1!F2", "Sheet1!F11",
           "Sheet1!F12", "Sheet1!F14"]
INPUTS = [tri(f"Data!D{r}", 0.6, 2.0, 3.4) for r in range(2, 12)] + \
    [tri(f"Data!C{r}", 5.0 * r, 6.0 * r, 8.0 * r) for r in range(2, 12)]


def workbook(tmp_path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    data = wb.create_sheet("Data")
    data["A1"], data["B1"], data["C1"], data["D1"] = "key", "code", "amount", "draw"
    for r in range(2, 12):
        data[f"A{r}"] = f"k{r % 3}"
        data[f"D{r}"] = 2.0                  # an input: the code is its rounding
        data[f"B{r}"] = f"=ROUND(D{r},0)"
        data[f"C{r}"] = 6.0 * r              # an input: the amount
    for k, (ref, formula) in ARRAYS.items():
        ws[k] = ArrayFormula(ref, formula)
    path = tmp_path / "past.xlsx"
    wb.save(path)
    return Model.open(path)


def test_array_formulas_over_ranges_past_the_sheet_fused_and_equal(tmp_path):
    job = job_for(workbook(tmp_path), INPUTS, OUTPUTS, 1_000)
    # before: "an array formula over a range past the sheet's cells" for each formula
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "kernels", 500, 1_000)
    values = {str(c): v for c, v in want[0].items()}
    errors = {str(c): v for c, v in want[1].items()}
    assert len(set(values["Sheet1!E3"].tolist())) > 10   # varies per trial
    found = errors["Sheet1!E5"] == 0   # the header row counts in the whole columns
    assert found.any() and (values["Sheet1!E4"][found] == values["Sheet1!E5"][found] + 1).all()
    for c in ("Sheet1!F11", "Sheet1!F12", "Sheet1!F14"):
        assert (errors[c] == 0).all(), c
    assert (values["Sheet1!F11"] == 2 * got[2][next(c for c in got[2] if str(c) == "Data!C11")]
            ).all()
    assert (values["Sheet1!F12"] == 0).all() and (values["Sheet1!F14"] == 0).all()


def test_cuda_kernel_of_ranges_past_the_sheet(tmp_path):
    """The CUDA backend's kernel (compiled for the host by a C++ compiler) gives numpy's
    answers."""
    from tests.test_backend_cupy import host_equals_numpy

    job = job_for(workbook(tmp_path), INPUTS, OUTPUTS, 300)
    host_equals_numpy(job, tmp_path, 300)
