"""Excel operators over per-trial values: arithmetic, comparison, concatenation, unary.

Comparisons of numbers follow Excel's 15-significant-digit rule, written out in
:data:`engine.values.COMPARISON_RULE`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

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


def _key(x: object, other_kind: str) -> tuple[int, object]:
    """Sort key for Excel's mixed-type comparison: numbers < text < logicals."""
    if x is None:
        # blank compares as the other side's empty value
        return {"n": (0, 0.0), "s": (1, ""), "b": (2, False)}[other_kind]
    if isinstance(x, bool | np.bool_):
        return 2, bool(x)
    if isinstance(x, str):
        return 1, x.casefold()
    return 0, float(comparable(np.array([float(x)]))[0])


def _tag(x: object) -> str:
    if isinstance(x, bool | np.bool_):
        return "b"
    if isinstance(x, str):
        return "s"
    return "n"


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
        fa = np.array([s.casefold() for s in a.data], dtype=object)
        fb = np.array([s.casefold() for s in b.data], dtype=object)
        r = fn(fa, fb).astype(np.bool_)
    else:
        xa, xb = as_any(a), as_any(b)
        n = max(len(xa), len(xb))
        r = np.empty(n, dtype=np.bool_)
        for i in range(n):
            x = xa[i if len(xa) > 1 else 0]
            y = xb[i if len(xb) > 1 else 0]
            kx = _key(x, _tag(y) if y is not None else "n")
            ky = _key(y, _tag(x) if x is not None else "n")
            r[i] = _order(op, kx, ky)
    if err is not None:
        r = np.where(err != 0, False, r)
    return Vec(Kind.BOOL, np.asarray(r, dtype=np.bool_), err)


def _order(op: str, x: tuple, y: tuple) -> bool:
    return _PY_CMP[op](x, y)


_PY_CMP = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge}


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
        return _map_grid(lambda x, y: binary(op, x, y), a, b)
    if op in _CMP:
        return compare(op, a, b)
    if op == "&":
        return concat(a, b)
    return arith(op, a, b)


@dataclass(slots=True)
class Computed(Grid):
    """An array computed element by element from a range (``A1:A3>B1:B3``): it keeps the
    range's position for implicit intersection at the formula's cell, but it is a value, not
    a reference (N and T read all of it, ISREF is FALSE)."""


def is_reference(value: object) -> bool:
    """Whether a function argument is a reference (a range of cells), not an array value."""
    return isinstance(value, Grid) and value.area is not None and not isinstance(value, Computed)


def map_grid(fn: Callable[..., Vec | Grid], *args: Vec | Grid) -> Grid:
    """Apply ``fn`` element by element over arrays, broadcasting 1-wide dimensions as Excel
    does; positions beyond a smaller array give #N/A."""
    grids = [a if isinstance(a, Grid) else Grid([[a]]) for a in args]
    shapes = [g.shape for g in grids]
    rows = max(s[0] for s in shapes)
    cols = max(s[1] for s in shapes)
    n = trials(*args)

    def at(g: Grid, r: int, c: int) -> Vec | None:
        gr, gc = g.shape
        i = 0 if gr == 1 else r
        j = 0 if gc == 1 else c
        if i >= gr or j >= gc:
            return None
        return g.cells[i][j]

    out = []
    for r in range(rows):
        row = []
        for c in range(cols):
            items = [at(g, r, c) for g in grids]
            row.append(error(NA, n) if any(x is None for x in items) else fn(*items))
        out.append(row)
    # keep the position of a same-shaped source range, for implicit intersection at the cell
    area = next((g.area for g in grids if g.area is not None and g.shape == (rows, cols)), None)
    return Grid(out) if area is None else Computed(out, area)


_map_grid = map_grid


def unary(op: str, a: Vec | Grid) -> Vec | Grid:
    if isinstance(a, Grid):
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
