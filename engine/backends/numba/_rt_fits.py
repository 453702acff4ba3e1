"""Runtime of the kernels' least-squares fits (LINEST, LOGEST, TREND, GROWTH): the numpy
library's engine.functions.linest for one trial, compiled by numba.

The generator (:mod:`._fits`) lays out the fit's inputs (y as m values, x as m rows of k
variables, already arranged as engine.functions.linest._design arranges them, then TREND's
points) in a scratch array; :func:`fit_table` and :func:`fit_points` write the whole result
of the trial (values, then error codes: #N/A where LINEST's table has no value, #NUM! where a
value is not finite) into a second one, which every cell of the formula reads
(:func:`fit_at`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ...values import NA, NUM

KERNEL_NAMES = ("fit_table", "fit_points", "fit_at")

_EPS = float(np.finfo(np.float64).eps)


@njit(nogil=True, cache=True)
def _lstsq(a, b):
    """numpy.linalg.lstsq(a, b, rcond=None)[0]."""
    m, p = a.shape
    return np.linalg.lstsq(a, b, _EPS * max(m, p))[0]


@njit(nogil=True, cache=True)
def _block(a, lo, n):
    """numpy's pairwise summation of a[lo:lo + n], n <= 128 (eight partial sums)."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r = a[lo:lo + 8].copy()
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(nogil=True, cache=True)
def _sum(a):
    """np.sum(a) with numpy's rounding: pairwise, halves of a multiple of 8 above 128
    values (without recursion, which numba's cache cannot load back)."""
    los = np.empty(128, np.int64)
    ns = np.empty(128, np.int64)
    joins = np.empty(128, np.bool_)
    vals = np.empty(128)
    top, nv = 1, 0
    los[0], ns[0], joins[0] = 0, a.size, False
    while top:
        top -= 1
        lo, n, join = los[top], ns[top], joins[top]
        if join:
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
        elif n <= 128:
            vals[nv] = _block(a, lo, n)
            nv += 1
        else:
            n2 = n // 2
            n2 -= n2 % 8
            los[top], ns[top], joins[top] = lo, n, True
            los[top + 1], ns[top + 1], joins[top + 1] = lo + n2, n - n2, False
            los[top + 2], ns[top + 2], joins[top + 2] = lo, n2, False
            top += 3
    return vals[0]


@njit(nogil=True, cache=True)
def _ss_mean(y):
    """((y - y.mean()) ** 2).sum() as numpy rounds it."""
    d = y - _sum(y) / y.size
    return _sum(d * d)


@njit(nogil=True, cache=True)
def _norm(x):
    return np.sqrt(x @ x)   # np.linalg.norm of a vector


@njit(nogil=True, cache=True)
def _fit(y, x, const):
    """engine.functions.linest._fit: (slopes (k,), intercept, design matrix, coefficients,
    used columns (k,) as 0/1).  An x column that depends linearly on the columns before it
    (the intercept first) is left out (slope 0)."""
    m, k = x.shape
    a = np.empty((m, k + 1))
    p = 0
    if const:
        a[:, 0] = 1.0
        p = 1
    use = np.zeros(k, np.int64)
    for j in range(k):
        col = np.ascontiguousarray(x[:, j])
        if p > 0:
            base = np.ascontiguousarray(a[:, :p])
            resid = col - base @ _lstsq(base, col)
        else:
            resid = col
        if _norm(resid) > 1e-10 * max(_norm(col), 1e-300):
            a[:, p] = col
            p += 1
            use[j] = 1
    design = np.ascontiguousarray(a[:, :p])
    coef = _lstsq(design, y) if p > 0 else np.zeros(0)
    slopes = np.zeros(k)
    q = 1 if const else 0
    for j in range(k):
        if use[j]:
            slopes[j] = coef[q]
            q += 1
    b = coef[0] if const else 0.0
    return slopes, b, design, coef, use


@njit(nogil=True, cache=True)
def _table(y, x, const, stats):
    """LINEST's table of one trial (engine.functions.linest._estimate and _stats): rows of
    k + 1 values, and where Excel shows #N/A (no value there)."""
    m, k = x.shape
    slopes, b, a, coef, use = _fit(y, x, const)
    out = np.zeros((5 if stats else 1, k + 1))
    none = np.zeros((5 if stats else 1, k + 1), np.bool_)
    if stats:
        none[2:, 2:] = True
    for j in range(k):
        out[0, j] = slopes[k - 1 - j]
    out[0, k] = b
    if not stats:
        return out, none
    p = a.shape[1]
    used = 0
    for j in range(k):
        used += use[j]
    if const and used == 0 and k > 0:
        ss = _ss_mean(y)
        out[1, :] = 0.0
        out[2, 0], out[2, 1] = 1.0, 0.0
        out[3, 0], out[3, 1] = np.inf, float(m - k - 1)
        out[4, 0], out[4, 1] = ss, 0.0
        return out, none
    resid = y - a @ coef
    ss_resid = resid @ resid
    ss_total = _ss_mean(y) if const else y @ y
    if ss_resid <= 1e-20 * max(ss_total, 1.0):
        ss_resid = 0.0
    ss_reg = ss_total - ss_resid
    df = m - p
    var = ss_resid / df if df > 0 else np.inf
    se_cols = np.zeros(p)
    if p:
        inv = np.linalg.pinv(a.T @ a)
        for j in range(p):
            se_cols[j] = np.sqrt(np.abs(inv[j, j] * var))
    se = np.zeros(k)
    q = 1 if const else 0
    for j in range(k):
        if use[j]:
            se[j] = se_cols[q]
            q += 1
    for j in range(k):
        out[1, j] = se[k - 1 - j]
    if const:
        out[1, k] = se_cols[0]
    else:
        none[1, k] = True
    r2 = ss_reg / ss_total if ss_total else 1.0
    kk = p - 1 if const else p
    f = (ss_reg / kk) / var if df > 0 and kk > 0 and ss_resid > 0 else np.inf
    out[2, 0], out[2, 1] = r2, np.sqrt(var)
    out[3, 0], out[3, 1] = f, float(df)
    out[4, 0], out[4, 1] = ss_reg, ss_resid
    return out, none


