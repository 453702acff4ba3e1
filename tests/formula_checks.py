"""Helpers the function-library tests share: evaluate a formula on a small in-memory
workbook, take the value a cell would show, and compare it with Excel's expected value."""

from __future__ import annotations

from engine.check import same_value
from engine.model import Model
from engine.values import ERROR_NAMES, ExcelError, Grid, Kind, Vec


def ev(formula: str, cells: dict | None = None, inputs: dict | None = None) -> Vec | Grid:
    return Model.from_cells(cells or {"Z99": 0}).evaluate_formula(formula, inputs)


def scalar(formula: str, cells: dict | None = None):
    v = ev(formula, cells)
    if isinstance(v, Grid):  # an array result: its first element, as the cell shows it
        v = v.cells[0][0]
    return v.scalar()


def shown(model: Model, formula: str, sheet: str | None = None):
    """``formula`` on ``model`` (in ``sheet``) as a test compares it: an error by its name
    ('#VALUE!'), a number as a float, else the value."""
    v = model.evaluate_formula(formula, sheet=sheet)
    if v.err is not None and v.err[0]:
        return ERROR_NAMES[int(v.err[0])]
    return float(v.data[0]) if v.kind == Kind.NUM else v.data[0]


def check(expected, got, rel: float = 1e-9) -> None:
    """``expected`` as Excel wrote it: '#N/A' for errors, ints for whole numbers."""
    if isinstance(expected, str) and expected.startswith("#"):
        expected = ExcelError(expected)
    if isinstance(expected, int) and not isinstance(expected, bool):
        expected = float(expected)
    assert same_value(expected, got, rel), (expected, got)
