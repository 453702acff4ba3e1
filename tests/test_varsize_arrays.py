"""Arrays whose size varies per trial: MAKEARRAY and SEQUENCE sized by a value drawn per
trial (chriskccheng Analytics CIR!A30 ``MAKEARRAY(1, B3*B5+1, ..)``, calebjgartner Real
Estate PE ``SEQUENCE(12*Term.Cap.Year, 1, 1)`` spilled and read by ANCHORARRAY).

numpy evaluates such a cell once per group of trials of one size (engine._ragged); before,
MAKEARRAY took the size of the chunk's first trial for every trial."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numpy import NumpyBackend  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import numba_and_numpy, run, tri  # noqa: E402

ROWS = "ROUND(A1,0)"
LAM = "_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*10+_xlpm.c)"


def _numpy_job(tmp_path):
    cells = {"A1": 3.0,
             "B1": f"=SUM(_xlfn.MAKEARRAY({ROWS},2,{LAM}))",
             "B2": f"=ROWS(_xlfn.MAKEARRAY({ROWS},2,{LAM}))",
             "B3": f"=SUM(_xlfn.MAKEARRAY(2,{ROWS}-3,{LAM}))"}   # #VALUE! where < 1
    return sheet_job(tmp_path / "makearray.xlsx", cells, [tri("S!A1", 0.6, 3.0, 6.0)],
                     ["B1", "B2", "B3"], trials=40)


def _by_name(by_cell: dict) -> dict:
    return {str(c).replace("'", ""): x for c, x in by_cell.items()}


def test_makearray_size_drawn_per_trial_is_each_trials_own(tmp_path):
    job = _numpy_job(tmp_path)
    v, e, i = (_by_name(x) for x in run(NumpyBackend(), job, 40))
    n = np.round(i["S!A1"])
    assert len(np.unique(n)) > 2
    # rows 1..n, columns 1..2: sum of (10 r + c) = 10 * 2 * n(n+1)/2 + 3 n
    np.testing.assert_array_equal(v["S!B1"], 10 * n * (n + 1) + 3 * n)
    np.testing.assert_array_equal(v["S!B2"], n)
    cols = n - 3
    bad = cols < 1
    np.testing.assert_array_equal(e["S!B3"][bad], 3)   # #VALUE!
    c = cols[~bad]
    np.testing.assert_array_equal(v["S!B3"][~bad], 2 * 10 * 3 / 2 * c + 2 * c * (c + 1) / 2)


def test_makearray_size_drawn_per_trial_numba_equals_numpy(tmp_path):
    numba_and_numpy(_numpy_job(tmp_path), tmp_path / "k", 7)
