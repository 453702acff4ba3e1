"""INDEX of an error value (not a range) is that error, before its position is checked, as
Excel and LibreOffice give it: neprenkha/BOQ.xlsm PurchaseBAK!B3:I3
=LET(x,FILTER(Summary!I3:O300,..),CHOOSE({1,..,8},INDEX(x,0,1),INDEX(x,0,2),..)) caches
#VALUE! in every column where x failed; INDEX(x,0,2) of the one error value was #REF!."""

from __future__ import annotations

from kernel_checks import formula_values, new_sheet

from engine.values import ExcelError


def _name(v: object) -> object:
    return str(v) if isinstance(v, ExcelError) else v


def test_index_of_an_error_value_is_that_error(tmp_path):
    ws = new_sheet("S")
    ws["A1"], ws["A2"], ws["A3"] = 1.0, 2.0, 3.0
    ws["B1"], ws["B2"], ws["B3"] = 4.0, 5.0, 6.0
    ws["D1"] = "=INDEX(1/0,1,2)"                 # LibreOffice: #DIV/0!
    ws["D2"] = "=INDEX(1/0,0,2)"
    ws["D3"] = "=INDEX(NA(),2,1)"
    ws["D4"] = "=INDEX(SQRT(-1),2)"
    ws["D5"] = "=_xlfn.LET(_xlpm.x,1/0,INDEX(_xlpm.x,1,2))"   # as Excel stores LET
    ws["D6"] = "=INDEX(5,1,2)"                   # a number out of its 1x1 bounds stays #REF!
    ws["D7"] = "=INDEX(A1:B3,2,2)"
    ws["D8"] = "=INDEX(A1:B3/0,1,2)"
    path = tmp_path / "index_error.xlsx"
    ws.parent.save(path)
    got = {k: _name(v) for k, v in formula_values(path).items()}
    assert got["D1"] == "#DIV/0!"
    assert got["D2"] == "#DIV/0!"
    assert got["D3"] == "#N/A"
    assert got["D4"] == "#NUM!"
    assert got["D5"] == "#DIV/0!"
    assert got["D6"] == "#REF!"
    assert got["D7"] == 5.0
    assert got["D8"] == "#DIV/0!"
