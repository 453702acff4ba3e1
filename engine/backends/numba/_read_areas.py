"""The shape of a range that an array formula reads for its values.

numpy reads a range through ``Env.area``, which clips it to its sheet's cells: a range
written past the sheet's last row or column (``$A$2:$A$100`` over a 12-row table, a whole
column ``A:A``) is read as the part inside the sheet, and an array formula's element-wise
operations broadcast that part (its cells past it are #N/A, as numpy gives them).  The
compiler already keeps that part as the IR's range (its written size apart: ``rows``/
``cols``, :func:`engine._ir_nodes.clip`), so the elements are the part's cells.

ROW() and COLUMN() of a range do not read it: they keep the strict rule of
:meth:`._arrays.ArrayElements._area_shape`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ._values import NotFusable

if TYPE_CHECKING:
    from ...workbook import Workbook

PAST = "an array formula over a range past the sheet's cells"


def read_shape(workbook: Workbook, area: ir.Area) -> tuple[int, int]:
    """(rows, columns) numpy reads of ``area``: the IR's part inside its sheet, which
    ``Env.area`` reads unchanged (else NotFusable: a sheet that is not in the workbook, a
    part the runtime would clip again)."""
    sheet = workbook.sheets.get(area.sheet)
    if sheet is None:
        raise NotFusable(PAST)
    part = ir.clip(area, max(sheet.max_row, 1), max(sheet.max_col, 1))
    if (part.r1, part.c1, part.r2, part.c2) != (area.r1, area.c1, area.r2, area.c2):
        raise NotFusable(PAST)
    return area.shape
