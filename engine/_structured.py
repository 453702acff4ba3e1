"""Structured references to Excel tables (private to :mod:`engine.ir`)::

    Table1   Table1[Amount]   Table1[[Qty]:[Price]]   Table1[#Totals]   Table1[[#Headers],[A]]
    Table1[@Amount]   [@Amount]   Table1[@[Col with space]]   Table1[[#This Row],[A]:[B]]
    Table1['#Items]   (a ' escapes [ ] # ' in a column name)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import _ir_nodes as n
from .values import ERROR_CODES
from .workbook import CellRef

if TYPE_CHECKING:
    from ._ir_nodes import Node
    from ._references import Resolver

_SPECIALS = {"#ALL", "#DATA", "#HEADERS", "#TOTALS", "#THIS ROW"}
_ITEM = re.compile(r"\[((?:[^\]']|'.)*)\]|(:)")


def _unescape(name: str) -> str:
    return re.sub(r"'(.)", r"\1", name)


def _items(inner: str) -> list[tuple[str, str]]:
    """'[#This Row],[A]:[B]' -> [('#This Row',''), ('A',''), ('',':'), ('B','')]; a bare
    'Amount' or '@Amount' or '@[Col with space]' -> one item."""
    if inner.startswith("[") and not inner.startswith("[@"):
        return [(m.group(1) or "", m.group(2) or "") for m in _ITEM.finditer(inner)]
    return [(inner, "")]


def structured_reference(text: str, resolver: Resolver, cell: CellRef | None) -> Node | None:
    """The Area (or Ref) a structured reference names, an Err, a BadRef, or None when
    ``text`` names no table."""
    tables = resolver.wb.tables
    name, bracket, spec = text.partition("[")
    if name:
        table = tables.get(name.strip().upper())
    else:  # unqualified: the table that contains the formula
        table = next((t for t in tables.values() if cell is not None and t.sheet == cell.sheet
                      and t.r1 <= cell.row <= t.r2 and t.c1 <= cell.col <= t.c2), None)
    if table is None:
        return None
    spec = (bracket + spec).strip()
    inner = spec[1:-1].strip() if spec.startswith("[") and spec.endswith("]") else ""
    specials: set[str] = set()
    cols: list[int] = []
    pending_span = False
    for item, colon in _items(inner):
        if colon:
            pending_span = True
            continue
        raw, item = item, item.strip()   # a column name may end in a space ([Field 4 ])
        if item.startswith("@"):
            specials.add("#THIS ROW")
            item = item[1:].strip()
            if item.startswith("[") and item.endswith("]"):
                item = item[1:-1]
            if not item:
                continue
        if item.upper() in _SPECIALS:
            specials.add(item.upper())
            continue
        if not item:
            continue
        names = [c.casefold() for c in table.columns]
        want = [w for w in (_unescape(raw).casefold(), _unescape(item).casefold()) if w in names]
        idx = names.index(want[0]) if want else None
        if idx is None:
            return n.BadRef(text, f"table {table.name} has no column {_unescape(item)!r}")
        if pending_span and cols:
            lo, hi = sorted((cols[-1], idx))
            cols.extend(range(lo, hi + 1))
            pending_span = False
        else:
            cols.append(idx)
    data_r1 = table.r1 + table.header_rows
    data_r2 = table.r2 - table.totals_rows
    if "#THIS ROW" in specials:
        if cell is None or not (data_r1 <= cell.row <= data_r2):
            return n.Err(ERROR_CODES["#VALUE!"])
        r1 = r2 = cell.row
    elif "#ALL" in specials:
        r1, r2 = table.r1, table.r2
    else:
        rows = []
        if "#HEADERS" in specials and table.header_rows:
            rows += [table.r1]
        if "#DATA" in specials or not (specials & {"#HEADERS", "#TOTALS"}):
            rows += [data_r1, data_r2]
        if "#TOTALS" in specials and table.totals_rows:
            rows += [table.r2]
        if not rows:
            return n.Err(ERROR_CODES["#REF!"])
        r1, r2 = min(rows), max(rows)
    c1 = table.c1 + (min(cols) if cols else 0)
    c2 = table.c1 + (max(cols) if cols else len(table.columns) - 1)
    if r1 == r2 and c1 == c2:
        return n.Ref(CellRef(table.sheet, r1, c1))
    return n.Area(table.sheet, r1, c1, r2, c2)
