"""Core evaluation semantics: operators, errors as values, references, slicing."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import SpecError, UnsupportedError
from engine.model import Model
from engine.values import DIV0, NA, NUM, VALUE, Grid, Kind
from engine.workbook import CellRef


def ev(formula, cells=None, inputs=None):
    m = Model.from_cells(cells or {"Z99": 0})
    return m.evaluate_formula(formula, inputs)


@pytest.mark.parametrize(("formula", "expected"), [
    ("=1+2*3", 7.0), ("=2^3^2", 64.0), ("=-2^2", 4.0), ("=10/4", 2.5), ("=50%", 0.5),
    ('="3"+1', 4.0), ("=TRUE+1", 2.0), ('="a"&1.5&TRUE', "a1.5TRUE"), ("=1=1", True),
    ('="abc"="ABC"', True), ('="a"<"b"', True), ('=1<"a"', True), ('="z"<TRUE', True),
    ("=1/3&\"\"", "0.333333333333333"), ("=1E+20&\"\"", "1E+20"),
])
def test_operators(formula, expected):
    assert ev(formula).scalar() == expected


@pytest.mark.parametrize(("formula", "code"), [
    ("=1/0", DIV0), ('="x"+1', VALUE), ("=0^-1", DIV0), ("=0^0", NUM), ("=(-8)^(1/3)", NUM),
    ("=#N/A+1/0", NA), ("=1/0+#N/A", DIV0), ("=10^400", NUM),
])
def test_errors_are_values(formula, code):
    v = ev(formula)
    assert v.err is not None and int(v.err[0]) == code


def test_vectorized_with_per_trial_errors():
    v = ev("=IFERROR(10/A1,-1)", inputs={"A1": np.array([2.0, 0.0, 5.0])})
    assert v.data.tolist() == [5.0, -1.0, 2.0] and v.err is None
    v = ev("=10/A1", inputs={"A1": np.array([2.0, 0.0])})
    assert v.err.tolist() == [0, DIV0]


def test_if_mixed_types_per_trial():
    v = ev('=IF(A1>0.5,A1*2,"small")', inputs={"A1": np.array([0.1, 0.9])})
    assert v.kind == Kind.ANY and v.scalar(0) == "small" and v.scalar(1) == 1.8


def test_constant_condition_does_not_leak_errors_of_the_other_branch():
    assert ev("=IF(TRUE,1,1/0)").err is None


def test_range_arithmetic_and_implicit_intersection():
    m = Model.from_cells({"A1": 1, "A2": 2, "A3": 3, "B2": "=A1:A3*10", "C1": "=SUM(A1:A3)"})
    vals, _ = m.evaluate()
    assert vals[CellRef("Sheet1", 2, 2)].scalar() == 20.0  # row 2 of the column
    g = m.evaluate_formula("=A1:A3*2")
    assert isinstance(g, Grid) and [c.scalar() for c in g.flat()] == [2.0, 4.0, 6.0]


def test_circular_references_reported():
    m = Model.from_cells({"A1": "=B1+1", "B1": "=A1+1", "C1": 5, "D1": "=C1*2"})
    vals, cycles = m.evaluate()
    assert cycles == [[CellRef("Sheet1", 1, 1), CellRef("Sheet1", 1, 2)]]
    assert vals[CellRef("Sheet1", 1, 4)].scalar() == 10.0


def test_compile_slices_between_inputs_and_outputs():
    m = Model.from_cells({"A1": 1.0, "A2": 2.0, "B1": "=A1*2", "B2": "=A2*3", "C1": "=B1+B2",
                          "D1": "=C1*100"})
    prog = m.compile([CellRef("Sheet1", 1, 1)], [CellRef("Sheet1", 1, 3)])
    assert prog.steps == [CellRef("Sheet1", 1, 2), CellRef("Sheet1", 1, 3)]
    assert prog.constants[CellRef("Sheet1", 2, 2)].scalar() == 6.0
    out = prog.run({CellRef("Sheet1", 1, 1): np.array([1.0, 2.0, 3.0])}, 3, rand=None)
    assert out[CellRef("Sheet1", 1, 3)].data.tolist() == [8.0, 10.0, 12.0]


def test_unsupported_function_in_slice_is_named_with_its_cell():
    m = Model.from_cells({"A1": 1.0, "B1": "=NOSUCHFUNC(A1)", "C1": "=B1+1"})
    with pytest.raises(UnsupportedError, match=r"Sheet1!B1: NOSUCHFUNC"):
        m.compile([CellRef("Sheet1", 1, 1)], [CellRef("Sheet1", 1, 3)])


def test_cycle_in_slice_is_an_error():
    m = Model.from_cells({"A1": 1.0, "B1": "=A1+C1", "C1": "=B1"})
    with pytest.raises(SpecError, match="circular"):
        m.compile([CellRef("Sheet1", 1, 1)], [CellRef("Sheet1", 1, 2)])


def test_bad_address():
    m = Model.from_cells({"A1": 1.0})
    with pytest.raises(SpecError):
        m.ref("Nosheet!A1")
    with pytest.raises(SpecError):
        m.ref("not an address")


def test_rand_is_a_per_trial_stream():
    m = Model.from_cells({"A1": "=RAND()", "B1": "=A1*2"})
    prog = m.compile([], [CellRef("Sheet1", 1, 2)])
    assert len(prog.random_streams) == 1
    u = np.array([0.1, 0.2, 0.7])
    out = prog.run({}, 3, rand=lambda s: u)
    assert out[CellRef("Sheet1", 1, 2)].data.tolist() == [0.2, 0.4, 1.4]


def test_offset_and_indirect():
    cells = {"A1": 1, "A2": 2, "A3": 3, "B1": "A2"}
    assert ev("=SUM(OFFSET(A1,1,0,2,1))", cells).scalar() == 5.0
    assert ev("=INDIRECT(B1)*10", cells).scalar() == 20.0
    v = ev("=OFFSET(A1,C1,0)", cells, inputs={"C1": np.array([0.0, 2.0, 1.0])})
    assert v.data.tolist() == [1.0, 3.0, 2.0]


def test_array_formula_cells(make_book):
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    from engine.workbook import load_workbook

    path = make_book({"Sheet1!A1": 1, "Sheet1!A2": 2, "Sheet1!A3": 3})
    wb = openpyxl.load_workbook(path)
    wb.active["B1"] = ArrayFormula("B1:B3", "=A1:A3*2")
    wb.save(path)
    m = Model(load_workbook(path))
    vals, _ = m.evaluate()
    assert [vals[CellRef("Sheet1", r, 2)].scalar() for r in (1, 2, 3)] == [2.0, 4.0, 6.0]
