"""Runtime of COUNTIF/SUMIF/AVERAGEIF/...IFS/MAXIFS/MINIFS over a long range of constants
(:mod:`._long_criteria`): the range's values sit in the constant table ``kv`` and one loop per
trial tests them against a criterion whose number varies per trial (``"<="&L2``, a cell C2),
or reads a mask computed once for a criterion that is the same in every trial.

A criterion is four numbers ``(op, oa, ob, x)``:

* ``op`` 0..5 a number criterion (engine.functions._criteria EQ, NE, LT, LE, GT, GE) against
  ``x``: ``kv[oa + i]`` is cell ``i``'s number (NaN where it holds no number), ``kv[ob + i]``
  the number ``=`` compares (a number, or the number a text reads as: ``_num_test``);
* ``op`` 6 (MASK): ``kv[oa + i]`` is 1.0 where cell ``i`` meets the constant criterion;
* ``op`` 7 (NEVER): no cell meets it (the criterion is an error in this trial and the range
  holds no error).

Ranges of cells that vary per trial (numbers in every trial, no error: a column of a
formula copied down) are gathered once per trial into scratch arrays (:mod:`._gather`);
``lcrit_zfold`` tests them as ``lcrit_fold`` tests the table, a criterion being ``(op, x)``:
``op`` 0..5 against ``x``, 7 (NEVER) or 8 (ALWAYS: a criterion that is not a number, which
a number cell meets or not whatever its value, decided at generation).

Sums add the matched numbers left to right from 0.0, as the library adds one cell after
another (skipping a cell adds 0.0 there: the same number).  The CUDA twin is
:mod:`engine.backends.cupy._rt_long_criteria`.
"""

from __future__ import annotations

import math

from numba import njit

_jit = njit(nogil=True, cache=True, error_model="numpy")

KERNEL_NAMES = ("lcrit_count", "lcrit_fold", "lcrit_zfold", "lcrit_mfold")
MASK, NEVER, ALWAYS = 6, 7, 8
COUNT, SUM, MIN, MAX, COUNT_NUMBERS = range(5)   # lcrit_fold's ``how``
FIRST_ERROR = 5   # lcrit_mfold's ``how``: the first met ``zt[i]`` that is not 0 (error codes)
CODE_MISS, CODE_HIT, CODE_TEST, CODE_TEXT = range(4)   # lcrit_mfold's per-cell codes


@_jit
def _cmp(a, op, x):
    """Number ``a`` against ``x`` by the criteria's operator ``op`` (0..5: = <> < <= > >=)."""
    if op == 0:
        return a == x
    if op == 1:
        return not (a == x)
    if op == 2:
        return a < x
    if op == 3:
        return a <= x
    if op == 4:
        return a > x
    return a >= x


@_jit
def _hit(kv, i, op, oa, ob, x):
    if op == MASK:
        return kv[oa + i] != 0.0
    if op == NEVER:
        return False
    return _cmp(kv[ob + i] if op == 0 else kv[oa + i], op, x)


