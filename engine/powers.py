"""Excel's ``^``: one double in numpy and numba (and CUDA for a whole exponent).

``x ^ k`` for a whole ``k`` is computed by binary powering in double-double arithmetic
(each partial power held as ``(hi + lo) * 2**e`` with ``0.5 <= |hi| <= 1``, every product
exact through Dekker's split, so the pair carries about 100 bits), then rounded once.  The
result is the correctly rounded power, except when the exact power lies within about
``2**-95`` (relative) of a rounding midpoint; a subnormal result is rounded twice.

Why not ``np.power``: on a CPU with AVX-512 numpy computes float64 powers with its own SIMD
code, which is one unit in the last place away from C's ``pow`` (and from the correctly
rounded power) in about 5% of cases, for ``x ** 3`` too; numba calls C's ``pow`` (or
multiplied by binary powering), CUDA its own ``pow`` (2 units).  A number shown as text
(15 significant digits) then differed between backends.  The operations used here (``+``,
``-``, ``*``, ``/``, ``frexp``, ``ldexp``) round the same way in
all three, so the numba kernel (:func:`engine.backends.numba._rt.ipow`, which jits the
helpers below from this source) and the CUDA twin (``ipow`` in
:mod:`engine.backends.cupy._rt`, compiled with ``--fmad=false``) give the same double.

A fractional exponent (a positive base) goes to C's ``pow`` in numpy too, element by element
(about 0.3 s a million), so numpy and numba agree bit for bit on every power (``x ^ 0.5`` is
the square root in all three: LLVM turns numba's ``pow`` of a constant 0.5 into ``sqrt``); CUDA's ``pow``
of a fractional exponent is its own (within 2 units in the last place).  Zero or non-finite
bases and exponents, where every library gives the same exact value, go to ``np.power``.

Numba caches the kernels' ``ipow`` by the file it is written in (``_rt.py``): after editing
the helpers here, touch that file too, so that the cache is rebuilt.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["E_CLIP", "WHOLE_LIMIT", "dd_mul", "dd_recip", "dd_renorm", "excel_power", "two_prod",
           "whole_power"]

WHOLE_LIMIT = 2.0 ** 62  # |k| below this is powered here; above, np.power
_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitter
E_CLIP = 1 << 20  # exponents beyond +-2**20 already mean overflow or underflow
_BLOCK = 16384


def two_prod(a, b):  # type: ignore[no-untyped-def]
    """``(p, e)`` with ``p = fl(a * b)`` and ``p + e == a * b`` exactly (Dekker; no fma).

    Plain arithmetic, so it runs elementwise on arrays, on scalars, and jitted by numba."""
    p = a * b
    c = _SPLIT * a
    ah = c - (c - a)
    al = a - ah
    d = _SPLIT * b
    bh = d - (d - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def dd_mul(ah, al, bh, bl):  # type: ignore[no-untyped-def]
    """(ah + al) * (bh + bl) as a normalized double-double ``(hi, lo)``."""
    p, e = two_prod(ah, bh)
    e = e + (ah * bl + al * bh)
    hi = p + e
    return hi, e - (hi - p)


def dd_renorm(h, lo, ex):  # type: ignore[no-untyped-def]
    """Scale ``(h + lo) * 2**ex`` by 2 (exactly) while ``|h| < 0.5``, once: a product of two
    pairs with ``0.5 <= |hi| <= 1`` is at least 0.25 in magnitude."""
    small = abs(h) < 0.5
    f = 1.0 + small
    return h * f, lo * f, ex - small


def dd_recip(h, lo):  # type: ignore[no-untyped-def]
    """1 / (h + lo) as a double-double (one Newton correction of the rounded quotient)."""
    q = 1.0 / h
    p, e = two_prod(q, h)
    r = ((1.0 - p) - e) - q * lo
    c = r * q
    hi = q + c
    return hi, c - (hi - q)


def whole_power(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``x ** k`` elementwise for finite nonzero ``x`` and whole ``|k| < WHOLE_LIMIT`` (1-D
    arrays of one length, or ``k`` of one value), as described in the module docstring."""
    x = np.asarray(x, dtype=np.float64).ravel()
    k = np.asarray(k, dtype=np.float64).ravel()
    out = np.empty(max(x.size, k.size))
    for s in range(0, out.size, _BLOCK):  # blocks that stay in the cache: 3-5x faster
        out[s:s + _BLOCK] = _whole_block(x[s:s + _BLOCK] if x.size > 1 else x,
                                         k[s:s + _BLOCK] if k.size > 1 else k)
    return out


