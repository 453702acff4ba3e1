"""Runtime of Excel's text order (engine.functions._collation) for text made per trial,
written as code points in the dynamic text buffer: ASCII only (the generator refuses
other text where it orders it: accents need the decomposition numpy does).  Its CUDA twin
is ``cupy/_rt_collation.py``'s ``mc_coll2``."""

from __future__ import annotations

from numba import njit

from ...functions._collation import ASCII_WEIGHTS

_jit = njit(nogil=True, cache=True)

_W = ASCII_WEIGHTS   # first-level weight of each ASCII code; 0: ignored (' and -)
_LAST = 1114111.0   # an ignored character at the last level: after any other


@_jit
def _weight(c):
    return _W[c] if 0 <= c < 128 else 256.0 + c


@_jit
def _folded(c):
    if 65 <= c <= 90:
        return float(c + 32)
    if 0 <= c < 128 and _W[c] == 0.0:
        return _LAST
    return float(c)


@_jit
def dcoll2(za, a, b, zb, c, d):
    """-1, 0 or 1: za[a:b] against zb[c:d] in Excel's order (collation_key): first-level
    weights without the ignored characters, then the folded texts with those last; 0 only
    for texts equal case aside."""
    i, n = int(a), int(b)
    j, m = int(c), int(d)
    while True:
        while i < n and _weight(int(za[i])) == 0.0:
            i += 1
        while j < m and _weight(int(zb[j])) == 0.0:
            j += 1
        if i >= n or j >= m:
            break
        p, q = _weight(int(za[i])), _weight(int(zb[j]))
        if p != q:
            return -1.0 if p < q else 1.0
        i += 1
        j += 1
    if i < n or j < m:   # one ran out of characters first: it sorts first
        return -1.0 if i >= n else 1.0
    la, lc = int(b - a), int(d - c)
    for k in range(min(la, lc)):
        p, q = _folded(int(za[int(a) + k])), _folded(int(zb[int(c) + k]))
        if p != q:
            return -1.0 if p < q else 1.0
    if la == lc:
        return 0.0
    return -1.0 if la < lc else 1.0


@_jit
def dcoll(z, a, b, c, d):
    """dcoll2 of two texts of one buffer."""
    return dcoll2(z, a, b, z, c, d)
