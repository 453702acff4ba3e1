"""BYROW, BYCOL, MAP, MAKEARRAY, SCAN, REDUCE (and a LAMBDA value called, ``f(2)``) in the
fused kernel: the LAMBDA inlined per element.

The numpy reference (:mod:`engine.functions.lambdas`) runs the LAMBDA's body once per row,
column, element or step with its parameters bound to that row's values, and keeps each
result's single value (``_cell``: a 1 x 1 array's cell, #VALUE! for a larger array).  Where
the result's shape is fixed at compile time (the array argument a range, an array expression
or an array constant of a known shape; MAKEARRAY's sizes the same in every trial), the kernel
computes the same thing without a LAMBDA: :func:`expand_lambdas` rewrites the cell's IR
before the generator sees it, each call replaced by the IR of its elements laid out with
HSTACK / VSTACK (whose element rules are :mod:`._matrices`': element (r, c) is the IR placed
there), each element being the LAMBDA's body with every parameter replaced by the IR of the
value numpy binds it to:

* BYROW / BYCOL: the row's (column's) range, read only as a direct argument of an aggregate
  that reads an array as it reads a range (SUM, AVERAGE, MAX ... :data:`_ROW_READERS`);
* MAP: the element of each array (a range's cell, an array expression's element; #N/A
  past a smaller array, as numpy's ``at`` gives it);
* MAKEARRAY: the row and column numbers (sizes that vary per trial, the cell's value:
  ``_MAKEARRAY_OF_VARYING_SIZE``, bounded by the array formula's range in :mod:`._varsize`);
* SCAN / REDUCE: the accumulator (the previous step's body, the initial value first) and the
  element; REDUCE's value is the last step's body.  A body reading its accumulator more than
  once reads it through ``LET(#ACC<r>:<c>, previous step, body)`` (computed once; an array
  formula's element keeps that LET, :func:`._let_refs.accumulator_let`); REDUCE's
  accumulator may be an array of a fixed shape growing step by step (``HSTACK(a, ..)``).

A LAMBDA is written in the call (``BYROW(r, LAMBDA(x, SUM(x)))``), is a function's name
(``BYCOL(r, SUM)``, ``_xleta.SUM``) or is a LET name bound to a LAMBDA (its binding then
dropped from the LET once every use is inlined; a name the body reads must mean the same
binding where the LAMBDA is written and where it is called).

A body drawing random numbers (RAND, RANDBETWEEN) draws anew in each call, as numpy's does
(:func:`engine.functions.lambdas.draw_tag`): each inlined copy of such a call is given the
stream numpy keys by the helper's place in the cell's ``CompileInfo.lambda_sites`` and the
element or step (row, column) (``gen.lambda_draws``: node id -> stream, the copies kept alive
in ``gen.array_ir``); MAKEARRAY of a size that varies per trial keeps refusing them.  numpy
numbers a helper's site after compiling its arguments (``compile_lambda_call``), so a helper
holding others (CIR's SCAN over a MAKEARRAY) draws under its place plus the sited helpers
inside its arguments (:func:`._scan_loops.numpy_site`).  SCAN at an array formula's root over
an array whose shape varies per trial is one loop in the kernel (:mod:`._scan_loops`).

Refused (left to numpy, with the reason): a body drawing RANDARRAY, a nested LAMBDA
helper in a body, a parameter count other than the call's, a parameter bound to a reference
read where numpy would read a value differently (a direct argument of a function taking
references: SUM(x) of a cell x holding text coerces a value but skips a referenced cell's
text), an accumulator read more than once that may be a reference, and an element whose
shape is not one value (SCAN's accumulator an array).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ... import ir
from ...values import NA, VALUE
from ._enum_cells import enumerable
from ._scan_loops import numpy_site, scan_loop
from ._values import MAX_AREA_CELLS, NotFusable
from ._varsize import COL, ROW, VARSIZE, parameter

_PARAMETER = "_XLPM"   # engine.functions.lambdas.PARAMETER
_ETA = "_XLETA"        # engine.functions.lambdas.ETA
_CALL = "_LAMBDACALL"  # engine.functions.lambdas.CALL
HELPERS = frozenset({"BYROW", "BYCOL", "MAP", "MAKEARRAY", "SCAN", "REDUCE", _CALL})
_DRAWS = ("RAND", "RANDBETWEEN")   # drawn anew per call (the generator's RAND_CALLS)
# functions that read an array argument as they read a range (numpy's numeric_columns and
# counting treat a Grid the same with or without its area): a BYROW/BYCOL row may be read
# only as their direct argument
_ROW_READERS = frozenset({"SUM", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTA", "PRODUCT",
                          "SUMSQ", "MEDIAN", "STDEV", "STDEV.S", "STDEV.P", "STDEVP", "VAR",
                          "VAR.S", "VAR.P", "VARP", "AVEDEV", "DEVSQ"})
# calls the numpy compiler may read as a reference where a function taking references reads
# them (engine._computed_refs), or that read a reference themselves
_REFERENCING = frozenset({"IF", "CHOOSE", "IFS", "SWITCH", "INDEX", "OFFSET", "INDIRECT",
                          "SINGLE", "_UNION"})
# the most elements one call is expanded into
MAX_ELEMENTS = 1024


@dataclass(frozen=True)
class _Closure:
    """A LAMBDA: its parameter names (upper case, as the IR writes them), its body and the
    LET bindings visible where it is written (name -> the bound node, by identity)."""

    params: tuple[str, ...]
    body: ir.Node
    scope: dict[str, Any]


def _name(node: ir.Node) -> str | None:
    if isinstance(node, ir.Call) and node.name == _PARAMETER and len(node.args) == 1 \
            and isinstance(node.args[0], ir.Str):
        return node.args[0].value
    return None


def _calls(node: ir.Node, names: frozenset[str]) -> bool:
    return any(isinstance(n, ir.Call) and n.name in names for n in ir.walk(node))


def has_helpers(node: ir.Node) -> bool:
    """Whether ``node`` calls a LAMBDA helper (the rewrite has anything to do)."""
    return _calls(node, HELPERS)


def _free_names(node: ir.Node, bound: frozenset[str] = frozenset()) -> set[str]:
    """The LET/LAMBDA names ``node`` reads that it does not bind itself."""
    name = _name(node)
    if name is not None:
        return set() if name in bound else {name}
    if isinstance(node, ir.Call) and node.name == "LET" and len(node.args) % 2:
        out, inner = set(), set(bound)
        for n, v in zip(node.args[:-1:2], node.args[1:-1:2], strict=True):
            out |= _free_names(v, frozenset(inner))
            if (k := _name(n)) is not None:
                inner.add(k)
        return out | _free_names(node.args[-1], frozenset(inner))
    if isinstance(node, ir.Call) and node.name == "LAMBDA":
        params = {k for a in node.args[:-1] if (k := _name(a)) is not None}
        return _free_names(node.args[-1], bound | params) if node.args else set()
    out = set()
    for k in ir.children(node):
        out |= _free_names(k, bound)
    return out


def _let_names(node: ir.Node) -> set[str]:
    """The names the LETs inside ``node`` bind."""
    return {k for n in ir.walk(node) if isinstance(n, ir.Call) and n.name == "LET"
            for a in n.args[:-1:2] if (k := _name(a)) is not None}


def _plain_value(node: ir.Node) -> bool:
    """Whether the numpy compiler reads ``node`` as a value wherever it stands (not a
    reference a function taking references would read as cells)."""
    if isinstance(node, ir.Num | ir.Str | ir.Bool | ir.Err):
        return True
    if isinstance(node, ir.Unary):
        return True
    if isinstance(node, ir.Binary):
        return node.op not in (":", " ")
    if isinstance(node, ir.Call) and node.name == "IF":   # its value: one of its branches
        return all(_plain_value(a) for a in node.args[1:])
    return isinstance(node, ir.Call) and node.name not in _REFERENCING


def _reads_references(name: str) -> bool:
    """Whether the numpy compiler hands a direct argument of ``name`` to it as a reference
    (a function taking references, one the compiler makes itself, or one it does not know)."""
    from ...compiler import Compiler, lookup_function
    from ...functions.lambdas import LAMBDA_CALLS

    if name in LAMBDA_CALLS or hasattr(Compiler, f"_fn_{name.replace('.', '_').lower()}"):
        return True
    fn = lookup_function(name)
    return fn is None or fn.refs


@dataclass(frozen=True)
class _Row:
    """A BYROW/BYCOL parameter's value: a row (column) of a range, an array to numpy."""

    area: ir.Area


