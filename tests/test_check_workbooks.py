"""``check`` on every bundled workbook: the compiled path recomputes Excel's cached values."""

from __future__ import annotations

import pytest

from engine.check import check_model
from engine.model import Model
from tests.conftest import WORKBOOKS

BOOKS = sorted(p.name for p in WORKBOOKS.glob("*.xlsx"))
# the one cached value openpyxl cannot read back exactly (see engine.check._explain)
KNOWN = {"pycel__excelcompiler.xlsx": {"datetime!B9"}}
# workbooks added to find the next classes (issue 12): (floor of the recomputed ratio today,
# the unsupported functions they hold); raise the floor as the engine learns them
FLOORS = {
    "ironcalc__weekly_timesheet.xlsx": (1.0, {"SEQUENCE", "ANCHORARRAY"}),
}


@pytest.mark.parametrize("book", [b for b in BOOKS if b != "formulas__test.xlsx"])
def test_check_recomputes_cached_values(book):
    report = check_model(Model.open(WORKBOOKS / book))
    if book in FLOORS:
        floor, unsupported = FLOORS[book]
        assert report.match_ratio >= floor
        assert set(report.unsupported_functions) <= unsupported
        assert all(m.reason for m in report.mismatches)
        return
    missed = {m.cell for m in report.mismatches}
    assert missed <= KNOWN.get(book, set()), [
        (m.cell, m.formula, m.expected, m.got, m.reason) for m in report.mismatches]
    assert report.mismatch_count == len(missed)
    assert not report.unsupported_functions


def test_function_coverage_workbook():
    """formulas' function test suite: reported on its own, every miss explained."""
    report = check_model(Model.open(WORKBOOKS / "formulas__test.xlsx"))
    assert report.compared > 20_000
    assert report.match_ratio > 0.8
    assert all(m.reason for m in report.mismatches)
