"""CUDA twins of the numba kernel's distribution helpers (engine/backends/cupy/_rt_dist.py),
built for the host by the C++ compiler as the other cupy tests build kernels.

The incomplete gamma and beta functions and their inverses are written there (the GPU has
no scipy): they are checked against scipy (1e-12 relative) over the parameters models use;
where scipy is the one off (its asymptotic branches, checked with mpmath) the points are not
compared.  Then a workbook of every distribution function (GAMMA.INV/BETA.INV/T.INV/
BINOM.INV of RAND(), the CDFs and densities with a flag varying per trial, CHISQ.*, F.*,
POISSON, EXPON, WEIBULL, ERF, CONFIDENCE.*, ...) translates into one kernel whose host build
equals numpy (before: "function d_gamma_inv" did not translate and the cupy backend ran it
on the CPU).
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
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import (  # noqa: E402
    CXX,
    NVCC,
    HostCudaBackend,
    _nvcc_ptx,
    host_equals_numpy,
)
from tests.test_backend_numba import job_for, tri  # noqa: E402

_ARITY = {"mc_igam": 2, "mc_igamc": 2, "mc_igami": 2, "mc_igamci": 2, "mc_betainc": 3,
          "mc_betaincinv": 3, "mc_stdtr": 2, "mc_stdtrit": 2, "mc_fdtr": 3, "mc_fdtrc": 3,
          "mc_fdtri": 3, "mc_bdtr": 3}
_WRAP = "".join(
    f'extern "C" void w_{name}({", ".join(f"const double *a{j}" for j in range(k))}, double *o, '
    f"long long n) {{ for (long long i = 0; i < n; ++i) "
    f"o[i] = {name}({', '.join(f'a{j}[i]' for j in range(k))}); }}\n"
    for name, k in _ARITY.items())


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

    def call(name: str, *args: np.ndarray) -> np.ndarray:
        shape = np.broadcast(*args).shape
        xs = [np.ascontiguousarray(np.broadcast_to(v, shape), dtype=np.float64) for v in args]
        out = np.empty(shape)
        getattr(lib, f"w_{name}")(*(v.ctypes.data_as(ctypes.c_void_p) for v in (*xs, out)),
                                  ctypes.c_longlong(out.size))
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


def test_incomplete_beta_family_equals_scipy(twins):
    """betainc/betaincinv (BETA.*), stdtr/stdtrit (T.*), fdtr/fdtrc/fdtri (F.*), bdtr
    (BINOM.*) over shapes 0.1 .. 200, degrees of freedom 1 .. 500, counts 1 .. 500 and
    probabilities 1e-15 .. 1 - 1e-12.  Left out, where scipy is the one off (checked with
    mpmath): stdtrit within 0.01 of 1/2 (scipy up to 2e-10 from the exact quantile, ours
    2e-15), bdtr of counts over 1,000 (scipy 2e-12), betaincinv below 1e-16 (boost returns
    NaN for shapes near 1, and 2**-56 where the quantile is ~1e-17)."""
    rng = np.random.default_rng(9)
    n = 40_000
    a = np.exp(rng.uniform(np.log(0.1), np.log(200.0), n))
    b = np.exp(rng.uniform(np.log(0.1), np.log(200.0), n))
    x = rng.random(n)
    p = np.concatenate([rng.random(n // 2), np.exp(-rng.uniform(0.0, 36.0, n // 4)),
                        1.0 - np.exp(-rng.uniform(1.0, 27.0, n // 4))])
    _close(twins("mc_betainc", a, b, x), special.betainc(a, b, x), 1e-100)
    _close(twins("mc_betaincinv", a, b, p), special.betaincinv(a, b, p))
    df = np.trunc(np.exp(rng.uniform(0.0, np.log(500.0), n)))
    t = rng.standard_t(3, n) * 3.0
    _close(twins("mc_stdtr", df, t), special.stdtr(df, t))
    pt = np.where(np.abs(p - 0.5) < 0.01, 0.3, p)
    _close(twins("mc_stdtrit", df, pt), special.stdtrit(df, pt))
    d1 = np.trunc(np.exp(rng.uniform(0.0, np.log(300.0), n)))
    f = np.exp(rng.normal(0.0, 1.5, n))
    _close(twins("mc_fdtr", d1, df, f), special.fdtr(d1, df, f))
    _close(twins("mc_fdtrc", d1, df, f), special.fdtrc(d1, df, f))
    _close(twins("mc_fdtri", d1, df, p), special.fdtri(d1, df, p))
    m = np.trunc(np.exp(rng.uniform(0.0, np.log(500.0), n)))
    k = np.trunc(rng.random(n) * (m + 1.0))
    _close(twins("mc_bdtr", k, m, x), special.bdtr(k, m.astype(np.int64), x), 1e-100)


# ----------------------------------------------------------------- a kernel
FORMULAS = [
    "=GAMMA.INV(RAND(),A2,1.5)", "=GAMMAINV(A1,A2,A4)", "=CHISQ.INV(A1,A4)",
    "=CHISQ.INV.RT(A1,A2)", "=CHIINV(RAND(),A4)",
    "=GAMMA.DIST(A3,A2,1.5,A5>1)", "=CHISQ.DIST(A3,A2,A5>1)", "=CHISQ.DIST.RT(A3*3,A2)",
    "=POISSON.DIST(A3*2,A2,A5>1)", "=POISSON(A4,A2*3,TRUE)",
    "=EXPON.DIST(A3,A2-1,A5>1)", "=WEIBULL.DIST(A3,A2-1,A4/10,A5>1)",
    "=HYPGEOMDIST(A3*2,A2*2,A4,30)", "=CONFIDENCE.NORM(A1,A2,A4)",
    "=HYPGEOM.DIST(A3*2,A2*3,A4,40,A5>1)", "=HYPGEOM.DIST(A4*20,A4*40,A4*70,3000,TRUE)",
    "=GAMMA(A3)", "=GAMMALN(A3)", "=PHI(A3)", "=GAUSS(A3)", "=FISHER(A1*2-1)",
    "=FISHERINV(A3)", "=ERF(A3,A2)", "=ERFC.PRECISE(A3)", "=ERF(C2)",
    # the incomplete beta family
    "=BETA.INV(RAND(),A2,3,A3,A4)", "=BETAINV(A1,A2,A3,1,2)", "=BETA.DIST(A3/5,A2,2,A5>1)",
    "=BETADIST(A1,A2,2.5)", "=T.INV(A1,A2)", "=TINV(RAND(),A4)", "=T.DIST(A3,A2-0.5,A5>1)",
    "=T.DIST.2T(A3,A2)", "=T.DIST.RT(A3-2,A4)", "=TDIST(A3,A2,A5)",
    "=F.DIST(A3,A2,A4,A5>1)", "=F.DIST.RT(A3,A2,A4)", "=F.INV(A1,A2,A4)", "=FINV(RAND(),3,A4)",
    "=BINOM.DIST(A3*2,A4,A1,A5>1)", "=BINOM.INV(A4,A1,RAND())", "=CRITBINOM(20,0.3,A1)",
    "=BINOM.DIST.RANGE(A4,A1,A3,A3*3)", "=NEGBINOM.DIST(A3*2,A2,A1,A5>1)",
    "=CONFIDENCE.T(A1,A2,A3)",
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


def test_host_build_equals_numpy(tmp_path):
    job = _job(tmp_path, 2_000)
    source = HostCudaBackend.source_of(job)
    for name in ("d_gamma_inv(", "mc_igam_solve", "d_beta_inv(", "d_t_inv(", "d_binom_inv("):
        assert name in source, name
    host_equals_numpy(job, tmp_path, 2_000)


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_kernel(tmp_path):
    _nvcc_ptx(HostCudaBackend.source_of(_job(tmp_path, 10)), tmp_path, "dist")