_Draw = Callable[[ir.Call, ir.Call], ir.Node]


def _substitute(node: ir.Node, bound: dict[str, Any], ctx: str = "",
                draw: _Draw | None = None) -> ir.Node:
    """``node`` with each parameter of ``bound`` replaced by its IR (a LET inside that binds
    the name again shadows it from there on); ``ctx`` names the function ``node`` is a direct
    argument of where that function reads references ("" for a value); ``draw(copy, call)``
    gives the node of each RAND/RANDBETWEEN ``call`` of ``node`` (its copy made here)."""
    name = _name(node)
    if name is not None and name in bound:
        arg = bound[name]
        if isinstance(arg, _Row):
            if ctx not in _ROW_READERS:
                raise NotFusable("a BYROW/BYCOL row read other than by an aggregate")
            return arg.area
        if ctx and not _plain_value(arg):
            raise NotFusable("a LAMBDA parameter read as a reference")
        return arg
    if not bound or not isinstance(node, ir.Call | ir.Unary | ir.Binary):
        return node
    if isinstance(node, ir.Unary):
        return ir.Unary(node.op, _substitute(node.operand, bound, draw=draw))
    if isinstance(node, ir.Binary):
        inner = "REF" if node.op in (":", " ") else ""
        return ir.Binary(node.op, _substitute(node.left, bound, inner, draw),
                         _substitute(node.right, bound, inner, draw))
    if node.name == "LAMBDA":
        raise NotFusable("a LAMBDA inside a LAMBDA")
    if node.name == "LET" and len(node.args) >= 3 and len(node.args) % 2:
        scope, out = dict(bound), []
        for n, v in zip(node.args[:-1:2], node.args[1:-1:2], strict=True):
            out += [n, _substitute(v, scope, draw=draw)]
            scope.pop(_name(n) or "", None)
        return ir.Call("LET", (*out, _substitute(node.args[-1], scope, draw=draw)))
    if node.name in ("IF", "CHOOSE", "IFS", "SWITCH"):   # results read as their caller reads
        inner = ctx
    else:
        inner = node.name if _reads_references(node.name) else ""
    copy = ir.Call(node.name, tuple(_substitute(a, bound, inner, draw) for a in node.args))
    return draw(copy, node) if draw is not None and node.name in _DRAWS else copy


