"""Coupon, bond, discounted-security and Treasury-bill functions: Excel's documented
examples."""

from __future__ import annotations

import pytest
from formula_checks import check, scalar

CASES = [
    ("=COUPDAYBS(DATE(2011,1,25),DATE(2011,11,15),2,1)", 71.0),
    ("=COUPDAYS(DATE(2011,1,25),DATE(2011,11,15),2,1)", 181.0),
    ("=COUPDAYSNC(DATE(2011,1,25),DATE(2011,11,15),2,1)", 110.0),
    ("=COUPNCD(DATE(2011,1,25),DATE(2011,11,15),2,1)", 40678.0),
    ("=COUPNUM(DATE(2007,1,25),DATE(2008,11,15),2,1)", 4.0),
    ("=COUPPCD(DATE(2011,1,25),DATE(2011,11,15),2,1)", 40497.0),
    ("=PRICE(DATE(2008,2,15),DATE(2017,11,15),0.0575,0.065,100,2,0)", 94.63436),
    ("=YIELD(DATE(2008,2,15),DATE(2016,11,15),0.0575,95.04287,100,2,0)", 0.065),
    ("=DURATION(DATE(2018,7,1),DATE(2048,1,1),0.08,0.09,2,1)", 10.9191453),
    ("=MDURATION(DATE(2008,1,1),DATE(2016,1,1),0.08,0.09,2,1)", 5.73567),
    ("=TBILLPRICE(DATE(2008,3,31),DATE(2008,6,1),0.09)", 98.45),
    ("=TBILLYIELD(DATE(2008,3,31),DATE(2008,6,1),98.45)", 0.0914),
    ("=TBILLEQ(DATE(2008,3,31),DATE(2008,6,1),0.0914)", 0.0942),
    ("=INTRATE(DATE(2008,2,15),DATE(2008,5,15),1000000,1014420,2)", 0.05768),
    ("=RECEIVED(DATE(2008,2,15),DATE(2008,5,15),1000000,0.0575,2)", 1014584.654),
    ("=PRICEDISC(DATE(2008,2,16),DATE(2008,3,1),0.0525,100,2)", 99.79583),
    ("=YIELDDISC(DATE(2008,2,16),DATE(2008,3,1),99.795,100,2)", 0.052823),
    ("=ACCRINTM(DATE(2008,4,1),DATE(2008,6,15),0.1,1000,3)", 20.54794521),
    ("=DISC(DATE(2018,7,1),DATE(2048,1,1),97.975,100,1)", 0.000686),
    # domain errors
    ("=COUPNUM(DATE(2011,1,25),DATE(2011,1,1),2,1)", "#NUM!"),
    ("=PRICE(DATE(2008,2,15),DATE(2017,11,15),0.0575,0.065,100,3,0)", "#NUM!"),
    ("=PRICE(DATE(2008,2,15),DATE(2017,11,15),0.0575,0.065,100,2,5)", "#NUM!"),
    ("=TBILLPRICE(DATE(2008,3,31),DATE(2009,6,1),0.09)", "#NUM!"),
    ("=DISC(DATE(2018,7,1),DATE(2048,1,1),TRUE,100,1)", "#VALUE!"),
]


@pytest.mark.parametrize("formula,expected", CASES)
def test_documented(formula, expected):
    got = scalar(formula)
    if isinstance(expected, float):
        digits = len(repr(expected).split(".")[1].lstrip("0")) if "." in repr(expected) else 0
        assert abs(got - expected) <= max(abs(expected) * 10.0 ** -(digits - 1), 1e-9), (formula, got)
    else:
        check(expected, got)
