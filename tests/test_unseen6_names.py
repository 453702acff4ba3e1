"""Defined names holding relative references (issue 13, unseen6 corpus).

Excel writes a name's relative reference as seen from A1: a name "the cell above", defined
while B7 was selected, is saved as ``Sheet1!A1048576`` (one row up from A1, wrapping round
the sheet's edge).  A formula reads it from its own cell, so ``=lastyear*(1+growth)`` in B7
reads B6 and the same formula in B8 reads B7 (jonmullins/Excel_Problems Lastyear.xlsx, whose
cached values are 330, 363, ...; the engine read A1048576, empty, and gave 0 everywhere).
"""

from __future__ import annotations

import pytest

from engine.ir import name_at
from engine.model import Model


def _values(model: Model) -> dict[str, object]:
    values, _ = model.evaluate(model.workbook.formula_cells())
    return {str(c).split("!")[1]: v.scalar() for c, v in values.items()}


def test_relative_name_reads_the_cell_above(make_book):
    cells: dict[str, object] = {"Sheet1!A3": "growth", "Sheet1!B3": 0.1, "Sheet1!B6": 300}
    cells.update({f"Sheet1!B{r}": "=lastyear*(1+growth)" for r in range(7, 14)})
    path = make_book(cells, names={"growth": "Sheet1!$B$3", "lastyear": "Sheet1!A1048576"})
    got = _values(Model.open(path))
    want = 300.0
    for r in range(7, 14):   # Excel's cached values: 330, 363, 399.3, ... (growth of 10%)
        want *= 1.1
        assert got[f"B{r}"] == pytest.approx(want, rel=1e-12)
    assert got["B7"] == pytest.approx(330.0) and got["B13"] == pytest.approx(584.61513)


def test_relative_name_moves_with_the_cell(make_book):
    cells: dict[str, object] = {"Sheet1!A1": 1, "Sheet1!A2": 2, "Sheet1!A3": 4, "Sheet1!B1": 10,
                                "Sheet1!B2": 20, "Sheet1!B3": 40,
                                "Sheet1!B4": "=SUM(above3)", "Sheet1!C2": "=left*2",
                                "Sheet1!E3": "=colb+1"}
    # the three cells above (a relative range), the cell to the left (XFD1 seen from A1),
    # column B of the cell's own row (a mixed reference keeps its absolute column)
    names = {"above3": "Sheet1!A1048574:A1048576", "left": "Sheet1!XFD1", "colb": "Sheet1!$B1"}
    got = _values(Model.open(make_book(cells, names=names)))
    assert got["B4"] == 70.0         # B1:B3
    assert got["C2"] == 40.0         # B2 * 2
    assert got["E3"] == 41.0         # $B3 + 1


def test_name_at_text():
    assert name_at("Sheet1!A1048576", 7, 2) == "Sheet1!B6"
    assert name_at("Sheet1!$A$1", 7, 2) == "Sheet1!$A$1"
    assert name_at("'My A1 sheet'!A1", 3, 3) == "'My A1 sheet'!C3"
    assert name_at('IF(A1>0,"B2",B$2)', 2, 2) == 'IF(B2>0,"B2",C$2)'
    assert name_at("Sheet1!XFD1", 1, 1) == "Sheet1!XFD1"     # from A1: as written
    assert name_at("LOG10(A1)", 2, 1) == "LOG10(A2)"           # a function is no cell
