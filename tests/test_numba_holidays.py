"""WORKDAY/NETWORKDAYS(.INTL) whose holidays vary per trial, fused in the numba kernel
(engine/backends/numba/_holidays.py) and in the CUDA kernel: holidays moving over weekends,
two cells on the same day in some trials, a blank cell, a date typed as text, a cell that is
an error in some trials, a logical (#VALUE!): numba == numpy and the host build of the CUDA
kernel == numpy.  Before, the formulas were left to numpy ("holidays that varies per
trial"), and every cell downstream with them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.simulate import prepare  # noqa: E402
from engine.spec import InputSpec, SimulationSpec  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import assert_same, run  # noqa: E402

TRIALS = 1_000
START = 45292.0  # 2024-01-01, a Monday
CELLS = {
    "A1": 5.0, "A2": 12.0,
    "H1": f"={START}+ROUND(A1,0)", "H2": f"={START}+ROUND(A2,0)",
    "H3": None, "H4": f"={START}+ROUND(A1/2,0)*2", "H5": "2024-01-10",
    "H6": f"=IF(A2>11,1/0,{START}+3)", "H7": "=A1>6",
    "B1": f"=WORKDAY({START},10,H1:H5)", "B2": f"=NETWORKDAYS({START},{START}+30,H1:H5)",
    "B3": f"=WORKDAY.INTL({START},-3+ROUND(A1,0),11,H1:H4)",
    "B4": f"=NETWORKDAYS.INTL({START}+A2,{START}+40,\"0000011\",H1:H6)",
    "B5": f"=WORKDAY({START}+A1,5,H6:H7)", "B6": "=B1-B2+SUM(B3:B4)",
    "B7": f"=WORKDAY({START},ROUND(A2,0),H2)",
}


def _job(trials: int = TRIALS):
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in CELLS.items() if v is not None})
    spec = SimulationSpec(
        inputs=[InputSpec("Sheet1!A1", "uniform", {"min": 0.0, "max": 13.0}),
                InputSpec("Sheet1!A2", "uniform", {"min": 0.0, "max": 13.0})],
        outputs=[f"Sheet1!{k}" for k in CELLS if k[0] == "B"], trials=trials, seed=11)
    return prepare(model, spec)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def test_holidays_per_trial_fused_and_equal_numpy(backend):
    job = _job()
    assert fused_report(job, backend) == {}
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, run(backend, job, 300), want)
    ref = job.program.model.ref
    assert set(want[1][ref("Sheet1!B4")].tolist()) == {0, 2}       # #DIV/0! in some trials
    assert set(want[1][ref("Sheet1!B5")].tolist()) <= {2, 3}       # then #VALUE!
    assert not want[1][ref("Sheet1!B1")].any()


def test_holidays_per_trial_on_the_host_build_equal_numpy(tmp_path):
    job = _job()
    host_equals_numpy(job, tmp_path, TRIALS)
