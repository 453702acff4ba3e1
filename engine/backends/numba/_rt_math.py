"""Runtime helpers of the scalar math, whole-number, bit, calendar and rate functions the
kernel generator's :mod:`._mathfns` mixin adds: ``@njit`` functions of one trial's floats,
written step for step as the numpy library computes them (:mod:`engine.functions.math`,
``.integers``, ``.combinatorics``, ``.engineering``, ``.dates``, ``.cashflows``), so that
the results are the library's.  scipy's own ``binom``, ``poch`` and ``gammaln`` (what
``scipy.special.comb``, ``poch`` and ``gammaln`` compute) are linked in by symbol name from
:mod:`scipy.special.cython_special`, as :mod:`._rt` links ``ndtri``.

Most return NaN where the library flags #NUM! as its last check, so that the generator's
non-finite test gives that code after the argument errors; the other error codes are
expressions of the generator.  ``shift`` is the workbook's date-system shift (1462 days in
the 1904 system, else 0), as in :mod:`._rt_functions`.  Each has a C++ twin of the same name
in :mod:`engine.backends.cupy._rt_math`.
"""

from __future__ import annotations

import math

import llvmlite.binding as _llvm
import numpy as np
from numba import njit, types

from ...functions.financial import XIRR_SEED, XIRR_TRIES, XIRR_WIDTH
from ...functions.math import _FACT
from ._rt import (
    _DONE,
    _NEWTON,
    _POLISH,
    _capsule_address,
    _irr_step,
    _sign_change,
    bracket_nearest,
)
from ._rt_calendar import _from_ymd
from ._rt_functions import MAX_SERIAL, _pairwise, _ymd

_jit = njit(nogil=True, cache=True, error_model="numpy")

# the names a generated kernel imports from this module
KERNEL_NAMES = ("mt_fact", "mt_factdouble", "mt_combin", "mt_combina", "mt_permut", "mt_pow",
                "mt_gcd", "mt_lcm", "mt_gammaln", "mt_bitop", "mt_bitshift", "mt_dollar",
                "mt_weeknum", "mt_isoweek", "mt_days360", "mt_datedif", "mt_xirr",
                "mt_irr_masked")

WHOLE_LIMIT = 2.0 ** 53     # engine.functions.integers._LIMIT
BIT_LIMIT = 2.0 ** 48       # engine.functions.engineering._BIT_LIMIT
FACT = _FACT                # n! for n = 0 .. 170 (engine.functions.math._FACT)
# n!! for n = 0 .. 300 as engine.functions.integers.factdouble rounds the exact product
FACTDOUBLE = np.array([float(math.prod(range(m, 0, -2))) if m > 0 else 1.0
                       for m in range(301)])

for _sym, _cap in {"mcdesk_binom": "binom", "mcdesk_poch": "poch",
                   "mcdesk_gammaln": "gammaln"}.items():
    _llvm.add_symbol(_sym, _capsule_address(_cap))
# cython_special functions take a trailing ``int skip_dispatch`` argument
_binom = types.ExternalFunction(
    "mcdesk_binom", types.float64(types.float64, types.float64, types.intc))
_poch = types.ExternalFunction(
    "mcdesk_poch", types.float64(types.float64, types.float64, types.intc))
_gammaln = types.ExternalFunction("mcdesk_gammaln", types.float64(types.float64, types.intc))


# ----------------------------------------------------------------- math, combinatorics
@_jit
def mt_fact(x):
    """math._fact's value (#NUM! for x < 0 or above 170 is the generator's)."""
    k = math.trunc(x) if math.isfinite(x) else x
    if k != k:
        return math.nan
    return FACT[int(min(max(k, 0.0), 170.0))]


@_jit
def mt_factdouble(x):
    """integers.factdouble: n!! (-1 and 0 give 1); NaN (#NUM!) below -1 or above 300."""
    k = math.trunc(x) if math.isfinite(x) else x
    if (x < -1.0) or (k > 300.0) or (k != k):
        return math.nan
    return FACTDOUBLE[int(max(k, 0.0))]


@_jit
def _comb(n, k):
    """scipy.special.comb(n, k) (exact=False): binom where 0 <= k <= n, else 0."""
    if (k <= n) and (n >= 0.0) and (k >= 0.0):
        return _binom(n, k, 0)
    return 0.0


