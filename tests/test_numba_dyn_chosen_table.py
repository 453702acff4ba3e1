"""VLOOKUP / HLOOKUP over CHOOSECOLS / CHOOSEROWS of a fixed range with constant numbers (kblee0
LAMBDA.xlsx: a LAMBDA called in an array formula, ``IFNA(VLOOKUP(x, emp[], 2, FALSE),
VLOOKUP(x, CHOOSECOLS(emp[], 2, 1), 2, FALSE))``) search the range's cells in the order
picked (engine.backends.numba._chosen_tables).  Before, such a cell was left to numpy ('VLOOKUP
of an array expression in an array formula')."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.workbook import CellRef  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import assert_same, tri  # noqa: E402

_KEY = "ROUND(A1,0)*10"   # 10, 20, 30 or 40 (not in the table: #N/A)
CELLS: dict[str, object] = {
    "A1": 2.0,
    **{f"R{r}": float(r - 1) for r in range(2, 5)},          # 1 2 3
    **{f"S{r}": 10.0 * (r - 1) for r in range(2, 5)},        # 10 20 30
    **{f"T{r}": 100.0 * (r - 1) for r in range(2, 5)},       # 100 200 300
    "V1": 5.0, "W1": 6.0, "X1": 7.0, "V2": 1.0, "W2": 2.0, "X2": 3.0,
    "J1": ArrayFormula("J1:J1", f"=VLOOKUP({_KEY},_xlfn.CHOOSECOLS(R2:T4,2,3),2,FALSE)"),
    "J2": f"=VLOOKUP({_KEY},_xlfn.CHOOSECOLS(R2:T4,2,-1,1),3,FALSE)+0.5",
    "J3": ArrayFormula("J3:J3", "=HLOOKUP(ROUND(A1,0),_xlfn.CHOOSEROWS(V1:X2,2,1),2,FALSE)"),
    "J4": ArrayFormula("J4:J4", "=_xlfn.LAMBDA(_xlpm.v,_xlfn.IFNA(VLOOKUP(_xlpm.v,R2:S4,2,FALSE),"
                       f"VLOOKUP(_xlpm.v,_xlfn.CHOOSECOLS(R2:S4,2,1),2,FALSE)))({_KEY})"),
}


def test_lookup_over_chosen_columns_is_fused_and_equals_numpy(tmp_path):
    job = sheet_job(tmp_path / "b.xlsx", CELLS, [tri("S!A1", 1.0, 2.0, 4.0)],
                    ["J1", "J2", "J3", "J4"], 12)
    assert fused_report(job) == {}
    got, want = numba_and_host_equal_numpy(job, tmp_path / "k", 6)
    assert_same(job, got, want)
    values, errs, ins = got
    k = np.round(ins[next(iter(ins))])
    found = k <= 3
    assert found.any() and not found.all()
    for col, want_v in ((1, 100.0 * k), (2, k + 0.5), (3, 4.0 + k), (4, k)):
        c = CellRef("S", col, 10)
        np.testing.assert_allclose(values[c][found], want_v[found], rtol=1e-12)
    for col in (1, 2, 4):   # 40: not found (#N/A), numba's code = numpy's (assert_same)
        e = errs[CellRef("S", col, 10)]
        assert (e[~found] != 0).all() and (e[found] == 0).all()
