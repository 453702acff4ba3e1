"""Statistics of paired data: CORREL, PEARSON, RSQ, COVARIANCE.P/.S (COVAR), SLOPE, INTERCEPT,
STEYX, FORECAST and FORECAST.LINEAR, and the paired sums SUMX2MY2, SUMX2PY2, SUMXMY2.

Excel's rules, vectorized over trials: the two arrays must have the same number of cells
(else #N/A, checked before anything else); an error in either wins (the first array's
first); a pair counts only where both cells hold numbers (text, logicals and blanks drop the
pair); too few pairs, or no spread in x, give #DIV/0!.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..values import DIV0, NA, Grid, Kind, Vec, first_error, trials
from . import register
from ._args import as_vec, result, scalar_number
from .math import flag
from .operators import map_grid

Arg = Vec | Grid | None


def cells(a: Arg) -> list[Vec]:
    """The cells of an array argument, row by row (a single value is one cell)."""
    if a is None:
        return []
    if isinstance(a, Grid):
        return list(a.flat())
    return [a]


def numbers(cs: list[Vec], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(values, is-a-number, first error) of cells as (n, k) matrices: only numbers count."""
    k = len(cs)
    x = np.zeros((n, k))
    ok = np.zeros((n, k), bool)
    err = None
    for j, c in enumerate(cs):
        err = first_error(err, c.err)
        good = np.ones(len(c.data), bool) if c.err is None else c.err == 0
        if c.kind == Kind.NUM:
            x[:, j] = c.data
            ok[:, j] = good
        elif c.kind == Kind.ANY:
            vals = [float(v) if isinstance(v, int | float) and not isinstance(v, bool | np.bool_)
                    else np.nan for v in c.data]
            arr = np.array(vals, dtype=np.float64)
            ok[:, j] = good & ~np.isnan(arr)
            x[:, j] = np.where(np.isnan(arr), 0.0, arr)
    return x, ok, err


def paired(ys: Arg, xs: Arg) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, int,
                                      bool]:
    """(y, x, pair mask, error, trials, sizes differ) for two arrays of the same size."""
    cy, cx = cells(ys), cells(xs)
    n = trials(*cy, *cx) if cy or cx else 1
    if len(cy) != len(cx) or not cy:
        return np.zeros((n, 0)), np.zeros((n, 0)), np.zeros((n, 0), bool), None, n, True
    y, oky, ey = numbers(cy, n)
    x, okx, ex = numbers(cx, n)
    return y, x, oky & okx, first_error(ey, ex), n, False


def _moments(y: np.ndarray, x: np.ndarray, m: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(count, mean x, mean y, Sxx, Syy, Sxy) over the pairs in ``m``."""
    cnt = m.sum(axis=1).astype(np.float64)
    with np.errstate(all="ignore"):
        mx = np.where(m, x, 0.0).sum(axis=1) / cnt
        my = np.where(m, y, 0.0).sum(axis=1) / cnt
        dx = np.where(m, x - mx[:, None], 0.0)
        dy = np.where(m, y - my[:, None], 0.0)
    return cnt, mx, my, (dx * dx).sum(axis=1), (dy * dy).sum(axis=1), (dx * dy).sum(axis=1)


def _pair_stat(compute: Callable[..., tuple[np.ndarray, np.ndarray]]
               ) -> Callable[[Arg, Arg], Vec]:
    def fn(a: Arg, b: Arg) -> Vec:
        y, x, m, err, n, mismatch = paired(a, b)
        if mismatch:
            return result(np.zeros(n), np.full(n, NA, np.uint8))
        with np.errstate(all="ignore"):
            value, bad = compute(*_moments(y, x, m))
        return result(value, flag(err, bad, DIV0))

    return fn


def _correl(cnt, mx, my, sxx, syy, sxy):
    return sxy / np.sqrt(sxx * syy), (cnt < 2) | (sxx == 0) | (syy == 0)


def _rsq(cnt, mx, my, sxx, syy, sxy):
    r, bad = _correl(cnt, mx, my, sxx, syy, sxy)
    return r * r, bad


def _slope(cnt, mx, my, sxx, syy, sxy):
    return sxy / sxx, (cnt < 1) | (sxx == 0)


def _intercept(cnt, mx, my, sxx, syy, sxy):
    return my - sxy / sxx * mx, (cnt < 1) | (sxx == 0)


def _steyx(cnt, mx, my, sxx, syy, sxy):
    return np.sqrt(np.maximum(syy - sxy * sxy / sxx, 0.0) / (cnt - 2)), (cnt < 3) | (sxx == 0)


# CORREL(array1, array2) is symmetric; SLOPE(known_y's, known_x's) etc. take y first
for _names, _compute in ((("CORREL", "PEARSON"), _correl), (("RSQ",), _rsq),
                         (("SLOPE",), _slope), (("INTERCEPT",), _intercept),
                         (("STEYX",), _steyx),
                         (("COVARIANCE.P", "COVAR"), lambda c, mx, my, sxx, syy, sxy:
                          (sxy / c, c < 1)),
                         (("COVARIANCE.S",), lambda c, mx, my, sxx, syy, sxy:
                          (sxy / (c - 1), c < 2))):
    register(*_names)(_pair_stat(_compute))


def _pair_sum(term: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Arg, Arg], Vec]:
    def fn(a: Arg, b: Arg) -> Vec:
        x, y, m, err, n, mismatch = paired(a, b)
        if mismatch:
            return result(np.zeros(n), np.full(n, NA, np.uint8))
        return result(np.where(m, term(x, y), 0.0).sum(axis=1), err)

    return fn


register("SUMX2MY2")(_pair_sum(lambda x, y: x * x - y * y))
register("SUMX2PY2")(_pair_sum(lambda x, y: x * x + y * y))
register("SUMXMY2")(_pair_sum(lambda x, y: (x - y) ** 2))


@register("FORECAST", "FORECAST.LINEAR")
def forecast(x: Arg, known_y: Arg, known_x: Arg) -> Vec | Grid:
    """Excel's FORECAST: the least-squares line through the pairs, at ``x`` (element by
    element when ``x`` is an array); an error in ``x`` comes first."""
    y_, x_, m, err, n, mismatch = paired(known_y, known_x)
    if not mismatch:
        with np.errstate(all="ignore"):
            cnt, mx, my, sxx, _, sxy = _moments(y_, x_, m)
            b = sxy / sxx
            a = my - b * mx
        bad = (cnt < 1) | (sxx == 0)

    def one(v: Vec) -> Vec:
        t, et = scalar_number(v)
        if mismatch:
            return result(np.zeros(1), first_error(et, np.full(1, NA, np.uint8)))
        with np.errstate(all="ignore"):
            return result(a + b * t, flag(first_error(et, err), bad, DIV0))

    if isinstance(x, Grid) and x.shape != (1, 1):
        return map_grid(one, x)
    return one(as_vec(x))


__all__ = ["cells", "numbers", "paired", "forecast"]