def _unknown_shape(node: ir.Node) -> bool:
    """Whether ``node`` reads an array whose shape ArrayElements leaves to the generator
    (FILTER, UNIQUE ... rows varying per trial; OFFSET, INDIRECT; INDEX whose positions may
    pick a whole row or column): its ``shape`` None does not mean one value here."""
    from ._dynarrays import is_dynamic

    for n in ir.walk(node):
        if is_dynamic(n):
            return True
        if isinstance(n, ir.Call) and n.name in ("OFFSET", "INDIRECT", "ANCHORARRAY",
                                                  "SINGLE", "_UNION"):
            return True
        if isinstance(n, ir.Call) and n.name == "INDEX" and not (
                len(n.args) in (2, 3) and all(isinstance(a, ir.Num) and a.value >= 1
                                              for a in n.args[1:])):
            return True
    return False


class _Expander:
    """The rewrite of one cell's IR (see the module docstring)."""

    def __init__(self, gen: Any, cell: Any) -> None:
        from ._arrays import ArrayElements

        self.gen = gen
        self.workbook = gen.model.workbook
        self.const = gen.array_const
        self.elements = ArrayElements(self.workbook, None, gen.static_flag, gen.array_const)
        self.root: ir.Node | None = None   # the cell's IR (expand_lambdas)
        self.at_root = False
        self.cell = cell   # the cell (CellRef) whose IR is rewritten
        info = gen.model.code(cell).info
        self.sites: list[ir.Node] = info.lambda_sites   # numpy's helper calls, in order
        self.site = -1   # the place of the helper being expanded in ``sites`` (-1: none)
        self.rand_index: dict[int, int] = {}   # id(RAND call of the root) -> its k (#RAND<k>)
        self.draws: dict[int, int] = {}   # id(copy of a RAND call) -> its stream
        self.kept: list[ir.Node] = []   # those copies, alive while their ids key ``draws``
        self.rebound: set[str] = set()   # LET names bound twice (a value not closed by name)
        self.fixed: dict[ir.Node, Any] = {}   # a fixed array's value, by its IR (structure)

    # ------------------------------------------------------------ the walk
    def walk(self, node: ir.Node, scope: dict[str, Any]) -> ir.Node:
        if not isinstance(node, ir.Call | ir.Unary | ir.Binary) or not has_helpers(node):
            return node
        if isinstance(node, ir.Unary):
            return ir.Unary(node.op, self.walk(node.operand, scope))
        if isinstance(node, ir.Binary):
            return ir.Binary(node.op, self.walk(node.left, scope), self.walk(node.right, scope))
        if node.name == "LET":
            return self._let(node, scope)
        if node.name == "LAMBDA":
            return node   # a LAMBDA value left alone: not fused (_functions._bind_names)
        if node.name == "SCAN" and node is self.root:   # a shape varying per trial: a loop
            self.site = self._site(node)
            loop = scan_loop(self, node, scope)   # (_scan_loops)
            if loop is not None:
                return loop
        args = tuple(self.walk(a, scope) for a in node.args)
        if node.name in HELPERS:
            self.at_root = node is self.root   # the cell's value (an array formula's)
            self.site = self._site(node)
            return self._helper(node.name, args, scope)
        return ir.Call(node.name, args)

    def _site(self, node: ir.Node) -> int:
        """The place of helper ``node`` in numpy's ``lambda_sites`` (-1: not one place)."""
        found = [k for k, n in enumerate(self.sites) if n is node]
        return numpy_site(found[0], node) if len(found) == 1 else -1

    def _let(self, node: ir.Call, scope: dict[str, Any]) -> ir.Node:
        args = node.args
        if len(args) < 3 or len(args) % 2 == 0:
            return node
        inner, kept, closures = dict(scope), [], []
        for n, v in zip(args[:-1:2], args[1:-1:2], strict=True):
            name = _name(n)
            if name is None:
                return node
            if isinstance(v, ir.Call) and v.name == "LAMBDA":
                inner[name] = self._closure(v, inner)
                closures.append(name)
                continue
            value = self.walk(v, inner)
            kept += [n, value]
            if name in inner:
                self.rebound.add(name)
            inner[name] = value
        body = self.walk(args[-1], inner)
        kept = _used_bindings(kept, body)
        # a LAMBDA name still read (not by a helper) keeps the LET unfused, as before
        if any(c in _free_names(ir.Call("LET", (*kept, body)) if kept else body)
               for c in closures):
            raise NotFusable("LAMBDA inside LET")
        return ir.Call("LET", (*kept, body)) if kept else body

    @staticmethod
    def _closure(node: ir.Call, scope: dict[str, Any]) -> _Closure:
        params = tuple(_name(a) for a in node.args[:-1])
        if not node.args or any(p is None for p in params):
            raise NotFusable("a LAMBDA with a parameter that is not a name")
        return _Closure(params, node.args[-1], dict(scope))   # type: ignore[arg-type]

    def _function(self, node: ir.Node, scope: dict[str, Any], arity: int) -> _Closure:
        """The LAMBDA a helper calls: written there, a LET name bound to one, or a
        function's name (as a LAMBDA of ``arity`` parameters calling it)."""
        if isinstance(node, ir.Call) and node.name == "LAMBDA":
            return self._closure(node, scope)
        name = _name(node)
        if name is not None:
            got = scope.get(name)
            if not isinstance(got, _Closure):
                raise NotFusable("a LAMBDA helper given a name that is not a LAMBDA")
            for free in _free_names(got.body, frozenset(got.params)):
                if got.scope.get(free) is not scope.get(free):
                    raise NotFusable("a LAMBDA reading a name bound again where it is called")
            return got
        if isinstance(node, ir.Call) and node.name == _ETA and len(node.args) == 1 and \
                isinstance(node.args[0], ir.Str):
            from ...compiler import Compiler, lookup_function

            fn_name = node.args[0].value
            fn = lookup_function(fn_name)
            if fn is None or fn.needs_ctx or \
                    hasattr(Compiler, f"_fn_{fn_name.replace('.', '_').lower()}"):
                raise NotFusable(f"a LAMBDA helper calling {fn_name} by name")
            params = tuple(f"#{k}" for k in range(arity))
            return _Closure(params, ir.Call(fn_name, tuple(
                ir.Call(_PARAMETER, (ir.Str(p),)) for p in params)), {})
        raise NotFusable("a LAMBDA helper whose function is not a LAMBDA")

    def _draw(self, at: tuple[int, int] | None) -> _Draw:
        """The ``draw`` of :func:`_substitute` for the call at (row, column) ``at`` of the
        helper being expanded: each copy of a RAND/RANDBETWEEN call gets numpy's stream
        for that call (engine.functions.lambdas.draw_tag)."""
        from ...compiler import stream_id
        from ...functions.lambdas import stream_tag

        if at is None or self.site < 0:
            raise NotFusable("a LAMBDA body drawing random numbers where its calls are not "
                             "known (a size varying per trial, or a helper not compiled)")
        tag = stream_tag(self.site, *at)

        def draw(copy: ir.Call, call: ir.Call) -> ir.Node:
            k = self.rand_index.get(id(call))
            if k is None:
                raise NotFusable("RAND call site not found in the compiled cell")
            self.kept.append(copy)
            self.draws[id(copy)] = stream_id(self.cell, f"#RAND{k}{tag}")
            return copy
        return draw

    def _apply(self, fn: _Closure, args: list[Any], strict: bool = False,
               at: tuple[int, int] | None = None, arrays: bool = False) -> ir.Node:
        """The body of ``fn`` with its parameters bound to ``args`` (IR, or a _Row): one
        value (an array: #VALUE!, numpy's ``_cell``; NotFusable where ``strict``, the raw
        result being read on: SCAN, REDUCE, a LAMBDA called); ``at``: the call's (row,
        column) in the helper (the streams of the body's draws); ``arrays``: an array of
        a fixed shape is the value as it is (REDUCE's accumulator growing by HSTACK)."""
        if len(args) != len(fn.params):
            raise NotFusable(f"a LAMBDA of {len(fn.params)} parameters called with "
                             f"{len(args)} arguments")
        if _calls(fn.body, frozenset({"RANDARRAY"}) | HELPERS | {"ISOMITTED", "LAMBDA", _ETA}):
            raise NotFusable("a LAMBDA body drawing RANDARRAY or calling LAMBDAs")
        draw = self._draw(at) if _calls(fn.body, frozenset(_DRAWS)) else None
        inner = _let_names(fn.body)
        for a in args:
            if not isinstance(a, _Row) and _free_names(a) & inner:
                raise NotFusable("a LAMBDA argument reading a name its body binds again")
        bound: dict[str, Any] = dict(zip(fn.params, args, strict=True))
        for free in _free_names(fn.body, frozenset(fn.params)):
            value = fn.scope.get(free)
            if value is None or isinstance(value, _Closure):
                raise NotFusable("a LAMBDA reading a LET name of an array")
            if _free_names(value) or _unknown_shape(value) or \
                    self.elements.shape(value) is not None:
                # an array: its value written in (FILTERs of fixed rows folded below)
                bound[free] = self._closed(value, fn.scope)
        out = _substitute(fn.body, bound, draw=draw)
        if _calls(out, frozenset({"FILTER"})):
            out = self._fold_filters(_picked(out))
            if _unknown_shape(out) and self._value(out) is not None:   # UNIQUE of fixed cells
                got = self._constant(out)
                out = got if not isinstance(got, ir.Array) else got.rows[0][0] \
                    if len(got.rows) == len(got.rows[0]) == 1 else ir.Err(VALUE)
        if _unknown_shape(out):
            raise NotFusable("a LAMBDA whose value's size is not fixed")
        shape = self.elements.shape(out)
        if shape is None:
            return out
        if arrays and shape[0] * shape[1] <= MAX_ELEMENTS:
            return out
        if strict or shape == (1, 1):
            raise NotFusable("a LAMBDA returning an array")
        return ir.Err(VALUE)   # numpy's _cell of a larger array

    # ------------------------------------------------------------ the helpers
    def _array(self, node: ir.Node, scope: dict[str, Any]) -> ir.Node:
        """A helper's array argument, a LET name read as its bound value."""
        name = _name(node)
        if name is not None:
            got = scope.get(name)
            if got is None or isinstance(got, _Closure):
                raise NotFusable("a LAMBDA helper over a LET name whose value reads names")
            if _free_names(got):   # UNIQUE(INDEX(FILTER(..),,1)) of a fixed table: constants
                return self._constant(self._closed(got, scope))
            return got
        return node

    # ------------------------------------------------------------ fixed arrays
    def _closed(self, node: ir.Node, scope: dict[str, Any]) -> ir.Node:
        """``node`` with every LET name it reads replaced by its bound value (closed in
        turn), columns picked out of HSTACKs of columns (:func:`_picked`)."""
        names = _free_names(node)
        if names & self.rebound:
            raise NotFusable("a LAMBDA helper over a LET name bound twice")
        bound = {}
        for n in names:
            got = scope.get(n)
            if got is None or isinstance(got, _Closure):
                raise NotFusable("a LAMBDA helper over a LET name whose value reads names")
            bound[n] = self._closed(got, scope)
        return _picked(_substitute(node, bound) if bound else node)

    def _value(self, node: ir.Node) -> Any:
        """The value of ``node`` where it is the same in every trial (None: it varies)."""
        if node not in self.fixed:   # compiled as the cell's formula (expand_lambdas)
            self.fixed[node] = self.const(node)
        return self.fixed[node]

    def _constant(self, node: ir.Node) -> ir.Node:
        """``node``, fixed per trial, as its array constant."""
        from ._matrices import _literal_ir

        got = self._value(node)
        if got is None:
            raise NotFusable("a LAMBDA helper over a LET name whose value reads names and "
                             "varies per trial")
        if not hasattr(got, "cells"):
            return _literal_ir(got.scalar(0))
        rows, cols = got.shape
        if rows * cols > MAX_ELEMENTS:
            raise NotFusable(f"a LAMBDA helper over {rows * cols} elements")
        return ir.Array(tuple(tuple(_literal_ir(c.scalar(0)) for c in row)
                              for row in got.cells))

    def _rows(self, node: ir.Node) -> list[ir.Node] | None:
        """The cells of ``node`` (one column) as IR, row by row, where its rows are fixed: a
        column's cells, a FILTER of them whose condition is the same in every trial."""
        if isinstance(node, ir.Area) and node.c1 == node.c2:
            from ...workbook import CellRef

            if node.r2 - node.r1 >= 1 << 16:
                return None
            return [ir.Ref(CellRef(node.sheet, r, node.c1))
                    for r in range(node.r1, node.r2 + 1)]
        if isinstance(node, ir.Call) and node.name == "FILTER" and len(node.args) == 2:
            rows = self._rows(node.args[0])
            keep = None if rows is None else self._mask(node.args[1], len(rows))
            if keep is None or not any(keep):
                return None
            return [x for x, k in zip(rows, keep, strict=True) if k]
        return None

    def _mask(self, node: ir.Node, n: int) -> list[bool] | None:
        """FILTER's condition ``node`` over ``n`` rows as booleans where it is the same in
        every trial and holds only numbers and logicals (None otherwise).  ``x = k`` of a
        literal ``k`` compares the fixed values of ``x`` (numbers exactly, text without
        case: Excel's ``=``) without compiling each comparison again."""
        if isinstance(node, ir.Binary) and node.op == "=" and \
                isinstance(node.right, ir.Num | ir.Str):
            got = self._value(node.left)
            if got is not None and hasattr(got, "cells") and got.shape == (n, 1):
                k = node.right.value
                out = []
                for row in got.cells:
                    x = row[0].scalar(0)
                    if isinstance(x, bool) or x is None or not isinstance(x, type(k)) and \
                            not (isinstance(x, float) and isinstance(k, float)):
                        break
                    out.append(x.casefold() == k.casefold() if isinstance(x, str) else x == k)
                else:
                    return out
        got = self._value(node)
        if got is None or not hasattr(got, "cells") or got.shape != (n, 1):
            return None
        out = []
        for row in got.cells:
            x = row[0].scalar(0)
            if not isinstance(x, bool | float):
                return None
            out.append(bool(x))
        return out

    def _fold_filters(self, node: ir.Node) -> ir.Node:
        """``node`` with each FILTER of a column whose rows are fixed (:meth:`_rows`) read as
        the cells it keeps (VSTACK of them): SUM(FILTER(sales, orders = k)) of a fixed table
        is the sum of the cells of order k."""
        if isinstance(node, ir.Call) and node.name == "FILTER":
            rows = self._rows(node)
            if rows is not None and len(rows) <= MAX_ELEMENTS:
                return ir.Call("VSTACK", tuple(rows))
        if isinstance(node, ir.Call):
            return ir.Call(node.name, tuple(self._fold_filters(a) for a in node.args))
        if isinstance(node, ir.Unary):
            return ir.Unary(node.op, self._fold_filters(node.operand))
        if isinstance(node, ir.Binary):
            return ir.Binary(node.op, self._fold_filters(node.left),
                             self._fold_filters(node.right))
        return node

    def _grid(self, node: ir.Node) -> list[list[ir.Node]]:
        """The elements of an array argument (numpy's ``_grid``: one value is 1 x 1)."""
        if isinstance(node, ir.Missing):
            raise NotFusable("a LAMBDA helper without its array")
        if _unknown_shape(node):
            raise NotFusable("a LAMBDA helper over an array whose size is not fixed")
        shape = self.elements.shape(node)
        if shape is None:
            return [[node]]
        rows, cols = shape
        if rows * cols > MAX_ELEMENTS:
            raise NotFusable(f"a LAMBDA helper over {rows * cols} elements")
        if isinstance(node, ir.Area):
            from ...workbook import CellRef

            return [[ir.Ref(CellRef(node.sheet, node.r1 + i, node.c1 + j)) for j in range(cols)]
                    for i in range(rows)]
        return [[self.elements._at(node, i, j) for j in range(cols)] for i in range(rows)]

    def _helper(self, name: str, args: tuple[ir.Node, ...], scope: dict[str, Any]) -> ir.Node:
        if name == _CALL:
            if not args:
                raise NotFusable("a LAMBDA call without its LAMBDA")
            return self._apply(self._function(args[0], scope, len(args) - 1), list(args[1:]),
                               strict=True, at=(0, 0))
        if not args:
            raise NotFusable(f"{name} without arguments")
        if name in ("BYROW", "BYCOL"):
            if len(args) != 2:
                raise NotFusable(f"{name} with a wrong number of arguments")
            fn = self._function(args[1], scope, 1)
            return self._by(name, self._array(args[0], scope), fn)
        if name == "MAP":
            fn = self._function(args[-1], scope, len(args) - 1)
            return self._map([self._array(a, scope) for a in args[:-1]], fn)
        if name == "MAKEARRAY":
            if len(args) != 3:
                raise NotFusable("MAKEARRAY with a wrong number of arguments")
            fn = self._function(args[2], scope, 2)
            rows, cols = (self._size(a) for a in args[:2])
            if rows is None or (cols is None and not isinstance(rows, ir.Err)):
                if not self.at_root:   # an array formula's value: bounded by its range
                    raise NotFusable("MAKEARRAY of a size that varies per trial")
                return ir.Call(VARSIZE, (*args[:2], self._apply(fn, [parameter(ROW),
                                                                     parameter(COL)])))
            if isinstance(rows, ir.Err) or isinstance(cols, ir.Err):
                return rows if isinstance(rows, ir.Err) else cols
            if rows * cols > MAX_ELEMENTS:
                raise NotFusable(f"MAKEARRAY of {rows * cols} elements")
            return _layout([[self._apply(fn, [ir.Num(float(i + 1)), ir.Num(float(j + 1))],
                                         at=(i, j)) for j in range(cols)] for i in range(rows)])
        assert name in ("SCAN", "REDUCE")
        if len(args) != 3:
            raise NotFusable(f"{name} with a wrong number of arguments")
        fn = self._function(args[2], scope, 2)
        many = len(fn.params) == 2 and sum(1 for n in ir.walk(fn.body)
                                           if _name(n) == fn.params[0]) > 1
        acc = ir.Missing() if isinstance(args[0], ir.Missing) else self._array(args[0], scope)
        if _unknown_shape(acc) or self.elements.shape(acc) is not None:
            raise NotFusable(f"{name} of an array initial value")
        out = []
        for i, row in enumerate(self._grid(self._array(args[1], scope))):
            line = []
            for j, x in enumerate(row):
                acc = self._step(fn, acc, x, (i, j), many, name == "REDUCE")
                line.append(acc)
            out.append(line)
        if name == "REDUCE":
            if not _plain_value(acc):
                raise NotFusable("REDUCE whose value may be a reference")
            return acc
        return _layout(out)

    def _step(self, fn: _Closure, acc: ir.Node, x: ir.Node, at: tuple[int, int],
              many: bool, arrays: bool) -> ir.Node:
        """One step of SCAN/REDUCE: the body with the accumulator ``acc`` and the element
        ``x``.  A body reading its accumulator more than once reads it through a LET name
        bound to the previous step (``LET(#ACC<r>:<c>, acc, body)``: computed once, where
        the inlined chain would grow exponentially); an accumulator that is not a value
        (a reference numpy's SUM would read otherwise) is then refused.  With ``arrays``
        (REDUCE) the accumulator may be an array of a fixed shape (``HSTACK(a, ..)``
        growing a row), read as its elements (the previous step's element nodes: no copy)."""
        if not many or isinstance(acc, ir.Num | ir.Str | ir.Bool | ir.Err | ir.Missing | ir.Ref) \
                or (arrays and self.elements.shape(acc) is not None):
            return self._apply(fn, [acc, x], strict=True, at=at, arrays=arrays)
        if not _plain_value(acc):
            raise NotFusable("a LAMBDA reading its accumulator more than once, the "
                             "accumulator not a value")
        from ._let_refs import ACCUMULATOR

        name = parameter(f"{ACCUMULATOR}{at[0]}:{at[1]}")   # no workbook name has '#'
        return ir.Call("LET", (name, acc, self._apply(fn, [name, x], strict=True, at=at,
                                                      arrays=arrays)))

    def _by(self, name: str, array: ir.Node, fn: _Closure) -> ir.Node:
        if isinstance(array, ir.Area):
            from ._read_areas import read_shape

            rows, cols = read_shape(self.workbook, array)
            if (rows if name == "BYROW" else cols) > MAX_ELEMENTS:
                raise NotFusable(f"{name} of {max(rows, cols)} lines")
            s, r1, c1 = array.sheet, array.r1, array.c1
            lines = [_Row(ir.Area(s, r1 + i, c1, r1 + i, c1 + cols - 1)) for i in range(rows)] \
                if name == "BYROW" else \
                [_Row(ir.Area(s, r1, c1 + j, r1 + rows - 1, c1 + j)) for j in range(cols)]
        else:   # an array value: numpy's SUM(x) reads it otherwise than a range
            raise NotFusable(f"{name} of something other than a range")
        got = [self._apply(fn, [x], at=(k, 0) if name == "BYROW" else (0, k))
               for k, x in enumerate(lines)]
        return _layout([[g] for g in got] if name == "BYROW" else [got])

    def _map(self, arrays: list[ir.Node], fn: _Closure) -> ir.Node:
        if not arrays:
            raise NotFusable("MAP without an array")
        grids = [self._grid(a) for a in arrays]
        rows = max(len(g) for g in grids)
        cols = max(len(g[0]) for g in grids)
        if rows * cols > MAX_ELEMENTS:
            raise NotFusable(f"MAP of {rows * cols} elements")

        def at(g: list[list[ir.Node]], r: int, c: int) -> ir.Node:
            gr, gc = len(g), len(g[0])
            if (gr != 1 and r >= gr) or (gc != 1 and c >= gc):
                return ir.Err(NA)
            return g[0 if gr == 1 else r][0 if gc == 1 else c]
        return _layout([[self._apply(fn, [at(g, r, c) for g in grids], at=(r, c))
                         for c in range(cols)] for r in range(rows)])

    def _size(self, node: ir.Node) -> int | ir.Err | None:
        """MAKEARRAY's rows or columns: the same in every trial (an error: that error,
        text or less than 1: #VALUE!, as numpy's _makearray); None where it varies per
        trial (:mod:`._varsize`)."""
        if isinstance(node, ir.Missing):
            return ir.Err(VALUE)
        got = self.const(node)
        if got is None:
            return None
        if not hasattr(got, "scalar"):
            raise NotFusable("MAKEARRAY of an array size")
        x = got.scalar()
        from ...values import ExcelError

        if isinstance(x, ExcelError):
            raise NotFusable("MAKEARRAY of an error size")
        if isinstance(x, str) or x is None:
            return ir.Err(VALUE)
        try:
            k = int(float(x))
        except (TypeError, ValueError, OverflowError) as exc:   # NaN, infinite: numpy's own
            raise NotFusable("MAKEARRAY of a size that is not a number") from exc
        if k < 1:
            return ir.Err(VALUE)
        return k


