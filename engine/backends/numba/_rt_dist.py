"""Runtime helpers of the statistical distribution functions the kernel generator's
:mod:`._distributions` mixin adds (GAMMA.*, BETA.*, T.*, CHISQ.*, F.*, BINOM.*, POISSON.DIST,
EXPON.DIST, WEIBULL.DIST, NEGBINOM.DIST, HYPGEOM.DIST (mass), CONFIDENCE.*, ERF, ...).

Each is an ``@njit`` function of one trial's floats written operation for operation as
:mod:`engine.functions.distributions` / :mod:`.combinatorics` / :mod:`.engineering` compute a
trial: the same domain guards (a bad trial's arguments replaced by the same fill values before
the special function sees them) and the same ``scipy.special`` routines, which are scipy's own
compiled ones from :mod:`scipy.special.cython_special`, linked in by symbol name as
:mod:`._rt` links ``ndtri`` (so the values are scipy's bit for bit and ``cache=True`` works).

They return values only; the generator computes the error codes (the ``bad`` masks of the
reference) and a non-finite value is #NUM! as everywhere.  A cumulative flag is a float
(non-zero: TRUE).
"""

from __future__ import annotations

import math

import llvmlite.binding as _llvm
from numba import njit, types

from ._rt import _betaincinv, _capsule_address, _gammaincinv, _ndtr, _ndtri, _stdtrit

_jit = njit(nogil=True, cache=True, error_model="numpy")

# our symbol -> cython_special capsule (double versions; bdtr with a C long count, as the
# reference passes an int64 array)
_SPECIAL = {
    "mcdesk_d_gammainc": "gammainc",
    "mcdesk_d_gammaincc": "gammaincc",
    "mcdesk_d_gammainccinv": "gammainccinv",
    "mcdesk_d_betainc": "__pyx_fuse_0betainc",
    "mcdesk_d_betaln": "betaln",
    "mcdesk_d_gammaln": "gammaln",
    "mcdesk_d_gamma": "__pyx_fuse_1gamma",
    "mcdesk_d_xlogy": "__pyx_fuse_1xlogy",
    "mcdesk_d_xlog1py": "__pyx_fuse_1xlog1py",
    "mcdesk_d_stdtr": "__pyx_fuse_0stdtr",
    "mcdesk_d_fdtr": "__pyx_fuse_0fdtr",
    "mcdesk_d_fdtrc": "__pyx_fuse_0fdtrc",
    "mcdesk_d_fdtri": "__pyx_fuse_0fdtri",
    "mcdesk_d_bdtr": "__pyx_fuse_1bdtr",
    "mcdesk_d_pdtr": "pdtr",
    "mcdesk_d_erf": "__pyx_fuse_1erf",
    "mcdesk_d_erfc": "__pyx_fuse_1erfc",
}
for _sym, _cap in _SPECIAL.items():
    _llvm.add_symbol(_sym, _capsule_address(_cap))

_F1 = types.float64(types.float64, types.intc)
_F2 = types.float64(types.float64, types.float64, types.intc)
_F3 = types.float64(types.float64, types.float64, types.float64, types.intc)
_gammainc = types.ExternalFunction("mcdesk_d_gammainc", _F2)
_gammaincc = types.ExternalFunction("mcdesk_d_gammaincc", _F2)
_gammainccinv = types.ExternalFunction("mcdesk_d_gammainccinv", _F2)
_betainc = types.ExternalFunction("mcdesk_d_betainc", _F3)
_betaln = types.ExternalFunction("mcdesk_d_betaln", _F2)
_gammaln = types.ExternalFunction("mcdesk_d_gammaln", _F1)
_gamma = types.ExternalFunction("mcdesk_d_gamma", _F1)
_xlogy = types.ExternalFunction("mcdesk_d_xlogy", _F2)
_xlog1py = types.ExternalFunction("mcdesk_d_xlog1py", _F2)
_stdtr = types.ExternalFunction("mcdesk_d_stdtr", _F2)
_fdtr = types.ExternalFunction("mcdesk_d_fdtr", _F3)
_fdtrc = types.ExternalFunction("mcdesk_d_fdtrc", _F3)
_fdtri = types.ExternalFunction("mcdesk_d_fdtri", _F3)
_bdtr = types.ExternalFunction(
    "mcdesk_d_bdtr", types.float64(types.float64, types.int64, types.float64, types.intc))