def _select(bit: np.ndarray, new: tuple, old: tuple) -> tuple:
    if bit.all():
        return new
    return tuple(np.where(bit, a, b) for a, b in zip(new, old, strict=True))


def _whole_block(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    bh, bex = np.frexp(x)
    bex = bex.astype(np.int64)
    with np.errstate(all="ignore"):
        rh, rl, rex = dd_powering(bh, np.zeros_like(bh), bex, k)
        return np.ldexp(rh + rl, rex)


def dd_powering(bh: np.ndarray, bl: np.ndarray, bex: np.ndarray, k: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bh + bl) * 2**bex to the whole power ``k`` (a float, one or one per element) by
    double-double binary powering: (hi, lo, exponent), the exponent clipped to +-E_CLIP, a
    negative ``k`` by dd_recip last.  Shared by :func:`whole_power` (bl = 0) and the
    annuities' (1 + r) ** n (engine.functions.financial.growth_pair)."""
    rh, rl, rex = np.ones_like(bh), np.zeros_like(bh), np.zeros_like(bex)
    n = np.abs(k).astype(np.int64)  # one value, or one per trial
    while n.any():
        bit = (n & 1) == 1
        if bit.any():
            ph, pl = dd_mul(rh, rl, bh, bl)
            ph, pl, pex = dd_renorm(ph, pl, rex + bex)
            pex = np.clip(pex, -E_CLIP, E_CLIP)
            rh, rl, rex = _select(bit, (ph, pl, pex), (rh, rl, rex))
        n = n >> 1
        if n.any():
            bh, bl = dd_mul(bh, bl, bh, bl)
            bh, bl, bex = dd_renorm(bh, bl, np.clip(2 * bex, -E_CLIP, E_CLIP))
    neg = k < 0.0
    if neg.any():
        qh, ql = dd_recip(rh, rl)
        rh, rl, rex = _select(neg, (qh, ql, -rex), (rh, rl, rex))
    return rh, rl, rex


def _libm_pow(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        return math.inf


_LIBM_POW = np.frompyfunc(_libm_pow, 2, 1)


def excel_power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x ** y`` as the ``^`` operator computes it (before Excel's error rules): a whole
    exponent through :func:`whole_power`; a positive base and a fractional exponent (or a whole
    one of ``2**62`` and above) by C's ``pow``, the one numba calls, element by element (numpy's
    SIMD power is a unit in the last place away from it in ~5% of cases on an AVX-512 CPU);
    anything else (a zero, negative or non-finite base with a fractional exponent, a non-finite
    exponent: exact values, or NaN, in every library) by ``np.power``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    shape = np.broadcast_shapes(x.shape, y.shape)
    with np.errstate(all="ignore"):
        finite = np.isfinite(x) & np.isfinite(y)
        whole = (np.floor(y) == y) & (np.abs(y) < WHOLE_LIMIT) & finite & (x != 0.0)
        if whole.all():  # (a one-value exponent stays one value: powered without masks)
            return whole_power(x, y).reshape(shape)
        out = np.power(x, y)
        frac = ~whole & finite & ((x > 0.0) | ((np.floor(y) == y) & (x != 0.0)))
        if whole.any() or frac.any():
            xb, yb = np.broadcast_arrays(x, y)
            if whole.any():
                out[whole] = whole_power(xb[whole], yb[whole])
            if frac.any():
                out[frac] = _LIBM_POW(xb[frac], yb[frac]).astype(np.float64)
        # x ^ 0.5 of a positive x is its square root (correctly rounded; C's pow is a unit in
        # the last place away in ~0.1% of cases): LLVM makes numba's pow(x, 0.5) of a
        # constant 0.5 a sqrt, so every backend takes the sqrt
        half = (y == 0.5) & (x > 0.0) & np.isfinite(x)
        if half.any():
            out[np.broadcast_to(half, shape)] = np.sqrt(np.broadcast_to(x, shape)[
                np.broadcast_to(half, shape)])
        return out
