"""OFFSET in the fused kernel (a mixin of the generator), where it names one cell.

engine.compiler's OFFSET(base, rows, cols[, height, width]) truncates its numbers and reads
the range they name; where the trials of a chunk name different ranges it gives each trial
its range as one value (the cell of a one-cell range, #VALUE! for a larger one), where they
all name the same range it gives the range itself (an array formula then spreads its cells).
Those agree trial by trial only where the range is one cell (or #REF!) in every trial: a
height and a width whose bounds truncate to at most 1.  There the kernel picks the cell
named this trial among the few the bounds of rows and cols allow (CHOOSE of references),
#REF! where the height or width is below 1 or the cell is above row 1 or left of column A.
An argument that may be an error (numpy makes the whole chunk #VALUE! then) or that is not
bounded is left to numpy, as is a range of more than one cell.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ... import ir
from ...values import REF
from ._values import KBLANK, KBOOL, KNUM, NotFusable, Val, lit

if TYPE_CHECKING:
    pass

MAX_OFFSET_CELLS = 64   # cells one OFFSET may name over its arguments' bounds


class OffsetMixin:
    """OFFSET naming one cell (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        override: dict[int, Val]
        array_ir: list[object]

        def value(self, expr: str) -> str: ...
        def expr(self, node: ir.Node) -> Val: ...
        def number(self, node: ir.Node | None, default: float | None = None) -> Val: ...

    def fn_offset(self, node: ir.Call) -> Val:
        from ...workbook import CellRef

        args = node.args
        if not 3 <= len(args) <= 5:
            raise NotFusable("OFFSET with a wrong number of arguments")
        base = args[0]
        if isinstance(base, ir.Ref):
            base = ir.Area(base.cell.sheet, base.cell.row, base.cell.col, base.cell.row,
                           base.cell.col)
        if not isinstance(base, ir.Area):
            raise NotFusable("OFFSET of something other than a reference")
        nr, nc = base.declared_shape
        parts: list[tuple[str, int, int]] = []   # (truncated value, lowest, highest)
        for k, default in enumerate((0, 0, nr, nc)):
            a = args[k + 1] if k + 1 < len(args) else ir.Missing()
            if isinstance(a, ir.Missing):
                parts.append((lit(float(default)), default, default))
                continue
            v = self.number(a)
            if v.e != "0" or v.kind not in (KNUM, KBOOL, KBLANK) or not v.bounded:
                raise NotFusable("OFFSET with an argument that may be an error or is unbounded")
            t = lit(float(math.trunc(v.lo))) if v.lo == v.hi else \
                self.value(f"np.trunc({v.v})")
            parts.append((t, math.trunc(v.lo), math.trunc(v.hi)))
        (dr, r_lo, r_hi), (dc, c_lo, c_hi), (h, _, h_hi), (w, _, w_hi) = parts
        if h_hi > 1 or w_hi > 1:
            raise NotFusable("OFFSET of more than one cell in some trials (numpy's value "
                             "depends on the other trials of its chunk)")
        rows, cols = r_hi - r_lo + 1, c_hi - c_lo + 1
        if rows * cols > MAX_OFFSET_CELLS:
            raise NotFusable(f"OFFSET that may name {rows * cols} cells")
        options: list[ir.Node] = []
        for i in range(r_lo, r_hi + 1):
            for j in range(c_lo, c_hi + 1):
                r, c = base.r1 + i, base.c1 + j
                options.append(ir.Ref(CellRef(base.sheet, r, c)) if r >= 1 and c >= 1 and
                               r <= ir.MAX_ROW and c <= ir.MAX_COL else ir.Err(REF))
        options.append(ir.Err(REF))
        bad = self.value(f"({h} < 1.0) | ({w} < 1.0)")
        k = self.value(f"sel({bad}, {lit(float(len(options)))}, ({dr} - {lit(float(r_lo))}) * "
                       f"{lit(float(cols))} + ({dc} - {lit(float(c_lo))}) + 1.0)")
        place = ir.Array(((ir.Num(-1.0),),))   # stands for the choice in CHOOSE
        pick = ir.Call("CHOOSE", (place, *options))
        self.array_ir.append(pick)
        self.override[id(place)] = Val(k, "0", KNUM, 1.0, float(len(options)))
        try:
            return self.expr(pick)
        finally:
            self.override.pop(id(place), None)
