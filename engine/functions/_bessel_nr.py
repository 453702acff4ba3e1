"""Excel's Bessel functions, computed the way Excel computes them.

Excel's BESSELI/J/K/Y are the Numerical Recipes routines (Press et al., 2nd ed., 6.5-6.6):
the polynomial and rational approximations of Abramowitz & Stegun 9.4 and 9.8 for orders 0
and 1 (about 1e-8 relative), upward recurrence for K and Y (and J past x > n), Miller's
downward recurrence for I (and J below x <= n).  Excel's cached values are these bit for bit
(BESSELK(0.4953,1)*BESSELI(1.4227,1)-..: 1.4416494441616328, where the exact functions give
1.4416494397481374), so a cooling-coil model built on them only agrees with Excel this way.

Each function takes arrays of orders ``n`` (whole numbers >= 0) and arguments ``x`` of one
shape and works elementwise; the recurrences run once over the largest order, each element
stepping only while its own order needs it.  Orders whose loop would pass
:data:`MAX_STEPS` use scipy's functions instead (those values under- or overflow or differ
from Excel's by about 1e-8 only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import special as sc

ACC, BIGNO, BIGNI = 40.0, 1e10, 1e-10
MAX_STEPS = 20000


def _poly(y: np.ndarray, coeffs: Sequence[float]) -> np.ndarray:
    """``c0 + y*(c1 + y*(c2 + ...))`` in Numerical Recipes' order of operations."""
    acc = np.full_like(y, coeffs[-1])
    for c in coeffs[-2::-1]:
        acc = c + y * acc
    return acc


_I0_SMALL = (1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2)
_I0_LARGE = (0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2,
             -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2)
_I1_SMALL = (0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3)
_I1_LARGE = (0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
             0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2)
_K0_SMALL = (-0.57721566, 0.42278420, 0.23069756, 0.3488590e-1, 0.262698e-2, 0.10750e-3, 0.74e-5)
_K0_LARGE = (1.25331414, -0.7832358e-1, 0.2189568e-1, -0.1062446e-1, 0.587872e-2,
             -0.251540e-2, 0.53208e-3)
_K1_SMALL = (1.0, 0.15443144, -0.67278579, -0.18156897, -0.1919402e-1, -0.110404e-2, -0.4686e-4)
_K1_LARGE = (1.25331414, 0.23498619, -0.3655620e-1, 0.1504268e-1, -0.780353e-2,
             0.325614e-2, -0.68245e-3)
_J0_NUM = (57568490574.0, -13362590354.0, 651619640.7, -11214424.18, 77392.33017, -184.9052456)
_J0_DEN = (57568490411.0, 1029532985.0, 9494680.718, 59272.64853, 267.8532712, 1.0)
_J1_NUM = (72362614232.0, -7895059235.0, 242396853.1, -2972611.439, 15704.48260, -30.16036606)
_J1_DEN = (144725228442.0, 2300535178.0, 18583304.74, 99447.43394, 376.9991397, 1.0)
_Y0_NUM = (-2957821389.0, 7062834065.0, -512359803.6, 10879881.29, -86327.92757, 228.4622733)
_Y0_DEN = (40076544269.0, 745249964.8, 7189466.438, 47447.26470, 226.1030244, 1.0)
_Y1_NUM = (-0.4900604943e13, 0.1275274390e13, -0.5153438139e11, 0.7349264551e9,
           -0.4237922726e7, 0.8511937935e4)
_Y1_DEN = (0.2499580570e14, 0.4244419664e12, 0.3733650367e10, 0.2245904002e8,
           0.1020426050e6, 0.3549632885e3, 1.0)
# the asymptotic forms (x >= 8): P and Q of order 0 (Q0's last term differs between
# Numerical Recipes' J0 and Y0, as it does in the book) and of order 1
_P0 = (1.0, -0.1098628627e-2, 0.2734510407e-4, -0.2073370639e-5, 0.2093887211e-6)
_Q0_J = (-0.1562499995e-1, 0.1430488765e-3, -0.6911147651e-5, 0.7621095161e-6, -0.934935152e-7)
_Q0_Y = (-0.1562499995e-1, 0.1430488765e-3, -0.6911147651e-5, 0.7621095161e-6, -0.934945152e-7)
_P1 = (1.0, 0.183105e-2, -0.3516396496e-4, 0.2457520174e-5, -0.240337019e-6)
_Q1 = (0.04687499995, -0.2002690873e-3, 0.8449199096e-5, -0.88228987e-6, 0.105787412e-6)


def _exp_scale(ax: np.ndarray) -> np.ndarray:
    return np.exp(ax) / np.sqrt(ax)


