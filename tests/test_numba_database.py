"""Database functions (DSUM ... DGET) fused in the numba kernel (engine/backends/numba/
_database.py) and translated to CUDA: a sales table whose amounts vary per trial (numbers,
a cell that is text in some trials, an error in some), constant criteria (text that begins
a label, comparisons with the varying column, OR rows, empty conditions, a label that names
no column) and a number criterion that varies per trial, numba == numpy and the host build of the CUDA kernel == numpy.  Before, every
one of these formulas was left to numpy ("function DSUM is not in the fused subset").
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import (  # noqa: E402
    NVCC,
    HostCudaBackend,
    _nvcc_ptx,
    host_equals_numpy,
)
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TABLE = {
    "A1": "Region", "B1": "Product", "C1": "Sales", "D1": "Units",
    "A2": "East", "B2": "Bolts", "C2": "=J1*100", "D2": "=J2*3",
    "A3": "West", "B3": "Nuts", "C3": "=J2*40-100", "D3": '=IF(J1>2.5,"n/a",J1*7)',
    "A4": "East", "B4": "Nuts", "C4": "=1/(J1-2)", "D4": 12,
    "A5": "Eastern", "B5": "Screws", "C5": "=ROUND(J1*J2,0)", "D5": "=J1>2",
    "A6": "North", "B6": "Bolts", "C6": '=IF(J2>3.5,"none",J2*50)', "D6": None,
    "A7": "West", "B7": "Bolts", "C7": 150, "D7": "=-J2",
    # criteria ranges
    "F1": "Region", "G1": "Sales", "F2": "East", "G2": ">150",
    "H1": "region", "H2": "West", "H3": "North",
    "I1": "Product", "I2": "Bolts",
    "K1": "Sales", "K2": ">=100", "K3": "<0",
    "L1": "Nope", "L2": "x",
    "M1": "Region", "M2": None,
    "N1": "Units", "N2": "<>n/a",
    "O1": "Sales", "O2": ">=300", "O3": "<0",
    "Q1": "Sales", "Q2": "=ROUND(J1,0)*50",    # a number criterion that varies per trial
}
FORMULAS = {
    "P1": '=DSUM(A1:D7,"Sales",F1:G2)', "P2": "=DAVERAGE(A1:D7,3,H1:H3)",
    "P3": "=DCOUNT(A1:D7,,K1:K3)", "P4": '=DCOUNTA(A1:D7,"units",N1:N2)',
    "P5": '=DMAX(A1:D7,"Sales",I1:I2)', "P6": '=DMIN(A1:D7,"SALES",K1:K3)',
    "P7": '=DPRODUCT(A1:D7,"Units",F1:F2)', "P8": '=DSTDEV(A1:D7,"Sales",M1:M2)',
    "P9": '=DSTDEVP(A1:D7,"Sales",K1:K2)', "P10": '=DVAR(A1:D7,"Units",H1:H3)',
    "P11": '=DVARP(A1:D7,"Sales",I1:I2)', "P12": '=DGET(A1:D7,"Sales",O1:O3)',
    "P13": '=DSUM(A1:D7,"Sales",L1:L2)', "P14": '=DSUM(A1:D7,"Price",F1:F2)',
    "P15": "=DCOUNTA(A1:D7,,I1:I2)", "P16": '=DGET(A1:D7,"Units",F1:G2)',
    "P17": '=DAVERAGE(A1:D7,"Units",K1:K2)+DCOUNT(A1:D7,"Sales",F1:F2)',
    "P18": '=DSUM(A1:D7,"Units",Q1:Q2)+DCOUNTA(A1:D7,,Q1:Q2)',
}
TRIALS = 3_000


def _job(trials: int = TRIALS):
    cells = {f"Sheet1!{k}": v for k, v in {**TABLE, **FORMULAS}.items() if v is not None}
    model = Model.from_cells(cells)
    return job_for(model, [tri("Sheet1!J1", 1.0, 2.0, 4.0), tri("Sheet1!J2", 2.0, 3.0, 5.0)],
                   [f"Sheet1!{k}" for k in FORMULAS], trials=trials)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def test_database_functions_are_fused_and_equal_numpy(backend):
    job = _job()
    assert fused_report(job, backend) == {}
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, run(backend, job, 1_000), want)
    errs = {c: set(want[1][c].tolist()) for c in job.program.outputs}
    ref = job.program.model.ref
    assert errs[ref("Sheet1!P13")] == {3} and errs[ref("Sheet1!P14")] == {3}   # #VALUE!
    assert {0, 3, 6} <= errs[ref("Sheet1!P12")]     # DGET: one row, none, several
    for name in ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P9", "P11", "P15", "P17", "P18"):
        assert 0 in errs[ref(f"Sheet1!{name}")], name


def test_database_functions_on_the_host_build_equal_numpy(tmp_path):
    job = _job(1_000)
    host_equals_numpy(job, tmp_path, 1_000)


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_database_kernel(tmp_path):
    _nvcc_ptx(HostCudaBackend.source_of(_job(10)), tmp_path, "database")
