"""A formula's error saved as text (Google Sheets writes ``t="str"`` ``<v>#DIV/0!</v>``, not
``t="e"``): check counts our #DIV/0! equal to it, and still not a different error's text."""

from __future__ import annotations

from engine.check import check_model, same_value
from engine.model import Model
from engine.values import ExcelError
from tests.xlsx_xml import write_xlsx


def test_error_cached_as_text_matches_the_same_error(tmp_path):
    # kweaklim Inventory_Management (unseen12, a Google Sheets export): 'Log Sheet'!C26
    # =+C25/(C23-C24) with C23-C24 = 0 cached <c t="str"><v>#DIV/0!</v>: 612 such cells.
    book = write_xlsx(tmp_path / "gs.xlsx", {
        "A1": 0.0, "A2": 2.0,
        "B1": ("+A2/(A1-A1)", "#DIV/0!"),    # the same error, saved as text
        "B2": ("+A2/(A1-A1)", "#N/A"),       # another error's text: differs
        "B3": ("A2*3", 6.0)})
    report = check_model(Model.open(book))
    assert report.compared == 3
    assert report.matches_cached == 2
    assert [m.cell for m in report.mismatches] == ["Sheet1!B2"]
    assert same_value("#DIV/0!", ExcelError("#DIV/0!"))
    assert not same_value("#DIV/0!", 1.0) and not same_value(ExcelError("#DIV/0!"), "x")
