"""Structured references to a table column whose name ends (or starts) with a space, as Excel
writes them (``Tabelle1[[#This Row],[Field 4 ]]``): found in two real workbooks (Apache POI's
table-sample.xlsx, IronCalc's tables.xlsx), where the name was trimmed and gave #REF!."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from engine.model import Model


@pytest.fixture()
def book(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["Item", "Field 4 ", "Total"])
    for k, v in enumerate([1.0, 2.0, 3.0, 4.0]):
        ws.append([f"x{k}", v, "=Table1[[#This Row],[Field 4 ]]*10"])
    ws.add_table(Table(displayName="Table1", ref="A1:C5"))
    ws["E1"] = "=SUM(Table1[[Field 4 ]])"
    ws["E2"] = "=SUM(Table1[[Field 4 ]:[Total]])"
    ws["E3"] = "=SUM(Table1[Item])"
    path = tmp_path / "spaces.xlsx"
    wb.save(path)
    return path


def test_column_names_keep_their_spaces(book):
    model = Model.open(book)
    values, _ = model.evaluate()
    got = {str(k): v.scalar() for k, v in values.items()}
    assert got["Sheet1!C3"] == 20.0
    assert got["Sheet1!E1"] == 10.0
    assert got["Sheet1!E2"] == 110.0
    assert got["Sheet1!E3"] == 0.0