_pdtr = types.ExternalFunction("mcdesk_d_pdtr", _F2)
_erf = types.ExternalFunction("mcdesk_d_erf", _F1)
_erfc = types.ExternalFunction("mcdesk_d_erfc", _F1)

_SQRT2PI = math.sqrt(2.0 * math.pi)   # np.sqrt(2.0 * np.pi), the same double
_MAX_COUNT = 2.0 ** 62

# the names a generated kernel imports from this module
KERNEL_NAMES = (
    "d_beta_dist", "d_beta_inv", "d_gamma_dist", "d_gamma_inv", "d_gammaln", "d_gamma",
    "d_t_dist", "d_t_tail", "d_t_inv", "d_chisq_dist", "d_chisq_rt", "d_chisq_inv",
    "d_f_dist", "d_f_rt", "d_f_inv", "d_binom_dist", "d_binom_inv", "d_binom_range",
    "d_poisson", "d_expon", "d_weibull", "d_negbinom", "d_hypgeom_pmf", "d_hypgeom",
    "d_conf_norm",
    "d_conf_t", "d_phi", "d_gauss", "d_erf", "d_erfc",
)


@_jit
def _safe(x, bad, fill):
    return fill if bad else x


@_jit
def _count(n):
    """distributions._count: a whole number of trials as a C long (clipped to 0..2**62)."""
    return int(min(max(n, 0.0), _MAX_COUNT))


# ----------------------------------------------------------------- beta and gamma
@_jit
def d_beta_dist(x, a, b, cum, lo, hi):
    """distributions._beta_dist of one trial."""
    bad = (a <= 0.0) | (b <= 0.0) | (x < lo) | (x > hi) | (lo >= hi)
    width = _safe(hi - lo, bad, 1.0)
    y = _safe((x - lo) / width, bad, 0.5)
    a, b = _safe(a, bad, 1.0), _safe(b, bad, 1.0)
    if cum != 0.0:
        return _betainc(a, b, y, 0)
    return math.exp(_xlogy(a - 1.0, y, 0) + _xlog1py(b - 1.0, -y, 0) - _betaln(a, b, 0)) / width


@_jit
def d_beta_inv(p, a, b, lo, hi):
    """distributions._beta_inv of one trial."""
    bad = (p <= 0.0) | (p > 1.0) | (a <= 0.0) | (b <= 0.0) | (lo >= hi)
    q = _betaincinv(_safe(a, bad, 1.0), _safe(b, bad, 1.0), _safe(p, bad, 0.5), 0)
    return lo + (hi - lo) * q


@_jit
def d_gamma_dist(x, a, b, cum):
    """distributions._gamma_dist of one trial."""
    bad = (x < 0.0) | (a <= 0.0) | (b <= 0.0)
    a, b = _safe(a, bad, 1.0), _safe(b, bad, 1.0)
    y = _safe(x, bad, 0.5) / b
    if cum != 0.0:
        return _gammainc(a, y, 0)
    return math.exp(_xlogy(a - 1.0, y, 0) - y - _gammaln(a, 0)) / b


@_jit
def d_gamma_inv(p, a, b):
    """distributions._gamma_inv of one trial."""
    bad = (p < 0.0) | (p > 1.0) | (a <= 0.0) | (b <= 0.0)
    return _safe(b, bad, 1.0) * _gammaincinv(_safe(a, bad, 1.0), _safe(p, bad, 0.5), 0)


@_jit
def d_gammaln(x):
    """scipy.special.gammaln (GAMMALN, GAMMALN.PRECISE)."""
    return _gammaln(x, 0)


@_jit
def d_gamma(x):
    """distributions._gamma_fn of one trial."""
    bad = (x <= 0.0) & (x == math.floor(x))
    return _gamma(_safe(x, bad, 1.0), 0)


# ----------------------------------------------------------------- t, chi-squared, F
@_jit
def d_t_dist(x, df, cum):
    """distributions._t_dist of one trial (``df`` truncated)."""
    d = _safe(df, df < 1.0, 1.0)
    if cum != 0.0:
        return _stdtr(d, x, 0)
    return math.exp(_gammaln((d + 1.0) / 2.0, 0) - _gammaln(d / 2.0, 0)
                    - (d + 1.0) / 2.0 * math.log1p(x * x / d)) / math.sqrt(d * math.pi)


