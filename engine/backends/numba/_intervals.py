"""Interval bounds of per-trial values, so the generator can leave out checks that never fire.

An interval is a pair ``(lo, hi)`` that holds the value of every trial *in which the value is
not an error*; ``UNKNOWN`` when nothing is known.  Inputs are bounded (inverse CDFs of
uniforms in (0, 1]), constants are points, and arithmetic on bounded intervals stays bounded,
so in a typical model most results are provably finite and most denominators provably
non-zero: the kernel then computes no #NUM!/#DIV/0! test for them.

Bounds are computed with the same floating-point operations as the kernel (rounding is
monotone, so the bounds of +, -, * and / hold exactly) and widened after every operation by a
relative 1e-9, far more than the last-bit differences between libm and numpy functions; a
bound beyond ±1e300 counts as unbounded, so "bounded" always means "finite in every trial".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

Interval = tuple[float, float]
UNKNOWN: Interval = (-math.inf, math.inf)
_LIMIT = 1e300
_REL = 1e-9


def bounded(iv: Interval) -> bool:
    return math.isfinite(iv[0]) and math.isfinite(iv[1])


def point(x: float) -> Interval:
    return (x, x) if math.isfinite(x) and abs(x) < _LIMIT else UNKNOWN


def make(lo: float, hi: float, widen: bool = True) -> Interval:
    """(lo, hi) widened outwards (``widen``); UNKNOWN if not finite or too large."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        return UNKNOWN
    lo2 = lo - abs(lo) * _REL if widen else lo
    hi2 = hi + abs(hi) * _REL if widen else hi
    if lo2 < -_LIMIT or hi2 > _LIMIT:
        return UNKNOWN
    return lo2, hi2


def _corners(f: Callable[[float, float], float], a: Interval, b: Interval,
             widen: bool = True) -> Interval:
    if not (bounded(a) and bounded(b)):
        return UNKNOWN
    try:
        xs = [f(x, y) for x in a for y in b]
    except (OverflowError, ZeroDivisionError, ValueError):
        return UNKNOWN
    if any(math.isnan(x) for x in xs):
        return UNKNOWN
    return make(min(xs), max(xs), widen)


def add(a: Interval, b: Interval) -> Interval:
    """One correctly rounded operation, monotone in each operand: its corners are its exact
    bounds, not widened (1 + [0, 3] is at least 1, so TRUNC of it at least 1).  A product
    that a compiler contracts into it (a fused multiply-add) lies within the product's
    widened bounds."""
    return _corners(lambda x, y: x + y, a, b, widen=False)


def sub(a: Interval, b: Interval) -> Interval:
    """As :func:`add`."""
    return _corners(lambda x, y: x - y, a, b, widen=False)


def mul(a: Interval, b: Interval) -> Interval:
    return _corners(lambda x, y: x * y, a, b)


def excludes_zero(a: Interval) -> bool:
    return bounded(a) and (a[0] > 0.0 or a[1] < 0.0)


def div(a: Interval, b: Interval) -> Interval:
    if not excludes_zero(b):
        return UNKNOWN
    return _corners(lambda x, y: x / y, a, b)


def integer_point(a: Interval) -> int | None:
    """The value of a point interval holding an integer (an exponent literal), else None."""
    lo, hi = a
    if lo == hi and math.isfinite(lo) and float(lo).is_integer() and abs(lo) < 1e6:
        return int(lo)
    return None


def power(a: Interval, b: Interval) -> Interval:
    """x ** y: corners when the base is positive (x ** y is monotone in each argument there);
    a whole positive exponent for any base."""
    if not (bounded(a) and bounded(b)):
        return UNKNOWN
    if a[0] > 0.0:
        return _corners(math.pow, a, b)
    k = integer_point(b)
    if k is None or k < 1:
        return UNKNOWN
    try:
        ends = [math.pow(a[0], k), math.pow(a[1], k)]
    except OverflowError:
        return UNKNOWN
    lo, hi = min(ends), max(ends)
    if k % 2 == 0 and a[0] < 0.0 < a[1]:
        lo = 0.0
    return make(lo, hi)


def neg(a: Interval) -> Interval:
    return (-a[1], -a[0])


def union(items: Iterable[Interval]) -> Interval:
    items = list(items)
    if not items or not all(bounded(i) for i in items):
        return UNKNOWN
    return min(i[0] for i in items), max(i[1] for i in items)


def total(items: Iterable[Interval]) -> Interval:
    acc: Interval = (0.0, 0.0)
    for i in items:
        acc = add(acc, i)
    return acc


def monotone(f: Callable[[float], float], a: Interval, increasing: bool = True) -> Interval:
    if not bounded(a):
        return UNKNOWN
    try:
        lo, hi = f(a[0]), f(a[1])
    except (OverflowError, ValueError):
        return UNKNOWN
    return make(lo, hi) if increasing else make(hi, lo)


def magnitude(a: Interval) -> float:
    return max(abs(a[0]), abs(a[1]))


def absolute(a: Interval) -> Interval:
    if not bounded(a):
        return UNKNOWN
    lo = 0.0 if a[0] <= 0.0 <= a[1] else min(abs(a[0]), abs(a[1]))
    return lo, magnitude(a)
