"""Cells whose array shape differs between the trials of a chunk (private to :mod:`engine.model`).

FILTER and UNIQUE keep a number of rows that depends on the trial, OFFSET with a drawn height
names a range of a different size per trial.  A chunk's arrays have one shape for all its
trials, so padding the short trials (blank rows) would make a trial's value depend on the
other trials of its chunk: a blank row counts as a criterion of 0, ROWS sees the padding.
Such a function raises :class:`Ragged` with a key per trial (trials with equal keys give
equal shapes); :func:`compute_by_groups` then evaluates the cell once per group of trials
with one key, in an environment holding only those trials, and scatters the groups' values
back.  Where every trial of the chunk has the same shape nothing is raised: the vectorized
path stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .values import NA, Grid, Kind, Vec, as_any, error

if TYPE_CHECKING:
    from .model import Env
    from .workbook import CellRef


class Ragged(Exception):  # noqa: N818 - a signal, not an error a user sees
    """The result's shape differs between trials: ``key[t]`` equal for trials of one shape."""

    def __init__(self, key: np.ndarray) -> None:
        super().__init__("result shape differs between the trials of a chunk")
        self.key = np.asarray(key)


def check_uniform(key: np.ndarray) -> None:
    """Raise :class:`Ragged` when ``key`` (one per trial) is not the same in every trial."""
    key = np.asarray(key)
    if key.ndim == 2:
        if len(key) > 1 and (key != key[:1]).any():
            raise Ragged(np.unique(key, axis=0, return_inverse=True)[1].ravel())
    elif len(key) > 1 and (key != key[0]).any():
        raise Ragged(key)


def take(v: Vec, idx: np.ndarray) -> Vec:
    """The trials ``idx`` of ``v`` (a value shared by all trials stays shared)."""
    if len(v.data) == 1 and (v.err is None or len(v.err) == 1):
        return v
    data = v.data if len(v.data) == 1 else v.data[idx]
    err = v.err if v.err is None or len(v.err) == 1 else v.err[idx]
    if len(data) == 1 and len(idx) > 1 and err is not None and len(err) > 1:
        data = np.broadcast_to(data, (len(idx),)).copy()
    return Vec(v.kind, data, err)


def scatter(parts: list[tuple[np.ndarray, Vec]], n: int) -> Vec:
    """One Vec of ``n`` trials from each group's trials (``idx``) and their value."""
    kinds = {v.kind for _, v in parts}
    kind = kinds.pop() if len(kinds) == 1 else Kind.ANY
    if kind == Kind.ANY:
        data = np.empty(n, dtype=object)
    else:
        data = np.empty(n, dtype=np.result_type(*[v.data.dtype for _, v in parts]))
    err = None
    for idx, v in parts:
        data[idx] = as_any(v) if kind == Kind.ANY and v.kind != Kind.ANY else v.data
        if v.err is not None and v.err.any():
            if err is None:
                err = np.zeros(n, dtype=np.uint8)
            err[idx] = v.err
    return Vec(kind, data, err)


