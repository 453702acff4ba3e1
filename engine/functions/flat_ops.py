"""Operators and IF over ranges whose cells hold one value each, on whole columns of values.

Excel's own recalculation and constant ranges give grids whose every cell is one value for all
trials.  ``'Booking Log'!X6:X5005='Property Setup'!A5`` inside ~900 SUMPRODUCTs (kebron
FIN-001) or ``IF((jobs[job_country]=A2)*(jobs[salary_year_avg]<>0),..)`` over a 32,672-row
table (canaydinq-beep Dashboard_Project) went through ``operators.map_grid`` one element at a
time: a list of arguments and a Vec cut per element, per formula.  Here such a grid is read once
into one array per kind (kept on ``Grid.derived`` like ``stats._flat_view``, so a range the Env
caches is classified once), the elements of the same kinds are computed as one vector by the
very element function, and the result grid is built in one pass.  Each element gets the value,
kind and error the element loop gives it; anything else (cells that vary per trial, operands of
other shapes, broadcasting a row against a column) returns None and the element loop runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from ..values import Grid, Kind, Vec, normalize, to_bool
from ._computed import Computed

ENABLED = True  # tests switch the flat path off to compare with the element loop
DISTINCT_FROM = 64  # texts of a grid computed once per distinct text from this many cells

_FILL = {Kind.NUM: 0.0, Kind.BLANK: 0.0, Kind.BOOL: False, Kind.STR: "", Kind.ANY: None}
_DTYPE = {Kind.NUM: np.float64, Kind.BLANK: np.float64, Kind.BOOL: np.bool_,
          Kind.STR: object, Kind.ANY: object}


@dataclass(slots=True)
class Flat:
    """A grid's cells (row-major) as arrays: ``kinds[i]`` is cell i's Kind, ``data[k][i]`` its
    value where ``kinds[i] == k``, ``err`` the error codes (None when no cell has one)."""

    kinds: np.ndarray
    data: dict[Kind, np.ndarray]
    err: np.ndarray | None
    at: dict[int, np.ndarray] | None = None   # positions() kept
    parts: dict[int, Vec] | None = None       # part() of all the cells of a kind, kept
    uniq: tuple[Vec, np.ndarray] | bool | None = None  # distinct() kept (False: not worth it)

    def positions(self) -> dict[int, np.ndarray]:
        """The cells' positions by kind (a range read by 700 formulas is grouped once)."""
        if self.at is None:
            counts = np.bincount(self.kinds, minlength=len(Kind))
            size = len(self.kinds)
            self.at = {int(k): np.arange(size) if counts[k] == size
                       else np.flatnonzero(self.kinds == k) for k in np.flatnonzero(counts)}
        return self.at

    def distinct(self, kind: Kind, idx: np.ndarray) -> tuple[Vec, np.ndarray] | None:
        """For all the texts of this grid (``idx``, the kind's positions), none an error, at
        most a quarter of them distinct: the distinct texts as one vector and, per cell, the
        index of its own among them.  Kept; None otherwise."""
        if kind != Kind.STR or self.err is not None or self.at is None \
                or self.at.get(int(kind)) is not idx or len(idx) < DISTINCT_FROM:
            return None
        if self.uniq is None:
            texts = self.data[kind][idx]
            seen: dict[str, int] = {}
            spread = np.fromiter((seen.setdefault(t, len(seen)) for t in texts), np.intp,
                                 len(texts))
            values = np.empty(len(seen), dtype=object)
            values[:] = list(seen)
            self.uniq = (Vec(kind, values), spread) if len(seen) * 4 <= len(texts) else False
        return self.uniq or None

    def part(self, kind: Kind, idx: np.ndarray) -> Vec:
        """The cells at ``idx`` (all of ``kind``) as one vector."""
        whole = self.at is not None and self.at.get(int(kind)) is idx
        if whole and self.parts is not None and int(kind) in self.parts:
            return self.parts[int(kind)]
        err = None if self.err is None else self.err[idx]
        out = Vec(kind, self.data[kind][idx], err if err is not None and err.any() else None)
        if whole:
            if self.parts is None:
                self.parts = {}
            self.parts[int(kind)] = out
        return out


