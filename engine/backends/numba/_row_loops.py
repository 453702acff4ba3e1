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

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from ... import ir
from ...values import NUM, VALUE, Grid
from ...workbook import CellRef
from . import _intervals as iv
from ._host import GeneratorHost
from ._lookup_keys import keyed_call
from ._mixed import _any
from ._read_areas import read_area
from ._shared_lines import _float, _shareable
from ._values import KANY, KBLANK, KBOOL, KNUM, KSTR, ZERO, NotFusable, Val, num, union_dom

T = TypeVar("T")
ROW_LOOP_MIN = 64   # elements of a SUM's array expression from which it is one loop
ROW_SHEET = "\x00ROWLOOP"   # virtual cells of the loop's columns (a sheet no workbook has)
_ARITHMETIC = frozenset({"+", "-", "*", "/", "^"})
_COMPARISONS = frozenset({"=", "<>", "<", ">", "<=", ">="})
# element-wise functions of numbers the loop body may call (as the generator compiles them)
_NUMERIC = frozenset({"ABS", "SIGN", "INT", "TRUNC", "ROUND", "ROUNDUP", "ROUNDDOWN", "SQRT",
                      "EXP", "LN", "LOG10", "MOD", "POWER"})
# functions whose value depends on the cell holding them (never shared across cells)
_CELL_BOUND = frozenset({"INDIRECT", "OFFSET", "CELL", "RAND", "RANDBETWEEN", "RANDARRAY",
                         "INFO", "FORMULATEXT", "ISFORMULA", "ISREF", "SHEET", "SHEETS"})