@_jit
def mt_combin(n, k):
    """integers._combin's value: round(comb(trunc n, trunc k)), 1 and 0 where out of the
    domain (#NUM! is the generator's)."""
    n, k = math.trunc(n), math.trunc(k)
    if (n < 0.0) or (k < 0.0) or (n < k):
        n, k = 1.0, 0.0
    return np.rint(_comb(n, k))


@_jit
def mt_combina(n, k):
    """integers._combina's value: round(comb(n + k - 1, k))."""
    n, k = math.trunc(n), math.trunc(k)
    if (n < 0.0) or (k < 0.0) or ((n == 0.0) and (k > 0.0)):
        return np.rint(_comb(1.0, 0.0))
    return np.rint(_comb(n + k - 1.0, k))


@_jit
def mt_permut(n, k):
    """combinatorics._permut's value: poch(n - k + 1, k) of the truncated arguments."""
    n, k = math.trunc(n), math.trunc(k)
    if (n <= 0.0) or (k < 0.0) or (n < k):
        return _poch(1.0, 0.0, 0)
    return _poch(n - k + 1.0, k, 0)


@_jit
def mt_pow(a, b):
    """np.power of two floats."""
    return a ** b


@_jit
def mt_gammaln(x):
    """scipy.special.gammaln."""
    return _gammaln(x, 0)


@_jit
def _whole(x):
    """integers._fold's ``safe``: a truncated number in [0, 2**53) as an integer, else 0."""
    t = math.trunc(x) if math.isfinite(x) else -1.0
    return int(t) if (t >= 0.0) and (t < WHOLE_LIMIT) else 0


@_jit
def _gcd(a, b):
    while b != 0:
        a, b = b, a % b
    return a


@_jit
def mt_gcd(acc, x):
    """np.gcd(acc, safe(x)) of integers (as floats)."""
    return float(_gcd(int(acc), _whole(x)))


@_jit
def mt_lcm(acc, x):
    """math.lcm(acc, safe(x)), or -1.0 from the first product of 2**53 or more on (the
    library flags #NUM! there)."""
    if acc < 0.0:
        return -1.0
    a, b = int(acc), _whole(x)
    if a == 0 or b == 0:
        return 0.0
    q = a // _gcd(a, b)
    if q > (int(WHOLE_LIMIT) - 1) // b:
        return -1.0
    return float(q * b)


# ----------------------------------------------------------------- bits (engineering)
@_jit
def _bits_bad(x):
    return (x < 0.0) or (x >= BIT_LIMIT) or (not math.isfinite(x)) or (math.trunc(x) != x)


@_jit
def mt_bitop(a, b, op):
    """BITAND (0), BITOR (1), BITXOR (2) of whole numbers in [0, 2**48); NaN (#NUM!)
    outside."""
    if _bits_bad(a) or _bits_bad(b):
        return math.nan
    ia, ib = int(a), int(b)
    return float(ia & ib if op == 0 else ia | ib if op == 1 else ia ^ ib)


@_jit
def mt_bitshift(a, s, left):
    """engineering._shift: BITLSHIFT (left 1) or BITRSHIFT (0); NaN (#NUM!) for a number
    outside the domain, a shift beyond 53 or a result of 2**48 and more."""
    k = math.trunc(s) if math.isfinite(s) else s
    if left == 0:
        k = -k
    if k >= 0.0:
        out = a * 2.0 ** min(max(k, 0.0), 1100.0)
    else:
        out = a / 2.0 ** min(max(-k, 0.0), 1100.0)
    out = math.trunc(out) if math.isfinite(out) else out
    if _bits_bad(a) or (abs(s) > 53.0) or (out >= BIT_LIMIT) or (s != s):
        return math.nan
    return out


# ----------------------------------------------------------------- DOLLARDE, DOLLARFR
@_jit
def mt_dollar(x, f, whole):
    """cashflows._fraction: DOLLARDE (whole 1) or DOLLARFR (0) of a truncated fraction f
    (f < 0 and f = 0 are the generator's errors)."""
    f = math.trunc(f) if math.isfinite(f) else f
    digits = math.ceil(math.log10(f if f > 0.0 else 1.0))
    if 10.0 ** digits == f:
        digits += 1.0
    scale = 10.0 ** digits
    ip = math.trunc(x) if math.isfinite(x) else x
    frac = x - ip
    if whole != 0:
        return ip + frac * scale / f
    return ip + frac * f / scale