def i0(x: np.ndarray) -> np.ndarray:
    """I0(x) (bessi0)."""
    ax = np.abs(x)
    small = ax < 3.75
    safe = np.where(small, 3.75, ax)
    return np.where(small, _poly((x / 3.75) ** 2, _I0_SMALL),
                    _exp_scale(safe) * _poly(3.75 / safe, _I0_LARGE))


def i1(x: np.ndarray) -> np.ndarray:
    """I1(x) (bessi1)."""
    ax = np.abs(x)
    small = ax < 3.75
    safe = np.where(small, 3.75, ax)
    out = np.where(small, ax * _poly((x / 3.75) ** 2, _I1_SMALL),
                   _poly(3.75 / safe, _I1_LARGE) * _exp_scale(safe))
    return np.where(x < 0, -out, out)


def k0(x: np.ndarray) -> np.ndarray:
    """K0(x), x > 0 (bessk0)."""
    small = x <= 2.0
    y = x * x / 4.0
    return np.where(small, (-np.log(x / 2.0) * i0(x)) + _poly(y, _K0_SMALL),
                    (np.exp(-x) / np.sqrt(x)) * _poly(2.0 / x, _K0_LARGE))


def k1(x: np.ndarray) -> np.ndarray:
    """K1(x), x > 0 (bessk1)."""
    small = x <= 2.0
    y = x * x / 4.0
    return np.where(small, (np.log(x / 2.0) * i1(x)) + (1.0 / x) * _poly(y, _K1_SMALL),
                    (np.exp(-x) / np.sqrt(x)) * _poly(2.0 / x, _K1_LARGE))


def _asymptotic(ax: np.ndarray, shift: float, p: Sequence[float], q: Sequence[float],
                sine: bool) -> np.ndarray:
    """sqrt(2/(pi x)) (cos(xx) P - z sin(xx) Q) for J, (sin(xx) P + z cos(xx) Q) for Y."""
    z = 8.0 / ax
    y = z * z
    xx = ax - shift
    a1, a2 = _poly(y, p), _poly(y, q)
    trig = (np.sin(xx) * a1 + z * np.cos(xx) * a2) if sine else (np.cos(xx) * a1 - z * np.sin(xx) * a2)
    return np.sqrt(0.636619772 / ax) * trig


def j0(x: np.ndarray) -> np.ndarray:
    """J0(x) (bessj0)."""
    ax = np.abs(x)
    small = ax < 8.0
    y = x * x
    big = np.where(small, 8.0, ax)
    return np.where(small, _poly(y, _J0_NUM) / _poly(y, _J0_DEN),
                    _asymptotic(big, 0.785398164, _P0, _Q0_J, False))


def j1(x: np.ndarray) -> np.ndarray:
    """J1(x) (bessj1)."""
    ax = np.abs(x)
    small = ax < 8.0
    y = x * x
    big = np.where(small, 8.0, ax)
    out = np.where(small, x * _poly(y, _J1_NUM) / _poly(y, _J1_DEN),
                   _asymptotic(big, 2.356194491, _P1, _Q1, False))
    return np.where(~small & (x < 0), -out, out)


def y0(x: np.ndarray) -> np.ndarray:
    """Y0(x), x > 0 (bessy0)."""
    small = x < 8.0
    y = x * x
    big = np.where(small, 8.0, x)
    return np.where(small, (_poly(y, _Y0_NUM) / _poly(y, _Y0_DEN)) + 0.636619772 * j0(x) * np.log(x),
                    _asymptotic(big, 0.785398164, _P0, _Q0_Y, True))


def y1(x: np.ndarray) -> np.ndarray:
    """Y1(x), x > 0 (bessy1)."""
    small = x < 8.0
    y = x * x
    big = np.where(small, 8.0, x)
    return np.where(small, (x * _poly(y, _Y1_NUM) / _poly(y, _Y1_DEN))
                    + 0.636619772 * (j1(x) * np.log(x) - 1.0 / x),
                    _asymptotic(big, 2.356194491, _P1, _Q1, True))


