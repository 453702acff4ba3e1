"""Statistical distribution functions inside the fused numba kernel, against numpy.

GAMMA.INV / BETA.INV / T.INV / BINOM.INV of RAND() (how risk workbooks sample), the CDFs and
densities with a cumulative flag that varies per trial, every pre-2010 name, arguments that
leave the domain in part of the trials (#NUM!, #DIV/0!), text and logical arguments and flags
(#VALUE!), empty optional arguments, an argument error that must win over a domain error.
Values to 1e-12 relative and identical error codes (tests.test_backend_numba.assert_same).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 2_000

# A1 a probability crossing 0 and 1, A2 a shape / degrees of freedom (truncated to 0 below 1),
# A3 an x crossing 0, A4 a count, A5 a flag (A5>1) and TDIST's tails (truncated: 0, 1 or 2)
INPUTS = [("A1", -0.2, 0.5, 1.2), ("A2", 0.5, 3.0, 8.0), ("A3", -0.5, 2.0, 5.0),
          ("A4", 0.0, 10.0, 30.0), ("A5", -1.0, 1.0, 3.0)]
CONSTANTS = {"C1": "2.5", "C2": True, "C3": "abc", "C5": 0.3}   # C4 is blank

FORMULAS = [
    # the inverses risk models sample with
    "=GAMMA.INV(A1,A2,1.5)", "=GAMMAINV(RAND(),A2,2)", "=GAMMA.INV(RAND(),0.7,A4)",
    "=BETA.INV(A1,A2,A3,1,2)", "=BETAINV(RAND(),A2,3,A3,A4)", "=BETA.INV(A1,A2,2,,)",
    "=T.INV(A1,A2)", "=T.INV.2T(A1,A2)", "=TINV(RAND(),A2)",
    "=BINOM.INV(A4,A1,RAND())", "=CRITBINOM(20,0.3,A1)", "=BINOM.INV(A4,0.4,A1)",
    "=CHISQ.INV(A1,A2)", "=CHISQ.INV.RT(A1,A2)", "=CHIINV(RAND(),A4)",
    "=F.INV(A1,A2,A4)", "=F.INV.RT(A1,A2,A4)", "=FINV(RAND(),3,A4)",
    # CDFs and densities, the flag varying per trial
    "=GAMMA.DIST(A3,A2,1.5,A5>1)", "=GAMMADIST(A3,A2,2,FALSE)", "=GAMMA.DIST(A3,A2,1,\"TRUE\")",
    "=BETA.DIST(A3/5,A2,2,A5>1)", "=BETA.DIST(A3,A2,2,TRUE,-1,3)", "=BETADIST(A1,A2,C1)",
    "=T.DIST(A3,A2-0.5,A5>1)", "=T.DIST.2T(A3,A2)", "=T.DIST.RT(A3,A2)", "=TDIST(A3,A2,A5)",
    "=CHISQ.DIST(A3,A2,A5>1)", "=CHISQ.DIST.RT(A3,A2)", "=CHIDIST(A3,A2)",
    "=F.DIST(A3,A2,A4,A5>1)", "=F.DIST.RT(A3,A2,A4)", "=FDIST(A3,A2,A4)",
    "=BINOM.DIST(A3*2,A4,A1,A5>1)", "=BINOMDIST(3,A4,A1,C2)", "=BINOM.DIST(A3,12,C5,A5)",
    "=BINOM.DIST.RANGE(A4,A1,A3)", "=BINOM.DIST.RANGE(A4,A1,A3,A3*3)",
    "=POISSON.DIST(A3*2,A2,A5>1)", "=POISSON(A3,A2,C2)",
    "=EXPON.DIST(A3,A2-1,A5>1)", "=EXPONDIST(A3,A2,TRUE)",
    "=WEIBULL.DIST(A3,A2-1,A4/10,A5>1)", "=WEIBULL(A3,A2,2,FALSE)",
    "=NEGBINOM.DIST(A3*2,A2,A1,A5>1)", "=NEGBINOMDIST(A3*2,A2,A1)",
    "=HYPGEOM.DIST(A3,5,A4,30,FALSE)", "=HYPGEOMDIST(A3*2,A2*2,A4,30)",
    "=HYPGEOM.DIST(A3*2,A2*3,A4,40,A5>1)", "=HYPGEOM.DIST(A4*20,A4*40,A4*70,3000,TRUE)",
    "=CONFIDENCE.NORM(A1,A2,A4)", "=CONFIDENCE(A1,A2-1,A3)", "=CONFIDENCE.T(A1,A2,A3)",
    "=GAMMA(A3)", "=GAMMALN(A3)", "=GAMMALN.PRECISE(A2)",
    "=PHI(A3)", "=GAUSS(A3)", "=FISHER(A1*2-1)", "=FISHERINV(A3)",
    "=ERF(A3)", "=ERF(A3,A2)", "=ERF.PRECISE(A3)", "=ERFC(A3)", "=ERFC.PRECISE(A3)",
    "=ERF(C1)",
    # argument errors first (the leftmost), text and logical arguments
    "=GAMMA.INV(A1,LN(A3),1)", "=T.INV(C3,A2)", "=CHISQ.DIST(A3,A2,C3)", "=ERF(C2)",
    "=POISSON.DIST(C4,A2,TRUE)", "=EXPON.DIST(A3,C1,A5)", "=GAMMA.DIST(A3,A2,1,C4)",
    # an argument whose kind varies per trial: numeric text, other text (#VALUE!), a number
    "=GAMMA.INV(A1,IF(A5>2,\"2\",IF(A5>1,\"x\",A2)),1)",
    "=T.DIST(A3,A2,IF(A5>2,\"TRUE\",IF(A5>1,\"no\",A5>0)))",
]


def _model(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for cell, _, mode, _ in INPUTS:
        ws[cell] = mode
    for cell, v in CONSTANTS.items():
        ws[cell] = v
    for r, f in enumerate(FORMULAS, start=1):
        ws[f"B{r}"] = f
    wb.save(path)
    return Model.open(path)


def test_distributions_fused_and_equal_to_numpy(tmp_path):
    model = _model(tmp_path / "dist.xlsx")
    inputs = [tri(f"Sheet1!{c}", lo, mode, hi) for c, lo, mode, hi in INPUTS]
    outs = [f"Sheet1!B{r}" for r in range(1, len(FORMULAS) + 1)]
    job = job_for(model, inputs, outs, trials=TRIALS)
    assert fused_report(job) == {}   # before: "function GAMMA.INV is not in the fused subset"
    got, want = numba_and_numpy(job, tmp_path / "kernels", 700, TRIALS)
    errs = {f: want[1][model.ref(o)] for f, o in zip(FORMULAS, outs, strict=True)}
    assert (errs["=GAMMA.INV(A1,A2,1.5)"] == 6).any()             # p outside [0, 1]: #NUM!
    assert (errs["=GAMMA.INV(A1,A2,1.5)"] == 0).mean() > 0.5
    assert (errs["=T.DIST(A3,A2-0.5,A5>1)"] == 2).any()           # df 0, density: #DIV/0!
    assert (errs["=CONFIDENCE.T(A1,A2,A3)"] == 2).any()           # size 1: #DIV/0!
    assert (errs["=T.INV(C3,A2)"] == 3).all()                      # "abc": #VALUE!
    assert (errs["=ERF(C2)"] == 3).all()                           # a logical in ERF
    kinds = errs["=GAMMA.INV(A1,IF(A5>2,\"2\",IF(A5>1,\"x\",A2)),1)"]
    assert (kinds == 3).any() and (kinds == 0).any()
    lnerr = errs["=GAMMA.INV(A1,LN(A3),1)"]
    assert (lnerr == 6).any() and (lnerr == 0).any()
    b10 = model.ref("Sheet1!B10")                                   # BINOM.INV of RAND()
    v = got[0][b10][got[1][b10] == 0]
    assert v.size > 1000 and np.array_equal(v, np.trunc(v)) and v.min() >= 0.0


def test_hypgeom_cdf_is_scipys():
    """HYPGEOM.DIST's CDF (scipy.stats.hypergeom.cdf, boost's) from the masses relative to
    the mode: 1e-12 relative in both tails up to populations of 3,000 (the reference's own
    log-gamma mass would be 1e-11 off there)."""
    from scipy.stats import hypergeom

    from engine.backends.numba._rt_dist import d_hypgeom

    rng = np.random.default_rng(2)
    pop = np.trunc(np.exp(rng.uniform(0.0, np.log(3000.0), 4000))) + 1.0
    succ = np.minimum(np.trunc(rng.random(pop.size) * pop) + 1.0, pop)
    draws = np.minimum(np.trunc(rng.random(pop.size) * pop) + 1.0, pop)
    lo, hi = np.maximum(0.0, draws - pop + succ), np.minimum(draws, succ)
    s = np.minimum(np.trunc(lo + rng.random(pop.size) * (hi - lo + 1.0)), hi)
    want = hypergeom.cdf(s, pop, succ, draws)
    got = np.array([d_hypgeom(*v, 1.0) for v in zip(s, draws, succ, pop, strict=True)])
    ok = want > 1e-280
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12, atol=0.0)


def test_binom_inv_is_the_smallest_count_reaching_alpha():
    """BINOM.INV's bisection over scipy's bdtr lands where numpy's CDF table search does
    (constant n and p) and where its guarded binom.ppf does (n and p per trial)."""
    from scipy import special as sc

    from engine.backends.numba._rt_dist import d_binom_inv
    from engine.functions.distributions import _binom_inv

    rng = np.random.default_rng(5)
    alpha = np.concatenate([rng.random(3000), [0.0, 1.0, 1e-300, 1.0 - 2.0 ** -53]])
    for n, p in ((50.0, 0.3), (1.0, 0.5), (0.0, 0.2), (400.0, 0.01), (30.0, 0.0), (30.0, 1.0)):
        want, _ = _binom_inv(np.array([n]), np.array([p]), alpha)
        got = np.array([d_binom_inv(n, p, a) for a in alpha])
        assert np.array_equal(got, want), (n, p)
    n = np.trunc(rng.uniform(0.0, 200.0, 3000))
    p = rng.random(3000)
    a = rng.random(3000)
    want, _ = _binom_inv(n, p, a)
    got = np.array([d_binom_inv(x, y, z) for x, y, z in zip(n, p, a, strict=True)])
    assert np.array_equal(got, want)
    assert sc.bdtr(got - 1, n.astype(np.int64), p)[got > 0].max() < 1.0
