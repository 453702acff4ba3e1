"""TEXTJOIN and CONCAT of ranges whose cells hold text made per trial (each cell's recipe
joined in the kernel), in numba and the CUDA host build, against numpy.  Before, the range's
cells were left to numpy ("text made per trial, read by a cell left to numpy").
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
CELLS = {"P1": '=LEFT("abc",ROUND(B1,0)-1)', "P2": "=ROUND(B1,0)&\"\"", "P3": '=REPT("z",B1>5)',
         "J1": '=TEXTJOIN("-",TRUE,P1:P3)', "J2": "=LEN(J1)", "J3": "=LEN(CONCAT(P1:P3))",
         "J4": '=TEXTJOIN("-",FALSE,P1:P3)="ab-3-"'}
OUTPUTS = ["J2", "J3", "J4"]


def _job():
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in CELLS.items()})
    return job_for(model, INPUTS, [f"Sheet1!{o}" for o in OUTPUTS], trials=600), model


def test_ranges_of_text_made_per_trial_are_joined_in_the_kernel(tmp_path):
    job, model = _job()
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, 600)
    k = np.round(got[2][model.ref("Sheet1!B1")])
    j2 = got[0][model.ref("Sheet1!J2")]
    assert set(j2[k == 1]) == {1.0} and set(j2[k == 3]) == {4.0}   # "1"; "ab-3"
    assert set(got[0][model.ref("Sheet1!J4")][k == 3]) == {1.0}


def test_ranges_of_text_made_per_trial_in_the_cuda_host_build(tmp_path):
    job, _ = _job()
    host_equals_numpy(job, tmp_path, 300, 600)
