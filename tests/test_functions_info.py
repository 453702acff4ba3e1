"""engine.functions.info: the IS functions, NA, N, T, ERROR.TYPE, TYPE."""

from __future__ import annotations

import numpy as np
import pytest

from engine.check import same_value
from engine.functions import function_named
from engine.functions.fallback import pycel_function
from engine.model import Model
from engine.values import NA, VALUE, ExcelError, Grid, Kind, Vec, from_scalars

E = ExcelError

# one row of Excel's function matrix (formulas__test.xlsx, INFORMATION): the inputs, and Excel's
# cached value of each function of each input
ROW = [0, 1, 2.3, 10, -1, None, "ciao", True, "#VALUE!", "#N/A", "#DIV/0!", "#NAME?", "#NULL!",
       "#NUM!", "#REF!"]
COLS = "ABCDEFGHIJKLMNO"
T, F = True, False
MATRIX = {
    "ISBLANK": [F, F, F, F, F, T, F, F, F, F, F, F, F, F, F],
    "ISERR": [F, F, F, F, F, F, F, F, T, F, T, T, T, T, T],
    "ISERROR": [F, F, F, F, F, F, F, F, T, T, T, T, T, T, T],
    "ISLOGICAL": [F, F, F, F, F, F, F, T, F, F, F, F, F, F, F],
    "ISNA": [F, F, F, F, F, F, F, F, F, T, F, F, F, F, F],
    "ISNONTEXT": [T, T, T, T, T, T, F, T, T, T, T, T, T, T, T],
    "ISNUMBER": [T, T, T, T, T, F, F, F, F, F, F, F, F, F, F],
    "ISTEXT": [F, F, F, F, F, F, T, F, F, F, F, F, F, F, F],
    "ISEVEN": [T, F, T, T, F, T, E("#VALUE!"), E("#VALUE!"), E("#VALUE!"), E("#N/A"),
               E("#DIV/0!"), E("#NAME?"), E("#NULL!"), E("#NUM!"), E("#REF!")],
    "ISODD": [F, T, F, F, T, F, E("#VALUE!"), E("#VALUE!"), E("#VALUE!"), E("#N/A"),
              E("#DIV/0!"), E("#NAME?"), E("#NULL!"), E("#NUM!"), E("#REF!")],
    "N": [0.0, 1.0, 2.3, 10.0, -1.0, 0.0, 0.0, 1.0, E("#VALUE!"), E("#N/A"), E("#DIV/0!"),
          E("#NAME?"), E("#NULL!"), E("#NUM!"), E("#REF!")],
    "T": ["", "", "", "", "", "", "ciao", "", E("#VALUE!"), E("#N/A"), E("#DIV/0!"),
          E("#NAME?"), E("#NULL!"), E("#NUM!"), E("#REF!")],
    "ERROR.TYPE": [E("#N/A")] * 8 + [3.0, 7.0, 2.0, 5.0, 1.0, 6.0, 4.0],
    "TYPE": [1.0] * 6 + [2.0, 4.0] + [16.0] * 7,
}


@pytest.fixture(scope="module")
def row_model() -> Model:
    return Model.from_cells({f"{c}1": v for c, v in zip(COLS, ROW, strict=True) if v is not None})


def check(expected, got) -> None:
    assert same_value(expected, got) and type(expected) is type(got), (expected, got)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_excel_matrix(row_model, name):
    for col, expected in zip(COLS, MATRIX[name], strict=True):
        check(expected, row_model.evaluate_formula(f"={name}({col}1)").scalar())


@pytest.mark.parametrize("name", ["ISBLANK", "ISERR", "ISERROR", "ISLOGICAL", "ISNA", "ISNONTEXT",
                                  "ISNUMBER", "ISTEXT", "ERROR.TYPE"])
def test_maps_over_a_range(row_model, name):
    g = row_model.evaluate_formula(f"={name}(A1:O1)")
    assert isinstance(g, Grid) and g.shape == (1, 15)
    for c, expected in zip(g.flat(), MATRIX[name], strict=True):
        check(expected, c.scalar())


@pytest.mark.parametrize(("formula", "expected"), [
    ("=ISEVEN(A1:O1)", E("#VALUE!")), ("=ISODD(A1:E1)", E("#VALUE!")),  # not mapped (ATP)
    ("=N(G1:O1)", 0.0), ("=N(B1:O1)", 1.0), ("=T(G1:O1)", "ciao"), ("=T(I1:O1)", E("#VALUE!")),
    ("=TYPE(A1:O1)", 64.0), ("=TYPE({1,2})", 64.0), ("=ISREF(A1)", True), ("=ISREF(A1:B2)", True),
    ("=ISREF(1)", False), ('=ISREF("A1")', False),
])
def test_ranges(row_model, formula, expected):
    check(expected, row_model.evaluate_formula(formula).scalar())


