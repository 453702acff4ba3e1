"""Array-shaping functions of Excel's dynamic-array family: VSTACK, HSTACK, CHOOSECOLS,
CHOOSEROWS, TAKE, DROP, TOCOL, TOROW, WRAPROWS, WRAPCOLS, EXPAND, TRIMRANGE, SORT, SORTBY,
SEQUENCE.

Sizes and indexes (``rows``, ``col_num``, ``wrap_count``, ...) fix the shape of the result, so
they are one number for all the trials of a chunk: where they differ, the cell is evaluated
once per group of trials with one size (:mod:`engine._ragged`).  Values
are moved as whole per-trial vectors, so a random cell keeps its stream wherever it lands.
SORT and SORTBY order each trial on its own (a different permutation per trial).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

import numpy as np

from .._ragged import check_uniform
from ..values import (
    NA,
    NUM,
    REF,
    VALUE,
    ExcelError,
    Grid,
    Kind,
    Vec,
    array_budget,
    error,
    first_error,
    trials,
)
from . import register
from ._args import result, scalar_number
from ._collation import collation_key
from .dynamic import _grid, _pick_rows, _transpose

Arg = Vec | Grid | None


class _Fail(Exception):
    """Raised inside a shaping function: the whole result is this Excel error."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _call(fn: Callable[..., Vec | Grid], args: tuple[Any, ...]) -> Vec | Grid:
    try:
        return fn(*args)
    except _Fail as f:
        return error(f.code, trials(*[a for a in args if a is not None]))


def _shaping(*lifted: int) -> Callable[[Callable[..., Vec | Grid]], Callable[..., Vec | Grid]]:
    """Errors raised as :class:`_Fail` become the result; an array given where the function
    takes one number (the argument positions ``lifted``) is lifted as Excel does: one result
    per element, each the top-left value of the function on that element."""

    def deco(fn: Callable[..., Vec | Grid]) -> Callable[..., Vec | Grid]:
        @wraps(fn)
        def run(*args: Any) -> Vec | Grid:
            grids = [i for i in lifted if i < len(args) and isinstance(args[i], Grid)
                     and args[i].shape != (1, 1)]
            if not grids:
                args = tuple(a.cells[0][0] if i in lifted and isinstance(a, Grid) else a
                             for i, a in enumerate(args))
                return _call(fn, args)
            rows = max(args[i].shape[0] for i in grids)
            cols = max(args[i].shape[1] for i in grids)
            out = []
            for r in range(rows):
                line = []
                for c in range(cols):
                    each = list(args)
                    for i in grids:
                        g = args[i]
                        gr, gc = g.shape
                        if (gr != 1 and r >= gr) or (gc != 1 and c >= gc):
                            each[i] = error(NA)
                        else:
                            each[i] = g.cells[0 if gr == 1 else r][0 if gc == 1 else c]
                    res = run(*each)
                    line.append(res.cells[0][0] if isinstance(res, Grid) else res)
                out.append(line)
            return Grid(out)
        return run
    return deco


_errors_as_values = _shaping()


def _omitted(v: Arg) -> bool:
    return v is None


def _number(v: Arg) -> float:
    """One number, the same in every trial (else the error it is, or #VALUE!); where the
    trials of a chunk differ, the cell runs once per group of trials with one number."""
    data, err = scalar_number(v)
    if len(data) > 1 or (err is not None and len(err) > 1):
        e = np.zeros(1) if err is None else err.astype(np.float64)
        d = np.where(np.broadcast_to(e, data.shape) != 0, 0.0, data) if len(data) > 1 else data
        n = max(len(d), len(e))
        check_uniform(np.stack([np.broadcast_to(e, (n,)), np.broadcast_to(d, (n,))], axis=1))
    if err is not None and err.any():
        codes = np.unique(err)
        raise _Fail(int(err[0]) if len(codes) == 1 and err[0] else VALUE)
    if len(data) > 1 and not np.all(data == data[0]):
        raise _Fail(VALUE)
    return float(data[0])


def _int(v: Arg, default: int | None = None) -> int:
    if _omitted(v):
        if default is None:
            raise _Fail(VALUE)
        return default
    return math.trunc(_number(v))


