"""N and ISREF of an array computed from ranges (issue 13, unseen6 corpus).

chris-kc-cheng/ftk-excel ftk.xlsx holds the array formula ``{=SUM(N(Fund > Benchmark))}``,
the count of periods the fund beat its benchmark; Excel cached 58.  ``Fund > Benchmark``
is an array value: N maps over it (N(TRUE) = 1).  The engine took the comparison's array
for a reference (it keeps the ranges' position for implicit intersection) and read its first
cell only, as N does for a range: 0.  Excel's N and ISREF: a reference is a range of cells;
an array computed from one is a value (ISREF FALSE).
"""

from __future__ import annotations

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

from engine.model import Model
from tests.kernel_checks import formula_values
from tests.test_backend_numba import job_for, numba_and_numpy, tri

FUND = [0.03, -0.01, 0.02, 0.05, -0.04, 0.01]
BENCH = [0.01, 0.00, 0.03, 0.01, -0.02, 0.00]


def _book(path) -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for i, (f, b) in enumerate(zip(FUND, BENCH, strict=True), start=2):
        ws[f"B{i}"], ws[f"C{i}"] = f, b
    ws["E1"] = ArrayFormula("E1", "=SUM(N(B2:B7>C2:C7))")
    ws["E2"] = ArrayFormula("E2", "=SUM(N(B2:B7))")            # a range: its first cell
    ws["E3"] = ArrayFormula("E3", "=SUM(N(B2:B7*100>C2:C7*100))")
    ws["E4"] = "=ISREF(B2:B7)"
    ws["E5"] = ArrayFormula("E5", "=ISREF(B2:B7>C2:C7)")
    ws["E6"] = "=E1/COUNT(B2:B7)"
    wb.save(path)
    return str(path)


def test_n_maps_over_a_computed_array(tmp_path):
    got = formula_values(_book(tmp_path / "n.xlsx"))
    beats = sum(f > b for f, b in zip(FUND, BENCH, strict=True))
    assert beats == 3
    assert got["E1"] == 3.0 and got["E3"] == 3.0
    assert got["E2"] == FUND[0]
    assert got["E4"] is True and got["E5"] is False
    assert got["E6"] == 3 / 6


def test_n_of_a_computed_array_numba_equals_numpy(tmp_path):
    model = Model.open(_book(tmp_path / "n.xlsx"))
    job = job_for(model, [tri("Data!B2", -0.05, 0.0, 0.05), tri("Data!C3", -0.05, 0.0, 0.05)],
                  ["Data!E1", "Data!E6"], 300)
    got, want = numba_and_numpy(job, tmp_path / "k", 100)
    counts = {str(k): v for k, v in want[0].items()}["Data!E1"]
    assert set(counts) <= {1.0, 2.0, 3.0, 4.0}   # B2 and C3 move: 1 to 4 periods beaten
