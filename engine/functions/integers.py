"""Whole-number functions: GCD, LCM, FACTDOUBLE, COMBIN, COMBINA, MULTINOMIAL.

GCD, LCM and MULTINOMIAL take numbers and ranges: a logical, an empty cell or text there is
#VALUE! (numeric text typed as an argument is read), an error wins (the first one), then
a negative value or one of 2**53 and more is #NUM!; values are truncated.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special as sc

from ..values import NUM, VALUE, Grid, Kind, Vec, first_error, to_number, trials
from . import register
from ._args import iter_values, result
from .distributions import _define
from .math import atp_number, flag

Arg = Vec | Grid | None
_LIMIT = 2.0 ** 53


def whole_numbers(args: tuple[Arg, ...]) -> tuple[np.ndarray, np.ndarray | None, int]:
    """(values (n, k), error per trial, trials) following the rules above."""
    vals: list[Vec] = [a if a is not None else Vec(Kind.BLANK, np.zeros(1)) for a in args]
    cells = list(iter_values(vals))
    n = trials(*vals) if vals else 1
    out = np.zeros((n, len(cells)))
    err = None
    for j, (v, from_ref) in enumerate(cells):
        err = first_error(err, v.err)
        if v.kind in (Kind.BOOL, Kind.BLANK) or (from_ref and v.kind == Kind.STR):
            err = flag(err, np.ones(len(v.data), bool), VALUE)
            continue
        if v.kind == Kind.ANY:
            bad = np.array([x is None or isinstance(x, bool | np.bool_) or
                            (from_ref and isinstance(x, str)) for x in v.data])
            err = flag(err, bad, VALUE)
            v = Vec(Kind.ANY, np.where(bad, 0.0, v.data).astype(object), v.err)
        x, e = to_number(v)
        err = first_error(err, e)
        out[:, j] = x
    if cells:
        err = flag(err, ((out < 0) | (out >= _LIMIT)).any(axis=1), NUM)
    return np.trunc(out), err, n


def _fold(args: tuple[Arg, ...], op) -> Vec:
    x, err, n = whole_numbers(args)
    acc = np.zeros(n, dtype=np.int64) if op is np.gcd else np.ones(n, dtype=np.int64)
    safe = np.where(np.isfinite(x) & (x >= 0) & (x < _LIMIT), x, 0).astype(np.int64)
    over = np.zeros(n, bool)
    for j in range(x.shape[1]):
        if op is np.gcd:
            acc = np.gcd(acc, safe[:, j])
        else:
            nxt = np.array([math.lcm(int(a), int(b)) for a, b in zip(acc, safe[:, j], strict=True)],
                           dtype=object)
            over |= np.array([int(v) >= _LIMIT for v in nxt])
            acc = np.array([int(v) if int(v) < _LIMIT else 0 for v in nxt], dtype=np.int64)
    if not x.shape[1]:
        err = flag(err, np.ones(n, bool), VALUE)
    return result(acc.astype(np.float64), flag(err, over, NUM))


@register("GCD")
def gcd(*args: Arg) -> Vec:
    """Excel's GCD: the greatest common divisor of whole numbers (GCD(0) is 0)."""
    return _fold(args, np.gcd)


@register("LCM")
def lcm(*args: Arg) -> Vec:
    """Excel's LCM: the least common multiple of whole numbers (0 when one is 0)."""
    return _fold(args, np.lcm)


@register("MULTINOMIAL")
def multinomial(*args: Arg) -> Vec:
    """Excel's MULTINOMIAL: (a+b+...)! / (a! b! ...)."""
    x, err, n = whole_numbers(args)
    with np.errstate(all="ignore"):
        logv = sc.gammaln(x.sum(axis=1) + 1) - sc.gammaln(x + 1).sum(axis=1)
        v = np.round(np.exp(logv))
    return result(v, err)


@register("FACTDOUBLE")
def factdouble(number: Arg) -> Vec:
    """Excel's FACTDOUBLE: n!! = n(n-2)(n-4)...; -1 and 0 give 1, below -1 #NUM!."""
    x, err = atp_number(number)
    k = np.trunc(x)
    bad = (x < -1) | (k > 300)
    kk = np.where(bad, 0, np.maximum(k, 0)).astype(np.int64)
    out = np.array([float(math.prod(range(int(m), 0, -2))) if m > 0 else 1.0 for m in kk])
    return result(out, flag(err, bad, NUM))


def _combin(n, k):
    n, k = np.trunc(n), np.trunc(k)
    bad = (n < 0) | (k < 0) | (n < k)
    return np.round(sc.comb(np.where(bad, 1, n), np.where(bad, 0, k))), [(bad, NUM)]


def _combina(n, k):
    n, k = np.trunc(n), np.trunc(k)
    bad = (n < 0) | (k < 0) | ((n == 0) & (k > 0))
    return np.round(sc.comb(np.where(bad, 1, n + k - 1), np.where(bad, 0, k))), [(bad, NUM)]


_define(("COMBIN",), _combin, (None, None))
_define(("COMBINA",), _combina, (None, None))

__all__ = ["whole_numbers", "gcd", "lcm", "multinomial", "factdouble"]
