"""Securities fused in the numba kernel (engine/backends/numba/_securities.py and the
runtime _rt_securities.py) and in the CUDA kernel (engine/backends/cupy/_rt_securities.py):
COUPDAYBS ... COUPPCD, PRICE, YIELD, DURATION, MDURATION, DISC, INTRATE, RECEIVED,
PRICEDISC, YIELDDISC, ACCRINTM, TBILLPRICE, TBILLYIELD, TBILLEQ with settlement, maturity,
rates, prices, frequency and basis varying per trial (invalid frequencies and bases, dates in
the wrong order, month ends, maturities past 9999, logical arguments), numba == numpy and
the host build of the CUDA kernel == numpy, in the 1900 and the 1904 date systems.  Before,
each was left to numpy ("function PRICE is not in the fused subset").
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numba._rt_securities import sec_coupon, sec_price, sec_yield  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import (  # noqa: E402
    NVCC,
    HostCudaBackend,
    _nvcc_ptx,
    host_equals_numpy,
)
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

# A1 in 1..4, A2 in 2..5 (triangular); settlement around 2008-2011, maturities 1-30 years on
FORMULAS = {
    "C1": "=39000+A1*300", "C2": "=EOMONTH(C1+A2*2000,0)", "C3": "=C1+A2*100",
    "C4": "=INT(A2)", "C5": "=ROUND(A1*2,0)-2", "C6": "=CHOOSE(ROUND(A1,0),1,2,4,4)",
    "B1": "=COUPDAYBS(C1,C2,C6,C5)", "B2": "=COUPDAYS(C1,C2,C6,C5)",
    "B3": "=COUPDAYSNC(C1,C2,2,C5)", "B4": "=COUPNCD(C1,C2,C4,1)",
    "B5": "=COUPNUM(C1,C2,C6)", "B6": "=COUPPCD(C1,C2,4,C5)",
    "B7": "=PRICE(C1,C2,A1/50,A2/60,100,C6,C5)", "B8": "=PRICE(C1,C3,0.06,A2/40,A1*30,2,0)",
    "B9": "=YIELD(C1,C2,A1/50,80+A2*8,100,C6,C5)", "B10": "=YIELD(C1,C3,0.05,A1*30,100,1,1)",
    "B11": "=DURATION(C1,C2,A1/40,A2/50,C6,C5)", "B12": "=MDURATION(C1,C2,0.08,A2/50,C4,3)",
    "B13": "=DISC(C1,C3,90+A1,100,C5)", "B14": "=INTRATE(C1,C3,A1*30,100,4)",
    "B15": "=RECEIVED(C1,C3,1000,A1/10,C5)", "B16": "=PRICEDISC(C1,C3,A2/100,100,C5)",
    "B17": "=YIELDDISC(C1,C3,90+A2,100,2)", "B18": "=ACCRINTM(C1,C3,A1/30,1000,C5)",
    "B19": "=TBILLPRICE(C1,C1+A2*80,A1/40)", "B20": "=TBILLYIELD(C1,C1+A1*100,95+A2)",
    "B21": "=TBILLEQ(C1,C1+A2*80,A1/40)", "B22": "=ACCRINTM(C1,C3,A1/30)+IFERROR(ACCRINTM(C3,C1,0.1),1)",
    "B23": "=PRICE(C1,2958465+A1*10,0.05,0.04,100,2)+COUPNUM(C2,C1,2)",
    "B24": "=PRICE(C1,C2,0.05,0.04,100,A1>2)+COUPDAYS(C1,C2,2,C5+A2)",
    "B25": "=IFERROR(YIELD(C1,C2,0.05,A2*40,100,4,0),-1)+PRICE(C1,C1+A1*20,0.07,A2,100,1)",
}
TRIALS = 800


def _job(trials: int = TRIALS, date1904: bool = False, only: tuple[str, ...] = ()):
    cells = {k: v for k, v in FORMULAS.items() if k[0] == "C" or not only or k in only}
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    if date1904:
        model.workbook.date1904 = True
    return job_for(model, [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", 2.0, 3.0, 5.0)],
                   [f"Sheet1!{k}" for k in cells if k[0] == "B"], trials=trials)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def test_excel_documented_answers():
    """Excel's help examples: COUPDAYBS(25-Jan-11, 15-Nov-11, 2, 1) = 71, COUPNUM = 4
    (quarterly), PRICE(15-Feb-08, 15-Nov-17, 5.75%, 6.5%, 100, 2, 0) = 94.63436,
    YIELD(15-Feb-08, 15-Nov-16, 5.75%, 95.04287, 100, 2, 0) = 0.065 (6.5%)."""
    assert sec_coupon(40568.0, 40862.0, 2.0, 1.0, 0, 0) == 71.0
    assert sec_coupon(40568.0, 40862.0, 4.0, 1.0, 3, 0) == 4.0
    assert abs(sec_price(39493.0, 43054.0, 0.0575, 0.065, 100.0, 2.0, 0.0, 0) - 94.63436) < 1e-5
    assert abs(sec_yield(39493.0, 42689.0, 0.0575, 95.04287, 100.0, 2.0, 0.0, 0) - 0.065) < 1e-6


def test_securities_are_fused_and_equal_numpy(backend):
    job = _job()
    assert fused_report(job, backend) == {}
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, run(backend, job, 300), want)
    for c in job.program.outputs:
        if c.row not in (23, 24):
            assert (want[1][c] == 0).any(), c          # numbers in some trials
    ref = job.program.model.ref
    assert set(want[1][ref("Sheet1!B23")].tolist()) == {6}   # a maturity past 9999: #NUM!
    assert set(want[1][ref("Sheet1!B24")].tolist()) <= {3, 6}  # a logical: #VALUE!
    assert np.isin(want[1][ref("Sheet1!B1")], [0, 6]).all() and \
        (want[1][ref("Sheet1!B1")] == 6).any()                  # basis 4 ok, 5 #NUM!


def test_securities_in_the_1904_date_system(backend):
    job = _job(date1904=True, only=("B4", "B6", "B7", "B16"))
    assert fused_report(job, backend) == {}
    assert_same(job, run(backend, job, TRIALS), run(NumpyBackend(), job, TRIALS))


def test_securities_on_the_host_build_equal_numpy(tmp_path):
    job = _job(1_000)
    host_equals_numpy(job, tmp_path, 1_000)


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_securities_kernel(tmp_path):
    _nvcc_ptx(HostCudaBackend.source_of(_job(10)), tmp_path, "securities")
