"""Runtime of Excel's text order (engine.functions._collation) for text made per trial,
written as code points in the dynamic text buffer: the characters below LATIN_END by its
tables (a letter and at most one accent), the others by their code point (the generator
refuses text that may hold a character neither covers: _collation.runtime_orders).
Its CUDA twin is ``cupy/_rt_collation.py``'s ``mc_coll2``."""

from __future__ import annotations

from numba import njit

from ...functions._collation import LATIN_END, LATIN_M, LATIN_P, LATIN_TB, LATIN_TM

_jit = njit(nogil=True, cache=True)

_P, _M, _TB, _TM = LATIN_P, LATIN_M, LATIN_TB, LATIN_TM
_END = LATIN_END


@_jit
def _prim(c):
    return _P[c] if 0 <= c < _END else 256.0 + c


@_jit
def _mark(c):
    return _M[c] if 0 <= c < _END else 0.0


@_jit
def _tb(c):
    return _TB[c] if 0 <= c < _END else float(c)


@_jit
def _tm(c):
    return _TM[c] if 0 <= c < _END else 0.0


@_jit
def _sec(z, i, n, s):
    """The next accent-level symbol from z[i:n] (``s`` 1: the accent of z[i] is next):
    1 for each letter, then its accent's weight; -1 at the end."""
    while s == 0 and i < n and _prim(int(z[i])) == 0.0:
        i += 1
    if i >= n:
        return -1.0, i, 0
    c = int(z[i])
    if s == 0:
        return (1.0, i, 1) if _mark(c) > 0.0 else (1.0, i + 1, 0)
    return _mark(c), i + 1, 0


@_jit
def _ter(z, i, n, s):
    """The next last-level symbol: each character's folded letter (an ignored one: after
    all), then its accent's code point; -1 at the end."""
    if i >= n:
        return -1.0, i, 0
    c = int(z[i])
    if s == 0:
        return (_tb(c), i, 1) if _tm(c) > 0.0 else (_tb(c), i + 1, 0)
    return _tm(c), i + 1, 0


@_jit
def dcoll2(za, a, b, zb, c, d):
    """-1, 0 or 1: za[a:b] against zb[c:d] in Excel's order (collation_key): first-level
    weights without the ignored characters, then the accents, then the folded texts with
    the ignored characters last; 0 only for texts equal case aside."""
    i, n = int(a), int(b)
    j, m = int(c), int(d)
    while True:
        while i < n and _prim(int(za[i])) == 0.0:
            i += 1
        while j < m and _prim(int(zb[j])) == 0.0:
            j += 1
        if i >= n or j >= m:
            break
        p, q = _prim(int(za[i])), _prim(int(zb[j]))
        if p != q:
            return -1.0 if p < q else 1.0
        i += 1
        j += 1
    if i < n or j < m:   # one ran out of letters first: it sorts first
        return -1.0 if i >= n else 1.0
    for level in range(2):
        i, si, j, sj = int(a), 0, int(c), 0
        while True:
            if level == 0:
                p, i, si = _sec(za, i, n, si)
                q, j, sj = _sec(zb, j, m, sj)
            else:
                p, i, si = _ter(za, i, n, si)
                q, j, sj = _ter(zb, j, m, sj)
            if p != q:
                return -1.0 if p < q else 1.0
            if p < 0.0:
                break
    return 0.0


@_jit
def dcoll(z, a, b, c, d):
    """dcoll2 of two texts of one buffer."""
    return dcoll2(z, a, b, z, c, d)
