"""Array functions of a fixed shape in the fused kernel: MMULT, MINVERSE, MDETERM, MUNIT,
TRANSPOSE, FREQUENCY, SEQUENCE, SORTBY and the array-shaping family (TAKE, DROP, HSTACK,
VSTACK, CHOOSECOLS, CHOOSEROWS, TOCOL, TOROW, EXPAND, WRAPROWS, WRAPCOLS).

The numpy reference (engine.functions.matrices, .frequency, .arrays, lookup.transpose)
returns a Grid whose shape is fixed by the shapes of its arguments and by sizes that are one
number in every trial.  The kernel computes such a result element by element, where a
workbook reads it:

* a cell of an array formula (CSE or spilled) holds element (r, c) (:class:`._arrays.
  ArrayElements` gives these functions their shape and element rules, here);
* a plain cell's formula that is the function itself holds element (0, 0) (the Grid has no
  reference: ``model.implicit_intersection`` gives its first cell);
* SUM, AVERAGE, MIN, MAX, COUNT ... read every element as the cells of a range
  (``_args.items``), SUMPRODUCT as an array (``array_shape``), INDEX(array, i, j) with
  positions the same in every trial one element, ROWS/COLUMNS the shape.

Element rules.  The shaping functions move cells: the kernel runs numpy's own function once,
at compile time, on placeholder cells (one distinct object per element of each array
argument) with the sizes evaluated (they must be the same in every trial: a size that varies
is refused, with the reason), and reads where each placeholder landed; a cell that is not a
placeholder (#N/A padding, an error of the whole call) is that constant.  SEQUENCE's element
k is ``start + step * k``.  SORTBY's element is CHOOSE(the row this trial's sort puts there,
the elements of that column), the row found per trial from the keys (numbers, logicals,
errors, blanks last; one by array, its order the same in every trial; text keys refused).
MMULT's element is the row-by-column sum of products after the first error of its
arguments (an element that is not a number: #VALUE!; numpy's ``matrices.matrix``);
MINVERSE's an LU solve, MDETERM the LU determinant, FREQUENCY's a count
(:mod:`._rt_matrices`).  Anything read as one value where numpy reads the array
(an operator or a function of one value over an array result outside an array formula) is
refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ... import ir
from ...values import REF, VALUE, ExcelError, Grid, Kind, Vec
from ._array_fills import array_fill
from ._host import GeneratorHost
from ._values import (
    KANY,
    KBLANK,
    KBOOL,
    KDYN,
    KNUM,
    KSTR,
    MAX_AREA_CELLS,
    NotFusable,
    Val,
    is_literal_error,
    lit,
    num,
)

# functions whose elements are computed (mat_at)
COMPUTED = frozenset({"MMULT", "MINVERSE", "FREQUENCY"})
_LITERAL = re.compile(r"^-?\d+\.\d+$")   # a number written in a line (1.0, 0.0)
# arguments that fix the shape: the same in every trial (SEQUENCE's rows, columns; MUNIT)
_SIZES: dict[str, tuple[int, ...]] = {
    "TAKE": (1, 2), "DROP": (1, 2), "EXPAND": (1, 2), "WRAPROWS": (1,), "WRAPCOLS": (1,),
    "TOCOL": (1, 2), "TOROW": (1, 2), "SEQUENCE": (0, 1), "MUNIT": (0,),
    "TRANSPOSE": (), "HSTACK": (), "VSTACK": (), "CHOOSEROWS": (), "CHOOSECOLS": (),
    "SORTBY": (),   # its sort orders (arguments 2, 4 ...): see _is_size
}
_CHOOSE = frozenset({"CHOOSEROWS", "CHOOSECOLS"})   # every argument after the array
SHAPING = frozenset(_SIZES)
ARRAY_CALLS = COMPUTED | SHAPING
# functions that read an argument that is one of these results whole (not element-wise)
READERS = frozenset({"SUM", "PRODUCT", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTA", "SUMSQ",
                     "SUMPRODUCT", "INDEX", "ROWS", "COLUMNS", "MDETERM", "VAR", "VAR.S",
                     "VARP", "VAR.P", "STDEV", "STDEV.S", "STDEVP", "STDEV.P"})
MAX_MATRIX = 64   # MINVERSE/MDETERM of at most this many rows
MAX_SORTED = 256   # SORTBY of at most this many rows (columns)
MATAT = "_MATAT"   # _MATAT(call, r, c): element (r, c) of MMULT, MINVERSE or FREQUENCY
SORTPOS = "_SORTPOS"   # _SORTPOS(sortby, k): the row (column) of SORTBY's array at sorted k
ELEMENT_CALLS = frozenset({MATAT, SORTPOS})   # one value each, made here


def _is_size(name: str, k: int) -> bool:
    """Whether argument ``k`` of ``name`` fixes the result's shape (or SORTBY's order)."""
    return k in _SIZES[name] or (name in _CHOOSE and k > 0) or (
        name == "SORTBY" and k >= 2 and k % 2 == 0)


def mat_at(node: ir.Call, r: int, c: int) -> ir.Call:
    """The IR of element (r, c) of a computed result: a call no workbook can write, so that
    the generator's constant test sees the arguments of ``node`` (and numpy's compiler
    refuses to fold it)."""
    return ir.Call(MATAT, (node, ir.Num(float(r)), ir.Num(float(c))))


def _fill_scratch(fill: tuple) -> list[str]:
    """The scratch arrays a FREQUENCY fill wrote (its names starting with z)."""
    return [x for x in fill if isinstance(x, str) and x.startswith("z")]


def has_array_call(node: ir.Node) -> bool:
    """Whether ``node`` computes one of these functions' arrays (an element taken by
    ``mat_at`` is one value)."""
    if isinstance(node, ir.Call):
        if node.name in ELEMENT_CALLS:
            return False
        if node.name in ARRAY_CALLS:
            return True
    return any(has_array_call(k) for k in ir.children(node))


def wrong_arity(node: ir.Call) -> bool:
    """Whether the numpy compiler makes the call #VALUE! for its number of arguments."""
    from ...functions import FUNCTIONS, _load, arity_error

    _load()
    return arity_error(FUNCTIONS[node.name], len(node.args)) is not None


