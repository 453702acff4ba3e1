"""MIRR, SYD, DOLLARDE/DOLLARFR, DAYS360, NETWORKDAYS.INTL, WORKDAY.INTL, the paired sums,
SERIESSUM, DOLLAR and HYPERLINK: Excel's documented examples."""

from __future__ import annotations

import numpy as np
import pytest
from formula_checks import check, ev, scalar

CASES = [
    ("=MIRR({-120000,39000,30000,21000,37000,46000},0.1,0.12)", 0.126094130),
    ("=MIRR({-120000,39000,30000,21000},0.1,0.12)", -0.048044655),
    ("=MIRR({-120000,39000,30000,21000,37000,46000},0.1,0.14)", 0.134759111),
    ("=MIRR({1,2},0.1,0.1)", "#DIV/0!"),
    ("=SYD(30000,7500,10,1)", 4090.909091), ("=SYD(30000,7500,10,10)", 409.0909091),
    ("=SYD(30000,7500,10,11)", "#NUM!"),
    ("=DOLLARDE(1.02,16)", 1.125), ("=DOLLARDE(1.1,32)", 1.3125), ("=DOLLARFR(1.125,16)", 1.02),
    ("=DOLLARFR(1.125,32)", 1.04), ("=DOLLARDE(1.02,0)", "#DIV/0!"), ("=DOLLARDE(1.02,-1)", "#NUM!"),
    ("=DAYS360(DATE(2011,1,30),DATE(2011,12,31))", 330), ('=DAYS360("1/1/2011","1/31/2011")', 30),
    ('=DAYS360("1/30/2011","1/31/2011")', 0), ('=DAYS360("2/28/2011","3/31/2011",TRUE)', 32),
    ("=NETWORKDAYS.INTL(DATE(2006,1,1),DATE(2006,1,31))", 22),
    ("=NETWORKDAYS.INTL(DATE(2006,2,28),DATE(2006,1,31))", -21),
    ('=NETWORKDAYS.INTL(DATE(2006,1,1),DATE(2006,2,1),7,{"2006/1/2","2006/1/16"})', 22),
    ('=NETWORKDAYS.INTL(DATE(2006,1,1),DATE(2006,2,1),"0010001",{"2006/1/2","2006/1/16"})', 20),
    ("=WORKDAY.INTL(DATE(2012,1,1),30,0)", "#NUM!"), ("=WORKDAY.INTL(DATE(2012,1,1),90,11)", 41013),
    ("=WORKDAY.INTL(DATE(2012,1,1),30,17)", 40944), ('=WORKDAY.INTL(DATE(2012,1,1),1,"1111111")', "#VALUE!"),
    ("=SUMX2MY2({2,3,9,1,8,7,5},{6,5,11,7,5,4,4})", -55), ("=SUMX2PY2({2,3,9,1,8,7,5},{6,5,11,7,5,4,4})", 521),
    ("=SUMXMY2({2,3,9,1,8,7,5},{6,5,11,7,5,4,4})", 79), ("=SUMXMY2({1,2},{1})", "#N/A"),
    ("=SERIESSUM(PI()/4,0,2,{1,-0.5,0.041666667,-0.001388889})", 0.707103215),
    ("=DOLLAR(1234.567,2)", "$1,234.57"), ("=DOLLAR(1234.567,-2)", "$1,200"),
    ("=DOLLAR(-1234.567,-2)", "($1,200)"), ("=DOLLAR(-0.123,4)", "($0.1230)"), ("=DOLLAR(99.888)", "$99.89"),
    ('=HYPERLINK("http://example.com","Click")', "Click"), ('=HYPERLINK("http://example.com")', "http://example.com"),
]


@pytest.mark.parametrize("formula,expected", CASES)
def test_documented(formula, expected):
    got = scalar(formula)
    if isinstance(expected, float):
        assert abs(got - expected) <= 1e-9 * max(1.0, abs(expected)) + 5e-10, (formula, got)
    else:
        check(expected, got)


def test_mirr_varies_per_trial():
    cells = {"A1": -100, "A2": 60, "A3": 60}
    v = ev("=MIRR(A1:A3,0.1,0.1)", cells, {"A2": np.array([60.0, 70.0])})
    expected = [(60 * 1.1 + 60) / 100, (70 * 1.1 + 60) / 100]
    np.testing.assert_allclose(v.data, np.sqrt(expected) - 1)
