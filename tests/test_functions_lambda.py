"""LET, LAMBDA and the LAMBDA helpers, on the examples of Microsoft's function pages
(formulas spelled as Excel stores them: ``_xlfn.``, ``_xlpm.`` parameters, ``_xleta.`` names)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model import Model
from engine.values import Grid

CELLS = {"A1": 1, "B1": 2, "C1": 3, "A2": 4, "B2": 5, "C2": 6}


def value(formula: str, inputs: dict | None = None):
    out = Model.from_cells(CELLS).evaluate_formula(formula, inputs)
    if isinstance(out, Grid):
        return [[c.scalar() for c in row] for row in out.cells]
    return out.scalar()


def lam(params: str, body: str) -> str:
    names = ",".join(f"_xlpm.{p}" for p in params.split(","))
    return f"_xlfn.LAMBDA({names},{body})"


@pytest.mark.parametrize(("formula", "expected"), [
    ("=_xlfn.LET(_xlpm.x,1,_xlpm.x+1)", 2),
    ("=_xlfn.LET(_xlpm.a,2,_xlpm.b,_xlpm.a*3,_xlpm.a+_xlpm.b)", 8),
    (f"=_xlfn.BYROW(A1:C2,{lam('array', 'MAX(_xlpm.array)')})", [[3], [6]]),
    (f"=_xlfn.BYCOL(A1:C2,{lam('array', 'MAX(_xlpm.array)')})", [[4, 5, 6]]),
    ("=_xlfn.BYROW(A1:C2,_xleta.SUM)", [[6], [15]]),
    (f"=_xlfn.MAP(A1:C2,{lam('a', 'IF(_xlpm.a>4,_xlpm.a*_xlpm.a,+_xlpm.a)')})",
     [[1, 2, 3], [4, 25, 36]]),
    (f"=_xlfn.MAP(A1:C1,A2:C2,{lam('a,b', '_xlpm.a+_xlpm.b')})", [[5, 7, 9]]),
    (f"=_xlfn.REDUCE(,A1:C2,{lam('a,b', '_xlpm.a+_xlpm.b^2')})", 91),
    (f"=_xlfn.SCAN(1,{{1,2,3}},{lam('a,b', '_xlpm.a*_xlpm.b')})", [[1, 2, 6]]),
    (f'=_xlfn.SCAN("",{{"a","b","c"}},{lam("t,c", "_xlpm.t&_xlpm.c")})', [["a", "ab", "abc"]]),
    (f"=_xlfn.MAKEARRAY(2,3,{lam('r,c', '_xlpm.r*_xlpm.c')})", [[1, 2, 3], [2, 4, 6]]),
    # a LAMBDA sees the LET names around it (lexical scope)
    (f"=_xlfn.LET(_xlpm.k,10,_xlfn.MAP(A1:B1,{lam('v', '_xlpm.v*_xlpm.k')}))", [[10, 20]]),
    # ISOMITTED: MAP passes one argument to a two-parameter LAMBDA
    (f'=_xlfn.MAP(A1:B1,{lam("a,b", "IF(_xlfn.ISOMITTED(_xlpm.b),-_xlpm.a,_xlpm.b)")})',
     [[-1, -2]]),
    # an unbound name is #NAME?, a LET with a missing body #VALUE!
    ("=_xlfn.LET(_xlpm.x,1,_xlpm.y)", "#NAME?"),
    ("=_xlfn.LET(_xlpm.x,1)", "#VALUE!"),
])
def test_lambda_family(formula: str, expected) -> None:
    assert value(formula) == expected


def test_map_is_per_trial() -> None:
    got = Model.from_cells(CELLS).evaluate_formula(
        f"=_xlfn.REDUCE(0,A1:B1,{lam('a,v', '_xlpm.a+_xlpm.v')})", {"A1": np.array([1.0, 10.0])})
    assert got.data.tolist() == [3.0, 12.0]


def test_a_lambda_given_to_an_ordinary_function_is_an_error() -> None:
    assert value("=ISERROR(_xleta.SUM)") is True
    assert value(f'=_xlfn.MAKEARRAY(2,"1",{lam("r,c", "_xlpm.r")})') == "#VALUE!"


@pytest.fixture(scope="module")
def groupby_sheet() -> tuple[dict, object]:
    """The GROUPBY block of formulas__test.xlsx (LOOKUP!C24:K43) and Excel's cached results."""
    from pathlib import Path

    import openpyxl

    path = Path(__file__).parent / "data" / "workbooks" / "formulas__test.xlsx"
    ws = openpyxl.load_workbook(path, data_only=True, read_only=True)["LOOKUP"]
    rows = list(ws.iter_rows(min_row=24, max_row=43, min_col=1, max_col=40, values_only=True))
    cells = {f"{openpyxl.utils.get_column_letter(c + 1)}{r + 24}": v
             for r, row in enumerate(rows) for c, v in enumerate(row[:11]) if v is not None}
    return cells, rows