@_jit
def d_t_tail(x, df, tails, right_tail):
    """distributions._t_tail of one trial (``df`` and ``tails`` truncated)."""
    bad = (df < 1.0) | ((tails != 1.0) & (tails != 2.0))
    if not right_tail:
        bad = bad | (x < 0.0)
    return tails * _stdtr(_safe(df, bad, 1.0), -x, 0)


@_jit
def d_t_inv(p, df, two_tailed):
    """distributions._t_inv of one trial (``df`` truncated)."""
    bad = (p <= 0.0) | (p > 1.0) | (df < 1.0)
    p = _safe(p, bad, 0.5)
    q = 1.0 - p / 2.0 if two_tailed else p
    return _stdtrit(_safe(df, bad, 1.0), q, 0)


@_jit
def d_chisq_dist(x, df, cum):
    """distributions._chisq_dist of one trial (``df`` truncated)."""
    bad = (x < 0.0) | (df < 1.0) | (df > 1e10)
    k = _safe(df, bad, 1.0) / 2.0
    y = _safe(x, bad, 0.5) / 2.0
    if cum != 0.0:
        return _gammainc(k, y, 0)
    return math.exp(_xlogy(k - 1.0, y, 0) - y - _gammaln(k, 0)) / 2.0


@_jit
def d_chisq_rt(x, df):
    """distributions._chisq_rt of one trial (``df`` truncated)."""
    bad = (x < 0.0) | (df < 1.0) | (df > 1e10)
    return _gammaincc(_safe(df, bad, 1.0) / 2.0, _safe(x, bad, 0.5) / 2.0, 0)


@_jit
def d_chisq_inv(p, df, right):
    """distributions._chisq_inv of one trial (``df`` truncated)."""
    bad = (p < 0.0) | (p > 1.0) | (df < 1.0) | (df > 1e10)
    k, p = _safe(df, bad, 1.0) / 2.0, _safe(p, bad, 0.5)
    return 2.0 * (_gammainccinv(k, p, 0) if right else _gammaincinv(k, p, 0))


@_jit
def d_f_dist(x, d1, d2, cum):
    """distributions._f_dist of one trial (``d1``, ``d2`` truncated)."""
    bad = (x < 0.0) | (d1 < 1.0) | (d2 < 1.0)
    d1, d2, x = _safe(d1, bad, 1.0), _safe(d2, bad, 1.0), _safe(x, bad, 1.0)
    if cum != 0.0:
        return _fdtr(d1, d2, x, 0)
    logpdf = (_xlogy(d1 / 2.0, d1, 0) + _xlogy(d2 / 2.0, d2, 0) + _xlogy(d1 / 2.0 - 1.0, x, 0)
              - (d1 + d2) / 2.0 * math.log(d2 + d1 * x) - _betaln(d1 / 2.0, d2 / 2.0, 0))
    return math.exp(logpdf)


@_jit
def d_f_rt(x, d1, d2):
    """distributions._f_rt of one trial (``d1``, ``d2`` truncated)."""
    bad = (x < 0.0) | (d1 < 1.0) | (d2 < 1.0)
    return _fdtrc(_safe(d1, bad, 1.0), _safe(d2, bad, 1.0), _safe(x, bad, 0.5), 0)


@_jit
def d_f_inv(p, d1, d2, right):
    """distributions._f_inv of one trial (``d1``, ``d2`` truncated)."""
    bad = (p < 0.0) | (p > 1.0) | (d1 < 1.0) | (d2 < 1.0)
    p = _safe(p, bad, 0.5)
    return _fdtri(_safe(d1, bad, 1.0), _safe(d2, bad, 1.0), 1.0 - p if right else p, 0)


# ----------------------------------------------------------------- discrete
@_jit
def _binom_pmf(k, n, p):
    return math.exp(_gammaln(n + 1.0, 0) - _gammaln(k + 1.0, 0) - _gammaln(n - k + 1.0, 0)
                    + _xlogy(k, p, 0) + _xlog1py(n - k, -p, 0))


