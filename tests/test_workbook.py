from __future__ import annotations

import zipfile

import pytest

from engine.errors import LimitError, WorkbookError
from engine.workbook import CellRef, Limits, load_workbook
from tests.conftest import DATA


def test_loads_values_formulas_and_names(make_book):
    path = make_book({"Inputs!A1": 2.5, "Inputs!A2": "=A1*2", "Calc!B3": "=Inputs!A2+Rate",
                      "Calc!C1": "text"}, names={"Rate": "Inputs!$A$1"})
    wb = load_workbook(path)
    assert set(wb.sheets) == {"Inputs", "Calc"}
    assert wb.cell(CellRef("Inputs", 1, 1)).value == 2.5
    assert wb.cell(CellRef("Inputs", 2, 1)).formula == "=A1*2"
    assert wb.cell(CellRef("Calc", 1, 3)).value == "text"
    assert wb.names["RATE"] == "Inputs!$A$1"
    assert wb.sheet_name("inputs") == "Inputs"
    assert sorted(map(str, wb.formula_cells())) == ["Calc!B3", "Inputs!A2"]


def test_not_a_workbook(tmp_path):
    p = tmp_path / "notes.xlsx"
    p.write_text("just some text")
    with pytest.raises(WorkbookError, match="not an .xlsx"):
        load_workbook(p)


def test_truncated_zip(make_book, tmp_path):
    p = make_book({"Sheet1!A1": 1})
    data = p.read_bytes()
    bad = tmp_path / "truncated.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError, match="truncated.xlsx"):
        load_workbook(bad)


def test_xls_is_refused_with_advice(tmp_path):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(WorkbookError, match="save it as .xlsx"):
        load_workbook(p)


def test_password_protected():
    with pytest.raises(WorkbookError, match="password-protected"):
        load_workbook(DATA / "protected.xlsx")


def test_zip_without_workbook(tmp_path):
    p = tmp_path / "other.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(WorkbookError, match="no xl/workbook.xml"):
        load_workbook(p)


def test_missing_file(tmp_path):
    with pytest.raises(WorkbookError, match="cannot read"):
        load_workbook(tmp_path / "nope.xlsx")


def test_limits(make_book):
    p = make_book({f"Sheet1!A{i}": i for i in range(1, 30)})
    with pytest.raises(LimitError, match="more than 10 cells"):
        load_workbook(p, Limits(max_cells=10))
    with pytest.raises(LimitError, match="above the limit"):
        load_workbook(p, Limits(max_file_bytes=100))
    with pytest.raises(LimitError, match="decompressed size"):
        load_workbook(p, Limits(max_uncompressed_bytes=1000))


def test_dates_become_serials(make_book):
    import datetime as dt

    p = make_book({"Sheet1!A1": dt.datetime(2024, 3, 1), "Sheet1!A2": "=A1+1"})
    wb = load_workbook(p)
    assert wb.cell(CellRef("Sheet1", 1, 1)).value == 45352.0