@pytest.mark.parametrize(("formula", "col", "height"), [
    ("=_xlfn.GROUPBY(C25:E43,I25:J43,_xleta.SUM,3,3)", 13, 15),         # LOOKUP!M25
    ("=_xlfn.GROUPBY(C25:E43,I25:J43,_xleta.PERCENTOF,3,3)", 19, 15),   # LOOKUP!S25
    ("=_xlfn.GROUPBY(C25:E43,I25:J43,_xleta.AVERAGE)", 25, 8),          # LOOKUP!Y25
])
def test_groupby_matches_excel(groupby_sheet, formula: str, col: int, height: int) -> None:
    cells, rows = groupby_sheet
    cells = {k: ("=NA()" if v == "#VALUE!" else v) for k, v in cells.items()}
    out = Model.from_cells(cells).evaluate_formula(formula)
    got = [[c.scalar() for c in row] for row in out.cells]
    want = [list(r[col - 1:col + 4]) for r in rows[1:1 + height]]
    assert len(got) == height
    for g, w in zip(got, want, strict=True):
        assert g == pytest.approx(w)


def test_a_defined_name_holding_a_lambda_is_called_like_a_function():
    # Name Manager: SQ = LAMBDA(x, x*x); =SQ(A1)+SQ(2) is 13 for A1 = 3, a wrong argument
    # count is #VALUE!, and a LAMBDA of no parameters (=WEEK()) is its body
    from engine.model import Model
    from engine.values import VALUE

    m = Model.from_cells({"S!A1": 3.0}, sheets=("S",))
    m.workbook.names["SQ"] = "_xlfn.LAMBDA(_xlpm.x,_xlpm.x*_xlpm.x)"
    m.workbook.names["SEVEN"] = "_xlfn.LAMBDA(3+4)"
    assert m.evaluate_formula("=SQ(A1)+SQ(2)", sheet="S").data[0] == 13.0
    assert m.evaluate_formula("=SEVEN()*2", sheet="S").data[0] == 14.0
    bad = m.evaluate_formula("=SQ()", sheet="S")
    assert bad.err is not None and bad.err[0] == VALUE


@pytest.mark.parametrize(("formula", "expected"), [
    # Microsoft's LAMBDA page: =LAMBDA(x, x+1)(1) is 2
    (f"={lam('x', '_xlpm.x+1')}(1)", 2.0),
    (f"=SUM({lam('x', '_xlpm.x*2')}(A2),1)", 9.0),
    (f"={lam('x,y', '_xlpm.x*_xlpm.y')}(B1, C1)", 6.0),
    (f"=IF(A1>0,{lam('x', '_xlpm.x^2')}(B2),0)", 25.0),
    ("=_xlfn.LAMBDA(7)()", 7.0),
    (f"={lam('x', '_xlpm.x+1')}(1,2)", "#VALUE!"),          # more arguments than parameters
    (f"={lam('x,y', '_xlpm.x')}(1)", "#VALUE!"),
    # a LAMBDA held by a LET name, one returning a LAMBDA (curried), one inside MAP
    (f"=_xlfn.LET(_xlpm.f,{lam('x', '_xlpm.x+1')},_xlpm.f(2)*10)", 30.0),
    (f"=_xlfn.LET(_xlpm.f,{lam('x', '_xlpm.x+1')},_xlpm.f(2,3))", "#VALUE!"),
    (f"={lam('a', lam('b', '_xlpm.a*_xlpm.b'))}(3)(4)", 12.0),
    (f"=_xlfn.LET(_xlpm.k,3,{lam('x', '_xlpm.x*_xlpm.k')}(C2))", 18.0),
    (f"=_xlfn.MAP(A1:C1,{lam('v', lam('x', '_xlpm.x+_xlpm.v') + '(10)')})", [[11.0, 12.0, 13.0]]),
    ('="a)(b"&' + lam("x", "_xlpm.x") + '("c")', "a)(bc"),
])
def test_lambda_called_directly(formula: str, expected) -> None:
    assert value(formula) == expected


def test_lambda_called_directly_in_a_workbook(tmp_path) -> None:
    from engine.check import check_model
    from tests.xlsx_xml import write_xlsx

    book = write_xlsx(tmp_path / "lambda.xlsx", {
        "A1": 4,
        "B1": ("_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)(1)", 2),
        "B2": ("SUM(_xlfn.LAMBDA(_xlpm.r,_xlpm.r*A1)(0.5),B1)", 4),
    })
    report = check_model(Model.open(book))
    assert report.unsupported_functions == {} and not report.problems
    assert report.compared == 2 and report.matches_cached == 2, report.mismatches
