"""Runtime of lookups over text made per trial (:mod:`._dlines`): the lookup vector's texts
ranked per trial, and a key's rank among them.

The numpy library encodes a lookup vector's text as the rank of its folded text among the
distinct folded texts of the vector (:func:`engine.functions._search.encode_table`) and a
key as that rank, or the half rank where it would sort (``encode_keys``).  Here the same for
one trial, over texts written as code points (ASCII: the generator refuses other text) in
the dynamic text buffer: :func:`dline_rank` sorts the vector's texts (a merge sort over
their positions), gives each its dense rank and copies the distinct texts, in order, into a
table ``bb`` (``bb[0]``: how many; ``bb[1 + 2k]``, ``bb[2 + 2k]``: where text ``k`` lies in
``bb``; the characters from ``bb[1 + 2m]`` on); :func:`dkey_rank` finds a key's rank in that
table by a binary search.  Texts compare in Excel's order (:func:`._rt_collation.dcoll2`,
ASCII), as the numpy library orders the folded texts (engine.functions._collation).
Their CUDA twins are in ``cupy/_rt_dlines.py``.
"""

from __future__ import annotations

from numba import njit

from ._rt_collation import dcoll2

_jit = njit(nogil=True, cache=True, error_model="numpy")

# the names a generated kernel imports (through ._dtext_rt's READ_NAMES)
KERNEL_NAMES = ("dline_rank", "dkey_rank")


@_jit
def _cmp2(za, a, b, zb, c, d):
    """-1, 0 or 1: za[a:b] against zb[c:d] in Excel's order of texts (._rt_collation:
    case aside, hyphens and apostrophes ignored first; 0 only for texts equal case aside)."""
    return dcoll2(za, a, b, zb, c, d)


@_jit
def dline_rank(z, s, m, t, zr, w, bb):
    """Rank this trial's texts of a lookup vector of ``m`` elements: element ``i`` of type
    text (``t[i] == 1``) lies at ``z[s[2i]:s[2i + 1]]``; its dense rank among the distinct
    texts goes to ``zr[i]`` and the distinct texts, in order, to ``bb`` (see the module
    docstring).  ``w``: scratch of ``2 m``.  Returns the number of distinct texts."""
    mm = int(m)
    n = 0
    for i in range(mm):
        if t[i] == 1.0:
            w[n] = i
            n += 1
    src, dst = 0, mm
    width = 1
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                a = int(w[src + i])
                b = int(w[src + j])
                if _cmp2(z, int(s[2 * b]), int(s[2 * b + 1]),
                         z, int(s[2 * a]), int(s[2 * a + 1])) < 0:
                    w[dst + k] = b
                    j += 1
                else:
                    w[dst + k] = a
                    i += 1
                k += 1
            while i < mid:
                w[dst + k] = w[src + i]
                i += 1
                k += 1
            while j < hi:
                w[dst + k] = w[src + j]
                j += 1
                k += 1
            lo += 2 * width
        src, dst = dst, src
        width *= 2
    at = 1 + 2 * mm   # where the next distinct text is copied in bb
    d = 0
    prev = -1
    for q in range(n):
        i = int(w[src + q])
        a, b = int(s[2 * i]), int(s[2 * i + 1])
        if prev < 0 or _cmp2(z, a, b, z, int(s[2 * prev]), int(s[2 * prev + 1])) != 0:
            bb[1 + 2 * d] = at
            for j in range(b - a):
                bb[at + j] = z[a + j]
            at += b - a
            bb[2 + 2 * d] = at
            d += 1
        zr[i] = d - 1
        prev = i
    bb[0] = d
    return float(d)


@_jit
def dkey_rank(z, a, b, bb):
    """The rank of the key z[a:b] among the distinct texts of ``bb`` (:func:`dline_rank`):
    ``k`` where it equals text ``k``, else the half rank ``k - 0.5`` before text ``k``."""
    lo = 0
    hi = int(bb[0])
    while lo < hi:
        mid = (lo + hi) // 2
        c = _cmp2(z, int(a), int(b), bb, int(bb[1 + 2 * mid]), int(bb[2 + 2 * mid]))
        if c == 0:
            return float(mid)
        if c < 0:
            hi = mid
        else:
            lo = mid + 1
    return lo - 0.5


__all__ = ["KERNEL_NAMES", *KERNEL_NAMES]
