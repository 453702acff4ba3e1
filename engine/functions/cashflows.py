"""More cash-flow and depreciation functions: MIRR, SYD, DOLLARDE, DOLLARFR.

MIRR takes the flows of a range or array (numbers only, in order; an error wins); the
others coerce their arguments as Excel does and map over arrays.
"""

from __future__ import annotations

import numpy as np

from ..values import DIV0, NUM, Grid, Vec, first_error
from . import register, takes
from ._args import result
from ._scalars import coerce, numbers
from .financial import _flows
from .math import flag

Arg = Vec | Grid | None


@register("MIRR")
def mirr(values: Arg, finance_rate: Arg, reinvest_rate: Arg) -> Vec:
    """Excel's MIRR: (FV of the inflows at reinvest_rate / -PV of the outflows at
    finance_rate)^(1/(n-1)) - 1; #DIV/0! without both a positive and a negative flow."""
    mat, pres, err, n = _flows(values)
    fr, e1 = coerce(finance_rate)
    rr, e2 = coerce(reinvest_rate)
    err = first_error(err, e1, e2)
    if mat.shape[1] == 0:
        return result(np.zeros(n), first_error(err, np.full(n, DIV0, np.uint8)))
    present = np.ones(mat.shape, bool) if pres is None else pres
    # each trial's numbers in order (absent cells dropped), positions 0..m-1
    pos = np.cumsum(present, axis=1) - 1
    m = present.sum(axis=1).astype(np.float64)
    with np.errstate(all="ignore"):
        pos_flows = np.where(present & (mat > 0), mat, 0.0)
        neg_flows = np.where(present & (mat < 0), mat, 0.0)
        fv_in = (pos_flows * np.power(1 + rr[:, None] if len(rr) > 1 else 1 + rr,
                                      (m[:, None] - 1 - pos))).sum(axis=1)
        pv_out = (neg_flows / np.power(1 + fr[:, None] if len(fr) > 1 else 1 + fr, pos)).sum(axis=1)
        out = np.power(-fv_in / pv_out, 1.0 / (m - 1)) - 1.0
    bad = (fv_in == 0) | (pv_out == 0)
    err = flag(flag(err, bad, DIV0), (fr <= -1) | (rr <= -1), NUM)
    return result(out, err)


@register("SYD")
@takes(4, 4)
def syd(*args: Arg) -> Vec | Grid:
    """Excel's SYD(cost, salvage, life, per): sum-of-years'-digits depreciation."""
    def compute(cost, salvage, life, per):
        bad = (life <= 0) | (per <= 0) | (per > life)
        with np.errstate(all="ignore"):
            return (cost - salvage) * (life - per + 1) * 2 / (life * (life + 1)), [(bad, NUM)]

    return numbers(compute, args, (None, None, None, None))


def _fraction(whole: bool):
    def compute(x, f):
        f = np.trunc(f)
        bad = f < 0
        zero = f == 0
        with np.errstate(all="ignore"):
            digits = np.ceil(np.log10(np.where(f > 0, f, 1.0)))
            digits = np.where(np.power(10.0, digits) == f, digits + 1, digits)
            scale = np.power(10.0, digits)
            ip = np.trunc(x)
            frac = x - ip
            out = ip + frac * scale / f if whole else ip + frac * f / scale
        return out, [(bad, NUM), (zero, DIV0)]

    return compute


@register("DOLLARDE")
@takes(2, 2)
def dollarde(*args: Arg) -> Vec | Grid:
    """Excel's DOLLARDE: 1.02 with fraction 16 (1 and 2/16) is 1.125."""
    return numbers(_fraction(True), args, (None, None), atp=True)


@register("DOLLARFR")
@takes(2, 2)
def dollarfr(*args: Arg) -> Vec | Grid:
    """Excel's DOLLARFR: 1.125 with fraction 16 is 1.02 (1 and 2/16)."""
    return numbers(_fraction(False), args, (None, None), atp=True)


__all__ = ["mirr", "syd", "dollarde", "dollarfr"]
