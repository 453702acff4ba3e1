"""EOMONTH / EDATE of an array (issue 13, unseen7 corpus).

calebjgartner/Financial-Modeling-Projects "Real Estate Private Equity Model.xlsx" builds its
timelines with ``=EOMONTH(Start.Date, ANCHORARRAY(B22)-1)`` (132 month ends down a column)
and ``=EOMONTH(Start.Date-1, ANCHORARRAY(C3)*12)`` (11 year ends); Excel cached 45838, 45869,
...  The former Analysis ToolPak functions refuse a multi-cell *range* (``EOMONTH(B1:B3, 0)``
is #VALUE!, hence the well-known ``EOMONTH(B1:B3+0, 0)``), but map over an *array* value
(a constant, or one computed from a range) element by element.  The engine refused both:
#VALUE! for all 143 cells and everything built on them.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

from engine.model import Model
from tests.test_backend_numba import job_for, numba_and_numpy, tri

START = dt.date(2025, 6, 15)          # serial 45823


def _serial(d: dt.date) -> float:
    return float((d - dt.date(1899, 12, 30)).days)


def _book(path) -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = START
    for i in range(1, 4):
        ws[f"B{i}"] = i
    ws["C1"] = ArrayFormula("C1:C3", "=EOMONTH(A1,B1:B3-1)")     # computed array: maps
    ws["D1"] = ArrayFormula("D1:D3", "=EDATE(A1,B1:B3*12)")
    ws["E1"] = ArrayFormula("E1:G1", "=EOMONTH(A1,{0,1,2})")       # constant array: maps
    ws["H1"] = ArrayFormula("H1:H3", "=EOMONTH(A1,B1:B3)")         # a range: #VALUE!
    ws["I1"] = ArrayFormula("I1:I3", "=YEARFRAC(A1,EDATE(A1,B1:B3*6))")
    ws["J1"] = "=SUM(C1:C3)"
    wb.save(path)
    return str(path)


def test_atp_date_functions_map_over_arrays(tmp_path):
    model = Model.open(_book(tmp_path / "eom.xlsx"))
    values, _ = model.evaluate(model.workbook.formula_cells())
    got = {str(c).split("!")[1]: v for c, v in values.items()}

    def num(a: str) -> float:
        return got[a].scalar()

    # Excel: 2025-06-30, 2025-07-31, 2025-08-31; EDATE +12/24/36 months
    assert [num(f"C{i}") for i in (1, 2, 3)] == [45838.0, 45869.0, 45900.0]
    assert [num(f"D{i}") for i in (1, 2, 3)] == [_serial(START.replace(year=2025 + k))
                                                  for k in (1, 2, 3)]
    assert [num(c) for c in ("E1", "F1", "G1")] == [45838.0, 45869.0, 45900.0]
    assert num("J1") == 45838.0 + 45869.0 + 45900.0
    assert [num(f"I{i}") for i in (1, 2, 3)] == [0.5, 1.0, 1.5]
    assert all(str(got[f"H{i}"].scalar()) == "#VALUE!" for i in (1, 2, 3))


def test_atp_arrays_numba_equals_numpy(tmp_path):
    model = Model.open(_book(tmp_path / "eom.xlsx"))
    job = job_for(model, [tri("S!B1", 1, 2, 5)], ["S!J1", "S!C3"], 200)
    got, want = numba_and_numpy(job, tmp_path / "k", 100)
    sums = {str(k): v for k, v in want[0].items()}["S!J1"]
    assert min(sums) >= 45838.0 + 45869.0 + 45900.0 - 1
