"""Runtime helpers that generated numba kernels call (private to the numba backend).

Everything here is ``@njit`` and reached from the generated source by name, so the source
of a kernel only ever names functions of this module, never anything taken from a workbook:

* the Philox4x32-10 counter-based generator with the uniform recipe of :mod:`engine.sampling`
  (counter = (trial lo, trial hi, stream, 0), key = (seed lo, seed hi),
  ``u = ((x0 >> 5) * 2**26 + (x1 >> 6) + 0.5) / 2**53``), bit for bit;
* ``fill_*``: a block of one input's samples (uniform -> inverse CDF), written so that LLVM
  vectorizes the 64-bit multiplies of Philox across trials (about 4 ns a sample instead of
  16); scipy's own special functions (``ndtri``, ``betaincinv`` from
  :mod:`scipy.special.cython_special`) are linked in by symbol name, so the numbers equal
  scipy's and ``cache=True`` still works (no address is baked into the code);
* branch-free building blocks of the generated code (``fe``, ``ck``, ``nf``, ``sel``, ...);
* Excel helpers that must round exactly as the numpy library does (ROUND's 15-digit snap).
"""

from __future__ import annotations

import ctypes
import math
import types as _pytypes

import llvmlite.binding as _llvm
import numpy as np
from numba import njit, types

from ... import powers as _powers
from ...functions.financial import POLISH_DONE, POLISH_STEPS
from ...functions.math import POW10
from ._beta import beta_inv

_jit = njit(cache=True, nogil=True, error_model="numpy")
_inline = njit(inline="always", error_model="numpy")  # inlined in numba IR

# ----------------------------------------------------------------- scipy special functions
_SPECIAL = {  # our symbol -> cython_special capsule
    "mcdesk_ndtri": "ndtri",
    "mcdesk_ndtr": "__pyx_fuse_1ndtr",
    "mcdesk_betaincinv": "__pyx_fuse_0betaincinv",
    "mcdesk_gammaincinv": "gammaincinv",
    "mcdesk_stdtrit": "__pyx_fuse_0stdtrit",
}


def _capsule_address(name: str) -> int:
    import scipy.special.cython_special as cs

    cap = cs.__pyx_capi__[name]
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
    get_ptr.restype, get_ptr.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return int(get_ptr(cap, get_name(cap)))


for _sym, _cap in _SPECIAL.items():
    _llvm.add_symbol(_sym, _capsule_address(_cap))

# cython_special functions take a trailing ``int skip_dispatch`` argument
_ndtri = types.ExternalFunction("mcdesk_ndtri", types.float64(types.float64, types.intc))
_ndtr = types.ExternalFunction("mcdesk_ndtr", types.float64(types.float64, types.intc))
_betaincinv = types.ExternalFunction(
    "mcdesk_betaincinv", types.float64(types.float64, types.float64, types.float64, types.intc))

_gammaincinv = types.ExternalFunction(
    "mcdesk_gammaincinv", types.float64(types.float64, types.float64, types.intc))
_stdtrit = types.ExternalFunction(
    "mcdesk_stdtrit", types.float64(types.float64, types.float64, types.intc))


@_jit
def ndtri(p):
    """scipy.special.ndtri (the standard normal inverse CDF)."""
    return _ndtri(p, 0)


@_jit
def ndtr(x):
    """scipy.special.ndtr (the standard normal CDF)."""
    return _ndtr(x, 0)


@_jit
def betaincinv(a, b, y):
    """scipy.special.betaincinv."""
    return _betaincinv(a, b, y, 0)


# ----------------------------------------------------------------- Philox4x32-10
_MASK = np.uint64(0xFFFFFFFF)
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_S32 = np.uint64(32)
_S5 = np.uint64(5)
_S6 = np.uint64(6)
_TWO26 = 67108864.0
_TWO53 = 9007199254740992.0


_BELOW_ONE = 1.0 - 2.0 ** -53


@_inline
def _words(k0, k1, c0, c1, c2, c3):
    """Philox4x32-10 (all words uint64 < 2**32; each multiply is a 32x32->64 one, which
    LLVM vectorizes across trials as vpmuludq)."""
    for _ in range(10):
        p0 = _M0 * c0
        p1 = _M1 * c2
        n0 = (p1 >> _S32) ^ c1 ^ k0
        n2 = (p0 >> _S32) ^ c3 ^ k1
        c1 = p1 & _MASK
        c3 = p0 & _MASK
        c0 = n0
        c2 = n2
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


