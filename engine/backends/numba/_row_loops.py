"""SUM of an array expression over long columns as one loop over the rows (a mixin of the
kernel generator).

``{=SUM((Sales)*(Year=$B171)*(Quarter=VALUE(MID(C$170,2,1)))*(T[STATUS]<>"Cancelled"))}``
over a 2,823-row table (EfiLygda's Sales_Data_Project.xlsx, 12 cells): an array formula's
SUM of arithmetic is written out element by element (:meth:`._arrays.ArrayElements._single`),
a few lines per element: 12 such cells made the kernel too large.  Past
:data:`ROW_LOOP_MIN` elements the SUM is a :class:`RowSum` instead, generated here as

* the parts that are one value (``$B171``, ``VALUE(MID(C$170,2,1))``, ``AVERAGE(T[SALES])``)
  computed once, before the loop;
* each part over the rows that is the same in every trial (``T[STATUS]<>"Cancelled"``, a
  column of constants) evaluated once by the numpy compiler (its numbers and logicals, no
  error, no text), and each column whose cells vary per trial (numbers, never an error),
  gathered into a scratch (:meth:`._gather.GatherMixin.gathered`);
* one loop over the rows computing the element from them with the generator's own lines
  (the element's IR with each such part a virtual cell reading ``z[int(j)]``), adding it and
  keeping the first error in order: engine.functions.math.sum_ adds left to right, so the
  sum is numpy's bit for bit.

A part it cannot place (text varying per trial, a column of another length, a function that
is not element-wise arithmetic) falls back to the elements written out, as before.  The CUDA
build translates the loop as the schedules' loops (cupy ``_Families._chains``: a name
assigned in the loop is a variable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import ir
from ...values import VALUE, Grid
from ...workbook import CellRef
from . import _intervals as iv
from ._host import GeneratorHost
from ._values import KBOOL, KNUM, NotFusable, Val, num

ROW_LOOP_MIN = 64   # elements of a SUM's array expression from which it is one loop
ROW_SHEET = "\x00ROWLOOP"   # virtual cells of the loop's columns (a sheet no workbook has)
_ARITHMETIC = frozenset({"+", "-", "*", "/", "^"})
_COMPARISONS = frozenset({"=", "<>", "<", ">", "<=", ">="})
# element-wise functions of numbers the loop body may call (as the generator compiles them)
_NUMERIC = frozenset({"ABS", "SIGN", "INT", "TRUNC", "ROUND", "ROUNDUP", "ROUNDDOWN", "SQRT",
                      "EXP", "LN", "LOG10", "MOD", "POWER"})


@dataclass(frozen=True, slots=True, eq=False)
class RowSum(ir.Call):
    """SUM of ``array`` (an array expression of ``shape``) in an array formula; ``elements``
    its elements' IR in row order (the fallback)."""

    array: ir.Node
    shape: tuple[int, int]
    elements: tuple[ir.Node, ...]


def row_sum(array: ir.Node, shape: tuple[int, int],
            elements: tuple[ir.Node, ...]) -> RowSum | None:
    """SUM(``array``) as a :class:`RowSum` where it has at least :data:`ROW_LOOP_MIN`
    elements, else None (written out)."""
    if shape[0] * shape[1] < ROW_LOOP_MIN:
        return None
    # its one argument an array constant: never folded (it varies) nor read by split_call
    return RowSum("_ROWSUM", (ir.Array(((ir.Num(0.0),),)),), array, shape, elements)


@dataclass(frozen=True, slots=True, eq=False)
class RowFilter(ir.Call):
    """SUM or COUNT (``func``) of FILTER(``column``, ``mask``) over ``rows`` rows in an array
    formula; ``fallback`` the call as it was (read through the FILTER paths)."""

    func: str
    column: ir.Area
    mask: ir.Node
    rows: int
    fallback: ir.Call


def row_filter(node: ir.Call, mask_shape: tuple[int, int] | None) -> RowFilter | None:
    """SUM(FILTER(column, mask)) or COUNT(...) as a :class:`RowFilter` where the column is
    one range of at least :data:`ROW_LOOP_MIN` rows, the mask of its shape and no if_empty
    is given; else None."""
    if node.name not in ("SUM", "COUNT") or len(node.args) != 1:
        return None
    f = node.args[0]
    if not (isinstance(f, ir.Call) and f.name == "FILTER" and len(f.args) == 2
            and isinstance(f.args[0], ir.Area)):
        return None
    col = f.args[0]
    rows, cols = col.declared_shape
    if cols != 1 or rows < ROW_LOOP_MIN or mask_shape != (rows, 1):
        return None
    return RowFilter("_ROWFILTER", (ir.Array(((ir.Num(0.0),),)),), node.name, col, f.args[1],
                     rows, node)


