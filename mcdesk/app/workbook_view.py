"""The workbook view: sheet tabs and an AG Grid of the values, inputs and outputs coloured."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from nicegui import ui

from engine.workbook import CellRef, col_letters, col_number

from .numfmt import format_value
from .workspace import Workspace

__all__ = ["WorkbookView", "column_width", "display_value", "sheet_rows"]

MAX_ROWS = 2_000
MAX_COLS = 60
MARK_CLASSES = {"i": "mc-input", "o": "mc-output", "r": "mc-random"}
STYLE = """
.mc-input { background-color: #fff3b0 !important; font-weight: 600; }
.mc-output { background-color: #c8f7c5 !important; font-weight: 600; }
.mc-random { background-color: #e6dcff !important; }
.mc-selected { outline: 2px solid #1976d2; outline-offset: -2px; }
"""


def display_value(value: Any, number_format: str | None = None) -> str:
    """A cell's value as the grid shows it: in the cell's number format (percent, currency,
    thousands separators, dates) when it has one."""
    if value is None:
        return ""
    if number_format and number_format != "General" and isinstance(value, int | float) \
            and not isinstance(value, bool) and math.isfinite(value):
        return format_value(value, number_format)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.10g}" if abs(value) < 1e15 else f"{value:.6e}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def sheet_rows(ws: Workspace, sheet: str, marks: dict[CellRef, str]) -> tuple[list[dict], list[dict]]:
    """AG Grid column definitions and row data for one sheet (the first MAX_ROWS x MAX_COLS)."""
    model = ws.require_model()
    st = model.workbook.sheets[sheet]
    ncols = max(1, min(st.max_col, MAX_COLS))
    nrows = max(1, min(st.max_row, MAX_ROWS))
    cols: list[dict] = [{"headerName": "", "field": "_row", "width": 56, "pinned": "left",
                         "cellStyle": {"color": "#888"}}]
    widest = [0] * (ncols + 1)
    rows = []
    for r in range(1, nrows + 1):
        row: dict[str, Any] = {"_row": r}
        for c in range(1, ncols + 1):
            cell = st.cells.get((r, c))
            if cell is not None:
                value = cell.value if cell.value is not None else ws.computed.get(CellRef(sheet, r, c))
                text = display_value(value, getattr(cell, "number_format", None))
                row[col_letters(c)] = text
                widest[c] = max(widest[c], len(text))
        mark = "".join(f"|{col_letters(ref.col)}:{k}|" for ref, k in marks.items()
                       if ref.sheet == sheet and ref.row == r)
        if mark:
            row["_m"] = mark
        rows.append(row)
    for c in range(1, ncols + 1):
        letter = col_letters(c)
        rules = {cls: f"data._m && data._m.indexOf('|{letter}:{key}|') >= 0"
                 for key, cls in MARK_CLASSES.items()}
        cols.append({"headerName": letter, "field": letter, "width": column_width(widest[c]),
                     "minWidth": 50, "resizable": True, "cellClassRules": rules,
                     "tooltipField": letter})
    return cols, rows


def column_width(chars: int) -> int:
    """Pixels for a column whose longest text has ``chars`` characters (wide enough to read
    it, at most 320: the tooltip shows longer texts)."""
    return max(70, min(320, 7 * chars + 20))


class WorkbookView:
    """Sheet tabs above a grid; a click on a cell calls ``on_select('Sheet!B2')``."""

    def __init__(self, ws: Workspace, on_select: Callable[[str], None]) -> None:
        self.ws = ws
        self.on_select = on_select
        self.sheet: str | None = None
        ui.add_css(STYLE)
        with ui.column().classes("w-full gap-0"):
            self.tabs_box = ui.row().classes("w-full")
            self.grid = ui.aggrid({"columnDefs": [], "rowData": [], "rowHeight": 28,
                                   "headerHeight": 28, "suppressCellFocus": False},
                                  auto_size_columns=False, theme="balham").classes(
                "w-full h-[560px]").mark("grid")
            self.note = ui.label("").classes("text-xs text-gray-500")
        self.grid.on("cellClicked", self._clicked, ["colId", "data"])

    def _marks(self) -> dict[CellRef, str]:
        model = self.ws.require_model()
        marks: dict[CellRef, str] = {}
        for text in self.ws.random_cells_cached():
            marks[model.ref(text)] = "r"
        for cell in self.ws.inputs:
            marks[model.ref(cell)] = "i"
        for cell in self.ws.outputs:
            marks[model.ref(cell)] = "o"
        return marks

    def refresh(self, sheet: str | None = None) -> None:
        """Show ``sheet`` (or the current one) with the current inputs and outputs."""
        if self.ws.model is None:
            return
        sheets = [s for s in self.ws.model.workbook.sheets if not s.startswith("_mcdesk")]
        if sheet is None or sheet not in sheets:
            sheet = self.sheet if self.sheet in sheets else sheets[0]
        if sheet != self.sheet or not self.tabs_box.default_slot.children:
            self.tabs_box.clear()
            with self.tabs_box:
                with ui.tabs(value=sheet,  # type: ignore[arg-type]  # a tab's name works too
                             on_change=lambda e: self.refresh(e.value)).props(
                        "dense align=left inline-label no-caps").classes("text-primary") as tabs:
                    for s in sheets:
                        ui.tab(s, s).mark(f"sheet-{s}")
                tabs.mark("sheet-tabs")
        self.sheet = sheet
        cols, rows = sheet_rows(self.ws, sheet, self._marks())
        self.grid.options["columnDefs"] = cols
        self.grid.options["rowData"] = rows
        self.grid.update()
        st = self.ws.model.workbook.sheets[sheet]
        clipped = st.max_row > MAX_ROWS or st.max_col > MAX_COLS
        self.note.text = (f"{sheet}: {st.max_row:,} rows x {st.max_col:,} columns"
                          + (f" (showing the first {MAX_ROWS:,} x {MAX_COLS})" if clipped else "")
                          + ". Yellow: inputs, green: outputs, violet: RAND() cells.")

    def _clicked(self, e: Any) -> None:
        args = e.args or {}
        col, data = args.get("colId"), args.get("data") or {}
        if not col or col == "_row" or "_row" not in data or self.sheet is None:
            return
        self.on_select(str(CellRef(self.sheet, int(data["_row"]), col_number(col))))