@_inline
def _uniform(k0, k1, stream, trial, tag):
    """engine.sampling's uniform of (seed key, stream, trial) with counter word 3 = ``tag``:
    ((x0 >> 5) * 2**26 + (x1 >> 6) + 0.5) / 2**53, 1.0 mapped to 1 - 2**-53.  The shifted
    words are < 2**27 and go to float through int64 (same values; it vectorizes)."""
    t = np.uint64(trial)
    x0, x1, _, _ = _words(k0, k1, t & _MASK, t >> _S32, np.uint64(stream) & _MASK,
                          np.uint64(tag))
    u = (float(np.int64(x0 >> _S5)) * _TWO26 + float(np.int64(x1 >> _S6)) + 0.5) / _TWO53
    return min(u, _BELOW_ONE)


@_jit
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of the counter (c0..c3) under the key (k0, k1), all uint64 < 2**32."""
    return _words(k0, k1, c0, c1, c2, c3)


@_jit
def u01(k0, k1, stream, trial, total):
    """The Monte Carlo uniform of (seed, stream, trial), as engine.sampling.uniforms (``total``
    is not used: the signature is shared with :func:`lhs01`)."""
    return _uniform(k0, k1, stream, trial, 0)


# ----------------------------------------------------------------- Latin hypercube
@_inline
def _lowbias32(x):
    x = x ^ (x >> np.uint64(16))
    x = (x * np.uint64(0x7FEB352D)) & _MASK
    x = x ^ (x >> np.uint64(15))
    x = (x * np.uint64(0x846CA68B)) & _MASK
    return x ^ (x >> np.uint64(16))


@_jit
def lhs_keys(k0, k1, stream):
    """The 8 Feistel round keys of a stream: words of Philox((j, 0, stream, 2)), j = 0, 1."""
    keys = np.empty(8, dtype=np.uint64)
    for j in range(2):
        w = _words(k0, k1, np.uint64(j), np.uint64(0), np.uint64(stream) & _MASK, np.uint64(2))
        keys[4 * j] = w[0]
        keys[4 * j + 1] = w[1]
        keys[4 * j + 2] = w[2]
        keys[4 * j + 3] = w[3]
    return keys


@_inline
def _feistel(x, a, b, keys):
    left = x >> np.uint64(b)
    right = x & np.uint64((1 << b) - 1)
    wl = a
    wr = b
    for r in range(8):
        f = _lowbias32(right ^ keys[r]) >> np.uint64(32 - wl)
        nr = (left + f) & np.uint64((1 << wl) - 1)
        left = right
        right = nr
        w = wl
        wl = wr
        wr = w
    return (left << np.uint64(b)) | right


@_inline
def _lhs(k0, k1, stream, trial, total, keys, a, b):
    """engine.sampling.lhs_uniforms for one trial: (perm(trial) + v) / total."""
    if a == 0:
        y = np.uint64(0)
    else:
        y = _feistel(np.uint64(trial), a, b, keys)
        while y >= np.uint64(total):
            y = _feistel(y, a, b, keys)
    v = _uniform(k0, k1, stream, trial, 1)
    u = (float(np.int64(y)) + v) / float(total)
    return min(u, _BELOW_ONE)


@_jit
def _lhs_widths(total):
    m = 0
    x = total - 1
    while x > 0:
        m += 1
        x >>= 1
    return (m + 1) // 2, m // 2


@_jit
def lhs01(k0, k1, stream, trial, total):
    """The Latin hypercube uniform of a trial of a run of ``total`` trials."""
    a, b = _lhs_widths(total)
    return _lhs(k0, k1, stream, trial, total, lhs_keys(k0, k1, stream), a, b)


@_jit
def fill_u01(out, lo, hi, start, k0, k1, s, total, lhs):
    """out[i] = the uniform of trial start + i, for i in [lo, hi)."""
    if lhs:
        keys = lhs_keys(k0, k1, s)
        a, b = _lhs_widths(total)
        for i in range(lo, hi):
            out[i] = _lhs(k0, k1, s, start + i, total, keys, a, b)
    else:
        for i in range(lo, hi):
            out[i] = _uniform(k0, k1, s, start + i, 0)


# ----------------------------------------------------------------- inverse CDFs
@_inline
def _triangular(u, a, c, b):
    fc = (c - a) / (b - a)
    left = a + np.sqrt(u * (b - a) * (c - a))
    right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
    return left if u < fc else right


@_inline
def _discrete(u, dp, off):
    """dp[off] = n, then n values, then their cumulative probabilities: the first value whose
    cumulative probability exceeds u (numpy's searchsorted side='right'), else the last."""
    n = int(dp[off])
    out = dp[off + n]
    for j in range(n - 2, -1, -1):
        if u < dp[off + 1 + n + j]:
            out = dp[off + 1 + j]
    return out


@_jit
def ppf_uniform(u, a, b):
    return a + u * (b - a)


@_jit
def ppf_triangular(u, a, c, b):
    return _triangular(u, a, c, b)


@_jit
def ppf_normal(u, mean, sd):
    return mean + sd * ndtri(u)


@_jit
def ppf_lognormal(u, mu, sigma):
    return np.exp(mu + sigma * ndtri(u))


@_jit
def ppf_pert(u, lo, alpha, beta, scale):
    return lo + scale * betaincinv(alpha, beta, u)


@_jit
def ppf_discrete(u, dp, off):
    return _discrete(u, dp, off)


@_jit
def ppf_pertfast(u, dp, off):
    """PERT through the fast beta inverse of _beta: dp[off:] = low, scale, table."""
    return dp[off] + dp[off + 1] * beta_inv(u, dp, off + 2)


# closed-form inverse CDFs of engine.distributions, one function for all (``code`` picks the
# kind, as CLOSED_KINDS numbers them), with the truncation and shift of
# engine.distributions.Adjusted: v = plo + u * (phi - plo), x = ppf(v) + shift.  Each is the
# numpy expression of engine/distributions in the same order of operations.
CLOSED_KINDS = ("exponential", "weibull", "rayleigh", "pareto", "logistic", "extvalue",
                "loglogistic", "intuniform", "bernoulli", "geometric",
                # drawn by ppf_closed only when truncated or shifted (else by their own ppf)
                "normal", "lognormal", "uniform", "triangular")


@_inline
def _logit(x):
    """scipy.special.logit: log(x / (1 - x)), near 0.5 through log1p."""
    if x < 0.3 or x > 0.65:
        return np.log(x / (1.0 - x))
    s = 2.0 * (x - 0.5)
    return np.log1p(s) - np.log1p(-s)


# the truncated uniform within [smallest positive double, 1 - 2**-53], as
# engine.distributions.Adjusted.ppf clips it (plo + u (1 - plo) can round to 1.0)
_V_MIN, _V_MAX = 5e-324, 1.0 - 2.0 ** -53


@_inline
def _truncated(u, plo, phi):
    v = plo + u * (phi - plo)
    return _V_MIN if v < _V_MIN else (_V_MAX if v > _V_MAX else v)


@_inline
def _closed(u, code, a, b, c, plo, phi, shift):
    v = _truncated(u, plo, phi)
    k = int(code)
    if k == 0:      # exponential: beta = a
        x = a * -np.log1p(-v)
    elif k == 1:    # weibull: beta = a, 1 / alpha = b
        x = a * (-np.log1p(-v)) ** b
    elif k == 2:    # rayleigh: beta = a
        x = a * np.sqrt(2.0 * -np.log1p(-v))
    elif k == 3:    # pareto: a = a, theta = b
        x = a * np.exp(-np.log1p(-v) / b)
    elif k == 4:    # logistic: alpha = a, beta = b
        x = a + b * _logit(v)
    elif k == 5:    # extvalue: alpha = a, beta = b
        x = a - b * np.log(-np.log(v))
    elif k == 6:    # loglogistic: gamma = a, beta = b, alpha = c
        x = a + b * np.exp((np.log(v) - np.log1p(-v)) / c)
    elif k == 7:    # intuniform: min = a, n = b (max - min + 1)
        x = a + min(np.floor(v * b), b - 1.0)
    elif k == 8:    # bernoulli: 1 - p = a
        x = 1.0 if v > a else 0.0
    elif k == 10:   # normal: mean = a, sd = b
        x = a + b * _ndtri(v, 0)
    elif k == 11:   # lognormal: mu = a, sigma = b
        x = np.exp(a + b * _ndtri(v, 0))
    elif k == 12:   # uniform: min = a, max = b
        x = a + v * (b - a)
    elif k == 13:   # triangular: min = a, max = b, mode = c
        x = _triangular(v, a, c, b)
    else:           # geometric (scipy's geom with loc -1): log1p(-p) = a
        if v <= 0.0:
            x = -1.0
        elif v >= 1.0:
            x = np.inf
        else:
            n = np.ceil(np.log1p(-v) / a)
            x = (n - 1.0 if (-np.expm1(a * np.floor(n - 1.0)) >= v and n > 0.0) else n) - 1.0
    return x + shift


@_jit
def ppf_closed(u, code, a, b, c, plo, phi, shift):
    return _closed(u, code, a, b, c, plo, phi, shift)


# inverse CDFs through scipy's special functions (bit for bit scipy's): ``code`` 0 is
# b * gammaincinv(a, v) (gamma and erlang: shape a, scale b; chi-square: a = nu / 2, b = 2),
# 1 is stdtrit(a, v) (Student's t, nu = a), 2 is c + d * betaincinv(a, b, v) (a truncated or
# shifted PERT, beta, beta-general); truncation and shift as ppf_closed's.
SPECIAL_KINDS = ("gamma", "erlang", "chisq", "student")


@_inline
def _special(u, code, a, b, c, d, plo, phi, shift):
    v = _truncated(u, plo, phi)
    if code == 0.0:
        x = b * _gammaincinv(a, v, 0)
    elif code == 1.0:
        x = _stdtrit(a, v, 0)
    else:
        x = c + d * _betaincinv(a, b, v, 0)
    return x + shift


@_jit
def ppf_special(u, code, a, b, c, d, plo, phi, shift):
    return _special(u, code, a, b, c, d, plo, phi, shift)


# ----------------------------------------------------------------- block fills
# out[i] for i in [lo, hi): the sample of trial start + i of stream s (uniforms first, in a
# loop LLVM vectorizes, then the inverse CDF in place)
@_jit
def fill_uniform(out, lo, hi, start, k0, k1, s, total, lhs, a, b):
    if lhs:
        fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
        for i in range(lo, hi):
            out[i] = a + out[i] * (b - a)
    else:  # one pass: Philox and the inverse CDF vectorize together
        for i in range(lo, hi):
            out[i] = a + _uniform(k0, k1, s, start + i, 0) * (b - a)


@_jit
def fill_triangular(out, lo, hi, start, k0, k1, s, total, lhs, a, c, b):
    if lhs:
        fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
        for i in range(lo, hi):
            out[i] = _triangular(out[i], a, c, b)
    else:
        for i in range(lo, hi):
            out[i] = _triangular(_uniform(k0, k1, s, start + i, 0), a, c, b)


@_jit
def fill_normal(out, lo, hi, start, k0, k1, s, total, lhs, mean, sd):
    fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
    for i in range(lo, hi):
        out[i] = mean + sd * _ndtri(out[i], 0)


@_jit
def fill_lognormal(out, lo, hi, start, k0, k1, s, total, lhs, mu, sigma):
    fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
    for i in range(lo, hi):
        out[i] = np.exp(mu + sigma * _ndtri(out[i], 0))


@_jit
def fill_pert(out, lo, hi, start, k0, k1, s, total, lhs, low, alpha, beta, scale):
    fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
    for i in range(lo, hi):
        out[i] = low + scale * _betaincinv(alpha, beta, out[i], 0)


@_jit
def fill_discrete(out, lo, hi, start, k0, k1, s, total, lhs, dp, off):
    fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
    for i in range(lo, hi):
        out[i] = _discrete(out[i], dp, off)


@_jit
def fill_pertfast(out, lo, hi, start, k0, k1, s, total, lhs, dp, off):
    fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
    low = dp[off]
    scale = dp[off + 1]
    for i in range(lo, hi):
        out[i] = low + scale * beta_inv(out[i], dp, off + 2)


@_jit
def fill_closed(out, lo, hi, start, k0, k1, s, total, lhs, code, a, b, c, plo, phi, shift):
    fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
    for i in range(lo, hi):
        out[i] = _closed(out[i], code, a, b, c, plo, phi, shift)


@_jit
def fill_special(out, lo, hi, start, k0, k1, s, total, lhs, code, a, b, c, d, plo, phi,
                 shift):
    fill_u01(out, lo, hi, start, k0, k1, s, total, lhs)
    for i in range(lo, hi):
        out[i] = _special(out[i], code, a, b, c, d, plo, phi, shift)


# ----------------------------------------------------------------- branch-free building blocks
# The generated kernels are straight-line code made of calls to these (numba compiles a long
# basic block far faster than the same code with branches; LLVM inlines them into selects).
@_jit
def fe(a, b):
    """The first error code of two (0 = none)."""
    return a if a != 0 else b


@_jit
def ck(cond, code):
    """``code`` where ``cond`` holds, else 0."""
    return code if cond else 0


@_jit
def nf(r):
    """#NUM! (6) for a non-finite result."""
    return 0 if math.isfinite(r) else 6


@_jit
def sel(cond, a, b):
    return a if cond else b


@_jit
def b2f(cond):
    return 1.0 if cond else 0.0


@_jit
def nt(cond):
    return not cond


# ----------------------------------------------------------------- Excel helpers
_BIG = 2.0 ** 52


@_jit
def snap15(y):
    """``y`` rounded to 15 significant digits (engine.functions.math.snap15, per value)."""
    a = abs(y)
    if not (a > 0.0) or not math.isfinite(a):
        return y
    p = 14.0 - np.floor(np.log10(a))
    if p < 0.0 or p > 300.0:
        return y
    scale = POW10[int(p)]
    return np.rint(y * scale) / scale


@_jit
def cmp15(a, b):
    """-1, 0 or 1 as Excel compares two numbers: at 15 significant digits
    (engine.values.COMPARISON_RULE).  snap15 is monotone, so numbers further apart than
    its rounding (5e-15 of each; 2e-14 leaves a margin) keep their IEEE order: only close
    ones are snapped."""
    d = abs(a - b)
    if d > 2e-14 * max(abs(a), abs(b)):
        return -1.0 if a < b else 1.0
    sa = snap15(a)
    sb = snap15(b)
    return -1.0 if sa < sb else (1.0 if sa > sb else 0.0)


@_jit
def excel_round(x, digits, how):
    """ROUND (how 0), ROUNDUP (1), ROUNDDOWN/TRUNC (2): engine.functions.math.round_digits."""
    d = min(max(np.trunc(digits), -308.0), 308.0)
    pos = d >= 0.0
    p = POW10[int(abs(d))] if d == d else np.nan
    y = x * p if pos else x / p
    ys = snap15(y)
    a = abs(ys)
    if how == 0:
        mag = np.floor(a + 0.5)
    elif how == 1:
        mag = np.ceil(a)
    else:
        mag = np.floor(a)
    r = -mag if ys < 0.0 else mag
    out = r / p if pos else r * p
    if not math.isfinite(y) or a >= _BIG:
        return x + 0.0
    return out + 0.0


# ----------------------------------------------------------------- ^ (engine.powers; engineer G)
# the double-double helpers jitted from engine.powers' own code (each with the two_prod it
# calls bound to the jitted two_prod): the same operations, so the same double as numpy
def _jit_bound(fn, **helpers):
    code = _pytypes.FunctionType(fn.__code__, dict(fn.__globals__, **helpers), fn.__name__)
    return _inline(code)


_two_prod = _inline(_powers.two_prod)
_dd_mul = _jit_bound(_powers.dd_mul, two_prod=_two_prod)
_dd_renorm = _inline(_powers.dd_renorm)
_dd_recip = _jit_bound(_powers.dd_recip, two_prod=_two_prod)
_WHOLE_LIMIT = _powers.WHOLE_LIMIT
_E_CLIP = _powers.E_CLIP


@_jit
def ipow(x, k):
    """``x ** k`` for a whole ``k`` (held in a float): engine.powers.whole_power, bit for bit
    (double-double binary powering, rounded once); a zero or non-finite base and
    ``|k| >= 2**62`` by pow, as there."""
    if x == 0.0 or not math.isfinite(x) or not abs(k) < _WHOLE_LIMIT:
        return np.power(x, k)
    bh, be = math.frexp(x)
    rh, rl, re = dd_powering(bh, 0.0, be, k)
    return math.ldexp(rh + rl, re)


@_jit
def dd_powering(bh, bl, be, k):
    """engine.powers.dd_powering of one value: (bh + bl) * 2**be to the whole power ``k``
    as (hi, lo, exponent); shared by :func:`ipow` and _rt_functions' annuity growth."""
    rh, rl, re = 1.0, 0.0, 0
    n = int(abs(k))
    while n:
        if n & 1:
            rh, rl = _dd_mul(rh, rl, bh, bl)
            rh, rl, re = _dd_renorm(rh, rl, re + be)
            re = min(max(re, -_E_CLIP), _E_CLIP)
        n >>= 1
        if n:
            bh, bl = _dd_mul(bh, bl, bh, bl)
            bh, bl, be = _dd_renorm(bh, bl, min(max(2 * be, -_E_CLIP), _E_CLIP))
    if k < 0.0:
        rh, rl = _dd_recip(rh, rl)
        re = -re
    return rh, rl, re


@_jit
def excel_pow(x, y):
    """``x ** y`` as engine.powers.excel_power: a whole exponent by :func:`ipow`, any other by
    pow (NaN for a negative base and a fractional exponent), the square root for 0.5."""
    if math.floor(y) == y:
        return ipow(x, y)
    if y == 0.5 and x > 0.0 and x < math.inf:
        return math.sqrt(x)
    return np.power(x, y)


# ----------------------------------------------------------------- IRR (engine.functions.financial)
# the bracketing grid of financial._bracket, built by the same numpy expression
_IRR_GRID = np.unique(np.concatenate([-1 + np.geomspace(1e-6, 1, 60), np.geomspace(1e-6, 1e4, 90),
                                      -np.geomspace(1e-6, 1, 30), [0.0]]))


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _npv_flows(c, j, pa, pb, acc):
    """Flows j and j + 1 (discount factors pa, pb) added to acc = (f even, f odd, df even,
    df odd)."""
    fa, fb, da, db = acc
    ta = c[j] * pa
    tb = c[j + 1] * pb
    return fa + ta, fb + tb, da - j * ta, db - (j + 1) * tb


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _npv_end(c, n, j, pa, v, acc):
    """The last flow when n is odd, then (sum, derivative in r)."""
    fa, fb, da, db = acc
    if j < n:
        ta = c[j] * pa
        fa += ta
        da -= j * ta
    return fa + fb, (da + db) * v


@_jit
def _npv_fd(c, n, r):
    """sum c[j] / (1+r)**j over the n flows, and its derivative in r (financial._npv_terms).

    The discount factors are built by multiplication instead of a power each (5x faster;
    they differ in the last bits, as numpy's own SIMD power differs from libm's, and the
    polished root does not move beyond that), in two interleaved chains (even and odd flows,
    stepped by v**2), which halves the dependent multiplies.  _cuda_rt.mc_npv_fd is the same."""
    v = 1.0 / (1.0 + r)
    w = v * v
    acc = (0.0, 0.0, 0.0, 0.0)
    pa = 1.0
    pb = v
    j = 0
    while j + 1 < n:
        acc = _npv_flows(c, j, pa, pb, acc)
        pa *= w
        pb *= w
        j += 2
    return _npv_end(c, n, j, pa, v, acc)


@_jit
def _sign(x):
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x  # 0.0, or NaN as np.sign gives


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def bracket_nearest(fd, c, n, guess):
    """financial._bracket for one trial: bisection on the sign change of fd(c, n, r)[0] over
    _IRR_GRID nearest the guess.  fd is a jitted (value, derivative) function (_npv_fd here,
    _rt_math._xnpv_fd for dated flows), inlined in numba IR so that fd is a direct call (a
    dispatcher passed as a value would be a dynamic global: not cacheable).  Returns (root,
    found, the value at the grid's first rate)."""
    grid = _IRR_GRID
    m = grid.shape[0]
    best = np.inf
    j = 0
    prev = fd(c, n, grid[0])[0]
    first = prev
    jf = 0.0
    for g in range(m - 1):
        nxt = fd(c, n, grid[g + 1])[0]
        if _sign(prev) * _sign(nxt) < 0.0:
            dist = abs((grid[g] + grid[g + 1]) / 2.0 - guess)
            if dist < best:
                best = dist
                j = g
                jf = prev
        prev = nxt
    if not best < np.inf:
        return np.nan, False, first
    lo = grid[j]
    hi = grid[j + 1]
    flo = jf
    for _ in range(200):
        mid = (lo + hi) / 2.0
        fm = fd(c, n, mid)[0]
        if _sign(fm) == _sign(flo):
            lo = mid
            flo = fm
        else:
            hi = mid
    return (lo + hi) / 2.0, True, first


@_jit
def _irr_bracket(c, n, guess):
    """financial._bracket for one trial (no sign change: the grid's first midpoint, NaN
    when the flows give NaN; not converged)."""
    root, found, first = bracket_nearest(_npv_fd, c, n, guess)
    if found:
        return root, True
    return (_IRR_GRID[0] + _IRR_GRID[1]) / 2.0 if first == first else np.nan, False


_NEWTON, _POLISH, _DONE, _BRACKET = 0, 1, 2, 3   # the states of one IRR (running: <= _POLISH)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _irr_step(state, x, count, f, df):
    """One step of an IRR from f and df at x: Newton from the guess until a step is below
    1e-7 of the rate (at most 100 steps, else bracketing), then polishing steps
    (financial.polish).  Returns the new (state, x, count)."""
    if state == _NEWTON:
        step = f / df
        new = x - step
        bad = not math.isfinite(new) or new <= -1.0
        if abs(step) <= 1e-7 * max(1.0, abs(new)) and not bad:
            return _POLISH, new, 0
        if bad or count + 1 >= 100:
            return _BRACKET, x, count
        return _NEWTON, new, count + 1
    if state == _POLISH:
        step = f / df if df != 0.0 else 0.0
        y2 = x - step
        if not (math.isfinite(y2) and y2 > -1.0):
            return _DONE, x, count
        if abs(step) <= POLISH_DONE * max(1.0, abs(y2)) or count + 1 >= POLISH_STEPS:
            return _DONE, y2, count
        return _POLISH, y2, count + 1
    return state, x, count


@_jit
def _sign_change(c, n):
    pos = False
    neg = False
    for j in range(n):
        pos = pos or c[j] > 0.0
        neg = neg or c[j] < 0.0
    return pos and neg


@_jit
def _irr_finish(c, n, guess, state, x, count):
    """An IRR from the given state to its end: (rate, converged)."""
    while state <= _POLISH:
        f, df = _npv_fd(c, n, x)
        state, x, count = _irr_step(state, x, count, f, df)
    return (x, True) if state == _DONE else _irr_bracket(c, n, guess)


@_jit
def irr(c, n, guess):
    """IRR of the first n flows of c as engine.functions.financial computes it: Newton from
    the guess (tolerance 1e-7 of the rate, then polishing steps), else bracketing.
    Returns (rate, converged)."""
    if not _sign_change(c, n):
        return guess, False
    return _irr_finish(c, n, guess, _NEWTON, guess, 0)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _npv_fd_pair(ca, cb, n, ra, rb):
    """_npv_fd of two flows in one loop (the same operations on each: the same numbers)."""
    va = 1.0 / (1.0 + ra)
    vb = 1.0 / (1.0 + rb)
    wa = va * va
    wb = vb * vb
    acc_a = (0.0, 0.0, 0.0, 0.0)
    acc_b = (0.0, 0.0, 0.0, 0.0)
    pa = 1.0
    pb = va
    qa = 1.0
    qb = vb
    j = 0
    while j + 1 < n:
        acc_a = _npv_flows(ca, j, pa, pb, acc_a)
        acc_b = _npv_flows(cb, j, qa, qb, acc_b)
        pa *= wa
        pb *= wa
        qa *= wb
        qb *= wb
        j += 2
    fa, dfa = _npv_end(ca, n, j, pa, va, acc_a)
    fb, dfb = _npv_end(cb, n, j, qa, vb, acc_b)
    return fa, dfa, fb, dfb


@_jit
def irr_pair(ca, cb, n, ga, gb):
    """irr of two trials' flows (and guesses) in lockstep: two independent dependency chains
    that the core overlaps (about 1.3x the throughput); the same numbers as irr on each."""
    if not (_sign_change(ca, n) and _sign_change(cb, n)):
        return irr(ca, n, ga), irr(cb, n, gb)
    sa = _NEWTON
    sb = _NEWTON
    xa = ga
    xb = gb
    ka = 0
    kb = 0
    while sa <= _POLISH and sb <= _POLISH:
        fa, dfa, fb, dfb = _npv_fd_pair(ca, cb, n, xa, xb)
        sa, xa, ka = _irr_step(sa, xa, ka, fa, dfa)
        sb, xb, kb = _irr_step(sb, xb, kb, fb, dfb)
    return _irr_finish(ca, n, ga, sa, xa, ka), _irr_finish(cb, n, gb, sb, xb, kb)


# ----------------------------------------------------------------- random cells in groups
@_inline
def _as241_central(q):
    """AS241 for |q| <= 0.425 (q = p - 0.5): as241's first branch, operation for operation."""
    r = 0.180625 - q * q
    num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
                + 6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r
              + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
            + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q
    den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
                + 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r
              + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
            + 4.2313330701600911252e+1) * r + 1.0)
    return num / den


