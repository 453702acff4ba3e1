"""Array formulas over long table columns: planning the fused kernel must stay linear.

A real dashboard workbook (a sales table of 2,823 rows) has single-cell array formulas
``=SUM((Sales)*(Year=$B171)*(Status<>"Cancelled")...)`` in a year x quarter grid.  The plan
wrote each element of a range by building the whole range's grid of cells again
(``Area.cells()[r][c]``), quadratic in the column's length: the plan of that workbook ran
for more than 20 minutes.  Built here with openpyxl: a 600-row table and 4 such cells; the
test counts the cell references the plan builds from ranges (no timing: the work itself).
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine import ir  # noqa: E402
from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

ROWS = 600


def test_plan_of_array_formulas_over_long_columns_is_linear(tmp_path, monkeypatch):
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
    built = [0]
    cells = ir.Area.cells

    def counted(area: ir.Area):
        built[0] += area.shape[0] * area.shape[1]
        return cells(area)

    monkeypatch.setattr(ir.Area, "cells", counted)
    report = fused_report(job)
    assert report == {}, report
    # before: each of the 3 x 600 elements of each formula built its range's whole grid
    # (4 x 3 x 600 x 600 = 4.3 million references); now a few passes over each range
    assert built[0] <= 20 * 3 * ROWS * 4, built[0]
