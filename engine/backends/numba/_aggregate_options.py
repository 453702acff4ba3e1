"""AGGREGATE for the kernel generator (a mixin), as engine.functions.aggregate computes it:
function_num and options are constants; the cells the options leave out (nested
SUBTOTAL/AGGREGATE cells, hidden rows: fixed by the workbook; error values: per trial) are
blank to the aggregate, which is then generated as the function of that number over a range
of stand-in cells (a sheet no workbook has, as :mod:`._index_ref` does for INDEX): a cell in
error in some trials is blank in those trials and itself in the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...functions.aggregate import _NAMES
from ...values import VALUE
from ._args import MAX_AREA_CELLS
from ._host import expr_with_cells
from ._values import BLANK, KANY, KBLANK, KBOOL, KNUM, KSTR, TAG, NotFusable, Val, num

if TYPE_CHECKING:
    from ...model import Model
    from ...workbook import CellRef

VIRTUAL_SHEET = "\x00AGGREGATE"   # a sheet name no workbook has (a control character)


class AggregateOptionsMixin:
    """``fn_aggregate`` (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator
        model: Model
        array_ir: list[object]
        input_vals: dict[CellRef, Val]
        _area_memo: dict[ir.Area, bool]

        def value(self, expr: str) -> str: ...
        def expr(self, node: ir.Node) -> Val: ...
        def operand(self, c: CellRef) -> Val: ...
        def area_cells(self, a: ir.Area) -> list[CellRef]: ...
        def is_constant(self, node: ir.Node) -> bool: ...
        def array_shape(self, node: ir.Node) -> tuple[int, int] | None: ...
        def array_values(self, node: ir.Node, shape: tuple[int, int]) -> list[Val]: ...
        def _fixed(self, node: ir.Node) -> bool: ...
        def _folded(self, node: ir.Node, shape: tuple[int, int]) -> list[Val]: ...

    def _aggregate_constant(self, node: ir.Node) -> int | None:
        """aggregate._constant of a constant argument: its number (a logical too), else
        None; an argument that varies per trial is not fused (numpy reads it per chunk)."""
        if not self.is_constant(node):
            raise NotFusable("AGGREGATE with a function number or options that vary")
        v = self.expr(node)
        if v.e != "0" or v.kind not in (KNUM, KBOOL) or v.lo != v.hi:
            return None
        return int(v.lo)

    def fn_aggregate(self, node: ir.Call) -> Val:
        if len(node.args) < 2:
            raise NotFusable("AGGREGATE with a wrong number of arguments")
        fn_num = self._aggregate_constant(node.args[0])
        opt_node = node.args[1]
        opt = 0 if isinstance(opt_node, ir.Missing) else self._aggregate_constant(opt_node)
        refs = node.args[2:]
        if fn_num not in _NAMES or opt is None or not 0 <= opt <= 7 or not refs:
            return num("0.0", str(VALUE), (0.0, 0.0))
        skip_nested, skip_hidden = opt <= 3, opt in (1, 3, 5, 7)
        skip_errors = opt in (2, 3, 6, 7)
        if fn_num >= 14:
            if len(refs) != 2:
                return num("0.0", str(VALUE), (0.0, 0.0))
            if fn_num in (14, 15) and skip_errors and not isinstance(refs[0], ir.Area | ir.Ref) \
                    and not isinstance(refs[1], ir.Area) \
                    and (got := self.order_stat_loop(
                        refs[0], self.array_shape(refs[0]), "large" if fn_num == 14 else "small",
                        self.number(refs[1], 0.0), True)) is not None:
                return got   # one loop over a long array expression, shared (_row_loops)
            args = [self._aggregate_view(refs[0], 0, skip_nested, skip_hidden, skip_errors),
                    refs[1]]
        else:
            args = [self._aggregate_view(r, k, skip_nested, skip_hidden, skip_errors)
                    for k, r in enumerate(refs) if not isinstance(r, ir.Missing)]
        virtual = {c: v for a in args if isinstance(a, _View) for c, v in a.cells.items()}
        new = ir.Call(_NAMES[fn_num], tuple(a.area if isinstance(a, _View) else a
                                            for a in args))
        return expr_with_cells(self, new, virtual)

    def _aggregate_view(self, a: ir.Node, k: int, skip_nested: bool, skip_hidden: bool,
                        skip_errors: bool) -> _View | ir.Node:
        """aggregate._view: a range (or a cell) as stand-in cells, those left out dropped
        (every one of the nineteen skips a blank of a range), errors blank where skipped."""
        if isinstance(a, ir.Ref):
            a = ir.Area(a.cell.sheet, a.cell.row, a.cell.col, a.cell.row, a.cell.col)
        if not isinstance(a, ir.Area):
            from ._args import is_reference

            if is_reference(a) or isinstance(a, ir.Call) and a.name in ("INDEX", "OFFSET",
                                                                        "INDIRECT"):
                raise NotFusable("AGGREGATE of a computed reference")
            shape = self.array_shape(a)
            if shape is not None:   # AGGREGATE(14,6,r/(r>0),k): the array's elements
                return self._stand_ins(self._array_elements(a, shape), skip_errors, k)
            if skip_errors and self.expr(a).e != "0":
                raise NotFusable("AGGREGATE leaving out the errors of a direct argument")
            return a
        cells = self.area_cells(a)
        keep = [True] * len(cells)
        if skip_nested or skip_hidden:
            mask = self.model.subtotal_mask(a, skip_hidden, False)
            if skip_nested:
                keep = list(mask.ravel())
            elif skip_hidden:
                with_nested = self.model.subtotal_mask(a, True, False)
                without = self.model.subtotal_mask(a, False, False)
                keep = list((with_nested | ~without).ravel())
        return self._stand_ins([self.operand(c) for c, kept in zip(cells, keep, strict=True)
                                if kept], skip_errors, k)

    def _array_elements(self, a: ir.Node, shape: tuple[int, int], what: str = "AGGREGATE"
                        ) -> list[Val]:
        """The elements of an array expression in row order (aggregate._view's Grid of
        map_grid's result, SMALL's array): folded once when the same in every trial
        (_lookup_arrays)."""
        if shape[0] * shape[1] > MAX_AREA_CELLS:
            raise NotFusable(f"{what} of an array of {shape[0] * shape[1]} elements")
        if self._fixed(a):
            return self._folded(a, shape)
        from ._codegen import MAX_KERNEL_LINES

        # about a line per node and element: refused before they are made where the kernel
        # could not hold them (a template's 1,460 cells of 200-row arrays: minutes of lines
        # generated only to be dropped by the budget)
        budget = getattr(self, "line_budget", None)
        estimate = shape[0] * shape[1] * sum(1 for _ in ir.walk(a))
        if budget is not None and budget.lines + estimate > MAX_KERNEL_LINES:
            raise NotFusable("the kernel would be too large")
        return self.array_values(a, shape)

    def _stand_ins(self, vals: list[Val], skip_errors: bool, k: int) -> _View:
        """Stand-in cells holding ``vals`` (errors blank where they are left out)."""
        from ...workbook import CellRef

        sheet = f"{VIRTUAL_SHEET}{len(self.array_ir)}.{k}"
        out: dict[CellRef, Val] = {}
        vals = [self._skip_error(v) for v in vals] if skip_errors else vals
        vals = [v for v in vals if v.kind != KBLANK] or [BLANK]
        for j, v in enumerate(vals):
            out[CellRef(sheet, 1, j + 1)] = v
        area = ir.Area(sheet, 1, 1, 1, len(vals))
        self._area_memo[area] = True   # varies: never folded by numpy
        return _View(area, out)

    def _skip_error(self, v: Val) -> Val:
        """A cell whose error AGGREGATE leaves out: blank in the trials where it is an error
        (a constant error: blank)."""
        if v.e == "0":
            return v
        if v.constant_error or v.kind == KBLANK:
            return BLANK   # a constant error (or a blank cell): blank
        kinds = tuple(sorted({*(v.kinds if v.y is not None else (v.kind,)), KBLANK},
                             key=TAG.get))
        y = self.value(f"sel({v.e} != 0, 3.0, {v.tag()})")
        x = self.value(f"sel({v.e} != 0, 0.0, {v.v})")
        lo, hi = (min(v.lo, 0.0), max(v.hi, 0.0)) if v.kind != KSTR else (0.0, 0.0)
        return Val(x, "0", KANY, lo, hi, v.dom, y, kinds)


class _View:
    """Stand-in cells of one argument of AGGREGATE: their range and values."""

    def __init__(self, area: ir.Area, cells: dict[CellRef, Val]) -> None:
        self.area = area
        self.cells = cells


__all__ = ["AggregateOptionsMixin", "VIRTUAL_SHEET"]
