"""Runtime of dynamic text in the fused kernel: text made per trial, as code points in a
scratch buffer (a float64 array each segment allocates once, ``z<n>``: a cell's texts lie
one after the other in it).

The generator (:mod:`._dtext`) writes a text at ``z[a:b]`` and transforms it in place; each
helper takes the buffer and the positions as floats and returns the new end, mirroring the
numpy library's text functions (:mod:`engine.functions.text`): code points as Python counts
them, the case of text other than ASCII by :mod:`._unicase`'s table (the generator refuses
the characters whose case is not one character).  Numbers are written in Excel's General format by
:func:`._decimal.write_general`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._dcriteria_rt import KERNEL_NAMES as DCRITERIA_NAMES
from ._dcriteria_rt import dcrit_cell, dcrit_id, dcrit_kind, dcrit_rest  # noqa: F401
from ._decimal import digits15, general_value, put_mark, write_general
from ._dtext_args_rt import KERNEL_NAMES as DTEXT_ARGS_NAMES
from ._dtext_args_rt import dsplit  # noqa: F401
from ._dtext_args_rt import fold as _fold
from ._rt import excel_round
from ._rt_dlines import KERNEL_NAMES as DLINES_NAMES
from ._rt_dlines import dkey_rank, dline_rank  # noqa: F401
from ._unicase import LOWER, TITLE, UPPER, ucase, ucased

_jit = njit(nogil=True, cache=True, error_model="numpy")

# the names a generated kernel imports from this module
KERNEL_NAMES = ("dput_num", "dput_tab", "dput_id", "dcase", "dtrim", "dleft", "dright", "dmid",
                "drept", "dpick", "dcmp", "dfind", "dnumval", "dcount", "dcode", "dsame", "dsubst",
                "drepl", "dput_fixed")
# the id of a key made per trial (exact-match lookups of it); its CUDA twin is in
# cupy/_rt_dtext.py's DTEXT_READ_RUNTIME (VALUE of such text is _rt_dvalue.dnum); criteria
# made per trial (COUNTIF(r, B1&"*")): ._dcriteria_rt, twin cupy/_rt_dcriteria.py
READ_NAMES = ("dintern", *DCRITERIA_NAMES, *DTEXT_ARGS_NAMES,   # ._dtext_args_rt: TEXTBEFORE
              *DLINES_NAMES)   # lookup vectors of text made per trial: ._rt_dlines


@_jit
def dcount(x, low):
    """A count or position argument as the numpy library's ``_ints`` takes it: truncated,
    at least ``low`` (below it the generator's error code is #VALUE!), at most 2**31."""
    if not (x == x):
        return float(low)
    t = math.trunc(x)
    return float(min(max(t, low), 2147483648.0))


@_jit
def dput_num(z, pos, x):
    """engine.values.format_number(x) at z[pos:] (x with an error: nothing written)."""
    if not math.isfinite(x):
        return pos
    return float(write_general(z, int(pos), x))


@_jit
def dput_tab(z, pos, kv, off, n):
    """The n code points kv[off:off+n] (a constant text) at z[pos:]."""
    p = int(pos)
    o = int(off)
    for j in range(int(n)):
        z[p + j] = kv[o + j]
    return pos + n


@_jit
def dput_id(z, pos, kv, off, idx, nids):
    """Text id ``idx`` (of ``nids``) at z[pos:]: kv[off + 2 * idx] is where its code points
    are in kv, the next entry how many (an id out of range, under an error: nothing)."""
    if not (0.0 <= idx < nids):
        return pos
    i = int(off) + 2 * int(idx)
    return dput_tab(z, pos, kv, kv[i], kv[i + 1])


@_jit
def dcase(z, a, b, upper):
    """UPPER (upper 1), LOWER (0) or PROPER (2: str.title, a cased letter in title case
    after any character that is not one, else lower case) of z[a:b] in place (any character
    whose form is one character: ._unicase)."""
    after = False   # PROPER: the character before is a cased letter
    for j in range(int(a), int(b)):
        c = z[j]
        if upper == 2.0:
            z[j] = ucase(c, LOWER if after else TITLE)
            after = ucased(c)
        else:
            z[j] = ucase(c, UPPER if upper != 0.0 else LOWER)
    return b


@_jit
def dtrim(z, a, b):
    """TRIM of z[a:b] in place: runs of spaces to one, none at either end; the new end."""
    w = int(a)
    space = True       # at the start: a leading space is dropped
    for j in range(int(a), int(b)):
        c = z[j]
        if c == 32.0:
            if not space:
                z[w] = c
                w += 1
            space = True
        else:
            z[w] = c
            w += 1
            space = False
    if w > int(a) and z[w - 1] == 32.0:
        w -= 1
    return float(w)


@_jit
def dleft(a, b, n):
    """The end of LEFT(z[a:b], n) (n from dcount)."""
    return a + min(n, b - a)


@_jit
def _move(z, dst, src, n):
    for j in range(n):
        z[dst + j] = z[src + j]


@_jit
def dright(z, a, b, n):
    """RIGHT(z[a:b], n) moved to z[a:]; the new end."""
    m = int(min(n, b - a))
    _move(z, int(a), int(b) - m, m)
    return a + m


@_jit
def dmid(z, a, b, start, n):
    """MID(z[a:b], start, n) (start >= 1, n >= 0 from dcount) moved to z[a:]; the new end."""
    length = b - a
    off = min(start - 1.0, length)
    m = int(min(n, length - off))
    _move(z, int(a), int(a + off), m)
    return a + m


@_jit
def drept(z, a, b, n):
    """REPT(z[a:b], n) at z[a:]; the new end (the generator bounds n * (b - a))."""
    m = int(b - a)
    for r in range(1, int(n)):
        _move(z, int(a) + r * m, int(a), m)
    return a + m * max(int(n), 0)


@_jit
def dpick(z, a, mid, b, first):
    """Of two texts z[a:mid] and z[mid:b], the first (first != 0) or the second, at z[a:];
    the new end."""
    if first != 0.0:
        return mid
    m = int(b - mid)
    _move(z, int(a), int(mid), m)
    return a + m


@_jit
def dcmp(z, a, b, c, d):
    """-1, 0 or 1: z[a:b] against z[c:d] as the numpy library compares text (casefold,
    then by code point; a character folded to several is refused by the generator)."""
    y = z
    n = int(b - a)
    m = int(d - c)
    for j in range(min(n, m)):
        p = _fold(z[int(a) + j])
        q = _fold(y[int(c) + j])
        if p != q:
            return -1.0 if p < q else 1.0
    if n == m:
        return 0.0
    return -1.0 if n < m else 1.0


@_jit
def dfind(z, c, d, a, b, start, case):
    """FIND (case != 0) or SEARCH without wildcards of z[c:d] in z[a:b] from ``start``
    (>= 1, from dcount): the 1-based position, or 0 where not found."""
    y = z
    n = int(b - a)
    m = int(d - c)
    i = int(start)
    if i > n:
        return 0.0
    for p in range(i - 1, n - m + 1):
        hit = True
        for j in range(m):
            u = z[int(a) + p + j]
            v = y[int(c) + j]
            if case == 0.0:
                u = _fold(u)
                v = _fold(v)
            if u != v:
                hit = False
                break
        if hit:
            return float(p + 1)
    return 0.0


@_jit
def _at(z, i, end, x, n):
    """Whether z[x:x+n] occurs at z[i:] (before ``end``)."""
    if i + n > end:
        return False
    for j in range(n):
        if z[i + j] != z[x + j]:
            return False
    return True


@_jit
def dsubst(z, pos, ta, tb, xa, xb, ya, yb, inst):
    """SUBSTITUTE(z[ta:tb], z[xa:xb], z[ya:yb]) at z[pos:]: every occurrence (inst 0) or
    only the inst-th (non-overlapping, from the left, as str.replace and str.find count
    them); an empty text to replace replaces nothing.  The new end."""
    n, m, k, w = int(tb), int(xb - xa), int(yb - ya), int(pos)
    count = 0
    i = int(ta)
    while i < n:
        if m > 0 and _at(z, i, n, int(xa), m):
            count += 1
            if inst == 0.0 or count == int(inst):
                for j in range(k):
                    z[w + j] = z[int(ya) + j]
                w += k
            else:
                for j in range(m):
                    z[w + j] = z[i + j]
                w += m
            i += m
        else:
            z[w] = z[i]
            w += 1
            i += 1
    return float(w)


@_jit
def drepl(z, pos, ta, tb, start, count, ya, yb):
    """REPLACE: t[:start-1] + y + t[start-1+count:] at z[pos:], t = z[ta:tb], y = z[ya:yb]
    (start >= 1, count >= 0 from dcount); the new end."""
    a, n, w = int(ta), int(tb - ta), int(pos)
    head = min(int(start) - 1, n)
    for j in range(head):
        z[w + j] = z[a + j]
    w += head
    for j in range(int(yb - ya)):
        z[w + j] = z[int(ya) + j]
    w += int(yb - ya)
    for j in range(min(int(start) - 1 + int(count), n), n):
        z[w] = z[a + j]
        w += 1
    return float(w)


@_jit
def _put_fixed(z, w, q, k, n, comma):
    """The number of 15 significant digits q (0: zero) whose first is the digit of 10**k,
    with n decimals, thousands commas where ``comma``, at z[w:]; the new end."""
    d = np.zeros(15, dtype=np.int64)
    for j in range(14, -1, -1):
        d[j] = q % 10
        q //= 10
    for p in range(max(k, 0), -n - 1, -1):   # the digit of 10**p: d[k - p] (0 outside)
        if p == -1:
            z[w] = 46
            w += 1
        i = k - p
        z[w] = 48 + (d[i] if 0 <= i < 15 else 0)
        w += 1
        if comma != 0.0 and p > 0 and p % 3 == 0:
            z[w] = 44
            w += 1
    return w


@_jit
def dput_fixed(z, pos, x, ndec, comma, pct, cur):
    """TEXT(x, fmt) for fmt [$]0|#,##0[.0...][%] (engine.functions.text._format_simple):
    the sign of x, "$" (cur), |x| (times 100 with pct) rounded half away from zero to ndec
    decimals on 15 digits, with thousands commas (comma), then "%" (pct); the new end."""
    w = int(pos)
    w = put_mark(z, put_mark(z, w, x < 0.0, 45), cur != 0.0, 36)
    v = excel_round(abs(x * 100.0 if pct != 0.0 else x), ndec, 0)
    if v == np.inf:   # x * 100 past the doubles: x's 15 digits, times 100 as digits
        q, k = digits15(abs(x))
        k += 2
    else:
        q, k = (0, 0) if v == 0.0 else digits15(v)
    w = _put_fixed(z, w, q, k, int(ndec), comma)
    return float(put_mark(z, w, pct != 0.0, 37))


@_jit
def dcode(z, a, b):
    """CODE of z[a:b] (ASCII: the code point; "" -> 0, which the generator makes #VALUE!)."""
    return z[int(a)] if b > a else 0.0


@_jit
def dsame(z, a, b, c, d):
    """EXACT: 1.0 where z[a:b] and z[c:d] are the same text (case counts), else 0.0."""
    if b - a != d - c:
        return 0.0
    for j in range(int(b - a)):
        if z[int(a) + j] != z[int(c) + j]:
            return 0.0
    return 1.0


@_jit
def dnumval(x):
    """The number the General-format text of x reads back as (VALUE(x&""))."""
    return general_value(x)


__all__ = ["KERNEL_NAMES", "READ_NAMES", *KERNEL_NAMES, *READ_NAMES]


# ----------------------------------------------------------------- keys made per trial
@_jit
def dintern(z, a, b, kv, off, other):
    """The id of the known text that z[a:b] equals, case aside (``kv[off]`` texts follow:
    id, length, code points, lower case), or ``other`` (a text no lookup range holds)."""
    n = int(kv[int(off)])
    at = int(off) + 1
    m = int(b - a)
    for _ in range(n):
        k = kv[at]
        length = int(kv[at + 1])
        if length == m:
            same = True
            for j in range(m):
                if _fold(z[int(a) + j]) != kv[at + 2 + j]:
                    same = False
                    break
            if same:
                return k
        at += 2 + length
    return other
