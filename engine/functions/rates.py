"""Interest-rate conversions and growth: RRI, FVSCHEDULE, EFFECT, NOMINAL, PDURATION, ISPMT.

RRI, PDURATION and ISPMT are built-in functions (they coerce logicals and map over arrays);
FVSCHEDULE, EFFECT and NOMINAL come from the Analysis ToolPak (a logical or a multi-cell
range where a number is expected is #VALUE!).  Invalid arguments give #NUM! (#DIV/0! for
ISPMT with no periods).
"""

from __future__ import annotations

import numpy as np

from ..values import DIV0, NUM, VALUE, Grid, Kind, Vec, first_error, trials
from . import register, takes
from ._args import result
from ._scalars import coerce, numbers

Arg = Vec | Grid | None


@register("RRI")
@takes(3, 3)
def rri(*args: Arg) -> Vec | Grid:
    """Excel's RRI(nper, pv, fv): the rate of growth (fv/pv)^(1/nper) - 1."""
    def compute(n, p, f):
        bad = (n <= 0) | (p == 0)
        return np.power(f / np.where(bad, 1.0, p), 1.0 / np.where(bad, 1.0, n)) - 1.0, \
            [(bad, NUM)]

    return numbers(compute, args, (None, None, None))


@register("PDURATION")
@takes(3, 3)
def pduration(*args: Arg) -> Vec | Grid:
    """Excel's PDURATION(rate, pv, fv): the periods for pv to grow to fv."""
    def compute(r, p, f):
        bad = (r <= 0) | (p <= 0) | (f <= 0)
        ok = ~bad
        return (np.log(np.where(ok, f, 2.0)) - np.log(np.where(ok, p, 1.0))) / \
            np.log1p(np.where(ok, r, 1.0)), [(bad, NUM)]

    return numbers(compute, args, (None, None, None))


@register("ISPMT")
@takes(4, 4)
def ispmt(*args: Arg) -> Vec | Grid:
    """Excel's ISPMT(rate, per, nper, pv): the interest of a period of an even-principal loan."""
    def compute(r, per, n, p):
        zero = n == 0
        return -p * r * (1.0 - per / np.where(zero, 1.0, n)), [(zero, DIV0)]

    return numbers(compute, args, (None, None, None, None))


@register("EFFECT")
@takes(2, 2)
def effect(*args: Arg) -> Vec | Grid:
    """Excel's EFFECT(nominal_rate, npery): the effective annual rate."""
    def compute(r, k):
        k = np.trunc(k)
        bad = (r <= 0) | (k < 1)
        k = np.where(bad, 1.0, k)
        return np.expm1(k * np.log1p(r / k)), [(bad, NUM)]

    return numbers(compute, args, (None, None), atp=True)


@register("NOMINAL")
@takes(2, 2)
def nominal(*args: Arg) -> Vec | Grid:
    """Excel's NOMINAL(effect_rate, npery): the nominal annual rate."""
    def compute(r, k):
        k = np.trunc(k)
        bad = (r <= 0) | (k < 1)
        k = np.where(bad, 1.0, k)
        return k * np.expm1(np.log1p(np.where(bad, 0.0, r)) / k), [(bad, NUM)]

    return numbers(compute, args, (None, None), atp=True)


@register("FVSCHEDULE")
def fvschedule(principal: Arg, schedule: Arg) -> Vec:
    """Excel's FVSCHEDULE: principal times the product of (1 + rate) over the schedule; an
    empty cell is a rate of 0, text is #VALUE!."""
    p, err = coerce(principal, None, atp=True)
    cells = list(schedule.flat()) if isinstance(schedule, Grid) else \
        [] if schedule is None else [schedule]
    n = trials(*cells, *(a for a in (principal,) if a is not None))
    acc = np.ones(1)
    for c in cells:
        err = first_error(err, c.err)
        if c.kind == Kind.BLANK:
            continue
        if c.kind in (Kind.BOOL, Kind.STR):
            err = first_error(err, np.full(len(c.data), VALUE, np.uint8))
            continue
        r, e = coerce(c, 0.0, atp=True)
        err = first_error(err, e)
        acc = acc * (1.0 + r)
    return result(np.broadcast_to(p * acc, (max(n, len(p), len(acc)),)), err)


__all__ = ["rri", "pduration", "ispmt", "effect", "nominal", "fvschedule"]