# of one date each (a number; its parts as _dates computes them, #NUM! out of range)
_DATE_PARTS = frozenset({"YEAR", "MONTH", "DAY"})
# tests of one value each (a FILTER's flags NOT(ISNA(o)): _dynarrays._da_filter_loop)
_TESTS = frozenset({"NOT", "ISNA", "ISERROR", "ISERR", "ISNUMBER"})


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
        def _shared(self, key: tuple) -> object: ...
        def _own(self, key: tuple, what: object, start: int) -> None: ...
        def _gather_memo(self) -> dict: ...
        def err(self, expr: str) -> str: ...
        def chain(self, errs: list[str], checks: object = ()) -> str: ...

    def fn__rowsum(self, node: ir.Call) -> Val:
        assert isinstance(node, RowSum)
        got = self._attempt(self._row_loop, node)
        if got is not None:
            return got
        new = ir.Call("SUM", node.elements)   # the elements written out, as before
        self.array_ir.append(new)
        return self.expr(new)

    def sumproduct_loop(self, array: ir.Node, shape: tuple[int, int] | None) -> Val | None:
        """SUMPRODUCT(``array``) of one long array expression (``(YEAR(T[Date])=$B$5)*
        (T[Host]=A8)*T[Net]`` in a plain cell, 500 rows: a few lines a row, in every cell of
        a summary table) as the loop of :meth:`_row_loop`: numbers added in order from 0 (the
        unrolled ``0 + 1*x ...``: the same sum), the first error in order; None where it is
        short or its elements are not all numbers (math._numbers_or_zero: then written out)."""
        if shape is None or shape[0] * shape[1] < ROW_LOOP_MIN:
            return None
        return self._attempt(self._row_loop, RowSum("_ROWSUM", (ir.Array(((ir.Num(0.0),),)),),
                                                     array, shape, ()))

    def count_loop(self, array: ir.Node, shape: tuple[int, int] | None) -> Val | None:
        """COUNT(``array``) of one long array expression of numbers and errors in a plain
        cell (EfiLygda's ``COUNT(Outliers_Zscore)``, the name ``IF(ABS(..)>3,T[SALES],NA())``
        over 2,823 rows: 'IF returning a range'): the loop of :meth:`_row_loop` adding 1.0
        for each element that is not an error; None where it is short or an element may be
        another kind."""
        if shape is None or shape[0] * shape[1] < ROW_LOOP_MIN:
            return None
        return self._attempt(self._row_loop, RowSum("_ROWSUM", (ir.Array(((ir.Num(0.0),),)),),
                                                     array, shape, ()), True)

    def _attempt(self, make: Callable[..., T], *args: object) -> T | None:
        """``make(*args)``, or None where it is not fusable, its lines taken back with what
        they filled: the virtual cells, and the shared copies (gathered columns, _shared_lines'
        fills) they made, which a later cell would otherwise read unwritten."""
        mark, saved = len(self.lines), dict(self.input_vals)
        memo = self._gather_memo()
        kept = dict(memo)
        at = self.__dict__.get("_ordered_at_")
        kept_at = None if at is None else {k: list(v) for k, v in at.items()}
        try:
            return make(*args)
        except NotFusable:
            del self.lines[mark:]
            self.input_vals.clear()
            self.input_vals.update(saved)
            memo.clear()
            memo.update(kept)
            if kept_at is not None:
                self.__dict__["_ordered_at_"] = kept_at
            else:
                self.__dict__.pop("_ordered_at_", None)
        return None

    def fn__rowfilter(self, node: ir.Call) -> Val:
        assert isinstance(node, RowFilter)
        got = self._attempt(self._filter_loop, node)
        if got is not None:
            return got
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

    def _row_loop(self, node: RowSum, count: bool = False) -> Val:
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
            if count:   # stats.count: the elements that are not errors
                self.lines.append(f"    {acc} = {acc} + " +
                                  ("1.0" if v.e == "0" else f"b2f({v.e} == 0)"))
            else:
                if v.e != "0":
                    self.lines.append(f"    {err} = sel({err} == 0, {v.e}, {err})")
                self.lines.append(f"    {acc} = {acc} + {v.v}")
        finally:
            for c in virtual:
                self.input_vals.pop(c, None)
        self.array_ir.append(template)   # kept alive: constants are keyed by node id
        return num(acc, "0", (0.0, float(n))) if count else num(acc, err, iv.UNKNOWN)

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
                self.is_constant(node) or isinstance(node, ir.Call) and \
                node.name in ("ROW", "COLUMN") and len(node.args) == 1 and \
                isinstance(node.args[0], ir.Area):   # ROW(G6:G205): its positions only
            return self._row_constant(node, shape, j, virtual, in_arithmetic)
        if isinstance(node, ir.Area):
            return self._row_area(node, j, virtual)
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
        if isinstance(node, ir.Call) and node.name == "IF" and 2 <= len(node.args) <= 3 and \
                not any(isinstance(a, ir.Missing) for a in node.args):
            return ir.Call("IF", tuple(self._row_template(a, shape, j, virtual, False)
                                       for a in node.args))
        if isinstance(node, ir.Call) and node.name in _DATE_PARTS | _TESTS and \
                len(node.args) == 1:
            return ir.Call(node.name, (self._row_template(node.args[0], shape, j, virtual,
                                                          False),))
        if isinstance(node, ir.Call) and node.name in ("IFERROR", "IFNA") and \
                len(node.args) == 2 and el.shape(node.args[1]) is None:
            return ir.Call(node.name, tuple(self._row_template(a, shape, j, virtual, False)
                                            for a in node.args))
        if isinstance(node, ir.Call) and (el.lookup_keys_shape(node) is not None or node.name
                                          == "XLOOKUP" and el.shape(node.args[0]) is not None):
            # one lookup per key, its table read whole (_lookup_keys); a range of keys read
            key = node.args[0]   # as its cells are, text too (a fixed one is not folded)
            return keyed_call(node, self._row_area(key, j, virtual) if isinstance(
                key, ir.Area) else self._row_template(key, shape, j, virtual, False),
                lambda a: self._row_template(a, shape, j, virtual, False))
        if isinstance(node, ir.Call) and node.name == "INDEX" and \
                isinstance(node.args[0], ir.Area) and el.index_positions_shape(node):
            # INDEX of a range at one position per row (MATCH of a key per row: _lookup_keys)
            return ir.Call("INDEX", (node.args[0], *(
                self._row_constant(a, shape, j, virtual, False, True)
                if isinstance(a, ir.Call) and el.shape(a) == shape and self.is_constant(a)
                else self._row_template(a, shape, j, virtual, False) for a in node.args[1:])))
        raise NotFusable("a loop over an array expression of another kind")

    def _row_area(self, node: ir.Area, j: str, virtual: list[CellRef]) -> ir.Node:
        """A range over the rows as a virtual cell reading its cells' values at ``j`` (its
        empty cells past the sheet's too, as numpy reads it: _read_areas)."""
        vals = [self.operand(c) for line in read_area(self.model.workbook, node).cells()
                for c in line]
        if any(v.kind != KNUM or v.e != "0" for v in vals):
            return self._row_mixed_cell(vals, j, virtual)
        return self._row_cell(vals, j, virtual)

    def _row_constant(self, node: ir.Node, shape: tuple[int, int], j: str,
                      virtual: list[CellRef], in_arithmetic: bool, errors: bool = False
                      ) -> ir.Node:
        """A part over the rows that is the same in every trial: its elements evaluated by
        the numpy compiler (numbers; logicals and blanks, 0, only as an operand of
        arithmetic; with ``errors`` numbers or errors: INDEX's positions, a MATCH of fixed
        keys)."""
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
            if v.kind == KBLANK and in_arithmetic:   # a blank cell of the range: 0
                v = ZERO
            if v.e != "0" and not errors or v.kind not in (KNUM, KBOOL) or (
                    v.kind == KBOOL and not in_arithmetic):
                raise NotFusable("a loop's constant part that is not numbers")
            vals.append(Val(v.v, v.e, KNUM, v.lo, v.hi))
        self.array_ir.append(node)
        if any(v.e != "0" for v in vals):   # (errors) read with their codes
            return self._row_mixed_cell(vals, j, virtual)
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
        least = getattr(self, "row_gather_least", None)   # SMALL's shorter loops (_stats)
        z = self.gathered(vals) if least is None else self.gathered(vals, least)
        if z is None:
            raise NotFusable("a loop's column that is not gathered")
        c = CellRef(ROW_SHEET, len(virtual) + 1, 1)
        virtual.append(c)
        lo = min(v.lo for v in vals)
        hi = max(v.hi for v in vals)
        self.input_vals[c] = Val(f"{z}[int({j})]", "0", KNUM, lo, hi)
        return ir.Ref(c)

    def _row_mixed_cell(self, vals: list[Val], j: str, virtual: list[CellRef]) -> ir.Node:
        """A virtual cell reading, at the loop's row ``j``, cells whose kind varies or that
        may be an error (``=IF(B6="","",F6-L6)`` down a table): their values, error codes and
        kind tags written once per trial into shared scratch arrays (the first cell over
        them; :mod:`._shared_lines`), read as the cell itself would be."""
        if not _shareable(vals):
            raise NotFusable("a loop over a range of values that are not plain")
        zv, ze, zy = self.shared_values("rowloop-cells", vals)
        c = CellRef(ROW_SHEET, len(virtual) + 1, 1)
        virtual.append(c)
        v, e = f"{zv}[int({j})]", f"int({ze}[int({j})])" if ze else "0"
        if not zy:   # every cell of one plain kind
            self.input_vals[c] = Val(v, e, vals[0].kind, min(x.lo for x in vals),
                                     max(x.hi for x in vals), union_dom(vals))
        else:
            self.input_vals[c] = _any(v, e, f"{zy}[int({j})]", vals)
        return ir.Ref(c)

    # ------------------------------------------------------------ shared across cells
    def shared_key(self, node: ir.Node, shape: tuple[int, int] | None,
                   least: int = ROW_LOOP_MIN) -> tuple | None:
        """A key of the long array expression ``node`` (of ``least`` elements or more) whose
        elements are the same in every cell that holds it (ranges and cells of the workbook,
        no function of the cell's own position), else None: the IR itself (structural
        equality), kept alive by the key."""
        if shape is None or shape[0] * shape[1] < least:
            return None
        for n in ir.walk(node):
            if isinstance(n, ir.Ref | ir.Area):
                if (n.cell.sheet if isinstance(n, ir.Ref) else n.sheet).startswith("\x00"):
                    return None
            elif isinstance(n, ir.Call):
                if n.name in _CELL_BOUND or n.name.startswith("_") or (
                        n.name in ("ROW", "COLUMN", "ROWS", "COLUMNS") and not n.args):
                    return None
            elif not isinstance(n, ir.Binary | ir.Unary | ir.Num | ir.Str | ir.Bool):
                return None
        return (node, shape)

    def order_stat_loop(self, array: ir.Node, shape: tuple[int, int] | None, how: str,
                        k: Val, skip_errors: bool, least: int = ROW_LOOP_MIN) -> Val | None:
        """LARGE/SMALL (``how``) of a long array expression (AGGREGATE(14,6,(G+(205-ROW(G))
        /10000)/(G>0),k) in every row of a restock list, k its row) as one loop over its
        rows packing this trial's numbers into a shared scratch array, made by the first
        cell and read by every cell over the same expression (_shared_lines' owners): each
        cell then picks its k-th (kth_large sorts the array in place: the same numbers).
        ``skip_errors``: errors left out (AGGREGATE's options), else the first one is the
        result's (stats._order_stat); None where it does not apply (then written out);
        ``least``: the fewest elements looped so."""
        key = self.shared_key(array, shape, least)
        if key is None:
            return None
        memo_key = ("rowpack", skip_errors, key)
        got = self._shared(memo_key)
        if got is None:
            got = self._attempt(self._pack_loop, array, shape, skip_errors)
            if got is None:
                return None
            self._gather_memo()[memo_key] = (got, (self.cell, self.cell_number))
        z, zc = got
        m = self.value(f"{zc}[0]")
        kk = self.value(f"np.ceil({k.v} - 1e-12 * abs({k.v}))")
        bad = self.value(f"({kk} < 1.0) | ({kk} > {m})")
        r = self.value(f"kth_{how}({z}, max(int({m}), 1), sel({bad}, 1.0, {kk}))")
        arr_e = "0" if skip_errors else self.err(f"int({zc}[1])")
        return num(r, self.err(self.chain([k.e, arr_e], [(bad, NUM)])))

    def _pack_loop(self, array: ir.Node, shape: tuple[int, int], skip_errors: bool
                   ) -> tuple[str, str]:
        """The loop packing the numbers of ``array``'s elements (a number; a mixed element
        when its tag says number; with ``skip_errors`` not an error) into a new shared
        scratch ``z`` in order, their count (and the first error) into ``zc``."""
        n = shape[0] * shape[1]
        self.ntmp += 1
        j = f"f_rj{self.ntmp}"
        virtual: list[CellRef] = []
        template = self._row_template(array, shape, j, virtual, False)
        try:
            z, zc = self.scratch(n), self.scratch(2)
            m = self.value("0.0")
            self.ntmp += 1
            err = f"f{self.ntmp}"
            self.lines.append(f"{err} = 0")
            mark = len(self.lines)
            v = self.expr(template)
            if v.kind not in (KNUM, KANY) or not skip_errors and KSTR in (v.kinds or ()):
                raise NotFusable("a loop's element that is not a number")
            body = self.lines[mark:]
            del self.lines[mark:]
            ok = [f"({v.y} == 0.0)"] if v.kind == KANY else []
            if v.e != "0":
                if skip_errors:
                    ok.append(f"({v.e} == 0)")
                else:
                    body.append(f"{err} = sel({err} == 0, {v.e}, {err})")
            body.append(f"{z}[int({m})] = {v.v}")
            body.append(f"{m} = {m} + " + (f"b2f({' & '.join(ok)})" if ok else "1.0"))
            self.lines.append(f"for {j} in range({n}):")
            self.lines += ["    " + line for line in body]
            self.lines += [f"{zc}[0] = {m}", f"{zc}[1] = {err} * 1.0"]
        finally:
            for c in virtual:
                self.input_vals.pop(c, None)
        self.shared_scratch.update((z, zc))
        self.array_ir.append(template)
        return z, zc

    def shared_elements(self, array: ir.Node, shape: tuple[int, int]) -> list[Val] | None:
        """The elements of a long array expression (MATCH's lookup vector ``G+(205-ROW(G))
        /10000`` in every row of a restock list) written by one loop over its rows into
        shared scratch arrays (values, error codes, kind tags) by the first cell over it,
        read by every cell as elements of those arrays (whose own fills, _shared_lines'
        typed copies, are then shared too); None where it does not apply."""
        key = self.shared_key(array, shape)
        if key is None:
            return None
        memo_key = ("rowelements", key)
        got = self._shared(memo_key)
        if got is None:
            got = self._attempt(self._elements_loop, array, shape)
            if got is None:
                return None
            self._gather_memo()[memo_key] = (got, (self.cell, self.cell_number))
        zv, ze, zy, v = got
        n = shape[0] * shape[1]
        return [Val(f"{zv}[{k}]", f"int({ze}[{k}])" if ze else "0", v.kind, v.lo, v.hi, v.dom,
                    f"{zy}[{k}]" if zy else None, v.kinds) for k in range(n)]

    def _elements_loop(self, array: ir.Node, shape: tuple[int, int]
                       ) -> tuple[str, str, str, Val]:
        """The loop writing ``array``'s elements into new shared scratch arrays; the
        element's Val (its kind, bounds and text ids: those of every element)."""
        n = shape[0] * shape[1]
        self.ntmp += 1
        j = f"f_rj{self.ntmp}"
        virtual: list[CellRef] = []
        template = self._row_template(array, shape, j, virtual, False)
        try:
            mark = len(self.lines)
            v = self.expr(template)
            if v.kind not in (KNUM, KANY, KBOOL, KSTR) or v.kind == KANY and v.y is None:
                raise NotFusable("a loop's element of another kind")
            body = self.lines[mark:]
            del self.lines[mark:]
            zv = self.scratch(n)
            ze = self.scratch(n) if v.e != "0" else ""
            zy = self.scratch(n) if v.kind == KANY else ""
            body.append(f"{zv}[int({j})] = {v.v}")
            if ze:
                body.append(f"{ze}[int({j})] = {_float(v.e)}")
            if zy:
                body.append(f"{zy}[int({j})] = {v.y}")
            self.lines.append(f"for {j} in range({n}):")
            self.lines += ["    " + line for line in body]
        finally:
            for c in virtual:
                self.input_vals.pop(c, None)
        self.shared_scratch.update(z for z in (zv, ze, zy) if z)
        self.array_ir.append(template)
        return zv, ze, zy, v
