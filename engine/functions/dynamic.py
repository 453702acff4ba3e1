"""Dynamic-array functions whose result size depends on the data: FILTER, UNIQUE.

Per trial the result may have a different number of rows.  Where the trials of a chunk keep
the same number of rows the result is one array for all of them; where they differ the
function raises :class:`engine._ragged.Ragged` and the cell is evaluated once per group of
trials with one number of rows (never padded: a blank row would count as a criterion or a
value, and a trial's result would depend on the other trials of its chunk).  An empty result is ``if_empty`` when given, else #CALC! (kept as #VALUE!, the nearest
code Excel's ERROR.TYPE knows).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._ragged import check_uniform
from ..values import (
    VALUE,
    Grid,
    Kind,
    Vec,
    blank,
    broadcast,
    error,
    first_error,
    select,
    to_bool,
    trials,
)
from . import register
from .lookup import gather


def _grid(a: Vec | Grid | None) -> Grid:
    if isinstance(a, Grid):
        return a
    return Grid([[blank() if a is None else a]])


def _pick_rows(rows: list[list[Vec]], idx: np.ndarray) -> Grid:
    """Result row k of trial t is ``rows[idx[t, k]]``; ``-1`` leaves the cell blank."""
    pad = blank()
    width = len(rows[0])
    columns = [[r[j] for r in rows] + [pad] for j in range(width)]  # once, not per result row
    out = []
    for k in range(idx.shape[1]):
        col = idx[:, k]
        slot = np.where(col < 0, len(rows), col)
        out.append([gather(columns[j], slot) for j in range(width)])
    return Grid(out)


def _transpose(g: Grid) -> Grid:
    return Grid([list(col) for col in zip(*g.cells, strict=True)])


def _empty(if_empty: Vec | Grid | None, n: int) -> Vec | Grid:
    return error(VALUE) if if_empty is None else if_empty


@register("FILTER")
def filter_(array: Vec | Grid, include: Vec | Grid, if_empty: Vec | Grid | None = None) -> Vec | Grid:
    g, inc = _grid(array), _grid(include)
    rows, cols = g.shape
    ir, ic = inc.shape
    if ic == 1 and ir == rows:
        by_col = False
        flags = [r[0] for r in inc.cells]
    elif ir == 1 and ic == cols:
        by_col = True
        flags = list(inc.cells[0])
        g = _transpose(g)
    else:
        return error(VALUE)
    n = trials(*[c for row in g.cells for c in row], *flags, *([] if not isinstance(if_empty, Vec)
                                                             else [if_empty]))
    keep = np.zeros((n, len(flags)), dtype=bool)
    err = None
    whole = bool(flags) and all(f.kind == Kind.BOOL and f.err is None and len(f.data) == n
                                for f in flags)
    if whole:  # a computed condition (A:A=$C3): one array, not a loop over its cells
        keep[:] = np.concatenate([f.data for f in flags]).reshape(-1, n).T
    for k, f in enumerate([] if whole else flags):
        data, e = to_bool(f)
        keep[:, k] = np.broadcast_to(data.astype(bool), n) & (
            True if e is None else np.broadcast_to(e == 0, n))
        if e is not None:
            err = first_error(err, np.broadcast_to(e, n).copy())
    counts = keep.sum(axis=1)
    check_uniform(counts)  # rows differ between trials: the cell runs per group of trials
    width = int(counts.max()) if n else 0
    if width == 0:
        if err is not None and err.any():
            check_uniform(err)
            return error(int(err[0]))
        return _empty(if_empty, n)
    order = np.argsort(~keep, axis=1, kind="stable")[:, :width]
    idx = np.where(np.arange(width)[None, :] < counts[:, None], order, -1)
    out = _pick_rows(g.cells, idx)
    if by_col:
        out = _transpose(out)
    return _patch(out, counts, err, if_empty)


def _patch(out: Grid, counts: np.ndarray, err: np.ndarray | None,
           if_empty: Vec | Grid | None) -> Grid:
    """Trials with an error in the condition, or with nothing kept, get that in the first cell."""
    n = len(counts)
    first = out.cells[0][0]
    if err is not None and err.any():
        bad = err != 0
        first = select(bad, Vec(Kind.NUM, np.zeros(n), err.astype(np.uint8)), broadcast(first, n))
    none = counts == 0
    if none.any():
        fill = if_empty if isinstance(if_empty, Vec) else error(VALUE)
        if isinstance(if_empty, Grid):
            fill = if_empty.cells[0][0]
        first = select(none, broadcast(fill, n), broadcast(first, n))
    out.cells[0][0] = first
    return out


def _key(v: Any) -> Any:
    if isinstance(v, str):
        return ("s", v.casefold())
    if isinstance(v, bool):
        return ("b", v)
    if v is None:
        return ("n", 0.0)
    if isinstance(v, int | float):
        return ("n", float(v))
    return ("e", str(v))


@register("UNIQUE")
def unique(array: Vec | Grid, by_col: Vec | None = None, exactly_once: Vec | None = None) -> Vec | Grid:
    g = _grid(array)
    flags = []
    for a in (by_col, exactly_once):
        if a is None:
            flags.append(False)
            continue
        data, e = to_bool(a if isinstance(a, Vec) else _grid(a).cells[0][0])
        if e is not None and e.any() or len(data) != 1:
            return error(VALUE)  # a per-trial mode is not a model anyone writes
        flags.append(bool(data[0]))
    columns, once = flags
    if columns:
        g = _transpose(g)
    n = trials(*[c for row in g.cells for c in row])
    picks: list[list[int]] = []
    for t in range(n):
        seen: dict[tuple, list[int]] = {}
        for r, row in enumerate(g.cells):
            key = tuple(_key(c.scalar(t if len(c) > 1 else 0)) for c in row)
            seen.setdefault(key, []).append(r)
        picks.append([v[0] for v in seen.values() if not once or len(v) == 1])
    check_uniform(np.array([len(p) for p in picks]))
    width = max(len(p) for p in picks)
    if width == 0:
        return error(VALUE)
    idx = np.full((n, width), -1, dtype=np.intp)
    for t, p in enumerate(picks):
        idx[t, :len(p)] = p
    out = _pick_rows(g.cells, idx)
    if columns:
        out = _transpose(out)
    counts = np.array([len(p) for p in picks])
    return _patch(out, counts, None, None)


# The array-shaping functions live beside this module; importing them registers them.
from . import arrays as _arrays  # noqa: E402,F401
