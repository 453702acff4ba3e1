"""INDEX in the fused kernel (a mixin of the generator), as
:func:`engine.functions.lookup.index` computes it, whole rows and columns included.

numpy's rules (``lookup._index``), which the kernel follows:

* positions are truncated numbers (blank, an empty argument: 0); on a range of one row (one
  column) a row (column) position of 0 is 1; ``INDEX(2-D range, k)`` has column 0 (and is
  #REF! on a range, a whole row on an array constant);
* errors, the first that holds: the row's error, #VALUE! (a position below 0), the column's
  error, #REF! (a position past the range);
* positions the same in every trial (numpy's one-value vectors): 0 picks the whole row or
  column (0 and 0: the whole range), a block that keeps its reference;
* positions that vary: the row 0 in every trial of the chunk and the column above 0 in every
  trial gives that column, gathered per trial (a one-column array without a reference);
  likewise a row; any other 0 is #VALUE! in its trial.

The kernel decides the last rule from the positions' bounds: a position that is 0 in every
trial (0 is constant, or its bounds lie within (-1, 1)) beside one that is at least 1 in
every trial (and never an error) is a whole column or row; otherwise each 0 is #VALUE! in
its trial.  numpy decides it per chunk of trials, so the two differ only in a chunk where a
position that may be 0 or not happens to be 0 in every trial (probability p^n for n trials).
A position that is an error in some trials beside a whole row or column is that row or
column where it is not an error, its error where it is (numpy since session 24: an error
trial no longer turns its chunk's other trials #VALUE!); beside a position that may be 0 or
not it is not fused (numpy's data at an error trial, 0, decides the chunk).

Where the result is a block (several cells), what reads it decides the value:

* the whole formula of a plain cell: the block's implicit intersection with the cell
  (``model.implicit_intersection``: by position when the block keeps its reference, else its
  first cell);
* an array formula (:class:`IndexAt`): each cell its element (``Env.array_element``: one row
  repeated down, one column across, #N/A past the block);
* an argument of a function (``SUM(INDEX(t, 0, c))``, ``MATCH(x, INDEX(t, 0, 2), 0)``):
  :meth:`IndexMixin.index_ranges` reads it as a range: a block of a range is that range
  (numpy keeps its reference); a row or column gathered per trial, or a block of an array
  constant, is a range of cells on a sheet no workbook has, whose values are the INDEX's
  elements, for functions that read every cell of a range alike (``_READ_ALIKE``);
* anything else (an operator, IF, a function that reads a reference's address): not fused,
  the reason says so.

Known differences of numpy from Excel that the kernel keeps (numpy is the reference): a
position that varies and is 0 in some trials gives #VALUE! there where Excel gives the
whole row or column; a whole column chosen per trial in a plain cell is its first cell,
where Excel intersects the column with the formula's row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import ir
from ..._ir_passes import SCALAR_ARGUMENTS
from ...values import NA, REF, VALUE
from ...workbook import CellRef
from ._host import expr_with_cells
from ._index_spans import span_ranges
from ._values import KBLANK, NotFusable, Val, code, is_literal_error, lit, num

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ...model import Model


@dataclass(frozen=True)
class IndexAt:
    """Element (r, c) of the result of ``call`` (an INDEX, the whole of an array formula)."""

    call: ir.Call
    r: int
    c: int


@dataclass(frozen=True)
class _Pos:
    """One truncated position: its expression (0 at an error trial, as numpy's data), error,
    integer bounds and whether it is the same in every trial."""

    v: str
    e: str
    lo: float
    hi: float
    constant: bool
    ok: tuple[float, float] | None = None   # the bounds of the error-free trials' values

    @property
    def always_error(self) -> bool:
        """An error in every trial: a constant position, or one whose error is a literal code
        (INDEX's text variant, IFERROR(MATCH(..),"") read as "": #VALUE!)."""
        return self.e != "0" and self.constant or is_literal_error(self.e)

    def zero(self, n: int, errors: bool = False) -> bool:
        """0 in every trial (after numpy's 0 -> 1 on a dimension of one); ``errors``: in
        every trial where it is not an error."""
        lo, hi = self.ok if errors and self.ok is not None else (self.lo, self.hi)
        return n > 1 and (errors or self.e == "0") and lo == hi == 0.0

    def positive(self, n: int, errors: bool = False) -> bool:
        """At least 1 in every trial (after numpy's 0 -> 1 on a dimension of one);
        ``errors``: in every trial where it is not an error."""
        lo = self.ok[0] if errors and self.ok is not None else self.lo
        return (errors or self.e == "0") and (lo >= 1.0 or (n == 1 and lo >= 0.0))


@dataclass(frozen=True)
class _Index:
    cells: list[list[Val]]
    area: ir.Area | None     # the range's reference (None: an array constant)
    r: _Pos
    c: _Pos
    mode: str                # "cell" one value; "col"/"row" gathered per trial; "block"
    shape: tuple[int, int] | None = None   # the block's (or gathered line's) shape
    at: tuple[int, int] = (0, 0)           # "block": its first cell in the range (0-based)

    @property
    def rows(self) -> int:
        return len(self.cells)

    @property
    def cols(self) -> int:
        return len(self.cells[0])


# functions that read a reference's address or shape, or are special forms of the numpy
# compiler: an INDEX argument is never rewritten into a range for them
_REFERENCE_READERS = frozenset({
    "ROW", "COLUMN", "ROWS", "COLUMNS", "OFFSET", "INDIRECT", "AREAS", "CELL", "ISREF",
    "ISFORMULA", "FORMULATEXT", "SHEET", "SHEETS", "SUBTOTAL", "AGGREGATE", "INDEX",
    "IF", "IFS", "IFERROR", "IFNA", "CHOOSE", "SWITCH", "NOT", "AND", "OR", "XOR",
})
# functions that read every cell of a range argument alike, whether it keeps a reference or
# not: a row or column gathered per trial (numpy: an array without a reference) is read
# through a range standing for it
_READ_ALIKE = frozenset({
    "SUM", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTA", "PRODUCT", "SUMSQ", "SUMPRODUCT",
    "MEDIAN", "LARGE", "SMALL", "STDEV", "STDEV.S", "STDEV.P", "VAR", "VAR.S", "VAR.P",
    "AVERAGEA", "MAXA", "MINA", "MATCH", "XMATCH", "XLOOKUP", "LOOKUP", "COUNTIF",
})
VIRTUAL_SHEET = "\x00INDEX"   # a sheet name no workbook has (a control character)


class IndexMixin:
    """``fn_index`` (INDEX as the whole formula of a plain cell, or inside an expression
    where it is one value) and ``index_at`` (an element of an array formula's INDEX)."""

    if TYPE_CHECKING:  # provided by the Generator
        cell: CellRef | None
        model: Model
        lines: list[str]
        array_ir: list[object]
        input_vals: dict[CellRef, Val]
        _area_memo: dict[ir.Area, bool]

        def value(self, expr: str) -> str: ...
        def err(self, expr: str) -> str: ...
        def chain(self, errs: list[str], checks: Sequence[tuple[str, int] | None] = ()
                  ) -> str: ...
        def expr(self, node: ir.Node) -> Val: ...
        def number(self, node: ir.Node | None, default: float | None = None) -> Val: ...
        def operand(self, c: CellRef) -> Val: ...
        def is_constant(self, node: ir.Node) -> bool: ...
        def area_cells(self, a: ir.Area) -> list[CellRef]: ...
        def fit_cells(self, node: ir.Call) -> list[list[Val]]: ...
        def _gathered(self, pos: str, cells: list[Val], errs: list[str],
                      missing: bool = True) -> Val: ...

    # ------------------------------------------------------------ entry points
    def fn_index(self, node: ir.Call) -> Val:
        """INDEX where its result is one value: the whole formula of a plain cell (a block
        reduced by implicit intersection), or a single cell anywhere."""
        x = self._index_plan(node)
        if x.mode == "cell" or (x.mode == "block" and x.shape is None):
            return self._index_element(x, 0, 0)
        assert self.cell is not None
        if node is not self.model.code(self.cell).node:
            raise NotFusable("INDEX of a whole row or column inside an expression")
        if x.mode != "block" or x.area is None:   # no reference: its first cell
            return self._index_element(x, 0, 0)
        return self._intersection(x, self.cell)

    def fn_single(self, node: ir.Call) -> Val:
        """``@x`` (``_xlfn.SINGLE``) of a computed value (compiler._fn_single): a reference
        was intersected with the formula's cell when the IR was built, so what is left is
        one value (IF(...), a name's cell, a lookup): that value, of whatever kind.  Where it
        may be a block (INDEX of a whole column, an OFFSET of several cells, a range in IF)
        the argument's own generation refuses it inside an expression, as here."""
        if len(node.args) != 1:
            return num("0.0", code(VALUE), (0.0, 0.0))
        arg = node.args[0]
        if isinstance(arg, ir.Area | ir.Array):
            raise NotFusable("@ of a range or an array")
        return self.expr(arg)

    def index_at(self, node: IndexAt) -> Val:
        """Element (r, c) of an array formula whose whole formula is an INDEX."""
        x = self._index_plan(node.call)
        if x.mode == "cell" or x.shape is None:
            return self._index_element(x, 0, 0)
        rows, cols = x.shape
        r = 0 if rows == 1 else node.r
        c = 0 if cols == 1 else node.c
        if r >= rows or c >= cols:
            return num("0.0", code(NA), (0.0, 0.0))
        return self._index_element(x, r, c)

    def index_ranges(self, node: ir.Call) -> Val | None:
        """A call whose arguments include INDEX of whole rows or columns, with each such
        argument read as a range (None: there is none): a block of a range is that range
        (numpy keeps its reference); a row or column gathered per trial, or a block of an
        array constant, is a range of cells of a sheet no workbook has, whose values are
        the INDEX's elements, for the functions of ``_READ_ALIKE`` only.  A range operator
        between INDEX or XLOOKUP and a reference is read first (:mod:`._index_spans`)."""
        got = span_ranges(self, node)   # type: ignore[arg-type]  # SUM(B1:INDEX(B1:B9, k))
        if got is not None:
            return got
        seen: set[int] = self.__dict__.setdefault("_index_seen", set())
        if id(node) in seen or node.name in _REFERENCE_READERS or \
                node.name in SCALAR_ARGUMENTS or not any(
                    isinstance(a, ir.Call) and a.name == "INDEX" for a in node.args):
            return None
        args = list(node.args)
        virtual: dict[CellRef, Val] = {}
        for k, a in enumerate(args):
            if not (isinstance(a, ir.Call) and a.name == "INDEX"):
                continue
            x = self._index_plan(a)
            if x.shape is None or x.mode == "cell":
                continue
            rows, cols = x.shape
            if x.mode == "block" and x.area is not None:
                r1, c1 = x.area.r1 + x.at[0], x.area.c1 + x.at[1]
                args[k] = ir.Area(x.area.sheet, r1, c1, r1 + rows - 1, c1 + cols - 1)
                continue
            if node.name not in _READ_ALIKE:
                continue
            sheet = f"{VIRTUAL_SHEET}{len(seen)}.{k}"
            for i in range(rows):
                for j in range(cols):
                    virtual[CellRef(sheet, i + 1, j + 1)] = self._index_element(x, i, j)
            area = ir.Area(sheet, 1, 1, rows, cols)
            self._area_memo[area] = True   # varies: never folded by numpy
            args[k] = area
        if tuple(args) == node.args:
            return None
        new = ir.Call(node.name, tuple(args))
        seen.add(id(new))
        return expr_with_cells(self, new, virtual)

    # ------------------------------------------------------------ the plan
    def _index_plan(self, node: ir.Call) -> _Index:
        if not 2 <= len(node.args) <= 3:
            raise NotFusable("INDEX with a wrong number of arguments")
        src, *idx = node.args
        cells, area = self._index_source(src)
        rows, cols = len(cells), len(cells[0])
        one = _Pos("1.0", "0", 1.0, 1.0, True)
        if isinstance(src, ir.Err):   # an error value as the array is that error, whatever
            return _Index(cells, None, one, one, "block")   # the positions (lookup._index)
        zero = _Pos("0.0", "0", 0.0, 0.0, True)
        ref_error = False
        if len(idx) == 1:
            k = self._index_position(idx[0])
            if rows == 1 and cols > 1:
                r, c = one, k
            elif cols == 1:
                r, c = k, one
            else:   # column 0: a whole row of an array constant, #REF! on a range
                r, c, ref_error = k, zero, area is not None
        else:
            r, c = self._index_position(idx[0]), self._index_position(idx[1])
        if ref_error:
            e = self.err(self.chain([], [(r.e, 0) if r.e != "0" else None,
                                         (f"({r.v} < 0.0)", VALUE) if r.lo < 0 else None,
                                         ("True", REF)]))
            return _Index([[num("0.0", e, (0.0, 0.0))]], None, one, one, "block")
        if r.always_error or c.always_error:
            # a position that is an error in every trial: INDEX is its error (the row's
            # first), never a whole row or column (INDEX(t, MATCH(key_not_there, ...), k))
            e = self.err(self.chain([r.e, c.e]))
            return _Index([[num("0.0", e, (0.0, 0.0))]], None, one, one, "block")
        if r.constant and c.constant and r.e == c.e == "0":
            return self._index_block(cells, area, r, c)
        if r.zero(rows) and c.positive(cols):
            return _Index(cells, area, r, c, "col", (rows, 1))
        if c.zero(cols) and r.positive(rows):
            return _Index(cells, area, r, c, "row", (1, cols))
        # a whole column (row) where the positions are not errors, their error elsewhere
        # (lookup._index: an error trial does not decide the chunk's shape)
        if r.zero(rows, True) and c.positive(cols, True):
            return _Index(cells, area, r, c, "col", (rows, 1))
        if c.zero(cols, True) and r.positive(rows, True):
            return _Index(cells, area, r, c, "row", (1, cols))
        if r.positive(rows, True) and c.positive(cols, True):
            # at least 1 wherever not an error: no trial picks a whole row or column, so an
            # error trial's data (0) decides nothing (lookup._index gathers one cell)
            return _Index(cells, area, r, c, "cell")
        if (r.e != "0" and (c.lo <= 0.0 <= c.hi or c.e != "0")) or (
                c.e != "0" and r.lo <= 0.0 <= r.hi):
            # numpy's data at an error trial decides whether a chunk is a whole row/column
            raise NotFusable("INDEX of a position that may be an error beside one that may "
                             "be 0 (a whole row or column per chunk)")
        return _Index(cells, area, r, c, "cell")

    def _index_source(self, src: ir.Node) -> tuple[list[list[Val]], ir.Area | None]:
        if isinstance(src, ir.Ref):
            return [[self.operand(src.cell)]], None
        if isinstance(src, ir.Err | ir.Num | ir.Str | ir.Bool):   # lookup._grid: one cell
            return [[self.expr(src)]], None
        if isinstance(src, ir.Call) and src.name in ("LINEST", "LOGEST", "TREND", "GROWTH"):
            return self.fit_cells(src), None   # a fit's result, at a position per trial (_fits)
        if isinstance(src, ir.Area):
            self.area_cells(src)   # the size limit
            sheet = self.model.workbook.sheets.get(src.sheet)
            if sheet is None or ir.clip(src, max(sheet.max_row, 1),
                                        max(sheet.max_col, 1)) != src:
                raise NotFusable("INDEX over a range past the sheet's cells")
            return [[self.operand(c) for c in row] for row in src.cells()], src
        if isinstance(src, ir.Array) and src.rows and all(
                isinstance(x, ir.Num | ir.Str | ir.Bool | ir.Err) for row in src.rows
                for x in row) and len({len(row) for row in src.rows}) == 1:
            return [[self.expr(x) for x in row] for row in src.rows], None
        raise NotFusable("INDEX over something other than a range")

    def _index_position(self, node: ir.Node) -> _Pos:
        """lookup._int of one position: truncated, blank (an empty argument) 0."""
        constant = isinstance(node, ir.Missing) or self.is_constant(node)
        if isinstance(node, ir.Missing):
            return _Pos("0.0", "0", 0.0, 0.0, True)
        v = self.number(node)
        if v.kind == KBLANK:
            return _Pos("0.0", v.e, 0.0, 0.0, constant)
        lo = math.trunc(v.lo) if math.isfinite(v.lo) else -math.inf
        hi = math.trunc(v.hi) if math.isfinite(v.hi) else math.inf
        if lo == hi:
            t = lit(float(lo))
        else:
            t = self.value(f"np.trunc({v.v})")
        ok = (float(lo), float(hi))
        if v.e != "0":   # numpy's data at an error trial: 0
            t = self.value(f"sel({v.e} != 0, 0.0, {t})")
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        return _Pos(t, v.e, float(lo), float(hi), constant, ok)

    def _index_block(self, cells: list[list[Val]], area: ir.Area | None, r: _Pos,
                     c: _Pos) -> _Index:
        """Positions the same in every trial (lookup._block): one cell, or a block of whole
        rows/columns; an error in every trial."""
        rows, cols = len(cells), len(cells[0])
        ri, ci = int(r.lo), int(c.lo)
        if ri < 0 or ci < 0:
            error = VALUE
        elif ri > rows or ci > cols:
            error = REF
        else:
            error = 0
        if error:
            return _Index([[num("0.0", code(error), (0.0, 0.0))]], None,
                          _one(), _one(), "block")
        ri = 1 if ri == 0 and rows == 1 else ri
        ci = 1 if ci == 0 and cols == 1 else ci
        shape = (rows if ri == 0 else 1, cols if ci == 0 else 1)
        at = (max(ri - 1, 0), max(ci - 1, 0))
        if shape == (1, 1):
            return _Index(cells, area, r, c, "block", None, at)
        return _Index(cells, area, r, c, "block", shape, at)

    # ------------------------------------------------------------ values
    def _index_element(self, x: _Index, i: int, j: int) -> Val:
        """Element (i, j) of INDEX's result (inside its shape; (0, 0) of one value)."""
        rows, cols = x.rows, x.cols
        if x.mode == "block":
            return x.cells[x.at[0] + i][x.at[1] + j]
        flat = [v for row in x.cells for v in row]
        if x.mode == "col":
            rk, ck = lit(float(i + 1)), self._index_line(x.c, cols)
        elif x.mode == "row":
            rk, ck = self._index_line(x.r, rows), lit(float(j + 1))
        else:
            rk, ck = self._index_line(x.r, rows), self._index_line(x.c, cols)
        r, c = x.r, x.c
        checks: list[tuple[str, int] | None] = [(r.e, 0) if r.e != "0" else None]
        neg = [f"({k.v} < 0.0)" for k in (r, c) if k.lo < 0.0]
        checks.append((" | ".join(neg), VALUE) if neg else None)
        checks.append((c.e, 0) if c.e != "0" else None)
        past = [f"({k.v} > {lit(n)})" for k, n in ((r, rows), (c, cols)) if k.hi > n]
        checks.append((" | ".join(past), REF) if past else None)
        if x.mode == "cell" and not _whole_line_first(x):   # a 0 that is not a whole row
            zero = [f"({k.v} == 0.0)" for k, n in ((r, rows), (c, cols))   # or column: #VALUE!
                    if n > 1 and k.lo <= 0.0 <= k.hi]
            checks.append((" | ".join(zero), VALUE) if zero else None)
        e = self.err(self.chain([], checks))
        pos = self.value(f"({rk} - 1.0) * {lit(float(cols))} + {ck}")
        return self._gathered(pos, flat, [e], missing=False)

    def _index_line(self, k: _Pos, n: int) -> str:
        """A position's 1-based index into a line of ``n`` cells, clipped as numpy clips it
        (its errors are checked apart)."""
        if n == 1:
            return "1.0"
        if k.lo == k.hi:
            return lit(float(min(max(k.lo, 1.0), n)))
        if k.lo >= 1.0 and k.hi <= n:
            return k.v
        return self.value(f"min(max({k.v}, 1.0), {lit(float(n))})")

    def _intersection(self, x: _Index, at: CellRef) -> Val:
        """model.implicit_intersection of a block that keeps its reference."""
        assert x.area is not None and x.shape is not None
        a = x.area
        r1, c1 = a.r1 + x.at[0], a.c1 + x.at[1]
        rows, cols = x.shape
        if cols == 1 and r1 <= at.row <= r1 + rows - 1:
            return self._index_element(x, at.row - r1, 0)
        if rows == 1 and c1 <= at.col <= c1 + cols - 1:
            return self._index_element(x, 0, at.col - c1)
        return num("0.0", code(VALUE), (0.0, 0.0))


def _whole_line_first(x: _Index) -> bool:
    """An array's (``{1,2;3,4}``) position that is 0 or an error in every trial while the
    other is 1 or more: numpy's lookup._index picks that whole row (column) per trial and the
    cell takes its first element (the clipped index 1), not #VALUE!."""
    if x.area is not None:
        return False
    r, c = x.r, x.c
    return (c.hi <= 0.0 and r.lo >= 1.0) or (r.hi <= 0.0 and c.lo >= 1.0)


def _one() -> _Pos:
    return _Pos("1.0", "0", 1.0, 1.0, True)


__all__ = ["IndexAt", "IndexMixin"]