@_jit
def d_binom_dist(k, n, p, cum):
    """distributions._binom_dist of one trial (``k``, ``n`` truncated)."""
    bad = (k < 0.0) | (k > n) | (p < 0.0) | (p > 1.0)
    k, n, p = _safe(k, bad, 0.0), _safe(n, bad, 1.0), _safe(p, bad, 0.5)
    if cum != 0.0:
        return _bdtr(k, _count(n), p, 0)
    return _binom_pmf(k, n, p)


@_jit
def d_binom_inv(n, p, alpha):
    """distributions._binom_inv of one trial (``n`` truncated): the smallest k in 0..n with
    bdtr(k, n, p) >= alpha, else n (the reference's searchsorted over the CDF table, and its
    guarded binom.ppf, both land there)."""
    bad = (n < 0.0) | (p < 0.0) | (p > 1.0) | (alpha < 0.0) | (alpha > 1.0)
    n, p, alpha = _safe(n, bad, 1.0), _safe(p, bad, 0.5), _safe(alpha, bad, 0.5)
    m = _count(n)
    lo, hi = 0.0, n
    while lo < hi:
        mid = math.floor((lo + hi) / 2.0)
        if _bdtr(mid, m, p, 0) >= alpha:
            hi = mid
        else:
            lo = mid + 1.0
    return lo


@_jit
def d_binom_range(n, p, s1, s2):
    """combinatorics._binom_range of one trial (``n``, ``s1`` truncated; ``s2`` truncated or
    NaN when omitted)."""
    if math.isnan(s2):
        s2 = s1
    bad = (n < 0.0) | (p < 0.0) | (p > 1.0) | (s1 < 0.0) | (s1 > n) | (s2 < s1) | (s2 > n)
    n, p = _safe(n, bad, 1.0), _safe(p, bad, 0.5)
    s1, s2 = _safe(s1, bad, 0.0), _safe(s2, bad, 0.0)
    m = _count(n)
    hi = _bdtr(s2, m, p, 0)
    lo = _bdtr(max(s1 - 1.0, 0.0), m, p, 0) if s1 > 0.0 else 0.0
    return hi - lo


@_jit
def d_poisson(k, mean, cum):
    """distributions._poisson of one trial (``k`` truncated)."""
    bad = (k < 0.0) | (mean < 0.0)
    k, mean = _safe(k, bad, 0.0), _safe(mean, bad, 1.0)
    if cum != 0.0:
        return _pdtr(k, mean, 0)
    return math.exp(_xlogy(k, mean, 0) - mean - _gammaln(k + 1.0, 0))


@_jit
def _lcomb(n, k):
    return _gammaln(n + 1.0, 0) - _gammaln(k + 1.0, 0) - _gammaln(n - k + 1.0, 0)


@_jit
def d_negbinom(f, s, p, cum):
    """combinatorics._negbinom of one trial (``f``, ``s`` truncated)."""
    bad = (f < 0.0) | (s < 1.0) | (p <= 0.0) | (p >= 1.0)
    f, s, p = _safe(f, bad, 0.0), _safe(s, bad, 1.0), _safe(p, bad, 0.5)
    if cum != 0.0:
        return _betainc(s, f + 1.0, p, 0)
    return math.exp(_lcomb(f + s - 1.0, s - 1.0) + s * math.log(p) + f * math.log1p(-p))


@_jit
def d_hypgeom_pmf(s, n_s, p_s, n_p):
    """combinatorics._hypgeom's mass of one trial (all truncated)."""
    bad = ((s < 0.0) | (s > n_s) | (s > p_s) | (n_s <= 0.0) | (n_s > n_p) | (p_s <= 0.0)
           | (p_s > n_p) | (n_p <= 0.0) | (s < n_s - n_p + p_s))
    s, n_s, p_s, n_p = (_safe(s, bad, 1.0), _safe(n_s, bad, 1.0), _safe(p_s, bad, 1.0),
                        _safe(n_p, bad, 1.0))
    return math.exp(_lcomb(p_s, s) + _lcomb(n_p - p_s, n_s - s) - _lcomb(n_p, n_s))


