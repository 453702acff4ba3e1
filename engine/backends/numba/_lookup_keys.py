"""Lookups of an array of keys in an array context: ``SUMPRODUCT((IFERROR(VLOOKUP(
Log!B6:B3005, Register!A6:E25, 5, FALSE), "") = B$5) * Log!E6:E3005)`` (kebron's TAX-011:
the entity of each log row's property, summed per entity).

numpy's lookups map element by element over a key that is an array (a range, an array
constant or expression: :func:`engine.functions.lookup._lift` with map_grid), so element
(r, c) of ``VLOOKUP(keys, table, k, mode)`` is ``VLOOKUP(keys[r, c], table, k, mode)``: one
lookup per element, the table (lookup vector) read whole.  These are the shape and element
rules of that map for :class:`._arrays.ArrayElements` (which provides ``shape``,
``_mapped`` and ``_single``); the generator then compiles each element as a plain cell's
lookup (:mod:`._lookups`), or as the body of a loop over the rows (:mod:`._row_loops`).
XLOOKUP's keys have their own rule (``ArrayElements._xlookup``); INDEX at MATCH positions is
INDEX's (:mod:`._index_positions`) over this MATCH's shape.

Only the key is mapped here: a column index, a row index or a mode given as an array is left
to numpy (refused with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ... import ir
from ...values import NA
from ._values import NotFusable

if TYPE_CHECKING:
    Shape = tuple[int, int] | None

# the argument positions numpy's lift maps (lookup.vlookup ... _lift's ``scalars``) besides
# the key, and those read whole (a table, a lookup or result vector)
_LIFTED = {"VLOOKUP": (2, 3), "HLOOKUP": (2, 3), "MATCH": (2,), "XMATCH": (2, 3),
           "LOOKUP": ()}
_WHOLE = {"VLOOKUP": (1,), "HLOOKUP": (1,), "MATCH": (1,), "XMATCH": (1,), "LOOKUP": (1, 2),
          "XLOOKUP": (1, 2)}   # (XLOOKUP: keyed_call only; its shape is ArrayElements')


class LookupKeysRules:
    """The shape and element rules of a lookup whose key is an array."""

    if TYPE_CHECKING:
        def shape(self, node: ir.Node) -> Shape: ...
        def _mapped(self, nodes: list[ir.Node], r: int, c: int) -> list[ir.Node] | None: ...
        def _single(self, node: ir.Node) -> ir.Node: ...
        const: Callable[[ir.Node], object] | None

    def lookup_keys_shape(self, node: ir.Call) -> Shape:
        """The shape of the key of VLOOKUP, HLOOKUP, MATCH, XMATCH or LOOKUP where it is an
        array (of more than one element), None for one key (the lookup is one value)."""
        name = node.name
        if name not in _LIFTED or not node.args:
            return None
        got = self.shape(node.args[0])
        if got in (None, (1, 1)):
            return None
        for k, a in enumerate(node.args):
            if k in _LIFTED[name] and self.shape(a) not in (None, (1, 1)):
                raise NotFusable(f"{name} of an array of keys and an array of modes or "
                                 "column indexes")
            if k in _WHOLE[name] and not isinstance(a, ir.Area) and k > 1:
                raise NotFusable(f"{name} of an array of keys with a result that is not a "
                                 "range")
        return got

    def folded_keys(self, node: ir.Node) -> bool:
        """Whether ``node``, an array expression read whole by an aggregate, holds a lookup
        of an array of keys and is the same in every trial: ``{=SUM(IFERROR(INDEX(E1:E3,
        MATCH(B2:B7,D1:D3,0)),0))}``.  Its elements need not be numbers (an INDEX's cells may
        be text, which SUM skips in an array), so it is not written out element by element;
        it is read whole and folded by the numpy compiler as before these rules (where the
        lookup was one value to the shapes)."""
        if self.const is None or not any(
                isinstance(n, ir.Call) and n.name in _LIFTED and n.args
                and self.shape(n.args[0]) not in (None, (1, 1)) for n in ir.walk(node)):
            return False
        memo = self.__dict__.setdefault("_folded_memo", {})
        got = memo.get(id(node))
        if got is None or got[0] is not node:   # the node kept beside its answer
            got = memo[id(node)] = (node, self.const(node) is not None)
        return got[1]

    def lookup_keys_at(self, node: ir.Call, r: int, c: int) -> ir.Node:
        """Element (r, c): the lookup of the key's element (r, c), its table (lookup vector)
        read whole, its other arguments one value each."""
        key = self._mapped([node.args[0]], r, c)
        if key is None:   # outside the key's shape (not reached: the shape is the key's)
            return ir.Err(NA)
        return keyed_call(node, key[0], self._single)


def keyed_call(node: ir.Call, key: ir.Node, each: Callable[[ir.Node], ir.Node]) -> ir.Call:
    """The lookup ``node`` (a lookup of an array of keys) of the one key ``key``: its table
    (lookup vector, result vector) as it is, its other arguments ``each(argument)``."""
    whole = _WHOLE[node.name]
    rest = tuple(a if k in whole else each(a) for k, a in enumerate(node.args[1:], start=1))
    return ir.Call(node.name, (key, *rest))