def _picked(node: ir.Node) -> ir.Node:
    """``node`` with INDEX(x, , k) (or 0 rows) read as the k-th column of ``x`` where ``x``
    is HSTACK of columns of ranges of the same rows or a FILTER of such (:func:`_column`):
    a fixed column no longer reads the others beside it (one varying)."""
    if isinstance(node, ir.Unary):
        return ir.Unary(node.op, _picked(node.operand))
    if isinstance(node, ir.Binary):
        return ir.Binary(node.op, _picked(node.left), _picked(node.right))
    if not isinstance(node, ir.Call):
        return node
    args = tuple(_picked(a) for a in node.args)
    if node.name == "INDEX" and len(args) == 3 and isinstance(args[2], ir.Num) and \
            (isinstance(args[1], ir.Missing) or isinstance(args[1], ir.Num) and
             args[1].value == 0) and args[2].value == int(args[2].value):
        got = _column(args[0], int(args[2].value))
        if got is not None:
            return got
    return ir.Call(node.name, args)


def _column(node: ir.Node, k: int) -> ir.Node | None:
    """The k-th column of HSTACK(c1, c2 ..) (each one column of a range, all of the same
    rows), of FILTER(that, cond) FILTER(ck, cond); None for anything else."""
    if isinstance(node, ir.Call) and node.name == "HSTACK" and 1 <= k <= len(node.args):
        first = node.args[0]
        if all(isinstance(c, ir.Area) and c.c1 == c.c2 and isinstance(first, ir.Area) and
               (c.r1, c.r2) == (first.r1, first.r2) for c in node.args):
            return node.args[k - 1]
        return None
    if isinstance(node, ir.Call) and node.name == "FILTER" and len(node.args) == 2:
        got = _column(node.args[0], k)
        return None if got is None else ir.Call("FILTER", (got, node.args[1]))
    return None


