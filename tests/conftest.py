"""Shared fixtures: small workbooks built in the test, and the bundled test workbooks."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
WORKBOOKS = DATA / "workbooks"


@pytest.fixture
def make_book(tmp_path):
    """Write a workbook from {"Sheet!A1": value or "=formula"} with openpyxl; returns its path."""
    import openpyxl

    def make(cells: dict[str, object], name: str = "book.xlsx", names: dict[str, str] | None = None) -> Path:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for addr, value in cells.items():
            sheet, _, coord = addr.rpartition("!")
            sheet = sheet.strip("'") or "Sheet1"
            ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
            ws[coord] = value
        if not wb.sheetnames:
            wb.create_sheet("Sheet1")
        from openpyxl.workbook.defined_name import DefinedName

        for n, target in (names or {}).items():
            wb.defined_names[n] = DefinedName(n, attr_text=target)
        path = tmp_path / name
        wb.save(path)
        return path

    return make
