"""Runtime of criteria made per trial (COUNTIF/SUMIFS/... of ``"<"&TEXT(d,"yyyy-mm-dd")``,
``B1&"*"``, ``"<>"&B1``): the criterion's text is in the dynamic text buffer ``z[a:b]``
(:mod:`._dtext_rt`), parsed per trial exactly as :func:`engine.functions._criteria.parse`
parses a criterion, and matched against each range cell as ``_criteria.match`` does.

* ``dcrit_rest(z, a, b)``: where the operand starts (after ``<=``, ``>=``, ``<>``, ``<``,
  ``>`` or ``=``, tried in that order);
* ``dcrit_kind(z, a, b, x)``: the parsed criterion packed in one number, ``op + 8 * kind +
  128 * value`` (``x`` is ``parse_number`` of the operand, NaN where it is None:
  ``_rt_dvalue.dnum(z, p, b, 0, 2)``); kinds in :data:`KINDS`, ops as ``_criteria``'s EQ..GE,
  the value a logical's 0/1 or an error's code;
* ``dcrit_cell(k, x, ctype, v, e, t, ta, tb, tnum, z, p, b)``: 1.0 where a range cell meets
  it: ``ctype`` 0 a number ``v``, 1 a logical, 2 a blank, 3 a text (its casefolded code
  points ``t[ta:tb]``, ``tnum`` its ``parse_number``); ``e`` the cell's error code;
* ``dcrit_id``: the same for a text of the constant table (kv entries: start, length, its
  number, per text id).

Text compares casefolded, by code point (``<`` ``>``: in Excel's order, ``_rt_collation``); wildcards (``*``, ``?``, ``~`` escapes) match the
whole text case aside (text past ASCII folds by ``._unicase``; the generator refuses a
wildcard where ``re.IGNORECASE`` has its own equivalences: ``_unicase.refuse_wild``).  The CUDA twin is
:mod:`engine.backends.cupy._rt_dcriteria`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ...values import ERROR_CODES, ERROR_NAMES
from ._dtext_args_rt import fold as _fold
from ._rt_collation import dcoll2

_jit = njit(nogil=True, cache=True, error_model="numpy")

KERNEL_NAMES = ("dcrit_rest", "dcrit_kind", "dcrit_cell", "dcrit_id")
KINDS = ("num", "bool", "err", "text", "wild", "blank", "empty", "nonblank", "never")
NUM, BOOL, ERR, TEXT, WILD, BLANK, EMPTY, NONBLANK, NEVER = range(9)
EQ, NE, LT, LE, GT, GE = range(6)


def _error_table() -> np.ndarray:
    """The error names a criterion names (``_criteria.parse``: in ERROR_CODES and among
    ERROR_NAMES' values), each as its code, its length and its code points."""
    flat: list[float] = []
    names = sorted(n for n in set(ERROR_NAMES.values()) if n in ERROR_CODES)
    for name in names:
        flat += [float(ERROR_CODES[name]), float(len(name)), *(float(ord(ch)) for ch in name)]
    return np.array([float(len(names)), *flat])


ERRORS = _error_table()


@_jit
def _f(hit):
    return 1.0 if hit else 0.0


@_jit
def dcrit_rest(z, a, b):
    """Where the operand of the criterion z[a:b] starts."""
    ia, ib = int(a), int(b)
    if ia >= ib:
        return a
    c = z[ia]
    if ia + 1 < ib:
        d = z[ia + 1]
        if (c == 60.0 or c == 62.0) and d == 61.0:   # <= >=
            return a + 2.0
        if c == 60.0 and d == 62.0:                  # <>
            return a + 2.0
    if c == 60.0 or c == 62.0 or c == 61.0:
        return a + 1.0
    return a


@_jit
def _upper_is(z, p, b, kv, at):
    """Whether z[p:b] upper-cased (ASCII) is the text kv[at+1] long at kv[at+2:]."""
    n = int(kv[at + 1])
    if b - p != n:
        return False
    for j in range(n):
        c = z[p + j]
        if 97.0 <= c <= 122.0:
            c -= 32.0
        if c != kv[at + 2 + j]:
            return False
    return True


@_jit
def _upper_word(z, p, b, word):
    """Whether z[p:b] upper-cased is ``word`` (0: TRUE, 1: FALSE)."""
    n = b - p
    if word == 0:
        if n != 4:
            return False
    elif n != 5:
        return False
    for j in range(n):
        c = z[p + j]
        if 97.0 <= c <= 122.0:
            c -= 32.0
        if word == 0:
            want = (84.0, 82.0, 85.0, 69.0)[j]
        else:
            want = (70.0, 65.0, 76.0, 83.0, 69.0)[j]
        if c != want:
            return False
    return True


@_jit
def dcrit_kind(z, a, b, x):
    """``_criteria.parse`` of z[a:b] (x: parse_number of its operand), packed."""
    ia, ib = int(a), int(b)
    p = int(dcrit_rest(z, a, b))
    n = p - ia
    op = EQ
    if n == 2:
        if z[ia + 1] == 62.0:
            op = NE
        elif z[ia] == 60.0:
            op = LE
        else:
            op = GE
    elif n == 1:
        c = z[ia]
        op = LT if c == 60.0 else GT if c == 62.0 else EQ
    if x == x:
        return float(op + 8 * NUM)
    if p >= ib:
        if op == EQ:
            return float(8 * (BLANK if n > 0 else EMPTY))
        return float(8 * (NONBLANK if op == NE else NEVER))
    if _upper_word(z, p, ib, 0):
        return float(op + 8 * BOOL + 128)
    if _upper_word(z, p, ib, 1):
        return float(op + 8 * BOOL)
    if op == EQ or op == NE:
        m = int(ERRORS[0])
        at = 1
        for _ in range(m):
            if _upper_is(z, p, ib, ERRORS, at):
                return float(op + 8 * ERR + 128 * int(ERRORS[at]))
            at += 2 + int(ERRORS[at + 1])
        for j in range(p, ib):
            c = z[j]
            if c == 42.0 or c == 63.0 or c == 126.0:
                return float(op + 8 * WILD)
    return float(op + 8 * TEXT)


@_jit
def _cmp_text(z, p, b, t, ta, tb):
    """-1, 0, 1: the folded text t[ta:tb] against the folded operand z[p:b]."""
    n = tb - ta
    m = b - p
    for j in range(min(n, m)):
        c = _fold(t[ta + j])
        d = _fold(z[p + j])
        if c != d:
            return -1 if c < d else 1
    if n == m:
        return 0
    return -1 if n < m else 1


@_jit
def _wild(z, p, b, t, ta, tb):
    """Whether the pattern z[p:b] (``*``, ``?``, ``~`` escapes) matches all of t[ta:tb]
    case aside (``re.fullmatch`` of ``_search.wildcard_regex``)."""
    i = p
    j = ta
    star_i = -1
    star_j = -1
    while j < tb:
        if i < b:
            c = z[i]
            ni = i + 1
            kind = 0          # 0 a literal, 1 ?, 2 *
            if c == 126.0 and i + 1 < b and (z[i + 1] == 42.0 or z[i + 1] == 63.0
                                             or z[i + 1] == 126.0):
                c = z[i + 1]
                ni = i + 2
            elif c == 42.0:
                kind = 2
            elif c == 63.0:
                kind = 1
            if kind == 2:
                star_i = ni
                star_j = j
                i = ni
                continue
            if kind == 1 or _fold(c) == _fold(t[j]):
                i = ni
                j += 1
                continue
        if star_i >= 0:
            star_j += 1
            j = star_j
            i = star_i
            continue
        return False
    while i < b and z[i] == 42.0:
        i += 1
    return i == b


@_jit
def dcrit_cell(k, x, ctype, v, e, t, ta, tb, tnum, z, p, b):
    """1.0 where a range cell meets the criterion ``k`` (``_criteria.match``), else 0.0."""
    kk = int(k)
    op = kk % 8
    kind = (kk // 8) % 16
    val = kk // 128
    bad = e != 0
    ct = int(ctype)
    if kind == ERR:
        hit = int(e) == val
        return _f(hit != (op == NE))
    if kind == NUM:
        if op == NE:   # ~(num == x): only a number equal to x fails
            return _f(not (ct == 0 and not bad and v == x))
        if ct == 0 and not bad:
            if op == EQ:
                return _f(v == x)
            if op == LT:
                return _f(v < x)
            if op == LE:
                return _f(v <= x)
            if op == GT:
                return _f(v > x)
            return _f(v >= x)
        if ct == 3 and op == EQ and not bad:
            return _f(tnum == x)
        return 0.0
    if kind == BOOL:
        if ct != 1:
            return _f(op == NE)
        lv = 1 if v != 0.0 else 0
        if op == NE:
            return _f(not (not bad and lv == val))
        if bad:
            return 0.0
        if op == EQ:
            return _f(lv == val)
        if op == LT:
            return _f(lv < val)
        if op == LE:
            return _f(lv <= val)
        if op == GT:
            return _f(lv > val)
        return _f(lv >= val)
    if kind == TEXT or kind == WILD:
        hit = False
        if ct == 3 and not bad:
            ia, ib, ip, iz = int(ta), int(tb), int(p), int(b)
            if kind == WILD:
                hit = _wild(z, ip, iz, t, ia, ib)
            else:
                c = _cmp_text(z, ip, iz, t, ia, ib) if op <= NE else dcoll2(t, ia, ib, z, ip, iz)
                if op == EQ or op == NE:
                    hit = c == 0
                elif op == LT:
                    hit = c < 0
                elif op == LE:
                    hit = c <= 0
                elif op == GT:
                    hit = c > 0
                else:
                    hit = c >= 0
        return _f(hit != (op == NE))
    blank = ct == 2 and not bad
    if kind == BLANK:
        return _f(blank)
    if kind == EMPTY:
        return _f(blank or (ct == 3 and not bad and tb == ta))
    if kind == NONBLANK:
        return _f(not blank)
    return 0.0


@_jit
def dcrit_id(k, x, kv, off, idx, nids, e, z, p, b):
    """dcrit_cell of text id ``idx`` (of ``nids``): kv[off + 3 * idx] is where its folded
    code points are in kv, the next entries how many and its parse_number (NaN: none)."""
    if e != 0 or not (0.0 <= idx < nids):   # under an error (its text is never read)
        return dcrit_cell(k, x, 3.0, 0.0, e, kv, 0.0, 0.0, np.nan, z, p, b)
    i = int(off) + 3 * int(idx)
    return dcrit_cell(k, x, 3.0, 0.0, e, kv, kv[i], kv[i] + kv[i + 1], kv[i + 2], z, p, b)


__all__ = ["ERRORS", "KERNEL_NAMES", "KINDS", *KERNEL_NAMES]
