"""CELL(info_type, reference) in the fused kernel (numpy: engine._cell).

The info types the workbook fixes ("row", "col", "address", "filename", "format", "color",
"parentheses") are one constant, folded by the numpy compiler; "contents" is the referenced
cell's value (the reference itself); "type" is "b"/"l"/"v" from the referenced value's kind,
a constant for a cell of one kind, selected per trial by its tag for a mixed one (``sel``, which
the CUDA translation already has: nothing new in either runtime). Anything the numpy compiler
leaves unsupported (a computed reference, an info_type that is not a constant, "prefix", ...)
never reaches the kernel: the cell is refused before.

FORMULATEXT of one cell is the formula as Excel shows it, a text known when the kernel is
made (#N/A where the cell holds none), whatever values the cell takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ..._cell import PER_TRIAL, STATIC, info_type, reference_cell
from ...values import VALUE, Grid, blank
from ._dtext import DynamicText
from ._host import GeneratorHost
from ._values import KANY, KBLANK, KDYN, KSTR, NotFusable, Val, num

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...values import Vec


class CellInfoMixin(GeneratorHost):
    """``fn_cell`` and ``fn_formulatext``."""

    if TYPE_CHECKING:  # provided by the Generator
        def fold(self, node: ir.Node) -> Val | None: ...
        def text_const(self, s: str, e: str = "0") -> Val: ...
        def by_kind(self, a: Val, fn: Callable[[Val], Val]) -> Val: ...
        def constant(self, key: object, vec: Vec | Grid) -> Val: ...

    def fn_cell(self, node: ir.Call) -> Val:
        assert self.cell is not None
        kind = info_type(node)
        at = reference_cell(node, self.cell)
        if kind is None or at is None or not 1 <= len(node.args) <= 2:
            raise NotFusable("CELL that the numpy compiler does not support")
        if kind in STATIC:
            got = self.fold(node)
            if got is None:
                raise NotFusable("CELL whose value is not one constant")
            return got
        if kind not in PER_TRIAL:
            return num("0.0", str(VALUE), (0.0, 0.0))
        if len(node.args) < 2 or isinstance(node.args[1], ir.Missing):
            raise NotFusable(f'CELL("{kind.lower()}") without a reference')
        ref = node.args[1]
        if not isinstance(ref, ir.Ref):   # a range: its upper-left cell
            ref = ir.Ref(at)
            self.array_ir.append(ref)
        if kind == "CONTENTS":
            return self.expr(ref)
        lines = getattr(self, "lines", None)
        mark = None if lines is None else len(lines)
        try:
            v = self.expr(ref)
        except DynamicText:   # text made per trial: "l" whatever the text
            if mark is not None:
                del lines[mark:]
            return self.text_const("l")
        formula = self.model.is_formula(at)
        return self.by_kind(v, lambda w: self._cell_type(w, formula))

    def fn_formulatext(self, node: ir.Call) -> Val:
        """FORMULATEXT of one cell: its formula as the reference shows it, or #N/A without
        one (engine.functions.info.formulatext), one constant whatever the cell's value."""
        from types import SimpleNamespace

        from ...functions.info import formulatext

        a = node.args[0] if len(node.args) == 1 else None
        if isinstance(a, ir.Ref):
            a = ir.Area(a.cell.sheet, a.cell.row, a.cell.col, a.cell.row, a.cell.col)
        if not isinstance(a, ir.Area) or a.shape != (1, 1):
            raise NotFusable("FORMULATEXT of something other than one cell")
        got = formulatext(SimpleNamespace(model=self.model), Grid([[blank()]], a))
        return self.constant(("FORMULATEXT", a), got)

    def _cell_type(self, v: Val, formula: bool) -> Val:
        """CELL("type") of a value of one kind (engine._cell.type_of): errors give "v"."""
        if v.kind == KANY:
            raise NotFusable("CELL type of a value of several kinds")
        if v.kind == KBLANK:
            return self.text_const("v" if formula else "b")
        return self.text_const("l" if v.kind in (KSTR, KDYN) else "v")


__all__ = ["CellInfoMixin"]
