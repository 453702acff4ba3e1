"""FREQUENCY's data argument reaching past the sheet's cells.

A real portfolio-risk workbook counts simulated losses with ``=FREQUENCY($O$2:$O$490,
$R$2:$R$25)`` where the sheet ends at row 487: the range is read clipped (the IR keeps its
written size apart, :func:`engine._ir_nodes.clip`), and the array-formula rules refused any
range past the sheet's cells (its element-wise shape would differ).  FREQUENCY counts only
the numbers of its data, so the cells past the sheet (blank) change nothing: the data is
read as the part inside the sheet (engine.functions.matrices numbers of the clipped range,
the same values).  The bins keep the strict rule (their count is the result's shape).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir

if TYPE_CHECKING:
    from ...workbook import Workbook


def frequency_data(workbook: Workbook, node: ir.Node) -> ir.Node:
    """``node`` (FREQUENCY's data argument) as read: a range reaching past its sheet's cells
    becomes the range of its cells inside the sheet; anything else is returned as is."""
    if not isinstance(node, ir.Area):
        return node
    sheet = workbook.sheets.get(node.sheet)
    if sheet is None:
        return node
    part = ir.clip(node, max(sheet.max_row, 1), max(sheet.max_col, 1))
    return ir.Area(part.sheet, part.r1, part.c1, part.r2, part.c2)