def _used_bindings(kept: list[ir.Node], body: ir.Node) -> list[ir.Node]:
    """The LET bindings ``kept`` (name, value ..) less those nothing after them reads (a
    value written into a LAMBDA's body instead), those drawing random numbers kept."""
    out: list[ir.Node] = []
    needed = _free_names(body)
    for n, v in reversed(list(zip(kept[::2], kept[1::2], strict=True))):
        if _name(n) in needed or _calls(v, frozenset(_DRAWS) | {"RANDARRAY"}):
            out = [n, v, *out]
            needed = (needed - {_name(n)}) | _free_names(v)
    return out


def bind_parameters(body: ir.Node, bound: dict[str, ir.Node]) -> ir.Node:
    """``body`` with each parameter named in ``bound`` replaced by its IR (a value)."""
    return _substitute(body, bound)


def _layout(cells: list[list[ir.Node]]) -> ir.Node:
    """The array of ``cells`` as HSTACK / VSTACK of its elements (their element rules are
    _matrices'): a row HSTACK, a column VSTACK, a block VSTACK of HSTACKs."""
    if len(cells) * len(cells[0]) > MAX_AREA_CELLS:
        raise NotFusable(f"a LAMBDA helper of {len(cells) * len(cells[0])} elements")
    if len(cells) == 1:
        return ir.Call("HSTACK", tuple(cells[0]))
    if len(cells[0]) == 1:
        return ir.Call("VSTACK", tuple(row[0] for row in cells))
    return ir.Call("VSTACK", tuple(ir.Call("HSTACK", tuple(row)) for row in cells))


