"""Lookup and reference: CHOOSE, INDEX, MATCH, XMATCH, VLOOKUP, HLOOKUP, LOOKUP, XLOOKUP,
TRANSPOSE.  (ROW, COLUMN, ROWS, COLUMNS, OFFSET and INDIRECT are special forms of the compiler.)

Vectorized over trials, for the Monte Carlo case of a key or an index that varies per trial
against a constant table (``VLOOKUP(rand_key, table, 2)``, ``INDEX(r, MATCH(x, r, 1))``): the
table is encoded once and searched for all trials at once (``engine.functions._search``); a
table whose cells vary per trial is searched as a (trials x cells) matrix.

Excel semantics:

* approximate match (MATCH 1, VLOOKUP/HLOOKUP TRUE, LOOKUP) is Excel's binary search: the
  last value <= key in sorted data, with Excel's results on unsorted or mixed-type data;
  MATCH -1 scans a descending list; exact match compares same-type values, text
  case-insensitively, with wildcards ``* ? ~`` for text keys; an empty key looks up 0;
* XMATCH/XLOOKUP order numbers < text < logicals for next smaller/larger, search first-to-last,
  last-to-first or by binary search, and use wildcards only in match_mode 2;
* errors: the key's error first, then an argument's, then #N/A (not found), #REF! (index past
  the table) or #VALUE! (bad index or mode);
* a key, index or mode given as an array maps element by element (array formulas).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from .. import ir
from ..values import (
    NA,
    REF,
    VALUE,
    Grid,
    Kind,
    Vec,
    as_any,
    blank,
    error,
    first_error,
    normalize,
    select,
    to_bool,
    trials,
)
from . import _search as S
from . import register
from ._args import as_vec, scalar_number
from .operators import BATCH_MIN, _stacked, map_grid

Arg = Vec | Grid | None
_ABSENT: Any = object()  # an argument not written at all (None: written but empty, as in "f(a,)")


# ------------------------------------------------------------------ argument helpers
def _grid(a: Arg) -> Grid:
    if isinstance(a, Grid):
        return a
    return Grid([[blank() if a is None else a]])


def _cell(a: Any) -> Any:
    return a.cells[0][0] if isinstance(a, Grid) and a.shape == (1, 1) else a


def _vector(g: Grid) -> list[Vec] | None:
    """The cells of a single row or column, in order; None for a 2-D block."""
    rows, cols = g.shape
    if cols == 1:
        return [r[0] for r in g.cells]
    if rows == 1:
        return list(g.cells[0])
    return None


def _int(a: Any, default: float | None) -> tuple[np.ndarray, np.ndarray | None]:
    """An integer argument (truncated toward zero); ``_ABSENT`` -> default."""
    if a is _ABSENT:
        a = None
        if default is not None:
            return np.full(1, float(default)), None
    x, e = scalar_number(a if a is not None else Vec(Kind.BLANK, np.zeros(1)))
    return np.trunc(x), e


def _flag(mask: np.ndarray, code: int) -> np.ndarray | None:
    mask = np.asarray(mask)
    return np.where(mask, code, 0).astype(np.uint8) if mask.any() else None


def _lift(fn: Callable[..., Vec | Grid], args: list[Any], scalars: Sequence[int],
          searched: bool = False) -> Vec | Grid:
    """``fn(*args)``, mapped element by element over the arguments at ``scalars`` that are
    arrays (a key, an index or a mode given as a range or an array constant).  ``searched``:
    ``fn``'s first argument is a key it searches for through ``found`` (:func:`_search_once`),
    so an array of keys against a table of one value per cell is searched in one pass."""
    args = [_cell(a) if i in scalars else a for i, a in enumerate(args)]
    arrays = [i for i in scalars if isinstance(args[i], Grid)]
    if not arrays:
        return fn(*args)

    def call(*vals: Vec, found: Callable[[Callable[[], Any]], Any] = _search) -> Vec:
        full = list(args)
        for i, v in zip(arrays, vals, strict=True):
            full[i] = v
        out = fn(*full, found=found) if searched else fn(*full)
        return _cell(out) if isinstance(out, Grid) else out

    batch = None
    if searched and arrays == [0] and all(_trials(a) == 1 if isinstance(a, Grid) else len(a.data) == 1
                                          for a in args[1:] if isinstance(a, Vec | Grid)):
        def batch(items: list[list[Vec]]) -> list[Vec]:
            return _search_once(call, [k for k, in items])
    return map_grid(call, *[args[i] for i in arrays], batch=batch)


def _search(run: Callable[[], Any]) -> Any:
    """A lookup's search for its key(s), run as it is (what ``found`` is by default)."""
    return run()


