"""GETPIVOTDATA: a value of a pivot table, read from the cells Excel filled in.

A pivot table does not recalculate when the cells it summarises change (Excel refreshes it
on demand only), so in a simulation its cells hold the same values in every trial.  The
function finds the table holding its reference (the layout :func:`engine._xlsx_parts.
read_pivot_tables` read: range, header and data offsets, row and column fields, data
fields, and per body row / column the item levels it shows), the body row whose row labels
are the items given for the row fields (the Grand Total row where none is given), likewise
the body column, and returns the value in that cell.  The labels are the sheet's cells in
the table's header rows (column items) and first columns (row items: in one column in the
compact layout, a column per field otherwise).  As Excel: #REF! where the reference holds no
pivot table or a data field, field or item is not in it, or its cell shows no value (the
row of an outer item without subtotals).
"""

from __future__ import annotations

from typing import Any

from ..values import REF, ExcelError, Grid, Vec, error, from_scalar, from_scalars, trials
from ..workbook import CellRef, PivotTable
from . import register

VALUES_FIELD = -2   # the Values pseudo-field of a table with several data fields


def _key(x: Any) -> Any:
    """A label or an item as compared: a number (text that reads as one too), else folded
    text."""
    if isinstance(x, bool):
        return str(x).casefold()
    if isinstance(x, int | float):
        return float(x)
    text = "" if x is None else str(x).strip()
    try:
        return float(text)
    except ValueError:
        return text.casefold()


def _axis_paths(pt: PivotTable, book: Any, rows: bool) -> list[tuple[str, tuple[Any, ...]]]:
    """Per body row (``rows``) or column: its type ("", "default", "grand", ...) and the
    labels of the item levels it stands for (the levels above carried from the rows
    before, as rowItems' ``r`` says)."""
    items = pt.row_items if rows else pt.col_items
    path: list[Any] = []
    out = []
    for k, (kind, first, count) in enumerate(items):
        if kind in ("", "data"):
            row = pt.r1 + pt.first_data_row + k if rows else None
            col = pt.c1 + pt.first_data_col + k if not rows else None
            labels = []
            for level in range(first, first + count):
                if rows:
                    at = (row, pt.c1 if pt.compact_rows else pt.c1 + level)
                    shown = pt.compact_rows and level != first + count - 1
                else:
                    at = (pt.r1 + pt.first_header_row + level, col)
                    shown = False
                cell = None if shown else book.cell(CellRef(pt.sheet, *at))
                labels.append(None if cell is None else _key(cell.value))
            path = path[:first] + labels
            out.append((kind, tuple(path)))
        else:   # a subtotal of the levels before: the rows above named them
            out.append((kind, tuple(path[:first + count])))
    return out


def _find(paths: list[tuple[str, tuple[Any, ...]]], wanted: dict[int, Any]) -> int | None:
    """The body row (column) showing the items ``wanted`` (level -> key): the Grand Total
    (or the only row of an axis without fields) where none is; None where it is not shown."""
    if not wanted:
        grand = [k for k, (kind, _) in enumerate(paths) if kind == "grand"]
        if grand:
            return grand[0]
        return 0 if len(paths) == 1 and not paths[0][1] else None
    depth = max(wanted) + 1
    if set(wanted) != set(range(depth)):
        return None
    target = tuple(wanted[level] for level in range(depth))
    found = None
    for k, (kind, path) in enumerate(paths):
        if kind in ("", "default") and len(path) == depth and path == target:
            if kind == "default" or found is None:
                found = k   # a subtotal row below its items holds their total
    return found


def pivot_value(pt: PivotTable, book: Any, data_field: Any, pairs: list[tuple[Any, Any]]
                ) -> Any:
    """The value GETPIVOTDATA(data_field, <a cell of pt>, field, item, ...) gives: the cell's
    cached value, or an ExcelError."""
    ref = ExcelError("#REF!")
    name = _key(data_field)
    data = next((d for d, (dname, fld) in enumerate(pt.data_fields)
                 if _key(dname) == name or (fld < len(pt.fields) and _key(pt.fields[fld]) == name)),
                None)
    if data is None:
        return ref
    wanted: tuple[dict[int, Any], dict[int, Any]] = ({}, {})
    for axis, fields in enumerate((pt.row_fields, pt.col_fields)):
        if VALUES_FIELD in fields:   # several data fields: a level of their names
            wanted[axis][fields.index(VALUES_FIELD)] = _key(pt.data_fields[data][0])
    for field, item in pairs:
        f = _key(field)
        for axis, fields in enumerate((pt.row_fields, pt.col_fields)):
            level = next((lv for lv, x in enumerate(fields)
                          if 0 <= x < len(pt.fields) and _key(pt.fields[x]) == f), None)
            if level is not None:
                wanted[axis][level] = _key(item)
                break
        else:
            return ref
    row = _find(_axis_paths(pt, book, True), wanted[0])
    col = _find(_axis_paths(pt, book, False), wanted[1])
    if row is None or col is None:
        return ref
    cell = book.cell(CellRef(pt.sheet, pt.r1 + pt.first_data_row + row,
                             pt.c1 + pt.first_data_col + col))
    # an empty body cell: a parent row without subtotals shows no value there
    return ref if cell is None or cell.value is None else cell.value


def _table_at(book: Any, area: Any) -> PivotTable | None:
    return next((pt for pt in getattr(book, "pivot_tables", ())
                 if pt.sheet == area.sheet and pt.r1 <= area.r1 <= pt.r2
                 and pt.c1 <= area.c1 <= pt.c2), None)


def _trial_values(arg: Any, n: int) -> list[Any]:
    """One Python scalar per trial of an argument (a reference's first cell)."""
    if isinstance(arg, Grid):
        arg = arg.cells[0][0] if arg.cells and arg.cells[0] else from_scalar(None)
    if not isinstance(arg, Vec):
        return [None] * n
    return [arg.scalar(i) for i in range(n)]


@register("GETPIVOTDATA", needs_ctx=True, refs=True)
def getpivotdata(ctx: Any, data_field: Any = None, pivot_table: Any = None, *pairs: Any) -> Vec:
    """Excel's GETPIVOTDATA(data_field, pivot_table, [field1, item1], ...)."""
    model = getattr(ctx, "model", None)
    area = getattr(pivot_table, "area", None)
    pt = None if model is None or area is None else _table_at(model.workbook, area)
    if pt is None or len(pairs) % 2:
        return error(REF)
    args = [data_field, *pairs]
    n = trials(*[a for a in args if a is not None])
    cols = [_trial_values(a, n) for a in args]
    memo: dict[tuple[Any, ...], Any] = {}
    out = []
    for i in range(n):
        key = tuple(c[i] for c in cols)
        if key not in memo:
            items = list(key[1:])
            memo[key] = pivot_value(pt, model.workbook, key[0],
                                    list(zip(items[::2], items[1::2], strict=True)))
        out.append(memo[key])
    return from_scalar(out[0]) if n == 1 else from_scalars(out)
