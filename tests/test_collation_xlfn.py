"""A future function written without its ``_xlfn.`` prefix in a file an application saved
(a formula typed in an Excel that lacked XLOOKUP, LibreOffice's ``ifs(..)``): Excel and
LibreOffice read an unknown name, ``#NAME?`` (engine._future_functions); with the prefix it
is the function.  A formula without a cached value (openpyxl's, the tests' own books)
keeps the function as before."""

from __future__ import annotations

from engine.model import Model
from tests.kernel_checks import formula_values
from tests.test_unknown_functions import with_cached_errors
from tests.xlsx_books import write_book

SHEET = {
    "A1": 1.0, "A2": 2.0, "B1": 10.0, "B2": 20.0,
    "C1": ("_xlfn.XLOOKUP(2,A1:A2,B1:B2)", 20.0),
    "C2": ("XLOOKUP(2,A1:A2,B1:B2)", "#NAME?"),       # Excel: #NAME? (was 20)
    "C3": ("IFERROR(ifs(A1>0,1),7)", 7.0),             # LibreOffice's lower-case unknown name
    "C4": ("_xlfn.IFS(A1>0,1)", 1.0),
    "C5": ("_xlfn.STDEV.S(A1:A2)+STDEV(A1:A2)", 1.4142135623730951),
    "C6": ("STDEV.S(A1:A2)+1", "#NAME?"),
    "C7": ("SUM(A1:A2)+MAXIFS(B1:B2,A1:A2,\">1\")", "#NAME?"),
}


def test_a_future_function_without_its_prefix_is_name_error(tmp_path):
    got = formula_values(with_cached_errors(write_book(tmp_path / "xlfn.xlsx",
                                                       {"Sheet1": SHEET})))
    assert got["C1"] == 20.0 and got["C3"] == 7.0 and got["C4"] == 1.0
    assert abs(got["C5"] - 2 ** 0.5) < 1e-12
    assert [str(got[c]) for c in ("C2", "C6", "C7")] == ["#NAME?"] * 3


def test_without_a_cached_value_the_function_is_kept():
    model = Model.from_cells({"S!A1": 1.0, "S!A2": 2.0, "S!B1": 10.0, "S!B2": 20.0,
                              "S!C1": "=XLOOKUP(2,A1:A2,B1:B2)", "S!C2": '=IFS(A1>0,"x")'})
    values, _ = model.evaluate(model.workbook.formula_cells())
    got = {str(c): v.scalar() for c, v in values.items()}
    assert (got["S!C1"], got["S!C2"]) == (20.0, "x")
