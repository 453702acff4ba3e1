"""Excel operators over per-trial values: arithmetic, comparison, concatenation, unary.

Comparisons of numbers follow Excel's 15-significant-digit rule, written out in
:data:`engine.values.COMPARISON_RULE`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from ..powers import excel_power
from ..values import (
    DIV0,
    NA,
    NUM,
    Grid,
    Kind,
    Vec,
    as_any,
    comparable,
    error,
    first_error,
    to_number,
    to_text,
    trials,
)
from . import flat_ops
from ._collation import collation_key
from ._computed import Computed


def _nonfinite_to_num(r: np.ndarray, err: np.ndarray | None) -> np.ndarray | None:
    bad = ~np.isfinite(r)
    if bad.any():
        code = np.where(bad, NUM, 0).astype(np.uint8)
        return first_error(err, code)
    return err


def arith(op: str, a: Vec, b: Vec) -> Vec:
    x, ex = to_number(a)
    y, ey = to_number(b)
    err = first_error(ex, ey)
    with np.errstate(all="ignore"):
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        elif op == "/":
            r = x / y
            zero = y == 0
            if zero.any():
                err = first_error(err, np.where(zero, DIV0, 0).astype(np.uint8))
        elif op == "^":
            r = excel_power(x, y)  # whole exponents: the same double in every backend
            zz = (x == 0) & (y < 0)
            if zz.any():
                err = first_error(err, np.where(zz, DIV0, 0).astype(np.uint8))
            z0 = (x == 0) & (y == 0)
            if z0.any():
                err = first_error(err, np.where(z0, NUM, 0).astype(np.uint8))
        else:
            raise ValueError(op)
    err = _nonfinite_to_num(r, err)
    if err is not None:
        r = np.where(err != 0, 0.0, r)
    return Vec(Kind.NUM, r, err)


_CMP: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "=": np.equal, "<>": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}


def _tags(x: np.ndarray) -> np.ndarray:
    """Each value's kind in Excel's mixed-type order: 0 a number, 1 text, 2 a logical, -1 a
    blank (which takes the other side's kind: its empty value)."""
    return np.fromiter((-1 if v is None else 2 if isinstance(v, bool | np.bool_)
                        else 1 if isinstance(v, str) else 0 for v in x), np.int8, len(x))


def _at(x: np.ndarray, tags: np.ndarray, where: np.ndarray, rank: int) -> np.ndarray:
    """The values of ``x`` (one, or one per trial) at ``where``, all of kind ``rank``, as
    comparable arrays: numbers rounded as Excel compares them, texts as their keys in
    Excel's order, logicals; a blank as the kind's empty value (0, "", FALSE)."""
    idx = np.flatnonzero(where)
    if len(x) == 1:
        idx = np.zeros(len(idx), np.intp)
    vals, blank = x[idx], tags[idx] < 0
    if rank == 0:
        return comparable(np.array([0.0 if b else float(v)
                                    for v, b in zip(vals, blank, strict=True)]))
    if rank == 1:
        return _collated(np.where(blank, "", vals).astype(object))
    return np.where(blank, False, vals).astype(np.bool_)


def _compare_mixed(op: str, xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """``op`` of values of any kinds (one, or one per trial each): numbers < text < logicals,
    whatever the values; values of one kind by value (text in Excel's order)."""
    fn = _CMP[op]
    n = max(len(xa), len(xb))
    ta, tb = _tags(xa), _tags(xb)
    ea, eb = np.broadcast_to(ta, n), np.broadcast_to(tb, n)
    ra = np.where(ea < 0, np.maximum(eb, 0), ea)   # a blank: the other side's kind
    rb = np.where(eb < 0, np.maximum(ea, 0), eb)
    r = np.asarray(fn(ra, rb), dtype=np.bool_).copy()
    for rank in range(3):
        where = (ra == rb) & (ra == rank)
        if where.any():
            r[where] = fn(_at(xa, ta, where, rank), _at(xb, tb, where, rank))
    return r


def compare(op: str, a: Vec, b: Vec) -> Vec:
    err = first_error(a.err, b.err)
    fn = _CMP[op]
    ka, kb = a.kind, b.kind
    numeric = (Kind.NUM, Kind.BLANK)
    if ka in numeric and kb in numeric:
        r = fn(comparable(a.data), comparable(b.data))
    elif ka == Kind.BOOL and kb == Kind.BOOL:
        r = fn(a.data, b.data)
    elif ka == Kind.STR and kb == Kind.STR:
        if op in ("=", "<>"):
            r = fn(_folded(a.data), _folded(b.data)).astype(np.bool_)
        else:   # Excel's text order: case aside, accents second, hyphens ignored
            r = fn(_collated(a.data), _collated(b.data)).astype(np.bool_)
    elif ka == Kind.BLANK and kb in (Kind.STR, Kind.BOOL):  # the other side's empty value
        return compare(op, _empty_as(kb, a), b)
    elif kb == Kind.BLANK and ka in (Kind.STR, Kind.BOOL):
        return compare(op, a, _empty_as(ka, b))
    elif Kind.ANY not in (ka, kb):  # numbers < text < logicals, whatever the values
        r = np.full(max(len(a.data), len(b.data)), fn(_RANK[ka], _RANK[kb]), np.bool_)
    else:
        r = _compare_mixed(op, as_any(a), as_any(b))
    if err is not None:
        r = np.where(err != 0, False, r)
    return Vec(Kind.BOOL, np.asarray(r, dtype=np.bool_), err)


_RANK = {Kind.NUM: 0, Kind.STR: 1, Kind.BOOL: 2}
FOLD_KEEP_FROM = 256  # texts of at least this many values keep their casefolded copy
_FOLDS: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()


def _folded(x: np.ndarray) -> np.ndarray:
    """Texts casefolded for comparison.  A long array's copy is kept (the 32 last, each with
    the array itself, so its id stays its own): a table column's part that flat_ops hands to
    each of 700 formulas comparing it (``jobs[job_country]=A2``) is folded once."""
    if len(x) < FOLD_KEEP_FROM:
        return np.array([s.casefold() for s in x], dtype=object)
    got = _FOLDS.get(id(x))
    if got is not None and got[0] is x:
        _FOLDS.move_to_end(id(x))
        return got[1]
    out = np.array([s.casefold() for s in x], dtype=object)
    _FOLDS[id(x)] = (x, out)
    if len(_FOLDS) > 32:
        _FOLDS.popitem(last=False)
    return out


def _collated(x: np.ndarray) -> np.ndarray:
    """Texts as their keys in Excel's order (._collation.collation_key), each distinct text's
    key made once (a dict of them, not collation_key's cache, which 100k texts overrun)."""
    keys = {s: collation_key(s) for s in dict.fromkeys(x.tolist())}
    out = np.empty(len(x), dtype=object)
    out[:] = [keys[s] for s in x.tolist()]
    return out


def _empty_as(kind: Kind, blank_vec: Vec) -> Vec:
    """A blank vector as ``kind``'s empty value ("" or FALSE), its errors kept."""
    n = len(blank_vec.data)
    data = np.full(n, "", dtype=object) if kind == Kind.STR else np.zeros(n, np.bool_)
    return Vec(kind, data, blank_vec.err)


def concat(a: Vec, b: Vec) -> Vec:
    x, ex = to_text(a)
    y, ey = to_text(b)
    err = first_error(ex, ey)
    r = np.add(x.astype(object), y.astype(object))
    if not isinstance(r, np.ndarray):
        r = np.array([r], dtype=object)
    if err is not None:
        r = np.where(err != 0, "", r).astype(object)
    return Vec(Kind.STR, r, err)


def binary(op: str, a: Vec | Grid, b: Vec | Grid) -> Vec | Grid:
    """Apply an operator, broadcasting over arrays as Excel does (missing elements -> #N/A)."""
    if isinstance(a, Grid) or isinstance(b, Grid):
        flat = flat_ops.elementwise(lambda x, y: binary(op, x, y), a, b)
        if flat is not None:
            return flat
        return _map_grid(lambda x, y: binary(op, x, y), a, b,
                         batch=lambda pairs: _batched(op, pairs))
    if op in _CMP:
        return compare(op, a, b)
    if op == "&":
        return concat(a, b)
    return arith(op, a, b)


BATCH_MIN = 8  # elements of an array operation with the same kinds evaluated as one vector


def _batched(op: str, pairs: list[list[Vec]]) -> list[Vec]:
    """``binary(op, x, y)`` for each pair of an array operation (``Data!A:A=$C3`` over 6,787
    cells: one numpy call per cell was 0.2 ms each), by :func:`batch_elementwise`."""
    return batch_elementwise(lambda x, y: binary(op, x, y), pairs)


def batch_elementwise(fn: Callable[..., Vec | Grid], items: list[list[Vec]]) -> list[Vec]:
    """``fn(*item)`` for each element of an array operation, for a ``fn`` that works trial by
    trial (each value of its result depends only on the same trial's values of its
    arguments).  Elements whose arguments have the same kinds and length are concatenated into
    one vector per argument and computed at once, so each part equals the element's own
    result; an argument that is one value shared by every element stays one value.  Groups
    under ``BATCH_MIN`` elements, or a result of another length, are computed element by
    element."""
    out: list[Vec | Grid | None] = [None] * len(items)
    groups: dict[tuple[tuple[Kind, ...], int], list[int]] = {}
    for i, args in enumerate(items):
        groups.setdefault((tuple(a.kind for a in args), max(len(a) for a in args)),
                          []).append(i)
    for (kinds, n), idx in groups.items():
        r: Vec | Grid | None = None
        if len(idx) >= BATCH_MIN:
            cols = []
            for j, kind in enumerate(kinds):
                first = items[idx[0]][j]
                shared = len(first) == 1 and all(items[i][j] is first for i in idx)
                cols.append(first if shared else _stacked(kind, [items[i][j] for i in idx], n))
            r = fn(*cols)
        if (not isinstance(r, Vec) or len(r.data) != len(idx) * n
                or (r.err is not None and len(r.err) != len(r.data))):
            for i in idx:
                out[i] = fn(*items[i])
            continue
        for k, i in enumerate(idx):
            out[i] = _part(r, k, n)
    return out  # type: ignore[return-value]


def _stacked(kind: Kind, vecs: list[Vec], n: int) -> Vec:
    """Vectors of one kind, each repeated to length ``n``, end to end."""
    data = np.concatenate([v.data if len(v.data) == n else np.repeat(v.data, n) for v in vecs])
    if all(v.err is None for v in vecs):
        return Vec(kind, data)
    zero = np.zeros(n, dtype=np.uint8)
    err = np.concatenate([zero if v.err is None else v.err if len(v.err) == n
                          else np.repeat(v.err, n) for v in vecs])
    return Vec(kind, data, err)


def _part(r: Vec, k: int, n: int) -> Vec:
    """Part ``k`` (of length ``n``) of a result computed from :func:`_stacked` vectors."""
    err = None if r.err is None else r.err[k * n:(k + 1) * n]
    return Vec(r.kind, r.data[k * n:(k + 1) * n], err if err is not None and err.any() else None)


def is_reference(value: object) -> bool:
    """Whether a function argument is a reference (a range of cells), not an array value."""
    return isinstance(value, Grid) and value.area is not None and not isinstance(value, Computed)


def map_grid(fn: Callable[..., Vec | Grid], *args: Vec | Grid,
             batch: Callable[[list[list[Vec]]], list[Vec]] | None = None) -> Grid:
    """Apply ``fn`` element by element over arrays, broadcasting 1-wide dimensions as Excel
    does; positions beyond a smaller array give #N/A.  ``batch``: computes ``fn`` for a list
    of elements' arguments at once (the same results)."""
    grids = [a if isinstance(a, Grid) else Grid([[a]]) for a in args]
    shapes = [g.shape for g in grids]
    rows = max(s[0] for s in shapes)
    cols = max(s[1] for s in shapes)
    n = 0  # trials(*args), counted at the first position past a smaller array

    def at(g: Grid, gr: int, gc: int, r: int, c: int) -> Vec | None:
        i = 0 if gr == 1 else r
        j = 0 if gc == 1 else c
        if i >= gr or j >= gc:
            return None
        return g.cells[i][j]

    sized = list(zip(grids, shapes, strict=True))
    out: list[list] = []
    todo: list[tuple[int, int, list]] = []
    for r in range(rows):
        row: list = []
        for c in range(cols):
            items = [at(g, gr, gc, r, c) for g, (gr, gc) in sized]
            if None in items:
                n = n or trials(*args)
                row.append(error(NA, n))
            elif batch is None:
                row.append(fn(*items))
            else:
                row.append(None)
                todo.append((r, c, items))
        out.append(row)
    if todo:
        for (r, c, _), v in zip(todo, batch([t[2] for t in todo]), strict=True):
            out[r][c] = v
    # keep the position of a same-shaped source range, for implicit intersection at the cell
    area = next((g.area for g in grids if g.area is not None and g.shape == (rows, cols)), None)
    return Grid(out) if area is None else Computed(out, area)


_map_grid = map_grid


def unary(op: str, a: Vec | Grid) -> Vec | Grid:
    if isinstance(a, Grid):
        flat = flat_ops.positionless(lambda x: unary(op, x), a)
        if flat is not None:
            return flat
        return Grid([[unary(op, c) for c in row] for row in a.cells])  # type: ignore[misc]
    x, err = to_number(a)
    if op == "-":
        r = -x
    elif op == "+":
        return a
    elif op == "%":
        r = x / 100.0
    else:
        raise ValueError(op)
    if err is not None:
        r = np.where(err != 0, 0.0, r)
    return Vec(Kind.NUM, r, err)
