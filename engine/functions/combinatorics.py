"""Counting and discrete distributions: PERMUT, PERMUTATIONA, HYPGEOM.DIST (HYPGEOMDIST),
NEGBINOM.DIST (NEGBINOMDIST), BINOM.DIST.RANGE, and SQRTPI.

Arguments are numbers coerced as Excel does and truncated where Excel wants whole numbers;
out-of-domain values give #NUM!; a function maps over array arguments element by element.
"""

from __future__ import annotations

import numpy as np
from scipy import special as sc

from ..values import NUM
from .distributions import _count, _define
from .math import BOOL


def _lcomb(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return sc.gammaln(n + 1) - sc.gammaln(k + 1) - sc.gammaln(n - k + 1)


def _permut(n, k):
    n, k = np.trunc(n), np.trunc(k)
    bad = (n <= 0) | (k < 0) | (n < k)
    # n! / (n-k)! as a rising factorial (n-k+1)(n-k+2)...n, exact for whole numbers
    return sc.poch(np.where(bad, 1.0, n - k + 1), np.where(bad, 0.0, k)), [(bad, NUM)]


def _permutationa(n, k):
    n, k = np.trunc(n), np.trunc(k)
    bad = (n < 0) | (k < 0)
    return np.power(n, k), [(bad, NUM)]


def _hypgeom(s, n_s, p_s, n_p, cum):
    s, n_s, p_s, n_p = (np.trunc(v) for v in (s, n_s, p_s, n_p))
    bad = ((s < 0) | (s > n_s) | (s > p_s) | (n_s <= 0) | (n_s > n_p) | (p_s <= 0)
           | (p_s > n_p) | (n_p <= 0) | (s < n_s - n_p + p_s))
    s, n_s, p_s, n_p = (np.where(bad, 1.0, v) for v in (s, n_s, p_s, n_p))
    pmf = np.exp(_lcomb(p_s, s) + _lcomb(n_p - p_s, n_s - s) - _lcomb(n_p, n_s))
    if np.any(cum):
        from scipy.stats import hypergeom

        cdf = hypergeom.cdf(s, n_p, p_s, n_s)
        return np.where(cum, cdf, pmf), [(bad, NUM)]
    return pmf, [(bad, NUM)]


def _negbinom(f, s, p, cum):
    f, s = np.trunc(f), np.trunc(s)
    bad = (f < 0) | (s < 1) | (p <= 0) | (p >= 1)
    f, s, p = np.where(bad, 0.0, f), np.where(bad, 1.0, s), np.where(bad, 0.5, p)
    pmf = np.exp(_lcomb(f + s - 1, s - 1) + s * np.log(p) + f * np.log1p(-p))
    return np.where(cum, sc.betainc(s, f + 1, p), pmf), [(bad, NUM)]


def _binom_range(n, p, s1, s2):
    n, s1 = np.trunc(n), np.trunc(s1)
    s2 = np.where(np.isnan(s2), s1, np.trunc(s2))
    bad = (n < 0) | (p < 0) | (p > 1) | (s1 < 0) | (s1 > n) | (s2 < s1) | (s2 > n)
    n, p = np.where(bad, 1.0, n), np.where(bad, 0.5, p)
    s1, s2 = np.where(bad, 0.0, s1), np.where(bad, 0.0, s2)
    hi = sc.bdtr(s2, _count(n), p)
    lo = np.where(s1 > 0, sc.bdtr(np.maximum(s1 - 1, 0), _count(n), p), 0.0)
    return hi - lo, [(bad, NUM)]


_define(("PERMUT",), _permut, (None, None))
_define(("PERMUTATIONA",), _permutationa, (None, None))
_define(("HYPGEOM.DIST",), _hypgeom, (None, None, None, None, BOOL))
_define(("HYPGEOMDIST",), lambda s, ns, ps, npop: _hypgeom(s, ns, ps, npop, False),
        (None, None, None, None))
_define(("NEGBINOM.DIST",), _negbinom, (None, None, None, BOOL))
_define(("NEGBINOMDIST",), lambda f, s, p: _negbinom(f, s, p, False), (None, None, None))
_define(("BINOM.DIST.RANGE",), _binom_range, (None, None, None, float("nan")))
_define(("SQRTPI",), lambda x: (np.sqrt(x * np.pi), [(x < 0, NUM)]), (None,))