@_inline
def as241(p):
    """The standard normal quantile by Wichura's AS241 (PPND16; Appl. Statist. 37 (1988)
    477-484): about 1e-16 relative to Cephes' ndtri, three times faster (no call through
    scipy's capsule; the central 85% is one rational function).  For 0 < p < 1."""
    q = p - 0.5
    if abs(q) <= 0.425:
        return _as241_central(q)
    r = math.sqrt(-math.log(p if q <= 0.0 else 1.0 - p))
    if r <= 5.0:
        r = r - 1.6
        num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                    + 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r
                  + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
                + 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0)
        den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                    + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                  + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
                + 2.05319162663775882187e+0) * r + 1.0)
    else:
        r = r - 5.0
        num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                    + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                  + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
                + 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0)
        den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                    + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                  + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1.0)
    x = num / den
    return -x if q < 0.0 else x


# fdlibm's log (e_log.c): under 1 ulp, written so that LLVM vectorizes it (libm's log is a
# scalar call, and the tails of a group were most of its time)
_LG1, _LG2, _LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_LG4, _LG5 = 2.222219843214978396e-01, 1.818357216161805012e-01
_LG6, _LG7 = 1.531383769920937332e-01, 1.479819860511658591e-01
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
# AS241's tail coefficients, r <= 5 (A, B) and r > 5 (C, D), highest power first
_TA = (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
       1.27045825245236838258e+0, 3.64784832476320460504e+0, 5.76949722146069140550e+0,
       4.63033784615654529590e+0, 1.42343711074968357734e+0)