class _Searched(Exception):
    """The search of the keys laid end to end is done (:func:`_search_once`)."""


def _search_once(call: Callable[..., Vec], keys: list[Vec]) -> list[Vec]:
    """``call(key)`` for each key of one value, the search for all of them done as one (keys
    laid end to end, a table of one value per cell: the search goes key by key, so each key's
    part of its positions and error codes is what its own search gives).  Each call then
    finishes with its part (its gather, fallback, error codes) as it would alone."""
    if len(keys) < BATCH_MIN or any(len(k.data) != 1 for k in keys):
        return [call(k) for k in keys]
    kinds = {k.kind for k in keys}
    if len(kinds) == 1 and Kind.ANY not in kinds:
        stacked = _stacked(kinds.pop(), keys, 1)
    else:
        stacked = Vec(Kind.ANY, np.concatenate([as_any(k) for k in keys]),
                      np.concatenate([np.zeros(1, np.uint8) if k.err is None else k.err
                                      for k in keys]))
    got: list[Any] = []

    def record(run: Callable[[], Any]) -> Any:
        got.append(run())
        raise _Searched

    try:
        call(stacked, found=record)
    except _Searched:
        pass
    if not got:   # returned before searching (a 2-D lookup vector: an error for every key)
        return [call(k) for k in keys]
    m = len(keys)

    def part(a: Any, i: int) -> Any:
        if not isinstance(a, np.ndarray) or len(a) != m:
            return a
        p = a[i:i + 1]
        return None if p.dtype == np.uint8 and not p.any() else p

    return [call(k, found=lambda _run, i=i: tuple(part(a, i) for a in got[0]))
            for i, k in enumerate(keys)]


def gather(cells: Sequence[Vec], idx: np.ndarray, err: np.ndarray | None = None,
           missing: int = NA) -> Vec:
    """Per trial, the value of ``cells[idx]`` (``idx`` -1: the error ``missing``)."""
    idx = np.asarray(idx, dtype=np.intp)
    n = len(idx)
    bad = idx < 0
    if n == 1:
        if bad[0]:
            return error(missing) if err is None or not err[0] else error(int(err[0]))
        v = cells[int(idx[0])]
        return v if err is None else Vec(v.kind, v.data, first_error(err, v.err))
    j = np.where(bad, 0, idx)
    t = max(len(c) for c in cells)
    rows = np.arange(n) if t > 1 else np.zeros(n, dtype=np.intp)
    kinds = {c.kind for c in cells}
    kind = kinds.pop() if len(kinds) == 1 else Kind.ANY
    dtype = {Kind.NUM: np.float64, Kind.BOOL: np.bool_, Kind.BLANK: np.float64}.get(kind, object)
    data = np.empty((t, len(cells)), dtype=dtype)
    errs = np.zeros((t, len(cells)), dtype=np.uint8) if any(c.err is not None for c in cells) else None
    for k, c in enumerate(cells):
        data[:, k] = c.data if kind != Kind.ANY else as_any(c)
        if errs is not None and c.err is not None:
            errs[:, k] = c.err
    out = data[rows, j]
    e = errs[rows, j] if errs is not None else None
    e = first_error(err, _flag(bad, missing), e)
    if e is not None and kind == Kind.NUM:
        out = np.where(e != 0, 0.0, out)
    return normalize(Vec(kind, out, e))


