"""SHEET and SHEETS: a sheet's 1-based position in the workbook, hidden sheets counted
(Excel's documentation), on a workbook built here (issue 12)."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table as XlTable

from engine.model import Model
from tests.formula_checks import shown


def value(model: Model, formula: str, sheet: str):
    return shown(model, formula, sheet)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Model:
    wb = openpyxl.Workbook()
    wb.active.title = "Inputs"
    hidden = wb.create_sheet("Hidden Data")
    hidden.sheet_state = "hidden"
    out = wb.create_sheet("Out")
    out.append(["Name", "Value"])
    out.append(["a", 1])
    out.add_table(XlTable(displayName="Results", ref="A1:B2"))
    out["D1"] = "Hidden Data"
    wb.defined_names["Rate"] = DefinedName("Rate", attr_text="'Hidden Data'!$B$2")
    path = tmp_path_factory.mktemp("sheets") / "sheets.xlsx"
    wb.save(path)
    return Model.open(path)


@pytest.mark.parametrize(("formula", "sheet", "expected"), [
    ("=SHEET()", "Inputs", 1.0),
    ("=SHEET()", "Out", 3.0),
    ("=SHEET(Out!A1)", "Inputs", 3.0),
    ("=SHEET('Hidden Data'!A1:B4)", "Out", 2.0),   # a hidden sheet keeps its place
    ("=SHEET(Results[])", "Inputs", 3.0),          # a table: its sheet
    ("=SHEET(Rate)", "Inputs", 2.0),               # a defined name: its sheet
    ('=SHEET("out")', "Inputs", 3.0),              # a sheet name, any case
    ("=SHEET(Out!D1)", "Inputs", 3.0),             # a reference, not the text it holds
    ('=SHEET("Nope")', "Inputs", "#N/A"),
    ("=SHEET(1)", "Inputs", "#N/A"),
    ("=SHEET(1/0)", "Inputs", "#DIV/0!"),
    ("=SHEETS()", "Inputs", 3.0),
    ("=SHEETS(Out!A1:B2)", "Inputs", 1.0),
])
def test_sheet_positions(model, formula, sheet, expected):
    assert value(model, formula, sheet) == expected
