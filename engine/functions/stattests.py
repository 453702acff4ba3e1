"""Hypothesis tests: T.TEST (TTEST), Z.TEST (ZTEST), F.TEST (FTEST), CHISQ.TEST (CHITEST).

The data arrays count numbers only (text, logicals and blanks are skipped; T.TEST's paired
type pairs cells by position); an error in a data array wins.  The scalar arguments (tails,
type, x, sigma) map over arrays, as Excel evaluates them in an array formula.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special as sc

from ..values import DIV0, NA, NUM, Grid, Vec, blank, first_error, trials
from . import register
from ._args import as_vec, result, scalar_number
from .math import flag
from .operators import map_grid
from .regression import cells, numbers, paired

Arg = Vec | Grid | None


def map_scalars(fn: Callable[..., Vec], scalars: list[Arg]) -> Vec | Grid:
    """``fn(*scalars)``, element by element where one of them is an array."""
    if any(isinstance(s, Grid) and s.shape != (1, 1) for s in scalars):
        return map_grid(fn, *[s if s is not None else blank() for s in scalars])
    return fn(*[as_vec(s) if s is not None else None for s in scalars])


def _sample(a: Arg, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """(count, mean, sample variance, error) of the numbers of an array, per trial."""
    cs = cells(a)
    x, ok, err = numbers(cs, n)
    cnt = ok.sum(axis=1).astype(np.float64)
    with np.errstate(all="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=1) / cnt
        d = np.where(ok, x - mean[:, None], 0.0)
        var = (d * d).sum(axis=1) / (cnt - 1)
    return cnt, mean, var, err


def _t_sf(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """P(T > t) for Student's t with ``df`` degrees of freedom (t >= 0)."""
    return 0.5 * sc.betainc(df / 2, 0.5, df / (df + t * t))


@register("T.TEST", "TTEST")
def t_test(array1: Arg, array2: Arg, tails: Arg, type_: Arg) -> Vec | Grid:
    """Excel's T.TEST: the p-value of Student's t-test; type 1 paired, 2 equal variances,
    3 unequal variances (Welch); tails 1 or 2."""
    n = trials(*cells(array1), *cells(array2)) if cells(array1) or cells(array2) else 1
    y, x, m, perr, _, mismatch = paired(array1, array2)
    c1, m1, v1, e1 = _sample(array1, n)
    c2, m2, v2, e2 = _sample(array2, n)
    data_err = first_error(e1, e2)

    def one(tv: Vec, kv: Vec) -> Vec:
        t_, et = scalar_number(tv)
        k_, ek = scalar_number(kv)
        tails_, kind = np.trunc(t_), np.trunc(k_)
        err = first_error(data_err, et, ek)
        err = flag(err, (tails_ != 1) & (tails_ != 2), NUM)
        err = flag(err, (kind < 1) | (kind > 3), NUM)
        with np.errstate(all="ignore"):
            if not mismatch:
                d = np.where(m, y - x, 0.0)
                cp = m.sum(axis=1).astype(np.float64)
                md = d.sum(axis=1) / cp
                vd = (np.where(m, d - md[:, None], 0.0) ** 2).sum(axis=1) / (cp - 1)
                t_pair = md / np.sqrt(vd / cp)
                df_pair = cp - 1
            else:
                t_pair = df_pair = cp = vd = np.zeros(1)
            df2 = c1 + c2 - 2
            sp = ((c1 - 1) * v1 + (c2 - 1) * v2) / df2
            t_eq = (m1 - m2) / np.sqrt(sp * (1 / c1 + 1 / c2))
            s1, s2 = v1 / c1, v2 / c2
            t_w = (m1 - m2) / np.sqrt(s1 + s2)
            df_w = (s1 + s2) ** 2 / (s1 * s1 / (c1 - 1) + s2 * s2 / (c2 - 1))
            t = np.where(kind == 1, t_pair, np.where(kind == 2, t_eq, t_w))
            df = np.where(kind == 1, df_pair, np.where(kind == 2, df2, df_w))
            p = tails_ * _t_sf(np.abs(t), df)
        if mismatch:
            err = flag(err, kind == 1, NA)
        few = np.where(kind == 1, cp < 2, (c1 < 2) | (c2 < 2))
        zero = np.where(kind == 1, vd == 0, np.where(kind == 2, sp == 0, (s1 + s2) == 0))
        err = flag(err, few | zero | ~np.isfinite(p), DIV0)
        return result(p, err)

    return map_scalars(one, [tails, type_])