_TB = (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
       1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e+0,
       2.05319162663775882187e+0)
_TC = (2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
       2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e+0,
       5.46378491116411436990e+0, 6.65790464350110377720e+0)
_TD = (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
       7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
       5.99832206555887937690e-1)


@_inline
def _as241_tail(r):
    """AS241's tail rational function of r = sqrt(-log p) (p the smaller tail), the branch
    (r <= 5 or not) chosen per coefficient, so a loop of it vectorizes."""
    near = r <= 5.0
    s = r - 1.6 if near else r - 5.0
    a, c = _TA, _TC
    num = (((((((a[0] if near else c[0]) * s + (a[1] if near else c[1])) * s
               + (a[2] if near else c[2])) * s + (a[3] if near else c[3])) * s
             + (a[4] if near else c[4])) * s + (a[5] if near else c[5])) * s
           + (a[6] if near else c[6])) * s + (a[7] if near else c[7])
    b, d = _TB, _TD
    den = (((((((b[0] if near else d[0]) * s + (b[1] if near else d[1])) * s
               + (b[2] if near else d[2])) * s + (b[3] if near else d[3])) * s
             + (b[4] if near else d[4])) * s + (b[5] if near else d[5])) * s
           + (b[6] if near else d[6])) * s + 1.0
    return num / den