# ------------------------------------------------------------------ what is kept per range
# A range read by many lookups (VLOOKUP(key, Table[#All], k) down a column) is one Grid object
# in the deterministic pass (Env.area keeps it): its encoded lookup vector and its trial count
# are computed once and found again by the range's position and the Grid's identity.  A range
# read again as a new Grid of the same cells (an Env that keeps no ranges: the numba
# generator's folds look a constant column's keys up one by one) is found too: an entry holds
# its Grid, whose cells are compared by identity; encodings of tables that vary per trial are
# not kept.
_KEPT: OrderedDict[tuple[Any, Hashable], tuple[Grid, Any]] = OrderedDict()
_KEPT_MAX = 64             # entries
_KEPT_MAX_CELLS = 250_000  # cells of the ranges the entries hold, all together
_kept_cells = 0
_kept_lock = threading.Lock()


def _size(g: Grid) -> int:
    rows, cols = g.shape
    return rows * cols


def _kept(grid: Grid, part: Hashable, build: Callable[[], Any],
          keep: Callable[[Any], bool] = lambda _: True) -> Any:
    """``build()``, computed once per range (``grid``, a Grid read from cells) and ``part``."""
    global _kept_cells
    if grid.area is None:
        return build()
    key = (grid.area, part)
    with _kept_lock:
        hit = _KEPT.get(key)
    if hit is not None and (hit[0] is grid or _same_cells(hit[0], grid)):
        with _kept_lock:
            if key in _KEPT:
                _KEPT.move_to_end(key)
        return hit[1]
    value = build()
    size = _size(grid)
    if keep(value) and size <= _KEPT_MAX_CELLS:
        with _kept_lock:
            old = _KEPT.pop(key, None)
            _kept_cells -= _size(old[0]) if old is not None else 0
            _KEPT[key] = (grid, value)
            _kept_cells += size
            while len(_KEPT) > _KEPT_MAX or _kept_cells > _KEPT_MAX_CELLS:
                _kept_cells -= _size(_KEPT.popitem(last=False)[1][0])
    return value


def _same_cells(a: Grid, b: Grid) -> bool:
    """Whether two Grids hold the very same cell values (the same objects, in order)."""
    return a.shape == b.shape and all(
        x is y for ra, rb in zip(a.cells, b.cells, strict=True) for x, y in zip(ra, rb, strict=True))


def forget_kept() -> None:
    """Drop what is kept per range (and the ranges themselves)."""
    global _kept_cells
    with _kept_lock:
        _KEPT.clear()
        _kept_cells = 0


def _trials(g: Grid, *others: Any) -> int:
    """The trial count of a range and the other arguments (Vec ones)."""
    return max(_kept(g, "trials", lambda: trials(g)),
               trials(*[a for a in others if isinstance(a, Vec)]))


def _encoded_table(cells: Sequence[Vec], fold: Callable[[str], str],
                   source: tuple[Grid, Hashable] | None) -> tuple[S.Table, list[str]]:
    """``cells`` encoded for searching; ``source`` (the range they come from and which of its
    lines they are) lets a range read again reuse the encoding."""
    if source is None:
        return S.encode_table(cells, fold)
    grid, line = source
    return _kept(grid, ("table", line, fold), lambda: S.encode_table(cells, fold),
                 keep=lambda got: got[0].typ.shape[0] == 1)


class _Column(Sequence[Vec]):
    """Column ``k`` of a grid's cells, read in place (no copy per lookup)."""

    __slots__ = ("_cells", "_k")

    def __init__(self, cells: list[list[Vec]], k: int) -> None:
        self._cells, self._k = cells, k

    def __len__(self) -> int:
        return len(self._cells)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [row[self._k] for row in self._cells[i]]
        return self._cells[i][self._k]