def _ints(v: Arg) -> list[int]:
    """The indexes of one argument: a number, or every cell of an array of numbers."""
    if isinstance(v, Grid):
        if 1 not in v.shape:
            raise _Fail(VALUE)
        return [_int(c) for c in v.flat()]
    return [_int(v)]


def _pad(v: Arg) -> Vec:
    if _omitted(v):
        return error(NA)
    if isinstance(v, Grid):
        return v.cells[0][0]
    return v


@register("VSTACK")
@_errors_as_values
def vstack(*arrays: Arg) -> Grid:
    grids = [_grid(a) for a in arrays if a is not None]
    if not grids:
        raise _Fail(VALUE)
    width = max(g.shape[1] for g in grids)
    pad = error(NA)
    return Grid([list(row) + [pad] * (width - len(row)) for g in grids for row in g.cells])


@register("HSTACK")
@_errors_as_values
def hstack(*arrays: Arg) -> Grid:
    grids = [_transpose(_grid(a)) for a in arrays if a is not None]
    if not grids:
        raise _Fail(VALUE)
    return _transpose(vstack(*grids))


def _choose(g: Grid, picks: list[int]) -> Grid:
    rows = g.shape[0]
    out = []
    for k in picks:
        if k == 0 or abs(k) > rows:
            raise _Fail(VALUE)
        out.append(g.cells[k - 1 if k > 0 else rows + k])
    return Grid([list(r) for r in out])


@register("CHOOSEROWS")
@_errors_as_values
def chooserows(array: Arg, *row_nums: Arg) -> Grid:
    if not row_nums:
        raise _Fail(VALUE)
    return _choose(_grid(array), [k for a in row_nums for k in _ints(a)])


@register("CHOOSECOLS")
@_errors_as_values
def choosecols(array: Arg, *col_nums: Arg) -> Grid:
    if not col_nums:
        raise _Fail(VALUE)
    return _transpose(_choose(_transpose(_grid(array)), [k for a in col_nums for k in _ints(a)]))


def _span(count: int, size: int, take: bool) -> slice:
    """The rows TAKE (``take``) or DROP keeps of ``size`` rows for a signed ``count``."""
    if take:
        if count == 0:
            raise _Fail(VALUE)  # Excel's #CALC!
        return slice(0, min(count, size)) if count > 0 else slice(max(size + count, 0), size)
    if abs(count) >= size:
        raise _Fail(VALUE)  # nothing left: #CALC!
    return slice(count, size) if count >= 0 else slice(0, size + count)


def _take_or_drop(array: Arg, rows: Arg, columns: Arg, take: bool) -> Grid:
    g = _grid(array)
    nr, nc = g.shape
    if _omitted(rows) and _omitted(columns):
        raise _Fail(VALUE)
    rs = slice(0, nr) if _omitted(rows) else _span(_int(rows), nr, take)
    cs = slice(0, nc) if _omitted(columns) else _span(_int(columns), nc, take)
    return Grid([list(r[cs]) for r in g.cells[rs]])


@register("TAKE")
@_shaping(1, 2)
def take(array: Arg, rows: Arg = None, columns: Arg = None) -> Grid:
    return _take_or_drop(array, rows, columns, True)


@register("DROP")
@_shaping(1, 2)
def drop(array: Arg, rows: Arg = None, columns: Arg = None) -> Grid:
    return _take_or_drop(array, rows, columns, False)


@register("EXPAND")
@_shaping(1, 2, 3)
def expand(array: Arg, rows: Arg = None, columns: Arg = None, pad_with: Arg = None) -> Grid:
    g = _grid(array)
    nr, nc = g.shape
    r, c = _int(rows, nr), _int(columns, nc)
    if r < nr or c < nc:
        raise _Fail(VALUE)
    array_budget(r, c, "EXPAND")
    pad = _pad(pad_with)
    body = [list(row) + [pad] * (c - nc) for row in g.cells]
    return Grid(body + [[pad] * c for _ in range(r - nr)])


def _vector(array: Arg) -> list[Vec]:
    g = _grid(array)
    nr, nc = g.shape
    if nr != 1 and nc != 1:
        raise _Fail(VALUE)
    return list(g.flat())


def _wrap(vector: Arg, wrap_count: Arg, pad_with: Arg) -> Grid:
    cells = _vector(vector)
    k = _int(wrap_count)
    if k < 1:
        raise _Fail(NUM)
    pad = _pad(pad_with)
    rows = [cells[i:i + k] for i in range(0, len(cells), k)]
    rows[-1] = rows[-1] + [pad] * (k - len(rows[-1]))
    return Grid(rows)


