"""BESSELI/J/K/Y in the numba kernel (engine/backends/numba/_bessel.py, _rt_bessel.py): the
reference's Numerical Recipes routines (engine/functions/_bessel_nr.py) for one trial, the
Analysis ToolPak argument rules (n truncated, n < 0 or x <= 0 for K/Y #NUM!, text #VALUE!);
the CUDA twins (engine/backends/cupy/_rt_bessel.py) where the order is bounded, else the
kernel runs on the CPU."""

from __future__ import annotations

import numpy as np

from engine.backends.numba import fused_report
from engine.functions import _bessel_nr as nr
from engine.values import NUM, VALUE
from tests.kernel_checks import sheet_job
from tests.test_backend_cupy import HostCudaBackend, host_equals_numpy
from tests.test_backend_numba import numba_and_numpy, tri

CELLS = {
    "B1": "=BESSELI(A1,0)", "B2": "=BESSELI(A1*2,1)", "B3": "=BESSELI(A1,2)",
    "B4": "=BESSELI(A1*3,5)", "B5": "=BESSELJ(A1,0)", "B6": "=BESSELJ(A1*3,1)",
    "B7": "=BESSELJ(A1*2,2)", "B8": "=BESSELJ(A1,5)", "B9": "=BESSELJ(A1,30.9)",
    "B10": "=BESSELK(A1,0)", "B11": "=BESSELK(A1/4,1)", "B12": "=BESSELK(A1,2.7)",
    "B13": "=BESSELK(ABS(A1)+0.1,5)", "B14": "=BESSELY(A1,0)", "B15": "=BESSELY(A1*3,1)",
    "B16": "=BESSELY(ABS(A1)+0.01,2)", "B17": "=BESSELY(ABS(A1)*5+0.1,5)",
    "B18": "=BESSELI(A1,-1)", "B19": "=BESSELJ(A1,\"abc\")", "B20": "=BESSELY(\"x\",1)",
    "B21": "=BESSELK(A1,-0.5)*B1+BESSELI(A1,\"2\")",
}
OUT = list(CELLS)


def _job(tmp_path):
    return sheet_job(tmp_path / "bessel.xlsx", CELLS, [tri("S!A1", -4.0, 1.0, 14.0)], OUT, 8)


def test_bessel_fused_equals_numpy(tmp_path):
    job = _job(tmp_path)
    assert fused_report(job) == {}
    (gv, ge, _), (wv, we, _) = numba_and_numpy(job, tmp_path / "k", 8, fused=True)
    cells = dict(zip(OUT, job.program.outputs, strict=True))
    for a, c in cells.items():
        np.testing.assert_array_equal(ge[c], we[c], err_msg=a)
        ok = we[c] == 0
        np.testing.assert_allclose(gv[c][ok], wv[c][ok], rtol=1e-13, atol=0, err_msg=a)
    # the draws cover both signs: K and Y of x <= 0 are #NUM! (BESSELK(x,-0.5) is order 0)
    assert (we[cells["B10"]] == NUM).any() and (we[cells["B10"]] == 0).any()
    assert (we[cells["B18"]] == NUM).all() and (we[cells["B19"]] == VALUE).all()
    assert (we[cells["B20"]] == VALUE).all() and (we[cells["B21"]] == we[cells["B10"]]).all()
    assert (we[cells["B9"]] == 0).all() and (we[cells["B4"]] == 0).all()


def test_bessel_runtime_agrees_with_reference():
    """One trial's runtime and the vectorised reference: within 2e-15 (numpy's SIMD exp/log
    differ from libm's in the last bit); J's values bit for bit; large orders by scipy."""
    from engine.backends.numba import _rt_bessel as rb

    xs = np.array([-9.5, -3.8, -0.7, 0.0, 0.3, 1.9, 2.0, 3.75, 7.9, 8.0, 12.5, 40.0])
    for name, ref in (("i", nr.besseli), ("j", nr.besselj), ("k", nr.besselk), ("y", nr.bessely)):
        fn = getattr(rb, "bs_bessel" + name)
        x = np.abs(xs) + 0.05 if name in "ky" else xs
        for n in (0.0, 1.0, 2.0, 5.0, 30.0, 12000.0):
            want = ref(np.full_like(x, n), x)
            got = np.array([fn(float(v), n) for v in x])
            fin = np.isfinite(want)
            np.testing.assert_array_equal(np.isfinite(got), fin, err_msg=f"{name} {n}")
            if name == "j":
                np.testing.assert_array_equal(got[fin], want[fin], err_msg=f"{name} {n}")
            np.testing.assert_allclose(got[fin], want[fin], rtol=2e-15, atol=0,
                                       err_msg=f"{name} {n}")


def test_bessel_cuda_host_equals_numpy(tmp_path):
    """Orders known to be small (literals) call the ``*_small`` runtime, which has CUDA twins."""
    job = _job(tmp_path)
    assert "bs_bessel" in HostCudaBackend.source_of(job)
    host_equals_numpy(job, tmp_path / "cuda", 8)


def test_bessel_of_an_unbounded_order_runs_on_the_cpu(tmp_path):
    """An order read from a drawn cell may pass MAX_STEPS (scipy's values, no GPU twin)."""
    job = sheet_job(tmp_path / "b.xlsx", {"B1": "=BESSELJ(A1,A2)"},
                    [tri("S!A1", -4.0, 1.0, 14.0), tri("S!A2", 0.0, 3.0, 20000.0)], ["B1"], 8)
    assert fused_report(job) == {}
    reason = HostCudaBackend(tmp_path / "cuda").cpu_reason(job)
    assert reason is not None and "bs_besselj" in reason