@_jit
def _rank(kv, off, n, x, right):
    """How many of the sorted kv[off:off+n] are < x (<= x where ``right``)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        v = kv[off + mid]
        if v < x or (right and v == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


@_jit
def lcrit_count(kv, n, op, oa, na, ob, nb, x):
    """COUNTIF of one number criterion over ``n`` constant cells: ``kv[oa:oa+na]`` their
    numbers sorted, ``kv[ob:ob+nb]`` the numbers ``=`` compares, sorted; by binary search."""
    op = int(op)
    oa, na, ob, nb = int(oa), int(na), int(ob), int(nb)
    if op == NEVER:
        return 0.0
    if op == 0:
        return float(_rank(kv, ob, nb, x, True) - _rank(kv, ob, nb, x, False))
    if op == 1:
        return float(int(n) - (_rank(kv, oa, na, x, True) - _rank(kv, oa, na, x, False)))
    if op == 2:
        return float(_rank(kv, oa, na, x, False))
    if op == 3:
        return float(_rank(kv, oa, na, x, True))
    if op == 4:
        return float(na - _rank(kv, oa, na, x, True))
    return float(na - _rank(kv, oa, na, x, False))


@_jit
def lcrit_fold(kv, n, how, ot, op1, oa1, ob1, x1, op2, oa2, ob2, x2):
    """Over the ``n`` cells meeting criterion 1 (and criterion 2 where ``op2`` >= 0): COUNT
    them, SUM / MIN / MAX the numbers of ``kv[ot:ot+n]`` there (NaN: no number; MIN/MAX give
    NaN where none), or COUNT_NUMBERS (the cells AVERAGEIF divides by)."""
    how, op1, op2 = int(how), int(op1), int(op2)
    oa1, ob1, oa2, ob2, ot = int(oa1), int(ob1), int(oa2), int(ob2), int(ot)
    acc = 0.0
    ext = math.nan
    for i in range(int(n)):
        if not _hit(kv, i, op1, oa1, ob1, x1):
            continue
        if op2 >= 0 and not _hit(kv, i, op2, oa2, ob2, x2):
            continue
        if how == COUNT:
            acc = acc + 1.0
            continue
        t = kv[ot + i]
        if t != t:
            continue
        if how == SUM:
            acc = acc + t
        elif how == COUNT_NUMBERS:
            acc = acc + 1.0
        elif ext != ext:
            ext = t
        elif how == MIN:
            ext = min(ext, t)
        else:
            ext = max(ext, t)
    return ext if how == MIN or how == MAX else acc


@_jit
def _zhit(z, i, op, x):
    if op == NEVER:
        return False
    if op == ALWAYS:
        return True
    return _cmp(z[i], op, x)


@_jit
def lcrit_zfold(z1, z2, zt, n, how, op1, x1, op2, x2):
    """``lcrit_fold`` over gathered ranges: the ``n`` numbers of ``z1`` (and of ``z2`` where
    ``op2`` >= 0) tested, the numbers of ``zt`` counted, added, or their MIN / MAX taken
    (NaN where none)."""
    how, op1, op2 = int(how), int(op1), int(op2)
    acc = 0.0
    ext = math.nan
    for i in range(int(n)):
        if not _zhit(z1, i, op1, x1):
            continue
        if op2 >= 0 and not _zhit(z2, i, op2, x2):
            continue
        if how == COUNT or how == COUNT_NUMBERS:
            acc = acc + 1.0
            continue
        t = zt[i]
        if how == SUM:
            acc = acc + t
        elif ext != ext:
            ext = t
        elif how == MIN:
            ext = min(ext, t)
        else:
            ext = max(ext, t)
    return ext if how == MIN or how == MAX else acc


@_jit
def _mhit(kv, z, i, op, x, codes, eqs):
    code = kv[codes + i]
    if code == CODE_MISS:
        return False
    if code == CODE_HIT:
        return True
    if op == NEVER:
        return False
    if code == CODE_TEXT and op == 0:
        return _cmp(kv[eqs + i], op, x)
    return _cmp(z[i], op, x)


@_jit
def lcrit_mfold(kv, z1, z2, zt, n, how, op1, x1, c1, e1, op2, x2, c2, e2):
    """``lcrit_fold`` over gathered ranges of constants and cells that vary per trial: cell
    ``i`` of range 1 meets its criterion by its code ``kv[c1 + i]`` (CODE_MISS, CODE_HIT, or
    CODE_TEST / CODE_TEXT: ``z1[i]`` compared by ``op1`` with ``x1``, for CODE_TEXT and ``=``
    ``kv[e1 + i]``, the number a constant text reads as); likewise range 2 where ``op2`` >= 0.
    ``zt[i]`` is the number counted, added, or compared (NaN: none there); for FIRST_ERROR
    the error code of cell ``i`` (0: none), the first met one returned (0.0 where none)."""
    how, op1, op2 = int(how), int(op1), int(op2)
    c1, e1, c2, e2 = int(c1), int(e1), int(c2), int(e2)
    acc = 0.0
    ext = math.nan
    for i in range(int(n)):
        if not _mhit(kv, z1, i, op1, x1, c1, e1):
            continue
        if op2 >= 0 and not _mhit(kv, z2, i, op2, x2, c2, e2):
            continue
        if how == COUNT:
            acc = acc + 1.0
            continue
        t = zt[i]
        if how == FIRST_ERROR:
            if t != 0.0:
                return t
            continue
        if t != t:
            continue
        if how == SUM:
            acc = acc + t
        elif how == COUNT_NUMBERS:
            acc = acc + 1.0
        elif ext != ext:
            ext = t
        elif how == MIN:
            ext = min(ext, t)
        else:
            ext = max(ext, t)
    return ext if how == MIN or how == MAX else acc


__all__ = ["KERNEL_NAMES", "lcrit_count", "lcrit_fold", "lcrit_mfold", "lcrit_zfold"]
