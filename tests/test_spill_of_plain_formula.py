"""``A1#`` where A1 holds an ordinary formula (issue 13, unseen7 corpus).

calebjgartner/Financial-Modeling-Projects "Real Estate Private Equity Model.xlsx" reads
``E33#`` where E33 is ``=SUM(E30:E32)``, saved without an array range: Excel cached the
value of E33 (0.30395604983304975 in 'Cash Flow'!D33), a one-cell spill.  The engine gave
#REF! for any anchor without an array range; a constant or empty anchor stays #REF!.
"""

from __future__ import annotations

import openpyxl

from engine.model import Model


def _book(path) -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"] = 2, 3, 5
    ws["B1"] = "=SUM(A1:A3)"                       # ordinary formula: its own spill
    ws["C1"] = "=_xlfn.ANCHORARRAY(B1)*2"
    ws["C2"] = "=SUM(_xlfn.ANCHORARRAY(B1))+ROWS(_xlfn.ANCHORARRAY(B1))"
    ws["C3"] = "=_xlfn.ANCHORARRAY(A1)"             # a constant: #REF!
    ws["C4"] = "=ISERROR(_xlfn.ANCHORARRAY(D9))"     # empty: #REF!
    wb.save(path)
    return str(path)


def test_spill_of_an_ordinary_formula_is_its_cell(tmp_path):
    model = Model.open(_book(tmp_path / "spill.xlsx"))
    values, _ = model.evaluate(model.workbook.formula_cells())
    got = {str(c).split("!")[1]: v for c, v in values.items()}
    assert got["C1"].scalar() == 20.0
    assert got["C2"].scalar() == 11.0
    assert "REF" in str(got["C3"].scalar())
    assert got["C4"].scalar() is True or got["C4"].scalar() == 1.0
