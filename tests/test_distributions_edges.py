"""Edge cases of the distribution library, the same in the numpy reference and the kernels.

* A truncation from below maps the largest uniform, 1 - 2**-53, to ``F(lo) + u (1 - F(lo))``,
  which rounds to 1.0 for ``F(lo) = 0.5``: the inverse CDF of an unbounded kind is then
  infinite.  A truncation to a far lower tail maps the smallest uniform to ``u F(hi)``, which
  underflows to 0.0 (minus infinity).  The mapped uniform is clipped to
  [smallest positive double, 1 - 2**-53] in numpy, in numba's runtime and in the CUDA one.
* geometric(p=1) (RiskGeomet(1): failures before the first success) is 0, not scipy's -1.
"""

from __future__ import annotations

import ctypes
import math
import shutil
import subprocess

import numpy as np
import pytest

from engine.distributions import make_distribution
from engine.distributions.properties import adjust

U_MAX = 1.0 - 2.0 ** -53          # the largest uniform engine.sampling draws
U_MIN = 2.0 ** -54                # the smallest


def truncated(kind: str, params: dict, **truncate: float):
    return adjust(make_distribution(kind, params, "S!A1"), "S!A1", truncate=truncate)


# (distribution, uniform, where the sample must lie)
EDGES = [
    (truncated("normal", {"mean": 10.0, "sd": 2.0}, min=10.0), U_MAX, (10.0, 10.0 + 2 * 8.3)),
    (truncated("exponential", {"beta": 1.0}, min=1.0), U_MAX, (1.0, 40.0)),
    (truncated("logistic", {"alpha": 0.0, "beta": 1.0}, min=0.0), U_MAX, (0.0, 40.0)),
    (truncated("gamma", {"alpha": 2.0, "beta": 1.0}, min=1.6783469900166608), U_MAX,
     (1.67, 60.0)),                                   # F(lo) = 0.5: the median
    (truncated("normal", {"mean": 0.0, "sd": 1.0}, max=-37.6), U_MIN, (-38.5, -37.6)),
]


@pytest.mark.parametrize(("dist", "u", "bounds"), EDGES,
                         ids=["normal-min", "exponential-min", "logistic-min", "gamma-min",
                              "normal-far-max"])
def test_a_truncated_uniform_never_reaches_the_ends(dist, u, bounds):
    x = float(dist.ppf(np.array([u]))[0])
    assert math.isfinite(x), dist.describe()
    assert bounds[0] <= x <= bounds[1]


@pytest.mark.parametrize(("dist", "u", "bounds"), EDGES,
                         ids=["normal-min", "exponential-min", "logistic-min", "gamma-min",
                              "normal-far-max"])
def test_numba_runtime_draws_the_same_edge_sample(dist, u, bounds):
    pytest.importorskip("numba")
    from engine.backends.numba._samplers import OUTSIDE, _runtime_ppf, sampler_for

    s = sampler_for(dist)
    assert s is not OUTSIDE, dist.describe()        # drawn in the kernel
    got, want = _runtime_ppf(s, np.array([u])), dist.ppf(np.array([u]))
    assert np.isfinite(got).all()
    if s.exact:
        np.testing.assert_array_equal(got, want)
    else:   # numpy's SIMD log1p/exp and libm's: the last bit
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)


CXX = shutil.which("g++") or shutil.which("c++")


@pytest.fixture(scope="module")
def cuda_ppf_closed(tmp_path_factory):
    """The CUDA runtime's ppf_closed compiled for the host (as tests/test_backend_cupy does
    with whole kernels)."""
    if CXX is None:
        pytest.skip("no C++ compiler")
    from engine.backends.cupy._rt import RUNTIME

    tmp = tmp_path_factory.mktemp("cuda-ppf")
    src = ("typedef double real;\n" + RUNTIME + '\nextern "C" double closed(double u, double k, '
           "double a, double b, double c, double plo, double phi, double s) "
           "{ return ppf_closed(u, k, a, b, c, plo, phi, s); }\n")
    (tmp / "rt.cu").write_text(src)
    res = subprocess.run([CXX, "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-x", "c++",
                          "-DMC_HOST", "-o", str(tmp / "rt.so"), str(tmp / "rt.cu")],
                         capture_output=True, text=True, timeout=300)
    if res.returncode:
        raise RuntimeError(res.stderr[-3000:])
    fn = ctypes.CDLL(str(tmp / "rt.so")).closed
    fn.argtypes = [ctypes.c_double] * 8
    fn.restype = ctypes.c_double
    return fn


@pytest.mark.parametrize("which", [0, 1, 2, 4])
def test_cuda_runtime_clips_as_numpy(cuda_ppf_closed, which):
    pytest.importorskip("numba")
    from engine.backends.numba._samplers import sampler_for

    dist, u, _ = EDGES[which]
    s = sampler_for(dist)
    assert s.ppf == "ppf_closed"
    got = cuda_ppf_closed(u, *s.params)
    want = float(dist.ppf(np.array([u]))[0])
    assert math.isfinite(got)
    assert got == pytest.approx(want, rel=1e-12)   # libm's log1p/exp against numpy's


# ----------------------------------------------------------------- geometric(p = 1)
U = np.array([U_MIN, 0.25, 0.5, 0.999, U_MAX])


def test_geometric_with_certain_success_has_no_failures():
    g = make_distribution("geometric", {"p": 1.0}, "S!A1")
    assert g.ppf(U).tolist() == [0.0] * 5
    assert (g.mean, g.variance, g.nominal) == (0.0, 0.0, 0.0)
    assert g.cdf(np.array([-1.0, 0.0, 3.0])).tolist() == [0.0, 1.0, 1.0]
    k, pmf = g.support()
    assert k.tolist() == [0.0] and pmf.tolist() == [1.0]
    shifted = adjust(g, "S!A1", shift=2.0)
    assert shifted.ppf(U).tolist() == [2.0] * 5
    # p < 1 unchanged: failures before the first success of probability 1/2
    half = make_distribution("geometric", {"p": 0.5}, "S!A1")
    assert half.ppf(np.array([0.4, 0.6, 0.8])).tolist() == [0.0, 1.0, 2.0]


def test_geometric_with_certain_success_per_trial():
    """RiskGeomet(B1) with B1 varying per trial: trials where p = 1 give 0."""
    from engine.functions.addin_sample import sample

    got, bad = sample("geometric", {"p": np.array([1.0, 0.5, 1.0, 0.5])}, {}, {},
                      np.array([0.9, 0.9, 0.1, 0.6]))
    assert got.tolist() == [0.0, 3.0, 0.0, 1.0] and not bad.any()


def test_geometric_with_certain_success_in_the_kernels(cuda_ppf_closed):
    pytest.importorskip("numba")
    from engine.backends.numba._samplers import OUTSIDE, _runtime_ppf, sampler_for

    for dist, value in ((make_distribution("geometric", {"p": 1.0}, "S!A1"), 0.0),
                        (adjust(make_distribution("geometric", {"p": 1.0}, "S!A1"), "S!A1",
                                truncate={"pmin": 0.3}, shift=-1.0), -1.0)):
        s = sampler_for(dist, exact=True)
        assert s is not OUTSIDE
        want = dist.ppf(U)
        assert want.tolist() == [value] * len(U)
        np.testing.assert_array_equal(_runtime_ppf(s, U), want)
        assert [cuda_ppf_closed(float(u), *s.params) for u in U] == want.tolist()
