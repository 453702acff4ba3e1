"""Passes over built IR (private to :mod:`engine.ir`), all on an explicit stack so that a
formula nested thousands of levels deep never reaches Python's recursion limit.

* :func:`fold` — the one bottom-up traversal everything else is written with;
* :func:`intersect` — Excel's implicit intersection of a range with the formula's row or
  column (the ``@`` operator, ``_xlfn.SINGLE``);
* :func:`index_cell`, :func:`if_branch`, :func:`choose_branch`, :func:`offset_reference` —
  ``INDEX(range, 2, 3)`` with constant positions is the cell it names, ``IF(TRUE, a, b)`` and
  ``CHOOSE(2, a, b)`` the value taken, ``OFFSET(A1, 1, 0)`` the cell it names (applied while
  the IR is built);
* :func:`selector_index` — IF/CHOOSE/IFS/SWITCH as "which of these references" for the
  compiler, so their results stay references;
* :func:`cell_pass` — ranges used where a single value is expected (operands of operators,
  arguments of one-value functions such as ROUND, in an ordinary, non-array formula) are
  intersected with the formula's own cell.

So a formula's dependencies (and cycles) are the cells Excel reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from . import _ir_nodes as n
from .values import ERROR_CODES
from .workbook import CellRef

R = TypeVar("R")

# Functions whose arguments Excel evaluates as arrays even in an ordinary formula (no
# implicit intersection below them): SUMPRODUCT and friends, and the dynamic-array family.
ARRAY_ARGUMENTS = frozenset({
    "SUMPRODUCT", "INDEX", "LOOKUP", "AGGREGATE", "MMULT", "MDETERM", "MINVERSE", "FREQUENCY",
    "TRANSPOSE", "LINEST", "LOGEST", "TREND", "GROWTH", "SUMX2MY2", "SUMX2PY2", "SUMXMY2",
    "FILTER", "SORT", "SORTBY", "UNIQUE", "XLOOKUP", "XMATCH", "SEQUENCE", "LET", "LAMBDA",
    "MAP", "BYROW", "BYCOL", "SCAN", "REDUCE", "MAKEARRAY", "HSTACK", "VSTACK", "TAKE", "DROP",
    "CHOOSECOLS", "CHOOSEROWS", "TOCOL", "TOROW", "WRAPROWS", "WRAPCOLS", "EXPAND",
    "TEXTSPLIT", "RANDARRAY", "ANCHORARRAY", "ISREF", "ROWS", "COLUMNS", "ROW", "COLUMN",
    "OFFSET", "AREAS", "CELL", "_UNION", "SINGLE",
})
# In a legacy formula (saved without the dynamic-array flag by an Excel that writes it) the
# functions whose parameters take one value intersect a range below them as Excel 2019 did:
# LET's values and body (=LET(v,IFERROR(--C$3:C$49,0),..) in row 1 is #VALUE! -> 0: Excel's
# cache), LAMBDA's, and the sizes and text of SEQUENCE, RANDARRAY, MAKEARRAY, TEXTSPLIT.
LEGACY_ARRAY_ARGUMENTS = ARRAY_ARGUMENTS - {"LET", "LAMBDA", "SEQUENCE", "RANDARRAY",
                                            "MAKEARRAY", "TEXTSPLIT"}
_SCALAR_OPS = frozenset({"+", "-", "*", "/", "^", "&", "=", "<>", "<", "<=", ">", ">=", "%"})
# Functions whose every argument is one value: a range given to them in an ordinary formula is
# intersected with the formula's cell, as in Excel (=ROUND(Col,2) reads the row's cell).
SCALAR_ARGUMENTS = frozenset({
    "ABS", "SIGN", "INT", "TRUNC", "ROUND", "ROUNDUP", "ROUNDDOWN", "MROUND", "CEILING",
    "CEILING.MATH", "FLOOR", "FLOOR.MATH", "EVEN", "ODD", "SQRT", "EXP", "LN", "LOG", "LOG10",
    "POWER", "MOD", "QUOTIENT", "SIN", "COS", "TAN", "ASIN", "ACOS", "ATAN", "ATAN2", "RADIANS",
    "DEGREES", "FACT", "LEFT", "RIGHT", "MID", "LEN", "UPPER", "LOWER", "PROPER", "TRIM",
    "CLEAN", "VALUE", "TEXT", "FIXED", "REPT", "SUBSTITUTE", "FIND", "SEARCH", "EXACT",
    "DATE", "TIME", "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "WEEKDAY", "WEEKNUM",
    "EDATE", "EOMONTH", "DATEVALUE", "TIMEVALUE", "DAYS", "YEARFRAC", "NOT", "N", "T",
    "NORM.DIST", "NORM.INV", "NORM.S.DIST", "NORM.S.INV", "NORMDIST", "NORMINV", "NORMSINV",
    "NORMSDIST", "LOGNORM.DIST", "LOGNORM.INV", "EXPON.DIST", "BINOM.DIST", "POISSON.DIST",
    "PMT", "IPMT", "PPMT", "PV", "FV", "NPER", "RATE", "EFFECT", "NOMINAL",
    # the information functions of one value (not ISREF/ISFORMULA, which read a reference):
    # =IF(AND(ISNUMBER(T[Years]),ISNUMBER(T[Date])),..) reads the row's cells (Excel's cache)
    "ISNUMBER", "ISTEXT", "ISNONTEXT", "ISBLANK", "ISERROR", "ISERR", "ISNA", "ISLOGICAL",
    "ISEVEN", "ISODD",
})
# Arguments that take one value in functions that otherwise read ranges whole: in an ordinary
# formula a range given there is intersected with the formula's cell, as Excel does (legacy
# implicit intersection: =IF(c,"",INDEX(Price,MATCH(T[Material],Codes,0))) reads the row's
# material; mapping MATCH over the column and intersecting the result at the end gave #VALUE!
# where IF chose "", and summed every row under SUM).  An array formula maps them.
SCALAR_POSITIONS: dict[str, tuple[int, ...]] = {
    "MATCH": (0,), "VLOOKUP": (0, 2, 3), "HLOOKUP": (0, 2, 3), "INDEX": (1, 2),
}


def fold(root: Any, post: Callable[[Any, list[R], Any], R],
         child_ctx: Callable[[Any, Any, int], Any] | None = None, ctx0: Any = None) -> R:
    """Bottom-up over ``root``: ``post(node, results of its children, ctx)``; ``child_ctx
    (node, ctx, i)`` gives the context of child ``i`` (top-down).  No recursion."""
    order: list[tuple[Any, Any, int]] = []  # (node, ctx, parent index), parents first
    stack: list[tuple[Any, Any, int]] = [(root, ctx0, -1)]
    while stack:
        item = stack.pop()
        order.append(item)
        node, ctx, _ = item
        kids = n.children(node)
        here = len(order) - 1
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], child_ctx(node, ctx, i) if child_ctx else ctx, here))
    results: list[list[R]] = [[] for _ in order]
    out: R | None = None
    for k in range(len(order) - 1, -1, -1):
        node, ctx, parent = order[k]
        mine = results[k]
        mine.reverse()  # filled right to left
        value = post(node, mine, ctx)
        results[k] = []  # free as we go
        if parent < 0:
            out = value
        else:
            results[parent].append(value)
    return out  # type: ignore[return-value]


def height(root: Any) -> int:
    """The number of levels of ``root`` (1 for a constant or a reference)."""
    return fold(root, lambda node, kids, ctx: 1 + max(kids, default=0))


def height_at_most(root: Any, limit: int) -> bool:
    """Whether ``root`` has at most ``limit`` levels (stops at the first deeper path)."""
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return False
        kids = n.children(node)
        if kids:
            stack.extend((k, level + 1) for k in kids)
    return True


def intersect(ref: n.Node, at: CellRef) -> n.Node:
    """The cell of a one-column (one-row) range in the formula's row (column), Excel's
    implicit intersection; #VALUE! when there is none.  Excel intersects by position, the
    range may be on another sheet."""
    if isinstance(ref, n.Ref) or not isinstance(ref, n.Area):
        return ref
    rows, cols = ref.declared_shape
    if rows == 1 and cols == 1:
        return n.Ref(CellRef(ref.sheet, ref.r1, ref.c1))
    if cols == 1 and ref.r1 <= at.row <= ref.last_row:
        return n.Ref(CellRef(ref.sheet, at.row, ref.c1))
    if rows == 1 and ref.c1 <= at.col <= ref.last_col:
        return n.Ref(CellRef(ref.sheet, ref.r1, at.col))
    return n.Err(ERROR_CODES["#VALUE!"])


def _const_int(x: n.Node) -> int | None:
    if isinstance(x, n.Num) and x.value == int(x.value):
        return int(x.value)
    if isinstance(x, n.Bool):
        return int(x.value)
    return None


def index_cell(args: tuple[n.Node, ...]) -> n.Node | None:
    """INDEX(area, i[, j]) with constant positions inside the area: the cell itself."""
    if not 2 <= len(args) <= 3 or not isinstance(args[0], n.Area | n.Ref):
        return None
    if isinstance(args[0], n.Ref):
        area = n.Area(args[0].cell.sheet, args[0].cell.row, args[0].cell.col,
                      args[0].cell.row, args[0].cell.col)
    else:
        area = args[0]
    rows, cols = area.declared_shape
    i = _const_int(args[1])
    j = _const_int(args[2]) if len(args) == 3 else None
    if i is None or (len(args) == 3 and j is None):
        return None
    if j is None:  # one index into a vector
        if cols == 1:
            i, j = i, 1
        elif rows == 1:
            i, j = 1, i
        else:
            return None
    if not (1 <= i <= rows and 1 <= j <= cols):  # type: ignore[operator]
        return None
    return n.Ref(CellRef(area.sheet, area.r1 + i - 1, area.c1 + j - 1))  # type: ignore[operator]


def if_branch(args: tuple[n.Node, ...]) -> n.Node | None:
    """IF(constant, a, b): the branch taken, when it is written (a reference stays one:
    ``SUM(IF(TRUE, A1:A3, B1:B3))`` reads A1:A3 only)."""
    if len(args) not in (2, 3) or not isinstance(args[0], n.Num | n.Bool):
        return None
    taken = args[1] if args[0].value else (args[2] if len(args) == 3 else n.Bool(False))
    return None if isinstance(taken, n.Missing) else taken


def choose_branch(args: tuple[n.Node, ...]) -> n.Node | None:
    """CHOOSE(constant k, v1, v2, ...): the k-th value (a reference stays a reference:
    ``MAX(CHOOSE(1, A1), -3)`` ignores text in A1 as MAX(A1, -3) does); #VALUE! when k is
    outside 1..count.  None when k is not a constant."""
    if len(args) < 2 or not isinstance(args[0], n.Num | n.Bool):
        return None
    k = int(args[0].value)  # Excel truncates the index
    if not 1 <= k < len(args):
        return n.Err(ERROR_CODES["#VALUE!"])
    taken = args[k]
    return None if isinstance(taken, n.Missing) else taken


def offset_reference(args: tuple[n.Node, ...]) -> n.Node | None:
    """OFFSET(reference, rows, cols[, height, width]) with constant numbers: the reference it
    names (so it depends on those cells, not on the base); None otherwise or off the sheet."""
    if not 3 <= len(args) <= 5 or not isinstance(args[0], n.Ref | n.Area):
        return None
    base = args[0]
    if isinstance(base, n.Ref):
        base = n.Area(base.cell.sheet, base.cell.row, base.cell.col, base.cell.row, base.cell.col)
    nr, nc = base.declared_shape
    nums = []
    for k, a in enumerate(args[1:]):
        if isinstance(a, n.Missing) and k >= 2:
            nums.append(nr if k == 2 else nc)
            continue
        v = _const_int(a) if not isinstance(a, n.Num) else int(a.value)  # trunc, as Excel
        if v is None:
            return None
        nums.append(v)
    while len(nums) < 4:
        nums.append(nr if len(nums) == 2 else nc)
    dr, dc, h, w = nums
    r1, c1 = base.r1 + dr, base.c1 + dc
    if h < 1 or w < 1 or r1 < 1 or c1 < 1 or r1 + h - 1 > n.MAX_ROW or c1 + w - 1 > n.MAX_COL:
        return None
    if h == 1 and w == 1:
        return n.Ref(CellRef(base.sheet, r1, c1))
    return n.Area(base.sheet, r1, c1, r1 + h - 1, c1 + w - 1)


def selector_index(node: n.Node) -> tuple[list[n.Node], n.Call] | None:
    """IF/CHOOSE/IFS/SWITCH whose every result is written: (the results, the same call
    giving 1, 2, ... instead of them), so a compiler can pick references per trial.  None
    for other nodes, an omitted result, or an array condition."""
    if not isinstance(node, n.Call):
        return None
    a = node.args
    if node.name == "IF" and len(a) == 3:
        results, pick = [a[1], a[2]], (a[0], n.Num(1.0), n.Num(2.0))
    elif node.name == "CHOOSE" and len(a) >= 2:
        results = list(a[1:])
        pick = (a[0], *(n.Num(float(i)) for i in range(1, len(a))))
    elif node.name == "IFS" and len(a) >= 2 and len(a) % 2 == 0:
        results = list(a[1::2])
        pick = tuple(x for i, c in enumerate(a[::2]) for x in (c, n.Num(float(i + 1))))
    elif node.name == "SWITCH" and len(a) >= 3:
        body = a[1:]
        cases = body[:-1] if len(body) % 2 else body
        results = list(cases[1::2]) + ([body[-1]] if len(body) % 2 else [])
        pick = (a[0], *(x for i, c in enumerate(cases[::2]) for x in (c, n.Num(float(i + 1)))))
        if len(body) % 2:
            pick = (*pick, n.Num(float(len(results))))
    else:
        return None
    if any(isinstance(r, n.Missing) for r in results):
        return None
    if any(isinstance(x, n.Area | n.Array) for c in pick for x in _nodes(c)):
        return None  # an array condition gives an array of results, not one reference
    return results, n.Call(node.name, tuple(pick))


def _nodes(root: n.Node) -> list[n.Node]:
    out, stack = [], [root]
    while stack:
        x = stack.pop()
        out.append(x)
        stack.extend(n.children(x))
    return out


def spill_pass(root: n.Node, spill: Callable[[CellRef], n.Node],
               bounds: Callable[[str], tuple[int, int]] | None = None) -> n.Node:
    """``ANCHORARRAY(A1)`` (Excel's ``A1#``) replaced by the range A1's formula spilled into
    (``spill``), so ``SUM(A1#)``, ``ROWS(A1#)`` and ``INDEX(A1#, 2)`` read those cells as a
    reference (and depend on them); ``A1#:B9#`` then is the range spanning both, clipped to
    the sheet's cells (``bounds``: its rows and columns), as the parser makes ``A1:B9`` (a
    range operator left between them depended on the two spills only, not the rows between:
    calebjgartner's ``BYCOL(E17#:E24#, ..)``)."""

    def post(node: Any, kids: list[n.Node], ctx: Any) -> n.Node:
        node = n.rebuild(node, kids)
        if bounds is not None and isinstance(node, n.Binary) and node.op == ":" and \
                isinstance(node.left, n.Ref | n.Area) and isinstance(node.right, n.Ref | n.Area):
            from ._references import span

            got = span(node.left, node.right)
            return n.clip(got, *bounds(got.sheet)) if isinstance(got, n.Area) else got
        if not isinstance(node, n.Call):
            return node
        if node.name == "ANCHORARRAY" and len(node.args) == 1 and isinstance(node.args[0], n.Ref):
            return spill(node.args[0].cell)
        if node.name == "INDEX" and node.args and isinstance(node.args[0], n.Area | n.Ref):
            return index_cell(node.args) or node
        return node

    return fold(root, post)


def cell_pass(root: n.Node, cell: CellRef, array: bool, legacy: bool = False) -> n.Node:
    """Rewrite the IR of ``cell``'s formula to what it really reads (see the module doc);
    a ``legacy`` formula's dynamic-array functions of one-value parameters read one value
    (:data:`LEGACY_ARRAY_ARGUMENTS`)."""
    whole = LEGACY_ARRAY_ARGUMENTS if legacy and not array else ARRAY_ARGUMENTS

    # the context: False (an ordinary formula), True (an array formula or an argument read
    # whole), "key" (below a one-value argument of a function that reads ranges whole: read
    # as an array, but a range given straight to a one-value argument is intersected)
    def child_ctx(node: Any, in_array: Any, i: int) -> Any:
        if in_array is not True and isinstance(node, n.Call) \
                and i in SCALAR_POSITIONS.get(node.name, ()):
            return "key" if in_array or node.name in whole else in_array
        return in_array or (isinstance(node, n.Call) and node.name in whole)

    def post(node: Any, kids: list[n.Node], in_array: Any) -> n.Node:
        node = n.rebuild(node, kids)
        if isinstance(node, n.Call):
            if node.name == "SINGLE" and len(node.args) == 1 and isinstance(node.args[0], n.Area):
                return intersect(node.args[0], cell)
            if not in_array and node.name in SCALAR_ARGUMENTS \
                    and any(isinstance(a, n.Area) for a in node.args):
                return n.Call(node.name, tuple(intersect(a, cell) for a in node.args))
            at = SCALAR_POSITIONS.get(node.name, ())
            if in_array is not True and any(isinstance(a, n.Area) and i in at
                                    for i, a in enumerate(node.args)):
                return n.Call(node.name, tuple(intersect(a, cell) if i in at else a
                                               for i, a in enumerate(node.args)))
            return node
        if in_array:
            return node
        if isinstance(node, n.Unary) and isinstance(node.operand, n.Area) and node.op in _SCALAR_OPS:
            return n.Unary(node.op, intersect(node.operand, cell))
        if isinstance(node, n.Binary) and node.op in _SCALAR_OPS \
                and (isinstance(node.left, n.Area) or isinstance(node.right, n.Area)):
            return n.Binary(node.op, intersect(node.left, cell), intersect(node.right, cell))
        return node

    return fold(root, post, child_ctx, array)
