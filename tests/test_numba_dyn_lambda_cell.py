"""A LAMBDA helper's values folded while it is expanded (MAKEARRAY's sizes) compile against
the cell being made: ``ROW()`` / ``COLUMN()`` without an argument are that cell's.  Before,
engine.backends.numba._lambdas.expand_lambdas ran with the generator's previous cell (B1
here: numba's C3 was A1, numpy's 6 * A1)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import fused_report  # noqa: E402
from engine.workbook import CellRef  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import assert_same, numba_and_numpy, tri  # noqa: E402

CELLS: dict[str, object] = {
    "A1": 2.0,
    "B1": "=A1*2",   # made before C3 and D4 (same sheet, earlier row)
    "C3": "=SUM(_xlfn.MAKEARRAY(ROW(),1,_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*A1)))",
    "D4": "=SUM(_xlfn.MAKEARRAY(1,COLUMN(),_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.c+A1)))",
}


def test_row_and_column_in_a_lambda_size_are_the_cells_own(tmp_path):
    job = sheet_job(tmp_path / "b.xlsx", CELLS, [tri("S!A1", 1.0, 2.0, 3.0)],
                    ["B1", "C3", "D4"], 6)
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "k", 3)
    assert_same(job, got, want)
    values, _, ins = got
    a1 = ins[next(iter(ins))]
    np.testing.assert_allclose(values[CellRef("S", 3, 3)], 6.0 * a1, rtol=1e-12)   # 1+2+3
    np.testing.assert_allclose(values[CellRef("S", 4, 4)], 10.0 + 4.0 * a1, rtol=1e-12)
