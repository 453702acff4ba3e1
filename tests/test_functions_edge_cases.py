"""Excel's own rules at the edges: each function's domain errors as Excel's documentation
states them (table-driven), the coercion every logical flag argument shares, comparisons at
15 significant digits, and the newer financial and reference functions (RRI, FVSCHEDULE,
EFFECT, NOMINAL, PDURATION, ISPMT, ADDRESS).

NPV of flows that cancel (Excel 6e-12, here -2e-15) is a near-zero cancellation, not a wrong
value: check compares it with a tolerance relative to the size of the terms."""

from __future__ import annotations

import numpy as np
import pytest
from formula_checks import check, ev, scalar

from engine.values import COMPARISON_RULE

DOMAIN = [
    # annuities: a rate of -1 (issue 12.11)
    ("=PMT(-1,10,100)", "#NUM!"), ("=PV(-1,10,100)", "#NUM!"), ("=FV(-1,10,100)", "#NUM!"),
    ("=NPER(-1,10,100)", "#NUM!"), ("=PMT(0.1,0,100)", "#NUM!"),
    # IRR: no sign change, no convergence
    ("=IRR({1,2,3})", "#NUM!"), ("=IRR({-1,-2,-3})", "#NUM!"), ("=RATE(10,100,100)", "#NUM!"),
    # inverse distributions: a probability at a bound
    ("=BETA.INV(0,2,3)", "#NUM!"), ("=BETA.INV(1,2,3,1,5)", 5.0), ("=BETA.INV(1.1,2,3)", "#NUM!"),
    ("=NORM.INV(0,0,1)", "#NUM!"), ("=NORM.INV(1,0,1)", "#NUM!"), ("=NORM.S.INV(0)", "#NUM!"),
    ("=LOGNORM.INV(0,0,1)", "#NUM!"), ("=LOGNORM.INV(1,0,1)", "#NUM!"),
    ("=GAMMA.INV(0,2,3)", 0.0), ("=GAMMA.INV(-0.1,2,3)", "#NUM!"), ("=T.INV(0,5)", "#NUM!"),
    ("=CHISQ.INV(0,3)", 0.0), ("=F.INV(0,2,3)", 0.0), ("=NORM.INV(0.5,0,0)", "#NUM!"),
    # distributions: parameters out of range
    ("=NORM.DIST(1,0,0,TRUE)", "#NUM!"), ("=BINOM.DIST(5,3,0.5,TRUE)", "#NUM!"),
    ("=POISSON.DIST(-1,2,TRUE)", "#NUM!"), ("=EXPON.DIST(-1,2,TRUE)", "#NUM!"),
    ("=WEIBULL.DIST(1,0,1,TRUE)", "#NUM!"), ("=T.DIST(1,0,TRUE)", "#NUM!"),
    ("=CHISQ.DIST(-1,2,TRUE)", "#NUM!"),
    # math
    ("=LOG(0)", "#NUM!"), ("=LOG(-1)", "#NUM!"), ("=LOG(10,1)", "#DIV/0!"), ("=LN(0)", "#NUM!"),
    ("=SQRT(-1)", "#NUM!"), ("=MOD(3,0)", "#DIV/0!"), ("=QUOTIENT(1,0)", "#DIV/0!"),
    ("=FACT(-1)", "#NUM!"), ("=ACOS(2)", "#NUM!"), ("=POWER(0,0)", "#NUM!"),
    ("=POWER(0,-1)", "#DIV/0!"), ("=VAR.S(1)", "#DIV/0!"), ("=AVERAGE(\"x\")", "#VALUE!"),
    # rates
    ("=RRI(0,100,200)", "#NUM!"), ("=EFFECT(-0.1,4)", "#NUM!"), ("=NOMINAL(0.05,0.5)", "#NUM!"),
    ("=PDURATION(0,100,200)", "#NUM!"), ("=ISPMT(0.1,1,0,100)", "#DIV/0!"),
    ("=EFFECT(TRUE,4)", "#VALUE!"), ('=FVSCHEDULE(1,{0.1,"x"})', "#VALUE!"),
    ("=ADDRESS(0,1)", "#VALUE!"), ("=ADDRESS(1,1,5)", "#VALUE!"),
]


@pytest.mark.parametrize("formula,expected", DOMAIN)
def test_domain_errors(formula, expected):
    check(expected, scalar(formula))


DOCUMENTED = [
    ("=RRI(96,10000,11000)", 0.0009933), ("=FVSCHEDULE(1,{0.09,0.11,0.1})", 1.33089),
    ("=EFFECT(0.0525,4)", 0.05354267), ("=NOMINAL(0.053543,4)", 0.05250032),
    ("=PDURATION(0.025,2000,2200)", 3.86), ("=PDURATION(0.025/12,1000,1200)", 87.6),
    ("=ISPMT(0.1/12,1,36,8000000)", -64814.8148),
]