@register("Z.TEST", "ZTEST")
def z_test(array: Arg, x: Arg, sigma: Arg = None) -> Vec | Grid:
    """Excel's Z.TEST: the one-tailed p-value 1 - NORM.S.DIST((mean - x) / (sigma/sqrt(n)))
    (sigma defaults to the sample standard deviation)."""
    n = trials(*cells(array)) if cells(array) else 1
    cnt, mean, var, data_err = _sample(array, n)

    def one(xv: Vec, sv: Vec | None) -> Vec:
        x0, ex = scalar_number(xv)
        err = first_error(data_err, ex)
        if sv is None:
            s = np.sqrt(var)
        else:
            s, es = scalar_number(sv)
            err = first_error(err, es)
            err = flag(err, s <= 0, NUM)
        with np.errstate(all="ignore"):
            z = (mean - x0) / (s / np.sqrt(cnt))
        err = flag(err, (cnt < 1) | ~np.isfinite(z), DIV0)
        return result(0.5 * sc.erfc(np.where(np.isfinite(z), z, 0.0) / np.sqrt(2)), err)

    return map_scalars(one, [x, sigma])


@register("F.TEST", "FTEST")
def f_test(array1: Arg, array2: Arg) -> Vec:
    """Excel's F.TEST: the two-tailed p-value that the two variances are equal."""
    n = trials(*cells(array1), *cells(array2)) if cells(array1) or cells(array2) else 1
    c1, _, v1, e1 = _sample(array1, n)
    c2, _, v2, e2 = _sample(array2, n)
    err = first_error(e1, e2)
    bad = (c1 < 2) | (c2 < 2) | (v1 == 0) | (v2 == 0)
    with np.errstate(all="ignore"):
        f = v1 / v2
        d1, d2 = c1 - 1, c2 - 1
        cdf = sc.fdtr(np.where(bad, 1, d1), np.where(bad, 1, d2), np.where(bad, 1.0, f))
        p = 2 * np.minimum(cdf, 1 - cdf)
    return result(p, flag(err, bad, DIV0))


@register("CHISQ.TEST", "CHITEST")
def chisq_test(actual: Arg, expected: Arg) -> Vec:
    """Excel's CHISQ.TEST: the p-value of the chi-squared statistic sum((A-E)^2/E), with
    (rows-1)(cols-1) degrees of freedom (count-1 for a single row or column)."""
    a, e, m, err, n, mismatch = paired(actual, expected)
    shape_a = actual.shape if isinstance(actual, Grid) else (1, 1)
    shape_e = expected.shape if isinstance(expected, Grid) else (1, 1)
    if mismatch or shape_a != shape_e:
        return result(np.zeros(n), np.full(n, NA, np.uint8))
    r, c = shape_a
    df = (r - 1) * (c - 1) if r > 1 and c > 1 else r * c - 1
    with np.errstate(all="ignore"):
        stat = np.where(m, (a - e) ** 2 / np.where(e == 0, 1.0, e), 0.0).sum(axis=1)
    bad = (np.where(m, e, 1.0) <= 0).any(axis=1)
    if df < 1:
        return result(np.zeros(n), first_error(err, np.full(n, NA, np.uint8)))
    return result(sc.chdtrc(df, stat), flag(err, bad, NUM if df else DIV0))


__all__ = ["map_scalars", "t_test", "z_test", "f_test", "chisq_test"]