@njit(nogil=True, cache=True)
def _code(x):
    if not np.isfinite(x):
        return 0.0, NUM
    return x, 0


# the header of a fit's scratch array (numbers, not arguments: numba compiles a function
# again for every literal value it is called with, and a fit's tree of LAPACK wrappers
# takes seconds): m, k, const, stats (LINEST) or the number of points (TREND), log, the
# #VALUE! code of y and x, that of the points
HEADER = 7


@njit(nogil=True, cache=True)
def _prepare(buf, log, out, n):
    """y and x of one trial (y as ln(y) for LOGEST/GROWTH), and 0; or the error every element
    gets, after filling ``out`` with it: #VALUE! (a y or x that is not a number), or #NUM!
    where LOGEST/GROWTH meet a y <= 0."""
    m, k = int(buf[0]), int(buf[1])
    y = buf[HEADER:HEADER + m].copy()
    x = buf[HEADER + m:HEADER + m + m * k].copy().reshape((m, k))
    fail = int(buf[5])
    if fail == 0 and log:
        for i in range(m):
            if y[i] <= 0.0:
                fail = NUM
        if fail == 0:
            y = np.log(y)
    if fail != 0:
        _fail(out, n, fail)
    return fail, y, x


@njit(nogil=True, cache=True)
def _fail(out, n, code):
    for j in range(n):
        out[j] = 0.0
        out[n + j] = code


@njit(nogil=True, cache=True)
def _put(out, n, j, v):
    """Element j of a result: the value, its code (#NUM! where not finite) after them."""
    v, c = _code(v)
    out[j] = v
    out[n + j] = c


@njit(nogil=True, cache=True)
def fit_table(buf, out):
    """LINEST (LOGEST where buf[4]) of one trial over y (m values) and x (m rows of k) after
    the header: its whole table, row by row, into out[:n] and the elements' error codes into
    out[n:2n] (n = (5 if stats else 1) * (k + 1)); #N/A where the table has no value."""
    k, const, stats, log = int(buf[1]), buf[2] != 0.0, buf[3] != 0.0, buf[4] != 0.0
    rows = 5 if stats else 1
    n = rows * (k + 1)
    fail, y, x = _prepare(buf, log, out, n)
    if fail != 0:
        return 0.0
    table, none = _table(y, x, const, stats)
    for r in range(rows):
        for c in range(k + 1):
            j = r * (k + 1) + c
            if none[r, c]:
                out[j] = 0.0
                out[n + j] = NA
            else:
                _put(out, n, j, np.exp(table[r, c]) if log and r == 0 else table[r, c])
    return 0.0


@njit(nogil=True, cache=True)
def fit_points(buf, out):
    """TREND (GROWTH where buf[4]) of one trial at its points (buf[3] of them, k values each,
    after y and x; -1: at x's m rows): the values into out[:npts], their codes after them.
    The points' #VALUE! (buf[6]) counts after GROWTH's check of y."""
    m, k, const, log = int(buf[0]), int(buf[1]), buf[2] != 0.0, buf[4] != 0.0
    npts = int(buf[3])
    at_x = npts < 0
    if at_x:
        npts = m
    fail, y, x = _prepare(buf, log, out, npts)
    if fail == 0 and buf[6] != 0.0:
        fail = int(buf[6])
        _fail(out, npts, fail)
    if fail != 0:
        return 0.0
    slopes, b, _, _, _ = _fit(y, x, const)
    start = HEADER + m + m * k
    nx = x if at_x else buf[start:start + npts * k].copy().reshape((npts, k))
    pred = nx @ slopes + b   # numpy's matrix product (gemv), its rounding
    for j in range(npts):
        _put(out, npts, j, np.exp(pred[j]) if log else pred[j])
    return 0.0


@njit(nogil=True, cache=True)
def fit_at(z, after):
    """A fit's result ``z`` that the formula's first cell (value ``after``, named so that the
    reading cell runs after it) has written."""
    return z


__all__ = ["HEADER", "KERNEL_NAMES", *KERNEL_NAMES]