class _ValuesKey(tuple):
    """A long tuple that hashes once (a dict key looked up once per element)."""

    def __new__(cls, values: tuple) -> _ValuesKey:
        self = super().__new__(cls, values)
        self.hash = tuple.__hash__(self)
        return self

    def __hash__(self) -> int:
        return self.hash


class RowLoopMixin(GeneratorHost):
    """SUM of a long array expression as a loop (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        ntmp: int

        def constant(self, key: object, x: object) -> Val: ...
        def gathered(self, vals: list[Val]) -> str | None: ...
        def mx_elements(self, root: ir.Node | None = None): ...  # noqa: ANN201

    def fn__rowsum(self, node: ir.Call) -> Val:
        assert isinstance(node, RowSum)
        mark, saved = len(self.lines), dict(self.input_vals)
        try:
            return self._row_loop(node)
        except NotFusable:
            del self.lines[mark:]
            self.input_vals.clear()
            self.input_vals.update(saved)
        new = ir.Call("SUM", node.elements)   # the elements written out, as before
        self.array_ir.append(new)
        return self.expr(new)

    def fn__rowfilter(self, node: ir.Call) -> Val:
        assert isinstance(node, RowFilter)
        mark, saved = len(self.lines), dict(self.input_vals)
        try:
            return self._filter_loop(node)
        except NotFusable:
            del self.lines[mark:]
            self.input_vals.clear()
            self.input_vals.update(saved)
        self.array_ir.append(node.fallback)
        return self.expr(node.fallback)

    def _filter_loop(self, node: RowFilter) -> Val:
        """engine.functions.dynamic.filter_ read by SUM or COUNT: the rows whose flag is
        true (a number not 0, TRUE) in order; a flag that may be an error or text, or a
        column that is not numbers, is left to the FILTER paths.  Nothing kept: FILTER's
        #VALUE! (#CALC!), which SUM returns and COUNT does not count."""
        shape = (node.rows, 1)
        self.ntmp += 1
        j = f"f_rj{self.ntmp}"
        virtual: list[CellRef] = []
        mask = self._row_template(node.mask, shape, j, virtual, False)
        column = self._row_template(node.column, shape, j, virtual, True)
        try:
            acc = self.value("0.0")
            count = self.value("0.0")
            mark = len(self.lines)
            flag = self.expr(mask)
            x = self.expr(column)
            if flag.e != "0" or flag.kind not in (KNUM, KBOOL) or x.e != "0" or \
                    x.kind != KNUM:
                raise NotFusable("FILTER's flags or values that are not numbers")
            body = self.lines[mark:]
            del self.lines[mark:]
            self.lines.append(f"for {j} in range({node.rows}):")
            self.lines += ["    " + line for line in body]
            self.lines.append(f"    {count} = {count} + sel({flag.v} != 0.0, 1.0, 0.0)")
            if node.func == "SUM":
                self.lines.append(f"    {acc} = {acc} + sel({flag.v} != 0.0, {x.v}, 0.0)")
        finally:
            for c in virtual:
                self.input_vals.pop(c, None)
        self.array_ir += [mask, column]
        if node.func == "COUNT":
            return num(count, "0", (0.0, float(node.rows)))
        err = self.err(f"sel({count} == 0.0, {VALUE}, 0)")
        return num(acc, err, iv.UNKNOWN)

    def _row_loop(self, node: RowSum) -> Val:
        rows, cols = node.shape
        n = rows * cols
        self.ntmp += 1
        j = f"f_rj{self.ntmp}"
        virtual: list[CellRef] = []
        template = self._row_template(node.array, node.shape, j, virtual, False)
        try:
            acc = self.value("0.0")
            self.ntmp += 1
            err = f"f{self.ntmp}"
            self.lines.append(f"{err} = 0")
            mark = len(self.lines)
            v = self.expr(template)
            if v.kind != KNUM:
                raise NotFusable("a loop's element that is not a number")
            body = self.lines[mark:]
            del self.lines[mark:]
            self.lines.append(f"for {j} in range({n}):")
            self.lines += ["    " + line for line in body]
            if v.e != "0":
                self.lines.append(f"    {err} = sel({err} == 0, {v.e}, {err})")
            self.lines.append(f"    {acc} = {acc} + {v.v}")
        finally:
            for c in virtual:
                self.input_vals.pop(c, None)
        self.array_ir.append(template)   # kept alive: constants are keyed by node id
        return num(acc, err, iv.UNKNOWN)

    def _row_template(self, node: ir.Node, shape: tuple[int, int], j: str,
                      virtual: list[CellRef], in_arithmetic: bool) -> ir.Node:
        """``node`` as the IR of the loop's element: its parts of one value computed now
        (override), its parts over the rows virtual cells reading a scratch at ``j``."""
        el = self.mx_elements()
        got = el.shape(node)
        if got is None:   # one value: computed once, before the loop
            if isinstance(node, ir.Call | ir.Binary | ir.Unary | ir.Ref):
                self.override[id(node)] = self.expr(node)
                self.array_ir.append(node)   # alive while its id keys override
            return node
        if got != shape:
            raise NotFusable("a loop over parts of different shapes")
        if isinstance(node, ir.Area | ir.Call | ir.Binary | ir.Unary) and \
                self.is_constant(node):
            return self._row_constant(node, shape, j, virtual, in_arithmetic)
        if isinstance(node, ir.Area):
            vals = [self.operand(c) for line in node.cells() for c in line]
            if any(v.kind != KNUM or v.e != "0" for v in vals):
                raise NotFusable("a loop over a range of values that are not numbers")
            return self._row_cell(vals, j, virtual)
        if isinstance(node, ir.Binary) and node.op in _ARITHMETIC | _COMPARISONS:
            arith = node.op in _ARITHMETIC
            return ir.Binary(node.op,
                             self._row_template(node.left, shape, j, virtual, arith),
                             self._row_template(node.right, shape, j, virtual, arith))
        if isinstance(node, ir.Unary) and node.op in ("-", "+"):
            return ir.Unary(node.op, self._row_template(node.operand, shape, j, virtual,
                                                        True))
        if isinstance(node, ir.Call) and node.name in _NUMERIC:
            return ir.Call(node.name, tuple(self._row_template(a, shape, j, virtual, True)
                                            for a in node.args))
        raise NotFusable("a loop over an array expression of another kind")

    def _row_constant(self, node: ir.Node, shape: tuple[int, int], j: str,
                      virtual: list[CellRef], in_arithmetic: bool) -> ir.Node:
        """A part over the rows that is the same in every trial: its elements evaluated by
        the numpy compiler (numbers; logicals only as an operand of arithmetic)."""
        from ...compiler import compile_formula

        assert self.cell is not None
        compiled, info = compile_formula(node, self.cell)
        if info.unsupported or info.random_streams:
            raise NotFusable("a loop's constant part that numpy does not evaluate")
        got = compiled(self.env)
        if not isinstance(got, Grid) or got.shape != shape:
            raise NotFusable("a loop's constant part of another shape")
        items = list(got.flat())
        # keyed by the values: columns alike (in every copy of the formula) share their
        # constants and their scratch (gathered's memo)
        key = self._row_values_key(tuple((vec.kind, vec.scalar(0)) for vec in items))
        vals = []
        for k, vec in enumerate(items):
            v = self.constant(("rowloop", key, k), vec)
            if v.e != "0" or v.kind not in (KNUM, KBOOL) or (
                    v.kind == KBOOL and not in_arithmetic):
                raise NotFusable("a loop's constant part that is not numbers")
            vals.append(Val(v.v, "0", KNUM, v.lo, v.hi))
        self.array_ir.append(node)
        return self._row_cell(vals, j, virtual)

    def _row_values_key(self, values: tuple) -> _ValuesKey:
        """``values`` as the one key object of its kind in this generator, its hash computed
        once: the constants of a loop over n rows are n lookups keyed by it, and a plain tuple
        rehashed (and compared with an equal one) each time made that quadratic (EfiLygda's
        dashboard: 85 of 280 s in dict lookups)."""
        memo = self.__dict__.setdefault("_row_value_keys", {})
        key = _ValuesKey(values)
        return memo.setdefault(key, key)

    def _row_cell(self, vals: list[Val], j: str, virtual: list[CellRef]) -> ir.Node:
        """A virtual cell reading this trial's ``vals`` at the loop's row ``j``."""
        z = self.gathered(vals)
        if z is None:
            raise NotFusable("a loop's column that is not gathered")
        c = CellRef(ROW_SHEET, len(virtual) + 1, 1)
        virtual.append(c)
        lo = min(v.lo for v in vals)
        hi = max(v.hi for v in vals)
        self.input_vals[c] = Val(f"{z}[int({j})]", "0", KNUM, lo, hi)
        return ir.Ref(c)
