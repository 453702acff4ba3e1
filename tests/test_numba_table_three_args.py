"""A text function of three or more arguments that vary among known values, fused and equal
to numpy.

The generator evaluates such a call (``CONCAT(A2>9,A3>19,A4>29)``: each argument TRUE or
FALSE per trial) with the numpy library for every combination of the arguments' values and
looks the result up per trial at ``(a * w1 + b) * w2 + c``.  The index was written
``a * w1 + b * w2 + c`` (no parentheses): with three arguments or more the kernel read
another combination's text ("TRUEFALSETRUE" where every comparison was TRUE), in numba and in
the CUDA twin alike.  Rebuilt here with openpyxl; the values checked against the inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

LIMITS = (9, 19, 29, 39)


def _job(tmp_path, trials: int):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T"
    ws["G2"] = 7.0
    for r in range(2, 6):
        ws[f"A{r}"] = f"=ROUND(G2*{r},0)"
    tests = ",".join(f"A{r}>{k}" for r, k in zip(range(2, 6), LIMITS, strict=True))
    ws["B1"] = f"=CONCAT({tests})"
    ws["B2"] = "=CONCAT(A2>9,A3>19,A4>29)"
    ws["C1"] = '=LEN(B1)*100+CODE(MID(B1,5,1))'
    ws["C2"] = "=LEN(B2)"
    wb.save(tmp_path / "three.xlsx")
    model = Model.open(tmp_path / "three.xlsx")
    outs = ["T!C1", "T!C2"] + [f"T!A{r}" for r in range(2, 6)]
    return model, job_for(model, [tri("T!G2", 1.0, 7.0, 12.0)], outs, trials=trials)


def _texts(a: np.ndarray) -> list[str]:
    return ["".join("TRUE" if x > k else "FALSE" for x, k in zip(col, LIMITS, strict=True))
            for col in a.T]


def test_a_table_of_three_arguments_or_more_reads_the_right_combination(tmp_path):
    model, job = _job(tmp_path, 300)
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 300, 300)
    a = np.array([got[0][model.ref(f"T!A{r}")] for r in range(2, 6)])
    texts = _texts(a)
    assert len(set(texts)) > 2
    np.testing.assert_array_equal(got[0][model.ref("T!C1")],
                                  [len(t) * 100 + ord(t[4]) for t in texts])
    np.testing.assert_array_equal(got[0][model.ref("T!C2")], [len(_texts(a)[i]) - len(
        "TRUE" if a[3, i] > 39 else "FALSE") for i in range(a.shape[1])])


def test_a_table_of_three_arguments_runs_in_the_cuda_kernel_as_numpy(tmp_path):
    """The CUDA twin (translated from the same plan), built for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 300)
    host_equals_numpy(job, tmp_path / "host", 300)
