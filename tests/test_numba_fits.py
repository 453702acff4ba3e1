"""Least-squares fits (LINEST, LOGEST, TREND, GROWTH) in the fused numba kernel, against the
numpy reference (engine.functions.linest).

One fit per formula and trial: the formula's first cell computes the whole result, the other
cells read their element (pycel's stats workbook has 211 fit cells; each used to refit, and
its kernel took minutes to compile).  Plain (non-array) formulas give the result's top-left
element, INDEX(fit, row, column) its element there.  The workbooks are built with openpyxl,
their numbers fed by triangular inputs (tests/test_numba_array_formulas.py).
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, fused_report, samplers_for  # noqa: E402
from engine.backends.numba._codegen import generate  # noqa: E402
from tests.test_backend_numba import job_for  # noqa: E402
from tests.test_numba_array_formulas import INPUTS, check, workbook  # noqa: E402

# y (F1:F5: F4 = A1*A2 is <= 0 in some trials: LOGEST/GROWTH #NUM!), x (G1:G5), a row of y
# (K1:M1) and two rows of x (K2:M3), new x (H1:H2)
CELLS: dict[str, object] = {
    "F1": "=A1*3+B1", "F2": "=A2*3+B2", "F3": "=A3*3+B3", "F4": "=A1*A2", "F5": "=B3-A3",
    "G1": "=A1+1", "G2": "=A2*2", "G3": "=B1", "G4": "=B2+3", "G5": "=A3-B3",
    "H1": 1.5, "H2": 2.5,
    "K1": "=A1*2+B1", "L1": "=A2+B2", "M1": "=A3*B3",
    "K2": "=A1", "L2": "=A2+1", "M2": "=B3", "K3": "=B1", "L3": "=B2*B2", "M3": "=A3+2",
}
PLAIN = {
    "P1": "=LINEST(F1:F5,G1:G5)",                             # the slope
    "P2": "=INDEX(LINEST(F1:F5,G1:G5),1,2)",                  # the intercept
    "P3": "=INDEX(LINEST(F1:F5,G1:G5,TRUE,TRUE),3,1)",        # r2
    "P4": "=INDEX(LINEST(F1:F5,G1:G5,TRUE,TRUE),5,2)",        # ss_resid
    "P5": "=TREND(F1:F5,G1:G5,2.5)+1",
    "P6": "=INDEX(LINEST(F1:F5,G1:G5),2)",                    # one row: the 2nd column
    "P7": "=SUM(LINEST(F1:F5,G1:G5))",                        # the whole row: numpy
}
ARRAYS = {
    "R1": ("R1", "=TREND(K1:M1,K2:M3,2.5)"),         # new x does not fit (k = 2): #REF!
    "S1": ("S1:T5", "=LOGEST(F1:F5,G1:G5,TRUE,TRUE)"),
    "S6": ("S6:S10", "=GROWTH(F1:F5,G1:G5)"),
    "T6": ("T6:T7", "=GROWTH(F1:F5,G1:G5,H1:H2)"),
    "U1": ("U1:U5", "=TREND(F1:F5,G1:G5^{1,2})"),    # at the known x, two variables
    "V1": ("V1:X1", "=LINEST(K1:M1,K2:M3)"),         # rows: each row of x a variable
}
OUTPUTS = [*(p for p in PLAIN if p != "P7"), "R1", "S1", "T1", "S2", "T2", "S3", "T3", "S4", "T4", "S5", "T5", "S6",
           "S8", "S10", "T6", "T7", "U1", "U3", "U5", "V1", "W1", "X1"]


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def _calls(source: str) -> dict[str, int]:
    return {name: len(re.findall(rf"\b{name}\(", source))
            for name in ("fit_table", "fit_points", "fit_at")}


def test_one_fit_per_formula(tmp_path):
    """A 5x3 LINEST table and a 12-point TREND: two fits in the kernel, the other 14 + 11
    cells read their element (before, each of the 27 cells refitted)."""
    cells = {f"A{r}": float(r) for r in range(4, 13)}
    cells.update({f"F{r}": f"=A{r}*2+B1" for r in range(1, 13)})
    model = workbook(tmp_path, {"J1": ("J1:L5", "=LINEST(F1:F12,A1:A12^{1,2},TRUE,TRUE)"),
                                "N1": ("N1:N12", "=TREND(F1:F12,A1:A12)")}, cells)
    outs = [f"Sheet1!{c}{r}" for c in "JKL" for r in range(1, 6)] + \
        [f"Sheet1!N{r}" for r in range(1, 13)]
    job = job_for(model, INPUTS, outs, trials=10)
    samplers, mode = samplers_for(job, False)
    plan = generate(job.program, samplers, mode)
    assert not plan.rest
    assert _calls(plan.source) == {"fit_table": 1, "fit_points": 1, "fit_at": 14 + 11}


def test_fits_match_numpy(backend, tmp_path):
    """Plain LINEST/TREND cells and INDEX into fits; LOGEST's table and GROWTH (#NUM! where
    a y <= 0); TREND at the known x; a TREND whose new x does not fit: #REF! in every trial;
    all equal to numpy's (1e-12, error codes identical)."""
    cells = {**CELLS, **PLAIN}
    model, got, _ = check(backend, tmp_path, ARRAYS, OUTPUTS, cells)
    errs = got[1]
    assert (errs[model.ref("Sheet1!R1")] == 4).all()          # #REF!
    s1 = errs[model.ref("Sheet1!S1")]
    assert (s1 == 6).any() and (s1 == 0).any()                # #NUM! where F4 <= 0
    assert (errs[model.ref("Sheet1!T5")] == s1).all()         # one fit, one failure
    assert (errs[model.ref("Sheet1!P3")] == 0).all()


def test_fused_report_names_no_fit(tmp_path):
    """Every cell of the workbook above is fused (before: "function LINEST is not in the
    fused subset", "TREND with new x of a size that does not fit"), except a SUM of a
    whole LINEST, left to numpy."""
    model = workbook(tmp_path, ARRAYS, {**CELLS, **PLAIN})
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in [*OUTPUTS, "P7"]], trials=10)
    assert fused_report(job) == {"Sheet1!P7": "LINEST inside an expression (its array result)"}


def test_cuda_twins_of_the_fits(tmp_path, monkeypatch):
    """The CUDA kernel of the fits above (cupy/_rt.py's fit_table/fit_points: Householder
    QR, numpy uses LAPACK's SVD), compiled for the host by a C++ compiler, gives numpy's
    numbers (1e-12, error codes identical); nvcc compiles it where there is one."""
    import shutil

    from engine.backends.cupy import _codegen as cuda_codegen
    from tests.test_backend_cupy import NVCC, HostCudaBackend, _nvcc_ptx, host_equals_numpy

    model = workbook(tmp_path, ARRAYS, {**CELLS, **PLAIN})
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in OUTPUTS], trials=600)
    # a fit is not translated by default (the twins are 1e-11 off numpy on ill-conditioned
    # fits): the program runs on the CPU; the twins themselves are checked here
    with pytest.raises(cuda_codegen.NotTranslatable):
        HostCudaBackend.source_of(job)
    for name, target in cuda_codegen.FIT_CALLS.items():
        monkeypatch.setitem(cuda_codegen.CALLS, name, target)
    source = HostCudaBackend.source_of(job)
    assert "fit_table(" in source and "fit_points(" in source
    host_equals_numpy(job, tmp_path, 600)
    if NVCC is not None and shutil.which("nvcc"):
        _nvcc_ptx(source, tmp_path, "fits")