@pytest.mark.parametrize("formula,expected", DOCUMENTED)
def test_rates_documented(formula, expected):
    got = scalar(formula)
    assert abs(got - expected) <= 1e-4 * abs(expected), (formula, got)


@pytest.mark.parametrize("formula,expected", [
    ("=ADDRESS(2,3)", "$C$2"), ("=ADDRESS(2,3,2)", "C$2"), ("=ADDRESS(2,3,2,FALSE)", "R2C[3]"),
    ('=ADDRESS(2,3,1,FALSE,"[Book1]Sheet1")', "'[Book1]Sheet1'!R2C3"),
    ('=ADDRESS(2,3,1,FALSE,"EXCEL SHEET")', "'EXCEL SHEET'!R2C3"),
    ("=ADDRESS(1.1,3,4,4.1,\"\")", "!C1"), ("=ADDRESS(3,4,4,FALSE)", "R[3]C[4]"),
    ("=ADDRESS(1,16384)", "$XFD$1"),
])
def test_address(formula, expected):
    check(expected, scalar(formula))


FLAGS = [  # every logical flag argument: any non-zero number is TRUE, text TRUE/FALSE
    ("NORM.DIST(1,0,1,{})", 0.8413447460685429, 0.24197072451914337),
    ("NORM.S.DIST(1,{})", 0.8413447460685429, 0.24197072451914337),
    ("LOGNORM.DIST(2,0,1,{})", 0.7558914042144173, 0.15687401927898113),
    ("EXPON.DIST(1,2,{})", 0.8646647167633873, 0.2706705664732254),
    ("POISSON.DIST(2,3,{})", 0.42319008112684353, 0.22404180765538775),
    ("HYPGEOM.DIST(1,4,8,20,{})", 0.46542827657378744, 0.3632610939112487),
]


@pytest.mark.parametrize("call,cum,pdf", FLAGS)
@pytest.mark.parametrize("flag,cumulative", [("TRUE", True), ("-1", True), ("0.5", True),
                                             ('"TRUE"', True), ('"false"', False),
                                             ("FALSE", False), ("0", False), ("-A1", True)])
def test_flag_coercion(call, cum, pdf, flag, cumulative):
    got = scalar("=" + call.format(flag), {"A1": 2})
    assert abs(got - (cum if cumulative else pdf)) <= 1e-12, (call, flag, got)


def test_flag_text_that_is_not_a_logical_is_value_error():
    check("#VALUE!", scalar('=NORM.DIST(1,0,1,"x")'))


def test_flag_varies_per_trial():
    v = ev("=NORM.S.DIST(1,A1)", {"A1": 0}, {"A1": np.array([0.0, -1.0, 3.0])})
    np.testing.assert_allclose(v.data, [0.24197072451914337, 0.8413447460685429,
                                        0.8413447460685429])


@pytest.mark.parametrize("formula,expected", [
    ("=0.1+0.2=0.3", True), ("=0.1+0.2<>0.3", False), ("=0.1+0.2>0.3", False),
    ("=0.1+0.2<=0.3", True), ("=5723.7300000000005=5723.73", True),
    ("=1=1.0000000000001", False), ("=1<1.0000000000001", True),  # 14 digits apart: ordered
    ("=(0.1+0.2)-0.3=0", False),  # Excel keeps the 5.55E-17 of the subtraction
    ("=1E+300*10=1E+301", True), ("=A1=0", True), ('="a"<1', False),
])
def test_comparisons_at_15_digits(formula, expected):
    assert scalar(formula, {"B1": 1}) is expected


def test_comparison_rule_is_written_down_and_per_trial():
    assert "15 significant digits" in COMPARISON_RULE
    x = np.array([0.1, 0.2, 0.30000000000000004])
    v = ev("=A1+0=0.3", {"A1": 0}, {"A1": x})
    assert v.data.tolist() == [False, False, True]


@pytest.mark.parametrize("formula,expected", [
    ('=SUM("2020-01-31",1)', 43862.0), ('=AVERAGE(1,"1/2/2020")', 21916.5),
    ('=NORM.DIST("29/02/1900",60,1,TRUE)', 0.5),   # formulas__test.xlsx: a d/m/y date typed
    ('=SUM("x")', "#VALUE!"), ('=SQRT("2020-01-31")', 209.43017929610812),  # serial 43861
])
def test_dates_typed_as_text_are_numbers(formula, expected):
    got = scalar(formula)
    if isinstance(expected, float):
        assert abs(got - expected) < 1e-9 * expected
    else:
        check(expected, got)
