"""Runtime of :mod:`._dtext_args`: TEXTBEFORE/TEXTAFTER with every argument
(engine.functions.text_modern._before_after), over the dynamic text buffer (code points;
case aside past ASCII by ``._unicase``, the generator refusing folds of several characters).

``dsplit(z, ta, tb, da, db, k, mode, end, after)``: the text z[ta:tb] split at the k-th
(from the end where k < 0) non-overlapping match of the delimiter z[da:db] (case aside
where mode is 1; an empty delimiter matches at every position; ``end``: the text's end,
or its start for k < 0, counts as one more match): the end of the text before it, or the
start of the text after it; -1 where there is no such match (#N/A, or if_not_found), -2
where the reference's answer is #VALUE! (k = 0, |k| past the text's length, mode not 0
or 1).  The CUDA twin is :mod:`engine.backends.cupy._rt_dtext_args`.
"""

from __future__ import annotations

from numba import njit

from ._unicase import FOLD, ucase

_jit = njit(nogil=True, cache=True, error_model="numpy")

KERNEL_NAMES = ("dsplit",)


@_jit
def fold(c):
    """The code point ``c`` with its case aside: past ASCII casefolded to one character
    (._unicase; the criteria runtime, :mod:`._dcriteria_rt`, folds by it too)."""
    return ucase(c, FOLD)


@_jit
def _find(z, ta, tb, pos, da, db, caseless):
    """str.find of the delimiter in z[ta:tb] from ``pos`` (relative): the match's
    relative start, or -1."""
    n = tb - ta
    m = db - da
    for s in range(pos, n - m + 1):
        same = True
        for j in range(m):
            c = z[ta + s + j]
            d = z[da + j]
            if caseless:
                c = fold(c)
                d = fold(d)
            if c != d:
                same = False
                break
        if same:
            return s
    return -1


@_jit
def _nth(z, ta, tb, da, db, fold, idx):
    """The relative start of match ``idx`` (0-based) of _find_all."""
    m = db - da
    pos = 0
    got = 0
    while pos <= tb - ta:
        f = _find(z, ta, tb, pos, da, db, fold)
        if f < 0:
            return -1
        if got == idx:
            return f
        got += 1
        pos = f + m if m > 0 else f + 1
    return -1


@_jit
def dsplit(z, ta, tb, da, db, k, mode, end, after):
    """See the module docstring."""
    ia, ib, ja, jb = int(ta), int(tb), int(da), int(db)
    n = ib - ia
    m = jb - ja
    if not (abs(k) <= 2e9) or not (mode == mode):   # NaN (under an error) or too far
        return -2.0
    kk = int(k)
    if kk == 0 or abs(kk) > max(n, 1) or (mode != 0.0 and mode != 1.0):
        return -2.0
    fold = mode == 1.0
    count = 0
    pos = 0
    while pos <= n:
        f = _find(z, ia, ib, pos, ja, jb, fold)
        if f < 0:
            break
        count += 1
        pos = f + m if m > 0 else f + 1
    extra = 1 if end != 0.0 else 0
    total = count + extra
    if abs(kk) > total:
        return -1.0
    idx = kk - 1 if kk > 0 else total + kk
    if extra and kk > 0 and idx == count:    # the text's end
        a = n
        b = n
    elif extra and kk < 0 and idx == 0:      # the text's start
        a = 0
        b = 0
    else:
        if extra and kk < 0:
            idx -= 1
        a = _nth(z, ia, ib, ja, jb, fold, idx)
        b = a + m
    return float(ia + (b if after != 0.0 else a))


__all__ = ["KERNEL_NAMES", "dsplit"]
