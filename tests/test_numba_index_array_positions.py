"""INDEX whose row or column position is an array in an array formula (calebjgartner's Real
Estate PE model 'Property Returns'!D53:N62 =INDEX(Sales.Price.Forecast#,1,C53#)*..., C53# a
SEQUENCE whose size is drawn per trial): numpy's INDEX maps element by element over the
positions (lookup._lift), so the result is an array of the positions' shape; the kernel
left it to numpy ('a range used as a single value').  Fused: numba = CUDA host build =
numpy."""

from __future__ import annotations

import numpy as np
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from tests.kernel_checks import fused_sheet_results, new_sheet

pytest.importorskip("numba")


def test_index_at_an_array_of_positions_is_an_array(tmp_path):
    from tests.test_backend_numba import tri

    ws = new_sheet("S")
    ws["A1"] = 3.7
    for k in range(6):   # a row of values made per trial
        ws.cell(10, 1 + k, f"=A1*{k + 1}+{k}")
        ws.cell(11, 1 + k, 10.0 * k)
    ws["B1"] = ArrayFormula("B1:B5", "=_xlfn.SEQUENCE(TRUNC(A1),1,1,1)")   # 2..5 rows
    # positions spilled per trial (past the size: #N/A), read as B1#
    ws["D1"] = ArrayFormula("D1:D5", "=INDEX(A10:F10,1,_xlfn.ANCHORARRAY(B1))*2")
    # positions of a range made per trial (0, past the range: #VALUE!, #REF!)
    ws["C7"], ws["D7"], ws["E7"] = "=TRUNC(A1)-3", "=TRUNC(A1)", "=TRUNC(A1)+3"
    ws["F1"] = ArrayFormula("F1:F3", "=INDEX(A10:F10,1,TRANSPOSE(C7:E7))")
    # an array constant of positions, a row of them beside a column: a 3x2 block
    ws["G1"] = ArrayFormula("G1:H3", "=INDEX(A10:F11,{1;2;1},{2,5})")
    # a 2-D array constant at rows only: column 1 (numpy's lookup.index)
    ws["I1"] = ArrayFormula("I1:I2", "=INDEX({1,2;3,4},{2;1})+A1")
    outs = [f"S!{c}{r}" for c in "DF" for r in range(1, 6 if c == "D" else 4)]
    outs += ["S!G1", "S!H1", "S!G2", "S!H3", "S!I1", "S!I2"]
    got, errs, a1 = fused_sheet_results(ws, tmp_path / "index_positions.xlsx",
                                        [tri("S!A1", 1.5, 3.5, 5.99)], outs, 400)
    n = a1.astype(int)
    assert (n == 1).any() and (n == 2).any() and (n == 5).any()
    for r in range(1, 6):   # column k = B{r} of the row: 2 * (A1 * k + k - 1)
        inside = (r <= n) | (n == 1)   # one row of B1#: repeated down; past the size #N/A
        k = np.where(n == 1, 1, r)
        assert (errs[f"S!D{r}"][inside] == 0).all() and (errs[f"S!D{r}"][~inside] != 0).all()
        want = 2 * (a1 * k + k - 1)
        assert abs(got[f"S!D{r}"][inside] - want[inside]).max() < 1e-9
    assert (errs["S!F1"][n <= 3] != 0).all() and (errs["S!F3"][n >= 4] != 0).all()
    assert abs(got["S!F2"] - (a1 * n + n - 1)).max() < 1e-9
    assert (errs["S!G1"] == 0).all() and (errs["S!H3"] == 0).all()
    assert abs(got["S!I1"] - (3 + a1)).max() < 1e-12
    assert abs(got["S!I2"] - (1 + a1)).max() < 1e-12
