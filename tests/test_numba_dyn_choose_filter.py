"""CHOOSE over a row of choices with a FILTER among its values (``CHOOSE({1,2}, INDEX(x,0,1),
FILTER(..))``: columns side by side, the FILTER's rows varying per trial) is a dynamic result
in the fused kernel (engine.backends.numba._dynarrays._da_choose, da_choose_col and its CUDA
twin): numpy's map_grid broadcast, as many rows as the longest value, a row past any value of
more than one row #N/A in every column, a FILTER of one row (or none: its one value)
broadcast down.  Before: 'CHOOSE of a FILTER/UNIQUE/SORT result'."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.values import NA  # noqa: E402
from engine.workbook import CellRef  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import assert_same, tri  # noqa: E402

_F = "_xlfn._xlws.FILTER(B2:B6,B2:B6>D1)"
_C = f"CHOOSE({{1,2}},INDEX(A2:B6,0,1),{_F})"
CELLS: dict[str, object] = {
    **{f"A{r}": float(r) for r in range(2, 7)},           # 2 .. 6
    **{f"B{r}": 10.0 * r for r in range(2, 7)},           # 20 .. 60
    "D1": 30.0,
    "G1": ArrayFormula("G1:H6", f"={_C}"),
    "E1": f"=SUM({_C})",
    "E2": f"=COUNT({_C})",
    "E3": f"=MAX(CHOOSE({{2,1}},{_F},A2:A3))",
}
OUTPUTS = ["E1", "E2", "E3"] + [f"{c}{r}" for c in "GH" for r in range(1, 7)]


def test_choose_of_a_filter_is_fused_and_equals_numpy(tmp_path):
    job = sheet_job(tmp_path / "b.xlsx", CELLS, [tri("S!D1", 0.0, 50.0, 70.0)], OUTPUTS, 16)
    assert fused_report(job) == {}
    got, want = numba_and_host_equal_numpy(job, tmp_path / "k", 8)
    assert_same(job, got, want)
    values, errs, ins = got
    d1 = ins[CellRef("S", 1, 4)]
    b = np.array([20.0, 30.0, 40.0, 50.0, 60.0])
    k = (b[None, :] > d1[:, None]).sum(axis=1)   # the rows FILTER keeps
    assert (k >= 2).any() and (k <= 1).any()
    for t in range(len(d1)):   # by hand, trial by trial
        kept = b[b > d1[t]]
        for r in range(6):
            g, h = CellRef("S", r + 1, 7), CellRef("S", r + 1, 8)
            if r == 5 or (k[t] >= 2 and r >= k[t]):   # past the range / a value's rows
                assert errs[g][t] == NA and errs[h][t] == NA, (t, r)
                continue
            assert errs[g][t] == 0 and values[g][t] == 2.0 + r
            if k[t] == 0:   # FILTER kept nothing: its error, broadcast
                assert errs[h][t] != 0
            else:
                assert errs[h][t] == 0 and values[h][t] == kept[0 if k[t] == 1 else r]
        count = 2 * k[t] if k[t] >= 2 else 10 if k[t] == 1 else 5
        assert values[CellRef("S", 2, 5)][t] == count
