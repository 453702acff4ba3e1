"""Runtime of the numba kernel's BESSELI/J/K/Y: :mod:`engine.functions._bessel_nr` for one
trial, operation for operation (the same Numerical Recipes coefficients, read from that
module, the same order of operations, the same recurrences and Miller starts), so a fused
cell has numpy's (and Excel's) value.  Orders whose loop would pass ``MAX_STEPS`` call
scipy's ``iv``/``jv``/``kv``/``yv`` (its compiled cython_special routines, linked by symbol
as :mod:`._rt_dist` links its own), as the reference does.

Each ``bs_*`` takes the Excel arguments ``(x, n)`` already coerced; ``n`` is truncated here and
a bad trial (n < 0, or x <= 0 for K and Y) returns 0.0: the generator flags it #NUM!.
The generator calls the ``*_small`` aliases where the order is bounded under SMALL_ORDER.
"""

from __future__ import annotations

import math

import llvmlite.binding as _llvm
from numba import njit, types

from ...functions import _bessel_nr as nr
from ._rt import _capsule_address

_jit = njit(nogil=True, cache=True, error_model="numpy")

for _sym, _cap in {"mcdesk_bs_iv": "__pyx_fuse_1iv", "mcdesk_bs_jv": "__pyx_fuse_1jv",
                   "mcdesk_bs_kv": "__pyx_fuse_1kv", "mcdesk_bs_yv": "__pyx_fuse_1yv"}.items():
    _llvm.add_symbol(_sym, _capsule_address(_cap))
_F2 = types.float64(types.float64, types.float64, types.intc)
_iv = types.ExternalFunction("mcdesk_bs_iv", _F2)
_jv = types.ExternalFunction("mcdesk_bs_jv", _F2)
_kv = types.ExternalFunction("mcdesk_bs_kv", _F2)
_yv = types.ExternalFunction("mcdesk_bs_yv", _F2)

ACC, BIGNO, BIGNI, MAX_STEPS = nr.ACC, nr.BIGNO, nr.BIGNI, float(nr.MAX_STEPS)
_I0_SMALL, _I0_LARGE, _I1_SMALL, _I1_LARGE = nr._I0_SMALL, nr._I0_LARGE, nr._I1_SMALL, nr._I1_LARGE
_K0_SMALL, _K0_LARGE, _K1_SMALL, _K1_LARGE = nr._K0_SMALL, nr._K0_LARGE, nr._K1_SMALL, nr._K1_LARGE
_J0_NUM, _J0_DEN, _J1_NUM, _J1_DEN = nr._J0_NUM, nr._J0_DEN, nr._J1_NUM, nr._J1_DEN
_Y0_NUM, _Y0_DEN, _Y1_NUM, _Y1_DEN = nr._Y0_NUM, nr._Y0_DEN, nr._Y1_NUM, nr._Y1_DEN
_P0, _Q0_J, _Q0_Y, _P1, _Q1 = nr._P0, nr._Q0_J, nr._Q0_Y, nr._P1, nr._Q1

# the ``*_small`` names are the same functions, called where the order is known to be under
# SMALL_ORDER (so never past MAX_STEPS): those have CUDA twins (..cupy._rt_bessel)
SMALL_ORDER = 9000.0
SMALL_NAMES = ("bs_besseli_small", "bs_besselj_small", "bs_besselk_small", "bs_bessely_small")
KERNEL_NAMES = ("bs_besseli", "bs_besselj", "bs_besselk", "bs_bessely", *SMALL_NAMES)


@_jit
def _poly(y: float, c: tuple) -> float:
    acc = c[len(c) - 1]
    for k in range(len(c) - 2, -1, -1):
        acc = c[k] + y * acc
    return acc


@_jit
def _i0(x: float) -> float:
    ax = abs(x)
    if ax < 3.75:
        t = x / 3.75
        return _poly(t * t, _I0_SMALL)
    return (math.exp(ax) / math.sqrt(ax)) * _poly(3.75 / ax, _I0_LARGE)


@_jit
def _i1(x: float) -> float:
    ax = abs(x)
    if ax < 3.75:
        t = x / 3.75
        out = ax * _poly(t * t, _I1_SMALL)
    else:
        out = _poly(3.75 / ax, _I1_LARGE) * (math.exp(ax) / math.sqrt(ax))
    return -out if x < 0 else out


@_jit
def _k0(x: float) -> float:
    if x <= 2.0:
        return (-math.log(x / 2.0) * _i0(x)) + _poly(x * x / 4.0, _K0_SMALL)
    return (math.exp(-x) / math.sqrt(x)) * _poly(2.0 / x, _K0_LARGE)


@_jit
def _k1(x: float) -> float:
    if x <= 2.0:
        return (math.log(x / 2.0) * _i1(x)) + (1.0 / x) * _poly(x * x / 4.0, _K1_SMALL)
    return (math.exp(-x) / math.sqrt(x)) * _poly(2.0 / x, _K1_LARGE)


@_jit
def _asymptotic(ax: float, shift: float, p: tuple, q: tuple, sine: bool) -> float:
    z = 8.0 / ax
    y = z * z
    xx = ax - shift
    a1, a2 = _poly(y, p), _poly(y, q)
    if sine:
        trig = math.sin(xx) * a1 + z * math.cos(xx) * a2
    else:
        trig = math.cos(xx) * a1 - z * math.sin(xx) * a2
    return math.sqrt(0.636619772 / ax) * trig