@register("WRAPROWS")
@_shaping(1, 2)
def wraprows(vector: Arg, wrap_count: Arg, pad_with: Arg = None) -> Grid:
    return _wrap(vector, wrap_count, pad_with)


@register("WRAPCOLS")
@_shaping(1, 2)
def wrapcols(vector: Arg, wrap_count: Arg, pad_with: Arg = None) -> Grid:
    return _transpose(_wrap(vector, wrap_count, pad_with))


def _flatten(array: Arg, ignore: Arg, scan_by_column: Arg) -> list[Vec] | Grid:
    """TOCOL's cells in order, or (when some are skipped per trial) the one-column result."""
    g = _grid(array)
    how = _int(ignore, 0)
    if how not in (0, 1, 2, 3):
        raise _Fail(VALUE)
    by_col = False if _omitted(scan_by_column) else bool(_number(scan_by_column))
    cells = list((_transpose(g) if by_col else g).flat())
    if how == 0:
        return cells
    n = trials(*cells)
    keep = np.ones((n, len(cells)), dtype=bool)
    for k, c in enumerate(cells):
        if how & 1:
            keep[:, k] &= np.broadcast_to(c.kind != Kind.BLANK if c.kind != Kind.ANY
                                          else np.array([x is not None for x in c.data]), n)
            if c.err is not None:
                keep[:, k] |= np.broadcast_to(c.err != 0, n)
        if how & 2 and c.err is not None:
            keep[:, k] &= np.broadcast_to(c.err == 0, n)
    counts = keep.sum(axis=1)
    check_uniform(counts)  # cells kept differ between trials: the cell runs per group
    width = int(counts.max()) if n else 0
    if width == 0:
        raise _Fail(VALUE)  # #CALC!
    order = np.argsort(~keep, axis=1, kind="stable")[:, :width]
    idx = np.where(np.arange(width)[None, :] < counts[:, None], order, -1)
    return _pick_rows([[c] for c in cells], idx)


@register("TOCOL")
@_shaping(1, 2)
def tocol(array: Arg, ignore: Arg = None, scan_by_column: Arg = None) -> Grid:
    out = _flatten(array, ignore, scan_by_column)
    return out if isinstance(out, Grid) else Grid([[c] for c in out])


@register("TOROW")
@_shaping(1, 2)
def torow(array: Arg, ignore: Arg = None, scan_by_column: Arg = None) -> Grid:
    out = _flatten(array, ignore, scan_by_column)
    return _transpose(out) if isinstance(out, Grid) else Grid([out])


# ---------------------------------------------------------------- sorting
def _sort_key(x: Any) -> tuple[int, Any]:
    """Excel's ascending order: numbers, text (case-insensitive, accents second, hyphens
    and apostrophes ignored: :func:`._collation.collation_key`), FALSE, TRUE, errors (blanks
    go last in either order: :func:`_order`)."""
    if isinstance(x, ExcelError):
        return (3, 0)
    if isinstance(x, bool):
        return (2, x)
    if isinstance(x, str):
        return (1, collation_key(x))
    if x is None:
        return (0, 0.0)
    return (0, float(x))


def _order(keys: list[tuple[list[Vec], int]], count: int) -> np.ndarray:
    """Per trial, the permutation of ``count`` rows sorted on ``keys`` (column cells, order)."""
    n = trials(*[c for col, _ in keys for c in col])
    idx = np.empty((n, count), dtype=np.intp)
    for t in range(n):
        rows = list(range(count))
        for col, direction in reversed(keys):  # stable sorts, least significant key first
            raw = [c.scalar(t) for c in col]
            vals = [_sort_key(x) for x in raw]
            rows.sort(key=lambda r, v=vals: v[r], reverse=direction < 0)
            rows = [r for r in rows if raw[r] is not None] + [r for r in rows if raw[r] is None]
        idx[t] = rows
    return idx


def _direction(v: Arg) -> int:
    d = _int(v, 1)
    if d not in (1, -1):
        raise _Fail(VALUE)
    return d


