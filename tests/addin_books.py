"""Workbooks for the add-in tests (@RISK, Analytic Solver, ModelRisk), written with openpyxl:
formulas without cached values, as a script would save them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook

from engine.model import Model

Cells = Mapping[str, object]   # address -> number, text, "=formula" or an openpyxl ArrayFormula


def matrix_cells(rows: Sequence[Sequence[float]], row: int = 1, col: int = 1) -> dict[str, float]:
    """A matrix (a correlation matrix) as cells, its top-left at (``row``, ``col``)."""
    from openpyxl.utils import get_column_letter

    return {f"{get_column_letter(col + j)}{row + i}": x
            for i, values in enumerate(rows) for j, x in enumerate(values)}


def write_book(path: Path, cells: Cells, sheet: str = "Model",
               sheets: Mapping[str, Cells] | None = None) -> Path:
    """``cells`` on the first sheet, named ``sheet``; ``sheets``: more sheets, in order."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for addr, value in cells.items():
        ws[addr] = value
    for name, more in (sheets or {}).items():
        other = wb.create_sheet(name)
        for addr, value in more.items():
            other[addr] = value
    wb.save(path)
    return path


def open_book(path: Path, cells: Cells, sheet: str = "Model",
              sheets: Mapping[str, Cells] | None = None) -> Model:
    """:func:`write_book`, then the model of that file."""
    return Model.open(write_book(path, cells, sheet, sheets))
