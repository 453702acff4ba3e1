"""Compile IR into closures that evaluate a cell for all trials at once (the numpy backend's
kernels).  Each closure takes an :class:`Env` and returns a Vec or Grid.

The compiler only ever builds closures from validated IR nodes; it never turns text into
code.  Functions it cannot find are compiled to a #NAME? value and recorded, so ``check``
can report them with their cells and ``simulate`` can refuse them in the stochastic slice.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

import numpy as np

from . import ir
from ._computed_refs import ReferenceCode
from ._ragged import Ragged, check_uniform
from ._segments import Slot, concat_operands, segmented
from .functions import arity_error, is_external_data
from .functions import function_named as lookup_function
from .functions._args import as_vec, scalar_number
from .functions._epoch import date_shift
from .functions.lambdas import LAMBDA_CALLS, compile_lambda_call
from .functions.operators import binary, unary
from .values import (
    NA,
    NAME,
    NULL,
    REF,
    VALUE,
    Grid,
    Kind,
    Vec,
    blank,
    concat_all,
    error,
    from_scalar,
    num,
    text,
    trials,
)
from .workbook import CellRef


class Env(Protocol):
    """What compiled code may ask of its surroundings."""

    n: int
    now: float

    def cell(self, ref: CellRef) -> Vec: ...

    def area(self, area: ir.Area) -> Grid: ...

    def rand(self, stream: int) -> np.ndarray: ...

    def resolve(self, text: str, sheet: str) -> ir.Node: ...

    def subtotal_mask(self, area: ir.Area, skip_hidden: bool, skip_filtered: bool = True
                      ) -> np.ndarray: ...

    def sheet_names(self) -> list[str]: ...


Code = Callable[[Env], Vec | Grid]

# ROW/COLUMN of a range give the numbers of the rows/columns written up to this many (ROW(A:A),
# a whole column, gives those of the rows the sheet holds)
WRITTEN_ROWS_CAP = 65_536


def stream_id(cell: CellRef, tag: str = "") -> int:
    """Stable 32-bit id of a random stream: from the cell address, so adding an input does not
    change the draws of the others."""
    h = zlib.crc32(f"{cell}{tag}".encode())
    return (h & 0x7FFFFFFF) | (0x80000000 if tag else 0)


@dataclass
class CompileInfo:
    """What compiling one cell found out."""

    unsupported: set[str] = field(default_factory=set)
    fallback: set[str] = field(default_factory=set)   # run trial by trial through pycel
    volatile: set[str] = field(default_factory=set)
    random_streams: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # bad references etc.
    table: bool = False
    external: set[str] = field(default_factory=set)  # STOCKHISTORY, linked data types
    # functions of no known name (a typo, a VBA UDF): in ``unsupported`` too, until the model
    # gives the cell Excel's cached value (engine.model._compiled)
    unknown: set[str] = field(default_factory=set)
    # the LAMBDA helper calls (BYROW, MAP, SCAN ...) in compile order: a call's place tags the
    # draws of its LAMBDA's calls (engine.functions.lambdas.draw_tag); not compared
    lambda_sites: list[ir.Node] = field(default_factory=list, compare=False)


class Compiler(ReferenceCode):
    def __init__(self, cell: CellRef, info: CompileInfo) -> None:
        self.cell = cell
        self.info = info
        self._rand_count = 0
        self.randarray_count = 0  # RANDARRAY calls compiled so far (engine._randarray)

    def compile(self, node: ir.Node) -> Code:
        m = getattr(self, "_" + type(node).__name__.lower())
        return m(node)

    def _slot(self, node: Slot) -> Code:
        i = node.index
        return lambda env: env.slots[i]  # type: ignore[attr-defined]

    # constants ---------------------------------------------------------
    def _num(self, node: ir.Num) -> Code:
        v = num(node.value)
        return lambda env: v

    def _str(self, node: ir.Str) -> Code:
        v = text(node.value)
        return lambda env: v

    def _bool(self, node: ir.Bool) -> Code:
        v = Vec(Kind.BOOL, np.array([node.value]))
        return lambda env: v

    def _err(self, node: ir.Err) -> Code:
        v = error(node.code)
        return lambda env: v

    def _missing(self, node: ir.Missing) -> Code:
        v = blank()
        return lambda env: v

    def _badref(self, node: ir.BadRef) -> Code:
        self.info.problems.append(f"{node.text}: {node.reason}")
        v = error(REF)
        return lambda env: v

    def _array(self, node: ir.Array) -> Code:
        rows = [[self.compile(c) for c in row] for row in node.rows]

        def run(env: Env) -> Grid:
            return Grid([[as_vec(c(env)) for c in row] for row in rows])

        return run

    # references --------------------------------------------------------
    def _ref(self, node: ir.Ref) -> Code:
        ref = node.cell
        return lambda env: env.cell(ref)

    def _area(self, node: ir.Area) -> Code:
        return lambda env: env.area(node)

    # operators ---------------------------------------------------------
    def _unary(self, node: ir.Unary) -> Code:
        x = self.compile(node.operand)
        op = node.op
        return lambda env: unary(op, _deref(x(env), op))

    def _binary(self, node: ir.Binary) -> Code:
        op = node.op
        if op == " ":
            return self._intersect(node)
        if op == ":":
            return self._range_op(node)
        if op == "&" and isinstance(node.left, ir.Binary) and node.left.op == "&":
            codes = [self.compile(x) for x in concat_operands(node)]  # a&b&c: one join
            return lambda env: concat_all([c(env) for c in codes], partial(binary, "&"))
        a, b = self.compile(node.left), self.compile(node.right)
        return lambda env: binary(op, a(env), b(env))

    def _intersect(self, node: ir.Binary) -> Code:
        left, right = node.left, node.right

        def box(x):
            if isinstance(x, ir.Ref):
                return ir.Area(x.cell.sheet, x.cell.row, x.cell.col, x.cell.row, x.cell.col)
            return x if isinstance(x, ir.Area) else None

        a, b = box(left), box(right)
        if a is None or b is None:
            self.info.unsupported.add("intersection of computed references")
            return lambda env: error(REF)
        r1, r2 = max(a.r1, b.r1), min(a.last_row, b.last_row)
        c1, c2 = max(a.c1, b.c1), min(a.last_col, b.last_col)
        if a.sheet != b.sheet or r1 > r2 or c1 > c2:
            v = error(NULL)
            return lambda env: v
        return self._area(ir.Area(a.sheet, r1, c1, r2, c2))

    # calls -------------------------------------------------------------
    def _call(self, node: ir.Call) -> Code:
        name = node.name
        if name in LAMBDA_CALLS:  # LET, LAMBDA and the functions that call one
            return compile_lambda_call(self, node)
        special = getattr(self, f"_fn_{name.replace('.', '_').lower()}", None)
        if special is not None:
            return special(node)
        if (extreme := self._line_extreme(node)) is not None:
            return extreme
        if name in ir.VOLATILE:
            self.info.volatile.add(name)
        if is_external_data(name):   # STOCKHISTORY, _FV, an XLL's data (Capital IQ)
            self.info.external.add(name)  # the model keeps the cell's cached value
            v = error(NA)
            return lambda env: v
        fn = lookup_function(name)
        if fn is None:
            self.info.unsupported.add(name)
            self.info.unknown.add(name)
            for a in node.args:  # name every unsupported function, note RAND() inside
                self.compile(a)
            v = error(NAME)
            return lambda env: v
        wrong = arity_error(fn, len(node.args))
        if wrong is not None:
            self.info.problems.append(wrong)
            v = error(VALUE)
            return lambda env: v
        if not fn.vectorized:
            self.info.fallback.add(name)
        args = [None if isinstance(a, ir.Missing) else
                self._as_range(a) if fn.refs and isinstance(a, ir.Ref) else
                (fn.refs and self._reference_value(a)) or self.compile(a)
                for a in node.args]
        impl = fn.impl
        if fn.needs_ctx:
            return lambda env: impl(env, *[None if a is None else a(env) for a in args])
        return lambda env: impl(*[None if a is None else a(env) for a in args])

    def _as_range(self, node: ir.Ref) -> Code:
        c = node.cell
        return self._area(ir.Area(c.sheet, c.row, c.col, c.row, c.col))

    # functions that need the IR or the environment ----------------------
    def _fn_rand(self, node: ir.Call) -> Code:
        self.info.volatile.add("RAND")
        sid = self._draw_stream()
        return lambda env: Vec(Kind.NUM, env.rand(sid()))

    def _draw_stream(self) -> Callable[[], int]:
        """The stream of the next RAND/RANDBETWEEN call: the cell's, keyed by the LAMBDA
        calls it runs inside where it runs in one (engine.functions.lambdas.draw_tag)."""
        from .functions.lambdas import draw_tag

        cell, tag = self.cell, f"#RAND{self._rand_count}"
        sid = stream_id(cell, tag)
        self._rand_count += 1
        self.info.random_streams.append(sid)

        def stream() -> int:
            inside = draw_tag()
            return stream_id(cell, tag + inside) if inside else sid
        return stream

    def _fn_randbetween(self, node: ir.Call) -> Code:
        self.info.volatile.add("RANDBETWEEN")
        sid = self._draw_stream()
        if len(node.args) != 2:
            self.info.problems.append(f"RANDBETWEEN takes 2 arguments, not {len(node.args)}")
            bad = error(VALUE)
            return lambda env: bad
        lo_c, hi_c = (self.compile(a) for a in node.args[:2])

        def run(env: Env) -> Vec:
            lo, e1 = scalar_number(lo_c(env))
            hi, e2 = scalar_number(hi_c(env))
            lo, hi = np.ceil(lo), np.floor(hi)
            u = env.rand(sid())
            r = np.floor(lo + u * (hi - lo + 1))
            from .functions._args import result
            from .values import NUM, first_error

            err = first_error(e1, e2)
            bad = lo > hi
            if np.any(bad):
                err = first_error(err, np.where(bad, NUM, 0).astype(np.uint8))
            return result(r, err)

        return run

    def _fn_randarray(self, node: ir.Call) -> Code:
        from ._randarray import compile_randarray

        return compile_randarray(self, node)

    def _fn_cell(self, node: ir.Call) -> Code:
        from ._cell import compile_cell

        return compile_cell(self, node)

    def _fn_filterxml(self, node: ir.Call) -> Code:
        from .functions.filterxml import compile_filterxml

        return compile_filterxml(self, node)

    def _fn_now(self, node: ir.Call) -> Code:
        self.info.volatile.add("NOW")
        return lambda env: num(env.now - date_shift())

    def _fn_today(self, node: ir.Call) -> Code:
        self.info.volatile.add("TODAY")
        return lambda env: num(float(np.floor(env.now)) - date_shift())

    def _fn_table(self, node: ir.Call) -> Code:
        self.info.table = True
        v = error(REF)
        return lambda env: v

    def _fn_pi(self, node: ir.Call) -> Code:
        v = num(np.pi)
        return lambda env: v

    def _ref_arg(self, node: ir.Call) -> ir.Area | None:
        if not node.args:
            return ir.Area(self.cell.sheet, self.cell.row, self.cell.col, self.cell.row, self.cell.col)
        a = node.args[0]
        if isinstance(a, ir.Ref):
            c = a.cell
            return ir.Area(c.sheet, c.row, c.col, c.row, c.col)
        return a if isinstance(a, ir.Area) else None

    def _fn_row(self, node: ir.Call) -> Code:
        return self._row_col(node, row=True)

    def _fn_column(self, node: ir.Call) -> Code:
        return self._row_col(node, row=False)

    def _row_col(self, node: ir.Call, row: bool) -> Code:
        area = self._ref_arg(node)
        if area is None:
            self.info.unsupported.add(("ROW" if row else "COLUMN") + " of a computed reference")
            return lambda env: error(VALUE)
        # the rows/columns the formula wrote (ROW(1:30) is 1..30 on a sheet of 5 rows), not
        # only the cells the sheet holds; a whole column or row keeps the held part
        last_row = area.last_row if area.declared_shape[0] <= WRITTEN_ROWS_CAP else area.r2
        last_col = area.last_col if area.declared_shape[1] <= WRITTEN_ROWS_CAP else area.c2
        if row:
            vals = [[num(r)] for r in range(area.r1, last_row + 1)]
        else:
            vals = [[num(c) for c in range(area.c1, last_col + 1)]]
        g = Grid(vals)
        v = vals[0][0]
        return lambda env: v if len(vals) * len(vals[0]) == 1 else g

    def _line_extreme(self, node: ir.Call) -> Code | None:
        """MIN/MAX of ROW (COLUMN) of a whole column (row), the one argument: the first or
        last row (column) written (MAX(ROW(Z:Z)) is 1048576), where ROW itself gives only the
        rows the sheet holds (WRITTEN_ROWS_CAP); None for any other call."""
        if node.name not in ("MIN", "MAX") or len(node.args) != 1:
            return None
        inner = node.args[0]
        if not (isinstance(inner, ir.Call) and inner.name in ("ROW", "COLUMN")
                and len(inner.args) == 1 and isinstance(inner.args[0], ir.Area)):
            return None
        area, axis = inner.args[0], 0 if inner.name == "ROW" else 1
        if area.declared_shape[axis] <= WRITTEN_ROWS_CAP:
            return None
        first = area.r1 if axis == 0 else area.c1
        v = num(first if node.name == "MIN" else first + area.declared_shape[axis] - 1)
        return lambda env: v

    def _fn_rows(self, node: ir.Call) -> Code:
        return self._rows_cols(node, 0)

    def _fn_columns(self, node: ir.Call) -> Code:
        return self._rows_cols(node, 1)

    def _rows_cols(self, node: ir.Call, axis: int) -> Code:
        area = self._ref_arg(node) if node.args and isinstance(node.args[0], ir.Ref | ir.Area) else None
        if area is not None:
            v = num(area.declared_shape[axis])
            return lambda env: v
        arg = self.compile(node.args[0]) if node.args else None

        def run(env: Env) -> Vec:
            x = arg(env) if arg else blank()
            if isinstance(x, Grid):
                shape = x.area.declared_shape if isinstance(x.area, ir.Area) else x.shape
                return num(shape[axis])
            return num(1)

        return run

    def _fn_offset(self, node: ir.Call) -> Code:
        self.info.volatile.add("OFFSET")
        base = self._ref_arg(node)
        if base is None or len(node.args) < 3:
            self.info.unsupported.add("OFFSET of a computed reference")
            return lambda env: error(VALUE)
        rest = [None if isinstance(a, ir.Missing) else self.compile(a) for a in node.args[1:5]]
        while len(rest) < 4:
            rest.append(None)

        def run(env: Env) -> Vec | Grid:
            parts = []
            for k, c in enumerate(rest):
                default = (0 if k < 2 else base.declared_shape[k - 2])
                x, e = scalar_number(c(env) if c else None, default)
                if e is not None and e.any():
                    check_uniform(e != 0)  # an error in some trials only: per group
                    return error(VALUE, trials(*[c(env) for c in rest if c]))
                parts.append(np.trunc(x))
            n = max(len(p) for p in parts)
            combos = np.stack([np.broadcast_to(p, (n,)) for p in parts], axis=1)
            uniq, inverse = np.unique(combos, axis=0, return_inverse=True)
            results = []
            for dr, dc, h, w in uniq:
                r1, c1 = base.r1 + int(dr), base.c1 + int(dc)
                h, w = int(h), int(w)
                if r1 < 1 or c1 < 1 or h < 1 or w < 1:
                    results.append(error(REF))
                    continue
                area = ir.Area(base.sheet, r1, c1, r1 + h - 1, c1 + w - 1)
                results.append(env.area(area))
            if len(results) == 1:
                return results[0]
            if any(isinstance(r, Grid) and r.shape != (1, 1) for r in results):
                raise Ragged(inverse.ravel())  # ranges of several sizes: per group of trials
            return _pick(results, inverse.ravel())

        return run

    def _fn_indirect(self, node: ir.Call) -> Code:
        self.info.volatile.add("INDIRECT")
        arg = self.compile(node.args[0]) if node.args else None
        a1 = self.compile(node.args[1]) if len(node.args) > 1 else None
        sheet = self.cell.sheet

        here = self.cell

        def run(env: Env) -> Vec | Grid:
            if arg is None:
                return error(REF)
            x = as_vec(arg(env))
            r1c1 = False
            if a1 is not None:
                flag = as_vec(a1(env))
                r1c1 = flag.kind in (Kind.BOOL, Kind.NUM) and not bool(flag.data[0])

            def one(text: str) -> Vec | Grid:
                if r1c1:
                    from ._references import r1c1_to_a1

                    got = r1c1_to_a1(text, here)
                    if got is None:
                        return error(REF)
                    text = got
                return _indirect_one(env, text, sheet)

            if len(x) != 1:
                refs = [x.scalar(i) for i in range(len(x))]
                uniq = sorted(set(map(str, refs)))
                res = [one(s) for s in uniq]
                idx = np.array([uniq.index(str(r)) for r in refs])
                if len(res) == 1:  # every trial names one reference: the reference
                    return res[0]
                if any(isinstance(r, Grid) and r.shape != (1, 1) for r in res):
                    raise Ragged(idx)  # ranges that differ between trials: per group
                return _pick(res, idx)
            return one(str(x.scalar(0)))

        return run

    def _fn_single(self, node: ir.Call) -> Code:
        """@x of a computed value: the formula's row or column of a range, else the first
        element of an array (references were intersected when the IR was built)."""
        if len(node.args) != 1:
            return lambda env: error(VALUE)
        arg = self.compile(node.args[0])
        cell = self.cell

        def run(env: Env) -> Vec:
            x = arg(env)
            if not isinstance(x, Grid):
                return x
            if isinstance(x.area, ir.Area):
                from .model import implicit_intersection

                return implicit_intersection(x, cell)
            return x.cells[0][0] if x.cells and x.cells[0] else error(VALUE)

        return run

    def _fn__union(self, node: ir.Call) -> Code:
        self.info.problems.append("a 3-D reference or a union of ranges where one range is expected")
        v = error(VALUE)
        return lambda env: v

    def _fn_sheet(self, node: ir.Call) -> Code:
        """SHEET(): the 1-based position of the formula's sheet, of a reference's sheet, or of
        the sheet a text names (any case); a name no sheet has, or a number, gives #N/A."""
        arg = node.args[0] if node.args else None
        if arg is None or isinstance(arg, ir.Ref | ir.Area):
            sheet = self.cell.sheet if arg is None else \
                (arg.cell.sheet if isinstance(arg, ir.Ref) else arg.sheet)
            return lambda env: _sheet_position(env, sheet)
        value = self.compile(arg)

        def run(env: Env) -> Vec:
            x = value(env)
            if isinstance(x, Grid):
                if isinstance(x.area, ir.Area):
                    return _sheet_position(env, x.area.sheet)
                return error(NA)
            if x.kind not in (Kind.STR, Kind.ANY):
                return x if x.err is not None and x.err.any() else error(NA)
            names = [n.casefold() for n in env.sheet_names()]
            pos = [names.index(t.casefold()) + 1
                   if isinstance(t, str) and t.casefold() in names else 0 for t in x.data]
            err = np.where(np.array(pos) == 0, NA, 0).astype(np.uint8)
            if x.err is not None:
                err = np.where(x.err != 0, x.err, err).astype(np.uint8)
            return Vec(Kind.NUM, np.array(pos, dtype=float), err if err.any() else None)

        return run

    def _fn_sheets(self, node: ir.Call) -> Code:
        """SHEETS(): how many sheets the workbook holds (hidden ones too); SHEETS(reference):
        how many sheets the reference spans (1 here: 3-D references are not ranges)."""
        if not node.args:
            return lambda env: num(len(env.sheet_names()))
        if isinstance(node.args[0], ir.Ref | ir.Area):
            one = num(1)
            return lambda env: one
        bad = error(REF)
        return lambda env: bad

    def _fn_subtotal(self, node: ir.Call) -> Code:
        if not node.args:
            return lambda env: error(VALUE)
        which = node.args[0]
        table = {1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT",
                 7: "STDEV", 8: "STDEVP", 9: "SUM", 10: "VAR", 11: "VARP"}
        if not isinstance(which, ir.Num):
            self.info.unsupported.add("SUBTOTAL with a computed function number")
            return lambda env: error(VALUE)
        code = int(which.value)
        if code % 100 not in table or code // 100 > 1:  # Excel: 1-11 and 101-111 only
            return lambda env: error(VALUE)
        fn = lookup_function(table[code % 100])
        skip_hidden = code >= 100
        args = [self._as_range(a) if isinstance(a, ir.Ref) else self.compile(a)
                for a in node.args[1:]]

        def run(env: Env) -> Vec | Grid:
            # Excel leaves out cells that hold SUBTOTAL themselves, rows a filter hides and,
            # for 101-111, every hidden row
            vals = [_subtotal_view(env, a(env), skip_hidden) for a in args]
            return fn.impl(*vals)

        return run