def _literal_ir(x: object) -> ir.Node:
    """A constant element as IR (a blank as an omitted argument: the kernel's blank)."""
    if x is None:
        return ir.Missing()
    if isinstance(x, ExcelError):
        return ir.Err(x.code)
    if isinstance(x, bool | np.bool_):
        return ir.Bool(bool(x))
    if isinstance(x, str):
        return ir.Str(x)
    return ir.Num(float(x))   # type: ignore[arg-type]


def _literal_value(node: ir.Node) -> Vec | Grid | None:
    """A literal argument as numpy's value (None: omitted); NotFusable for anything else."""
    if isinstance(node, ir.Missing):
        return None
    if isinstance(node, ir.Num):
        return Vec(Kind.NUM, np.array([float(node.value)]))
    if isinstance(node, ir.Unary) and node.op in ("-", "+") and isinstance(node.operand, ir.Num):
        x = float(node.operand.value)
        return Vec(Kind.NUM, np.array([-x if node.op == "-" else x]))
    if isinstance(node, ir.Bool):
        return Vec(Kind.BOOL, np.array([bool(node.value)]))
    if isinstance(node, ir.Array):
        rows = [[_literal_value(c) for c in row] for row in node.rows]
        if all(isinstance(c, Vec) for row in rows for c in row):
            return Grid(rows)   # type: ignore[arg-type]
    raise NotFusable("an array function's size that is not a literal here")