@register("SORT")
@_errors_as_values
def sort(array: Arg, sort_index: Arg = None, sort_order: Arg = None, by_col: Arg = None) -> Grid:
    g = _grid(array)
    columns = False if _omitted(by_col) else bool(_number(by_col))
    if columns:
        g = _transpose(g)
    indexes = _ints(sort_index) if not _omitted(sort_index) else [1]
    orders = _ints(sort_order) if not _omitted(sort_order) else [1]
    if len(orders) == 1:
        orders = orders * len(indexes)
    if len(orders) != len(indexes) or any(o not in (1, -1) for o in orders):
        raise _Fail(VALUE)
    width = g.shape[1]
    if any(i < 1 or i > width for i in indexes):
        raise _Fail(VALUE)
    keys = [([row[i - 1] for row in g.cells], o) for i, o in zip(indexes, orders, strict=True)]
    out = _pick_rows(g.cells, _order(keys, g.shape[0]))
    return _transpose(out) if columns else out


@register("SORTBY")
@_errors_as_values
def sortby(array: Arg, *by: Arg) -> Grid:
    g = _grid(array)
    if not by:
        raise _Fail(VALUE)
    pairs = [(by[i], by[i + 1] if i + 1 < len(by) else None) for i in range(0, len(by), 2)]
    keys: list[tuple[list[Vec], int]] = []
    columns: bool | None = None
    nr, nc = g.shape
    for arr, order in pairs:
        b = _grid(arr)
        br, bc = b.shape
        if bc == 1 and br == nr and columns is not True and not (br == 1 and nr != 1):
            columns = False
            keys.append(([row[0] for row in b.cells], _direction(order)))
        elif br == 1 and bc == nc and columns is not False:
            columns = True
            keys.append((list(b.cells[0]), _direction(order)))
        else:
            raise _Fail(VALUE)
    if columns:
        return _transpose(_pick_rows(_transpose(g).cells, _order(keys, nc)))
    return _pick_rows(g.cells, _order(keys, nr))


def _is_blank(c: Vec) -> bool:
    """Blank in every trial (a trimmed edge must be blank whatever the trial)."""
    if c.err is not None and c.err.any():
        return False
    if c.kind == Kind.BLANK:
        return True
    return c.kind == Kind.ANY and all(x is None for x in c.data)


def _trim(lines: list[list[Vec]], how: int) -> slice:
    full = [i for i, line in enumerate(lines) if not all(_is_blank(c) for c in line)]
    if not full:
        raise _Fail(REF)  # an empty range trims to nothing: #REF! in Excel
    start = full[0] if how & 1 else 0
    stop = full[-1] + 1 if how & 2 else len(lines)
    return slice(start, stop)


def _whole(v: Arg, default: int) -> int:
    """A whole number (TRIMRANGE refuses 2.3, "3.3" and arrays)."""
    if v is None:
        return default
    if isinstance(v, Grid) or isinstance(v, Vec) and v.kind == Kind.STR:
        raise _Fail(VALUE)
    x = _number(v)
    if x != int(x):
        raise _Fail(VALUE)
    return int(x)


@register("TRIMRANGE")
@_errors_as_values
def trimrange(range_: Arg, trim_rows: Arg = None, trim_cols: Arg = None) -> Grid:
    g = _grid(range_)
    how_rows, how_cols = _whole(trim_rows, 3), _whole(trim_cols, 3)
    if how_rows not in (0, 1, 2, 3) or how_cols not in (0, 1, 2, 3):
        raise _Fail(VALUE)
    rs = _trim(g.cells, how_rows)
    cs = _trim(_transpose(g).cells, how_cols)
    return Grid([list(row[cs]) for row in g.cells[rs]])


@register("SEQUENCE")
@_shaping(0, 1)
def sequence(rows: Arg, columns: Arg = None, start: Arg = None, step: Arg = None) -> Grid:
    r, c = _int(rows, 1), _int(columns, 1)   # SEQUENCE(,4): one row (Excel's cached 1..4)
    if r < 1 or c < 1:
        raise _Fail(VALUE)  # Excel's #CALC!
    array_budget(r, c, "SEQUENCE")
    x0, e0 = scalar_number(start, 1)
    dx, e1 = scalar_number(step, 1)
    err = first_error(e0, e1)
    return Grid([[result(x0 + dx * (i * c + j), err) for j in range(c)] for i in range(r)])