# ----------------------------------------------------------------- calendar (dates)
@_jit
def _bad_serial(s):
    return (s < 0.0) or (s >= MAX_SERIAL + 1.0) or (not math.isfinite(s))


@_jit
def _weekday0(s, shift):
    """dates.weekday_index: Monday 0 .. Sunday 6 (a serial already checked)."""
    return (int(math.floor(s)) + shift + 5) % 7


@_jit
def _jan1(s, shift):
    y, _, _ = _ymd(s, shift)
    return _from_ymd(y, 1, 1, shift)


@_jit
def _iso(s, shift):
    thursday = math.floor(s) - _weekday0(s, shift) + 3.0
    jan1 = _jan1(thursday, shift)
    return math.floor((thursday - jan1) / 7.0) + 1.0


@_jit
def mt_isoweek(s, shift):
    """dates._iso_week; NaN (#NUM!) for a serial that is not a date."""
    if _bad_serial(s):
        return math.nan
    return _iso(s, shift)


@_jit
def mt_weeknum(s, kind, shift):
    """dates.weeknum of one trial; NaN (#NUM!) for a serial that is not a date or a return
    type Excel does not know."""
    k = math.trunc(kind) if math.isfinite(kind) else kind
    ok = k == 1.0 or k == 2.0 or k == 21.0 or (k >= 11.0 and k <= 17.0)
    if _bad_serial(s) or not ok:
        return math.nan
    if k == 21.0:
        return _iso(s, shift)
    jan1 = _jan1(s, shift)
    start = 6 if k == 1.0 else 0 if k == 2.0 else int(k) - 11
    offset = (_weekday0(jan1, shift) - start) % 7
    return math.floor((math.floor(s) - jan1 + offset) / 7.0) + 1.0


@_jit
def mt_days360(s1, s2, eu, shift):
    """dates.days360 of one trial (``eu`` non-zero: the European method); NaN (#NUM!)
    where a date is not a serial."""
    a, b = math.floor(s1), math.floor(s2)
    if _bad_serial(a) or _bad_serial(b):
        return math.nan
    y1, m1, d1 = _ymd(a, shift)
    y2, m2, d2 = _ymd(b, shift)
    europe = eu != 0.0
    _, m_next, _ = _ymd(a + 1.0, shift)
    feb_end = (m1 == 2) and (m_next == 3)
    if d1 == 31:
        d1 = 30
    elif (not europe) and feb_end:
        d1 = 30
    if d2 == 31 and (europe or d1 == 30):
        d2 = 30
    return (y2 - y1) * 360.0 + (m2 - m1) * 30.0 + float(d2 - d1)


@_jit
def _real_day(s, shift):
    """dates._to_day as days from the epoch: the real calendar's day of a serial."""
    x = int(math.floor(s)) + shift
    return x if x >= 61 else x + 1


