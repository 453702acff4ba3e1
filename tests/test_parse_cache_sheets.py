"""The parse cache keys a reference after a sheet name as an offset too: a formula copied
down a column that reads another sheet (``='Raw data'!B5*2``, ``=Raw!B5-Raw!B4``) is parsed
once, its copies moved from the template (maartenmoes9 Calculations: 31,960 keys of 58,033
formulas before, 209 after).  The copies' IR is the parser's, and their values Excel's."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from engine.model import Model
from engine.workbook import CellRef
from tests.test_ir import _both_ways

ROWS = 40


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = "Calc"
    raw = wb.create_sheet("Raw data")
    short = wb.create_sheet("Raw")
    calc["C1"] = 10
    for r in range(1, ROWS + 1):
        raw[f"B{r}"] = r * 1.5
        short[f"B{r}"] = r * r
        calc[f"A{r}"] = f"='Raw data'!B{r}*2+$C$1"
        if r > 1:
            calc[f"B{r}"] = f"=Raw!B{r}-Raw!B{r - 1}+'Raw data'!$B$1"
        calc[f"D{r}"] = f"=SUM('Raw data'!B$1:B{r})"   # a growing range on another sheet
        calc[f"E{r}"] = f'="Raw!B1:"&Raw!B{r}'     # a reference inside a string stays text
    out = path / "sheets.xlsx"
    wb.save(out)
    return out


def test_copies_reading_another_sheet_are_parsed_once(tmp_path):
    m = Model.open(_book(tmp_path))
    hits, parses, differ = _both_ways(m.workbook)
    assert differ == []
    assert parses <= 8 and hits >= 4 * ROWS - 10   # before: every copy parsed (~160)
    values, _ = m.evaluate()
    for r in (1, 7, ROWS):
        assert values[CellRef("Calc", r, 1)].scalar() == r * 1.5 * 2 + 10
        assert values[CellRef("Calc", r, 4)].scalar() == 1.5 * r * (r + 1) / 2
        assert values[CellRef("Calc", r, 5)].scalar() == f"Raw!B1:{r * r}"
        if r > 1:
            assert values[CellRef("Calc", r, 2)].scalar() == r * r - (r - 1) ** 2 + 1.5
