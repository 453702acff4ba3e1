"""Array formulas over long table columns: planning the fused kernel must stay linear.

A real dashboard workbook (a sales table of 2,823 rows) has single-cell array formulas
``=SUM((Sales)*(Year=$B171)*(Status<>"Cancelled")...)`` in a year x quarter grid.  The plan
wrote each element of a range by building the whole range's grid of cells again
(``Area.cells()[r][c]``), quadratic in the column's length: the plan of that workbook ran
for more than 20 minutes.  Built here with openpyxl: a 2,000-row table and 4 such cells.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

ROWS = 2_000


def test_plan_of_array_formulas_over_long_columns_is_quick(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["B1"], ws["C1"] = "Sales", "Year", "Status"
    statuses = ("Shipped", "Cancelled", "On Hold", "Shipped", "Disputed")
    for r in range(2, ROWS + 2):
        ws[f"A{r}"] = 100.0 + (r * 37) % 251
        ws[f"B{r}"] = 2003 + r % 3
        ws[f"C{r}"] = statuses[r % len(statuses)]
    ws["E1"] = 1.0   # the input: a scale on every sale
    end = ROWS + 1
    for k in range(4):
        ws[f"F{k + 1}"] = ArrayFormula(
            f"F{k + 1}", f'=SUM(A2:A{end}*E1*(B2:B{end}={2003 + k % 3})'
                         f'*(C2:C{end}<>"Cancelled")*(C2:C{end}<>"On Hold"))')
    path = tmp_path / "long.xlsx"
    wb.save(path)
    model = Model.open(path)
    job = job_for(model, [tri("Data!E1", 0.9, 1.0, 1.1)],
                  [f"Data!F{k + 1}" for k in range(4)], trials=10)
    t0 = time.process_time()   # this process's CPU time: the machine may be busy
    fused_report(job)
    took = time.process_time() - t0
    # before: 3 x 2,000 x 2,000 cell references built per formula, ~60 s of CPU; now
    # 8,000 elements in all, a few seconds
    assert took < 20.0, f"planning took {took:.1f} s of CPU"