@_jit
def mt_datedif(s1, s2, unit, shift):
    """dates.datedif of one trial, ``unit`` the index of Y, M, D, MD, YM, YD (-1 unknown);
    NaN (#NUM!) for a start after the end, a serial that is not a date, an unknown unit."""
    a, b = math.floor(s1), math.floor(s2)
    if (a > b) or _bad_serial(a) or _bad_serial(b) or (unit < 0.0) or (a != a) or (b != b):
        return math.nan
    y1, m1, d1 = _ymd(a, shift)
    y2, m2, d2 = _ymd(b, shift)
    months = (y2 - y1) * 12 + (m2 - m1) - (1 if d2 < d1 else 0)
    if unit == 0.0:
        return float(months // 12)
    if unit == 1.0:
        return float(months)
    if unit == 2.0:
        return b - a
    if unit == 3.0:
        if d2 >= d1:
            return float(d2 - d1)
        return b - _from_ymd(y2, m2 - 1, d1, shift)
    if unit == 4.0:
        return float(months % 12)
    ge = (m2 > m1) or ((m2 == m1) and (d2 >= d1))
    anniv = _from_ymd(y2 if ge else y2 - 1, m1, d1, shift)
    return b - a - float(_real_day(anniv, shift) - _real_day(a, shift))


# ----------------------------------------------------------------- XIRR (financial.xirr)
@_jit
def _xnpv_fd(z, n, r):
    """financial._npv_terms of one trial: sum c (1 + r)^-e and its derivative in r, each
    summed as numpy sums a row; z holds the flows, their exponents and two rows of room."""
    d = 1.0 + r
    for j in range(n):
        z[2 * n + j] = z[j] * d ** (-z[n + j])
        z[3 * n + j] = -z[n + j] * z[2 * n + j] / d
    return _pairwise(z, 2 * n, n), _pairwise(z, 3 * n, n)


@_jit
def _xirr_bracket(z, n, guess):
    """financial._bracket for one trial on dated flows (NaN, 0.0 without a sign change)."""
    root, found, _ = bracket_nearest(_xnpv_fd, z, n, guess)
    return (root, 1.0) if found else (np.nan, 0.0)


@_jit
def _sgn(x):
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


@_jit
def _excel_xirr(z, n, guess):
    """financial.excel_xirr_search for one trial (a guess >= 0): (rate, found 1.0 or 0.0)."""
    s = guess if guess > 0.0 else XIRR_SEED
    fs = _xnpv_fd(z, n, s)[0]
    if fs == 0.0:
        return s, 1.0
    if not np.isfinite(fs):
        return np.nan, 0.0
    up = _sgn(fs) != _sgn(_xnpv_fd(z, n, np.inf)[0])
    lo, hi, flo, found = s, s, fs, False
    for _ in range(XIRR_TRIES):
        nxt = hi * 2.0 if up else lo / 2.0
        fn = _xnpv_fd(z, n, nxt)[0]
        if up:
            lo, hi = hi, nxt
        else:
            lo, hi, flo = nxt, nxt * 2.0, fn
        if not np.isfinite(fn):
            break
        if _sgn(fn) != _sgn(fs):
            found = True
            break
    if not found:
        return np.nan, 0.0
    while True:
        mid = (lo + hi) / 2.0
        inside = lo < mid < hi  # a huge root: no double left between
        fm = _xnpv_fd(z, n, mid)[0]
        if _sgn(fm) == _sgn(flo):
            lo, flo = mid, fm
        else:
            hi = mid
        if fm == 0.0 or hi - lo < XIRR_WIDTH or not inside:
            return mid, 1.0


@_jit
def mt_xirr(z, n, guess):
    """financial.xirr's root for one trial: z[0:n] the flows, z[n:2n] their years from the
    first date ((d - d0) / 365), z[2n:4n] room.  For a guess >= 0 Excel's search
    (_excel_xirr) where it meets a sign change; else Newton from the guess (1e-7, then
    polishing), else bisection on the sign change nearest the guess.  Returns (rate,
    converged 1.0 or 0.0)."""
    if not (_sign_change(z, n) and guess > -1.0):
        return guess, 0.0
    if guess >= 0.0:
        x, found = _excel_xirr(z, n, guess)
        if found == 1.0:
            return x, 1.0
    return _solve_dated(z, n, guess)


@_jit
def mt_irr_masked(z, n, guess):
    """financial._irr's root where a flow's presence varies per trial: z as for mt_xirr,
    an absent flow 0 and the exponents the present flows' positions (cumsum - 1)."""
    if not _sign_change(z, n):
        return guess, 0.0
    return _solve_dated(z, n, guess)


@_jit
def _solve_dated(z, n, guess):
    """financial._solve on the terms of _xnpv_fd: (rate, converged 1.0 or 0.0)."""
    state, x, count = _NEWTON, guess, 0
    while state <= _POLISH:
        f, df = _xnpv_fd(z, n, x)
        state, x, count = _irr_step(state, x, count, f, df)
    if state == _DONE:
        return x, 1.0
    return _xirr_bracket(z, n, guess)


__all__ = ["BIT_LIMIT", "FACT", "FACTDOUBLE", "KERNEL_NAMES", "WHOLE_LIMIT", *KERNEL_NAMES]
