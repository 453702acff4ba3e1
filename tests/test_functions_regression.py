"""Paired statistics, hypothesis tests, shape statistics, FREQUENCY/PROB and counting
functions: Excel's documented examples (values as Excel shows them, to their digits)."""

from __future__ import annotations

import numpy as np
import pytest
from formula_checks import check, ev, scalar

DOC = [
    ("=CORREL({3,2,4,5,6},{9,7,12,15,17})", 0.997054486),
    ("=PEARSON({9,7,5,3,1},{10,6,1,5,3})", 0.699379),
    ("=RSQ({2,3,9,1,8,7,5},{6,5,11,7,5,4,4})", 0.05795),
    ("=SLOPE({2,3,9,1,8,7,5},{6,5,11,7,5,4,4})", 0.305556),
    ("=INTERCEPT({2,3,9,1,8},{6,5,11,7,5})", 0.0483871),
    ("=STEYX({2,3,9,1,8,7,5},{6,5,11,7,5,4,4})", 3.305719),
    ("=FORECAST(30,{6,7,9,15,21},{20,28,31,38,40})", 10.607253),
    ("=FORECAST.LINEAR(30,{6,7,9,15,21},{20,28,31,38,40})", 10.607253),
    ("=COVARIANCE.P({3,2,4,5,6},{9,7,12,15,17})", 5.2),
    ("=COVARIANCE.S({2,4,8},{5,11,12})", 9.666666667),
    ("=T.TEST({3,4,5,8,9,1,2,4,5},{6,19,3,2,14,4,5,17,1},2,1)", 0.196016),
    ("=Z.TEST({3,6,7,8,6,5,4,2,1,9},4)", 0.090574),
    ("=F.TEST({6,7,9,15,21},{20,28,31,38,40})", 0.648318),
    ("=CHISQ.TEST({58,35;11,25;10,23},{45.35,47.65;17.56,18.44;16.09,16.91})", 0.0003082),
    ("=KURT({3,4,5,2,3,4,5,6,4,7})", -0.151799637),
    ("=SKEW({3,4,5,2,3,4,5,6,4,7})", 0.359543071),
    ("=SKEW.P({3,4,5,2,3,4,5,6,4,7})", 0.303193339),
    ("=TRIMMEAN({4,5,6,7,2,3,4,5,1,2,3},0.2)", 3.777777778),
    ("=MODE.SNGL({5.6,4,4,3,2,4})", 4.0),
    ("=PERMUT(100,3)", 970200.0), ("=PERMUT(3,2)", 6.0), ("=PERMUTATIONA(3,2)", 9.0),
    ("=HYPGEOM.DIST(1,4,8,20,TRUE)", 0.4654), ("=HYPGEOM.DIST(1,4,8,20,FALSE)", 0.3633),
    ("=NEGBINOM.DIST(10,5,0.25,TRUE)", 0.3135141), ("=NEGBINOM.DIST(10,5,0.25,FALSE)", 0.05504866),
    ("=BINOM.DIST.RANGE(60,0.75,48)", 0.08397496), ("=BINOM.DIST.RANGE(60,0.75,45,50)", 0.5236297),
    ("=SQRTPI(1)", 1.772453851), ("=SQRTPI(2)", 2.506628275),
    ("=PROB({0,1,2,3},{0.2,0.3,0.1,0.4},2)", 0.1), ("=PROB({0,1,2,3},{0.2,0.3,0.1,0.4},1,3)", 0.8),
    ("=PERCENTOF({1,2},{1,2,3,4})", 0.3),
]


def _shown(x: float) -> float:
    """One unit of the last digit Excel's documentation shows for ``x`` (it truncates)."""
    mant = repr(abs(x)).split("e")[0]
    digits = len(mant.replace(".", "").lstrip("0"))
    return 10.0 ** (np.floor(np.log10(abs(x))) - digits + 1)


@pytest.mark.parametrize("formula,expected", DOC)
def test_documented_examples(formula, expected):
    got = scalar(formula)
    assert abs(got - expected) <= _shown(expected) * 1.001, (formula, got)


ERRORS = [
    ("=CORREL({1,2,3},{1,2})", "#N/A"),          # sizes differ, before anything else
    ("=CORREL({1,2},{3,3})", "#DIV/0!"),         # no spread
    ("=SLOPE({1},{2})", "#DIV/0!"), ("=STEYX({1,2},{3,4})", "#DIV/0!"),
    ("=KURT(1,2,3)", "#DIV/0!"), ("=SKEW(1,1,1)", "#DIV/0!"), ("=MODE.SNGL(1,2,3)", "#N/A"),
    ("=TRIMMEAN({1,2,3},1)", "#NUM!"), ("=PERMUT(2,3)", "#NUM!"), ("=PERMUTATIONA(-1,2)", "#NUM!"),
    ("=T.TEST({1,2,3},{4,5,6},3,1)", "#NUM!"), ("=T.TEST({1,2,3},{4,5},2,1)", "#N/A"),
    ("=T.TEST({1},{4,5,6},2,2)", "#DIV/0!"), ("=PROB({1,2},{0.5,0.6},1)", "#NUM!"),
    ("=PROB({1,2},{1},1)", "#N/A"), ("=PERCENTOF({1,2},{1,#N/A})", "#NUM!"),
    ("=PERCENTOF({1},{0})", "#DIV/0!"), ("=MODE.MULT(1,2,3)", "#N/A"), ("=HYPGEOM.DIST(5,4,8,20,TRUE)", "#NUM!"),
    ("=NEGBINOM.DIST(1,0,0.5,TRUE)", "#NUM!"), ("=SQRTPI(-1)", "#NUM!"),
]


