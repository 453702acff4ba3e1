"""Runtime helpers of the annuity functions the kernel generator's finance mixin adds (IPMT,
PPMT, NPER, CUMIPMT, CUMPRINC, RATE, DDB): ``@njit`` functions of one trial's floats,
written operation for operation as :mod:`engine.functions.financial` computes a trial
(``_ipmt``, ``nper``, ``_cumulative``, ``rate`` with its Newton steps and polish, ``_ddb``).

They return values only; the generator computes the error codes (RATE's convergence comes
back as the second element of a pair).

(1+r)^n is :func:`._rt_functions._growth` (double-double powering for a whole n, numpy's double
bit for bit).  Numba caches these functions by this file's own stamp, with the callees inlined:
edit this file too (its docstring will do) when ``_growth``, ``pmt`` or ``fv`` change.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._rt_functions import _growth, fv, pmt

_jit = njit(nogil=True, cache=True, error_model="numpy")

# financial.newton / .polish
_RATE_ITER = 50
_TOL = 1e-7
_POLISH_STEPS = 3
_POLISH_DONE = 1e-10

# the names a generated kernel imports from this module
KERNEL_NAMES = ("ipmt", "nper", "cum_pay", "rate_root", "ddb")


@_jit
def ipmt(r, per, n, v, f, t):
    """financial._ipmt of one trial."""
    p = pmt(r, n, v, f, t)
    if per == 1.0:
        before = 0.0 if t != 0.0 else -v
    elif t != 0.0:
        before = fv(r, per - 2.0, p, v, t) - p
    else:
        before = fv(r, per - 1.0, p, v, t)
    return before * r


@_jit
def nper(r, p, v, f, t):
    """financial.nper's value of one trial (#DIV/0! for r = p = 0 is the caller's)."""
    pb = p * (1.0 + r * (1.0 if t != 0.0 else 0.0))
    if r == 0.0:
        return -(v + f) / (1.0 if p == 0.0 else p)
    x = (pb - f * r) / (pb + v * r)
    return (np.log(x) if x > 0.0 else (-np.inf if x == 0.0 else np.nan)) / math.log1p(r)


@_jit
def cum_pay(r, n, v, start, end, t, principal):
    """financial._cumulative of one trial whose arguments are valid (start, end already
    rounded): the interest (or principal) paid in periods start .. end."""
    total = 0.0
    k = 1.0
    while k <= end:
        if k >= start:
            term = ipmt(r, k, n, v, 0.0, t)
            if principal != 0.0:
                term = pmt(r, n, v, 0.0, t) - term
            total = total + term
        k += 1.0
    return total


@_jit
def _rate_fun(r, n, p, v, f, b):
    """RATE's function and derivative (financial.rate's ``fun``)."""
    g, ann = _growth(r, n)
    small = abs(r) < 1e-10
    rr = 1.0 if small else r
    dann = n * (n - 1.0) / 2.0 if small else (n * g / (1.0 + r) - ann) / rr
    k = 1.0 + r * b
    return v * g + p * k * ann + f, v * n * g / (1.0 + r) + p * (b * ann + k * dann)


@_jit
def rate_root(n, p, v, f, t, guess):
    """financial.rate of one trial with n > 0: (rate, 1.0 where Newton's method converged
    else 0.0), the steps of financial.newton and .polish."""
    b = 1.0 if t != 0.0 else 0.0
    x = guess
    for _ in range(_RATE_ITER):
        fx, dfx = _rate_fun(x, n, p, v, f, b)
        step = fx / dfx
        new = x - step
        if (not math.isfinite(new)) or new <= -1.0:
            return x, 0.0
        if abs(step) <= _TOL * max(1.0, abs(new)):
            y = new
            for _ in range(_POLISH_STEPS):
                fy, dfy = _rate_fun(y, n, p, v, f, b)
                st = fy / dfy if dfy != 0.0 else 0.0
                y2 = y - st
                if not (math.isfinite(y2) and y2 > -1.0):
                    break
                y = y2
                if abs(st) <= _POLISH_DONE * max(1.0, abs(y2)):
                    break
            return y, 1.0
        x = new
    return x, 0.0


@_jit
def ddb(c, s, life, per, factor):
    """financial._ddb of one trial."""
    rt = factor / life
    keep = 1.0 - min(rt, 1.0)
    if rt >= 1.0:
        old = c if per == 1.0 else 0.0
    else:
        old = c * np.power(keep, per - 1.0)
    new = c * np.power(keep, per)
    return max(old - s if new < s else old - new, 0.0)


__all__ = list(KERNEL_NAMES)