def expand_lambdas(gen: Any, node: ir.Node, cell: Any) -> ir.Node:
    """``node`` (a cell's IR) with every LAMBDA helper whose result has a fixed shape
    replaced by the IR of its elements (see the module docstring); ``node`` itself where it
    calls none.  ``gen`` is the Generator (its workbook, constants and static flags); the
    IR made is kept alive in ``gen.array_ir`` (constants are keyed by node ids)."""
    gen.lambda_draws = {}
    if not has_helpers(node):
        return node
    # the cell's own formula from here on: a value folded while expanding (MAKEARRAY's
    # sizes, a LET name's fixed array) compiles against this cell (ROW(), COLUMN()), not
    # the cell made before it
    gen.cell = cell
    expander = _Expander(gen, cell)
    expander.root = node
    expander.rand_index = {id(n): k for k, n in enumerate(
        n for n in ir.walk(node) if isinstance(n, ir.Call) and n.name in _DRAWS)}
    try:
        out = expander.walk(node, {})
    except NotFusable as exc:   # a value read from a table over a few cells (_enum_cells)
        got = enumerable(gen, node, cell, str(exc))
        if got is None:
            raise
        gen.array_ir.append(got)
        return got
    gen.array_ir.extend([out, *expander.kept])
    gen.lambda_draws = expander.draws
    return out


__all__ = ["HELPERS", "bind_parameters", "expand_lambdas", "has_helpers"]