@pytest.mark.parametrize("formula,expected", ERRORS)
def test_domain_errors(formula, expected):
    check(expected, scalar(formula))


def test_frequency_counts_in_the_order_the_bins_are_written():
    v = ev("=FREQUENCY({79,85,78,85,50,81,95,88,97},{70,79,89})")
    assert [c[0].scalar() for c in v.cells] == [1.0, 2.0, 4.0, 2.0]
    v = ev("=FREQUENCY({1,2,3,0,-1},{1,3;5,3})")   # the formulas project's row: bins 1,3,5,3
    assert [c[0].scalar() for c in v.cells] == [3.0, 2.0, 0.0, 0.0, 0.0]


def test_mode_mult_gives_every_mode_as_a_column():
    v = ev("=MODE.MULT({1,2,3,4,3,2,1,2,3})")   # Excel's documented example
    assert [c[0].scalar() for c in v.cells] == [2.0, 3.0]


def test_t_test_maps_tails_and_type_over_arrays():
    v = ev("=T.TEST({3,4,5,8,9,1,2,4,5},{6,19,3,2,14,4,5,17,1},{1;2},{1;1})")
    np.testing.assert_allclose([v.cells[0][0].scalar(), v.cells[1][0].scalar()],
                               [0.098008, 0.196016], rtol=1e-5)


def test_paired_statistics_vary_per_trial():
    y = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    inputs = {f"A{i + 1}": y[:, i] for i in range(3)}
    cells = {"A1": 0, "A2": 0, "A3": 0, "B1": 1, "B2": 2, "B3": 3}
    v = ev("=CORREL(A1:A3,B1:B3)", cells, inputs)
    np.testing.assert_allclose(v.data, [1.0, -1.0])
    v = ev("=FORECAST(4,A1:A3,B1:B3)", cells, inputs)
    np.testing.assert_allclose(v.data, [4.0, 0.0], atol=1e-12)
    v = ev("=KURT(A1:A3,B1:B3,7)", cells, inputs)
    np.testing.assert_allclose(v.data, [scalar("=KURT(1,2,3,1,2,3,7)")] * 2)


def _cells(formula: str) -> list[list[object]]:
    v = ev(formula)
    return [[c.scalar() for c in row] for row in v.cells] if hasattr(v, "cells") else [[v.scalar()]]


def test_linest_family_documented_examples():
    np.testing.assert_allclose(_cells("=LINEST({1,9,5,7},{0,4,2,3})"), [[2.0, 1.0]])
    np.testing.assert_allclose(_cells("=LINEST({3100;4500;4400;5400;7500;8100},{1;2;3;4;5;6})"),
                               [[1000.0, 2000.0]])
    trend = _cells("=TREND({133890;135000;135790;137300;138130;139100;139900;141120;141890;"
                   "143230;144000;145290},{1;2;3;4;5;6;7;8;9;10;11;12},{13;14;15;16;17})")
    np.testing.assert_allclose([r[0] for r in trend],
                               [146172, 147190, 148208, 149226, 150244], atol=0.5)
    growth = _cells("=GROWTH({33100;47300;69000;102000;150000;220000},{11;12;13;14;15;16},{17;18})")
    np.testing.assert_allclose([r[0] for r in growth], [320197, 468536], atol=0.5)
    logest = _cells("=LOGEST({33100;47300;69000;102000;150000;220000},{11;12;13;14;15;16},"
                    "TRUE,TRUE)")
    np.testing.assert_allclose(logest, [[1.463275628, 495.3047702], [0.002633403, 0.035834282],
                                        [0.99980862, 0.011016315], [20896.8011, 4.0],
                                        [2.536018803, 0.000485437]], rtol=1e-6)
    stats = _cells("=LINEST({2;3;4;21;2},{2,1;2,2;5,3;2,4;4,1},TRUE,TRUE)")
    assert [str(x) for x in (stats[2][2], stats[4][2])] == ["#N/A", "#N/A"]


@pytest.mark.parametrize("formula,expected", [
    ("=LINEST({0.2,0.3,5},{4,0.1,0.2},0,0)", 0.11401869158878508),  # formulas__test.xlsx
    ("=LINEST({1,2,3},{1,2})", "#REF!"), ('=LINEST({1,2,"a"})', "#VALUE!"),
    ("=LINEST({1,2,3},{1,2,3},#N/A)", "#VALUE!"), ("=GROWTH({1,-2,3})", "#NUM!"),
    ("=TREND({2;3;4;21;2},{2,1;2,2;5,3;2,4;4,1},{1,2,3})", "#REF!"),
])
def test_linest_family_errors(formula, expected):
    got = scalar(formula)
    if isinstance(expected, float):
        assert abs(got - expected) < 1e-12
    else:
        check(expected, got)


def test_linest_leaves_out_collinear_columns_as_excel():
    """pycel's stats workbook (Excel's cached values): constant x columns are left out (slope
    0, the intercept is the mean); a perfect fit has F #NUM! and zero errors."""
    got = _cells("=LINEST({1;2;3},{2,3;2,3;2,3},,TRUE)")
    assert got[0] == [0.0, 0.0, 2.0] and got[1] == [0.0, 0.0, 0.0]
    assert got[2][:2] == [1.0, 0.0] and str(got[3][0]) == "#NUM!" and got[4][:2] == [2.0, 0.0]
    perfect = _cells("=LINEST({1;2;3},{1;2;3},TRUE,TRUE)")
    assert str(perfect[3][0]) == "#NUM!" and perfect[1] == [0.0, 0.0]
