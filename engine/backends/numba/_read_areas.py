"""The shape of a range that an array formula reads for its values.

numpy reads a range through ``Env.area``: the part inside its sheet, then the empty cells
past it up to the size written (``$A$2:$A$100`` over a 12-row table is 99 cells, the last
87 empty, as Excel reads them), except along an axis written longer than
``engine._ir_nodes.PAD_LINES`` (a whole column ``A:A``: the sheet's part) or past
``PAD_ADDED`` empty cells (``$A$2:$A$65536``: the sheet's part), and
:func:`engine._ir_nodes.padded` gives both the same cells.  An element past the sheet's
cells is a Ref to an empty cell (``ArrayElements._at``).

ROW() and COLUMN() of a range do not read it: they keep the strict rule of
:meth:`._arrays.ArrayElements._call_shape` (the compiler's WRITTEN_ROWS_CAP).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ..._ir_nodes import padded
from ._values import NotFusable

if TYPE_CHECKING:
    from ...workbook import Workbook

PAST = "an array formula over a range past the sheet's cells"


# empty cells past the sheet's that a kernel reads of one range at most: more are left to
# numpy (a dashboard's 18 LARGE(IF(Risk!$G$6:$G$1000=..,ROW(..)),k) over a 15-row sheet, 985
# empty elements each, made its kernel too large: 1293 -> 1135 cells fused)
PAST_CELLS = 256


def read_area(workbook: Workbook, area: ir.Area) -> ir.Area:
    """The cells numpy reads of ``area`` (``Env.area``: :func:`engine._ir_nodes.padded`;
    NotFusable for a sheet that is not in the workbook, or more than PAST_CELLS cells past
    the sheet's part)."""
    sheet = workbook.sheets.get(area.sheet)
    if sheet is None:
        raise NotFusable(PAST)
    last_row, last_col = max(sheet.max_row, 1), max(sheet.max_col, 1)
    got = padded(area, last_row, last_col)
    rows, cols = got.shape
    part = ir.clip(area, last_row, last_col).shape
    if rows * cols - part[0] * part[1] > PAST_CELLS:
        raise NotFusable(f"{PAST} ({rows * cols - part[0] * part[1]:,} empty cells)")
    return got


def read_shape(workbook: Workbook, area: ir.Area) -> tuple[int, int]:
    """(rows, columns) numpy reads of ``area`` (``Env.area``: :func:`engine._ir_nodes.padded`;
    NotFusable for a sheet that is not in the workbook)."""
    return read_area(workbook, area).shape
