"""Array formulas in the fused kernel: the IR of one element of a CSE formula's result.

The numpy reference evaluates an array formula once, at its anchor, as an array
(:func:`engine.functions.operators.map_grid`: ranges and array constants element by element,
a one-row or one-column operand repeated along the other axis, #N/A where an operand is too
small), keeps the top-left element as the anchor's value, and gives the cell at offset
(r, c) of the formula's range element (r, c) of that array (``Env.array_element``: a
one-row result repeated down, a one-column result repeated across, #N/A outside it; a
single value everywhere).

The kernel computes each cell on its own: :class:`ArrayElements` rewrites the formula into
the ordinary (single-value) IR of one element, which the generator then compiles as any
other formula.  A range in an element-wise position becomes the reference to its cell at
that position; functions that consume ranges (SUM, lookups' tables ...) keep them; a SUM,
PRODUCT, AVERAGE, MIN or MAX of an arithmetic array expression becomes the same function of
the expression's elements (each a number or an error, which these functions treat alike as
a direct argument and as an array element).  Anything whose result shape or element rule is
not known here (functions returning arrays: TRANSPOSE, LINEST, OFFSET ...) raises
:class:`NotFusable` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ... import ir
from ..._ir_passes import SCALAR_ARGUMENTS
from ...compiler import WRITTEN_ROWS_CAP
from ...values import NA
from ._array_args import ORDER_STATS, read_whole
from ._chosen_tables import chosen_table
from ._dynarrays import DynAt, is_dynamic
from ._fits import FITS as _FITS
from ._fits import Fit, FitLayout
from ._groupby import GroupByRules
from ._index_positions import IndexPositionsRules
from ._index_ref import IndexAt
from ._let_refs import accumulator_let, let_body
from ._lookup_keys import LookupKeysRules
from ._matrices import ARRAY_CALLS, ELEMENT_CALLS, READERS, ArrayCallRules, has_array_call
from ._numeric_elements import numeric_elements
from ._offset import OffsetAt
from ._randarrays import randarray_element, randarray_fails, randarray_past, randarray_shape
from ._read_areas import read_shape
from ._row_loops import row_filter, row_sum
from ._values import NotFusable
from ._varsize import bounded, bounded_element

if TYPE_CHECKING:
    from ...workbook import CellRef, Workbook

Shape = tuple[int, int] | None   # None: a single value (broadcast to any shape)

# functions applied element by element over array arguments (all of them), as numpy's lift
# and map_grid do
_ELEMENTWISE = SCALAR_ARGUMENTS | {"IF", "IFS", "SWITCH", "NOT"}
# element by element over their first argument only (the fallback is one value)
_FIRST_ONLY = frozenset({"IFERROR", "IFNA"})
# aggregates whose result is the same for an array of numbers and errors as for those
# values given one by one
_EXPANDED = frozenset({"SUM", "PRODUCT", "AVERAGE", "MIN", "MAX"})
# joins whose text is the same for an array of any values as for those values given one by
# one (CONCAT's, TEXTJOIN's from its third argument on): TEXTJOIN(",",TRUE,IF(a=x,b,""))
_JOINED = {"CONCAT": 0, "TEXTJOIN": 2}
# one value that reads its array arguments whole in any cell (the IR of an array formula
# holds no implicit intersection): generated as in a plain cell, {=SUMPRODUCT((a>x)*b)}
_WHOLE = frozenset({"SUMPRODUCT"})
# functions that can return an array (or a multi-cell range): their element rules are not
# written here, so an array formula using them stays with numpy
_ARRAY_RESULTS = frozenset({
    "TRANSPOSE", "MMULT", "MINVERSE", "MUNIT", "LINEST", "LOGEST", "TREND", "GROWTH",
    "FREQUENCY", "FILTER", "SORT", "SORTBY", "UNIQUE", "XLOOKUP", "SEQUENCE", "RANDARRAY",
    "OFFSET", "INDIRECT", "CHOOSECOLS", "CHOOSEROWS", "HSTACK", "VSTACK", "TAKE", "DROP",
    "TOCOL", "TOROW", "WRAPROWS", "WRAPCOLS", "EXPAND", "TEXTSPLIT", "MAKEARRAY", "MAP",
    "BYROW", "BYCOL", "SCAN", "REDUCE", "ANCHORARRAY", "LET", "LAMBDA", "CHOOSE", "_UNION",
    "SINGLE", "INDEX", "LOOKUP", "VLOOKUP", "HLOOKUP", "MATCH", "XMATCH",
})
# of those, the ones whose result is one value when no argument is an array expression and
# their ranges sit where the function reads a range (the kernel's own implementations
# refuse the other cases: a two-dimensional INDEX, a lookup of a range ...)
_SINGLE_WITH_RANGES = frozenset({"INDEX", "LOOKUP", "VLOOKUP", "HLOOKUP", "MATCH", "XMATCH",
                                 "CHOOSE"})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "^"})
# element-wise functions whose every element is a number or an error (MIN(ABS(x-r)), the
# nearest-value lookup)
_NUMERIC = frozenset({"ABS", "SIGN", "INT", "TRUNC", "ROUND", "ROUNDUP", "ROUNDDOWN", "SQRT",
                      "EXP", "LN", "LOG10", "MOD", "POWER", "RADIANS", "DEGREES",
                      # readers of text (made per trial too): SUM(VALUE(RIGHT(a,1))), SUM(LEN(..))
                      "VALUE", "LEN", "LENB", "FIND", "FINDB", "SEARCH", "SEARCHB", "CODE",
                      "UNICODE", "DATEVALUE", "TIMEVALUE", "NUMBERVALUE"})
# the argument positions where a lookup reads a whole vector: an array expression there is
# kept whole and searched by the generator (_lookup_arrays), the lookup itself is one value
_LOOKUP_VECTORS = {"MATCH": (1,), "XMATCH": (1,), "LOOKUP": (1,), "XLOOKUP": (1,)}


def members(workbook: Workbook, anchor: CellRef) -> list[tuple[CellRef, int, int]]:
    """The cells of the array formula anchored at ``anchor`` other than the anchor, with
    their offsets (row, column) from it."""
    from ..._xlsx_sheet import parse_range
    from ...workbook import CellRef

    cell = workbook.cell(anchor)
    assert cell is not None and cell.array_ref
    r1, c1, r2, c2 = parse_range(cell.array_ref, str(anchor))
    out = []
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            ref = CellRef(anchor.sheet, r, c)
            m = workbook.cell(ref)
            if ref != anchor and m is not None and m.array_anchor == anchor:
                out.append((ref, r - anchor.row, c - anchor.col))
    return out


class ArrayElements(FitLayout, ArrayCallRules, GroupByRules, IndexPositionsRules,
                    LookupKeysRules):
    """Rewrites an array formula's IR into the IR of one element of its result."""

    def __init__(self, workbook: Workbook, root: ir.Node | None = None,
                 flag: Callable[[ir.Node], bool | None] | None = None,
                 const: Callable[[ir.Node], object] | None = None) -> None:
        self.workbook = workbook
        # a size argument's value where it is the same in every trial, else None (_matrices;
        # without it only literal sizes are read)
        self.const = const
        self.root = root   # the formula's IR: a fit is supported there only
        # a fit's const or stats argument as a constant (None: blank), else NotFusable
        self.flag = flag or _literal_flag
        self._fits: dict[int, Fit] = {}

    # ------------------------------------------------------------ shapes
    def shape(self, node: ir.Node) -> Shape:
        """The shape of ``node``'s value in an array formula (None: one value)."""
        if isinstance(node, ir.Area):   # its values: the part inside the sheet (_read_areas)
            return read_shape(self.workbook, node)
        if isinstance(node, ir.Array):
            widths = {len(row) for row in node.rows}
            if len(widths) != 1 or not node.rows:
                raise NotFusable("an array constant with rows of different lengths")
            return len(node.rows), widths.pop()
        if isinstance(node, ir.Unary):
            return self.shape(node.operand)
        if isinstance(node, ir.Binary):
            if node.op in (":", " "):
                raise NotFusable(f"the reference operator {node.op!r} in an array formula")
            return _broadcast([self.shape(node.left), self.shape(node.right)])
        if isinstance(node, ir.Call):
            return self._call_shape(node)
        return None

    def _area_shape(self, area: ir.Area) -> Shape:
        """The cells numpy reads of ``area``, its empty cells past the sheet's included."""
        return read_shape(self.workbook, area)

    def _call_shape(self, node: ir.Call) -> Shape:
        name = node.name
        if bounded(self, node):   # its size varies per trial: the formula's range (_varsize)
            return None
        if is_dynamic(node):   # read whole by its consumer, or a cell's element (DynAt)
            return None
        if name == "OFFSET":   # one cell in every trial, or not fused (_offset)
            return None
        if (got := self.sorted_take_shape(node)) is not None:   # TAKE(SORT(..), 5)
            return got
        if name in ARRAY_CALLS:   # MMULT, TRANSPOSE, TAKE ... (_matrices)
            return self.array_call_shape(node)
        if name == "RANDARRAY":   # a literal shape, each element drawn (_randarrays)
            got = randarray_shape(node)
            return None if got == (1, 1) or randarray_fails(node) else got
        if name == "GROUPBY":   # row fields the same in every trial (_groupby)
            return self.groupby_shape(node)
        if (got := self.index_positions_shape(node)) is not None:   # INDEX(SORT(..), {1;2})
            return got
        if (got := self.lookup_keys_shape(node)) is not None:   # VLOOKUP(B6:B99, ..)
            return got   # (_lookup_keys)
        if name in ELEMENT_CALLS:   # one element of MMULT ... (_matrices)
            return None
        if name in _FITS:
            shape = self.fit(node).shape
            return None if shape == (1, 1) else shape
        if name == "XLOOKUP":
            shape = self._xlookup(node)[0]
            return None if shape == (1, 1) else shape
        if name in ("ROW", "COLUMN"):
            if not node.args or isinstance(node.args[0], ir.Ref):
                return None
            a = node.args[0]
            if len(node.args) != 1 or not isinstance(a, ir.Area):
                raise NotFusable(f"{name} of something other than a reference in an array "
                                 "formula")
            rows, cols = a.declared_shape   # the numbers written (ROW(1:30) on 5 rows)
            if (rows if name == "ROW" else cols) > WRITTEN_ROWS_CAP:   # the compiler's
                raise NotFusable(f"{name} of a whole column in an array formula")   # A:A
            got = (rows, 1) if name == "ROW" else (1, cols)
            return None if got == (1, 1) else got
        if name in _ELEMENTWISE:
            return _broadcast([self.shape(a) for a in node.args])
        if (got := self._chosen_ranges_shape(node)) is not None:
            return got
        if (got := self._criteria_shape(node)) is not None:
            return got
        if name in _FIRST_ONLY:
            if len(node.args) > 1 and self.shape(node.args[1]) is not None:
                raise NotFusable(f"{name} with an array fallback in an array formula")
            return self.shape(node.args[0]) if node.args else None
        if name == "LET":   # its body's value (_let_refs)
            return self.shape(let_body(node))
        if name in _WHOLE:
            return None
        if name in _ARRAY_RESULTS and name not in _SINGLE_WITH_RANGES:
            raise NotFusable(f"{name} in an array formula (its array result)")
        positions = self._positions_shape(node)   # LARGE(r, {1;2;3}): an array result
        for k, a in enumerate(node.args):
            if k in _LOOKUP_VECTORS.get(name, ()):   # kept whole (_lookup_arrays)
                continue
            if read_whole(name, k) or (positions is not None and k == 1):
                continue   # MAX(IF(c, r)), SMALL(IF(..), k): read whole (_array_args)
            a = _unlet(a)   # a LET: its body (_let_refs)
            if k == 1 and name in ("VLOOKUP", "HLOOKUP") and chosen_table(a) is not None:
                continue   # VLOOKUP(x, CHOOSECOLS(range, 2, 1), ..): its cells (_chosen_tables)
            if isinstance(a, ir.Call) and self._chosen_ranges_shape(a) is not None:
                continue   # SUM(CHOOSE(k, r1, r2)): the range chosen, read whole as before
            if not isinstance(a, ir.Area | ir.Array) and self.shape(a) is not None and not (
                    name in _EXPANDED and numeric_elements(a, _arithmetic)) and not (
                    name in READERS and has_array_call(a)) and not (
                    k >= _JOINED.get(name, k + 1)) and not (   # read whole (_matrices); joined
                    self.folded_keys(a)):   # fixed lookups of keys: folded (_lookup_keys)
                raise NotFusable(f"{name} of an array expression in an array formula")
        return positions

    def _positions_shape(self, node: ir.Call) -> Shape:
        """SMALL, LARGE, PERCENTILE or QUARTILE at an array of positions (``LARGE(r,
        {1;2;3})``, ``SMALL(r*k, B1:B2)``): the positions' shape, element (r, c) the function
        of the whole array at position (r, c), as numpy's lift over the position gives it;
        None for one position."""
        if node.name not in ORDER_STATS or len(node.args) != 2:
            return None
        got = self.shape(node.args[1])
        return None if got in (None, (1, 1)) else got

    def _chosen_ranges_shape(self, node: ir.Call) -> Shape:
        """CHOOSE(k, range1, range2, ...) with ``k`` one value and ranges of one shape (a
        scenario's block of a model: ``{=CHOOSE($E$9, $F$56:$O$67, $F$72:$O$83)}``): that
        shape, element (r, c) being CHOOSE(k, range1[r, c], ...) as numpy's CHOOSE gathers
        it per trial (lookup._choose); None for any other CHOOSE (read as one value)."""
        if node.name != "CHOOSE" or len(node.args) < 2 or \
                not all(isinstance(a, ir.Area) for a in node.args[1:]):
            return None
        shapes = {self.shape(a) for a in node.args[1:]}
        if len(shapes) != 1 or self.shape(node.args[0]) is not None:
            return None
        got = shapes.pop()
        return None if got in (None, (1, 1)) else got

    def _criteria_shape(self, node: ir.Call) -> Shape:
        """SUMIFS(values, range, criteria, ...) (COUNTIF, AVERAGEIFS, ...) whose criteria
        are arrays (``{=F493:F503*SUMIFS(F330:F335, C330:C335, C687:C697)}``): the
        criteria's broadcast shape, element (r, c) the conditional aggregate of criteria
        (r, c), as numpy's _conditional maps over them; None where every criterion is one
        value.  Its other arguments must be ranges (read whole)."""
        pos = _criteria_positions(node)
        shapes = [self.shape(node.args[k]) for k in pos]
        if all(x in (None, (1, 1)) for x in shapes):
            return None
        for k, a in enumerate(node.args):
            if k not in pos and not isinstance(a, ir.Area | ir.Ref | ir.Missing):
                raise NotFusable(f"{node.name} of an array expression in an array formula")
        got = _broadcast(shapes)
        return None if got == (1, 1) else got

    # ------------------------------------------------------------ elements
    def element(self, node: ir.Node, r: int, c: int) -> ir.Node | IndexAt | OffsetAt | DynAt:
        """The IR of element (r, c) of ``node``'s value, as ``Env.array_element`` gives it
        to the cell at that offset of the formula's range."""
        self.first_cell = (r, c) == (0, 0)   # a fit is computed by the first cell's element
        while isinstance(node, ir.Call) and node.name == "LET":   # its body (_let_refs)
            node = let_body(node)
        if is_dynamic(node):   # FILTER, UNIQUE, SORT: rows that vary per trial (_dynarrays)
            return DynAt(node, r, c)
        if isinstance(node, ir.Call) and bounded(self, node):   # a size varying per trial
            return bounded_element(self, node, r, c)   # bounded by the range (_varsize)
        shape = self.shape(node)
        if shape is None:
            if isinstance(node, ir.Call) and node.name == "INDEX" and not (
                    node.args and (is_dynamic(node.args[0]) or has_array_call(node.args[0]))
            ):   # its result's shape
                return IndexAt(self._single(node), r, c)   # is the generator's (_index_ref)
            if isinstance(node, ir.Call) and node.name == "OFFSET":   # the trial's range
                return OffsetAt(self._single(node), r, c)   # spread (_offset)
            return self._single(node)
        got = _position(shape, r, c)
        if got is None:
            if isinstance(node, ir.Call) and node.name in _FITS:
                # numpy gives these cells the fit's error where every trial of a chunk fails
                raise NotFusable(f"{node.name} over a range larger than its result")
            return randarray_past(node)   # #N/A (not where a RANDARRAY may fail: _randarrays)
        return self._at(node, *got)

    def _at(self, node: ir.Node, r: int, c: int) -> ir.Node:
        """Element (r, c) of ``node`` (inside its shape, or ``node`` is one value)."""
        shape = self.shape(node)
        if shape is None:
            return self._single(node)
        if isinstance(node, ir.Area):   # one cell (node.cells() built the whole grid per
            from ...workbook import CellRef  # element: quadratic over long columns)

            return ir.Ref(CellRef(node.sheet, node.r1 + r, node.c1 + c))
        if isinstance(node, ir.Array):
            return self._single(node.rows[r][c])
        if isinstance(node, ir.Unary):
            return ir.Unary(node.op, self._at(node.operand, r, c))
        if isinstance(node, ir.Binary):
            kids = self._mapped([node.left, node.right], r, c)
            return ir.Err(NA) if kids is None else ir.Binary(node.op, *kids)
        assert isinstance(node, ir.Call)
        name = node.name
        if name == "LET":   # its body (_let_refs)
            return self._at(let_body(node), r, c)
        if name == "ROW":
            a = node.args[0]
            assert isinstance(a, ir.Area)
            return ir.Num(float(a.r1 + r))
        if name == "COLUMN":
            a = node.args[0]
            assert isinstance(a, ir.Area)
            return ir.Num(float(a.c1 + c))
        if name in _FITS:
            return self._fit_at(node, r, c)
        if self.sorted_take(node) is not None:   # (_index_positions)
            return self.sorted_take_at(node, r, c)
        if name in ARRAY_CALLS:
            return self.array_call_at(node, r, c)
        if name == "RANDARRAY":
            return randarray_element(node, r, c)
        if name == "GROUPBY":
            return self.groupby_at(node, r, c)
        if self.index_positions_shape(node) is not None:   # (_index_positions)
            return self.index_positions_at(node, r, c)
        if self.lookup_keys_shape(node) is not None:   # a lookup per key (_lookup_keys)
            return self.lookup_keys_at(node, r, c)
        if name == "XLOOKUP":   # the same match, in one column (row) of the return range
            ret, column = self._xlookup(node)[1:]
            keys = self.shape(node.args[0]) is not None   # a lookup a key (one column)
            line = ret if keys else \
                ir.Area(ret.sheet, ret.r1, ret.c1 + c, ret.r2, ret.c1 + c) if column else \
                ir.Area(ret.sheet, ret.r1 + r, ret.c1, ret.r1 + r, ret.c2)
            args = [a if k == 1 else self._single(a)   # the lookup vector: searched whole
                    for k, a in enumerate(node.args)]
            if keys:   # numpy's lift over the lookup value: element (r, c)'s own lookup
                args[0] = self._at(node.args[0], r, c)
            args[2] = line
            return ir.Call(name, tuple(args))
        if name == "CHOOSE":   # one index, ranges of one shape (_chosen_ranges_shape)
            return ir.Call(name, (self._single(node.args[0]),
                                  *(self._at(a, r, c) for a in node.args[1:])))
        if self._positions_shape(node) is not None:   # LARGE(r, {1;2;3}): position (r, c)
            k = self._mapped([node.args[1]], r, c)
            return ir.Err(NA) if k is None else ir.Call(name, (node.args[0], k[0]))
        if pos := _criteria_positions(node):   # arrays of criteria (_criteria_shape)
            crits = self._mapped([node.args[k] for k in pos], r, c)
            if crits is None:
                return ir.Err(NA)
            args = list(node.args)
            for k, a in zip(pos, crits, strict=True):
                args[k] = a
            return ir.Call(name, tuple(args))
        if name in _FIRST_ONLY:
            first = self._mapped([node.args[0]], r, c)
            rest = tuple(self._single(a) for a in node.args[1:])
            return ir.Err(NA) if first is None else ir.Call(name, (first[0], *rest))
        assert name in _ELEMENTWISE, name
        # omitted arguments are not mapped (numpy's lift leaves them out)
        present = [a for a in node.args if not isinstance(a, ir.Missing)]
        kids = self._mapped(present, r, c)
        if kids is None:
            return ir.Err(NA)
        it = iter(kids)
        return ir.Call(name, tuple(a if isinstance(a, ir.Missing) else next(it)
                                   for a in node.args))

    def _xlookup(self, node: ir.Call) -> tuple[tuple[int, int], ir.Area, bool]:
        """XLOOKUP returning several cells (engine.functions.lookup._xlookup): the matched
        row of the return range (a column lookup) or its matched column; (shape, return
        range, a column lookup)."""
        args = node.args
        if len(args) < 3 or not isinstance(args[2], ir.Area):
            raise NotFusable("XLOOKUP in an array formula over something other than ranges")
        if any(self.shape(a) is not None for k, a in enumerate(args) if k not in (0, 1, 2)):
            raise NotFusable("XLOOKUP of an array in an array formula")
        keys = self.shape(args[0])
        # the lookup vector: a range, or an array expression such as (r1=a)*(r2=b), searched
        # whole as a plain cell's XLOOKUP searches it (_lookup_arrays)
        looked = self.shape(args[1])
        if looked is None:
            raise NotFusable("XLOOKUP in an array formula over something other than ranges")
        (lr, lc), (rr, rc) = looked, read_shape(self.workbook, args[2])
        column = lc == 1 and lr > 1 or lr == lc == 1
        if (column and rr != lr) or (not column and rc != lc):
            raise NotFusable("XLOOKUP with a return range that does not fit (#VALUE!)")
        if keys is not None:   # an array of lookup values: one value each (numpy's lift)
            if (rc if column else rr) != 1:
                raise NotFusable("XLOOKUP of an array in an array formula")
            return keys, args[2], column
        return ((1, rc) if column else (rr, 1)), args[2], column

    def _mapped(self, nodes: list[ir.Node], r: int, c: int) -> list[ir.Node] | None:
        """Element (r, c) of each of ``nodes`` (map_grid's broadcasting), or None when one of
        them is too small to have it (the element is then #N/A)."""
        out = []
        for n in nodes:
            shape = self.shape(n)
            if shape is None:
                out.append(self._single(n))
                continue
            got = _position(shape, r, c)
            if got is None:
                return None
            out.append(self._at(n, *got))
        return out

    def _mask_shape(self, node: ir.Node) -> Shape:
        """A FILTER flag's shape, None where it has no element rule here."""
        try:
            return self.shape(node)
        except NotFusable:
            return None

    def _single(self, node: ir.Node) -> ir.Node:
        """``node``, a single value, with the array expressions its aggregates read written
        out element by element."""
        if isinstance(node, ir.Unary):
            return ir.Unary(node.op, self._single(node.operand))
        if isinstance(node, ir.Binary):
            return ir.Binary(node.op, self._single(node.left), self._single(node.right))
        if not isinstance(node, ir.Call) or is_dynamic(node):   # (dynamic: read whole)
            return node
        if node.name == "LET":   # its body (_let_refs)
            if accumulator_let(node):   # SCAN's previous step, computed once (_lambdas)
                name, value, body = node.args
                return ir.Call("LET", (name, self._single(value), self._single(body)))
            return self._single(let_body(node))
        if node.name in ("SUM", "COUNT") and len(node.args) == 1 and \
                isinstance(f := _unlet(node.args[0]), ir.Call) and f.name == "FILTER" and \
                len(f.args) == 2 and (got := row_filter(ir.Call(node.name, (f,)),
                                                        self._mask_shape(f.args[1]))):
            return got   # SUM/COUNT(FILTER(long column, mask)): a loop (_row_loops)
        if node.name in _FITS:
            return self._fit_at(node, 0, 0)   # a one-value result
        if node.name in ARRAY_CALLS:
            return self.array_call_at(node, 0, 0)   # a one-value result
        if node.name in ELEMENT_CALLS or node.name in _WHOLE:
            return node
        args: list[ir.Node] = []
        for k, a in enumerate(node.args):
            if k not in _LOOKUP_VECTORS.get(node.name, ()):
                a = _unlet(a)   # a LET: its body (_let_refs)
            if node.name in READERS and has_array_call(a):   # read whole by the generator
                args.append(a)
                continue
            if k in _LOOKUP_VECTORS.get(node.name, ()) or (   # searched whole (_lookup_arrays)
                    k == 1 and node.name in ("VLOOKUP", "HLOOKUP") and chosen_table(a)):
                args.append(a)   # or a table of a range's cells (_chosen_tables)
                continue
            shape = None if isinstance(a, ir.Area | ir.Array) else self.shape(a)
            if shape is not None and not numeric_elements(a, _arithmetic) and \
                    self.folded_keys(a):   # read whole, folded (_lookup_keys)
                args.append(a)
                continue
            if shape is None:
                args.append(self._single(a))
                continue
            if read_whole(node.name, k) and not (
                    node.name in _EXPANDED and numeric_elements(a, _arithmetic)):
                args.append(a)   # its elements read as a range's cells (_array_args)
                continue
            # an arithmetic array in SUM ... MAX (checked by shape()): its elements
            rows, cols = shape
            items = tuple(self._at(a, i, j) for i in range(rows) for j in range(cols))
            if node.name == "SUM" and len(node.args) == 1 and \
                    (got := row_sum(a, shape, items)) is not None:
                return got   # a long one: a loop over its rows (_row_loops)
            args.extend(items)
        if len(args) == len(node.args) and all(
                a is b for a, b in zip(args, node.args, strict=True)):
            return node   # the same node (a RAND's stream is keyed by it: _lambdas)
        return ir.Call(node.name, tuple(args))