def flat(g: Grid) -> Flat | None:
    """``g``'s cells as a :class:`Flat` when each cell holds one value; None otherwise.
    Kept on the grid."""
    if g.derived is not None and "flat_ops" in g.derived:
        return g.derived["flat_ops"]
    cells = [c for row in g.cells for c in row]
    out: Flat | None = None
    if cells and all(len(c.data) == 1 and (c.err is None or len(c.err) == 1) for c in cells):
        kinds = np.fromiter((int(c.kind) for c in cells), np.uint8, len(cells))
        data: dict[Kind, np.ndarray] = {}
        for k in np.unique(kinds):
            kind = Kind(int(k))
            idx = np.flatnonzero(kinds == k)
            col = np.full(len(cells), _FILL[kind], dtype=_DTYPE[kind])
            col[idx] = np.concatenate([cells[i].data for i in idx]).astype(_DTYPE[kind], copy=False)
            data[kind] = col
        err = None
        if any(c.err is not None for c in cells):
            err = np.fromiter((0 if c.err is None else int(c.err[0]) for c in cells), np.uint8,
                              len(cells))
            if not err.any():
                err = None
        out = Flat(kinds, data, err)
    keep(g, out)
    return out


def keep(g: Grid, f: Flat | None) -> None:
    if g.derived is None:
        g.derived = {}
    g.derived["flat_ops"] = f


_Operand = tuple[Flat | None, Vec | None]  # a full-size grid's Flat, or one value for all


def _operands(args: tuple[Vec | Grid, ...]) -> tuple[tuple[int, int], list[_Operand]] | None:
    grids = [a for a in args if isinstance(a, Grid) and a.shape != (1, 1)]
    if not grids:
        return None
    shape = grids[0].shape
    if any(g.shape != shape for g in grids) or shape[0] * shape[1] == 0:
        return None
    ops: list[_Operand] = []
    for a in args:
        if isinstance(a, Grid) and a.shape != (1, 1):
            f = flat(a)
            if f is None:
                return None
            ops.append((f, None))
        else:
            v = a.cells[0][0] if isinstance(a, Grid) else a
            if len(v.data) != 1:
                return None
            ops.append((None, v))
    return shape, ops


def _area(shape: tuple[int, int], args: tuple[Vec | Grid, ...]) -> object:
    """As map_grid: the position of a same-shaped source range, kept for implicit
    intersection at the formula's cell."""
    return next((a.area for a in args if isinstance(a, Grid) and a.area is not None
                 and a.shape == shape), None)


def _rows(cells: list[Vec], shape: tuple[int, int]) -> list[list[Vec]]:
    rows, cols = shape
    return [[c] for c in cells] if cols == 1 else [cells[r * cols:(r + 1) * cols]
                                                    for r in range(rows)]


def _result(cells: list[Vec], shape: tuple[int, int], args: tuple[Vec | Grid, ...]) -> Grid:
    area = _area(shape, args)
    out = _rows(cells, shape)
    return Grid(out) if area is None else Computed(out, area)


def cells_of(f: Flat) -> list[Vec]:
    """One Vec per element (row-major), each a view of ``f``'s arrays."""
    size = len(f.kinds)
    present = np.unique(f.kinds)
    if len(present) == 1:  # iterating the (size, 1) array cuts the views
        kind = Kind(int(present[0]))
        cells = list(map(Vec, repeat(kind, size), f.data[kind].reshape(-1, 1)))
    else:
        cells = [None] * size  # type: ignore[list-item]
        for k in present:
            kind = Kind(int(k))
            idx = np.flatnonzero(f.kinds == k)
            for i, v in zip(idx.tolist(), map(Vec, repeat(kind, len(idx)),
                                              f.data[kind][idx].reshape(-1, 1)), strict=True):
                cells[i] = v
    if f.err is not None:
        for i in np.flatnonzero(f.err):
            cells[i].err = f.err[i:i + 1]
    return cells


class FlatGrid(Grid):
    """An array result held as its :class:`Flat` (kept on ``derived``): the per-element Vecs
    are built the first time ``cells`` is read, so a chain of flat operators, IF and an
    aggregate (``MEDIAN(IF((c=A2)*(b<>0),b))``) never builds them.  :class:`FlatComputed`
    when it keeps a source range's position (as map_grid's Computed)."""

    __slots__ = ("_shape",)

    def __init__(self, f: Flat, shape: tuple[int, int], area: object = None) -> None:
        Grid.cells.__set__(self, None)  # type: ignore[attr-defined]
        self.area = area
        self.derived = {"flat_ops": f}
        self._shape = shape

    @property  # type: ignore[override]
    def cells(self) -> list[list[Vec]]:
        got = Grid.cells.__get__(self)  # type: ignore[attr-defined]
        if got is None:
            got = _rows(cells_of(self.derived["flat_ops"]), self._shape)  # type: ignore[index]
            Grid.cells.__set__(self, got)  # type: ignore[attr-defined]
        return got

    @cells.setter
    def cells(self, value: list[list[Vec]]) -> None:
        Grid.cells.__set__(self, value)  # type: ignore[attr-defined]

    @property
    def shape(self) -> tuple[int, int]:
        return self._shape


