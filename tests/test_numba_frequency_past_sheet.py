"""FREQUENCY over a data range reaching past the sheet's last row, fused and equal to numpy.

A real portfolio-risk workbook (simulated losses in O2:O487) holds
``=FREQUENCY($O$2:$O$490,$R$2:$R$25)`` as an array formula: the data range ends three rows
past the sheet.  The array-formula rules refused it ("an array formula over a range past the
sheet's cells"); numpy reads the part inside the sheet (Env.area), and so does the kernel
now (_read_areas).  Rebuilt with openpyxl (20 varying losses in A2:A21, the formula reading
A2:A30, bins in C2:C5).
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

INPUTS = [tri(f"Sheet1!A{r}", -5.0 + r * 0.2, 0.5 * r - 4.0, 3.0 + r * 0.3)
          for r in range(2, 22)]
OUTPUTS = [f"Sheet1!E{r}" for r in range(2, 7)] + ["Sheet1!F2", "Sheet1!G2"]


def workbook(tmp_path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"], ws["C1"] = "loss", "bins"
    for r in range(2, 22):
        ws[f"A{r}"] = 0.5 * r - 4.0
    for r, b in zip(range(2, 6), (-2.0, 0.0, 2.0, 4.0), strict=True):
        ws[f"C{r}"] = b
    ws["E2"] = ArrayFormula("E2:E6", "=FREQUENCY($A$2:$A$30,$C$2:$C$5)")   # past row 21
    ws["F2"] = ArrayFormula("F2", "=FREQUENCY(A2:A25,C2:C5)")   # a plain-cell read too
    ws["G2"] = "=SUM(E2:E6)"
    path = tmp_path / "freq.xlsx"
    wb.save(path)
    return Model.open(path)


def test_frequency_of_data_past_the_sheet_fused_and_equal(tmp_path):
    job = job_for(workbook(tmp_path), INPUTS, OUTPUTS, 1_000)
    # before: "an array formula over a range past the sheet's cells"
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "kernels", 500, 1_000)
    values = {str(c): v for c, v in want[0].items()}
    assert (values["Sheet1!G2"] == 20.0).all()   # every loss counted once
    assert len(set(values["Sheet1!E3"].tolist())) > 2   # the counts vary per trial


def test_cuda_kernel_of_frequency_past_the_sheet(tmp_path):
    """The CUDA backend's kernel (compiled for the host by a C++ compiler) gives numpy's
    answers."""
    from tests.test_backend_cupy import host_equals_numpy

    job = job_for(workbook(tmp_path), INPUTS, OUTPUTS, 300)
    host_equals_numpy(job, tmp_path, 300)
