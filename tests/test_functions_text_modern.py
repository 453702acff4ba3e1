"""Newer text functions, numerals and matrices: Excel's documented examples and the values
Excel cached in formulas__test.xlsx (TEXT and MATH & TRIG sheets)."""

from __future__ import annotations

import numpy as np
import pytest
from formula_checks import check, ev, scalar

CASES = [
    # TEXTBEFORE / TEXTAFTER (documentation; the suite's {"3","4"} row)
    ('=TEXTBEFORE("Little Red Riding Hood\'s red hood","Red")', "Little "),
    ('=TEXTBEFORE("Little Red Riding Hood\'s red hood","red",-2)', "#N/A"),
    ('=TEXTBEFORE("Little Red Riding Hood\'s red hood","red",-2,1)', "Little "),
    ('=TEXTAFTER("Little Red Riding Hood\'s red hood","hood",1)', ""),
    ('=TEXTAFTER("Little Red Riding Hood\'s red hood","HOOD",1,1)', "'s red hood"),
    ('=TEXTBEFORE("1,2,3,4,5,6,7,8",{"3","4"},2.3)', "1,2,3,"),
    ('=TEXTBEFORE("1,2,3,4,5,6,7,8",{"3","4"},-1)', "1,2,3,"),
    ('=TEXTAFTER("1,2,3,4,5,6,7,8",{"3","4"},10)', "#N/A"),
    ('=TEXTAFTER("1,2,3,4,5,6,7,8",{"3","4"},0)', "#VALUE!"),
    ('=TEXTAFTER("1,2,3,4,5,6,7,8",{"3","4"},1,10)', "#VALUE!"),
    ('=TEXTAFTER("abc","z",1,0,0,"none")', "none"), ('=TEXTAFTER("abc","z",1,0,1)', ""),
    # regular expressions
    ('=REGEXTEST("ciao","^ciaO$",1)', True), ('=REGEXTEST("ciao","^ciaO$")', False),
    ('=REGEXTEST(1.9,1.9)', True), ('=REGEXTEST("x","a",2)', "#VALUE!"),
    ('=REGEXEXTRACT("DylanWilliams","[A-Z][a-z]+")', "Dylan"),
    ('=REGEXEXTRACT(0,"^\\d+$")', "0"), ('=REGEXEXTRACT(1.9,"^\\d+$")', "#N/A"),
    ('=REGEXEXTRACT("Sonia Rees (378) 555-4197","[0-9()]+ [0-9-]+",2)', "#VALUE!"),
    ('=REGEXREPLACE("Sonia Brown","([A-Z][a-z]+) ([A-Z][a-z]+)","$2, $1")', "Brown, Sonia"),
    ('=REGEXREPLACE("ab12","\\d","x",-1)', "ab1x"), ('=REGEXREPLACE(10,"^\\d+$",TRUE)', "TRUE"),
    # values as text
    ('=VALUETOTEXT("ciao",1)', '"ciao"'), ('=VALUETOTEXT(1.9,"0")', "1.9"),
    ('=VALUETOTEXT(TRUE,0)', "TRUE"), ('=VALUETOTEXT(1,2)', "#VALUE!"),
    ('=ARRAYTOTEXT({1,"a";TRUE,2},1)', '{1,"a";TRUE,2}'), ('=ARRAYTOTEXT({1,"a";TRUE,2})', "1, a, TRUE, 2"),
    # NUMBERVALUE (the suite's cached values)
    ('=NUMBERVALUE("2.500,27",",",".")', 2500.27), ('=NUMBERVALUE("3.5%")', 0.035),
    ('=NUMBERVALUE("(2.500,27)",",",".")', -2500.27), ('=NUMBERVALUE("(2,500.27)",",",".")', "#VALUE!"),
    ('=NUMBERVALUE("(2,500.27%)%",".",",.,")', -0.250027),
    ('=NUMBERVALUE("(,25,,0,0.27E + 6%)%",".",",.,")', -250027.0),
    ('=NUMBERVALUE("(2500,27E+6%)%",",")', -250027.0), ('=NUMBERVALUE("(-2500.27E+2%)%",".",",.,")', "#VALUE!"),
    ('=NUMBERVALUE(TRUE)', "#VALUE!"), ('=NUMBERVALUE("")', 0.0),
    # FIXED
    ("=FIXED(1234.567,1)", "1,234.6"), ("=FIXED(1234.567,-1)", "1,230"),
    ("=FIXED(-1234.567,-1,TRUE)", "-1230"), ("=FIXED(44.332)", "44.33"),
    ('=FIXED("123456789076754345682.2121234567832131341",0)', "123,456,789,076,754,000,000"),
    ("=FIXED(1,128)", "#VALUE!"), ("=FIXED(TRUE)", "1.00"), ('=FIXED(1,2,"1")', "#VALUE!"),
    # numerals
    ("=ROMAN(499)", "CDXCIX"), ("=ROMAN(499,1)", "LDVLIV"), ("=ROMAN(999.9,2)", "XMIX"),
    ("=ROMAN(999.9,3)", "VMIV"), ("=ROMAN(999.9,4)", "IM"), ("=ROMAN(999.9,TRUE)", "CMXCIX"),
    ("=ROMAN(4000)", "#VALUE!"), ("=ROMAN(0)", ""), ('=ARABIC("LVII")', 57.0),
    ('=ARABIC("mcmxii")', 1912.0), ('=ARABIC("-IL")', -49.0), ('=ARABIC("IIIIIIV")', -1.0),
    ('=ARABIC("IILmIIC")', 1046.0), ('=ARABIC("Vh")', "#VALUE!"), ("=ARABIC(TRUE)", "#VALUE!"),
    ('=DECIMAL("FF",16)', 255.0), ('=DECIMAL("zap",36)', 45745.0), ('=DECIMAL(111,2.5)', 7.0),
    ('=DECIMAL(113,2)', "#NUM!"), ('=DECIMAL("FF",15)', "#NUM!"), ('=DECIMAL("FF",37)', "#NUM!"),
    ("=BASE(7,2)", "111"), ("=BASE(100,16)", "64"), ("=BASE(15,2,10)", "0000001111"),
    ("=BASE(-1,2)", "#NUM!"),
    # matrices
    ("=MDETERM({1,3,8,5;1,3,6,1;1,1,1,0;7,3,10,2})", 88.0), ("=MDETERM({3,6;1,1})", -3.0),
    ("=MDETERM({1,2})", "#VALUE!"), ("=MINVERSE({1,2;2,4})", "#NUM!"),
    ("=MUNIT(0)", "#VALUE!"),
]


