"""Matrix functions: MMULT, MDETERM, MINVERSE, MUNIT.

Each trial's matrix is one slice of an (n, rows, cols) array, so a matrix whose cells vary
per trial is one batched numpy call.  Every cell must hold a number: text, logicals or an
empty cell make the result #VALUE!; an error in a cell wins; a singular matrix has no
inverse (#NUM!).
"""

from __future__ import annotations

import numpy as np

from ..values import NUM, VALUE, Grid, Kind, Vec, array_budget, first_error, trials
from . import register
from ._args import result, scalar_number
from .math import flag

Arg = Vec | Grid | None


def matrix(a: Arg) -> tuple[np.ndarray, np.ndarray | None, int]:
    """(values (n, r, c), error per trial, trials) of an array argument."""
    g = a if isinstance(a, Grid) else Grid([[a if a is not None else Vec(Kind.BLANK, np.zeros(1))]])
    r, c = g.shape
    n = trials(g)
    out = np.zeros((n, r, c))
    err = None
    for i, row in enumerate(g.cells):
        for j, v in enumerate(row):
            err = first_error(err, v.err)
            if v.kind == Kind.NUM:
                out[:, i, j] = v.data
            elif v.kind == Kind.ANY:
                ok = np.array([isinstance(x, float | int) and not isinstance(x, bool) for x in v.data])
                out[:, i, j] = [float(x) if k else 0.0 for x, k in zip(v.data, ok, strict=True)]
                err = flag(err, ~ok & (v.err == 0 if v.err is not None else True), VALUE)
            else:
                err = flag(err, np.ones(len(v.data), bool), VALUE)
    return out, err, n


def _grid(values: np.ndarray, err: np.ndarray | None) -> Grid:
    return Grid([[result(values[:, i, j], err) for j in range(values.shape[2])]
                 for i in range(values.shape[1])])


@register("MMULT")
def mmult(array1: Arg, array2: Arg) -> Vec | Grid:
    """Excel's MMULT: the matrix product (#VALUE! when the columns of the first do not match
    the rows of the second)."""
    a, ea, n1 = matrix(array1)
    b, eb, n2 = matrix(array2)
    err = first_error(ea, eb)
    if a.shape[2] != b.shape[1]:
        return result(np.zeros(max(n1, n2)), np.full(max(n1, n2), VALUE, np.uint8))
    array_budget(a.shape[1], b.shape[2], "MMULT")
    return _grid(np.matmul(a, b), err)


@register("MDETERM")
def mdeterm(array: Arg) -> Vec:
    """Excel's MDETERM: the determinant of a square matrix."""
    a, err, n = matrix(array)
    if a.shape[1] != a.shape[2]:
        return result(np.zeros(n), np.full(n, VALUE, np.uint8))
    return result(np.linalg.det(a), err)


@register("MINVERSE")
def minverse(array: Arg) -> Vec | Grid:
    """Excel's MINVERSE: the inverse of a square matrix (#NUM! when it is singular)."""
    a, err, n = matrix(array)
    if a.shape[1] != a.shape[2]:
        return result(np.zeros(n), np.full(n, VALUE, np.uint8))
    det = np.linalg.det(a)
    singular = det == 0
    inv = np.linalg.inv(np.where(singular[:, None, None], np.eye(a.shape[1]), a))
    return _grid(inv, flag(err, singular, NUM))


@register("MUNIT")
def munit(dimension: Arg) -> Vec | Grid:
    """Excel's MUNIT: the identity matrix of a dimension >= 1 (truncated)."""
    if isinstance(dimension, Grid) and dimension.shape != (1, 1):
        return result(np.zeros(1), np.full(1, VALUE, np.uint8))
    k, err = scalar_number(dimension)
    k = np.trunc(k)
    if err is not None or len(k) != 1 or k[0] < 1:
        return result(np.zeros(len(k)), flag(err, k < 1, VALUE))
    size = int(k[0])
    array_budget(size, size, "MUNIT")
    return Grid([[Vec(Kind.NUM, np.array([1.0 if i == j else 0.0])) for j in range(size)]
                 for i in range(size)])


__all__ = ["matrix", "mmult", "mdeterm", "minverse", "munit"]
