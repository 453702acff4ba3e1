"""Array expressions over ranges written past their sheet's last row: Excel reads every cell
of the written range, the cells past the sheet's data empty.

numpy read such a range clipped to the sheet's cells (``Env.area``), so the rows past the
sheet's last row were not counted (``{=SUM(IF(B2:B9="",1,0))}`` on a 6-row sheet: 0, Excel
3) or broadcast as #N/A against ``ROW(B2:B9)``, which has the written 8 rows
(``{=SUM((B2:B9="")*ROW(B2:B9))}``: #N/A, Excel 7+8+9 = 24).  A range is now read with its
empty cells up to its written size (``engine._ir_nodes.padded``) except along an axis written
longer than 65,536 (a whole column: its sheet's part, as ROW(B:B) gives it), by numpy and by
the numba kernel alike.  Data: Data!B1 a header, B2 "High", B3:B6 "High" or "Low" per trial
(Data!D3:D6 drawn), Data!C = 10*D; the sheet ends at row 6.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

FORMULAS = {
    "A1": '=SUM(IF(Data!B2:B9="",1,0))',
    "A2": '=SUM((Data!B2:B9="")*ROW(Data!B2:B9))',
    "A3": '=MAX(IF(Data!B2:B9="High",ROW(Data!B2:B9)))',
    "A4": '=SUMPRODUCT(--(Data!B2:B9=""))',    # not an array formula
    "A5": '=SUM(IF(Data!B:B="",1,0))',          # a whole column: the sheet's rows only
    "A6": '=INDEX(Data!$C$1:$C$20,LARGE(IF(Data!$B$2:$B$12="High",ROW(Data!$B$2:$B$12),0),1))',
}
OUTPUTS = [f"Sheet1!A{k}" for k in range(1, 7)] + ["Sheet1!B2", "Sheet1!B5"]
ROWS = range(3, 7)
INPUTS = [tri(f"Data!D{r}", 1.0, 2.0, 3.0) for r in ROWS]


def workbook(tmp_path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    data = wb.create_sheet("Data")
    data["B1"], data["C1"], data["D1"] = "level", "amount", "draw"
    data["B2"], data["C2"], data["D2"] = "High", 25.0, 2.5
    for r in ROWS:
        data[f"D{r}"] = 2.0
        data[f"B{r}"] = f'=IF(D{r}>2,"High","Low")'
        data[f"C{r}"] = f"=10*D{r}"
    for cell, formula in FORMULAS.items():
        ws[cell] = formula if cell == "A4" else ArrayFormula(cell, formula)
    ws["B2"] = ArrayFormula("B2:B6", "=(Data!B2:B100=\"\")*Data!C2:C100+ROW(Data!C2:C100)")
    path = tmp_path / "pastrows.xlsx"
    wb.save(path)
    return Model.open(path)


def test_array_expressions_read_the_empty_rows_past_the_sheet(tmp_path):
    job = job_for(workbook(tmp_path), INPUTS, OUTPUTS, 400)
    got, want = numba_and_numpy(job, tmp_path / "kernels", 200, 400, fused=True)
    values = {str(c): v for c, v in want[0].items()}
    errors = {str(c): v for c, v in want[1].items()}
    draws = {str(c): v for c, v in want[2].items()}
    for c in OUTPUTS:
        assert (errors[c] == 0).all(), c
    high = np.stack([draws[f"Data!D{r}"] > 2 for r in ROWS])
    last_high = np.array([max([2] + [r for k, r in enumerate(ROWS) if high[k, t]])
                          for t in range(high.shape[1])])
    assert high.any() and not high.all()
    np.testing.assert_array_equal(values["Sheet1!A1"], 3.0)           # rows 7, 8, 9
    np.testing.assert_array_equal(values["Sheet1!A2"], 24.0)          # 7 + 8 + 9
    np.testing.assert_array_equal(values["Sheet1!A3"], last_high)
    np.testing.assert_array_equal(values["Sheet1!A4"], 3.0)
    np.testing.assert_array_equal(values["Sheet1!A5"], 0.0)           # B1:B6 all filled
    amount = {2: 25.0, **{r: 10 * draws[f"Data!D{r}"] for r in ROWS}}
    want_a6 = np.array([amount[r] if r == 2 else amount[r][t] for t, r in enumerate(last_high)])
    np.testing.assert_allclose(values["Sheet1!A6"], want_a6, rtol=1e-15)
    np.testing.assert_array_equal(values["Sheet1!B2"], 2.0)           # row 2 filled
    np.testing.assert_array_equal(values["Sheet1!B5"], 5.0)
