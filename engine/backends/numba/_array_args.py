"""Statistics of an array expression read whole, as numpy reads its Grid (a mixin of the
generator, and the rules :class:`._arrays.ArrayElements` keeps such arguments whole by).

The CSE idioms of real models aggregate an array expression whose elements are not all
numbers: ``{=MAX(IF(name="x", range))}`` (IF without an else: FALSE where the condition
fails), ``{=MEDIAN(IF(c="x", r*k))}``, ``{=SMALL(IF((a="x")*(b>0), ROW(a)-2), ROWS($A$3:A3))}``
(the "filter list" copied down).  numpy evaluates the expression as an array
(``operators.map_grid``) and the function reads that Grid as it reads a range: its numbers
only (text, logicals and blanks skipped: the FALSE of an IF without an else too), the first
error in row order propagated.  Writing the elements out one by one as direct arguments
(:mod:`._numeric_elements`) is that only where every element is a number or an error.

Here the elements (each the value of its own IR: :meth:`._aggregates.AggregatesMixin.
array_values`) become stand-in cells of a sheet no workbook has, as AGGREGATE's options do
(:mod:`._aggregate_options`), and the function is generated over that range: a range's
rules are the array's.  SMALL, LARGE, PERCENTILE and QUARTILE read their first argument's
elements themselves (:meth:`._stats.StatsMixin._array_numbers`); an array of positions
(``LARGE(r, {1;2;3})``) is an array result, element (r, c) the function at position (r, c)
(:class:`._arrays.ArrayElements`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ._aggregate_options import VIRTUAL_SHEET
from ._host import expr_with_cells
from ._values import BLANK, KBLANK, NotFusable, Val

if TYPE_CHECKING:
    from ...workbook import CellRef

# functions whose every argument, an array expression, is read as a range (stand-in cells)
STAND_INS = frozenset({
    "SUM", "PRODUCT", "AVERAGE", "MIN", "MAX", "MEDIAN", "MODE", "MODE.SNGL",
    "STDEV", "STDEV.S", "STDEVP", "STDEV.P", "VAR", "VAR.S", "VARP", "VAR.P",
    "SKEW", "SKEW.P", "KURT", "DEVSQ", "AVEDEV", "GEOMEAN", "HARMEAN",
})
# order statistics: the array (first argument) read whole by _stats._array_numbers, the
# position one value per element of the result (an array of positions: an array result)
ORDER_STATS = frozenset({
    "SMALL", "LARGE", "PERCENTILE", "PERCENTILE.INC", "PERCENTILE.EXC", "QUARTILE",
    "QUARTILE.INC", "QUARTILE.EXC",
})


def read_whole(name: str, k: int) -> bool:
    """Whether argument ``k`` of ``name``, an array expression in an array formula, is kept
    whole (its elements read with a range's rules by the generator)."""
    return name in STAND_INS or (name in ORDER_STATS and k == 0)


def _may_be_array(node: ir.Node) -> bool:
    """Whether ``node`` (not itself a range or constant) holds a range or an array."""
    if isinstance(node, ir.Area | ir.Ref | ir.Array | ir.Missing | ir.Num | ir.Str |
                  ir.Bool | ir.Err):
        return False
    return any(isinstance(n, ir.Area | ir.Array) for n in ir.walk(node))


class ArrayArgsMixin:
    """``array_arguments``: the aggregates of :data:`STAND_INS` over array expressions."""

    if TYPE_CHECKING:  # provided by the Generator
        array_ir: list[object]

        def array_shape(self, node: ir.Node) -> tuple[int, int] | None: ...
        def _array_elements(self, a: ir.Node, shape: tuple[int, int], what: str = ...
                            ) -> list[Val]: ...

    def array_arguments(self, node: ir.Call) -> Val | None:
        """``node`` (one of :data:`STAND_INS`) with each argument that is an array
        expression read as a range of stand-in cells holding its elements in row order;
        None where no argument is one (or one is not an array this generator computes: the
        function's own rules then apply, as before)."""
        if node.name not in STAND_INS:
            return None
        from ._args import is_reference, selects_ranges
        from ._matrices import has_array_call

        args = list(node.args)
        cells: dict[CellRef, Val] = {}
        for k, a in enumerate(node.args):
            if not _may_be_array(a) or has_array_call(a) or selects_ranges(a) or \
                    is_reference(a):   # MMULT ... (_matrices); IF(x, r1, r2): the range
                continue               # chosen, a reference (_args.selected_ranges)
            try:
                shape = self.array_shape(a)
            except NotFusable:
                continue
            if shape is None:
                continue
            vals = self._array_elements(a, shape, node.name)
            area, got = self._array_stand_ins(vals, k)
            args[k] = area
            cells.update(got)
        if not cells:
            return None
        return expr_with_cells(self, ir.Call(node.name, tuple(args)), cells)  # type: ignore[arg-type]

    def _array_stand_ins(self, vals: list[Val], k: int) -> tuple[ir.Area, dict[CellRef, Val]]:
        """Stand-in cells in a row holding ``vals`` (blanks left out: a range skips them),
        on a sheet named for this call alone."""
        from ...workbook import CellRef

        n = getattr(self, "_array_arg_sheets", 0) + 1
        self._array_arg_sheets = n
        sheet = f"{VIRTUAL_SHEET}array{n}.{k}"
        vals = [v for v in vals if v.kind != KBLANK or v.e != "0"] or [BLANK]
        cells = {CellRef(sheet, 1, j + 1): v for j, v in enumerate(vals)}
        area = ir.Area(sheet, 1, 1, 1, len(vals))
        self._area_memo[area] = True   # type: ignore[attr-defined]  # varies: not folded
        return area, cells


__all__ = ["ORDER_STATS", "STAND_INS", "ArrayArgsMixin", "read_whole"]
