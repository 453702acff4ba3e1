"""Least-squares fits: LINEST, TREND, LOGEST, GROWTH.

Excel's layout: with a single column of y values each column of x is a variable (a single
row of y: each row of x); x defaults to 1, 2, 3, ...  LINEST and LOGEST give the
coefficients last variable first, then the intercept ([m_k ... m_1, b]); with stats a
5-row block (standard errors; r2 and sey; F and df; ss_reg and ss_resid; #N/A to fill).
Every y and x must be a number (#VALUE! otherwise, errors included), and x whose size does
not fit y gives #REF!.  GROWTH and LOGEST fit ln(y) (y <= 0 is #NUM!).  The fit runs trial by
trial (a fit is small, and its inputs rarely vary per trial).
"""

from __future__ import annotations

import numpy as np

from ..values import NA, NUM, REF, VALUE, Grid, Kind, Vec, error, to_bool, trials
from . import register
from ._args import result
from .regression import cells

Arg = Vec | Grid | None


class _Fail(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _shape(a: Arg) -> tuple[int, int]:
    return a.shape if isinstance(a, Grid) else (1, 1)


def _values(a: Arg, i: int) -> np.ndarray:
    """Trial ``i`` of an array as a float matrix; raises _Fail for errors and non-numbers."""
    r, c = _shape(a)
    out = np.zeros(r * c)
    for j, v in enumerate(cells(a)):
        x = v.scalar(i)
        if isinstance(x, bool) or not isinstance(x, float):
            raise _Fail(VALUE)
        out[j] = x
    return out.reshape(r, c)


def _flag(v: Arg, default: bool, i: int) -> bool:
    if v is None:
        return default
    vec = v.cells[0][0] if isinstance(v, Grid) else v
    if vec.kind == Kind.BLANK:
        return default
    b, e = to_bool(vec)
    if e is not None and e[i if len(e) > 1 else 0]:
        raise _Fail(VALUE)
    return bool(b[i if len(b) > 1 else 0])


def _design(ys: Arg, xs: Arg, i: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """(y (m,), X (m, k), y is a row) of trial ``i``; sizes are checked (#REF!) before
    values (#VALUE!)."""
    (rows, cols), (xr, xc) = _shape(ys), _shape(xs) if xs is not None else _shape(ys)
    if (cols == 1 and xr != rows) or (rows == 1 and cols > 1 and xc != cols) or \
            (rows > 1 and cols > 1 and (xr, xc) != (rows, cols)):
        raise _Fail(REF)
    y = _values(ys, i)
    if xs is None:
        x = np.arange(1, y.size + 1, dtype=np.float64).reshape(y.shape)
    else:
        x = _values(xs, i)
    rows, cols = y.shape
    if cols == 1 and rows > 1 or (rows == 1 and cols == 1):
        if x.shape[0] != rows:
            raise _Fail(REF)
        return y[:, 0], x, False
    if rows == 1:
        if x.shape[1] != cols:
            raise _Fail(REF)
        return y[0], x.T, True
    if x.shape != y.shape:
        raise _Fail(REF)
    return y.ravel(), x.reshape(-1, 1), False


def _fit(y: np.ndarray, x: np.ndarray, const: bool) -> tuple[np.ndarray, float, Fit]:
    """(slopes (k,), intercept, design matrix used).  As Excel, an x column that depends
    linearly on the columns before it (the intercept first) is left out: its slope is 0."""
    kept = [np.ones(len(y))] if const else []
    use = []
    for j in range(x.shape[1]):
        col = x[:, j]
        if kept:
            base = np.column_stack(kept)
            resid = col - base @ np.linalg.lstsq(base, col, rcond=None)[0]
        else:
            resid = col
        if np.linalg.norm(resid) > 1e-10 * max(np.linalg.norm(col), 1e-300):
            kept.append(col)
            use.append(j)
    a = np.column_stack(kept) if kept else np.zeros((len(y), 0))
    coef = np.linalg.lstsq(a, y, rcond=None)[0] if kept else np.zeros(0)
    slopes = np.zeros(x.shape[1])
    slopes[use] = coef[1:] if const else coef
    return slopes, (float(coef[0]) if const else 0.0), Fit(a, coef, use, const)


class Fit:
    """The columns a fit used (intercept first) and their coefficients."""

    def __init__(self, a: np.ndarray, coef: np.ndarray, use: list[int], const: bool) -> None:
        self.a, self.coef, self.use, self.const = a, coef, use, const


def _stats(y: np.ndarray, fit: Fit, k: int) -> list[list[float | None]]:
    """LINEST's rows 2-5: standard errors (last x first, then the intercept's; 0 for a left
    out x), r2 and sey, F and df, ss_reg and ss_resid (inf where Excel shows #NUM!)."""
    a, coef = fit.a, fit.coef
    m, p = a.shape
    if fit.const and not fit.use and k:
        # every x left out: Excel reports a perfect fit of the mean (se 0, r2 1, F #NUM!)
        ss = float(((y - y.mean()) ** 2).sum())
        return [[0.0] * (k + 1), [1.0, 0.0], [np.inf, float(m - k - 1)], [ss, 0.0]]
    resid = y - a @ coef
    ss_resid = float(resid @ resid)
    ss_total = float(((y - y.mean()) ** 2).sum()) if fit.const else float(y @ y)
    if ss_resid <= 1e-20 * max(ss_total, 1.0):
        ss_resid = 0.0  # a perfect fit up to rounding: Excel's F is #NUM!, its errors 0
    ss_reg = ss_total - ss_resid
    df = m - p
    var = ss_resid / df if df > 0 else np.inf
    with np.errstate(all="ignore"):
        diag = np.diag(np.linalg.pinv(a.T @ a)) * var if p else np.zeros(0)
    se_cols = np.sqrt(np.abs(diag))
    se = np.zeros(k)
    se[fit.use] = se_cols[1:] if fit.const else se_cols
    se_b: float | None = float(se_cols[0]) if fit.const else None
    r2 = ss_reg / ss_total if ss_total else 1.0
    kk = p - 1 if fit.const else p
    f = (ss_reg / kk) / var if df > 0 and kk > 0 and ss_resid > 0 else np.inf
    return [[*(float(v) for v in se[::-1]), se_b], [r2, float(np.sqrt(var))], [f, float(df)],
            [ss_reg, ss_resid]]


def _estimate(ys: Arg, xs: Arg, const_: Arg, stats_: Arg, log: bool) -> Vec | Grid:
    n = trials(*[a for a in (ys, xs, const_, stats_) if a is not None])
    tables: list[list[list[float | None]] | int] = []
    for i in range(n):
        try:
            y, x, _ = _design(ys, xs, i)
            const, stats = _flag(const_, True, i), _flag(stats_, False, i)
            if log:
                if (y <= 0).any():
                    raise _Fail(NUM)
                y = np.log(y)
            slopes, b, fit = _fit(y, x, const)
            row = list(slopes[::-1]) + [b]
            table: list[list[float | None]] = [[float(np.exp(v)) if log else float(v) for v in row]]
            if stats:
                st = _stats(y, fit, len(slopes))
                table.append(st[0])
                for extra in st[1:]:
                    table.append(extra + [None] * (len(row) - 2))
            tables.append(table)
        except _Fail as fail:
            tables.append(fail.code)
        except np.linalg.LinAlgError:
            tables.append(NUM)
    return _to_grid(tables, n)


def _to_grid(tables: list[list[list[float | None]] | int], n: int) -> Vec | Grid:
    """Per-trial tables (or an error code) as one Grid; None is #N/A, a non-finite value
    #NUM!."""
    shaped = [t for t in tables if not isinstance(t, int)]
    if not shaped:
        return error(int(tables[0]), n)  # type: ignore[arg-type]
    rows = max(len(t) for t in shaped)
    cols = max(len(r) for t in shaped for r in t)
    grid = []
    for r in range(rows):
        line = []
        for c in range(cols):
            vals, codes = np.zeros(n), np.zeros(n, np.uint8)
            for i, t in enumerate(tables):
                if isinstance(t, int):
                    codes[i] = t
                    continue
                x = t[r][c] if r < len(t) and c < len(t[r]) else None
                if x is None:
                    codes[i] = NA
                elif not np.isfinite(x):
                    codes[i] = NUM
                else:
                    vals[i] = float(x)
            line.append(result(vals, codes if codes.any() else None))
        grid.append(line)
    if rows == 1 and cols == 1:
        return grid[0][0]
    return Grid(grid)


@register("LINEST")
def linest(known_y: Arg, known_x: Arg = None, const: Arg = None, stats: Arg = None) -> Vec | Grid:
    """Excel's LINEST."""
    return _estimate(known_y, known_x, const, stats, False)


@register("LOGEST")
def logest(known_y: Arg, known_x: Arg = None, const: Arg = None, stats: Arg = None) -> Vec | Grid:
    """Excel's LOGEST: LINEST of ln(y), coefficients given back as e**m and e**b."""
    return _estimate(known_y, known_x, const, stats, True)


def _predict(ys: Arg, xs: Arg, new: Arg, const_: Arg, log: bool) -> Vec | Grid:
    n = trials(*[a for a in (ys, xs, new, const_) if a is not None])
    outs: list[np.ndarray | int] = []
    for i in range(n):
        try:
            y, x, as_row = _design(ys, xs, i)
            const = _flag(const_, True, i)
            if log:
                if (y <= 0).any():
                    raise _Fail(NUM)
                y = np.log(y)
            slopes, b, _fit_used = _fit(y, x, const)
            if new is None:
                nx = x
            else:
                nx = _values(new, i)
                k = len(slopes)
                if as_row:
                    if nx.shape[0] != k:
                        raise _Fail(REF)
                    nx = nx.T
                elif nx.shape[1] != k:
                    if k == 1:
                        nx = nx.reshape(-1, 1)
                    else:
                        raise _Fail(REF)
            pred = nx @ slopes + b
            shape = _shape(new) if new is not None else ((1, len(pred)) if as_row else (len(pred), 1))
            if k_fits(shape, len(pred)):
                pred = pred.reshape(shape)
            else:
                pred = pred.reshape((1, -1) if as_row else (-1, 1))
            outs.append(np.exp(pred) if log else pred)
        except _Fail as fail:
            outs.append(fail.code)
    shapes = {o.shape for o in outs if isinstance(o, np.ndarray)}
    if not shapes:
        return error(int(outs[0]), n)  # type: ignore[arg-type]
    r, c = max(shapes)
    grid = []
    for a in range(r):
        line = []
        for b in range(c):
            vals, codes = np.zeros(n), np.zeros(n, np.uint8)
            for i, o in enumerate(outs):
                if isinstance(o, np.ndarray) and a < o.shape[0] and b < o.shape[1]:
                    vals[i] = o[a, b]
                else:
                    codes[i] = o if isinstance(o, int) else NA
            line.append(result(vals, codes if codes.any() else None))
        grid.append(line)
    return grid[0][0] if r == 1 and c == 1 else Grid(grid)


def k_fits(shape: tuple[int, int], size: int) -> bool:
    return shape[0] * shape[1] == size


@register("TREND")
def trend(known_y: Arg, known_x: Arg = None, new_x: Arg = None, const: Arg = None) -> Vec | Grid:
    """Excel's TREND: the fitted line (plane) at new_x (default: at known_x)."""
    return _predict(known_y, known_x, new_x, const, False)


@register("GROWTH")
def growth(known_y: Arg, known_x: Arg = None, new_x: Arg = None, const: Arg = None
           ) -> Vec | Grid:
    """Excel's GROWTH: the fitted exponential curve at new_x."""
    return _predict(known_y, known_x, new_x, const, True)


__all__ = ["linest", "logest", "trend", "growth"]