# ------------------------------------------------------------------ searching
def _classic(cells: Sequence[Vec], key: Vec, modes: np.ndarray, n: int,
             source: tuple[Grid, Hashable] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """MATCH/VLOOKUP/HLOOKUP/LOOKUP positions: mode 1 approximate, 0 exact, -1 descending."""
    tab, texts = _encoded_table(cells, str.lower, source)
    keys = S.encode_keys(key, texts)
    blank_key = keys.typ == S.BLANK_T
    if blank_key.any():  # an empty key looks up the number 0
        keys.typ = np.where(blank_key, S.NUM_T, keys.typ).astype(np.int8)
        keys.val = np.where(blank_key, 0.0, keys.val)
    idx = np.full(n, -1, dtype=np.intp)
    for mode in np.unique(modes):
        if mode > 0:
            r = S.approximate(tab, keys, n)
        elif mode == 0:
            r = S.exact(tab, keys, n, texts, wildcards=True)
        else:
            r = S.descending(tab, keys, n)
        idx = np.where(np.broadcast_to(modes == mode, (n,)), r, idx)
    return idx, keys.err


def _modern(cells: Sequence[Vec], key: Vec, mode: int, search: int, n: int,
            source: tuple[Grid, Hashable] | None = None) -> np.ndarray:
    """XMATCH/XLOOKUP positions for one match_mode and search_mode."""
    fold = str.lower if mode == 2 else str.casefold
    tab, texts = _encoded_table(cells, fold, source)
    keys = S.encode_keys(key, texts, fold)
    if mode == 2:
        keys.typ = np.where(keys.typ == S.BLANK_T, S.ERR_T, keys.typ).astype(np.int8)
        return S.exact(tab, keys, n, texts, wildcards=True, last=search < 0)
    erank, krank = S.total_order(tab, keys, n)
    if search in (2, -2):
        return S.bisect(erank, krank, mode, search == -2)
    return S.ordered(erank, krank, mode, last=search == -1)


def _per_mode(a: Any, default: int, allowed: set[int], n: int
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """A mode argument of XMATCH/XLOOKUP per trial; an empty one (``XLOOKUP(k,a,r,,0,)``) is
    the default, as when it is left out (Excel caches results there, not #VALUE!)."""
    a = _ABSENT if a is None else a
    x, e = _int(a, default)
    x = np.floor(scalar_number(a)[0]) if a is not _ABSENT and a is not None and e is None else x
    bad = ~np.isin(x, list(allowed))
    return np.broadcast_to(x, (max(n, len(x)),)).astype(int), first_error(e, _flag(bad, VALUE))


# ------------------------------------------------------------------ MATCH, XMATCH
@register("MATCH")
def match(value: Arg, array: Arg, match_type: Any = _ABSENT) -> Vec | Grid:
    return _lift(_match, [value, array, match_type], (0, 2), searched=True)


def _match(value: Vec, array: Arg, match_type: Any, found: Any = _search) -> Vec:
    g = _grid(array)
    cells = _vector(g)
    key = as_vec(value)
    n = _trials(g, key, match_type)
    if cells is None:
        return error(NA, n)
    mt, e = _int(match_type, 1)
    modes = np.sign(mt).astype(int)
    idx, kerr = found(lambda: _classic(cells, key, modes, n, (g, "vector")))
    return _position(idx, first_error(kerr, e))


def _position(idx: np.ndarray, err: np.ndarray | None) -> Vec:
    e = first_error(err, _flag(idx < 0, NA))
    data = (idx + 1).astype(np.float64)
    return Vec(Kind.NUM, data if e is None else np.where(e != 0, 0.0, data), e)


@register("XMATCH")
def xmatch(value: Arg, array: Arg, match_mode: Any = _ABSENT, search_mode: Any = _ABSENT) -> Vec | Grid:
    return _lift(_xmatch, [value, array, match_mode, search_mode], (0, 2, 3), searched=True)


def _xmatch(value: Vec, array: Arg, match_mode: Any, search_mode: Any, found: Any = _search) -> Vec:
    key = as_vec(value)
    g = _grid(array)
    cells = _vector(g)
    n = _trials(g, key)
    if cells is None:
        return error(VALUE, n)
    idx, err = found(lambda: _modern_positions(cells, key, match_mode, search_mode, n, (g, "vector")))
    return _position(idx, err)


def _modern_positions(cells: Sequence[Vec], key: Vec, match_mode: Any, search_mode: Any, n: int,
                      source: tuple[Grid, Hashable] | None = None
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    modes, e1 = _per_mode(match_mode, 0, {0, -1, 1, 2}, n)
    searches, e2 = _per_mode(search_mode, 1, {1, -1, 2, -2}, n)
    err = first_error(key.err, e1, e2)
    bad = (modes == 2) & (np.abs(searches) == 2)
    err = first_error(err, _flag(bad, VALUE))
    idx = np.full(len(modes), -1, dtype=np.intp)
    combos = set(zip(modes.tolist(), searches.tolist(), strict=True))
    for mode, search in combos:
        if mode not in (0, -1, 1, 2) or search not in (1, -1, 2, -2):
            continue
        sel = (modes == mode) & (searches == search)
        r = _modern(cells, key, mode, search, n, source)
        idx = np.where(sel, r, idx)
    return idx, err


# ------------------------------------------------------------------ VLOOKUP, HLOOKUP
@register("VLOOKUP")
def vlookup(value: Arg, table: Arg, col: Arg, range_lookup: Any = _ABSENT) -> Vec | Grid:
    return _lift(lambda *a, **k: _table_lookup(*a, vertical=True, **k),
                 [value, table, col, range_lookup], (0, 2, 3), searched=True)


@register("HLOOKUP")
def hlookup(value: Arg, table: Arg, row: Arg, range_lookup: Any = _ABSENT) -> Vec | Grid:
    return _lift(lambda *a, **k: _table_lookup(*a, vertical=False, **k),
                 [value, table, row, range_lookup], (0, 2, 3), searched=True)


def _table_lookup(value: Vec, table: Arg, which: Any, range_lookup: Any, *, vertical: bool,
                  found: Any = _search) -> Vec:
    g = _grid(table)
    key = as_vec(value)
    n = _trials(g, key, which, range_lookup)
    k, e1 = _int(which, None)
    if range_lookup is _ABSENT:
        approx, e2 = np.ones(1, dtype=bool), None
    elif range_lookup is None:
        approx, e2 = np.zeros(1, dtype=bool), None
    else:
        approx, e2 = to_bool(as_vec(range_lookup))
    height, width = g.shape if vertical else g.shape[::-1]
    err = first_error(key.err, e1, _flag(k < 1, VALUE), _flag(k > width, REF), e2)
    modes = approx.astype(int)

    def line(j: int) -> Sequence[Vec]:   # the j-th column (VLOOKUP) or row (HLOOKUP)
        return _Column(g.cells, j) if vertical else g.cells[j]

    idx, _ = found(lambda: _classic(line(0), key, modes, n,
                                    (g, "first column" if vertical else "first row")))
    kk = np.clip(k.astype(np.intp) - 1, 0, width - 1)
    if len(kk) == 1:  # the usual case: one result column for all trials
        return gather(line(int(kk[0])), idx, err)
    flat = [line(j)[i] for i in range(height) for j in range(width)]
    pos = np.where(idx < 0, -1, idx * width + kk)
    return gather(flat, pos, err)


# ------------------------------------------------------------------ LOOKUP, XLOOKUP
@register("LOOKUP")
def lookup(value: Arg, lookup_vector: Arg, result_vector: Any = _ABSENT) -> Vec | Grid:
    return _lift(_lookup, [value, lookup_vector, result_vector], (0,), searched=True)


def _lookup(value: Vec, lookup_vector: Arg, result_vector: Any, found: Any = _search) -> Vec:
    key = as_vec(value)
    g = _grid(lookup_vector)
    n = _trials(g, key)
    rows, cols = g.shape
    wide = cols > rows
    search = g.cells[0] if wide else _Column(g.cells, 0)
    if result_vector is _ABSENT or result_vector is None:
        result = list(g.cells[-1]) if wide else [r[-1] for r in g.cells]
    else:
        result = _vector(_grid(result_vector)) or []
    idx, kerr = found(lambda: _classic(search, key, np.ones(1, dtype=int), n,
                                       (g, "first row" if wide else "first column")))
    idx = np.where(idx >= len(result), -1, idx)
    return gather(result or [error(NA)], idx, kerr)


@register("XLOOKUP")
def xlookup(value: Arg, lookup_array: Arg, return_array: Arg, if_not_found: Any = _ABSENT,
            match_mode: Any = _ABSENT, search_mode: Any = _ABSENT) -> Vec | Grid:
    args = [value, lookup_array, return_array, if_not_found, match_mode, search_mode]
    return _lift(_xlookup, args, (0, 4, 5), searched=True)


def _xlookup(value: Vec, lookup_array: Arg, return_array: Arg, if_not_found: Any,
             match_mode: Any, search_mode: Any, found: Any = _search) -> Vec | Grid:
    key = as_vec(value)
    lk, ret = _grid(lookup_array), _grid(return_array)
    n = _trials(lk, key)
    cells = _vector(lk)
    (lr, lc), (rr, rc) = lk.shape, ret.shape
    column = lc == 1 and lr > 1 or lr == lc == 1
    if cells is None or (column and rr != lr) or (not column and rc != lc):
        return error(VALUE, n)
    idx, err = found(lambda: _modern_positions(cells, key, match_mode, search_mode, n,
                                               (lk, "vector")))
    lines = [_Column(ret.cells, j) for j in range(rc)] if column else ret.cells
    if isinstance(if_not_found, Grid) and if_not_found.shape != (1, 1) and n == 1 and idx[0] < 0 \
            and (err is None or not err[0]):
        return if_not_found
    fallback = None if if_not_found is _ABSENT else as_vec(
        _cell(if_not_found) if if_not_found is not None else Vec(Kind.NUM, np.zeros(1)))
    if isinstance(if_not_found, Grid):
        fallback = if_not_found.cells[0][0]

    def pick(line: Sequence[Vec]) -> Vec:
        out = gather(line, idx, err)
        if fallback is None:
            return out
        missing = (idx < 0) if err is None else (idx < 0) & (err == 0)
        return normalize(select(missing, fallback, out)) if missing.any() else out

    picked = [pick(line) for line in lines]
    if len(picked) == 1:
        return picked[0]
    return Grid([picked]) if column else Grid([[p] for p in picked])


# ------------------------------------------------------------------ INDEX, CHOOSE, TRANSPOSE
@register("INDEX")
def index(array: Arg, row: Any = _ABSENT, col: Any = _ABSENT, area: Any = _ABSENT) -> Vec | Grid:
    g = _grid(array)
    if col is _ABSENT and isinstance(row, Grid) and g.area is None and min(g.shape) > 1:
        col = Vec(Kind.NUM, np.ones(1))  # an array of row numbers into a 2-D array: column 1
    return _lift(_index, [array, row, col, area], (1, 2, 3))


def _index(array: Arg, row: Any, col: Any, area: Any) -> Vec | Grid:
    g = _grid(array)
    rows, cols = g.shape
    ri, e1 = _int(row, 0 if row is _ABSENT else None)
    if col is _ABSENT:
        if rows == 1 and cols > 1:
            ri, ci, e2 = np.ones(1), ri, None
        elif cols == 1:
            ci, e2 = np.ones(1), None
        else:
            ci, e2 = np.zeros(1), (_flag(np.ones(1, bool), REF) if g.area is not None else None)
    else:
        ci, e2 = _int(col, None)
    an, e3 = _int(area, 1)
    n = _trials(g, row, col, area)
    # an error value as the array (INDEX(1/0,1,2), a LET name bound to a failed FILTER) is
    # that error before any position is checked, as in Excel and LibreOffice
    ea = array.err if isinstance(array, Vec) else None
    err = first_error(ea, e1, _flag((ri < 0) | (ci < 0), VALUE), e2, e3,
                      _flag((ri > rows) | (ci > cols) | (an != 1), REF))
    if len(ri) == len(ci) == 1 and (err is None or len(err) == 1):
        if err is not None and err[0]:
            return error(int(err[0]), n)
        return _block(g, int(ri[0]), int(ci[0]))
    r = np.broadcast_to(ri, (n,)).astype(np.intp)
    c = np.broadcast_to(ci, (n,)).astype(np.intp)
    r = np.where((r == 0) & (rows == 1), 1, r)
    c = np.where((c == 0) & (cols == 1), 1, c)
    # a whole column (row 0) or row (column 0) picked per trial: an array of gathered cells;
    # a trial whose position is an error gets its error there (its data is 0: it must not
    # make the other trials of its chunk #VALUE!)
    bad = np.zeros(n, bool) if err is None else np.broadcast_to(err != 0, (n,))
    if not bad.all() and ((r == 0) | bad).all() and ((c > 0) | bad).all():
        pick = np.clip(c - 1, 0, cols - 1)
        return Grid([[gather(line, pick, err)] for line in g.cells])
    if not bad.all() and ((c == 0) | bad).all() and ((r > 0) | bad).all():
        pick = np.clip(r - 1, 0, rows - 1)
        return Grid([[gather([line[j] for line in g.cells], pick, err) for j in range(cols)]])
    err = first_error(err, _flag((r == 0) | (c == 0), VALUE))
    pos = np.clip(r - 1, 0, rows - 1) * cols + np.clip(c - 1, 0, cols - 1)
    return gather([x for line in g.cells for x in line], pos, err)


def _block(g: Grid, r: int, c: int) -> Vec | Grid:
    """Row r, column c of a range (0: all of them), as INDEX returns it."""
    rows, cols = g.shape
    r = 1 if r == 0 and rows == 1 else r
    c = 1 if c == 0 and cols == 1 else c
    if r and c:
        return g.cells[r - 1][c - 1]
    r1, r2 = (r, r) if r else (1, rows)
    c1, c2 = (c, c) if c else (1, cols)
    a = g.area
    area = None if a is None else ir.Area(a.sheet, a.r1 + r1 - 1, a.c1 + c1 - 1, a.r1 + r2 - 1, a.c1 + c2 - 1)
    return Grid([line[c1 - 1:c2] for line in g.cells[r1 - 1:r2]], area)


@register("CHOOSE")
def choose(index_: Arg, *values: Arg) -> Vec | Grid:
    vals = [Vec(Kind.BLANK, np.zeros(1)) if v is None else v for v in values]
    if isinstance(index_, Grid) and index_.shape != (1, 1):
        return map_grid(lambda i, *vs: _choose(i, list(vs)), index_, *vals)
    return _choose(_cell(index_), vals)


def _choose(index_: Vec, vals: list[Vec | Grid]) -> Vec | Grid:
    k, e = _int(index_, None)
    err = first_error(e, _flag((k < 1) | (k > len(vals)), VALUE))
    if len(k) == 1:
        return error(int(err[0])) if err is not None else vals[int(k[0]) - 1]
    pos = np.where(err != 0, -1, k - 1) if err is not None else k - 1
    if any(isinstance(v, Grid) for v in vals):
        return map_grid(lambda *vs: gather(list(vs), pos, err), *vals)
    return gather(vals, pos, err)  # type: ignore[arg-type]


@register("TRANSPOSE")
def transpose(array: Arg) -> Vec | Grid:
    if not isinstance(array, Grid):
        return blank() if array is None else array
    return Grid([list(c) for c in zip(*array.cells, strict=True)])


__all__ = ["choose", "gather", "hlookup", "index", "lookup", "match", "transpose", "vlookup",
           "xlookup", "xmatch"]