@pytest.mark.parametrize("formula,expected", CASES)
def test_documented_and_cached(formula, expected):
    got = scalar(formula)
    if isinstance(expected, float):
        assert abs(got - expected) <= 1e-9 * max(1.0, abs(expected)), (formula, got)
    else:
        check(expected, got)


def grid(formula: str, cells: dict | None = None) -> list[list[object]]:
    v = ev(formula, cells)
    return [[c.scalar() for c in row] for row in v.cells]


def test_array_results():
    assert grid('=TEXTSPLIT("a,b;c,d",",",";")') == [["a", "b"], ["c", "d"]]
    assert grid('=TEXTSPLIT("a,b,,c",",",,TRUE)') == [["a", "b", "c"]]
    assert [[str(x) for x in r] for r in grid('=TEXTSPLIT("a,b;c",",",";")')] == \
        [["a", "b"], ["c", "#N/A"]]
    assert grid('=REGEXEXTRACT("a1b22c333","\\d+",1)') == [["1"], ["22"], ["333"]]
    assert grid("=MMULT({1,3;7,2},{2,0;0,2})") == [[2.0, 6.0], [14.0, 4.0]]
    np.testing.assert_allclose(grid("=MINVERSE({4,-1;2,0})"), [[0.0, 0.5], [-1.0, 2.0]])
    assert grid("=MUNIT(2.3)") == [[1.0, 0.0], [0.0, 1.0]]


def test_text_functions_vary_per_trial():
    v = ev('=TEXTAFTER(A1,"-")', {"A1": "x"},
           {"A1": np.array(["a-b", "c-d-e", "none"], dtype=object)})
    assert [str(v.scalar(i)) for i in range(3)] == ["b", "d-e", "#N/A"]
    v = ev("=MDETERM(A1:B2)", {"A1": 1, "B1": 0, "A2": 0, "B2": 1},
           {"A1": np.array([1.0, 2.0, 3.0])})
    np.testing.assert_allclose(v.data, [1.0, 2.0, 3.0])
