"""Interval bounds of the numba generator (engine/backends/numba/_intervals.py): + and - are
one correctly rounded operation each, so their corners are exact bounds (1 + [0, 3] is at
least 1: TRUNC of it at least 1, calebjgartner's SEQUENCE positions never 0); * keeps its
widening (a product a compiler contracts into a fused multiply-add stays inside it)."""

from __future__ import annotations

import math

from engine.backends.numba import _intervals as iv


def test_sums_and_differences_are_not_widened():
    assert iv.add(iv.point(1.0), (0.0, 3.0)) == (1.0, 4.0)
    assert iv.sub((5.0, 7.0), iv.point(2.0)) == (3.0, 5.0)
    lo, hi = iv.add((0.1, 0.2), (0.2, 0.3))
    assert lo == 0.1 + 0.2 and hi == 0.2 + 0.3   # the float sums themselves
    assert math.trunc(iv.add(iv.point(1.0), iv.mul(iv.point(1.0), (0.0, 9.0)))[0]) == 1


def test_products_stay_widened_and_huge_bounds_unknown():
    lo, hi = iv.mul((2.0, 3.0), (4.0, 5.0))
    assert lo < 8.0 and hi > 15.0
    assert iv.add((0.0, 9e299), (0.0, 9e299)) == iv.UNKNOWN