@pytest.mark.parametrize(("formula", "expected"), [
    ("=ISERROR(1/0)", True), ("=ISERR(NA())", False), ("=ISNA(NA())", True),
    ("=ISNA(1/0)", False), ("=ISNUMBER(1/0)", False), ('=ISNUMBER("1")', False),
    ('=ISTEXT("")', True), ('=ISBLANK("")', False), ("=ISLOGICAL(1=1)", True),
    ("=ISEVEN(-1)", False), ("=ISEVEN(2.9)", True), ("=ISODD(-3.5)", True),
    ('=ISEVEN("4")', True), ('=ISODD("1/1/1900")', True), ('=ISEVEN("x")', E("#VALUE!")),
    ("=ISEVEN(TRUE)", E("#VALUE!")), ("=NA()", E("#N/A")), ("=N(TRUE)", 1.0),
    ('=N("7")', 0.0), ("=N(1/0)", E("#DIV/0!")), ('=T("a")', "a"), ("=T(1)", ""),
    ("=ERROR.TYPE(1/0)", 2.0), ("=ERROR.TYPE(#NULL!)", 1.0), ("=ERROR.TYPE(1)", E("#N/A")),
    ("=TYPE(1/0)", 16.0), ('=TYPE("a")', 2.0), ("=TYPE(FALSE)", 4.0), ("=TYPE(2)", 1.0),
    ("=IF(ISERROR(1/0),1,2)", 1.0),
])
def test_hand_checked(formula, expected):
    m = Model.from_cells({"Z99": 0})
    check(expected, m.evaluate_formula(formula).scalar())


def test_per_trial_values_are_inspected_not_propagated():
    m = Model.from_cells({"Z99": 0})
    x = from_scalars([1.0, "a", True, None, E("#N/A"), E("#DIV/0!")])
    assert x.kind == Kind.ANY
    expect = {
        "ISNUMBER": [T, F, F, F, F, F], "ISTEXT": [F, T, F, F, F, F],
        "ISLOGICAL": [F, F, T, F, F, F], "ISERROR": [F, F, F, F, T, T],
        "ISERR": [F, F, F, F, F, T], "ISNA": [F, F, F, F, T, F], "ISNONTEXT": [T, F, T, T, T, T],
    }
    for name, want in expect.items():
        v = m.evaluate_formula(f"={name}(A1)", {"A1": x})
        assert v.kind == Kind.BOOL and v.err is None and v.data.tolist() == want, name
    v = m.evaluate_formula("=ERROR.TYPE(A1)", {"A1": x})
    assert v.err.tolist() == [NA] * 4 + [0, 0] and v.data[4:].tolist() == [7.0, 2.0]
    v = m.evaluate_formula("=ISEVEN(A1)", {"A1": x})
    assert v.err.tolist() == [0, VALUE, VALUE, 0, NA, 2] and v.data[[0, 3]].tolist() == [F, T]
    v = m.evaluate_formula("=TYPE(A1)", {"A1": x})
    assert v.data.tolist() == [1.0, 2.0, 4.0, 1.0, 16.0, 16.0]


def test_isblank_of_reference_and_value():
    m = Model.from_cells({"A1": 1, "A3": "x"})
    assert m.evaluate_formula("=ISBLANK(A2)").scalar() is True
    g = m.evaluate_formula("=ISBLANK(A1:A3)")
    assert [c.scalar() for c in g.flat()] == [False, True, False]
    assert m.evaluate_formula("=ISBLANK(B9)+0").scalar() == 1.0


# ----------------------------------------------------------------- differential against pycel
VALUES = [1.5, -2.0, 0.0, 7.0, "x", "", "3", True, False, None, E("#N/A"), E("#VALUE!"),
          E("#DIV/0!"), 2.9, -3.5, 1e6, " ", "abc def", 4.0, 11.0] * 3


@pytest.mark.parametrize("name", ["ISNUMBER", "ISTEXT", "ISBLANK", "ISERROR", "ISERR", "ISNA",
                                  "ISLOGICAL", "ISNONTEXT", "ISEVEN", "ISODD", "N"])
def test_matches_pycel_trial_by_trial(name):
    x = from_scalars(VALUES)
    arg = Grid([[x]]) if name == "ISBLANK" else x  # ISBLANK(A1) gets its reference as a range
    got = function_named(name).impl(arg)
    want = pycel_function(name).impl(x)
    assert isinstance(got, Vec)
    for i, v in enumerate(VALUES):
        w, g = want.scalar(i), got.scalar(i)
        if name == "N" and v is None:
            assert g == 0.0  # Excel: N(blank) is 0; pycel returns the blank itself
            continue
        assert same_value(w, g) and type(w) is type(g), (name, v, w, g)


def test_vectorized_over_many_trials():
    n = 100_000
    x = Vec(Kind.NUM, np.arange(n, dtype=float), np.where(np.arange(n) % 3 == 0, NA, 0).astype(np.uint8))
    m = Model.from_cells({"Z99": 0})
    v = m.evaluate_formula("=ISNA(A1)", {"A1": x})
    assert v.data.sum() == (n + 2) // 3
    v = m.evaluate_formula("=ISODD(A1)", {"A1": x})
    assert v.err is not None and int((v.data & (v.err == 0)).sum()) == len(range(1, n, 2)) - len(range(3, n, 6))


def test_isformula_and_formulatext_read_the_referenced_cells():
    from engine.model import Model

    m = Model.from_cells({"A1": 1, "A2": "=A1+1", "B1": "=ISFORMULA(A2)", "B2": "=ISFORMULA(A1)",
                          "B3": "=FORMULATEXT(A2)", "B4": "=FORMULATEXT(A1)",
                          "B5": "=ISFORMULA(5)", "B6": "=SUM(--ISFORMULA(A1:A2))"})
    values, _ = m.evaluate(m.workbook.formula_cells())
    shown = {str(c).split("!")[1]: v.scalar() for c, v in values.items()}
    assert (shown["B1"], shown["B2"], shown["B3"]) == (True, False, "=A1+1")
    assert (str(shown["B4"]), str(shown["B5"])) == ("#N/A", "#VALUE!")
    assert shown["B6"] == 1.0
