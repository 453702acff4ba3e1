"""INDEX of a FILTER/UNIQUE/SORT result at arrays of positions, in an array formula.

``INDEX(SORT(GROUPBY(..),2,-1), SEQUENCE(5), {1,2})`` (EfiLygda's Sales_Data_Project.xlsx:
the five customers of the highest average order): numpy's INDEX maps element by element over
position arguments that are arrays (engine.functions.lookup._lift, map_grid's broadcast), so
element (r, c) of the result is INDEX(array, rows[r, c], columns[r, c]) with the positions'
elements broadcast (past an array's size: #N/A), which the generator reads as INDEX of the
dynamic result at one position (``_dynarrays``: past this trial's rows, #REF!).  A rule of
:class:`._arrays.ArrayElements` (which provides ``shape`` and ``_mapped``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...values import NA

if TYPE_CHECKING:
    Shape = tuple[int, int] | None


class IndexPositionsRules:
    """The shape and element rules of INDEX(dynamic result, row array, column array)."""

    if TYPE_CHECKING:
        def shape(self, node: ir.Node) -> Shape: ...
        def _mapped(self, nodes: list[ir.Node], r: int, c: int) -> list[ir.Node] | None: ...

    def index_positions_shape(self, node: ir.Call) -> Shape:
        """The broadcast shape of the positions of INDEX(dynamic, rows, columns) where one
        of them is an array; None for any other INDEX."""
        from ._arrays import _broadcast, _unlet
        from ._dynarrays import is_dynamic

        if node.name != "INDEX" or len(node.args) != 3 or \
                not is_dynamic(_unlet(node.args[0])):
            return None
        got = _broadcast([self.shape(a) for a in node.args[1:]])
        return None if got in (None, (1, 1)) else got

    def index_positions_at(self, node: ir.Call, r: int, c: int) -> ir.Node:
        """Element (r, c): INDEX of the result at the positions' elements (r, c)."""
        kids = self._mapped(list(node.args[1:]), r, c)
        if kids is None:
            return ir.Err(NA)
        return ir.Call("INDEX", (node.args[0], *kids))
