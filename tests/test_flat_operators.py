"""Comparisons, arithmetic, & and IF over ranges whose cells hold one value each run on whole
columns of values (engine.functions.flat_ops): the same values, kinds and errors as the element
loop (operators.map_grid), which stays for cells that vary per trial.

kebron FIN-001 (unseen9): ``'Booking Log'!X6:X5005='Property Setup'!A5`` inside ~900
SUMPRODUCTs; canaydinq-beep Dashboard_Project (unseen10): ~730 ``MEDIAN(IF((jobs[..]=A2)*..))``
over a 32,672-row table: a Python list and a Vec cut per element per formula.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from engine.check import same_value
from engine.functions import flat_ops, logical, operators
from engine.model import Model
from engine.values import Grid, Kind, Vec, from_scalar, num, text

ROWS = 200
# numbers, text (numeric text, case), blanks, empty text, booleans, errors
MIXED = [3.0, "apple", None, True, "APPLE", -1.5, "", False, "=1/0", "3", 0.0, "=NA()", "b", 7.25]


def _mixed(i: int) -> object:
    return MIXED[i % len(MIXED)]


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    for i in range(ROWS):
        data.cell(i + 2, 1, _mixed(i))
        data.cell(i + 2, 2, _mixed(i * 5 + 3))
        data.cell(i + 2, 3, i * 0.5)
    calc = wb.create_sheet("Calc")
    a, b, c = "Data!$A$2:$A$201", "Data!$B$2:$B$201", "Data!$C$2:$C$201"
    formulas = []
    for k, key in enumerate(['"apple"', "3", "TRUE", '""', "Data!A5", "Data!A4"]):
        for op in ("=", "<>", "<", ">="):
            formulas.append(f"SUMPRODUCT(--({a}{op}{key}))")
        formulas.append(f"SUMPRODUCT(({a}={key})*{c})")
        formulas.append(f"SUMPRODUCT(ISERROR({a}>{key})*1)")
        formulas.append(f"MEDIAN(IF(({a}={key})*({c}<>0),{c}))")
        formulas.append(f'SUMPRODUCT(LEN({a}&"-"&{key}))')
        calc.cell(k + 1, 9, f"=COUNT(IF({a}<>{key},{c}*2,FALSE))")
    formulas += [f"SUMPRODUCT(({a}={b})*1)", f"SUMPRODUCT(ISERROR({a}+{b})*1)",
                 f"SUMPRODUCT(IFERROR({a}*{c}-{b},0))", f"SUMPRODUCT(IFERROR({a}/{b},5))",
                 f"SUMPRODUCT(IFERROR({c}^{a},1))", f"COUNTA(IF({a},{b},{c}))",
                 f"SUMPRODUCT(IFERROR(IF({a},{c},-{c}),100))", f'COUNTIF(IF({b}>2,{a},"x"),"x")']
    for r, f in enumerate(formulas, start=1):
        calc.cell(r, 1, f"={f}")
    out = path / "flat_operators.xlsx"
    wb.save(out)
    return out


def _values(path: Path) -> dict[str, object]:
    model = Model.open(path)
    cells = [c for c in model.workbook.formula_cells() if str(c).startswith("Calc")]
    values, _ = model.evaluate(cells)
    return {str(c): values[c].scalar() for c in cells}


def test_workbook_flat_equals_element_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = _book(tmp_path)
    calls = [0]
    real = flat_ops.elementwise

    def counting(*a):  # noqa: ANN002, ANN202 - a spy: the flat path is taken
        out = real(*a)
        calls[0] += out is not None
        return out

    monkeypatch.setattr(flat_ops, "elementwise", counting)
    fast = _values(book)
    assert calls[0] > 40
    monkeypatch.setattr(flat_ops, "ENABLED", False)
    slow = _values(book)
    assert fast.keys() == slow.keys() and len(fast) == 6 * 8 + 8 + 6
    for cell, want in slow.items():
        assert same_value(want, fast[cell], rel=0.0), (cell, want, fast[cell])
    assert str(fast["Calc!A1"]) == "#DIV/0!"       # errors of the range propagate
    assert fast["Calc!A6"] == sum(1 for i in range(ROWS) if str(_mixed(i)).startswith("="))


def _grid(values: list[object]) -> Grid:
    return Grid([[from_scalar(v)] for v in values])


def _same_cells(got: Grid, want: Grid) -> None:
    # a reference or not as map_grid types it (the flat path's grids hold their cells lazily)
    assert isinstance(got, operators.Computed) is isinstance(want, operators.Computed)
    assert got.area == want.area and got.shape == want.shape
    for g, w in zip(got.flat(), want.flat(), strict=True):
        assert g.kind == w.kind and g.data.dtype == w.data.dtype
        assert np.array_equal(g.data, w.data) or (g.data == w.data).all()
        ge = None if g.err is None or not g.err.any() else g.err.tolist()
        we = None if w.err is None or not w.err.any() else w.err.tolist()
        assert ge == we


@pytest.mark.parametrize("op", ["=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "^", "&"])
def test_operator_cells_equal_element_loop(op: str, monkeypatch: pytest.MonkeyPatch) -> None:
    vals = [_mixed(i) if not str(_mixed(i)).startswith("=") else
            ("#DIV/0!" if "1/0" in str(_mixed(i)) else "#N/A") for i in range(ROWS)]
    a = _grid(vals)
    b = _grid(vals[7:] + vals[:7])
    for x, y in ((a, b), (a, text("Apple")), (num(3.0), a), (a, from_scalar(None)),
                 (a, Grid([[from_scalar(True)]]))):
        fast = operators.binary(op, x, y)
        monkeypatch.setattr(flat_ops, "ENABLED", False)
        slow = operators.binary(op, x, y)
        monkeypatch.setattr(flat_ops, "ENABLED", True)
        assert isinstance(fast, Grid) and fast.derived and fast.derived.get("flat_ops")
        _same_cells(fast, slow)
    cond = operators.binary(">", a, num(0.0))
    for then, other in ((b, None), (a, text("no")), (num(1.0), b), (b, a)):
        fast = logical.if_(a if then is b else cond, then, other)
        monkeypatch.setattr(flat_ops, "ENABLED", False)
        slow = logical.if_(a if then is b else cond, then, other)
        monkeypatch.setattr(flat_ops, "ENABLED", True)
        _same_cells(fast, slow)


def test_cells_that_vary_per_trial_take_the_element_loop() -> None:
    g = Grid([[Vec(Kind.NUM, np.array([1.0, 2.0]))], [num(3.0)]])
    assert flat_ops.elementwise(lambda x, y: operators.binary("=", x, y), g, num(1.0)) is None
    out = operators.binary("=", g, num(1.0))
    assert isinstance(out, Grid) and out.cells[0][0].data.tolist() == [True, False]
