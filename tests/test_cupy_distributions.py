"""CUDA twins of the numba kernel's distribution helpers (engine/backends/cupy/_rt_dist.py),
built for the host by the C++ compiler as the other cupy tests build kernels.

The incomplete gamma functions and their inverses are written there (the GPU has no scipy):
they are checked against scipy over shapes 0.05 .. 1000 and probabilities down to 1e-300
(1e-12 relative; where the regularized tail is below 1e-20 scipy's own asymptotic branch is
about 1e-12 from the exact value and ours closer, so it is not compared there).  Then a
workbook of GAMMA.INV(RAND()), GAMMA.DIST, CHISQ.*, POISSON.DIST, EXPON.DIST, WEIBULL.DIST,
ERF, PHI, GAUSS, FISHER, CONFIDENCE.NORM, HYPGEOM.DIST's mass, GAMMALN/GAMMA translates into
one kernel whose host build equals numpy (before: "function d_gamma_inv" did not translate
and the cupy backend ran it on the CPU).
"""

from __future__ import annotations

import ctypes
import subprocess

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from scipy import special  # noqa: E402

import engine.backends.cupy._codegen as codegen  # noqa: E402
from engine.backends.cupy._rt import RUNTIME  # noqa: E402
from engine.backends.cupy._rt_dist import DIST_RUNTIME  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import CXX, NVCC, HostCudaBackend, _nvcc_ptx  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