@_jit
def _tails(ur, r0, n, pos, tp, m, tq, tk, sc, dp, p0):
    """The group values whose uniform is in a tail (|u - 0.5| > 0.425): entry j is row
    pos[j] // n, column pos[j] % n, uniform tp[j].  AS241's tail branch over all of them,
    each step a loop LLVM vectorizes: p (the smaller tail), log p (fdlibm, through the bits
    of p: tq's int64 view), the rational function; NaN where the uniform is 0 (#NUM!)."""
    qb = tq.view(np.int64)
    sb = sc.view(np.int64)
    for j in range(m):
        p = tp[j]
        tq[j] = p if p <= 0.5 else 1.0 - p
    for j in range(m):   # x = 2**k * (1 + f), 1 + f in [sqrt(2)/2, sqrt(2))
        hx = qb[j] >> 32
        k = (hx >> 20) - 1023
        hx &= 0x000fffff
        k += ((hx + 0x95f64) & 0x100000) >> 20
        tk[j] = k
        sb[j] = (1023 - k) << 52
    for j in range(m):
        f = tq[j] * sc[j] - 1.0
        dk = float(tk[j])
        s = f / (2.0 + f)
        z = s * s
        w = z * z
        big = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
        hfsq = 0.5 * f * f
        lg = dk * _LN2_HI - ((hfsq - (s * (hfsq + big) + dk * _LN2_LO)) - f)
        tq[j] = _as241_tail(math.sqrt(-lg))
    for j in range(m):
        g = pos[j] // n
        i = pos[j] - g * n
        p = tp[j]
        x = -tq[j] if p < 0.5 else tq[j]
        ur[r0 + g, i] = dp[p0 + 3 * g + 1] + dp[p0 + 3 * g + 2] * x if p > 0.0 else np.nan