@_jit
def _j0(x: float) -> float:
    ax = abs(x)
    if ax < 8.0:
        y = x * x
        return _poly(y, _J0_NUM) / _poly(y, _J0_DEN)
    return _asymptotic(ax, 0.785398164, _P0, _Q0_J, False)


@_jit
def _j1(x: float) -> float:
    ax = abs(x)
    if ax < 8.0:
        y = x * x
        return x * _poly(y, _J1_NUM) / _poly(y, _J1_DEN)
    out = _asymptotic(ax, 2.356194491, _P1, _Q1, False)
    return -out if x < 0 else out


@_jit
def _y0(x: float) -> float:
    if x < 8.0:
        y = x * x
        return (_poly(y, _Y0_NUM) / _poly(y, _Y0_DEN)) + 0.636619772 * _j0(x) * math.log(x)
    return _asymptotic(x, 0.785398164, _P0, _Q0_Y, True)


@_jit
def _y1(x: float) -> float:
    if x < 8.0:
        y = x * x
        return ((x * _poly(y, _Y1_NUM) / _poly(y, _Y1_DEN))
                + 0.636619772 * (_j1(x) * math.log(x) - 1.0 / x))
    return _asymptotic(x, 2.356194491, _P1, _Q1, True)


@_jit
def _upward(n: float, x: float, first: float, second: float, kind: int) -> float:
    """Orders >= 2 from 0 and 1: K (kind 0) ``p + j tox c``, J and Y ``j tox c - p``."""
    if n == 0.0:
        return first
    if n == 1.0:
        return second
    tox = 2.0 / x
    prev, cur = first, second
    for j in range(1, int(n)):
        nxt = prev + j * tox * cur if kind == 0 else j * tox * cur - prev
        prev, cur = cur, nxt
    return cur


@_jit
def _odd_sign(n: float, x: float, v: float) -> float:
    return -v if x < 0 and n % 2 == 1 else v


@_jit
def _in_miller(n: float, x: float) -> float:
    tox = 2.0 / abs(x)
    m = int(2.0 * (n + math.floor(math.sqrt(ACC * n))))
    bip, ans, bi = 0.0, 0.0, 1.0
    for j in range(m, 0, -1):
        bim = bip + j * tox * bi
        bip, bi = bi, bim
        if abs(bi) > BIGNO:
            ans, bi, bip = ans * BIGNI, bi * BIGNI, bip * BIGNI
        if n == j:
            ans = bip
    return ans * (_i0(x) / bi)


@_jit
def _jn_miller(n: float, ax: float) -> float:
    tox = 2.0 / ax
    m = int(2.0 * math.floor((n + math.floor(math.sqrt(ACC * n))) / 2.0))
    bjp, ans, total, bj = 0.0, 0.0, 0.0, 1.0
    for j in range(m, 0, -1):
        bjm = j * tox * bj - bjp
        bjp, bj = bj, bjm
        if abs(bj) > BIGNO:
            bj, bjp, ans, total = bj * BIGNI, bjp * BIGNI, ans * BIGNI, total * BIGNI
        if j % 2:
            total = total + bj
        if n == j:
            ans = bjp
    return ans / (2.0 * total - bj)


@_jit
def _order(n: float) -> float:
    """The truncated order, -1.0 for a bad one (n < 0), -2.0 for one past MAX_STEPS."""
    k = math.trunc(n) if math.isfinite(n) else n
    if not k >= 0.0:
        return -1.0
    if not 2.0 * (k + math.floor(math.sqrt(ACC * k))) <= MAX_STEPS:
        return -2.0
    return k


@_jit
def bs_besseli(x: float, n: float) -> float:
    """BESSELI(x, n) as _bessel_nr.besseli."""
    k = _order(n)
    if k == -1.0:
        return 0.0
    if k == -2.0:
        return _iv(math.trunc(n), x, 0)
    if k == 0.0:
        return _i0(x)
    if k == 1.0:
        return _i1(x)
    if x == 0.0:
        return 0.0
    return _odd_sign(k, x, _in_miller(k, x))


@_jit
def bs_besselj(x: float, n: float) -> float:
    """BESSELJ(x, n) as _bessel_nr.besselj."""
    k = _order(n)
    if k == -1.0:
        return 0.0
    if k == -2.0:
        return _jv(math.trunc(n), x, 0)
    if k == 0.0:
        return _j0(x)
    if k == 1.0:
        return _j1(x)
    ax = abs(x)
    if ax == 0.0:
        return 0.0
    if ax > k:
        v = _upward(k, ax, _j0(ax), _j1(ax), 1)
    else:
        v = _jn_miller(k, ax)
    return _odd_sign(k, x, v)


@_jit
def bs_besselk(x: float, n: float) -> float:
    """BESSELK(x, n) as _bessel_nr.besselk (x > 0)."""
    k = _order(n)
    if k == -1.0 or not x > 0.0:
        return 0.0
    if k == -2.0:
        return _kv(math.trunc(n), x, 0)
    return _upward(k, x, _k0(x), _k1(x), 0)


@_jit
def bs_bessely(x: float, n: float) -> float:
    """BESSELY(x, n) as _bessel_nr.bessely (x > 0)."""
    k = _order(n)
    if k == -1.0 or not x > 0.0:
        return 0.0
    if k == -2.0:
        return _yv(math.trunc(n), x, 0)
    return _upward(k, x, _y0(x), _y1(x), 1)


bs_besseli_small, bs_besselj_small = bs_besseli, bs_besselj
bs_besselk_small, bs_bessely_small = bs_besselk, bs_bessely
