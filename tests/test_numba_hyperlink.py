"""HYPERLINK in the fused kernel (numba and the CUDA host build): the cell shows the
friendly name, else the link, as it is (a number stays a number; text made per trial is
read by other cells; the link's error is not the cell's where a friendly name is given:
engine.functions.text_format.hyperlink).  Before, "function HYPERLINK is not in the fused
subset".
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
CELLS = {"H1": '=HYPERLINK("#A"&ROUND(B1,0),B1*2)', "H2": '=HYPERLINK("#A1","v"&ROUND(B1,0))',
         "H3": '=LEN(H2)+(H2="v3")', "H4": '=HYPERLINK(B1/0,"go")&ROUND(B1,0)',
         "H5": "=LEN(H4)", "H6": '=HYPERLINK("#Z"&ROUND(B1,0))'}
OUTPUTS = ["H1", "H3", "H5", "H6"]


def _job():
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in CELLS.items()})
    return job_for(model, INPUTS, [f"Sheet1!{o}" for o in OUTPUTS], trials=600), model


def test_hyperlink_shows_its_friendly_name_else_its_link(tmp_path):
    job, model = _job()
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, 600)
    b1 = got[2][model.ref("Sheet1!B1")]
    np.testing.assert_array_equal(got[0][model.ref("Sheet1!H1")], b1 * 2)
    np.testing.assert_array_equal(got[0][model.ref("Sheet1!H3")],
                                  [2 + (round(x) == 3) if x < 9.5 else 3 for x in b1])
    assert (got[1][model.ref("Sheet1!H5")] == 0).all()   # the link's #DIV/0! is not shown


def test_hyperlink_in_the_cuda_host_build(tmp_path):
    job, _ = _job()
    host_equals_numpy(job, tmp_path, 300, 600)