class ArrayCallRules:
    """The shape and element rules of these functions, for :class:`._arrays.ArrayElements`
    (which provides ``shape``, ``_at`` and ``_single``)."""

    if TYPE_CHECKING:
        const: Callable[[ir.Node], Vec | Grid | None] | None

        def shape(self, node: ir.Node) -> tuple[int, int] | None: ...
        def _at(self, node: ir.Node, r: int, c: int) -> ir.Node: ...
        def _single(self, node: ir.Node) -> ir.Node: ...

    def _const_arg(self, node: ir.Node, what: str) -> Vec | Grid | None:
        if isinstance(node, ir.Missing):
            return None
        const = getattr(self, "const", None)
        if const is None:
            return _literal_value(node)
        got = const(node)
        if got is None:
            raise NotFusable(f"{what} that varies per trial (the result's size would vary)")
        return got

    def _trace(self, node: ir.Call) -> Vec | Grid:
        """numpy's result of ``node`` over placeholder cells: each of its cells a
        placeholder (``self._origin`` says whose) or a constant."""
        memo = self.__dict__.setdefault("_traces", {})
        got = memo.get(id(node))
        if got is not None:
            return got[1]
        from ...functions import FUNCTIONS, _load

        _load()
        name = node.name
        args: list[Vec | Grid | None] = []
        origin = self.__dict__.setdefault("_origin", {})
        for k, a in enumerate(node.args):
            if _is_size(name, k):
                args.append(self._const_arg(a, f"{name}'s size or index"))
                continue
            if name == "SEQUENCE":   # start, step: their values placed by _sequence_at
                args.append(None)
                continue
            if isinstance(a, ir.Missing):
                args.append(None)
                continue
            shape = self.shape(a)
            if shape is None:
                cell = Vec(Kind.NUM, np.zeros(1))
                origin[id(cell)] = (cell, k, None)
                args.append(cell)
                continue
            rows, cols = shape
            if rows * cols > MAX_AREA_CELLS:
                raise NotFusable(f"{name} of {rows * cols} cells")
            cells = [[Vec(Kind.NUM, np.zeros(1)) for _ in range(cols)] for _ in range(rows)]
            for i, row in enumerate(cells):
                for j, cell in enumerate(row):
                    origin[id(cell)] = (cell, k, (i, j))
            args.append(Grid(cells))   # type: ignore[arg-type]
        while args and args[-1] is None:
            args.pop()
        try:
            out = self._flatten_kept(node, args) if name in ("TOCOL", "TOROW") else None
            if out is None:
                out = FUNCTIONS[name].impl(*args)
        except NotFusable:
            raise
        except Exception as exc:  # noqa: BLE001 - a wrong number of arguments ...: numpy's
            raise NotFusable(f"{name} failed on its shape: {exc}") from exc   # own answer
        if isinstance(out, Grid):
            if out.shape[0] * out.shape[1] > MAX_AREA_CELLS:
                raise NotFusable(f"{name} of {out.shape[0] * out.shape[1]} cells")
            if 0 in out.shape:
                raise NotFusable(f"{name} with an empty result")
        memo[id(node)] = (node, out)
        return out

    def _flatten_kept(self, node: ir.Call, args: list) -> Grid | None:
        """TOCOL/TOROW ignoring blanks (1), errors (2) or both (3): the cells kept, in
        order, where each cell is blank, an error or a value in every trial (arrays._flatten
        with cells of one status); None where nothing is ignored (numpy's own function)."""
        how = args[1] if len(args) > 1 else None
        if how is None or not isinstance(how, Vec) or how.kind != Kind.NUM or \
                float(how.data[0]) not in (1.0, 2.0, 3.0) or len(args) < 1 or \
                not isinstance(args[0], Grid):
            return None
        ignore = int(how.data[0])
        gen = getattr(getattr(self, "const", None), "__self__", None)
        status = getattr(gen, "mx_status", None)
        if status is None:
            raise NotFusable(f"{node.name} ignoring blanks or errors here")
        by_col = args[2] if len(args) > 2 else None
        if by_col is not None and not (isinstance(by_col, Vec) and by_col.err is None):
            return None   # numpy's answer (an error)
        g = args[0]
        cells = [c for col in zip(*g.cells, strict=True) for c in col] \
            if by_col is not None and bool(by_col.data[0]) else [c for row in g.cells
                                                                  for c in row]
        origin = self.__dict__["_origin"]
        kept = []
        for cell in cells:
            _, k, pos = origin[id(cell)]
            arg = node.args[k]
            item = self._single(arg) if pos is None else self._at(arg, *pos)
            blank, error = status(item)
            if (ignore & 1 and blank is None) or (ignore & 2 and error is None):
                raise NotFusable(f"{node.name} ignoring blanks or errors of cells that may be "
                                 "blank or an error in some trials only")
            if (ignore & 1 and blank) or (ignore & 2 and error):
                continue
            kept.append(cell)
        if not kept:
            return None   # numpy's #CALC! (#VALUE!)
        return Grid([[c] for c in kept] if node.name == "TOCOL" else [kept])

    def array_call_grid_shape(self, node: ir.Call) -> tuple[int, int] | None:
        """The shape of the Grid numpy returns (1 x 1 kept), None for one value."""
        name = node.name
        if wrong_arity(node):
            return None
        if name in SHAPING:
            out = self._trace(node)
            return out.shape if isinstance(out, Grid) else None
        shapes = [self.shape(a) or (1, 1) for a in node.args]
        if name == "MMULT":
            if len(node.args) != 2:
                raise NotFusable("MMULT with a wrong number of arguments")
            (ra, ka), (kb, cb) = shapes
            return (ra, cb) if ka == kb else None
        if name == "MINVERSE":
            if len(node.args) != 1:
                raise NotFusable("MINVERSE with a wrong number of arguments")
            (r, c), = shapes
            if r > MAX_MATRIX:
                raise NotFusable(f"MINVERSE of {r} rows")
            return (r, c) if r == c else None
        assert name == "FREQUENCY"
        if len(node.args) != 2:
            raise NotFusable("FREQUENCY with a wrong number of arguments")
        if isinstance(node.args[1], ir.Missing):
            return None
        rb, cbins = shapes[1]
        return (rb * cbins + 1, 1)

    def array_call_shape(self, node: ir.Call) -> tuple[int, int] | None:
        """ArrayElements' shape of the result (None: one value, or a 1 x 1 Grid)."""
        shape = self.array_call_grid_shape(node)
        return None if shape is None or shape == (1, 1) else shape

    def array_call_at(self, node: ir.Call, r: int, c: int) -> ir.Node:
        """The IR of element (r, c) of the result (inside its shape; (0, 0): a single
        value), never ``node`` itself."""
        name = node.name
        if wrong_arity(node):
            return ir.Err(VALUE)   # the numpy compiler's answer
        if name in COMPUTED:
            if self.array_call_grid_shape(node) is None and name != "FREQUENCY":
                return ir.Err(VALUE)   # columns and rows do not match / not square
            return mat_at(node, r, c)
        out = self._trace(node)
        cell = out.cells[r][c] if isinstance(out, Grid) else out
        if name == "SEQUENCE" and isinstance(out, Grid):
            return _sequence_at(node, self._single, r * out.shape[1] + c)
        # keyed by id(cell), the placeholder kept beside (alive): one a result dropped, freed,
        # would leave its id to a new cell of another trace (a constant), read as its origin
        got = self.__dict__.get("_origin", {}).get(id(cell))
        if got is None:
            return _literal_ir(cell.scalar(0))
        _, k, pos = got
        arg = node.args[k]
        if name == "SORTBY" and isinstance(out, Grid):
            return self._sortby_at(node, out.shape, r, c)
        return self._single(arg) if pos is None else self._at(arg, *pos)

    def _sortby_at(self, node: ir.Call, shape: tuple[int, int], r: int, c: int) -> ir.Node:
        """SORTBY's element (r, c): CHOOSE(the row (column) sorted to r (c), that column's
        (row's) elements), the position computed per trial by the generator."""
        columns = self._sortby_columns(node, shape)
        rows, cols = shape
        count = cols if columns else rows
        if count > MAX_SORTED:
            raise NotFusable(f"SORTBY of {count} rows")
        arr = node.args[0]
        single = self.shape(arr) is None

        def at(i: int, j: int) -> ir.Node:
            return self._single(arr) if single else self._at(arr, i, j)

        line = [at(r, j) for j in range(cols)] if columns else [at(i, c) for i in range(rows)]
        k = ir.Call(SORTPOS, (node, ir.Num(float(c if columns else r))))
        return ir.Call("CHOOSE", (k, *line))

    def _sortby_columns(self, node: ir.Call, shape: tuple[int, int]) -> bool:
        """Whether SORTBY sorts the columns (its by arrays are rows), as arrays.sortby
        decides from their shapes."""
        nr, nc = shape
        br, bc = self.shape(node.args[1]) or (1, 1)
        return not (bc == 1 and br == nr and not (br == 1 and nr != 1))


