"""Spilled ranges and ``A1#`` references (``_xlfn.ANCHORARRAY(A1)`` in the file), issue 12.5:
the spill of a dynamic-array formula read as a range, on its sheet and from another, and the
cells of a spill (a cached value in the file, no formula) recomputed from the formula."""

from __future__ import annotations

import numpy as np
import pytest

from engine.check import check_model
from engine.model import Model
from engine.workbook import CellRef
from tests.xlsx_books import write_book


@pytest.fixture
def spills(tmp_path) -> Model:
    """A1 =SEQUENCE(4,1,D1) spills into A1:A4 (D1 = 1); C1 =A1#*10 spills into C1:C4; the
    spilled cells hold only Excel's cached values, as Excel writes them."""
    sheet1 = {
        "A1": ("_xlfn.SEQUENCE(4,1,D1)", 1, "A1:A4"), "C1": ("_xlfn.ANCHORARRAY(A1)*10", 10, "C1:C4"),
        "D1": 1,
        "B1": ("SUM(_xlfn.ANCHORARRAY(A1))", 10),
        "A2": 2, "C2": 20, "B2": ("ROWS(_xlfn.ANCHORARRAY(A1))", 4),
        "A3": 3, "C3": 30, "B3": ("INDEX(_xlfn.ANCHORARRAY(A1),2)", 2),
        "A4": 4, "C4": 40, "B4": ("SUMPRODUCT(_xlfn.ANCHORARRAY(A1),_xlfn.ANCHORARRAY(C1))", 300),
        "B5": ("MAX(_xlfn.ANCHORARRAY(C1))+C3", 70),
        "B6": ("COUNTIF(_xlfn.ANCHORARRAY(C1),\">15\")", 3),
    }
    sheet2 = {"A1": ("SUM(_xlfn.ANCHORARRAY(Sheet1!A1))", 10),
              "A2": ("AVERAGE(_xlfn.ANCHORARRAY(Sheet1!C1))", 25),
              "A3": ("COLUMNS(_xlfn.ANCHORARRAY(Sheet1!A1))", 1)}
    return Model.open(write_book(tmp_path / "spills.xlsx", {"Sheet1": sheet1, "Sheet2": sheet2}))


def test_spill_references_recompute_excel_values(spills):
    report = check_model(spills)
    assert report.unsupported_functions == {}
    assert report.compared == 17 and report.matches_cached == 17, report.mismatches
    assert not report.circular


@pytest.mark.parametrize(("cell", "expected"), [
    ("Sheet1!B1", 10.0), ("Sheet1!B2", 4.0), ("Sheet1!B3", 2.0), ("Sheet1!B4", 300.0),
    ("Sheet1!B5", 70.0), ("Sheet1!B6", 3.0), ("Sheet2!A1", 10.0), ("Sheet2!A2", 25.0),
    ("Sheet2!A3", 1.0), ("Sheet1!C3", 30.0),
])
def test_spill_reference_values(spills, cell, expected):
    values, _ = spills.evaluate()
    assert values[spills.ref(cell)].scalar() == expected


def test_spill_reference_is_a_reference_to_the_spilled_cells(spills):
    ref = spills.ref("Sheet1!B1")
    assert set(spills.deps(ref)) == {CellRef("Sheet1", r, 1) for r in range(1, 5)}
    # INDEX(A1#, 2) is the cell A2 of the spill
    assert spills.deps(spills.ref("Sheet1!B3")) == [CellRef("Sheet1", 2, 1)]


def test_spilled_cells_recompute_per_trial(spills):
    """C3 and A4 hold only cached values in the file: a trial reads the spill it computes."""
    d1 = spills.ref("Sheet1!D1")
    outs = [spills.ref(x) for x in ("Sheet1!C3", "Sheet1!A4", "Sheet1!B1", "Sheet2!A1", "Sheet1!B5")]
    prog = spills.compile([d1], outs)
    got = prog.run({d1: np.array([1.0, 5.0])}, 2, rand=None)
    assert got[outs[0]].data.tolist() == [30.0, 70.0]     # (D1 + 2) * 10
    assert got[outs[1]].data.tolist() == [4.0, 8.0]       # D1 + 3
    assert got[outs[2]].data.tolist() == [10.0, 26.0]     # 4*D1 + 6
    assert got[outs[3]].data.tolist() == [10.0, 26.0]
    assert got[outs[4]].data.tolist() == [70.0, 150.0]


def test_anchor_without_spill_is_ref_error(tmp_path):
    book = write_book(tmp_path / "b.xlsx", {"Sheet1": {"A1": 5, "B1": ("SUM(_xlfn.ANCHORARRAY(A1))", 0)}})
    values, _ = Model.open(book).evaluate()
    assert values[CellRef("Sheet1", 1, 2)].scalar() == "#REF!"
