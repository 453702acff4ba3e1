"""Names for cells, as an analyst would call them: the label beside the cell.

A cell's name is, in this order: the row's label (the leftmost text of the run of filled
cells that ends at the cell: ``Engineering & project management`` for ``F5`` in a row
``A5:F5`` of text, unit and numbers; across empty cells when text lies beyond them, see
:func:`_row_label`), its column's header (the first text above it in the
run of filled cells above it: ``FV Total``), or a defined name that refers to exactly that
cell.  None when there is none of these.
"""

from __future__ import annotations

import re

from .workbook import CellRef, Workbook, col_letters

__all__ = ["GENERIC_HEADERS", "MAX_LABEL", "cell_label", "cell_labels"]

MAX_LABEL = 60   # characters kept of a long label
MAX_SCAN = 200   # cells looked at to the left of, or above, a cell
MAX_GAP = 4      # empty cells a row label is looked for across
# column headers that name no quantity: a row label further left names the cell better
GENERIC_HEADERS = frozenset({"value", "values", "amount", "amounts", "number", "input", "inputs",
                             "output", "outputs", "result", "results", "figure", "data",
                             "value used", "base value", "base case", "base", "assumption",
                             "assumptions", "parameter", "setting", "entry", "#"})


def _text(wb: Workbook, sheet: str, row: int, col: int) -> tuple[bool, str | None]:
    """(whether the cell is filled, its text when it holds a label)."""
    cell = wb.sheets[sheet].cells.get((row, col))
    if cell is None or (cell.value is None and cell.formula is None):
        return False, None
    v = cell.value
    if isinstance(v, str) and v.strip() and not v.startswith("#"):
        return True, v
    return True, None


def _tidy(text: str) -> str:
    text = " ".join(text.split()).rstrip(":").strip()
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1].rstrip() + "…"


def _run_label(wb: Workbook, sheet: str, row: int, col: int, stop: int) -> tuple[str | None, int]:
    """(the leftmost text of the run of filled cells that ends at ``col``, the column left of
    the run)."""
    found = None
    while col > stop:
        filled, text = _text(wb, sheet, row, col)
        if not filled:
            break
        found = text or found
        col -= 1
    return found, col


def _row_label(wb: Workbook, ref: CellRef) -> str | None:
    """The leftmost text of the run of filled cells that ends at the cell."""
    return _run_label(wb, ref.sheet, ref.row, ref.col - 1, max(ref.col - MAX_SCAN, 0))[0]


def _label_across_gap(wb: Workbook, ref: CellRef) -> str | None:
    """The row's label further left, beyond the run of numbers that ends at the cell and the
    empty cells left of it, when the run there is text only (``Discount rate | % per year |
    | | | 0.07``: the label and unit columns of a table whose numbers stand further right;
    ``Gross Profit | | 2024 | 2025``: a spacer column).  A run there that holds a number
    belongs to another table (a table beside a table)."""
    stop = max(ref.col - MAX_SCAN, 0)
    col = _run_label(wb, ref.sheet, ref.row, ref.col - 1, stop)[1]
    gap_end = col - MAX_GAP
    while col > stop and not _text(wb, ref.sheet, ref.row, col)[0]:
        col -= 1
    if col < gap_end:
        return None  # too far: a title or another block
    found = None
    while col > stop:
        filled, text = _text(wb, ref.sheet, ref.row, col)
        if not filled:
            break
        if text is None:
            return None
        found = text
        col -= 1
    return found


def _column_header(wb: Workbook, ref: CellRef) -> str | None:
    for row in range(ref.row - 1, max(ref.row - MAX_SCAN, 0), -1):
        filled, text = _text(wb, ref.sheet, row, ref.col)
        if not filled:
            return None
        if text:
            return text
    return None


def _specific_header(wb: Workbook, ref: CellRef) -> str | None:
    """The column header, unless it is a generic word (Value, Amount, ...) that names no
    quantity: then the row's label across empty cells comes first."""
    header = _column_header(wb, ref)
    if header is not None and _tidy(header).casefold() in GENERIC_HEADERS:
        return None
    return header


def _defined_name(wb: Workbook, ref: CellRef) -> str | None:
    col = col_letters(ref.col)
    want = {f"{ref.sheet}!{col}{ref.row}".casefold()}
    for name, target in {**wb.names, **wb.sheets[ref.sheet].names}.items():
        text = re.sub(r"\$", "", str(target)).lstrip("=").replace("'", "")
        if text.casefold() in want:
            return name
    return None


def cell_label(wb: Workbook, ref: CellRef) -> str | None:
    """The cell's name (see the module docstring), or None."""
    if ref.sheet not in wb.sheets:
        return None
    for find in (_row_label, _specific_header, _label_across_gap, _column_header, _defined_name):
        got = find(wb, ref)
        if got:
            return _tidy(got)
    return None


def cell_labels(wb: Workbook, refs: list[CellRef]) -> dict[str, str]:
    """``{address: name}`` for the cells that have one."""
    out = {}
    for ref in refs:
        label = cell_label(wb, ref)
        if label:
            out[str(ref)] = label
    return out
