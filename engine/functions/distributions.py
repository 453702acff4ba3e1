"""Excel's statistical distribution functions: NORM.*, LOGNORM.*, BETA.*, GAMMA.*, T.*,
CHISQ.*, F.*, BINOM.*, POISSON.DIST, EXPON.DIST, WEIBULL.DIST and friends, with their
pre-2010 names (NORMINV, BETAINV, CRITBINOM, ...).

These are how RAND()-driven workbooks sample (``NORM.INV(RAND(), m, s)``,
``BETA.INV(RAND(), a, b, lo, hi)``), so each is one vectorized ``scipy.special`` call over all
trials.  Excel semantics:

* arguments are coerced as Excel does (TRUE -> 1, "3" -> 3, other text -> #VALUE!); an empty
  argument (``NORM.DIST(x,,,)``) is 0 or FALSE, an omitted optional one its default; the
  ``cumulative`` flag takes numbers and "TRUE"/"FALSE";
* integer parameters (trials, successes, degrees of freedom) are truncated;
* out-of-domain arguments give #NUM! (a probability outside its range, a scale <= 0, ...);
  argument errors come first, the leftmost one's;
* a function of scalars maps over array arguments element by element.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import special as sc

from ..values import DIV0, NUM, Grid, Vec
from . import register, takes
from .math import BOOL, numeric

Arg = Vec | Grid | None
Checks = list[tuple[np.ndarray, int]]
Compute = Callable[..., tuple[np.ndarray, Checks]]
_SQRT2PI = np.sqrt(2.0 * np.pi)


def _define(names: Sequence[str], compute: Compute, signature: Sequence[float | str | None]
            ) -> None:
    """Register ``compute`` under ``names``.  ``signature`` gives each argument's default:
    None for a required number (an empty one is 0), a float for an optional one, BOOL for a
    cumulative flag (empty -> FALSE)."""
    defaults = [0.0 if d is None else d for d in signature]

    def fn(*args: Arg) -> Vec | Grid:
        return numeric(compute, args, defaults)

    fn.__name__ = names[0].lower().replace(".", "_")
    fn.__doc__ = f"Excel's {names[0]}."
    required = sum(d is None for d in signature)
    register(*names)(takes(required, len(signature))(fn))


def _prob_open(p: np.ndarray) -> np.ndarray:
    return (p <= 0) | (p >= 1)


def _safe(x: np.ndarray, bad: np.ndarray, fill: float = 0.5) -> np.ndarray:
    """``x`` with the trials flagged bad replaced, so that scipy sees valid input."""
    return np.where(bad, fill, x) if np.any(bad) else x


# ----------------------------------------------------------------- normal and lognormal
def _norm_inv(p: np.ndarray, m: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, Checks]:
    bad = _prob_open(p)
    return m + s * sc.ndtri(_safe(p, bad)), [(bad | (s <= 0), NUM)]


def _norm_dist(x, m, s, cum) -> tuple[np.ndarray, Checks]:
    z = (x - m) / np.where(s > 0, s, 1.0)
    pdf = np.exp(-0.5 * z * z) / (_SQRT2PI * s)
    return np.where(cum, sc.ndtr(z), pdf), [(s <= 0, NUM)]


def _lognorm_inv(p, m, s) -> tuple[np.ndarray, Checks]:
    bad = _prob_open(p)
    return np.exp(m + s * sc.ndtri(_safe(p, bad))), [(bad | (s <= 0), NUM)]


def _lognorm_dist(x, m, s, cum) -> tuple[np.ndarray, Checks]:
    bad = (x <= 0) | (s <= 0)
    lx = np.log(_safe(x, bad, 1.0))
    z = (lx - m) / _safe(s, bad, 1.0)
    pdf = np.exp(-0.5 * z * z) / (_SQRT2PI * s * x)
    return np.where(cum, sc.ndtr(z), pdf), [(bad, NUM)]


_define(("NORM.INV", "NORMINV"), _norm_inv, (None, None, None))
_define(("NORM.S.INV", "NORMSINV"), lambda p: _norm_inv(p, 0.0, 1.0), (None,))
_define(("NORM.DIST", "NORMDIST"), _norm_dist, (None, None, None, BOOL))
_define(("NORM.S.DIST",), lambda z, cum: _norm_dist(z, 0.0, 1.0, cum), (None, BOOL))
_define(("NORMSDIST",), lambda z: (sc.ndtr(z), []), (None,))
_define(("LOGNORM.INV", "LOGINV"), _lognorm_inv, (None, None, None))
_define(("LOGNORM.DIST",), _lognorm_dist, (None, None, None, BOOL))
_define(("LOGNORMDIST",), lambda x, m, s: _lognorm_dist(x, m, s, True), (None, None, None))
_define(("STANDARDIZE",), lambda x, m, s: ((x - m) / s, [(s <= 0, NUM)]), (None, None, None))
_define(("PHI",), lambda x: (np.exp(-0.5 * x * x) / _SQRT2PI, []), (None,))
_define(("GAUSS",), lambda z: (sc.ndtr(z) - 0.5, []), (None,))
_define(("FISHER",), lambda x: (np.arctanh(x), [((x <= -1) | (x >= 1), NUM)]), (None,))
_define(("FISHERINV",), lambda y: (np.tanh(y), []), (None,))


def _confidence_norm(alpha, sd, size) -> tuple[np.ndarray, Checks]:
    size = np.trunc(size)
    bad = _prob_open(alpha) | (sd <= 0) | (size < 1)
    return sc.ndtri(1 - _safe(alpha, bad) / 2) * sd / np.sqrt(_safe(size, bad, 1.0)), \
        [(bad, NUM)]


def _confidence_t(alpha, sd, size) -> tuple[np.ndarray, Checks]:
    size = np.trunc(size)
    bad = _prob_open(alpha) | (sd <= 0) | (size < 1)
    one = ~bad & (size == 1)
    df = _safe(size - 1, bad | one, 1.0)
    return sc.stdtrit(df, 1 - _safe(alpha, bad) / 2) * sd / np.sqrt(_safe(size, bad, 1.0)), \
        [(bad, NUM), (one, DIV0)]


_define(("CONFIDENCE.NORM", "CONFIDENCE"), _confidence_norm, (None, None, None))
_define(("CONFIDENCE.T",), _confidence_t, (None, None, None))


# ----------------------------------------------------------------- beta and gamma
def _beta_dist(x, a, b, cum, lo, hi) -> tuple[np.ndarray, Checks]:
    bad = (a <= 0) | (b <= 0) | (x < lo) | (x > hi) | (lo >= hi)
    width = _safe(hi - lo, bad, 1.0)
    y = _safe((x - lo) / width, bad)
    a, b = _safe(a, bad, 1.0), _safe(b, bad, 1.0)
    pdf = np.exp(sc.xlogy(a - 1, y) + sc.xlog1py(b - 1, -y) - sc.betaln(a, b)) / width
    return np.where(cum, sc.betainc(a, b, y), pdf), [(bad, NUM)]


def _beta_inv(p, a, b, lo, hi) -> tuple[np.ndarray, Checks]:
    bad = (p <= 0) | (p > 1) | (a <= 0) | (b <= 0) | (lo >= hi)
    q = sc.betaincinv(_safe(a, bad, 1.0), _safe(b, bad, 1.0), _safe(p, bad))
    return lo + (hi - lo) * q, [(bad, NUM)]


def _gamma_dist(x, a, b, cum) -> tuple[np.ndarray, Checks]:
    bad = (x < 0) | (a <= 0) | (b <= 0)
    a, b = _safe(a, bad, 1.0), _safe(b, bad, 1.0)
    y = _safe(x, bad) / b
    pdf = np.exp(sc.xlogy(a - 1, y) - y - sc.gammaln(a)) / b
    return np.where(cum, sc.gammainc(a, y), pdf), [(bad, NUM)]


def _gamma_inv(p, a, b) -> tuple[np.ndarray, Checks]:
    bad = (p < 0) | (p > 1) | (a <= 0) | (b <= 0)
    return _safe(b, bad, 1.0) * sc.gammaincinv(_safe(a, bad, 1.0), _safe(p, bad)), [(bad, NUM)]


def _gamma_fn(x) -> tuple[np.ndarray, Checks]:
    bad = (x <= 0) & (x == np.floor(x))
    return sc.gamma(_safe(x, bad, 1.0)), [(bad, NUM)]


_define(("BETA.DIST",), _beta_dist, (None, None, None, BOOL, 0.0, 1.0))
_define(("BETADIST",), lambda x, a, b, lo, hi: _beta_dist(x, a, b, True, lo, hi),
        (None, None, None, 0.0, 1.0))
_define(("BETA.INV", "BETAINV"), _beta_inv, (None, None, None, 0.0, 1.0))
_define(("GAMMA.DIST", "GAMMADIST"), _gamma_dist, (None, None, None, BOOL))
_define(("GAMMA.INV", "GAMMAINV"), _gamma_inv, (None, None, None))
_define(("GAMMALN", "GAMMALN.PRECISE"), lambda x: (sc.gammaln(x), [(x <= 0, NUM)]), (None,))
_define(("GAMMA",), _gamma_fn, (None,))


# ----------------------------------------------------------------- t, chi-squared, F
def _t_dist(x, df, cum) -> tuple[np.ndarray, Checks]:
    df = np.trunc(df)
    bad = df < 1
    d = _safe(df, bad, 1.0)
    pdf = np.exp(sc.gammaln((d + 1) / 2) - sc.gammaln(d / 2)
                 - (d + 1) / 2 * np.log1p(x * x / d)) / np.sqrt(d * np.pi)
    # the density divides by the degrees of freedom: Excel says #DIV/0! for 0 there
    return np.where(cum, sc.stdtr(d, x), pdf), [(bad & ~cum & (df == 0), DIV0), (bad, NUM)]


def _t_tail(x, df, tails, right_tail: bool = False) -> tuple[np.ndarray, Checks]:
    df = np.trunc(df)
    bad = (df < 1) | ((tails != 1) & (tails != 2))
    if not right_tail:  # T.DIST.RT takes any x; T.DIST.2T and TDIST only x >= 0
        bad = bad | (x < 0)
    return tails * sc.stdtr(_safe(df, bad, 1.0), -x), [(bad, NUM)]


def _t_inv(p, df, two_tailed: bool) -> tuple[np.ndarray, Checks]:
    df = np.trunc(df)
    bad = (p <= 0) | (p > 1) | (df < 1)
    p = _safe(p, bad)
    q = 1 - p / 2 if two_tailed else p
    return sc.stdtrit(_safe(df, bad, 1.0), q), [(bad, NUM)]


def _chisq_dist(x, df, cum) -> tuple[np.ndarray, Checks]:
    df = np.trunc(df)
    bad = (x < 0) | (df < 1) | (df > 1e10)
    k = _safe(df, bad, 1.0) / 2
    y = _safe(x, bad) / 2
    pdf = np.exp(sc.xlogy(k - 1, y) - y - sc.gammaln(k)) / 2
    return np.where(cum, sc.gammainc(k, y), pdf), [(bad, NUM)]


def _chisq_rt(x, df) -> tuple[np.ndarray, Checks]:
    df = np.trunc(df)
    bad = (x < 0) | (df < 1) | (df > 1e10)
    return sc.gammaincc(_safe(df, bad, 1.0) / 2, _safe(x, bad) / 2), [(bad, NUM)]


def _chisq_inv(p, df, right: bool) -> tuple[np.ndarray, Checks]:
    df = np.trunc(df)
    bad = (p < 0) | (p > 1) | (df < 1) | (df > 1e10)
    k, p = _safe(df, bad, 1.0) / 2, _safe(p, bad)
    return 2 * (sc.gammainccinv(k, p) if right else sc.gammaincinv(k, p)), [(bad, NUM)]


def _f_dist(x, d1, d2, cum) -> tuple[np.ndarray, Checks]:
    d1, d2 = np.trunc(d1), np.trunc(d2)
    bad = (x < 0) | (d1 < 1) | (d2 < 1)
    d1, d2, x = _safe(d1, bad, 1.0), _safe(d2, bad, 1.0), _safe(x, bad, 1.0)
    logpdf = (sc.xlogy(d1 / 2, d1) + sc.xlogy(d2 / 2, d2) + sc.xlogy(d1 / 2 - 1, x)
              - (d1 + d2) / 2 * np.log(d2 + d1 * x) - sc.betaln(d1 / 2, d2 / 2))
    return np.where(cum, sc.fdtr(d1, d2, x), np.exp(logpdf)), [(bad, NUM)]


def _f_rt(x, d1, d2) -> tuple[np.ndarray, Checks]:
    d1, d2 = np.trunc(d1), np.trunc(d2)
    bad = (x < 0) | (d1 < 1) | (d2 < 1)
    return sc.fdtrc(_safe(d1, bad, 1.0), _safe(d2, bad, 1.0), _safe(x, bad)), [(bad, NUM)]


def _f_inv(p, d1, d2, right: bool) -> tuple[np.ndarray, Checks]:
    d1, d2 = np.trunc(d1), np.trunc(d2)
    bad = (p < 0) | (p > 1) | (d1 < 1) | (d2 < 1)
    p = _safe(p, bad)
    return sc.fdtri(_safe(d1, bad, 1.0), _safe(d2, bad, 1.0), 1 - p if right else p), \
        [(bad, NUM)]


_define(("T.DIST",), _t_dist, (None, None, BOOL))
_define(("T.DIST.2T",), lambda x, df: _t_tail(x, df, 2.0), (None, None))
_define(("T.DIST.RT",), lambda x, df: _t_tail(x, df, 1.0, True), (None, None))
_define(("TDIST",), lambda x, df, tails: _t_tail(x, df, np.trunc(tails)), (None, None, None))
_define(("T.INV",), lambda p, df: _t_inv(p, df, False), (None, None))
_define(("T.INV.2T", "TINV"), lambda p, df: _t_inv(p, df, True), (None, None))
_define(("CHISQ.DIST",), _chisq_dist, (None, None, BOOL))
_define(("CHISQ.DIST.RT", "CHIDIST"), _chisq_rt, (None, None))
_define(("CHISQ.INV",), lambda p, df: _chisq_inv(p, df, False), (None, None))
_define(("CHISQ.INV.RT", "CHIINV"), lambda p, df: _chisq_inv(p, df, True), (None, None))
_define(("F.DIST",), _f_dist, (None, None, None, BOOL))
_define(("F.DIST.RT", "FDIST"), _f_rt, (None, None, None))
_define(("F.INV",), lambda p, d1, d2: _f_inv(p, d1, d2, False), (None, None, None))
_define(("F.INV.RT", "FINV"), lambda p, d1, d2: _f_inv(p, d1, d2, True), (None, None, None))


# ----------------------------------------------------------------- discrete and others
def _count(n: np.ndarray) -> np.ndarray:
    """A whole number of trials as scipy wants it (an integer array)."""
    return np.clip(n, 0, 2**62).astype(np.int64)


def _binom_pmf(k, n, p) -> np.ndarray:
    return np.exp(sc.gammaln(n + 1) - sc.gammaln(k + 1) - sc.gammaln(n - k + 1)
                  + sc.xlogy(k, p) + sc.xlog1py(n - k, -p))


def _binom_dist(k, n, p, cum) -> tuple[np.ndarray, Checks]:
    k, n = np.trunc(k), np.trunc(n)
    bad = (k < 0) | (k > n) | (p < 0) | (p > 1)
    k, n, p = _safe(k, bad, 0.0), _safe(n, bad, 1.0), _safe(p, bad)
    return np.where(cum, sc.bdtr(k, _count(n), p), _binom_pmf(k, n, p)), [(bad, NUM)]


def _binom_inv(n, p, alpha) -> tuple[np.ndarray, Checks]:
    """The smallest k with BINOM.DIST(k, n, p, TRUE) >= alpha."""
    n = np.trunc(n)
    bad = (n < 0) | (p < 0) | (p > 1) | (alpha < 0) | (alpha > 1)
    n, p, alpha = _safe(n, bad, 1.0), _safe(p, bad), _safe(alpha, bad)
    if len(n) == 1 and len(p) == 1 and n[0] <= 1e6:
        # the usual BINOM.INV(n, p, RAND()): one CDF table, searched for every trial
        cdf = sc.bdtr(np.arange(n[0] + 1), _count(n)[0], p[0])
        return np.minimum(np.searchsorted(cdf, alpha, side="left"), n[0]).astype(np.float64), \
            [(bad, NUM)]
    from scipy.stats import binom

    k = np.clip(np.nan_to_num(binom.ppf(alpha, n, p)), 0, n)
    # guard the quantile against rounding in either direction, then keep it in range
    lower = (k > 0) & (sc.bdtr(k - 1, _count(n), p) >= alpha)
    k = np.where(lower, k - 1, k)
    higher = (k < n) & (sc.bdtr(k, _count(n), p) < alpha)
    return np.where(higher, k + 1, k), [(bad, NUM)]


def _poisson(k, mean, cum) -> tuple[np.ndarray, Checks]:
    k = np.trunc(k)
    bad = (k < 0) | (mean < 0)
    k, mean = _safe(k, bad, 0.0), _safe(mean, bad, 1.0)
    pmf = np.exp(sc.xlogy(k, mean) - mean - sc.gammaln(k + 1))
    return np.where(cum, sc.pdtr(k, mean), pmf), [(bad, NUM)]


def _expon(x, lam, cum) -> tuple[np.ndarray, Checks]:
    bad = (x < 0) | (lam <= 0)
    return np.where(cum, -np.expm1(-lam * x), lam * np.exp(-lam * x)), [(bad, NUM)]


def _weibull(x, a, b, cum) -> tuple[np.ndarray, Checks]:
    bad = (x < 0) | (a <= 0) | (b <= 0)
    a, b = _safe(a, bad, 1.0), _safe(b, bad, 1.0)
    t = np.power(_safe(x, bad) / b, a)
    pdf = a / b * np.power(_safe(x, bad) / b, a - 1) * np.exp(-t)
    return np.where(cum, -np.expm1(-t), pdf), [(bad, NUM)]


_define(("BINOM.DIST", "BINOMDIST"), _binom_dist, (None, None, None, BOOL))
_define(("BINOM.INV", "CRITBINOM"), _binom_inv, (None, None, None))
_define(("POISSON.DIST", "POISSON"), _poisson, (None, None, BOOL))
_define(("EXPON.DIST", "EXPONDIST"), _expon, (None, None, BOOL))
_define(("WEIBULL.DIST", "WEIBULL"), _weibull, (None, None, None, BOOL))