def _sequence_at(node: ir.Call, single: Callable[[ir.Node], ir.Node], k: int) -> ir.Node:
    """SEQUENCE's element k: start + step * k (start and step 1 where omitted)."""
    args = [*node.args, ir.Missing(), ir.Missing(), ir.Missing()]
    start, step = args[2], args[3]
    x0 = ir.Num(1.0) if isinstance(start, ir.Missing) else single(start)
    dx = ir.Num(1.0) if isinstance(step, ir.Missing) else single(step)
    return ir.Binary("+", x0, ir.Binary("*", dx, ir.Num(float(k))))


class MatricesMixin(GeneratorHost):
    """The generator's side (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into (and GeneratorHost)
        root: ir.Node | None

        def static_flag(self, node: ir.Node) -> bool | None: ...
        def in_range(self, v: Val, name: str) -> Val: ...
        def fn_choose(self, node: ir.Call) -> Val: ...
        override: dict[int, Val]

    def mx_elements(self, root: ir.Node | None = None):   # -> ArrayElements
        """An ArrayElements that evaluates constant sizes with this generator."""
        from ._arrays import ArrayElements

        return ArrayElements(self.model.workbook, root, self.static_flag, self.array_const)

    def array_const(self, node: ir.Node) -> Vec | Grid | None:
        """A size argument's value where it is the same in every trial, else None."""
        from ...compiler import compile_formula
        from ._groupby import known_sizes

        node = known_sizes(node, self.mx_elements().shape)   # ROWS(GROUPBY(..)): its shape
        try:
            return _literal_value(node)   # a literal, an array constant of literals
        except NotFusable:
            pass
        if not self.is_constant(node):
            return None
        assert self.cell is not None
        compiled, info = compile_formula(node, self.cell)
        if info.unsupported or info.random_streams:
            return None
        return compiled(self.env)

    # ------------------------------------------------------------ entry (Generator.expr)
    def matrix_call(self, node: ir.Node) -> Val | None:
        """``node``'s value where it is (or reads whole) one of these functions, else None."""
        if node is getattr(self, "root", None) and isinstance(node, ir.Call | ir.Unary |
                                                              ir.Binary) \
                and not (isinstance(node, ir.Call) and node.name in ARRAY_CALLS) \
                and has_array_call(node):
            el = self.mx_elements()
            if el.shape(node) is not None:   # a plain cell: the top-left of numpy's Grid
                return self._mx_expr(el.element(node, 0, 0))
        if not isinstance(node, ir.Call):
            return None
        name = node.name
        if name == MATAT:
            inner, r, c = node.args
            assert isinstance(inner, ir.Call) and isinstance(r, ir.Num) and isinstance(c, ir.Num)
            return self.mat_at(inner, int(r.value), int(c.value))
        if name in ARRAY_CALLS:
            el = self.mx_elements()
            if name == "SEQUENCE" and node is getattr(self, "root", None) and \
                    not wrong_arity(node) and any(
                        not isinstance(a, ir.Missing) and self.array_const(a) is None
                        for a in node.args[:2]):
                return self._sequence_top_left(node)
            shape = el.array_call_shape(node)
            if shape is not None and node is not getattr(self, "root", None):
                raise NotFusable(f"{name}'s array read as one value")
            return self._mx_expr(el.array_call_at(node, 0, 0))
        if name == SORTPOS:
            return self.mx_sort_position(node)
        if name == "MDETERM":
            if wrong_arity(node):
                return num("0.0", str(VALUE), (0.0, 0.0))
            return self.mx_determinant(node)
        if not node.args or not isinstance(node.args[0], ir.Call) or \
                node.args[0].name not in ARRAY_CALLS:
            return None
        if name in ("ROWS", "COLUMNS") and len(node.args) == 1:
            shape = self.mx_elements().array_call_grid_shape(node.args[0]) or (1, 1)
            x = float(shape[0] if name == "ROWS" else shape[1])
            return num(lit(x), "0", (x, x))
        if name == "INDEX":
            return self._mx_index(node)
        return None

    def mx_status(self, item: ir.Node) -> tuple[bool | None, bool | None]:
        """(blank and not an error, an error) of an element in every trial, None where that
        may change between trials (or it is not a cell or a literal): what TOCOL/TOROW
        ignore.  Read without making lines (it is asked while shapes are worked out)."""
        if not isinstance(item, ir.Ref | ir.Num | ir.Str | ir.Bool | ir.Err | ir.Missing):
            return None, None
        self.array_ir.append(item)
        v = self.expr(item)
        error = False if v.e == "0" else True if v.constant_error else None
        if v.kind == KBLANK:
            return (None if error is None else not error), error
        return (False if v.kind in (KNUM, KBOOL, KSTR) else None), error

    def _sequence_top_left(self, node: ir.Call) -> Val:
        """A plain cell's SEQUENCE whose size varies per trial: the top-left of the trial's
        Grid (numpy computes each group of trials of one size on its own), start + step * 0
        after the rows' error, the columns', #VALUE! (#CALC!) for a size below 1, then
        start's and step's errors."""
        args = [*node.args, ir.Missing(), ir.Missing(), ir.Missing()]
        rows, cols = self.number(args[0]), self.number(args[1], 1.0)
        bad = self.value(f"(np.trunc({rows.v}) < 1.0) | (np.trunc({cols.v}) < 1.0)")
        size = self.err(self.chain([rows.e, cols.e], [(bad, VALUE)]))
        start, step = self.number(args[2], 1.0), self.number(args[3], 1.0)
        v = self.value(f"{start.v} + {step.v} * 0.0")
        return num(v, self.err(self.chain([size, start.e, step.e], [(f"nf({v})", 0)])))

    def _mx_expr(self, item: ir.Node) -> Val:
        self.array_ir.append(item)   # constants are keyed by the id of their node
        v = self.expr(item)
        if v.kind == KDYN:
            raise NotFusable("an array function of text made per trial")
        return v

    def array_call_values(self, node: ir.Node) -> list[Val] | None:
        """The elements, row by row, of an argument that is (or is an element-wise
        expression of) one of these functions' arrays, as an aggregate reads them; None
        where it is one value (numpy gives no Grid)."""
        if not has_array_call(node):
            return None
        el = self.mx_elements()
        if isinstance(node, ir.Call) and node.name in ARRAY_CALLS:
            shape = el.array_call_grid_shape(node)
        else:
            shape = el.shape(node)
        if shape is None:
            return None
        rows, cols = shape
        if (rows, cols) == (1, 1):
            return [self._mx_expr(el.array_call_at(node, 0, 0)) if isinstance(node, ir.Call)
                    and node.name in ARRAY_CALLS else self._mx_expr(el.element(node, 0, 0))]
        return [self._mx_expr(el.element(node, r, c)) for r in range(rows) for c in range(cols)]

    def _mx_index(self, node: ir.Call) -> Val:
        """INDEX(array, row[, column]) with positions the same in every trial (lookup.index
        of an array without a reference)."""
        from ...functions import FUNCTIONS, _load

        _load()
        el = self.mx_elements()
        inner = node.args[0]
        assert isinstance(inner, ir.Call)
        shape = el.array_call_grid_shape(inner)
        if shape is None:
            raise NotFusable(f"INDEX of a {inner.name} result that is one value")
        if len(node.args) not in (2, 3):
            raise NotFusable("INDEX with a wrong number of arguments")
        pos = [self.array_const(a) if not isinstance(a, ir.Missing) else None
               for a in node.args[1:]]
        rows, cols = shape
        if any(p is None and not isinstance(a, ir.Missing)
               for p, a in zip(pos, node.args[1:], strict=True)):
            return self._mx_index_varying(node, inner, rows, cols)
        origin: dict[int, tuple[int, int]] = {}
        cells = [[Vec(Kind.NUM, np.zeros(1)) for _ in range(cols)] for _ in range(rows)]
        for i, row in enumerate(cells):
            for j, cell in enumerate(row):
                origin[id(cell)] = (i, j)
        got = FUNCTIONS["INDEX"].impl(Grid(cells), *pos)   # type: ignore[arg-type]
        if isinstance(got, Grid):
            raise NotFusable(f"INDEX of a whole row or column of a {inner.name} result")
        at = origin.get(id(got))
        if at is None:
            return self._mx_expr(_literal_ir(got.scalar(0)))
        return self._mx_expr(el.array_call_at(inner, *at))

    def _mx_index_varying(self, node: ir.Call, inner: ir.Call, rows: int, cols: int) -> Val:
        """INDEX(array, row[, column]) with a position that varies per trial, at least 1 in
        every trial (lookup._index: the row's error, the column's, then #REF! past the
        array; the element picked as CHOOSE picks it)."""
        args = list(node.args[1:])
        if any(isinstance(a, ir.Missing) for a in args):
            raise NotFusable(f"INDEX of a {inner.name} result with an empty position")
        if len(args) == 1:
            if rows > 1 and cols > 1:
                raise NotFusable(f"INDEX of a two-dimensional {inner.name} result without a "
                                 "column")
            if rows == 1:   # a position along the row
                args = [ir.Num(1.0), args[0]]
            else:
                args = [args[0], ir.Num(1.0)]
        r, c = self.number(args[0]), self.number(args[1])
        if not all(p.bounded and p.lo >= 1.0 for p in (r, c)):
            raise NotFusable(f"INDEX of a {inner.name} result at a position that may be 0 or "
                             "negative")
        ri = self.value(f"np.trunc({r.v})")
        ci = self.value(f"np.trunc({c.v})")
        bad = self.value(f"({ri} > {lit(float(rows))}) | ({ci} > {lit(float(cols))})")
        err = self.err(self.chain([r.e, c.e], [(bad, REF)]))
        k = self.value(f"sel({bad}, 1.0, ({ri} - 1.0) * {lit(float(cols))} + {ci})")
        el = self.mx_elements()
        key = ir.Num(1.0)   # stands for k (its Val given by override)
        pick = ir.Call("CHOOSE", (key, *(el.array_call_at(inner, i, j) for i in range(rows)
                                         for j in range(cols))))
        self.array_ir.extend([key, pick])
        self.override[id(key)] = num(k, "0", (1.0, float(rows * cols)))
        try:
            got = self.fn_choose(pick)   # not folded: the key is not a constant
        finally:
            self.override.pop(id(key), None)
        if got.kind == KDYN:
            raise NotFusable("INDEX of text made per trial")
        return replace(got, e=self.err(self.chain([err, got.e])))

    # ------------------------------------------------------------ computed elements
    def _mx_cells(self, node: ir.Node, fn: str | None = None) -> list[list[Val]]:
        """The values of a matrix argument, row by row (a single value: one cell); past
        MAX_AREA_CELLS only a range that ``fn`` copies by a loop (_gather.loop_gathered)."""
        el = self.mx_elements()
        if isinstance(node, ir.Missing):
            return [[Val("0.0", "0", "blank", 0.0, 0.0)]]
        shape = el.shape(node)
        if shape is None:
            return [[self._mx_expr(el._single(node))]]
        rows, cols = shape
        if rows * cols > MAX_AREA_CELLS and not (
                fn is not None and isinstance(node, ir.Area) and self.loop_gathered(node, fn)):
            raise NotFusable(f"a matrix of {rows * cols} cells")
        return [[self._mx_expr(el.element(node, r, c)) for c in range(cols)]
                for r in range(rows)]

    def _mx_errors(self, cells: list[Val], numbers: bool) -> list[str]:
        """Error terms in numpy's order: each cell's error, then (``numbers``) #VALUE!
        where it is not a number (matrices.matrix)."""
        out = []
        for v in cells:
            out.append(v.e)
            if not numbers or v.kind == KNUM:
                continue
            if v.kind == KANY:
                assert v.y is not None
                out.append(self.value(f"ck({v.y} != 0.0, {VALUE})"))
            else:
                out.append(str(VALUE))
                break   # every later term is behind this one
        return out

    def _mx_number(self, v: Val) -> str:
        return v.v if v.kind in (KNUM, KANY) else "0.0"

    def _mx_write(self, z: str, vals: list[str]) -> None:
        """``z[p] = vals[p]``, a run of 8 or more of one literal as one slice assignment (the
        flags of a long range of numbers: ``z[0:5000] = 1.0``)."""
        p = 0
        while p < len(vals):
            n = 1
            if _LITERAL.match(vals[p]):
                while p + n < len(vals) and vals[p + n] == vals[p]:
                    n += 1
            if n >= 8:
                self.lines.append(f"{z}[{p}:{p + n}] = {vals[p]}")
            else:
                self.lines += [f"{z}[{p + j}] = {vals[p + j]}" for j in range(n)]
            p += n

    def mat_at(self, node: ir.Call, r: int, c: int) -> Val:
        if node.name == "MMULT":
            a, b = self._mx_cells(node.args[0]), self._mx_cells(node.args[1])
            errs = self._mx_errors([v for row in a for v in row] +
                                   [v for row in b for v in row], True)
            acc = "0.0"
            for k in range(len(b)):
                x, y = self._mx_number(a[r][k]), self._mx_number(b[k][c])
                acc = self.value(f"{acc} + {x} * {y}")
            return num(acc, self.err(self.chain(errs, [(f"nf({acc})", 0)])))
        if node.name == "MINVERSE":
            m = self._mx_cells(node.args[0])
            n = len(m)
            errs = self._mx_errors([v for row in m for v in row], True)
            z, piv, y = self.scratch(n * n), self.scratch(n), self.scratch(n)
            self._mx_write(z, [self._mx_number(v) for row in m for v in row])
            t = self.value(f"mx_inv_at({z}, {lit(float(n))}, {piv}, {y}, {r}, {c})")
            return num(t, self.err(self.chain(errs, [(f"nf({t})", 0)])))
        assert node.name == "FREQUENCY"

        def frequency_fill() -> tuple[str, str, str, str, str, int, int]:
            data = [v for row in self._mx_cells(node.args[0], "FREQUENCY") for v in row]
            bins = [] if isinstance(node.args[1], ir.Missing) else \
                [v for row in self._mx_cells(node.args[1]) for v in row]
            zs = []
            for vals in (data, bins):
                zv, zok = self.scratch(max(len(vals), 1)), self.scratch(max(len(vals), 1))
                self._mx_write(zv, [self._mx_number(v) for v in vals])
                self._mx_write(zok, [self._mx_ok(v) for v in vals])
                zs += [zv, zok]
            e = self._mx_fill_error(self._mx_errors(data + bins, False))
            return (*zs, e, len(data), len(bins))

        xv, xok, bv, bok, ze, nd, nb = array_fill(self, ("FREQUENCY", node), frequency_fill,
                                                  _fill_scratch)
        e = self._mx_read_error(ze)
        t = self.value(f"mx_freq({xv}, {xok}, {lit(float(nd))}, {bv}, {bok}, "
                       f"{lit(float(nb))}, {lit(float(r))})")
        return num(t, e, (0.0, float(nd)))

    def _mx_fill_error(self, errs: list[str]) -> str:
        """The first error of ``errs`` ("0": none can be), kept in a scratch array of one
        element where it varies (another cell of an array formula reads it: _array_fills)."""
        e = self.err(self.chain(errs))
        if e == "0":
            return ""
        if is_literal_error(e):
            return e
        z = self.scratch(1)
        self.lines.append(f"{z}[0] = {e} * 1.0")
        return z

    def _mx_read_error(self, ze: str) -> str:
        """The error ``_mx_fill_error`` kept: "0", a code, or read from its scratch."""
        if not ze:
            return "0"
        return ze if ze.isdigit() else self.err(f"int({ze}[0])")

    def _mx_ok(self, v: Val) -> str:
        """Whether a cell counts as a number (regression.numbers): a number, no error."""
        if v.kind == KNUM:
            return "1.0" if v.e == "0" else f"b2f({v.e} == 0)"
        if v.kind == KANY:
            assert v.y is not None
            return f"b2f(({v.y} == 0.0) & ({v.e} == 0))"
        return "0.0"

    def mx_sort_position(self, node: ir.Call) -> Val:
        """_SORTPOS(SORTBY(..), k): which row (column), from 1, of SORTBY's array this trial's
        sort puts at k (arrays._order: numbers, FALSE, TRUE, errors ascending or reversed,
        ties in written order, blanks last); keys of text are refused."""
        sortby, k = node.args
        assert isinstance(sortby, ir.Call) and isinstance(k, ir.Num)
        el = self.mx_elements()
        shape = el.array_call_grid_shape(sortby)
        assert shape is not None
        columns = el._sortby_columns(sortby, shape)
        count = shape[1] if columns else shape[0]
        pairs = list(range(1, len(sortby.args), 2))
        if len(pairs) != 1:
            raise NotFusable("SORTBY by several arrays")
        order = sortby.args[2] if len(sortby.args) > 2 else ir.Missing()
        desc = False
        if not isinstance(order, ir.Missing):
            got = self.array_const(order)
            if not isinstance(got, Vec):
                raise NotFusable("SORTBY with an order that varies per trial")
            x = got.scalar(0)   # else 1 (a bad order made the whole call #VALUE!)
            desc = isinstance(x, float) and math.trunc(x) == -1
        keys = [v for row in self._mx_cells(sortby.args[1]) for v in row]
        if len(keys) != count:
            raise NotFusable("SORTBY by an array of another size")
        kr, kv, kb = (self.scratch(count) for _ in range(3))
        ranks, vals, blanks = [], [], []
        for v in keys:
            if v.kind == KDYN or v.kind == "str" or (v.kind == KANY and "str" in v.kinds):
                raise NotFusable("SORTBY by text")
            err = v.e != "0"
            if v.kind == KANY:
                assert v.y is not None
                rank = f"sel({v.y} == 1.0, 2.0, 0.0)"
                blank = f"b2f({v.y} == 3.0)"
                value = f"sel({v.y} == 3.0, 0.0, {v.v})"
            else:
                rank = "2.0" if v.kind == "bool" else "0.0"
                blank = "1.0" if v.kind == "blank" else "0.0"
                value = "0.0" if v.kind == "blank" else v.v
            if err:
                rank = f"sel({v.e} != 0, 3.0, {rank})"
                value = f"sel({v.e} != 0, 0.0, {value})"
                blank = f"sel({v.e} != 0, 0.0, {blank})"
            ranks.append(rank)
            vals.append(value)
            blanks.append(blank)
        self._mx_write(kr, ranks)
        self._mx_write(kv, vals)
        self._mx_write(kb, blanks)
        t = self.value(f"mx_sort_pos({kr}, {kv}, {kb}, {lit(float(count))}, "
                       f"{lit(float(k.value))}, {'True' if desc else 'False'})")
        return num(t, "0", (1.0, float(count)))

    def mx_determinant(self, node: ir.Call) -> Val:
        """MDETERM: numpy's determinant of the LU factors (#VALUE! when not square)."""
        if len(node.args) != 1:
            raise NotFusable("MDETERM with a wrong number of arguments")
        m = self._mx_cells(node.args[0])
        n, w = len(m), len(m[0])
        if n > MAX_MATRIX:
            raise NotFusable(f"MDETERM of {n} rows")
        errs = self._mx_errors([v for row in m for v in row], True)
        if n != w:
            return num("0.0", str(VALUE), (0.0, 0.0))
        z, piv = self.scratch(n * n), self.scratch(n)
        self._mx_write(z, [self._mx_number(v) for row in m for v in row])
        t = self.value(f"mx_lu({z}, {lit(float(n))}, {piv})")
        return num(t, self.err(self.chain(errs, [(f"nf({t})", 0)])))


__all__ = ["ARRAY_CALLS", "ELEMENT_CALLS", "MATAT", "READERS", "ArrayCallRules", "MatricesMixin",
           "has_array_call", "mat_at"]
