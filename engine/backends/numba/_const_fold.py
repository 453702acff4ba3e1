"""Counts the kernel generator knows before the kernel runs (a pass over a cell's IR).

COUNT, COUNTA, COUNTBLANK, ROWS and COLUMNS of ranges whose cells have one kind in every
trial (numbers that are never errors, text, blanks: the generator's :class:`Val` of each
cell, the slice's inputs and formulas included) are one number in every trial: the
generator's own code for them is then a literal (``fn_count`` counts a cell counted in every
trial as a constant).  That literal replaces the call in the cell's IR before the passes
that decide sizes from the IR alone (:mod:`._lambdas`: ``SCAN(B13, OFFSET(C8, 0, 0, 1,
COUNT(8:8)), ..)``), and an OFFSET whose arguments are then all literals becomes the
reference it names (:func:`engine._ir_passes.offset_reference`, as the cell pass does for a
written OFFSET of literals), a range of a fixed size.  A count that may differ between
trials (a cell that is a number in some trials, an error in some) is left as it is.

An error certain in every trial (:func:`fold_errors`): an array formula whose value is
``IFERROR(x, fallback)`` (under LET) is ``fallback`` where ``x`` is an error in every trial:
in its first place for a one-cell formula (neprenkha's BOQ, Summary!T3: ``IFERROR(FILTER(tbl,
cond), "")`` where ``cond`` holds ``INDEX(CHOOSE(SEQUENCE(1, 18), #REF!, ..), r, c)`` at a
place ``r``, ``c`` give in every trial: numpy's FILTER gives its first cell the first error of
the condition), in all its places, of a shape that fills the formula's range, for a larger
one with a literal fallback (Summary!I3:L3: ``FILTER(raw, INDEX(raw, , 2) <> "")`` of a blank
column is #CALC!, its columns CHOOSEn side by side, UNIQUE and SORT errors in four places).
Which places are errors in every trial is known (:class:`_Errs`, a lower bound: a place not
marked may still be one) for literals, constant parts (evaluated once by the numpy compiler,
as the generator's ``fold``; a literal column of a range, INDEX(range, , k), read alone),
the elementwise operators, IF, IFERROR, CHOOSE and INDEX at constant places, INDEX, UNIQUE,
SORT and TRANSPOSE of errors, and FILTER; anything else marks nothing, so the fold happens
only where the error is certain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import ir
from ..._ir_nodes import rebuild
from ..._ir_passes import offset_reference
from ...compiler import compile_formula, constant_value
from ...values import ExcelError, Grid, Vec
from ...workbook import CellRef
from ._values import KBLANK, KBOOL, KNUM, KSTR, NotFusable, Val

COUNTS = frozenset({"COUNT", "COUNTA", "COUNTBLANK", "ROWS", "COLUMNS"})
_DRAWS = frozenset({"RAND", "RANDBETWEEN", "RANDARRAY"})   # their streams keyed by node


def _literal(text: str) -> float | None:
    """The number a validated float literal of generated code stands for (``_values.lit``:
    ``repr`` of a finite float, a negative one in parentheses), else None."""
    s = text[1:-1] if text.startswith("(") and text.endswith(")") else text
    try:
        x = float(s)
    except ValueError:
        return None
    return x if math.isfinite(x) and repr(x) == s else None


def _count_value(gen: Any, node: ir.Call) -> ir.Num | None:
    """``node`` (a count of ranges) as a literal where the generator's code for it is one.
    Known once per generator (``_counts_``, by the count's IR: the same ranges, and so the
    same cells, each generated before any cell reading it): ``COUNT(3:3)`` read by every cell
    of a row was generated again for each of them here, then once more in the cell's own
    code where it is not a literal."""
    memo: dict[ir.Call, ir.Num | None] = gen.__dict__.setdefault("_counts_", {})
    if node in memo:
        return memo[node]
    mark = len(gen.lines)
    try:
        v = gen.expr(node)
    except NotFusable:
        v = None
    finally:
        del gen.lines[mark:]
    x = _literal(v.v) if v is not None and v.e == "0" and v.kind == KNUM else None
    got = memo[node] = None if x is None else ir.Num(x)
    return got


def _fold(gen: Any, node: ir.Node) -> ir.Node:
    if isinstance(node, ir.Call):
        if node.name in _DRAWS:
            return node
        if node.name in COUNTS and node.args and \
                all(isinstance(a, ir.Area | ir.Ref) for a in node.args):
            got = _count_value(gen, node)
            return node if got is None else got
    kids = ir.children(node)
    if not kids or isinstance(node, ir.Array):
        return node
    out = rebuild(node, [_fold(gen, k) for k in kids])
    if out is not node and isinstance(out, ir.Call) and out.name == "OFFSET" and \
            all(isinstance(a, ir.Num | ir.Missing) for a in out.args[1:]):
        got = offset_reference(out.args)
        if got is not None:
            return got
    return out


def fold_counts(gen: Any, node: ir.Node, cell: Any) -> ir.Node:
    """``node`` (cell ``cell``'s IR) with its counts of ranges that are the same in every
    trial replaced by their numbers (see the module docstring); ``node`` itself where there
    are none.  ``gen`` is the Generator; the IR made is kept alive in ``gen.array_ir``."""
    if not any(isinstance(n, ir.Call) and n.name in COUNTS for n in ir.walk(node)):
        return node
    saved = (gen.cell, gen.lines, gen.override, gen._const_memo)
    gen.cell, gen.lines, gen.override, gen._const_memo = cell, [], {}, {}
    try:
        out = _fold(gen, node)
    finally:
        gen.cell, gen.lines, gen.override, gen._const_memo = saved
    if out is not node:
        gen.array_ir.append(out)
    return out


@dataclass(frozen=True)
class _Errs:
    """The places of a value that are an error in every trial: ``mask`` (None: none known),
    ``every`` (all of them, whatever its shape), ``spreads`` (the mask has the value's shape:
    a row or column of it repeats as Excel's elementwise operators repeat it; else only the
    places it covers are known, a FILTER's first cell), and ``values`` (a constant's values,
    numpy's one-trial result) where the value is a constant."""

    mask: np.ndarray | None = None
    every: bool = False
    spreads: bool = True
    values: Vec | Grid | None = None
    shape: tuple[int, int] | None = None   # the value's shape, where known

    @property
    def whole(self) -> bool:
        """Every place an error (a mask of the value's shape all errors: a row or column of
        it repeats, a place past it is #N/A or #REF!)."""
        return self.every or self.spreads and self.mask is not None and \
            bool(self.mask.size) and bool(self.mask.all())

    def at(self, r: int, c: int) -> bool:
        if self.every:
            return True
        m = self.mask
        if m is None:
            return False
        if self.spreads:
            r, c = (0 if m.shape[0] == 1 else r), (0 if m.shape[1] == 1 else c)
        return 0 <= r < m.shape[0] and 0 <= c < m.shape[1] and bool(m[r, c])


_NONE = _Errs()
# an error in every place of their first argument is one in every place of their result
# (numpy: INDEX of an error is it, UNIQUE and SORT keep rows of it, TRANSPOSE moves them)
_OF_ITS_ARRAY = frozenset({"INDEX", "UNIQUE", "SORT", "TRANSPOSE"})
_ELEMENTWISE_OPS = frozenset({"+", "-", "*", "/", "^", "&", "=", "<>", "<", ">", "<=", ">="})


def _grid_of(v: Vec | Grid) -> list[list[Vec]]:
    return v.cells if isinstance(v, Grid) else [[v]]


def _evaluated(gen: Any, node: ir.Node) -> Vec | Grid | None:
    """``node``'s value evaluated once by the numpy compiler in the generator's one-trial
    environment (None where it cannot be: nothing is then known of it)."""
    try:
        compiled, info = compile_formula(node, gen.cell)
        if info.unsupported or info.random_streams:
            return None
        v = compiled(gen.env)
    except Exception:  # noqa: BLE001 - not known: nothing marked
        return None
    return v if isinstance(v, Vec | Grid) else None


def _positions(v: Vec | Grid | None) -> np.ndarray | None:
    """A constant's whole numbers at least 1 (INDEX's and CHOOSE's places), else None."""
    if v is None:
        return None
    out = []
    for row in _grid_of(v):
        line = []
        for x in row:
            if x.err is not None and x.err.any() or x.kind.name != "NUM" or len(x.data) != 1:
                return None
            k = float(x.data[0])
            if not k >= 1.0 or not math.isfinite(k):
                return None
            line.append(int(k))
        out.append(line)
    return np.array(out, dtype=np.int64)


def _broadcast(shapes: list[tuple[int, int] | None]) -> tuple[int, int] | None:
    """Excel's elementwise shape of ``shapes`` (None: one not known, or they differ)."""
    if any(x is None for x in shapes):
        return None
    out = [1, 1]
    for x in shapes:
        assert x is not None
        for k in (0, 1):
            if out[k] == 1:
                out[k] = x[k]
            elif x[k] not in (1, out[k]):
                return None
    return out[0], out[1]


def _shape_of(name: str, args: tuple[ir.Node, ...], shape: tuple[int, int] | None,
              scalars: bool) -> tuple[int, int] | None:
    """The shape of ``name``'s result over an array of ``shape`` that is an error in every
    place (None: not known): SORT keeps it, TRANSPOSE turns it, UNIQUE of one row keeps it,
    INDEX of one error at places that are one value each is one error."""
    if shape is None:
        return None
    if name == "INDEX":
        return (1, 1) if shape == (1, 1) and scalars else None
    if name == "SORT":
        return shape
    if name == "TRANSPOSE":
        return shape[1], shape[0]
    if name == "UNIQUE" and len(args) == 1 and shape[0] == 1:
        return shape
    return None


def _kept(v: Vec | Grid | None) -> bool | None:
    """Whether a constant condition keeps any place (None: not a constant of logicals and
    numbers without errors, or not known)."""
    if v is None:
        return None
    for row in _grid_of(v):
        for x in row:
            if x.err is not None and x.err.any() or x.kind.name not in ("NUM", "BOOL"):
                return None
            if np.any(np.asarray(x.data, dtype=float) != 0.0):
                return True
    return False


class _ErrorPlaces:
    """:class:`_Errs` of the nodes of one cell's IR (its LET names already bound)."""

    def __init__(self, gen: Any) -> None:
        self.gen = gen
        self.memo: dict[int, tuple[ir.Node, _Errs]] = {}   # the node kept beside its answer
        self.kept: list[ir.Node] = []

    def of(self, node: ir.Node) -> _Errs:
        got = self.memo.get(id(node))
        if got is None or got[0] is not node:
            got = self.memo[id(node)] = (node, self._of(node))
        return got[1]

    def _constant(self, node: ir.Node) -> _Errs | None:
        gen = self.gen
        if isinstance(node, ir.Num):
            return _Errs(np.zeros((1, 1), dtype=bool), False, True, constant_value(node.value),
                         (1, 1))
        if isinstance(node, ir.Array) and node.rows and all(
                isinstance(x, ir.Num) for row in node.rows for x in row):   # {1,2,3,4}
            g = Grid([[constant_value(x.value) for x in row] for row in node.rows])
            return _Errs(np.zeros(g.shape, dtype=bool), False, True, g, g.shape)
        if not isinstance(node, ir.Call | ir.Binary | ir.Unary):
            return None
        node = self._narrowed(node)
        if not gen.is_constant(node):
            return None
        v = _evaluated(gen, node)
        if v is None:
            return None
        grid = _grid_of(v)
        if not grid or not grid[0]:
            return None
        mask = np.array([[x.err is not None and bool(x.err.all()) for x in row]
                         for row in grid], dtype=bool)
        return _Errs(mask, False, True, v, mask.shape)

    def _narrowed(self, node: ir.Node) -> ir.Node:
        """``node`` with INDEX(range, , k) and INDEX(range, k, ) of a literal ``k`` inside
        the cells read replaced by that column (row) of the range: a constant column of a
        range whose other cells vary (numpy's INDEX gives that column of the cells read)."""
        kids = ir.children(node)
        if not kids or isinstance(node, ir.Array):
            return node
        out = rebuild(node, [self._narrowed(k) for k in kids])
        if isinstance(out, ir.Call) and out.name == "INDEX" and len(out.args) == 3 and \
                isinstance(out.args[0], ir.Area):
            a, i, j = out.args
            if isinstance(i, ir.Missing) and isinstance(j, ir.Num) and \
                    1 <= j.value <= a.c2 - a.c1 + 1 and j.value == int(j.value):
                c = a.c1 + int(j.value) - 1
                out = ir.Area(a.sheet, a.r1, c, a.r2, c, a.rows, 0)
            elif isinstance(j, ir.Missing) and isinstance(i, ir.Num) and \
                    1 <= i.value <= a.r2 - a.r1 + 1 and i.value == int(i.value):
                r = a.r1 + int(i.value) - 1
                out = ir.Area(a.sheet, r, a.c1, r, a.c2, 0, a.cols)
        if out is not node:
            self.kept.append(out)   # alive while its id keys the generator's memo
        return out

    def _of(self, node: ir.Node) -> _Errs:
        if isinstance(node, ir.Err):
            return _Errs(None, True, shape=(1, 1))
        got = self._constant(node)
        if got is not None:
            return got
        if isinstance(node, ir.Call) and node.name == "LET":
            return self.of(_let_body(node))
        if isinstance(node, ir.Unary) and node.op in ("-", "+", "%"):
            x = self.of(node.operand)
            return _Errs(x.mask, x.every, x.spreads, shape=x.shape)
        if isinstance(node, ir.Binary) and node.op in _ELEMENTWISE_OPS:
            return _union(self.of(node.left), self.of(node.right))
        if not isinstance(node, ir.Call):
            return _NONE
        name, args = node.name, node.args
        if name == "IF" and 2 <= len(args) <= 3:
            cond = self.of(args[0])
            both = _both(self.of(args[1]), self.of(args[2])) if len(args) == 3 else _NONE
            return _union(cond, both)
        if name == "IFERROR" and len(args) == 2:
            return _both(self.of(args[0]), self.of(args[1]))
        if name == "CHOOSE" and len(args) >= 2:
            return self._choose(args)
        if name in _OF_ITS_ARRAY and args and self.of(args[0]).whole:
            scalars = all(isinstance(a, ir.Missing) or self.of(a).shape == (1, 1)
                          for a in args[1:])
            return _Errs(None, True, shape=_shape_of(name, args, self.of(args[0]).shape,
                                                     scalars))
        if name == "INDEX" and len(args) == 3:
            return self._index(args)
        if name == "FILTER" and len(args) in (2, 3):
            return self._filter(args)
        return _NONE

    def _filter(self, args: tuple[ir.Node, ...]) -> _Errs:
        """numpy's FILTER: nothing kept is its error (#CALC!, where no ``if_empty``; an
        error of the condition first); else an error of the condition is its first cell's."""
        inc = self.of(args[1])
        if inc.whole:   # one error (numpy's error())
            return _Errs(None, True, shape=(1, 1))
        kept = _kept(inc.values)
        if kept is not None and not kept and len(args) == 2:
            return _Errs(None, True, shape=(1, 1))
        hit = inc.mask is not None and bool(inc.mask.any())
        return _Errs(np.ones((1, 1), dtype=bool), spreads=False) if hit else _NONE

    def _choose(self, args: tuple[ir.Node, ...]) -> _Errs:
        k = self.of(args[0])
        if k.every:
            return k
        places = _positions(k.values)
        if places is None:
            return _NONE
        n = len(args) - 1
        shapes = [places.shape, *(self.of(a).shape for a in args[1:])]
        mask = np.zeros(places.shape, dtype=bool)
        for (r, c), p in np.ndenumerate(places):
            # a choice that is an error in every place (a row or column of the result
            # repeats its place), or past the choices (#VALUE!)
            mask[r, c] = p > n or self.of(args[p]).every
        return _Errs(mask, shape=_broadcast(shapes))

    def _index(self, args: tuple[ir.Node, ...]) -> _Errs:
        rows, cols = self.of(args[1]), self.of(args[2])
        if rows.every or cols.every:
            return _Errs(None, True)
        pr, pc = _positions(rows.values), _positions(cols.values)
        if pr is None or pc is None:
            return _NONE
        try:
            pr, pc = np.broadcast_arrays(pr, pc)
        except ValueError:
            return _NONE
        a = self.of(args[0])
        mask = np.zeros(pr.shape, dtype=bool)
        for (r, c), i in np.ndenumerate(pr):
            mask[r, c] = a.at(int(i) - 1, int(pc[r, c]) - 1)
        return _Errs(mask)


def _combined(a: _Errs, b: _Errs, how: Any) -> _Errs:
    """``how`` (OR, AND) of the masks of ``a`` and ``b``: broadcast where both have their
    value's shape, else place by place where both cover it (no mask: none marked)."""
    if a.mask is None or b.mask is None:
        return _NONE
    if a.spreads and b.spreads:
        try:
            x, y = np.broadcast_arrays(a.mask, b.mask)
        except ValueError:
            return _NONE
        return _Errs(how(x, y))
    rows, cols = min(a.mask.shape[0], b.mask.shape[0]), min(a.mask.shape[1], b.mask.shape[1])
    return _Errs(how(a.mask[:rows, :cols], b.mask[:rows, :cols]), spreads=False)


def _union(a: _Errs, b: _Errs) -> _Errs:
    """The places of an elementwise result of ``a`` and ``b`` that are errors: either's."""
    if a.every or b.every:
        return _Errs(None, True)
    if a.mask is None or b.mask is None:   # the other's places stay errors
        got = a if b.mask is None else b
        return _NONE if got.mask is None else _Errs(got.mask, False, got.spreads)
    return _combined(a, b, np.logical_or)


def _both(a: _Errs, b: _Errs) -> _Errs:
    """The places that are errors in both ``a`` and ``b`` (IFERROR, IF's two branches)."""
    if a.every and b.every:
        return _Errs(None, True)
    if a.every or b.every:
        got = b if a.every else a
        return _NONE if got.mask is None else _Errs(got.mask, False, got.spreads)
    return _combined(a, b, np.logical_and)


def _let_body(node: ir.Node) -> ir.Node:
    """A LET's body with its names bound (``_functions._bind_names``), nested LETs too."""
    from ._functions import _bind_names, _let_name

    while isinstance(node, ir.Call) and node.name == "LET" and len(node.args) >= 3 and \
            len(node.args) % 2:
        scope: dict[str, ir.Node] = {}
        for name_node, value in zip(node.args[:-1:2], node.args[1:-1:2], strict=True):
            scope[_let_name(name_node)] = _bind_names(value, scope)
        node = _bind_names(node.args[-1], scope)
    return node


def _fills(shape: tuple[int, int] | None, fallback: ir.Node, ref: str, at: Any) -> bool:
    """Whether IFERROR(x, ``fallback``), ``x`` of ``shape``, gives ``fallback`` in every cell
    of the array formula's range ``ref`` (anchored at ``at``): one literal, repeated where
    ``x`` is one row or column (a cell past ``x`` would be #N/A)."""
    from ..._xlsx_sheet import parse_range

    if shape is None or not isinstance(fallback, ir.Str | ir.Num | ir.Bool):
        return False
    r1, c1, r2, c2 = parse_range(ref, str(at))
    return (shape[0] == 1 or shape[0] >= r2 - r1 + 1) and \
        (shape[1] == 1 or shape[1] >= c2 - c1 + 1)


def _iferror_fallback(gen: Any, node: ir.Node, cell: Any) -> ir.Node | None:
    """The fallback of array formula ``node``'s IFERROR where the IFERROR's value is an
    error in every trial in every place the formula's cells read (see the module
    docstring); None otherwise."""
    if not isinstance(node, ir.Call) or node.name not in ("LET", "IFERROR"):
        return None
    wb_cell = gen.model.workbook.cell(cell)
    if wb_cell is None or wb_cell.array_ref is None:
        return None
    one = ":" not in wb_cell.array_ref
    saved = (gen.cell, gen._const_memo)
    gen.cell, gen._const_memo = cell, {}
    try:
        body = _let_body(node)
        if not isinstance(body, ir.Call) or body.name != "IFERROR" or len(body.args) != 2 \
                or isinstance(body.args[1], ir.Area | ir.Missing):
            return None
        got = _ErrorPlaces(gen).of(body.args[0])
        if not (one and got.at(0, 0) or got.whole and _fills(got.shape, body.args[1],
                                                             wb_cell.array_ref, cell)):
            return None
    except NotFusable:
        return None
    finally:
        gen.cell, gen._const_memo = saved
    gen.array_ir.append(body)
    return body.args[1]


def _fixed_val(v: Val) -> bool:
    """Whether a generated cell's value is the same in every trial: never an error and one
    text, one number (its bounds a point) or blank."""
    if v.e != "0":
        return False
    if v.kind == KSTR:
        return v.dom is not None and len(v.dom) == 1
    if v.kind in (KNUM, KBOOL):
        return v.lo == v.hi and math.isfinite(v.lo)
    return v.kind == KBLANK


class _Fixed:
    """Which nodes of one cell's IR have the same value in every trial: the generator's
    constants, plus the cells of the slice whose generated value is one constant
    (:func:`_fixed_val`, an IFERROR folded to its fallback) and FILTERs of a range that keep
    nothing in every trial (their condition fixed and all FALSE: numpy's FILTER is then
    ``if_empty`` or its error whatever the range holds)."""

    def __init__(self, gen: Any) -> None:
        from ._codegen import _NO_FOLD

        self.gen = gen
        self.stops = _NO_FOLD | _DRAWS

    def cell(self, c: Any) -> bool:
        gen = self.gen
        if c in gen.input_vals:
            return False
        if c not in gen.steps:
            return True
        v = gen.cells.get(c)
        return v is not None and _fixed_val(v) or c in _folded(gen)

    def area(self, a: ir.Area) -> bool:
        if not self.gen.area_varies(a):
            return True
        from ._codegen import ir_reads

        return all(self.cell(c) for c in self.gen.varying_by_sheet.get(a.sheet, ())
                   if ir_reads(a, c))

    def empty_filter(self, node: ir.Call) -> bool:
        """FILTER(range, condition[, if_empty]) whose condition is fixed and keeps nothing."""
        args = node.args
        if node.name != "FILTER" or len(args) not in (2, 3) or \
                not isinstance(args[0], ir.Area | ir.Ref) or \
                not all(self.fixed(a) for a in args[1:]):
            return False
        return _kept(_evaluated(self.gen, args[1])) is False

    def fixed(self, node: ir.Node) -> bool:
        """Whether ``node``'s value is the same in every trial (see the class); a LET's
        names bound first, a LET nested further in is not known."""
        node = _let_body(node)
        filters: dict[int, ir.Node] = {}
        for n in ir.walk(node):
            if isinstance(n, ir.BadRef) or isinstance(n, ir.Call) and (
                    n.name in self.stops or n.name == "LET"):
                return False
            if isinstance(n, ir.Call) and n.name == "FILTER" and id(n) not in filters and \
                    self.empty_filter(n):
                filters[id(n)] = n
        outside = _without(node, filters) if filters else node
        return all(self.cell(r.cell) if isinstance(r, ir.Ref) else self.area(r)
                   for r in ir.read_references(outside))


def _without(node: ir.Node, filters: dict[int, ir.Node]) -> ir.Node:
    """``node`` with the FILTERs in ``filters`` (by id, kept alive by the caller) replaced
    by a literal (their value does not read their range)."""
    if id(node) in filters:
        return ir.Err(3)
    kids = ir.children(node)
    if not kids or isinstance(node, ir.Array):
        return node
    return rebuild(node, [_without(k, filters) for k in kids])


def _literal_node(v: object) -> ir.Node | None:
    """A one-trial value as a literal of the IR (None: a blank, not finite, or an array)."""
    if not isinstance(v, Vec) or len(v.data) != 1:
        return None
    x = v.scalar(0)
    if isinstance(x, ExcelError):
        return ir.Err(x.code)
    if x is None:
        return None
    if isinstance(x, bool):
        return ir.Bool(x)
    if isinstance(x, str):
        return ir.Str(x)
    x = float(x)
    return ir.Num(x) if math.isfinite(x) else None


def _folded(gen: Any) -> set[Any]:
    """The cells of the slice that :func:`_fixed_formula` made literals (a generated error
    is not known as one from its bound value)."""
    got = gen.__dict__.get("_fixed_cells")
    if got is None:
        got = gen.__dict__["_fixed_cells"] = set()
    return got


def _worth_trying(gen: Any, node: ir.Node) -> bool:
    """Whether ``node`` has a FILTER or reads a cell :func:`_fixed_formula` made a literal
    (what the generator's own constants do not cover)."""
    if any(isinstance(n, ir.Call) and n.name == "FILTER" for n in ir.walk(node)):
        return True
    folded = _folded(gen)
    if not folded:
        return False
    from ._codegen import ir_reads

    return any(r.cell in folded if isinstance(r, ir.Ref) else
               any(ir_reads(r, c) for c in folded) for r in ir.read_references(node))


def _fixed_formula(gen: Any, node: ir.Node, cell: Any) -> ir.Node | None:
    """A formula with a FILTER whose value is the same in every trial (:class:`_Fixed`:
    neprenkha's BOQ, PurchaseBAK!B3:I3 ``LET(x, FILTER(Summary!I3:O300, Summary!I3:I300 <>
    ""), CHOOSE({1, .., 8}, INDEX(x, 0, 1), ..))`` over a column that is "" in every trial):
    numpy's value of each of its cells as a literal (an array literal of the formula's
    range for an array formula); None otherwise."""
    if not _worth_trying(gen, node):
        return None
    from ..._xlsx_sheet import parse_range

    saved = (gen.cell, gen._const_memo)
    gen.cell, gen._const_memo = cell, {}
    fixed = _Fixed(gen)
    try:
        if not fixed.fixed(node):
            return None
        wb_cell = gen.model.workbook.cell(cell)
        if wb_cell is None or not wb_cell.array_ref:
            got = _literal_node(gen.env.cell(cell))
            if got is not None:
                _folded(gen).add(cell)
            return got
        r1, c1, r2, c2 = parse_range(wb_cell.array_ref, str(cell))
        rows = tuple(tuple(_literal_node(gen.env.array_element(cell, r, c))
                           for c in range(c2 - c1 + 1)) for r in range(r2 - r1 + 1))
    except NotFusable:
        return None
    finally:
        gen.cell, gen._const_memo = saved
    if any(x is None for row in rows for x in row):
        return None
    _folded(gen).update(CellRef(cell.sheet, cell.row + r, cell.col + c)
                        for r in range(len(rows)) for c in range(len(rows[0])))
    return rows[0][0] if len(rows) == len(rows[0]) == 1 else ir.Array(rows)  # type: ignore[arg-type]


def fold_errors(gen: Any, node: ir.Node, cell: Any) -> ir.Node:
    """``node`` (cell ``cell``'s IR) as its IFERROR's fallback where the IFERROR's value is
    an error in every trial (an array formula: :func:`_iferror_fallback`), or as its numpy
    value where that is the same in every trial once the FILTERs keeping nothing are known
    (:func:`_fixed_formula`); ``node`` itself otherwise."""
    got = _iferror_fallback(gen, node, cell)
    if got is None:
        got = _fixed_formula(gen, node, cell)
        if got is not None:
            gen.array_ir.append(got)
    return node if got is None else got


__all__ = ["COUNTS", "fold_counts", "fold_errors"]
