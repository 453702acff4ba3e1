"""Numbers as decimal text in compiled code: Excel's General format, exactly as the numpy
reference writes it (:func:`engine.values.format_number`).

``format_number`` is ``str(int(x))`` for integers below 1e15 and otherwise Python's
``format(x, ".15g")`` (the exact binary value correctly rounded to 15 significant digits,
ties to even) with an upper-case ``E`` and at least two exponent digits.  The 15 digits
come from :func:`digits15`: the exact quotient of the double's value by a power of ten in
a small bignum (limbs of 30 bits in an int64 array), so every double, denormals included,
gets the reference's digits (tested against it on a million random doubles).

Every function here is ``@njit``: the dynamic text of :mod:`._dtext_rt` calls them per
trial.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_jit = njit(nogil=True, cache=True, error_model="numpy")

_BITS = 30
_MASK = (1 << _BITS) - 1
_CAP = 46            # limbs: 1380 bits (the largest operand, m * 10**338, has 1177)
MAX_CHARS = 24       # the longest General-format text of a double ("-1.23456789012346E-307")
_POW10 = np.array([float(f"1e{i}") for i in range(309)])   # correctly rounded


# ----------------------------------------------------------------- a small bignum
@_jit
def _bn_set(a, x):
    """``a`` = x (0 <= x < 2**62); the number of limbs used."""
    a[:] = 0
    n = 0
    while x > 0:
        a[n] = x & _MASK
        x >>= _BITS
        n += 1
    return n


@_jit
def _bn_mul(a, n, m):
    """``a`` *= m (0 < m < 2**30)."""
    carry = 0
    for i in range(n):
        t = a[i] * m + carry
        a[i] = t & _MASK
        carry = t >> _BITS
    while carry > 0:
        a[n] = carry & _MASK
        carry >>= _BITS
        n += 1
    return n


@_jit
def _bn_pow10(a, n, p):
    """``a`` *= 10**p (p >= 0)."""
    while p >= 9:
        n = _bn_mul(a, n, 1000000000)
        p -= 9
    if p > 0:
        n = _bn_mul(a, n, 10 ** p)
    return n


@_jit
def _bn_shl(a, n, k):
    """``a`` <<= k (k >= 0)."""
    if n == 0 or k == 0:
        return n
    w = k // _BITS
    b = k % _BITS
    if b == 0:
        for i in range(n - 1, -1, -1):
            a[i + w] = a[i]
        top = n + w
    else:
        a[n + w] = a[n - 1] >> (_BITS - b)
        for i in range(n - 1, -1, -1):
            low = (a[i] << b) & _MASK
            if i > 0:
                low |= a[i - 1] >> (_BITS - b)
            a[i + w] = low
        top = n + w + 1
    for i in range(w):
        a[i] = 0
    while top > 0 and a[top - 1] == 0:
        top -= 1
    return top


@_jit
def _bn_shr1(a, n):
    """``a`` >>= 1."""
    for i in range(n):
        hi = (a[i + 1] & 1) << (_BITS - 1) if i + 1 < n else 0
        a[i] = (a[i] >> 1) | hi
    while n > 0 and a[n - 1] == 0:
        n -= 1
    return n


@_jit
def _bn_cmp(a, na, b, nb):
    if na != nb:
        return 1 if na > nb else -1
    for i in range(na - 1, -1, -1):
        if a[i] != b[i]:
            return 1 if a[i] > b[i] else -1
    return 0


@_jit
def _bn_sub(a, na, b, nb):
    """``a`` -= b (a >= b)."""
    borrow = 0
    for i in range(na):
        t = a[i] - (b[i] if i < nb else 0) - borrow
        if t < 0:
            t += 1 << _BITS
            borrow = 1
        else:
            borrow = 0
        a[i] = t
    while na > 0 and a[na - 1] == 0:
        na -= 1
    return na


# ----------------------------------------------------------------- digits
@_jit
def digits15(x):
    """(q, k) for a finite x > 0: q in [1e14, 1e15) the 15 significant digits of x correctly
    rounded (ties to even, on the exact binary value), k the decimal exponent of the first."""
    return digits_n(x, 15)


@_jit
def digits_n(x, nd):
    """(q, k) for a finite x > 0: q in [10**(nd-1), 10**nd) the nd (1..17) significant digits
    of x correctly rounded (ties to even, on the exact binary value: Python's ``.{nd-1}e``),
    k the decimal exponent of the first."""
    lo_q = 10 ** (nd - 1)
    hi_q = lo_q * 10
    f, big_e = math.frexp(x)
    m = int(f * 9007199254740992.0)     # f * 2**53: exact, x = m * 2**e
    e = big_e - 53
    k = int(math.floor(math.log10(x)))
    num = np.zeros(_CAP, dtype=np.int64)
    den = np.zeros(_CAP, dtype=np.int64)
    for _ in range(4):                  # log10 is at most one off: one retry suffices
        s = nd - 1 - k
        nn = _bn_set(num, m)
        nn = _bn_shl(num, nn, max(e, 0))
        nn = _bn_pow10(num, nn, max(s, 0))
        nd_ = _bn_set(den, 1)
        nd_ = _bn_shl(den, nd_, max(-e, 0))
        nd_ = _bn_pow10(den, nd_, max(-s, 0))
        # q = num // den by binary long division (q < 2**59), num keeps the remainder
        nd_ = _bn_shl(den, nd_, 59)
        q = 0
        for bit in range(59, -1, -1):
            if _bn_cmp(num, nn, den, nd_) >= 0:
                nn = _bn_sub(num, nn, den, nd_)
                q |= 1 << bit
            if bit > 0:
                nd_ = _bn_shr1(den, nd_)
        if q >= hi_q:
            k += 1
            continue
        if q < lo_q:
            k -= 1
            continue
        nn = _bn_shl(num, nn, 1)        # 2 * remainder against the divisor: the tie rule
        c = _bn_cmp(num, nn, den, nd_)
        if c > 0 or (c == 0 and (q & 1) == 1):
            q += 1
        if q == hi_q:
            q = lo_q
            k += 1
        return q, k
    return -1, 0                        # not reached


@_jit
def put_mark(z, pos, on, c):
    """The code point c at z[pos] where ``on`` (a number's sign, "$", "%"); the new end."""
    if on:
        z[pos] = c
        return pos + 1
    return pos


@_jit
def put_uint(z, pos, v, width):
    """The decimal digits of v >= 0 at z[pos:], zero-padded to ``width``; the new end."""
    n = 1
    t = v
    while t >= 10:
        t //= 10
        n += 1
    for _ in range(width - n):
        z[pos] = 48
        pos += 1
    for j in range(n - 1, -1, -1):
        z[pos + j] = 48 + v % 10
        v //= 10
    return pos + n


@_jit
def write_general(z, pos, x):
    """engine.values.format_number(x) as code points at z[pos:] (x finite); the new end."""
    if x == 0.0:
        z[pos] = 48
        return pos + 1
    pos = put_mark(z, pos, x < 0.0, 45)
    x = abs(x)
    if x < 1e15 and x == math.floor(x):
        return put_uint(z, pos, int(x), 0)
    q, k = digits15(x)
    nd = 15
    while q % 10 == 0:
        q //= 10
        nd -= 1
    d = np.empty(15, dtype=np.int64)
    for j in range(nd - 1, -1, -1):
        d[j] = 48 + q % 10
        q //= 10
    if k < -4 or k >= 15:
        z[pos] = d[0]
        pos += 1
        if nd > 1:
            z[pos] = 46
            pos += 1
            for j in range(1, nd):
                z[pos] = d[j]
                pos += 1
        z[pos] = 69
        z[pos + 1] = 43 if k >= 0 else 45
        return put_uint(z, pos + 2, abs(k), 2)
    if k >= 0:
        for j in range(k + 1):
            z[pos] = d[j] if j < nd else 48
            pos += 1
        if nd > k + 1:
            z[pos] = 46
            pos += 1
            for j in range(k + 1, nd):
                z[pos] = d[j]
                pos += 1
        return pos
    z[pos] = 48
    z[pos + 1] = 46
    pos += 2
    for _ in range(-k - 1):
        z[pos] = 48
        pos += 1
    for j in range(nd):
        z[pos] = d[j]
        pos += 1
    return pos


@_jit
def general_value(x):
    """float(format_number(x)): the number that x's General-format text reads back as."""
    if x == 0.0 or not math.isfinite(x):
        return 0.0 if x == 0.0 else x
    a = abs(x)
    if a < 1e15 and a == math.floor(a):
        return x
    q, k = digits15(a)
    r = dec_float(q, k - 14, False)
    return r if x > 0.0 else -r


@_jit
def dec_float(q, p, sticky):
    """q * 10**p correctly rounded to a double (0 <= q < 2**61; ``sticky``: the exact value
    is a little above q * 10**p, digits beyond q that are not all zero), as Python's
    ``float`` reads the decimal text."""
    if q == 0:
        return 0.0
    if not sticky and q < 9007199254740992:
        # q and 10**|p| exact for |p| <= 22: one correctly rounded operation
        if 0 <= p <= 22:
            return float(q) * 10.0 ** p
        if -22 <= p < 0:
            return float(q) / 10.0 ** (-p)
    return _slow_value(q, p, sticky)


@_jit
def _slow_value(q, p, sticky):
    """q * 10**p correctly rounded (a little above it with ``sticky``): the nearest double
    by exact comparison."""
    if p > 340:
        return math.inf
    if p < -360:
        return 0.0
    if p > 0:
        r = float(q) * _POW10[p] if p <= 308 else math.inf
    elif -p <= 308:
        r = float(q) / _POW10[-p]
    else:
        r = float(q) / 1e300 / _POW10[-p - 300]
    if not math.isfinite(r):
        if not _below_overflow(q, p):
            return r
        r = 1.7976931348623157e308
    # a few units in the last place off: step to the neighbour while it is nearer
    for _ in range(64):
        up = np.nextafter(r, np.inf)
        dn = np.nextafter(r, -np.inf)
        if math.isinf(up):      # above the largest double: the overflow point decides
            if not _below_overflow(q, p):
                return up
        elif _closer(up, r, q, p, sticky):
            r = up
            continue
        if _closer(dn, r, q, p, sticky):
            r = dn
        else:
            break
    return r


@_jit
def _below_overflow(q, p):
    """Whether q * 10**p (p >= 0) is below 2**1024 - 2**970, the point from which a correctly
    rounded read is infinite (the largest double's midpoint with the next power of two)."""
    a = np.zeros(_CAP, dtype=np.int64)
    b = np.zeros(_CAP, dtype=np.int64)
    nb = _bn_set(b, 2 * q)
    nb = _bn_pow10(b, nb, p)
    na = _bn_set(a, (1 << 54) - 1)
    na = _bn_shl(a, na, 971)
    return _bn_cmp(b, nb, a, na) < 0


@_jit
def _closer(c, r, q, p, sticky):
    """Whether double c is strictly nearer than r to q * 10**p (exact; ties go to the even
    mantissa, as a correctly rounded parse does)."""
    # compare 2*q*10**p with c + r (the midpoint) exactly: everything scaled to integers
    fc, ec = math.frexp(c)
    fr, er = math.frexp(r)
    mc = int(fc * 9007199254740992.0)
    mr = int(fr * 9007199254740992.0)
    ec -= 53
    er -= 53
    lo_e = min(ec, er)
    a = np.zeros(_CAP, dtype=np.int64)
    b = np.zeros(_CAP, dtype=np.int64)
    t = np.zeros(_CAP, dtype=np.int64)
    # midpoint * 2 = mc * 2**ec + mr * 2**er = 2**lo_e * (mc * 2**(ec-lo_e) + mr * 2**(er-lo_e))
    na = _bn_set(a, mc)
    na = _bn_shl(a, na, ec - lo_e)
    nt = _bn_set(t, mr)
    nt = _bn_shl(t, nt, er - lo_e)
    na = _bn_add(a, na, t, nt)
    # value * 2 = 2 * q * 10**p; bring both to integers: multiply by 2**-lo_e and 10**-p
    nb = _bn_set(b, 2 * q)
    if p >= 0:
        nb = _bn_pow10(b, nb, p)
    else:
        na = _bn_pow10(a, na, -p)
    if lo_e >= 0:
        na = _bn_shl(a, na, lo_e)
    else:
        nb = _bn_shl(b, nb, -lo_e)
    cmpv = _bn_cmp(b, nb, a, na)     # value vs midpoint
    if cmpv == 0 and sticky:
        cmpv = 1
    if cmpv == 0:
        return (mc & 1) == 0
    return (cmpv > 0) == (c > r)


@_jit
def _bn_add(a, na, b, nb):
    """``a`` += b."""
    n = max(na, nb)
    carry = 0
    for i in range(n):
        t = (a[i] if i < na else 0) + (b[i] if i < nb else 0) + carry
        a[i] = t & _MASK
        carry = t >> _BITS
    if carry:
        a[n] = carry
        n += 1
    return n


def general_text(x: float) -> str:
    """write_general as a Python string (for tests)."""
    z = np.zeros(MAX_CHARS, dtype=np.float64)
    end = write_general(z, 0, float(x))
    return "".join(chr(int(c)) for c in z[:end])


__all__ = ["MAX_CHARS", "dec_float", "digits15", "digits_n", "general_text", "general_value", "write_general"]
