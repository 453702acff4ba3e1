"""INDEX of a FILTER/UNIQUE/SORT result, a range or an array constant at arrays of
positions, and TAKE of a SORT of an array of a fixed shape, in an array formula.

``INDEX(SORT(GROUPBY(..),2,-1), SEQUENCE(5), {1,2})`` (EfiLygda's Sales_Data_Project.xlsx:
the five customers of the highest average order): numpy's INDEX maps element by element over
position arguments that are arrays (engine.functions.lookup._lift, map_grid's broadcast), so
element (r, c) of the result is INDEX(array, rows[r, c], columns[r, c]) with the positions'
elements broadcast (past an array's size: #N/A), which the generator reads as INDEX of the
dynamic result at one position (``_dynarrays``: past this trial's rows, #REF!), or of the
range at one position (``_index_ref``: a position per trial, its errors and bounds).  A
position of 0 there (a whole row or column) inside the array is refused by ``fn_index``.

``TAKE(SORT(x, 2, -1), 5)`` with ``x`` of a fixed shape (a GROUPBY of constant row fields:
``_groupby``): SORT keeps every row, so the rows TAKE keeps are known when the kernel is
made, element (r, c) being INDEX(SORT(..), the row kept at r, c + 1).  Rules of
:class:`._arrays.ArrayElements` (which provides ``shape``, ``const`` and ``_mapped``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...values import NA, Vec
from ._values import NotFusable

if TYPE_CHECKING:
    Shape = tuple[int, int] | None


class IndexPositionsRules:
    """The shape and element rules of INDEX(dynamic result, row array, column array)."""

    if TYPE_CHECKING:
        def shape(self, node: ir.Node) -> Shape: ...
        def _mapped(self, nodes: list[ir.Node], r: int, c: int) -> list[ir.Node] | None: ...
        def _const_arg(self, node: ir.Node, what: str) -> object: ...

    def index_positions_shape(self, node: ir.Call) -> Shape:
        """The broadcast shape of the positions of INDEX(source, rows[, columns]) where one
        of them is an array (a range, an array constant or expression: calebjgartner's
        ``INDEX(Sales.Price.Forecast#, 1, C53#)``) and the source a dynamic result, a range
        or an array constant; None for any other INDEX."""
        from ._arrays import _broadcast, _unlet
        from ._dynarrays import is_dynamic

        if node.name != "INDEX" or not 2 <= len(node.args) <= 3:
            return None
        src = _unlet(node.args[0])
        if is_dynamic(src):
            if len(node.args) != 3:
                return None
        elif not isinstance(src, ir.Area | ir.Array):
            return None
        got = _broadcast([self.shape(a) for a in node.args[1:]])
        return None if got in (None, (1, 1)) else got

    def index_positions_at(self, node: ir.Call, r: int, c: int) -> ir.Node:
        """Element (r, c): INDEX of the source at the positions' elements (r, c), as numpy's
        lookup.index lifts it (``_lift``): INDEX(2-D array constant, rows) has column 1."""
        kids = self._mapped(list(node.args[1:]), r, c)
        if kids is None:
            return ir.Err(NA)
        from ._arrays import _unlet

        src = node.args[0]
        if len(kids) == 1 and isinstance(_unlet(src), ir.Array) and \
                self.shape(node.args[1]) is not None and min(self.shape(src) or (1, 1)) > 1:
            kids.append(ir.Num(1.0))
        return ir.Call("INDEX", (src, *kids))

    def sorted_take(self, node: ir.Call) -> tuple[list[int], int] | None:
        """TAKE(SORT(x, ...), rows) with ``x`` of a fixed shape: the SORT's rows kept (from 0)
        and its columns; None for any other TAKE."""
        from ._arrays import _unlet

        if node.name != "TAKE" or len(node.args) != 2:
            return None
        s = _unlet(node.args[0])
        if not (isinstance(s, ir.Call) and s.name == "SORT" and s.args
                and len(s.args) <= 3):   # by_col (4th) moves columns: not here
            return None
        shape = self.shape(_unlet(s.args[0]))
        if shape is None:
            return None
        size = self._const_arg(node.args[1], "TAKE's size or index")
        if not (isinstance(size, Vec) and len(size) == 1 and not size.has_errors):
            raise NotFusable("TAKE of a SORT result by a size that is not a number")
        k = size.scalar(0)
        if not isinstance(k, float) or k != int(k) or k == 0:
            raise NotFusable("TAKE of a SORT result by a size that is not a whole number")
        rows = list(range(shape[0]))
        kept = rows[:int(k)] if k > 0 else rows[int(k):]
        return kept, shape[1]

    def sorted_take_shape(self, node: ir.Call) -> tuple[int, int] | None:
        got = self.sorted_take(node)
        if got is None:
            return None
        return None if (len(got[0]), got[1]) == (1, 1) else (len(got[0]), got[1])

    def sorted_take_at(self, node: ir.Call, r: int, c: int) -> ir.Node:
        got = self.sorted_take(node)
        assert got is not None
        return ir.Call("INDEX", (node.args[0], ir.Num(float(got[0][r] + 1)),
                                 ir.Num(float(c + 1))))
