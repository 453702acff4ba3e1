"""Distributions of data over bins and shares of a total: FREQUENCY, PROB, PERCENTOF.

FREQUENCY(data, bins) returns a vertical array of len(bins)+1 counts: values <= the first
bin (in ascending order of the bins), then in each following interval, then above the last,
given back in the order the bins were written.  Only numbers count (text, logicals and
blanks are skipped); an error in the data or the bins wins.
"""

from __future__ import annotations

import numpy as np

from ..values import DIV0, NA, NUM, Grid, Vec, first_error, trials
from . import register
from ._args import result, scalar_number
from .math import flag
from .regression import cells, numbers, paired
from .stattests import map_scalars

Arg = Vec | Grid | None


@register("FREQUENCY")
def frequency(data: Arg, bins: Arg) -> Vec | Grid:
    """Excel's FREQUENCY."""
    cd, cb = cells(data), cells(bins)
    n = trials(*cd, *cb) if cd or cb else 1
    x, okx, ex = numbers(cd, n)
    b, okb, eb = numbers(cb, n)
    err = first_error(ex, eb)
    k = b.shape[1]
    counts = np.zeros((n, k + 1))
    for i in range(n):
        vals = x[i][okx[i]]
        edges = b[i][okb[i]]
        where = np.nonzero(okb[i])[0]
        order = np.argsort(edges, kind="stable")
        srt = edges[order]
        slot = np.searchsorted(srt, vals, side="left")
        tally = np.bincount(slot, minlength=len(srt) + 1).astype(np.float64)
        # bins in written order; a bin that is not a number counts nothing
        for rank, j in enumerate(order):
            counts[i, where[j]] = tally[rank]
        counts[i, k] = tally[len(srt)]
    col = [[result(counts[:, j], err)] for j in range(k + 1)]
    if k == 0:
        return col[0][0]
    return Grid(col)


@register("PROB")
def prob(x_range: Arg, prob_range: Arg, lower: Arg, upper: Arg = None) -> Vec | Grid:
    """Excel's PROB: the probability that a value of x_range lies in [lower, upper] (equals
    lower without an upper limit); probabilities must lie in [0, 1] and add up to 1."""
    x, p, m, err, n, mismatch = paired(x_range, prob_range)

    def one(lo: Vec, hi: Vec | None) -> Vec:
        a, ea = scalar_number(lo)
        b, eb = (a, None) if hi is None else scalar_number(hi)
        if mismatch:
            return result(np.zeros(1), np.full(1, NA, np.uint8))
        e = first_error(err, ea, eb)
        pp = np.where(m, p, 0.0)
        bad = ((pp < 0) | (pp > 1)).any(axis=1) | (np.abs(pp.sum(axis=1) - 1) > 1e-12)
        inside = m & (x >= np.atleast_1d(a)[:, None]) & (x <= np.atleast_1d(b)[:, None])
        return result(np.where(inside, p, 0.0).sum(axis=1), flag(e, bad, NUM))

    return map_scalars(one, [lower, upper])


@register("PERCENTOF")
def percentof(data_subset: Arg, data_all: Arg) -> Vec:
    """Excel's PERCENTOF: SUM(subset) / SUM(all) over the numbers (text, logicals and empty
    cells skipped); an error in either is #NUM!, as Excel gives it."""
    cs, ca = cells(data_subset), cells(data_all)
    n = trials(*cs, *ca) if cs or ca else 1
    x, okx, ex = numbers(cs, n)
    y, oky, ey = numbers(ca, n)
    part = np.where(okx, x, 0.0).sum(axis=1)
    whole = np.where(oky, y, 0.0).sum(axis=1)
    bad = first_error(ex, ey)
    with np.errstate(all="ignore"):
        share = part / np.where(whole == 0, 1.0, whole)
    err = flag(flag(None, bad != 0 if bad is not None else np.zeros(n, bool), NUM), whole == 0, DIV0)
    return result(share, err)


__all__ = ["frequency", "prob", "percentof"]
