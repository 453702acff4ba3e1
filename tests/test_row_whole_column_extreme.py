"""MIN/MAX of ROW (COLUMN) of a whole column (row): Excel's first/last row of it (MAX(ROW(Z:Z))
is 1048576), where ROW of a whole column itself gives the rows the sheet holds
(engine.compiler.WRITTEN_ROWS_CAP).  Before, numpy and numba gave the sheet's last row (7)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import fused_report  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import assert_same, numba_and_numpy, tri  # noqa: E402

CELLS: dict[str, object] = {
    "A1": 1.0, "A2": 2.0, "A3": 3.0,
    "B1": "=A1+MAX(ROW(Z:Z))", "B2": "=A1+MIN(ROW(C:D))", "B3": "=A1+MAX(ROW($A$3:$A$5))",
    "B4": "=A1+MAX(COLUMN(1:1))", "B5": "=A1*MAX(ROW(A:A))-ROWS(A:A)",
}
WANT = {"B1": 1048576.0, "B2": 1.0, "B3": 5.0, "B4": 16384.0, "B5": 0.0}


def test_min_max_of_row_of_a_whole_column_is_its_written_extreme(tmp_path):
    job = sheet_job(tmp_path / "rows.xlsx", CELLS, [tri("S!A1", 0.5, 1.0, 1.5)], list(WANT), 4)
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "k", 4)
    assert_same(job, got, want)
    (wv, we, wi) = want
    a1 = next(v for c, v in wi.items() if str(c).endswith("A1"))
    values = {str(c).split("!")[1]: v for c, v in wv.items()}
    for cell, extreme in WANT.items():
        expect = a1 * 1048576.0 - 1048576.0 if cell == "B5" else a1 + extreme
        np.testing.assert_allclose(values[cell], expect, rtol=1e-15, err_msg=cell)
