"""XLOOKUP as a reference (issue 13, unseen4 corpus).

karumbo's XLOOKUP tutorial sums between two lookups: ``=SUM(XLOOKUP(I1,H1:S1,H2:S2):
XLOOKUP(J1,H1:S1,H2:S2))``; Excel cached 460.  XLOOKUP of ranges returns a reference (the
cell, row or column of the return range at the match), so the range operator spans to it.
The engine refused it ("range operator ':' with a computed reference": #REF!), and every cell
downstream with it.
"""

from __future__ import annotations

import openpyxl

from tests.kernel_checks import formula_values


def _book(path) -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    months = ["Jan", "Feb", "Mar", "Apr", "May"]
    for j, (m, v) in enumerate(zip(months, [10, 20, 30, 40, 50], strict=True)):
        ws.cell(1, 8 + j, m)            # H1:L1 keys
        ws.cell(2, 8 + j, v)            # H2:L2 values
        ws.cell(3, 8 + j, v * 100)      # H3:L3
    for i, (k, v) in enumerate([("a", 1), ("b", 2), ("c", 3)], start=5):
        ws.cell(i, 1, k)                # A5:A7 keys down a column
        ws.cell(i, 2, v)                # B5:C7 two columns to return
        ws.cell(i, 3, v * 10)
    ws["N1"], ws["O1"] = "feb", "Apr"
    ws["B1"] = "=SUM(_xlfn.XLOOKUP(N1,H1:L1,H2:L2):_xlfn.XLOOKUP(O1,H1:L1,H2:L2))"
    ws["B2"] = "=SUM(H2:_xlfn.XLOOKUP(O1,H1:L1,H3:L3))"                  # H2:K3
    ws["B3"] = '=SUM(_xlfn.XLOOKUP("b",A5:A7,B5:C7):C7)'                 # B6:C7
    ws["B4"] = '=SUM(H2:_xlfn.XLOOKUP("Jun",H1:L1,H2:L2))'               # not found: #N/A
    ws["C1"] = '=SUM(_xlfn.XLOOKUP("M*",H1:L1,H2:L2,,2):L2)'              # wildcard: Mar..May
    ws["C2"] = '=SUM(_xlfn.XLOOKUP(99,H2:L2,H2:L2,,-1,-1):L2)'            # 50 from the last
    wb.save(path)
    return str(path)


def test_range_to_an_xlookup_is_a_reference(tmp_path):
    got = formula_values(_book(tmp_path / "xl.xlsx"))
    assert got["B1"] == 20 + 30 + 40
    assert got["B2"] == (10 + 20 + 30 + 40) * 101
    assert got["B3"] == 2 + 20 + 3 + 30
    assert "N/A" in str(got["B4"])
    assert got["C1"] == 30 + 40 + 50
    assert got["C2"] == 50