class _Sliced(dict):
    """A parent's values (or arrays) seen through a subset of its trials, sliced on first read."""

    def __init__(self, parent: dict, idx: np.ndarray) -> None:
        super().__init__()
        self._parent, self._idx = parent, idx

    def _load(self, key: Any) -> bool:
        if dict.__contains__(self, key):
            return True
        if key not in self._parent:
            return False
        got = self._parent[key]
        if isinstance(got, Grid):
            got = Grid([[take(c, self._idx) for c in row] for row in got.cells], got.area)
        else:
            got = take(got, self._idx)
        dict.__setitem__(self, key, got)
        return True

    def __contains__(self, key: object) -> bool:
        return self._load(key)

    def __getitem__(self, key: Any) -> Any:
        if not self._load(key):
            raise KeyError(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        return dict.__getitem__(self, key) if self._load(key) else default


def _sub_env(env: Env, idx: np.ndarray) -> Env:
    """An environment holding the trials ``idx`` of ``env`` only."""
    from .model import Env as EnvClass

    def rand(stream: int) -> np.ndarray:
        x = np.asarray(env.rand(stream))
        return x if len(x) == 1 else x[idx]

    sub = EnvClass(env.model, n=len(idx), now=env.now, rand=rand)
    sub.blocks = {}
    sub.values = _Sliced(env.values, idx)  # type: ignore[assignment]
    sub.arrays = _Sliced(env.arrays, idx)  # type: ignore[assignment]
    return sub


def _element(g: Grid | None, v: Vec, r: int, c: int) -> Vec:
    """Element (r, c) of an array formula's result as :meth:`Env.array_element` reads it."""
    if g is None:
        return v
    rows, cols = g.shape
    r = 0 if rows == 1 else r
    c = 0 if cols == 1 else c
    return g.cells[r][c] if r < rows and c < cols else error(NA)


def compute_by_groups(env: Env, ref: CellRef, key: np.ndarray) -> Vec:
    """Evaluate ``ref`` once per group of trials with one ``key`` and scatter the values
    (and an array formula's elements) back into ``env``."""
    n = env.n
    key = np.broadcast_to(np.asarray(key), (n,))
    _, group = np.unique(key, return_inverse=True)
    group = group.ravel()
    values, arrays = [], []
    for k in range(int(group.max()) + 1):
        idx = np.flatnonzero(group == k)
        sub = _sub_env(env, idx)
        out = sub.compute(ref)
        env.crashes.update(sub.crashes)
        values.append((idx, out))
        arrays.append((idx, dict.get(sub.arrays, ref)))
    out = scatter(values, n)
    env.values[ref] = out
    if any(g is not None for _, g in arrays):
        cell = env.model.workbook.cell(ref)
        rows, cols = _declared_shape(cell.array_ref if cell is not None else None, arrays)
        env.arrays[ref] = Grid([[scatter([(idx, _element(g, v, r, c)) for (idx, g), (_, v)
                                          in zip(arrays, values, strict=True)], n)
                                 for c in range(cols)] for r in range(rows)])
    return out


def evaluate_by_groups(env: Env, run: Callable[[Env], Vec | Grid], key: np.ndarray) -> Vec | Grid:
    """``run`` (a formula's code outside any cell) once per group of trials with one ``key``;
    the groups' arrays of different sizes meet in the largest, #N/A past a group's own."""
    n = env.n
    key = np.broadcast_to(np.asarray(key), (n,))
    group = np.unique(key, return_inverse=True)[1].ravel()
    parts: list[tuple[np.ndarray, Vec | Grid]] = []
    for k in range(int(group.max()) + 1):
        idx = np.flatnonzero(group == k)
        sub = _sub_env(env, idx)
        try:
            out = run(sub)
        except Ragged as exc:
            out = evaluate_by_groups(sub, run, exc.key)
        parts.append((idx, out))
    if not any(isinstance(v, Grid) for _, v in parts):
        return scatter(parts, n)  # type: ignore[arg-type]
    grids = [(idx, v if isinstance(v, Grid) else None) for idx, v in parts]
    rows, cols = _declared_shape(None, grids)
    return Grid([[scatter([(idx, _element(g, v if isinstance(v, Vec) else error(NA), r, c))
                           for (idx, g), (_, v) in zip(grids, parts, strict=True)], n)
                  for c in range(cols)] for r in range(rows)])


def _declared_shape(array_ref: str | None, arrays: list) -> tuple[int, int]:
    """The rows and columns of an array formula's range (else the largest group's result)."""
    if array_ref:
        from openpyxl.utils import range_boundaries

        c1, r1, c2, r2 = range_boundaries(array_ref.split("!")[-1].replace("$", ""))
        return r2 - r1 + 1, c2 - c1 + 1
    shapes = [g.shape for _, g in arrays if g is not None]
    return max(s[0] for s in shapes), max(s[1] for s in shapes)
