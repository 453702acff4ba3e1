"""GROUPBY of row fields that are the same in every trial, in the fused kernel.

The numpy reference (engine.functions.groupby) groups the rows on their row fields, which
must be the same in every trial, and aggregates each group's values per trial.  Where the
fields are one column of constants, the values one column whose elements are numbers
computed element-wise (a range of numbers, arithmetic of ranges and constants:
``GROUPBY(T[CUSTOMER], T[SALES], _xleta.SUM)``, ``GROUPBY(T[LINE], T[SALES]*(T[STATUS]<>"x"),
_xleta.SUM)``), the function ``_xleta.SUM`` or ``_xleta.AVERAGE`` and no other argument,
the result's shape is known when the kernel is made: one row per key (sorted as numpy
sorts them: :func:`engine.functions.arrays._sort_key`), then the ``Total`` row.  Element
(i, 0) is the key (a constant), element (i, 1) a :class:`GroupAt`, computed by one loop over
the rows in numpy's order (the groups' rows in key order, each group's rows in row order):
each value added to its group's sum and to the total, so every sum is numpy's bit for bit
(engine.functions.math.sum_ / stats._mean add left to right); AVERAGE divides by the
group's row count (every value is a number).  Values whose FILTER keeps the rows of a
condition that is the same in every trial (``INDEX(FILTER(HSTACK(k, v, s), cond),,2)``)
loop over the kept rows of that column.

Readers of the result (SORT, TAKE, INDEX, ROWS, a spill) see an array expression of a fixed
shape (:class:`._arrays.ArrayElements`).  Anything else (fields that vary, several columns,
headers, totals options, LAMBDA functions, values that may be an error or text) stays with
numpy, with the reason.  The CUDA build translates the loop as the row loops'
(:mod:`._row_loops`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import ir
from ...values import Grid, Kind, Vec
from . import _intervals as iv
from ._array_fills import array_fill
from ._values import KNUM, NotFusable, Val, num

if TYPE_CHECKING:
    from ...workbook import CellRef

GROUPAT = "_GROUPAT"
_FUNCTIONS = frozenset({"SUM", "AVERAGE"})
MAX_UNROLLED = 1024   # rows of values of no row template computed one by one


@dataclass(frozen=True, slots=True)
class GroupPlan:
    """A GROUPBY the kernel computes: ``keys`` in the result's order, ``values`` the IR of
    the values' column (``rows`` rows), ``order`` the rows read in numpy's order and
    ``group`` each one's group (its key's index)."""

    keys: tuple[Any, ...]
    values: ir.Node
    rows: int
    order: tuple[int, ...]
    group: tuple[int, ...]
    fn: str

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.keys) + 1, 2

    def count(self, i: int) -> int:
        """The number of rows of group ``i`` (the last: every row)."""
        return len(self.order) if i == len(self.keys) else self.group.count(i)


@dataclass(frozen=True, slots=True, eq=False)
class GroupAt(ir.Call):
    """Element (``index``, 1) of the GROUPBY ``call`` planned as ``plan`` (its one argument
    an array constant: never folded, never split)."""

    call: ir.Call
    plan: GroupPlan
    index: int


def _eta(node: ir.Node) -> str | None:
    if isinstance(node, ir.Call) and node.name == "_XLETA" and len(node.args) == 1 \
            and isinstance(node.args[0], ir.Str):
        return node.args[0].value
    return None


def _scalars(v: Vec | Grid | None) -> list[list[Any]]:
    if v is None:
        raise NotFusable("GROUPBY of omitted row fields")
    cells = v.cells if isinstance(v, Grid) else [[v]]
    out = []
    for row in cells:
        line = []
        for c in row:
            if len(c) != 1:
                raise NotFusable("GROUPBY of row fields that vary per trial")
            line.append(c.scalar(0))
        out.append(line)
    return out


def known_sizes(node: ir.Node, shape: Callable[[ir.Node], tuple[int, int] | None]
                ) -> ir.Node:
    """``node`` with ROWS(x) and COLUMNS(x) of a GROUPBY result (``x`` a GROUPBY or TAKE,
    DROP ... of one: its shape the same in every trial though its values vary) replaced by
    the number (``TAKE(g, ROWS(g)-1)``: the size a constant)."""
    if isinstance(node, ir.Call):
        if node.name in ("ROWS", "COLUMNS") and len(node.args) == 1 and \
                _has_groupby(node.args[0]):
            try:
                got = shape(node.args[0])
            except NotFusable:
                return node
            if got is not None:
                return ir.Num(float(got[0] if node.name == "ROWS" else got[1]))
            return node
        args = tuple(known_sizes(a, shape) for a in node.args)
        if all(a is b for a, b in zip(args, node.args, strict=True)):
            return node
        return ir.Call(node.name, args)
    if isinstance(node, ir.Binary):
        left, right = known_sizes(node.left, shape), known_sizes(node.right, shape)
        if left is node.left and right is node.right:
            return node
        return ir.Binary(node.op, left, right)
    if isinstance(node, ir.Unary):
        operand = known_sizes(node.operand, shape)
        return node if operand is node.operand else ir.Unary(node.op, operand)
    return node


def _has_groupby(node: ir.Node) -> bool:
    return any(isinstance(n, ir.Call) and n.name == "GROUPBY" for n in ir.walk(node))


class GroupByRules:
    """GROUPBY's shape and element rules, for :class:`._arrays.ArrayElements` (which
    provides ``shape``, ``const``)."""

    if TYPE_CHECKING:
        const: Callable[[ir.Node], Vec | Grid | None] | None

        def shape(self, node: ir.Node) -> tuple[int, int] | None: ...

    def group_plan(self, node: ir.Call) -> GroupPlan:
        memo = self.__dict__.setdefault("_group_plans", {})
        got = memo.get(id(node))
        if got is not None and got[0] is node:
            return got[1]
        plan = self._group_plan(node)
        memo[id(node)] = (node, plan)
        return plan

    def _group_plan(self, node: ir.Call) -> GroupPlan:
        from ...functions.arrays import _sort_key
        from ...values import ExcelError

        args = node.args
        if len(args) != 3:
            raise NotFusable("GROUPBY with arguments past its function")
        fn = _eta(args[2])
        if fn not in _FUNCTIONS:
            raise NotFusable("GROUPBY of a function other than SUM or AVERAGE")
        const = self.const
        if const is None:
            raise NotFusable("GROUPBY here")
        field_node, kept = self._group_column(args[0])
        values, kept_values = self._group_column(args[1])
        fields = _scalars(const(field_node))
        if any(len(row) != 1 for row in fields):
            raise NotFusable("GROUPBY of several row fields")
        shape = self.shape(values)
        if shape is None or shape[1] != 1:
            raise NotFusable("GROUPBY of values that are not one column")
        if kept != kept_values or shape[0] != len(fields):
            raise NotFusable("GROUPBY of fields and values of other lengths")
        keys: dict[Any, list[int]] = {}
        for r in (range(len(fields)) if kept is None else kept):
            k = fields[r][0]
            if isinstance(k, ExcelError):
                raise NotFusable("GROUPBY of a row field holding an error")
            keys.setdefault(k, []).append(r)
        if not keys:
            raise NotFusable("GROUPBY of no rows")
        ordered = sorted(keys, key=_sort_key)
        order = tuple(r for k in ordered for r in keys[k])
        group = tuple(i for i, k in enumerate(ordered) for _ in keys[k])
        return GroupPlan(tuple(ordered), values, shape[0], order, group, fn)

    def _group_column(self, node: ir.Node) -> tuple[ir.Node, list[int] | None]:
        """A GROUPBY argument as a column over all its rows and the rows it keeps (None:
        every row): ``INDEX(FILTER(HSTACK(a, b, ...), cond),,k)`` with ``cond`` the same in
        every trial is the k-th column of the HSTACK at the rows the condition keeps."""
        from ...values import ExcelError

        if not (isinstance(node, ir.Call) and node.name == "INDEX" and len(node.args) == 3
                and isinstance(node.args[1], ir.Missing) and isinstance(node.args[2], ir.Num)):
            return node, None
        f, k = node.args[0], node.args[2].value
        if isinstance(f, ir.Call) and f.name == "HSTACK" and k == int(k) and \
                1 <= k <= len(f.args) and all(
                    (got := self.shape(c)) is not None and got[1] == 1 for c in f.args):
            # HSTACK(order_countries, totals) of MAP results: the k-th column as it is
            return f.args[int(k) - 1], None
        if not (isinstance(f, ir.Call) and f.name == "FILTER" and len(f.args) == 2
                and isinstance(f.args[0], ir.Call) and f.args[0].name == "HSTACK"
                and k == int(k) and 1 <= k <= len(f.args[0].args)):
            return node, None
        cols = f.args[0].args
        shapes = {self.shape(c) for c in cols}
        if len(shapes) != 1 or None in shapes:
            raise NotFusable("GROUPBY of a FILTER of columns of other shapes")
        n, width = shapes.pop()   # type: ignore[misc]
        if width != 1:
            raise NotFusable("GROUPBY of a FILTER of columns of other shapes")
        assert self.const is not None
        flags = _scalars(self.const(f.args[1]))
        if len(flags) != n or any(len(x) != 1 or isinstance(x[0], str | ExcelError)
                                  or x[0] is None for x in flags):
            raise NotFusable("GROUPBY of a FILTER whose condition is not numbers")
        return cols[int(k) - 1], [r for r, (x,) in enumerate(flags) if x]

    def groupby_shape(self, node: ir.Call) -> tuple[int, int]:
        return self.group_plan(node).shape

    def groupby_at(self, node: ir.Call, r: int, c: int) -> ir.Node:
        from ._matrices import _literal_ir

        plan = self.group_plan(node)
        if c == 0:
            return ir.Str("Total") if r == len(plan.keys) else _literal_ir(plan.keys[r])
        return GroupAt(GROUPAT, (ir.Array(((ir.Num(0.0),),)),), node, plan, r)


class GroupByMixin:
    """The loop of a GROUPBY's aggregates (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        lines: list[str]
        ntmp: int
        cell: CellRef | None
        input_vals: dict[CellRef, Val]
        array_ir: list[object]

        def expr(self, node: ir.Node) -> Val: ...
        def value(self, expr: str) -> str: ...
        def err(self, expr: str) -> str: ...
        def scratch(self, size: int) -> str: ...
        def mx_elements(self) -> Any: ...
        def constant(self, key: object, x: object) -> Val: ...
        def gathered(self, vals: list[Val]) -> str | None: ...
        def _fill(self, vals: list[Val], size: int | None = None,
                  into: tuple[str, int] | None = None) -> str: ...
        def _row_template(self, node: ir.Node, shape: tuple[int, int], j: str,
                          virtual: list[CellRef], in_arithmetic: bool) -> ir.Node: ...

    def fn__groupat(self, node: ir.Call) -> Val:
        assert isinstance(node, GroupAt)
        plan = node.plan
        key = ("groupby", plan.fn, plan.order, plan.group, id(plan.values))
        if self.__dict__.get("array_fills") is not None:   # once per array formula
            sums, errs = array_fill(self, key, lambda: self._group_loop(plan),
                                    lambda got: [z for z in got if z is not None])
        else:   # once per cell (its lines still there)
            memo = self.__dict__.setdefault("_group_loops_", {})
            got = memo.get((self.cell, key))
            if got is None or got[0] >= len(self.lines) or self.lines[got[0]] != got[1]:
                at = len(self.lines)
                loop = self._group_loop(plan)
                got = memo[(self.cell, key)] = (at, self.lines[at], *loop)
            _, _, sums, errs = got
        i = node.index
        x = f"{sums}[{i}]"
        if plan.fn == "AVERAGE":
            x = f"{x} / {float(plan.count(i))!r}"
        v = self.value(x)
        e = "0" if errs is None else self.err(f"int({errs}[{i}])")
        if e != "0":
            v = self.value(f"sel({e} == 0, {v}, 0.0)")
        return num(v, e, iv.UNKNOWN)

    def _column(self, key: object, xs: tuple[int, ...]) -> str:
        vals = [self.constant((key, k), Vec(Kind.NUM, _array(float(x))))
                for k, x in enumerate(xs)]
        z = self.gathered(vals)
        return z if z is not None else self._fill(vals)

    def _group_loop(self, plan: GroupPlan) -> tuple[str, str | None]:
        """Lines computing every group's sum (and first error) into scratch arrays, the
        total last: (sums, errors or None)."""
        m = len(plan.keys) + 1
        sums = self.scratch(m)
        self.lines.append(f"{sums}[0:{m}] = 0.0")
        order = self._column(("groupby-order", plan.order), plan.order)
        group = self._column(("groupby-group", plan.group), plan.group)
        self.ntmp += 1
        k = f"f_gk{self.ntmp}"
        g = f"f_gg{self.ntmp}"
        virtual: list[CellRef] = []
        try:
            template = self._row_template(plan.values, (plan.rows, 1), f"{order}[int({k})]",
                                          virtual, False)
        except NotFusable:
            if plan.rows > MAX_UNROLLED:
                raise
            return self._group_unrolled(plan, sums)
        try:
            mark = len(self.lines)
            v = self.expr(template)
            if v.kind != KNUM:
                raise NotFusable("GROUPBY of values that are not numbers")
            body = self.lines[mark:]
            del self.lines[mark:]
            errs = None
            if v.e != "0":
                errs = self.scratch(m)
                self.lines.append(f"{errs}[0:{m}] = 0.0")
            self.lines.append(f"for {k} in range({len(plan.order)}):")
            self.lines += ["    " + line for line in body]
            self.lines.append(f"    {g} = {group}[int({k})]")
            self.lines.append(f"    {sums}[int({g})] = {sums}[int({g})] + {v.v}")
            self.lines.append(f"    {sums}[{m - 1}] = {sums}[{m - 1}] + {v.v}")
            if errs is not None:
                for at in (f"int({g})", str(m - 1)):
                    self.lines.append(f"    {errs}[{at}] = sel({errs}[{at}] == 0.0, "
                                      f"{v.e}, {errs}[{at}])")
        finally:
            for c in virtual:
                self.input_vals.pop(c, None)
        self.array_ir.append(template)   # kept alive: constants are keyed by node id
        return sums, errs


    def _group_unrolled(self, plan: GroupPlan, sums: str) -> tuple[str, str | None]:
        """:meth:`_group_loop` for values of no row template (VSTACK of MAP's calls, each a
        SUM of the cells of one order): each row's element computed in numpy's order and
        added to its group's sum and the total, straight-line."""
        el = self.mx_elements()
        m = len(plan.keys) + 1
        errs = None
        for r, g in zip(plan.order, plan.group, strict=True):
            node = el._at(plan.values, r, 0)
            self.array_ir.append(node)   # kept alive: constants are keyed by node id
            v = self.expr(node)
            if v.kind != KNUM:
                raise NotFusable("GROUPBY of values that are not numbers")
            for at in (g, m - 1):
                self.lines.append(f"{sums}[{at}] = {sums}[{at}] + {v.v}")
            if v.e != "0":
                if errs is None:
                    errs = self.scratch(m)
                    self.lines.append(f"{errs}[0:{m}] = 0.0")
                for at in (g, m - 1):
                    self.lines.append(f"{errs}[{at}] = sel({errs}[{at}] == 0.0, {v.e}, "
                                      f"{errs}[{at}])")
        return sums, errs


def _array(x: float):  # noqa: ANN202 - a one-trial numpy vector
    import numpy as np

    return np.array([x])
