"""Shape statistics of a sample: KURT, SKEW, SKEW.P, TRIMMEAN, MODE.SNGL (MODE), MODE.MULT.

Arguments follow AVERAGE's rules (a direct argument is coerced, in a range only numbers
count, an error wins); each trial's numbers form one row of an (n, k) matrix with a presence
mask, so a range that varies per trial is one vectorized pass.
"""

from __future__ import annotations

import numpy as np

from ..values import DIV0, NA, NUM, Grid, Vec, first_error
from . import register
from ._args import result, scalar_number, stack
from .math import flag
from .stats import _columns

Arg = Vec | Grid | None


def sample(args: tuple[Arg, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(values (n, k), presence (n, k), error) of the numbers of AVERAGE-like arguments."""
    cols, masks, err, n = _columns(args)
    n = max([n, *(len(c) for c in cols)])
    if not cols:
        return np.zeros((n, 0)), np.zeros((n, 0), bool), err
    mat, pres = stack([np.broadcast_to(c, (n,)) for c in cols],
                      [None if m is None else np.broadcast_to(m, (n,)) for m in masks], n)
    return mat, (np.ones(mat.shape, bool) if pres is None else pres), err


def _standardized(x: np.ndarray, m: np.ndarray, ddof: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(count, z-scores (0 where absent), standard deviation) with ``ddof``."""
    cnt = m.sum(axis=1).astype(np.float64)
    with np.errstate(all="ignore"):
        mean = np.where(m, x, 0.0).sum(axis=1) / cnt
        d = np.where(m, x - mean[:, None], 0.0)
        sd = np.sqrt((d * d).sum(axis=1) / (cnt - ddof))
        z = np.where(m, d / sd[:, None], 0.0)
    return cnt, z, sd


@register("KURT", refs=True)
def kurt(*args: Arg) -> Vec:
    """Excel's KURT: the sample excess kurtosis (#DIV/0! below 4 values or with no spread)."""
    x, m, err = sample(args)
    c, z, sd = _standardized(x, m, 1)
    with np.errstate(all="ignore"):
        k = (c * (c + 1) / ((c - 1) * (c - 2) * (c - 3)) * (z ** 4).sum(axis=1)
             - 3 * (c - 1) ** 2 / ((c - 2) * (c - 3)))
    return result(k, flag(err, (c < 4) | (sd == 0), DIV0))


@register("SKEW", refs=True)
def skew(*args: Arg) -> Vec:
    """Excel's SKEW: the sample skewness (#DIV/0! below 3 values or with no spread)."""
    x, m, err = sample(args)
    c, z, sd = _standardized(x, m, 1)
    with np.errstate(all="ignore"):
        s = c / ((c - 1) * (c - 2)) * (z ** 3).sum(axis=1)
    return result(s, flag(err, (c < 3) | (sd == 0), DIV0))


@register("SKEW.P", refs=True)
def skew_p(*args: Arg) -> Vec:
    """Excel's SKEW.P: the population skewness (#DIV/0! with no values or no spread)."""
    x, m, err = sample(args)
    c, z, sd = _standardized(x, m, 0)
    with np.errstate(all="ignore"):
        s = (z ** 3).sum(axis=1) / c
    return result(s, flag(err, (c < 1) | (sd == 0), DIV0))


@register("TRIMMEAN", refs=True)
def trimmean(array: Arg, percent: Arg) -> Vec:
    """Excel's TRIMMEAN: the mean without floor(n*percent/2) values at each end."""
    x, m, err = sample((array,))
    p, ep = scalar_number(percent)
    err = first_error(err, ep)
    n = max(len(x), len(p))
    x, m = np.broadcast_to(x, (n, x.shape[1])), np.broadcast_to(m, (n, x.shape[1]))
    p = np.broadcast_to(p, (n,))
    cnt = m.sum(axis=1)
    srt = np.sort(np.where(m, x, np.inf), axis=1)
    cut = np.floor(cnt * p / 2).astype(np.int64)
    idx = np.arange(x.shape[1])[None, :]
    keep = (idx >= cut[:, None]) & (idx < (cnt - cut)[:, None])
    with np.errstate(all="ignore"):
        mean = np.where(keep, srt, 0.0).sum(axis=1) / keep.sum(axis=1)
    return result(mean, flag(err, (p < 0) | (p >= 1) | (cnt == 0), NUM))


def _modes(args: tuple[Arg, ...]) -> tuple[list[list[float]], np.ndarray | None]:
    """Per trial, the most frequent numbers in order of first appearance ([] when no number
    repeats), and the arguments' error."""
    x, m, err = sample(args)
    out = []
    for i in range(x.shape[0]):
        vals = [float(v) for v in x[i][m[i]]]
        counts: dict[float, int] = {}
        for v in vals:
            counts[v] = counts.get(v, 0) + 1
        best = max(counts.values(), default=0)
        out.append([] if best < 2 else [v for v in counts if counts[v] == best])
    return out, err


@register("MODE.SNGL", "MODE", refs=True)
def mode_sngl(*args: Arg) -> Vec:
    """Excel's MODE.SNGL: the most frequent number, the first one seen on a tie; #N/A when
    no number repeats."""
    modes, err = _modes(args)
    out = np.array([ms[0] if ms else 0.0 for ms in modes])
    return result(out, flag(err, np.array([not ms for ms in modes]), NA))


@register("MODE.MULT", refs=True)
def mode_mult(*args: Arg) -> Vec | Grid:
    """Excel's MODE.MULT: every most frequent number, as a column (#N/A past a trial's own)."""
    modes, err = _modes(args)
    depth = max(1, *(len(ms) for ms in modes))
    col = []
    for j in range(depth):
        out = np.array([ms[j] if j < len(ms) else 0.0 for ms in modes])
        col.append([result(out, flag(err, np.array([j >= len(ms) for ms in modes]), NA))])
    return col[0][0] if depth == 1 else Grid(col)


__all__ = ["sample", "kurt", "skew", "skew_p", "trimmean", "mode_sngl", "mode_mult"]