def _upward(n: np.ndarray, x: np.ndarray, first: np.ndarray, second: np.ndarray,
            step: Callable[[float, np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Orders >= 2 from orders 0 and 1 by ``step(j, tox, this, previous)`` (K and Y)."""
    tox = 2.0 / x
    prev, cur = first, second
    for j in range(1, int(n.max(initial=0))):
        nxt = step(float(j), tox, cur, prev)
        live = j < n
        prev, cur = np.where(live, cur, prev), np.where(live, nxt, cur)
    return np.where(n == 0, first, np.where(n == 1, second, cur))


def _miller_start(n: np.ndarray) -> np.ndarray:
    return n + np.floor(np.sqrt(ACC * n))


def _in_miller(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """I_n(x) for n >= 2 by downward recurrence from m = 2(n + int(sqrt(40 n))) (bessi)."""
    tox = 2.0 / np.abs(x)
    m = 2.0 * _miller_start(n)
    bip, ans, bi = np.zeros_like(x), np.zeros_like(x), np.ones_like(x)
    for j in range(int(m.max(initial=0)), 0, -1):
        live = j <= m
        bim = bip + j * tox * bi
        bip, bi = np.where(live, bi, bip), np.where(live, bim, bi)
        big = live & (np.abs(bi) > BIGNO)
        ans, bi, bip = (np.where(big, v * BIGNI, v) for v in (ans, bi, bip))
        ans = np.where(live & (n == j), bip, ans)
    return ans * (i0(x) / bi)


def _jn_miller(n: np.ndarray, ax: np.ndarray) -> np.ndarray:
    """J_n(x) for n >= 2, 0 < x <= n, by downward recurrence normalised by the sum rule (bessj)."""
    tox = 2.0 / ax
    m = 2.0 * np.floor(_miller_start(n) / 2.0)
    bjp, ans, total, bj = np.zeros_like(ax), np.zeros_like(ax), np.zeros_like(ax), np.ones_like(ax)
    for j in range(int(m.max(initial=0)), 0, -1):
        live = j <= m
        bjm = j * tox * bj - bjp
        bjp, bj = np.where(live, bj, bjp), np.where(live, bjm, bj)
        big = live & (np.abs(bj) > BIGNO)
        bj, bjp, ans, total = (np.where(big, v * BIGNI, v) for v in (bj, bjp, ans, total))
        if j % 2:       # m is even: the sum takes every other term, the odd j
            total = np.where(live, total + bj, total)
        ans = np.where(live & (n == j), bjp, ans)
    return ans / (2.0 * total - bj)


def _steps(n: np.ndarray) -> np.ndarray:
    return 2.0 * _miller_start(n)


def _by_recurrence(n: np.ndarray, x: np.ndarray, compute: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   exact: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """``compute`` where the loop is short enough, scipy's ``exact`` where it is not."""
    n, x = (np.array(a, np.float64) for a in np.broadcast_arrays(n, x))
    slow = _steps(n) > MAX_STEPS
    if not slow.any():
        return compute(n, x)
    out = np.asarray(exact(n, x), np.float64).copy()
    keep = ~slow
    if keep.any():
        out[keep] = compute(n[keep], x[keep])
    return out


def _odd_sign(n: np.ndarray, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.where((x < 0) & (n % 2 == 1), -v, v)


def _besseli(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    high = n >= 2
    safe = np.where(high & (x != 0), x, 1.0)
    hn = np.where(high, n, 2.0)
    out = np.where(x == 0, 0.0, _odd_sign(hn, x, _in_miller(hn, safe)))
    return np.where(n == 0, i0(x), np.where(n == 1, i1(x), out))


def _besselj(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    high = n >= 2
    hn = np.where(high, n, 2.0)
    up = ax > hn
    safe_up = np.where(up, ax, hn + 1.0)
    upward = _upward(hn, safe_up, j0(safe_up), j1(safe_up), lambda j, tox, c, p: j * tox * c - p)
    safe_down = np.where(~up & (ax != 0), ax, 1.0)
    downward = _jn_miller(hn, safe_down)
    out = np.where(ax == 0, 0.0, _odd_sign(hn, x, np.where(up, upward, downward)))
    return np.where(n == 0, j0(x), np.where(n == 1, j1(x), out))


def besseli(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Excel's BESSELI(x, n) for whole n >= 0."""
    return _by_recurrence(n, x, _besseli, sc.iv)


def besselj(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Excel's BESSELJ(x, n) for whole n >= 0."""
    return _by_recurrence(n, x, _besselj, sc.jv)


def besselk(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Excel's BESSELK(x, n) for whole n >= 0 and x > 0."""
    return _by_recurrence(n, x, lambda n, x: _upward(n, x, k0(x), k1(x),
                                                      lambda j, tox, c, p: p + j * tox * c), sc.kv)


def bessely(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Excel's BESSELY(x, n) for whole n >= 0 and x > 0."""
    return _by_recurrence(n, x, lambda n, x: _upward(n, x, y0(x), y1(x),
                                                      lambda j, tox, c, p: j * tox * c - p), sc.yv)