class FlatComputed(FlatGrid, Computed):
    """A :class:`FlatGrid` that keeps a source range's position (a Computed)."""

    __slots__ = ()


def held(f: Flat, shape: tuple[int, int], args: tuple[Vec | Grid, ...]) -> FlatGrid:
    """The result grid of ``f``'s elements, as map_grid would type it."""
    area = _area(shape, args)
    return FlatGrid(f, shape) if area is None else FlatComputed(f, shape, area)


def _groups(ops: list[_Operand], size: int) -> dict[tuple[int, ...], np.ndarray]:
    """Element positions by the kinds of their arguments."""
    flats = [f for f, _ in ops if f is not None]
    if len(flats) == 1:  # one grid and single values: the grid's own groups, kept with it
        return {tuple(k if f is not None else int(v.kind)  # type: ignore[union-attr]
                      for f, v in ops): idx for k, idx in flats[0].positions().items()}
    key = np.zeros(size, np.int64)
    for f, v in ops:
        key = key * 8 + (f.kinds if f is not None else int(v.kind))  # type: ignore[union-attr]
    groups: dict[tuple[int, ...], np.ndarray] = {}
    present = np.flatnonzero(np.bincount(key)) if len(ops) <= 6 else np.unique(key)
    for k in present:
        kinds, rest = [], int(k)
        for _ in ops:
            kinds.append(rest % 8)
            rest //= 8
        groups[tuple(reversed(kinds))] = np.flatnonzero(key == k)
    return groups


def elementwise(fn: Callable[..., Vec], *args: Vec | Grid) -> Grid | None:
    """``map_grid(fn, *args)`` for a trial-by-trial ``fn`` (an operator, a text or IS function:
    each value of its result depends only on the same trial's values of its arguments) when the
    arguments are grids of one shape whose cells hold one value each, or such grids and single
    values; None where that does not hold (the caller maps element by element).  A result of
    one value for a group of elements is that value for each of them (a Vec of length 1 is one
    value for all trials)."""
    return _elementwise(fn, args, True)


def positionless(fn: Callable[[Vec], Vec], a: Grid) -> Grid | None:
    """:func:`elementwise` of one grid, its result not keeping the range's position (as a
    unary operator's element loop builds a plain Grid)."""
    return _elementwise(fn, (a,), False)


def _elementwise(fn: Callable[..., Vec], args: tuple[Vec | Grid, ...], position: bool
                 ) -> Grid | None:
    if not ENABLED:
        return None
    got = _operands(args)
    if got is None:
        return None
    shape, ops = got
    size = shape[0] * shape[1]
    kind: Kind | None = None
    data: np.ndarray | None = None
    err = np.zeros(size, np.uint8)
    single = sum(f is not None for f, _ in ops) == 1
    for kinds, idx in _groups(ops, size).items():
        parts = [f.part(Kind(k), idx) if f is not None else v  # type: ignore[arg-type]
                 for (f, v), k in zip(ops, kinds, strict=True)]
        # one grid's texts: each distinct text computed once (a table column of a few
        # categories read by 700 SEARCHes), spread back to its cells
        spread = None
        if single:
            at = next(j for j, (f, _) in enumerate(ops) if f is not None)
            got = ops[at][0].distinct(Kind(kinds[at]), idx)  # type: ignore[union-attr]
            if got is not None:
                parts[at], spread = got
        r = fn(*parts)
        n = len(idx) if spread is None else len(parts[at].data)
        if not isinstance(r, Vec) or len(r.data) not in (1, n) \
                or (kind is not None and r.kind != kind) \
                or (r.err is not None and len(r.err) not in (1, n)):
            return None
        if data is None:
            kind = r.kind
            data = np.empty(size, dtype=r.data.dtype if r.kind != Kind.STR else object)
        spread_ = spread if spread is not None and len(r.data) > 1 else slice(None)
        data[idx] = r.data[spread_]
        if r.err is not None:  # one code for all: an error of the shared operand
            err[idx] = r.err[spread_ if len(r.err) > 1 else slice(None)]
    assert kind is not None and data is not None
    return _built(kind, data, err, shape, args if position else ())


def _built(kind: Kind, data: np.ndarray, err: np.ndarray, shape: tuple[int, int],
           args: tuple[Vec | Grid, ...]) -> Grid:
    """The result grid of elements of ``kind``, held as its Flat."""
    f = Flat(np.full(len(data), int(kind), np.uint8), {kind: data}, err if err.any() else None)
    return held(f, shape, args)