@_jit
def d_hypgeom(s, n_s, p_s, n_p, cum):
    """combinatorics._hypgeom of one trial (all truncated): the mass, or scipy.stats'
    hypergeom.cdf, summed from the masses relative to the one at the mode (each from its
    neighbour by their ratio, no log-gamma: boost's accuracy, which log-gammas of a large
    population would lose), the tail on ``s``'s side of the mode over the total."""
    if cum == 0.0:
        return d_hypgeom_pmf(s, n_s, p_s, n_p)
    bad = ((s < 0.0) | (s > n_s) | (s > p_s) | (n_s <= 0.0) | (n_s > n_p) | (p_s <= 0.0)
           | (p_s > n_p) | (n_p <= 0.0) | (s < n_s - n_p + p_s))
    s, n_s, p_s, n_p = (_safe(s, bad, 1.0), _safe(n_s, bad, 1.0), _safe(p_s, bad, 1.0),
                        _safe(n_p, bad, 1.0))
    lo, hi = max(0.0, n_s - n_p + p_s), min(n_s, p_s)
    rest = n_p - p_s - n_s
    mode = min(max(math.floor((n_s + 1.0) * (p_s + 1.0) / (n_p + 2.0)), lo), hi)
    total = 1.0
    below, above = (1.0, 0.0) if mode <= s else (0.0, 1.0)
    t, i = 1.0, mode
    while i > lo:                        # down: mass(i - 1) / mass(i)
        t *= i * (rest + i) / ((p_s - i + 1.0) * (n_s - i + 1.0))
        i -= 1.0
        total += t
        if i <= s:
            below += t
            if t <= 1e-17 * below:
                break
        else:
            above += t
    t, i = 1.0, mode
    while i < hi:                        # up: mass(i + 1) / mass(i)
        t *= (p_s - i) * (n_s - i) / ((i + 1.0) * (rest + i + 1.0))
        i += 1.0
        total += t
        if i <= s:
            below += t
        else:
            above += t
            if t <= 1e-17 * above:
                break
    return below / total if s < mode else 1.0 - above / total


@_jit
def d_expon(x, lam, cum):
    """distributions._expon of one trial."""
    if cum != 0.0:
        return -math.expm1(-lam * x)
    return lam * math.exp(-lam * x)


@_jit
def d_weibull(x, a, b, cum):
    """distributions._weibull of one trial."""
    bad = (x < 0.0) | (a <= 0.0) | (b <= 0.0)
    a, b = _safe(a, bad, 1.0), _safe(b, bad, 1.0)
    t = (_safe(x, bad, 0.5) / b) ** a
    if cum != 0.0:
        return -math.expm1(-t)
    return a / b * (_safe(x, bad, 0.5) / b) ** (a - 1.0) * math.exp(-t)


# ----------------------------------------------------------------- confidence and others
@_jit
def d_conf_norm(alpha, sd, size):
    """distributions._confidence_norm of one trial (``size`` truncated)."""
    bad = (alpha <= 0.0) | (alpha >= 1.0) | (sd <= 0.0) | (size < 1.0)
    return _ndtri(1.0 - _safe(alpha, bad, 0.5) / 2.0, 0) * sd / math.sqrt(_safe(size, bad, 1.0))


@_jit
def d_conf_t(alpha, sd, size):
    """distributions._confidence_t of one trial (``size`` truncated)."""
    bad = (alpha <= 0.0) | (alpha >= 1.0) | (sd <= 0.0) | (size < 1.0)
    one = (not bad) & (size == 1.0)
    df = _safe(size - 1.0, bad | one, 1.0)
    return _stdtrit(df, 1.0 - _safe(alpha, bad, 0.5) / 2.0, 0) * sd \
        / math.sqrt(_safe(size, bad, 1.0))


@_jit
def d_phi(x):
    """distributions PHI: the standard normal density."""
    return math.exp(-0.5 * x * x) / _SQRT2PI


@_jit
def d_gauss(z):
    """distributions GAUSS: ndtr(z) - 0.5."""
    return _ndtr(z, 0) - 0.5


@_jit
def d_erf(x):
    """scipy.special.erf."""
    return _erf(x, 0)


@_jit
def d_erfc(x):
    """scipy.special.erfc."""
    return _erfc(x, 0)


__all__ = list(KERNEL_NAMES)