_TAIL_BUFFER = 4096   # tail entries gathered before they are computed together


@_jit
def fill_group(ur, r0, count, n, start, k0, k1, sids, s0, total, lhs, dp, p0):
    """Rows r0 .. r0+count-1 of ``ur``: per row g the uniforms of stream sids[s0+g] for
    trials start .. start+n-1, through the row's transform (dp[p0+3g]: 0 RAND(), 1
    NORM.INV(RAND(), dp[p0+3g+1], dp[p0+3g+2]) by AS241, NaN where the uniform is 0:
    #NUM!).  The central 85% of each row is one vectorized loop; the tails of many rows
    are gathered and computed together (:func:`_tails`)."""
    cap = max(_TAIL_BUFFER, 2 * n)
    pos = np.empty(cap, np.int64)
    tp = np.empty(cap)
    tq = np.empty(cap)
    tk = np.empty(cap, np.int64)
    sc = np.empty(cap)
    m = 0
    for g in range(count):
        row = ur[r0 + g]
        fill_u01(row, 0, n, start, k0, k1, sids[s0 + g], total, lhs)
        if dp[p0 + 3 * g] != 1.0:
            continue
        base = g * n
        for i in range(n):   # without a branch: an entry is kept where it is a tail
            pos[m] = base + i
            tp[m] = row[i]
            m += abs(row[i] - 0.5) > 0.425
        mean = dp[p0 + 3 * g + 1]
        sd = dp[p0 + 3 * g + 2]
        for i in range(n):
            row[i] = mean + sd * _as241_central(row[i] - 0.5)
        if m > cap - n:
            _tails(ur, r0, n, pos, tp, m, tq, tk, sc, dp, p0)
            m = 0
    _tails(ur, r0, n, pos, tp, m, tq, tk, sc, dp, p0)


@_jit
def fill_rsum(ur, row, kv, off, count, n):
    """ur[row, :n] = the SUM of the group rows listed in kv[off .. off+count-1], added in
    that order (as :func:`rsum`, for a whole block of trials at once)."""
    out = ur[row]
    first = ur[int(kv[off])]
    for b in range(n):
        out[b] = first[b]
    for j in range(1, count):
        src = ur[int(kv[off + j])]
        for b in range(n):
            out[b] += src[b]


@_jit
def rsum(ur, kv, off, n, b):
    """SUM of the group rows listed in kv[off .. off+n-1] (in that order), for block row b."""
    acc = ur[int(kv[off]), b]
    for j in range(1, n):
        acc += ur[int(kv[off + j]), b]
    return acc
