"""MODE.MULT as a cell's own formula in the fused kernel (numba and the CUDA host build):
the value the cell keeps is the first of the most frequent numbers (moments.mode_mult's
first element: the first seen on a tie, #N/A where no number repeats).  Before, "function
MODE.MULT is not in the fused subset"; in other places (SUM, INDEX(...,2), array formulas)
its length varies per trial and with the chunk's longest, so it stays with numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

INPUTS = [tri("Sheet1!B1", 1.0, 3.0, 10.0)]
CELLS = {"M1": "=ROUND(B1,0)", "M2": "=ROUND(B1/2,0)*2", "M3": 2.0, "M4": "=ROUND(B1*3,0)",
         "M5": "=ROUND(B1,0)", "J1": "=MODE.MULT(M1:M5)", "J2": "=J1*10+1",
         "J3": "=MODE.MULT(M3:M4)", "J4": "=SUM(MODE.MULT(M1:M5))"}


def _job():
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in CELLS.items()})
    return job_for(model, INPUTS, ["Sheet1!J1", "Sheet1!J2", "Sheet1!J3", "Sheet1!J4"],
                   trials=600), model


def test_mode_mult_as_a_cells_formula_is_fused_and_numpy_s(tmp_path):
    job, model = _job()
    assert fused_report(job) == {"Sheet1!J4": "MODE.MULT other than as a cell's own formula"}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, 600)
    b1 = got[2][model.ref("Sheet1!B1")]
    j1 = got[0][model.ref("Sheet1!J1")]
    np.testing.assert_array_equal(j1, np.round(b1))   # M1 = M5: seen first, twice or more
    assert (got[1][model.ref("Sheet1!J3")] == 7).all()   # 2 and ROUND(3*B1): none repeats


def test_mode_mult_in_the_cuda_host_build(tmp_path):
    job, _ = _job()
    host_equals_numpy(job, tmp_path, 300, 600, numpy_cells=1)   # J4, as numba