def _sheet_position(env: Env, sheet: str) -> Vec:
    names = env.sheet_names()
    return num(names.index(sheet) + 1) if sheet in names else error(NA)


def _subtotal_view(env: Env, value: Vec | Grid, skip_hidden: bool) -> Vec | Grid:
    if not isinstance(value, Grid) or value.area is None:
        return value
    keep = env.subtotal_mask(value.area, skip_hidden)
    if keep.all():
        return value
    empty = blank()
    cells = [[v if keep[i, j] else empty for j, v in enumerate(row)]
             for i, row in enumerate(value.cells)]
    return Grid(cells, value.area)


def _indirect_one(env: Env, ref_text: str, sheet: str) -> Vec | Grid:
    node = env.resolve(ref_text, sheet)
    if isinstance(node, ir.Ref):
        return env.cell(node.cell)
    if isinstance(node, ir.Area):
        return env.area(node)
    return error(REF)


def _pick(results: list[Vec | Grid], index: np.ndarray) -> Vec | Grid:
    """Per trial, the element of ``results`` chosen by ``index`` (values, not references)."""
    from .values import select

    vecs = [as_vec(r) for r in results]
    n = len(index)
    out = vecs[0]
    for k in range(1, len(vecs)):
        mask = index == k
        out = select(mask, vecs[k], out if len(out) == n else _bcast(out, n))
    return out


def _bcast(v: Vec, n: int) -> Vec:
    from .values import broadcast

    return broadcast(v, n)


def _deref(v: Vec | Grid, op: str) -> Vec | Grid:
    return v


def compile_formula(node: ir.Node, cell: CellRef) -> tuple[Code, CompileInfo]:
    """The code of a formula's IR (deep formulas in segments, :mod:`engine._segments`)."""
    info = CompileInfo()
    return segmented(node, Compiler(cell, info).compile), info


def constant_value(value: object) -> Vec:
    return from_scalar(value)
