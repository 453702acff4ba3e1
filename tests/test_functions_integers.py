"""GCD, LCM, MULTINOMIAL, FACTDOUBLE, COMBIN, COMBINA and AND/OR with text arguments:
Excel's documented examples and the values Excel cached in formulas__test.xlsx."""

from __future__ import annotations

import numpy as np
import pytest
from formula_checks import check, ev, scalar

CASES = [
    ("=GCD(5,2)", 1), ("=GCD(24,36)", 12), ("=GCD(7,1)", 1), ("=GCD(5,0)", 5), ("=GCD(0)", 0),
    ("=GCD(5.7)", 5), ("=GCD(15.7,63)", 3), ("=GCD(-0.4)", "#NUM!"), ("=GCD(TRUE)", "#VALUE!"),
    ("=GCD(-0.4,TRUE)", "#VALUE!"), ('=GCD("6",4)', 2), ("=GCD({0,5.7,15.7,63})", 1),
    ("=LCM(5,2)", 10), ("=LCM(24,36)", 72), ("=LCM(15.7,63)", 315), ("=LCM(0,63,15)", 0),
    ("=LCM(-1)", "#NUM!"), ("=MULTINOMIAL(2,3,4)", 1260),
    ("=FACTDOUBLE(6)", 48), ("=FACTDOUBLE(7)", 105), ("=FACTDOUBLE(-1)", 1),
    ("=FACTDOUBLE(-1.1)", "#NUM!"), ('=FACTDOUBLE("2.3")', 2), ("=FACTDOUBLE(TRUE)", "#VALUE!"),
    ("=COMBIN(8,2)", 28), ("=COMBIN(2,3)", "#NUM!"), ("=COMBINA(4,3)", 20),
    ("=COMBINA(10,3)", 220),
    # AND/OR/XOR: text typed as an argument counts only as "TRUE"/"FALSE" (formulas__test.xlsx)
    ('=AND(TRUE,"0")', True), ('=AND(TRUE,"0",#REF!)', "#REF!"), ('=XOR(TRUE,"0",#REF!)', "#REF!"),
    ('=AND("a")', "#VALUE!"), ('=AND(TRUE,"false")', False), ('=OR("TRUE")', True),
]


@pytest.mark.parametrize("formula,expected", CASES)
def test_cases(formula, expected):
    check(expected, scalar(formula))


def test_gcd_varies_per_trial():
    v = ev("=GCD(A1,12)", {"A1": 0}, {"A1": np.array([8.0, 9.0, -1.0])})
    assert [str(v.scalar(i)) for i in range(3)] == ["4.0", "3.0", "#NUM!"]