def if_(fn: Callable[[Vec, Vec, Vec], Vec], cond: Vec | Grid, then: Vec | Grid,
        other: Vec | Grid) -> Grid | None:
    """``map_grid(fn, cond, then, other)`` for IF's element function ``fn`` when the grids
    have one shape (or are 1x1) and the condition's cells hold one value each: each element
    is its then- or else-cell itself (as IF of one value gives it), ``fn`` itself where the
    condition is an error; None where that does not hold.  Where the branches' cells hold one
    value each too, the result is held as its Flat (:func:`_picked`)."""
    if not ENABLED:
        return None
    got = _operands((cond,))
    if got is None:
        return None
    shape, ((cf, _),) = got
    assert cf is not None
    size = shape[0] * shape[1]
    mask, cond_err = to_bool_flat(cf)
    bad = cond_err != 0
    args = (cond, then, other)
    held_grid = _picked(mask, bad, cond_err, then, other, shape, args)
    if held_grid is not None:
        return held_grid
    branches: list[list[Vec] | Vec] = []
    for x in (then, other):
        if isinstance(x, Grid) and x.shape != (1, 1):
            if x.shape != shape:
                return None
            branches.append([c for row in x.cells for c in row])
        else:
            branches.append(x.cells[0][0] if isinstance(x, Grid) else x)
    yes, no = branches
    cells: list[Vec] = []
    for i in range(size):
        if bad[i]:
            cells.append(fn(cf.part(Kind(int(cf.kinds[i])), np.array([i])),
                            yes[i] if isinstance(yes, list) else yes,
                            no[i] if isinstance(no, list) else no))
            continue
        picked = (yes[i] if isinstance(yes, list) else yes) if mask[i] else \
            (no[i] if isinstance(no, list) else no)
        cells.append(normalize(picked) if picked.kind == Kind.ANY else picked)
    return _result(cells, shape, args)


def _branch(x: Vec | Grid, shape: tuple[int, int]) -> Flat | None:
    """A branch of IF as a Flat of ``shape``'s size (one value repeated for a single value);
    None where its cells do not hold one value each or one of them is of mixed kinds."""
    size = shape[0] * shape[1]
    if isinstance(x, Grid) and x.shape != (1, 1):
        f = flat(x) if x.shape == shape else None
    else:
        v = x.cells[0][0] if isinstance(x, Grid) else x
        if len(v.data) != 1 or (v.err is not None and len(v.err) != 1):
            return None
        err = None if v.err is None or not v.err.any() else np.full(size, v.err[0], np.uint8)
        f = Flat(np.full(size, int(v.kind), np.uint8),
                 {v.kind: np.full(size, v.data[0], dtype=v.data.dtype)}, err)
    if f is None or (f.kinds == int(Kind.ANY)).any():
        return None
    return f


def _picked(mask: np.ndarray, bad: np.ndarray, cond_err: np.ndarray, then: Vec | Grid,
            other: Vec | Grid, shape: tuple[int, int], args: tuple[Vec | Grid, ...]) -> Grid | None:
    """IF's result held as a Flat: each element the then- or else-branch's value, kind and
    error; where the condition is an error, the else-branch's value and kind with the
    condition's error (what IF's element function gives).  None where a branch is not flat."""
    yes, no = _branch(then, shape), _branch(other, shape)
    if yes is None or no is None:
        return None
    take = mask & ~bad
    kinds = np.where(take, yes.kinds, no.kinds)
    data: dict[Kind, np.ndarray] = {}
    for k in np.unique(kinds):
        kind = Kind(int(k))
        col = np.full(len(kinds), _FILL[kind], dtype=_DTYPE[kind])
        for f, where in ((yes, take), (no, ~take)):
            at = where & (f.kinds == k)
            if at.any():
                col[at] = f.data[kind][at]
        data[kind] = col
    zero = np.zeros(1, np.uint8)
    err = np.where(take, zero if yes.err is None else yes.err, zero if no.err is None else no.err)
    err = np.where(bad, cond_err, err)
    err = err.astype(np.uint8)
    return held(Flat(kinds.astype(np.uint8), data, err if err.any() else None), shape, args)


def to_bool_flat(f: Flat) -> tuple[np.ndarray, np.ndarray]:
    """``to_bool`` of each element: (the logical, its error code)."""
    size = len(f.kinds)
    mask = np.zeros(size, np.bool_)
    err = np.zeros(size, np.uint8)
    for k, idx in f.positions().items():
        m, e = to_bool(f.part(Kind(k), idx))
        mask[idx] = m
        if e is not None:
            err[idx] = e
    return mask, err
