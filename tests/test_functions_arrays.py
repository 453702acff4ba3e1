"""Array-shaping dynamic-array functions, on the examples of Microsoft's function pages."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model import Model
from engine.values import NA, NUM, VALUE, Grid
from engine.workbook import CellRef

N = "#N/A"
M3 = "{1,2,3;4,5,6;7,8,9}"


def grid(formula: str, cells: dict | None = None, inputs: dict | None = None) -> list[list]:
    m = Model.from_cells(cells or {"Z99": 0})
    out = m.evaluate_formula(formula, inputs)
    assert isinstance(out, Grid), out
    return [[c.scalar() for c in row] for row in out.cells]


def code(formula: str) -> int:
    out = Model.from_cells({"Z99": 0}).evaluate_formula(formula)
    if isinstance(out, Grid):
        out = out.cells[0][0]
    assert out.err is not None
    return int(out.err[0])


@pytest.mark.parametrize(("formula", "expected"), [
    # VSTACK / HSTACK: Microsoft's examples, and #N/A where the pieces differ in size
    ('=_xlfn.VSTACK({"A","B","C";"AA","BB","CC"},{"D","E","F";"DD","EE","FF"})',
     [["A", "B", "C"], ["AA", "BB", "CC"], ["D", "E", "F"], ["DD", "EE", "FF"]]),
    ('=_xlfn.VSTACK({1,2;3,4},{5,6,7})', [[1, 2, N], [3, 4, N], [5, 6, 7]]),
    ('=_xlfn.HSTACK({"A","B","C"},{"D","E","F"})', [["A", "B", "C", "D", "E", "F"]]),
    ('=_xlfn.HSTACK({1;2;3},{4;5})', [[1, 4], [2, 5], [3, N]]),
    # CHOOSECOLS / CHOOSEROWS: negative numbers count from the end
    (f"=_xlfn.CHOOSECOLS({M3},1,3)", [[1, 3], [4, 6], [7, 9]]),
    (f"=_xlfn.CHOOSECOLS({M3},-1,-2)", [[3, 2], [6, 5], [9, 8]]),
    (f"=_xlfn.CHOOSEROWS({M3},{{1,3}})", [[1, 2, 3], [7, 8, 9]]),
    (f"=_xlfn.CHOOSEROWS({M3},-1)", [[7, 8, 9]]),
    # TAKE / DROP (Microsoft's examples on the 3x3 array)
    (f"=_xlfn.TAKE({M3},2)", [[1, 2, 3], [4, 5, 6]]),
    (f"=_xlfn.TAKE({M3},,2)", [[1, 2], [4, 5], [7, 8]]),
    (f"=_xlfn.TAKE({M3},-2)", [[4, 5, 6], [7, 8, 9]]),
    (f"=_xlfn.TAKE({M3},2,3)", [[1, 2, 3], [4, 5, 6]]),
    (f"=_xlfn.TAKE({M3},9)", [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
    (f"=_xlfn.DROP({M3},2)", [[7, 8, 9]]),
    (f"=_xlfn.DROP({M3},,2)", [[3], [6], [9]]),
    (f"=_xlfn.DROP({M3},-2)", [[1, 2, 3]]),
    (f"=_xlfn.DROP({M3},2,2)", [[9]]),
    # TOCOL / TOROW: row by row, or column by column
    ("=_xlfn.TOCOL({1,2;3,4})", [[1], [2], [3], [4]]),
    ("=_xlfn.TOCOL({1,2;3,4},0,TRUE)", [[1], [3], [2], [4]]),
    ("=_xlfn.TOROW({1,2;3,4})", [[1, 2, 3, 4]]),
    ("=_xlfn.TOROW({1,2;3,4},,1)", [[1, 3, 2, 4]]),
    # WRAPROWS / WRAPCOLS: Microsoft's examples
    ('=_xlfn.WRAPROWS({"A","B","C","D","E","F","G"},3)',
     [["A", "B", "C"], ["D", "E", "F"], ["G", N, N]]),
    ('=_xlfn.WRAPROWS({"A","B","C","D","E","F","G"},3,"x")',
     [["A", "B", "C"], ["D", "E", "F"], ["G", "x", "x"]]),
    ('=_xlfn.WRAPCOLS({"A","B","C","D","E","F","G"},3)',
     [["A", "D", "G"], ["B", "E", N], ["C", "F", N]]),
    # EXPAND
    ("=_xlfn.EXPAND({1,2;3,4},3,3)", [[1, 2, N], [3, 4, N], [N, N, N]]),
    ('=_xlfn.EXPAND({1,2;3,4},3,3,"-")', [[1, 2, "-"], [3, 4, "-"], ["-", "-", "-"]]),
    ("=_xlfn.EXPAND({1,2;3,4},,3,0)", [[1, 2, 0], [3, 4, 0]]),
    # SORT / SORTBY
    ('=_xlfn._xlws.SORT({"b";"c";"a"})', [["a"], ["b"], ["c"]]),
    ("=_xlfn._xlws.SORT({3,10;1,20;2,30},1,-1)", [[3, 10], [2, 30], [1, 20]]),
    ("=_xlfn._xlws.SORT({3,1,2},1,1,TRUE)", [[1, 2, 3]]),
    ('=_xlfn._xlws.SORT({1;"a";TRUE;0.5})', [[0.5], [1], ["a"], [True]]),
    ("=_xlfn._xlws.SORT({1,9;1,3;0,5},{1,2},{1,-1})", [[0, 5], [1, 9], [1, 3]]),
    ('=_xlfn.SORTBY({"Tom";"Fred";"Amy"},{52;65;22})', [["Amy"], ["Tom"], ["Fred"]]),
    ('=_xlfn.SORTBY({"Tom";"Fred";"Amy"},{52;65;22},-1)', [["Fred"], ["Tom"], ["Amy"]]),
    ('=_xlfn.SORTBY({"a","b","c"},{2,2,1},1,{3,1,2},-1)', [["c", "a", "b"]]),
])
def test_shapes(formula: str, expected: list[list]) -> None:
    assert grid(formula) == expected


@pytest.mark.parametrize(("formula", "err"), [
    (f"=_xlfn.TAKE({M3},0)", VALUE),          # Excel: #CALC!
    (f"=_xlfn.DROP({M3},3)", VALUE),          # nothing left: #CALC!
    (f"=_xlfn.CHOOSECOLS({M3},4)", VALUE),
    (f"=_xlfn.CHOOSEROWS({M3},0)", VALUE),
    ("=_xlfn.WRAPROWS({1,2,3},0)", NUM),
    ("=_xlfn.WRAPROWS({1,2;3,4},2)", VALUE),  # not a vector
    ("=_xlfn.EXPAND({1,2;3,4},1,3)", VALUE),  # smaller than the array
    ("=_xlfn._xlws.SORT({1;2},3)", VALUE),
    ("=_xlfn._xlws.SORT({1;2},1,2)", VALUE),
    ("=_xlfn.SORTBY({1;2;3},{1;2})", VALUE),
    (f"=_xlfn.TAKE({M3},NA())", NA),
])
def test_errors(formula: str, err: int) -> None:
    assert code(formula) == err


def test_sort_orders_each_trial_on_its_own() -> None:
    m = Model.from_cells({"A1": 0, "A2": 5, "A3": 2})
    out = m.evaluate_formula("=_xlfn._xlws.SORT(A1:A3)", {"A1": np.array([1.0, 9.0])})
    assert [c.data.tolist() for c in (row[0] for row in out.cells)] == [[1, 2], [2, 5], [5, 9]]


def test_tocol_skips_blanks_and_errors() -> None:
    cells = {"A1": 1, "B1": "=NA()", "A2": 3}
    assert grid("=_xlfn.TOCOL(A1:B2,1)", cells) == [[1], [N], [3]]
    assert grid("=_xlfn.TOCOL(A1:B2,3)", cells) == [[1], [3]]


def test_spilled_cells_of_a_dynamic_array_formula(make_book) -> None:
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    from engine.workbook import load_workbook

    path = make_book({"Sheet1!A1": 3, "Sheet1!A2": 1, "Sheet1!A3": 2})
    wb = openpyxl.load_workbook(path)
    wb.active["B1"] = ArrayFormula("B1:C3", "=_xlfn.HSTACK(_xlfn._xlws.SORT(A1:A3),A1:A3)")
    wb.save(path)
    vals, _ = Model(load_workbook(path)).evaluate()
    got = [[vals[CellRef("Sheet1", r, c)].scalar() for c in (2, 3)] for r in (1, 2, 3)]
    assert got == [[1, 3], [2, 1], [3, 2]]


def test_blank_cells_sort_last_and_count_as_zero() -> None:
    cells = {"A1": 2, "A3": 1, "C1": 1}
    assert grid("=_xlfn._xlws.SORT(A1:A3)", cells) == [[1], [2], [None]]
    assert grid("=_xlfn._xlws.SORT(A1:A3,1,-1)", cells) == [[2], [1], [None]]
    assert code("=_xlfn.EXPAND({1},Z1)") == VALUE  # a blank cell is 0 rows, not omitted
    assert grid("=_xlfn.DROP({1;2},B1)", cells) == [[1], [2]]


def test_an_array_of_sizes_lifts_the_function() -> None:
    # Excel gives, per element, the top-left value of the result (formulas__test LOOKUP!AE16)
    assert grid(f"=_xlfn.DROP({M3},1,{{1;2;1}})") == [[5], [6], [5]]
    assert grid("=_xlfn.WRAPROWS({1,2,3},{1,0})") == [[1, "#NUM!"]]
    assert code(f"=_xlfn.CHOOSECOLS({M3},{{1,2;1,2}})") == VALUE


def test_trimrange_drops_blank_edges() -> None:
    cells = {"B2": 1, "C3": 2, "C4": 0}
    assert grid("=_xlfn.TRIMRANGE(A1:C4)", cells) == [[1, None], [None, 2], [None, 0]]
    assert grid("=_xlfn.TRIMRANGE(A1:C4,2,0)", cells) == [
        [None, None, None], [None, 1, None], [None, None, 2], [None, None, 0]]
    assert grid("=_xlfn.TRIMRANGE(A1:C4,0,1)", cells) == [
        [None, None], [1, None], [None, 2], [None, 0]]
    assert code('=_xlfn.TRIMRANGE(A1:C4,"3.3")') == VALUE


def test_sequence() -> None:
    assert grid("=_xlfn.SEQUENCE(2,3,3,2)") == [[3, 5, 7], [9, 11, 13]]   # Microsoft's example
    assert grid("=_xlfn.SEQUENCE(3)") == [[1], [2], [3]]
    assert code("=_xlfn.SEQUENCE(0)") == VALUE
    m = Model.from_cells({"A1": 0})
    out = m.evaluate_formula("=_xlfn.SEQUENCE(1,2,A1)", {"A1": np.array([0.0, 10.0])})
    assert [c.data.tolist() for c in out.cells[0]] == [[0, 10], [1, 11]]
