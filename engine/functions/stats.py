"""Statistical aggregates: AVERAGE, MIN/MAX, COUNT, MEDIAN, PERCENTILE/QUARTILE, LARGE/SMALL,
STDEV/VAR, AVEDEV, DEVSQ, GEOMEAN, HARMEAN, RANK, PERCENTRANK and the conditional aggregates
(SUMIF(S), COUNTIF(S), AVERAGEIF(S), MINIFS, MAXIFS).

Excel semantics, vectorized over trials:

* a direct argument is coerced (TRUE -> 1, "3" -> 3, "x" -> #VALUE!, an omitted one -> 0);
  in a range or an array only numbers count (the ...A functions count text as 0 and
  logicals as 0/1); an error anywhere wins, the first one in argument order;
* MIN/MAX of no numbers is 0, AVERAGE #DIV/0!, STDEV.S/VAR.S of fewer than two #DIV/0!,
  MEDIAN, PERCENTILE, LARGE of none #NUM!;
* order statistics sort each trial's values (absent cells as NaN, last) and index them with
  per-trial counts, so a range whose cells vary per trial costs one sort of an (n, k) matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ir
from ..values import (
    DIV0,
    NA,
    NUM,
    VALUE,
    Grid,
    Kind,
    Vec,
    blank,
    first_error,
    num,
    parse_number,
    trials,
)
from . import flat_ops, register
from ._args import as_vec, iter_values, numeric_columns, result, scalar_number
from ._criteria import Cells, match, matcher, parse, view
from .math import flag, round_digits
from .operators import map_grid

Arg = Vec | Grid | None
Cols = tuple[list[np.ndarray], list[np.ndarray | None], np.ndarray | None, int]


def _filled(args: tuple[Arg, ...]) -> list[Vec | Grid]:
    """Excel treats an omitted argument of these functions as 0 (AVERAGE(1,) is 0.5)."""
    return [num(0.0) if a is None else a for a in args]


FLAT_MIN = 32  # ranges and arrays of at least this many cells are read by _flat_numbers


def _flat_numbers(a: Arg) -> tuple[np.ndarray, np.ndarray | None] | None:
    """A range or array whose cells hold one value each (Excel's own recalculation, the flat
    path's results: ``MEDIAN(IF((jobs[c]=A2)*..,jobs[s]))`` over 32,672 rows) as the numbers
    aggregates read from it: its numbers without an error, row-major, and its first error (an
    array of one code, None when none), what :func:`numeric_columns` gives cell by cell.  None
    for anything else (values varying per trial, cells of mixed kinds, small ranges)."""
    if not isinstance(a, Grid) or not flat_ops.ENABLED or a.shape[0] * a.shape[1] < FLAT_MIN:
        return None
    f = flat_ops.flat(a)
    if f is None or (f.kinds == int(Kind.ANY)).any():
        return None
    ok = f.kinds == int(Kind.NUM)
    err = None
    if f.err is not None:
        first = np.flatnonzero(f.err)
        if len(first):
            err = f.err[first[0]:first[0] + 1]
        ok &= f.err == 0
    nums = f.data[Kind.NUM][ok] if ok.any() else np.zeros(0)
    return nums, err


class _Fixed:
    """Numbers that are the same in every trial, in argument order: a range's or an array's
    numbers read at once (:func:`_flat_numbers`), kept as one 1-D array instead of one column
    of one value per number."""

    __slots__ = ("nums",)

    def __init__(self, nums: np.ndarray) -> None:
        self.nums = nums


Col = np.ndarray | _Fixed


def _numeric_columns(args: list[Vec | Grid], **how: bool) -> tuple[
        list[Col], list[np.ndarray | None], np.ndarray | None]:
    """:func:`numeric_columns`, a range or array of cells of one value each
    (:func:`_flat_numbers`) read at once: its numbers one :class:`_Fixed` (mask None)."""
    if any(how.values()):  # the ...A functions count text and logicals in ranges
        return numeric_columns(args, **how)
    cols: list[Col] = []
    masks: list[np.ndarray | None] = []
    err: np.ndarray | None = None
    for a in args:
        got = _flat_numbers(a)
        if got is None:
            c, m, e = numeric_columns([a])
            cols += c
            masks += m
        else:
            nums, e = got
            cols.append(_Fixed(nums))
            masks.append(None)
        err = first_error(err, e)
    return cols, masks, err


def _expanded(cols: list[Col], masks: list[np.ndarray | None]) -> tuple[
        list[np.ndarray], list[np.ndarray | None]]:
    """The columns with each :class:`_Fixed` one column of one value per number."""
    if not any(isinstance(c, _Fixed) for c in cols):
        return cols, masks  # type: ignore[return-value]
    out_c: list[np.ndarray] = []
    out_m: list[np.ndarray | None] = []
    for c, m in zip(cols, masks, strict=True):
        if isinstance(c, _Fixed):
            out_c += list(c.nums.reshape(-1, 1))
            out_m += [None] * len(c.nums)
        else:
            out_c.append(c)
            out_m.append(m)
    return out_c, out_m


def _columns(args: tuple[Arg, ...], a: bool = False, fixed: bool = False) -> Cols:
    """Numeric columns, masks, first error and trials of ``args``; a flat range's numbers as
    one :class:`_Fixed` when ``fixed``, else one column per number."""
    filled = _filled(args)
    cols, masks, err = _numeric_columns(filled, text_in_refs=a, bools_in_refs=a)
    if not fixed:
        cols, masks = _expanded(cols, masks)
    return cols, masks, err, trials(*filled)


def _mapped(f: Callable[[np.ndarray], np.ndarray], cols: list[Col]) -> list[Col]:
    """``f`` of each column (of a :class:`_Fixed`'s numbers, kept fixed)."""
    return [_Fixed(f(c.nums)) if isinstance(c, _Fixed) else f(c) for c in cols]


def _fold(op: np.ufunc, acc: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """``acc`` op ``xs[0]`` op ``xs[1]`` .. left to right, each trial (``op.accumulate`` adds
    in that order: the loop's bits)."""
    if len(xs) == 0:
        return acc
    if len(acc) == 1:
        return op.accumulate(np.concatenate([acc, xs]))[-1:]
    for x in xs:
        acc = op(acc, x)
    return acc


def _count(masks: list[np.ndarray | None], cols: list[Col]) -> np.ndarray:
    cnt = np.zeros(1)
    fixed = 0.0  # whole numbers: any order is exact
    for c, m in zip(cols, masks, strict=True):
        if isinstance(c, _Fixed):
            fixed += len(c.nums)
        elif len(c) == 1 and (m is None or len(m) == 1):
            fixed += 1.0 if m is None else float(bool(m[0]))
        else:
            cnt = cnt + (np.ones(1) if m is None else m.astype(np.float64)) * np.ones(len(c))
    return cnt + fixed


def _sum(cols: list[Col], masks: list[np.ndarray | None]) -> np.ndarray:
    """The columns' sum per trial, added left to right from 0.0 (a masked value adds 0.0)."""
    if all(isinstance(c, _Fixed) or (len(c) == 1 and (m is None or len(m) == 1))
           for c, m in zip(cols, masks, strict=True)):
        xs = [np.zeros(1)]
        for c, m in zip(cols, masks, strict=True):
            x = c.nums if isinstance(c, _Fixed) else c
            xs.append(x if m is None else np.where(m, x, 0.0))
        return np.add.accumulate(np.concatenate(xs))[-1:]
    acc = np.zeros(1)
    for c, m in zip(cols, masks, strict=True):
        if isinstance(c, _Fixed):
            acc = _fold(np.add, acc, c.nums)
        else:
            acc = acc + (c if m is None else np.where(m, c, 0.0))
    return acc


def _done(values: np.ndarray, err: np.ndarray | None, n: int) -> Vec:
    out = result(np.broadcast_to(values, (max(n, len(np.atleast_1d(values))),)), err)
    return out


def _mean(args: tuple[Arg, ...], a: bool = False) -> Vec:
    cols, masks, err, n = _columns(args, a, fixed=True)
    cnt = _count(masks, cols)
    with np.errstate(all="ignore"):
        mean = _sum(cols, masks) / cnt
    return _done(mean, flag(err, cnt == 0, DIV0), n)


register("AVERAGE", refs=True)(lambda *args: _mean(args))
register("AVERAGEA", refs=True)(lambda *args: _mean(args, True))


def _extreme(args: tuple[Arg, ...], a: bool, pick: Callable, start: float) -> Vec:
    cols, masks, err, n = _columns(args, a, fixed=True)
    acc = np.full(1, start)
    for c, m in zip(cols, masks, strict=True):
        if isinstance(c, _Fixed):
            acc = _fold(pick, acc, c.nums)
        else:
            acc = pick(acc, c if m is None else np.where(m, c, start))
    return _done(np.where(np.isinf(acc), 0.0, acc), err, n)


register("MIN", refs=True)(lambda *args: _extreme(args, False, np.minimum, np.inf))
register("MAX", refs=True)(lambda *args: _extreme(args, False, np.maximum, -np.inf))
register("MINA", refs=True)(lambda *args: _extreme(args, True, np.minimum, np.inf))
register("MAXA", refs=True)(lambda *args: _extreme(args, True, np.maximum, -np.inf))


def _deviations(args: tuple[Arg, ...], a: bool, f: Callable) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray | None, int]:
    """(sum of f(x - mean), count, errors, trials)."""
    cols, masks, err, n = _columns(args, a, fixed=True)
    cnt = _count(masks, cols)
    with np.errstate(all="ignore"):
        mean = _sum(cols, masks) / cnt
        dev = np.zeros(1)
        for c, m in zip(cols, masks, strict=True):
            if isinstance(c, _Fixed):
                if len(mean) == 1:
                    dev = _fold(np.add, dev, f(c.nums - mean))
                else:
                    for x in c.nums:
                        dev = dev + f(x - mean)
                continue
            d = f(c - mean)
            dev = dev + (d if m is None else np.where(m, d, 0.0))
    return dev, cnt, err, n


def _var(ddof: int, a: bool = False, root: bool = False) -> Callable[..., Vec]:
    def fn(*args: Arg) -> Vec:
        ss, cnt, err, n = _deviations(args, a, np.square)
        with np.errstate(all="ignore"):
            v = ss / (cnt - ddof)
        v = np.maximum(v, 0.0)
        return _done(np.sqrt(v) if root else v, flag(err, cnt <= ddof, DIV0), n)

    return fn


for _names, _ddof, _a in ((("VAR", "VAR.S"), 1, False), (("VARP", "VAR.P"), 0, False),
                          (("VARA",), 1, True), (("VARPA",), 0, True)):
    register(*_names, refs=True)(_var(_ddof, _a))
for _names, _ddof, _a in ((("STDEV", "STDEV.S"), 1, False), (("STDEVP", "STDEV.P"), 0, False),
                          (("STDEVA",), 1, True), (("STDEVPA",), 0, True)):
    register(*_names, refs=True)(_var(_ddof, _a, root=True))


@register("DEVSQ", refs=True)
def devsq(*args: Arg) -> Vec:
    """Excel's DEVSQ: the sum of squared deviations from the mean (#NUM! for no numbers)."""
    ss, cnt, err, n = _deviations(args, False, np.square)
    return _done(ss, flag(err, cnt == 0, NUM), n)


@register("AVEDEV", refs=True)
def avedev(*args: Arg) -> Vec:
    """Excel's AVEDEV: the mean absolute deviation (#NUM! for no numbers)."""
    s, cnt, err, n = _deviations(args, False, np.abs)
    with np.errstate(all="ignore"):
        return _done(s / cnt, flag(err, cnt == 0, NUM), n)


def _positive(args: tuple[Arg, ...]):
    """Columns, masks, error, trials, count, and where a value is <= 0 (or there is none):
    what GEOMEAN and HARMEAN share."""
    cols, masks, err, n = _columns(args, fixed=True)
    cnt = _count(masks, cols)
    bad = cnt == 0
    for c, m in zip(cols, masks, strict=True):
        if isinstance(c, _Fixed):
            bad = bad | bool((c.nums <= 0).any())
        else:
            bad = bad | ((c <= 0) if m is None else (m & (c <= 0)))
    return cols, masks, err, n, cnt, bad


@register("GEOMEAN", refs=True)
def geomean(*args: Arg) -> Vec:
    """Excel's GEOMEAN: #NUM! when a value is <= 0 or there is none."""
    cols, masks, err, n, cnt, bad = _positive(args)
    with np.errstate(all="ignore"):
        logs = _sum(_mapped(lambda c: np.log(np.where(c > 0, c, 1.0)), cols), masks)
        g = np.exp(logs / cnt)
    return _done(g, flag(err, bad, NUM), n)


@register("HARMEAN", refs=True)
def harmean(*args: Arg) -> Vec:
    """Excel's HARMEAN: #NUM! when a value is <= 0 or there is none."""
    cols, masks, err, n, cnt, bad = _positive(args)
    with np.errstate(all="ignore"):
        h = cnt / _sum(_mapped(lambda c: 1.0 / np.where(c > 0, c, 1.0), cols), masks)
    return _done(h, flag(err, bad, NUM), n)


# ----------------------------------------------------------------- counting
def _kinds(v: Vec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per trial: is a number, is text, is a logical, is blank (errors are none of these)."""
    c = view(v)
    isnum = ~np.isnan(c.num)
    istext = np.zeros(1, bool) if c.text is None else np.array([s is not None for s in c.text])
    isbool = np.zeros(1, bool) if c.is_bool is None else c.is_bool
    isblank = np.zeros(1, bool) if c.is_blank is None else c.is_blank
    return isnum, istext, isbool, isblank


@register("COUNT", refs=True)
def count(*args: Arg) -> Vec:
    """Excel's COUNT: numbers in ranges; direct arguments that are or read as numbers."""
    filled = _filled(args)
    total = np.zeros(1)
    rest = []
    for a in filled:
        got = _flat_numbers(a)
        if got is None:
            rest.append(a)
        else:  # errors are not counted, nor do they make COUNT an error
            total = total + float(len(got[0]))
    for v, from_ref in iter_values(rest):
        isnum, istext, isbool, _ = _kinds(v)
        hit = isnum
        if not from_ref:
            hit = hit | isbool
            if istext.any():
                c = view(v)
                hit = hit | np.array([isinstance(s, str) and parse_number(s) is not None
                                      for s in c.text])
        total = total + hit
    return _done(total, None, trials(*filled))


@register("COUNTA", refs=True)
def counta(*args: Arg) -> Vec:
    """Excel's COUNTA: everything that is not a blank cell (errors and "" count)."""
    filled = _filled(args)
    total = np.zeros(1)
    for v, from_ref in iter_values(filled):
        if not from_ref:
            total = total + 1.0
            continue
        _, _, _, isblank = _kinds(v)
        total = total + ~isblank
    return _done(total, None, trials(*filled))


@register("COUNTBLANK", refs=True)
def countblank(*args: Arg) -> Vec:
    """Excel's COUNTBLANK: blank cells and empty text."""
    total = np.zeros(1)
    for a in args:
        # cells past the part of a clipped range that was read (A:A) are all empty
        area = a.area if isinstance(a, Grid) else None
        if area is not None and hasattr(area, "declared_shape"):
            (dr, dc), (rr, rc) = area.declared_shape, a.shape
            total = total + float(dr * dc - rr * rc)
    for v, _ in iter_values([a for a in args if a is not None]):
        c = view(v)
        blank = np.zeros(1, bool) if c.is_blank is None else c.is_blank
        if c.text is not None:
            blank = blank | np.array([s == "" for s in c.text])
        total = total + blank
    return _done(total, None, trials(*[a for a in args if a is not None]))


# ----------------------------------------------------------------- order statistics
class _Ordered:
    """Each trial's numbers in ascending order, for order statistics.  Cells that are the same
    in every trial are sorted once; only the cells that vary are sorted per trial (an (n, v)
    matrix, absent values as NaN, last), and the k-th smallest of the union is found by a
    vectorized binary search over the merge of the two."""

    def __init__(self, args: list[Vec | Grid]) -> None:
        cols, masks, self.err = _numeric_columns(args)
        const: list[np.ndarray] = [np.zeros(0)]
        varying = []
        for c, m in zip(cols, masks, strict=True):
            if isinstance(c, _Fixed):
                const.append(c.nums)
            elif len(c) == 1 and (m is None or len(m) == 1):
                if m is None or m[0]:
                    const.append(c[:1])
            else:
                varying.append((c, m))
        self.a = np.sort(np.concatenate(const).astype(np.float64))
        n = max([len(c) for c, _ in varying] + [len(m) for _, m in varying if m is not None]
                + [1])
        b = np.full((n, len(varying)), np.nan)
        for j, (c, m) in enumerate(varying):
            b[:, j] = c if m is None else np.where(m, c, np.nan)
        b.sort(axis=1)
        self.b = b
        self.nb = np.sum(~np.isnan(b), axis=1)
        self.cnt = (len(self.a) + self.nb).astype(np.float64)

    def _rows(self, size: int) -> tuple[np.ndarray, int]:
        n = max(self.b.shape[0], size)
        return (np.arange(n) if self.b.shape[0] == n else np.zeros(n, np.int64)), n

    def kth(self, j: np.ndarray) -> np.ndarray:
        """The ``j``-th smallest value (0-based) of each trial; ``j`` is clipped to range."""
        j = np.atleast_1d(j)
        rows, n = self._rows(len(j))
        nb, c, v = self.nb[rows], len(self.a), self.b.shape[1]
        j = np.clip(np.broadcast_to(j, (n,)).astype(np.int64), 0,
                    np.maximum(c + nb - 1, 0))
        if v == 0:
            return self.a[np.minimum(j, max(c - 1, 0))] if c else np.zeros(n)
        if c == 0:
            return self.b[rows, np.minimum(j, v - 1)]
        # i = how many of the j+1 smallest come from the constant part
        lo, hi = np.maximum(0, j + 1 - nb), np.minimum(j + 1, c)
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) // 2
            a_mid = self.a[np.minimum(mid, c - 1)]
            b_val = self.b[rows, np.clip(j - mid, 0, v - 1)]
            more = (mid < c) & (j - mid >= 0) & (a_mid < b_val)
            lo = np.where(active & more, mid + 1, lo)
            hi = np.where(active & ~more, mid, hi)
        from_a = np.where(lo > 0, self.a[np.maximum(lo - 1, 0)], -np.inf)
        from_b = np.where(j - lo >= 0, self.b[rows, np.clip(j - lo, 0, v - 1)], -np.inf)
        return np.maximum(from_a, from_b)

    def count(self, x: np.ndarray, side: str) -> np.ndarray:
        """How many values are < x (side "left") or <= x (side "right"), per trial."""
        rows, n = self._rows(len(x))
        x = np.broadcast_to(x, (n,))
        inb = self.b[rows] < x[:, None] if side == "left" else self.b[rows] <= x[:, None]
        return (np.searchsorted(self.a, x, side=side) + np.sum(inb, axis=1)).astype(np.float64)

    def interpolate(self, h: np.ndarray) -> np.ndarray:
        """The value at fractional 0-based rank ``h`` (linear between neighbours)."""
        rows, _ = self._rows(len(h))
        top = np.maximum(self.cnt[rows] - 1, 0)
        h = np.clip(h, 0.0, top)
        lo = np.floor(h)
        a, b = self.kth(lo), self.kth(np.minimum(lo + 1, top))
        return a + (h - lo) * (b - a)


def _at_most(count: int, fn: Callable[..., Vec | Grid]) -> Callable[..., Vec | Grid]:
    """``fn``, with #VALUE! for more than ``count`` arguments."""

    def call(*args: Arg) -> Vec | Grid:
        if len(args) > count:
            return _done(np.zeros(1), np.full(1, VALUE, np.uint8), trials(*[a for a in args if a]))
        return fn(*args)

    return call


def _with_k(fn: Callable[[list[Vec | Grid], Vec], Vec], array: Arg, k: Arg) -> Vec | Grid:
    """``fn([array], k)``, element by element when ``k`` is an array (omitted -> 0)."""
    arrays = [num(0.0) if array is None else array]
    if isinstance(k, Grid) and k.shape != (1, 1):
        return map_grid(lambda kk: fn(arrays, kk), k)
    return fn(arrays, num(0.0) if k is None else as_vec(k))


def _order_stat(arrays: list[Vec | Grid], k: Vec, how: str) -> Vec:
    o = _Ordered(arrays)
    x, ek = scalar_number(k)
    err = first_error(ek, o.err)  # an error in k wins over one in the array
    cnt = o.cnt
    n = max(len(cnt), len(x))
    with np.errstate(all="ignore"):
        if how == "inc":
            bad = (x < 0) | (x > 1) | (cnt == 0)
            v = o.interpolate(np.where(bad, 0.0, (cnt - 1) * x))
        elif how == "exc":
            h = (cnt + 1) * x - 1
            bad = (x <= 0) | (x >= 1) | (h < 0) | (h > cnt - 1) | (cnt == 0)
            v = o.interpolate(np.where(bad, 0.0, h))
        else:
            # Excel (and LibreOffice's approxCeil) round a fractional k up: LARGE(r, 1.2) is
            # the second largest
            kk = np.ceil(x - 1e-12 * np.abs(x))
            bad = (kk < 1) | (kk > cnt)
            v = o.kth(np.where(bad, 0, kk - 1 if how == "small" else cnt - kk))
    return _done(v, flag(err, bad, NUM), n)


def _quartile(arrays: list[Vec | Grid], q: Vec, how: str) -> Vec:
    x, eq = scalar_number(q)
    qq = np.trunc(x)
    bad = ((x < 0) | (qq > 4)) if how == "inc" else ((qq <= 0) | (qq >= 4))
    out = _order_stat(arrays, num(np.where(bad, 0.5, qq / 4.0)), how)
    return result(out.data, flag(first_error(eq, out.err), bad, NUM))


@register("MEDIAN", refs=True)
def median(*args: Arg) -> Vec:
    """Excel's MEDIAN (#NUM! for no numbers)."""
    return _order_stat(_filled(args), num(0.5), "inc")


for _names, _how in ((("PERCENTILE", "PERCENTILE.INC"), "inc"), (("PERCENTILE.EXC",), "exc"),
                     (("LARGE",), "large"), (("SMALL",), "small")):
    register(*_names, refs=True)(_at_most(2, lambda array=None, k=None, _how=_how: _with_k(
        lambda a, kk: _order_stat(a, kk, _how), array, k)))
for _names, _how in ((("QUARTILE", "QUARTILE.INC"), "inc"), (("QUARTILE.EXC",), "exc")):
    register(*_names, refs=True)(_at_most(2, lambda array=None, q=None, _how=_how: _with_k(
        lambda a, qq: _quartile(a, qq, _how), array, q)))


def _ordered(a: Arg) -> _Ordered:
    """``_Ordered([a])`` (None: 0), kept with a range (``Grid.derived``): RANK and PERCENTRANK
    copied down a 4,134-row column read the same range 4,134 times (carloscamposs Seccion4),
    and reading its cells again per formula took past 17 minutes."""
    if not isinstance(a, Grid):
        return _Ordered([num(0.0) if a is None else a])
    if a.derived is None:
        a.derived = {}
    got = a.derived.get("ordered")
    if got is None:
        got = a.derived["ordered"] = _Ordered([a])
    return got


def _rank(number: Arg, ref: Arg, order: Arg, avg: bool) -> Vec:
    x, ex = scalar_number(number)
    o, eo = scalar_number(order, 0.0)
    ordered = _ordered(ref)
    err = first_error(ex, eo, ordered.err)
    n = max(len(x), len(o), len(ordered.cnt))
    xs = np.broadcast_to(x, (n,))
    below, upto = ordered.count(xs, "left"), ordered.count(xs, "right")
    same = upto - below
    above = np.where(o != 0, below, np.broadcast_to(ordered.cnt, (n,)) - upto)
    r = above + 1 + (np.maximum(same - 1, 0) / 2 if avg else 0)
    n = trials(*[a for a in (number, ref, order) if a is not None])
    return _done(r, flag(err, same == 0, NA), n)


def _mapped_rank(avg: bool) -> Callable[..., Vec | Grid]:
    def fn(number: Arg = None, ref: Arg = None, order: Arg = None) -> Vec | Grid:
        if isinstance(number, Grid) and number.shape != (1, 1):
            return map_grid(lambda x: _rank(x, ref, order, avg), number)
        return _rank(number, ref, order, avg)

    return fn


register("RANK", "RANK.EQ", refs=True)(_at_most(3, _mapped_rank(False)))
register("RANK.AVG", refs=True)(_at_most(3, _mapped_rank(True)))


def _percentrank(array: Arg, x_arg: Arg, sig: Arg, exc: bool) -> Vec:
    o = _ordered(array)
    x, ex = scalar_number(x_arg)
    d, ed = scalar_number(sig, 3.0)
    err = first_error(ex, ed, o.err)
    d, cnt = np.trunc(d), o.cnt
    below, upto = o.count(x, "left"), o.count(x, "right")
    exact = upto > below
    with np.errstate(all="ignore"):
        lo = o.kth(upto - 1)
        hi = o.kth(upto)
        pos = np.where(exact, below, upto - 1 + (x - lo) / (hi - lo))
        if exc:
            r = (pos + 1) / (cnt + 1)
        else:
            r = np.where(cnt > 1, pos / (cnt - 1), 1.0)
    r = round_digits(np.nan_to_num(r), np.where(d >= 1, d, 0), "down")
    outside = (cnt == 0) | (x < o.kth(np.zeros(1))) | (x > o.kth(cnt - 1))
    err = flag(flag(err, d < 1, NUM), outside & ~(d < 1), NA)
    return _done(r, err, max(len(r), len(x)))


register("PERCENTRANK", "PERCENTRANK.INC", refs=True)(_at_most(
    3, lambda array=None, x=None, significance=None: _percentrank(array, x, significance, False)))
register("PERCENTRANK.EXC", refs=True)(_at_most(
    3, lambda array=None, x=None, significance=None: _percentrank(array, x, significance, True)))


# ----------------------------------------------------------------- conditional aggregates
def _grid(a: Arg) -> Grid:
    if a is None:
        return Grid([[num(0.0)]])
    return a if isinstance(a, Grid) else Grid([[a]])


def _resized(ctx: Any, g: Grid, shape: tuple[int, int]) -> Grid:
    """SUMIF/AVERAGEIF's sum range: its top-left cell, extended to the criteria range's shape
    (as Excel does); unchanged when it cannot be (not a reference)."""
    if g.shape == shape or g.area is None or ctx is None or not hasattr(ctx, "area"):
        return g
    a = g.area
    return ctx.area(ir.Area(a.sheet, a.r1, a.c1, a.r1 + shape[0] - 1, a.c1 + shape[1] - 1))


def _declared(g: Grid) -> tuple[int, int]:
    """The size a range was written with (a clipped A:A keeps its 1048576 rows)."""
    area = g.area
    return area.declared_shape if area is not None and hasattr(area, "declared_shape") \
        else g.shape


def _padded(g: Grid, shape: tuple[int, int]) -> Grid:
    """``g`` extended with empty cells to ``shape`` (the part of a clipped range not read)."""
    if g.shape == shape:
        return g
    empty = blank()
    rows = [list(r) + [empty] * (shape[1] - len(r)) for r in g.cells]
    rows += [[empty] * shape[1] for _ in range(shape[0] - len(rows))]
    return Grid(rows, g.area)


def _kept_trials(values: list[Vec | Grid]) -> int:
    """``trials(*values)``, a Grid's count kept with it (``Grid.derived``): the ranges the Env
    caches are read by every COUNTIFS of a 365 x 20 calendar over 5,000-row logs (kebron
    FIN-001), and counting their cells again per formula was most of its check."""
    n = 1
    for v in values:
        if not isinstance(v, Grid):
            n = max(n, trials(v))
            continue
        if v.derived is None:
            v.derived = {}
        got = v.derived.get("trials")
        if got is None:
            got = v.derived["trials"] = trials(v)
        n = max(n, got)
    return n


def _flat_view(g: Grid) -> Cells | None:
    """The cells of ``g`` classified for matching as one row of values (row-major), when each
    cell holds one value for all trials (Excel's own recalculation, constant ranges); None
    otherwise.  Kept on the grid: a range the Env caches is read again by every SUMIFS of a
    copied-down column, and classifying its cells one by one per formula is what made a
    365 x 20 COUNTIFS calendar over 5,000-row logs take half an hour."""
    if g.derived is not None and "flat_view" in g.derived:
        return g.derived["flat_view"]
    cells = [c for row in g.cells for c in row]
    out: Cells | None = None
    if cells and all(len(c.data) == 1 for c in cells):
        kinds = {c.kind for c in cells}
        if len(kinds) == 1 and Kind.ANY not in kinds:
            flat = Vec(cells[0].kind, np.concatenate([c.data for c in cells]))
        else:
            flat = Vec(Kind.ANY, np.array([c.scalar() if c.kind != Kind.BLANK else None
                                           for c in cells], dtype=object))
        if any(c.err is not None for c in cells):
            flat.err = np.array([0 if c.err is None else c.err[0] for c in cells], np.uint8)
        out = view(flat)
    if g.derived is None:
        g.derived = {}
    g.derived["flat_view"] = out
    return out


def _conditional_flat(how: str, values: Grid | None, pairs: list[tuple[Grid, Arg]],
                      crits: list[Arg]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                 np.ndarray | None] | None:
    """``_conditional``'s loop over the cells done on whole rows of values (``_flat_view``),
    when every range and value cell and every criterion holds one value: (total, counted,
    extreme, err) as the loop leaves them (sums added in the loop's order), or None."""
    if any(len(as_vec(c).data) != 1 for c in crits):
        return None
    views = [_flat_view(r) for r, _ in pairs]
    vals = _flat_view(values) if values is not None else None
    if any(v is None for v in views) or (values is not None and vals is None):
        return None
    size = pairs[0][0].shape[0] * pairs[0][0].shape[1]
    hit = np.ones(size, bool)
    for v, c in zip(views, crits, strict=True):
        hit &= np.broadcast_to(match(parse(as_vec(c).scalar()), v), (size,))
    start = np.inf if how == "min" else -np.inf
    if how == "count" or vals is None:
        return np.zeros(1), np.array([float(hit.sum())]), np.full(1, start), None
    err = None
    if vals.err is not None:
        bad = np.flatnonzero(hit & (vals.err != 0))
        err = vals.err[bad[:1]] if len(bad) else None
    take = hit & ~np.isnan(vals.num)
    picked = np.where(take, vals.num, 0.0)
    total = np.cumsum(np.concatenate(([0.0], picked)))[-1:]   # the loop's order of additions
    extreme = np.full(1, start)
    if how in ("min", "max") and take.any():
        pick = np.minimum if how == "min" else np.maximum
        extreme = np.atleast_1d(pick.reduce(np.where(take, vals.num, start)))
    return total, np.array([float(take.sum())]), extreme, err


def _conditional(how: str, values: Grid | None, pairs: list[tuple[Grid, Arg]]) -> Vec | Grid:
    crits = [c if c is not None else num(0.0) for _, c in pairs]
    if any(isinstance(c, Grid) and c.shape != (1, 1) for c in crits):
        ranges = [r for r, _ in pairs]
        return map_grid(lambda *cs: _conditional(how, values, list(zip(ranges, cs, strict=True))),
                        *crits)
    everything: list[Vec | Grid] = [r for r, _ in pairs] + crits + ([values] if values else [])
    n = _kept_trials(everything)
    declared = _declared(pairs[0][0])
    if any(_declared(r) != declared for r, _ in pairs) or \
            (values is not None and _declared(values) != declared):
        return _done(np.zeros(1), np.full(1, VALUE, np.uint8), n)
    grids = [r for r, _ in pairs] + ([values] if values is not None else [])
    shape = (max(g.shape[0] for g in grids), max(g.shape[1] for g in grids))
    pairs = [(_padded(r, shape), c) for r, c in pairs]
    values = _padded(values, shape) if values is not None else None
    # cells past the read part of clipped ranges (A:A) are empty: count them once
    unread = declared[0] * declared[1] - shape[0] * shape[1]
    tests = [(r, matcher(as_vec(c))) for (r, _), c in zip(pairs, crits, strict=True)]
    total, counted = np.zeros(1), np.zeros(1)
    start = np.inf if how == "min" else -np.inf
    extreme = np.full(1, start)
    err: np.ndarray | None = None
    flat = _conditional_flat(how, values, pairs, crits) if n == 1 else None
    if flat is not None:
        total, counted, extreme, err = flat
    for i in range(shape[0] if flat is None else 0):
        for j in range(shape[1]):
            hit: np.ndarray | None = None
            for r, test in tests:
                t = test(r.cells[i][j])
                hit = t if hit is None else hit & t
                if not hit.any():
                    break
            if hit is None or not hit.any():
                continue
            if how == "count":
                counted = counted + hit
                continue
            assert values is not None
            cell = view(values.cells[i][j])
            if cell.err is not None:
                err = first_error(err, np.where(hit, cell.err, 0).astype(np.uint8))
            take = hit & ~np.isnan(cell.num)
            if how in ("sum", "average"):
                total = total + np.where(take, cell.num, 0.0)
                counted = counted + take
            else:
                pick = np.minimum if how == "min" else np.maximum
                extreme = pick(extreme, np.where(take, cell.num, start))
    if how == "count":
        if unread > 0:   # per trial: a criterion may meet an empty cell in some trials only
            empty = blank()
            hit_empty = np.ones(1, bool)
            for _, test in tests:
                hit_empty = hit_empty & test(empty)
            if hit_empty.any():
                counted = counted + np.where(hit_empty, float(unread), 0.0)
        return _done(counted, None, n)
    if how == "sum":
        return _done(total, err, n)
    if how == "average":
        with np.errstate(all="ignore"):
            return _done(total / counted, flag(err, counted == 0, DIV0), n)
    return _done(np.where(np.isinf(extreme), 0.0, extreme), err, n)


def _range_error(*ranges: Arg) -> Vec | None:
    """The first of ``ranges`` (range arguments of SUMIF/COUNTIFS/...) that is an error value
    rather than a range (``SUMIF(#REF!,1)``, a deleted range; INDIRECT naming nothing): that
    error, as Excel gives it before looking at the shapes or criteria; None when there is none."""
    for r in ranges:
        if isinstance(r, Vec) and r.err is not None and r.err.all():
            return _done(np.zeros(1), r.err.copy(), len(r.err))
    return None


def _pairs(args: tuple[Arg, ...]) -> list[tuple[Grid, Arg]] | None:
    if not args or len(args) % 2:
        return None
    return [(_grid(args[i]), args[i + 1]) for i in range(0, len(args), 2)]


def _if(how: str) -> Callable[..., Vec | Grid]:
    def fn(ctx: Any, rng: Arg = None, criteria: Arg = None, values: Arg = None,
           *extra: Arg) -> Vec | Grid:
        if extra or (how == "count" and values is not None):
            return _done(np.zeros(1), np.full(1, VALUE, np.uint8), 1)
        bad = _range_error(rng, values)
        if bad is not None:
            return bad
        g = _grid(rng)
        target = None if how == "count" else \
            _resized(ctx, _grid(values), _declared(g)) if values is not None else g
        return _conditional(how, target, [(g, criteria)])

    return fn


def _ifs(how: str) -> Callable[..., Vec | Grid]:
    def fn(*args: Arg) -> Vec | Grid:
        if how == "count":
            target, rest = None, args
        else:
            target, rest = (_grid(args[0]) if args else None), args[1:]
        bad = _range_error(*(args[0::2] if how == "count" else args[:1] + args[1::2]))
        if bad is not None:
            return bad
        pairs = _pairs(rest)
        if pairs is None:
            return _done(np.zeros(1), np.full(1, VALUE, np.uint8), trials(*[a for a in args if a]))
        return _conditional(how, target, pairs)

    return fn


register("SUMIF", needs_ctx=True, refs=True)(_if("sum"))
register("AVERAGEIF", needs_ctx=True, refs=True)(_if("average"))
register("COUNTIF", needs_ctx=True, refs=True)(_if("count"))
register("SUMIFS", refs=True)(_ifs("sum"))
register("AVERAGEIFS", refs=True)(_ifs("average"))
register("COUNTIFS", refs=True)(_ifs("count"))
register("MINIFS", refs=True)(_ifs("min"))
register("MAXIFS", refs=True)(_ifs("max"))