def _unlet(node: ir.Node) -> ir.Node:
    """``node``, or the body of the LET it is (names bound)."""
    while isinstance(node, ir.Call) and node.name == "LET":
        node = let_body(node)
    return node


def _literal_flag(node: ir.Node) -> bool | None:
    """A fit's const or stats argument written as a literal."""
    if isinstance(node, ir.Bool | ir.Num):
        return bool(node.value)
    raise NotFusable("a fit's const or stats argument that is not a constant")


def _arithmetic(node: ir.Node) -> bool:
    """Whether every element of ``node`` is a number or an error."""
    return (isinstance(node, ir.Binary) and node.op in _ARITHMETIC) or (
        isinstance(node, ir.Unary) and node.op in ("-", "%")) or (
        isinstance(node, ir.Call) and node.name in _NUMERIC)


def _broadcast(shapes: list[Shape]) -> Shape:
    """map_grid's result shape: the largest of each dimension (None if all single)."""
    arrays = [s for s in shapes if s is not None]
    if not arrays:
        return None
    return max(s[0] for s in arrays), max(s[1] for s in arrays)


def _criteria_positions(node: ir.Call) -> tuple[int, ...]:
    """The positions of the criteria among a conditional aggregate's arguments (none for
    another call)."""
    n = len(node.args)
    if node.name in ("SUMIF", "COUNTIF", "AVERAGEIF"):
        return (1,) if n >= 2 else ()
    if node.name == "COUNTIFS":
        return tuple(range(1, n, 2))
    if node.name in ("SUMIFS", "AVERAGEIFS", "MINIFS", "MAXIFS"):
        return tuple(range(2, n, 2))
    return ()


def _position(shape: tuple[int, int], r: int, c: int) -> tuple[int, int] | None:
    """Where (r, c) reads an array of ``shape``: one row or column repeated, None beyond."""
    rows, cols = shape
    r = 0 if rows == 1 else r
    c = 0 if cols == 1 else c
    if r >= rows or c >= cols:
        return None
    return r, c