_WRAP = "".join(
    f'extern "C" void w_{name}(const double *a, const double *x, double *o, long long n) '
    f"{{ for (long long i = 0; i < n; ++i) o[i] = {name}(a[i], x[i]); }}\n"
    for name in ("mc_igam", "mc_igamc", "mc_igami", "mc_igamci"))


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    if CXX is None:
        pytest.skip("no C++ compiler")
    tmp = tmp_path_factory.mktemp("dist")
    cu, so = tmp / "dist.cc", tmp / "dist.so"
    cu.write_text("typedef double real;\n#define R(x) ((real)(x))\n" + RUNTIME + DIST_RUNTIME
                  + _WRAP)
    res = subprocess.run([CXX, "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-x", "c++",
                          "-DMC_HOST", "-o", str(so), str(cu)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    lib = ctypes.CDLL(str(so))

    def call(name: str, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        a, x = (np.ascontiguousarray(v, dtype=np.float64) for v in (a, x))
        out = np.empty_like(a)
        getattr(lib, f"w_{name}")(*(v.ctypes.data_as(ctypes.c_void_p) for v in (a, x, out)),
                                  ctypes.c_longlong(a.size))
        return out

    return call


_TINY = np.finfo(np.float64).tiny   # below it (subnormal) only a few digits are left


def _close(got: np.ndarray, want: np.ndarray, floor: float = 0.0) -> None:
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    sub = np.abs(want) < _TINY
    assert (np.abs(got[sub]) < _TINY).all()
    ok = np.isfinite(want) & (np.abs(want) > max(floor, _TINY))
    rel = np.abs(got[ok] - want[ok]) / np.abs(want[ok])
    assert rel.max(initial=0.0) <= 1e-12, (rel.max(), np.flatnonzero(rel > 1e-12)[:5])


def test_incomplete_gamma_equals_scipy(twins):
    rng = np.random.default_rng(11)
    a = np.exp(rng.uniform(np.log(0.05), np.log(1000.0), 100_000))
    x = a * np.exp(rng.uniform(-3.0, 3.0, a.size))
    a = np.concatenate([a, [0.5, 1.0, 2.0, 3.0, 1.0]])
    x = np.concatenate([x, [0.0, 0.0, 1e-300, 700.0, 1.0]])
    _close(twins("mc_igam", a, x), special.gammainc(a, x), 1e-20)
    _close(twins("mc_igamc", a, x), special.gammaincc(a, x), 1e-20)
    assert np.isnan(twins("mc_igam", np.array([-1.0, 1.0]), np.array([1.0, -1.0]))).all()


@pytest.mark.parametrize("lo, hi", [(1e-300, 1e-100), (1e-100, 1e-6), (1e-6, 1.0)])
def test_incomplete_gamma_inverses_equal_scipy(twins, lo, hi):
    """GAMMA.INV's and CHISQ.INV(.RT)'s inverses, both tails, from 1e-300 to 1 - 1e-16."""
    rng = np.random.default_rng(int(-np.log10(lo)))
    a = np.exp(rng.uniform(np.log(0.05), np.log(1000.0), 20_000))
    p = np.exp(rng.uniform(np.log(lo), np.log(hi), a.size))
    for q in (p, 1.0 - p):
        _close(twins("mc_igami", a, q), special.gammaincinv(a, q))
        _close(twins("mc_igamci", a, q), special.gammainccinv(a, q))
    edges = np.array([0.0, 1.0])   # 0 and infinity at the ends
    ones = np.ones(2)
    assert np.array_equal(twins("mc_igami", ones, edges), special.gammaincinv(ones, edges))
    assert np.array_equal(twins("mc_igamci", ones, edges), special.gammainccinv(ones, edges))


# ----------------------------------------------------------------- a kernel
FORMULAS = [
    "=GAMMA.INV(RAND(),A2,1.5)", "=GAMMAINV(A1,A2,A4)", "=CHISQ.INV(A1,A4)",
    "=CHISQ.INV.RT(A1,A2)", "=CHIINV(RAND(),A4)",
    "=GAMMA.DIST(A3,A2,1.5,A5>1)", "=CHISQ.DIST(A3,A2,A5>1)", "=CHISQ.DIST.RT(A3*3,A2)",
    "=POISSON.DIST(A3*2,A2,A5>1)", "=POISSON(A4,A2*3,TRUE)",
    "=EXPON.DIST(A3,A2-1,A5>1)", "=WEIBULL.DIST(A3,A2-1,A4/10,A5>1)",
    "=HYPGEOMDIST(A3*2,A2*2,A4,30)", "=CONFIDENCE.NORM(A1,A2,A4)",
    "=GAMMA(A3)", "=GAMMALN(A3)", "=PHI(A3)", "=GAUSS(A3)", "=FISHER(A1*2-1)",
    "=FISHERINV(A3)", "=ERF(A3,A2)", "=ERFC.PRECISE(A3)", "=ERF(C2)",
]
INPUTS = [("A1", -0.2, 0.5, 1.2), ("A2", 0.5, 3.0, 8.0), ("A3", -0.5, 2.0, 5.0),
          ("A4", 0.0, 10.0, 30.0), ("A5", -1.0, 1.0, 3.0)]


def _job(tmp_path, trials: int):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for cell, _, mode, _ in INPUTS:
        ws[cell] = mode
    ws["C2"] = True
    for r, f in enumerate(FORMULAS, start=1):
        ws[f"B{r}"] = f
    wb.save(tmp_path / "dist.xlsx")
    model = Model.open(tmp_path / "dist.xlsx")
    inputs = [tri(f"Sheet1!{c}", lo, mode, hi) for c, lo, mode, hi in INPUTS]
    return job_for(model, inputs, [f"Sheet1!B{r}" for r in range(1, len(FORMULAS) + 1)],
                   trials=trials)


def test_every_cell_translates(tmp_path):
    from engine.backends.numba._samplers import samplers_for

    job = _job(tmp_path, 10)
    samplers, mode = samplers_for(job)
    fused, good, reasons = codegen.translation_report(job.program, samplers, mode)
    assert reasons == {} and good == fused


@pytest.mark.skipif(CXX is None, reason="no C++ compiler")
def test_host_build_equals_numpy(tmp_path):
    job = _job(tmp_path, 2_000)
    host = HostCudaBackend(tmp_path)
    assert host.cpu_reason(job) is None
    source = HostCudaBackend.source_of(job)
    assert "d_gamma_inv(" in source and "mc_igam_solve" in source
    got, want = run(host, job, 2_000), run(NumpyBackend(), job, 2_000)
    assert_same(job, got, want)


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_kernel(tmp_path):
    _nvcc_ptx(HostCudaBackend.source_of(_job(tmp_path, 10)), tmp_path, "dist")
