"""OFFSET in the fused kernel (a mixin of the generator), per trial, as numpy computes it
one trial at a time (engine.compiler's OFFSET: truncated numbers, an argument that is an
error #VALUE!, #REF! where the range starts above row 1 or left of column A or its height
or width is below 1; the range read clipped to the sheet's cells).

* one cell in every trial (height and width at most 1): the cell named this trial among
  the few the bounds of rows and cols allow (CHOOSE of references); where they allow more
  than ``MAX_OFFSET_CELLS``, a run of empty cells (or of places off the sheet) is one
  choice, the choice of the trial's place found by the runs' first places;
* the whole formula of an array formula (``OffsetAt``): each cell its element of the
  trial's range as ``Env.array_element`` spreads it (a height of 1 repeated down, a width
  of 1 across, #N/A past the range), #REF! in every cell where the range is #REF!;
* an argument of SUM/AVERAGE/COUNT/COUNTA/MAX/MIN/SUMPRODUCT (``offset_ranges``): a range
  of virtual cells as large as the bounds allow, blank past the trial's height and width.

A cell OFFSET may reach that is a formula outside the compiled slice is read as a constant
where it is the same in every trial.  Left to numpy, with the reason: an argument that may
be an error or is unbounded, a range that may reach past the sheet's cells, more than
``MAX_OFFSET_CELLS`` cells (choices), any other reader of a range of varying size (ROWS, MATCH, an
operator), COUNT of a range that may be #REF!, SUMPRODUCT beside arrays that are not ranges
of one shape (beside ranges of one shape it is fused: #VALUE! in the trials whose size differs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import ir
from ...model import _reads
from ...values import NA, REF, VALUE
from ...workbook import CellRef
from ._host import GeneratorHost, expr_with_cells
from ._let_refs import with_let_references
from ._values import BLANK, KBLANK, KBOOL, KNUM, NotFusable, Val, lit

if TYPE_CHECKING:
    from ...model import Program


@dataclass(frozen=True)
class OffsetAt:
    """Element (r, c) of the result of ``call`` (an OFFSET, the whole of an array formula)."""

    call: ir.Call
    r: int
    c: int

MAX_OFFSET_CELLS = 64   # cells one OFFSET may name over its arguments' bounds
MAX_OFFSET_PLACES = 1 << 14   # places one OFFSET may name, runs of empty cells one each
OFFSET_SHEET = "\x00OFFSET"   # a sheet name no workbook has (a control character)
# functions that read a range argument's cells alike and ignore blank cells (SUMPRODUCT:
# they are 0, and every argument is an OFFSET of the same height and width): an OFFSET of
# a size that varies per trial is read through a range as large as its bounds allow
_RANGE_READERS = frozenset({"SUM", "AVERAGE", "COUNT", "COUNTA", "MAX", "MIN",
                            "SUMPRODUCT"})
_ERRORS_IGNORED = frozenset({"COUNT", "COUNTA"})   # a #REF! range would not be counted


class OffsetMixin(GeneratorHost):
    """OFFSET naming one cell (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        _area_memo: dict[ir.Area, bool]
        cells: dict[CellRef, Val]
        steps: object
        program: Program

        def constant(self, key: object, x: object) -> Val: ...

    def _offset_parts(self, node: ir.Call) -> tuple[ir.Area, list[tuple[str, int, int]]]:
        """The base range and (truncated value, lowest, highest) of rows, cols, height and
        width (an argument that may be an error or is unbounded is left to numpy)."""
        args = node.args
        if not 3 <= len(args) <= 5:
            raise NotFusable("OFFSET with a wrong number of arguments")
        base = args[0]
        if isinstance(base, ir.Ref):
            base = ir.Area(base.cell.sheet, base.cell.row, base.cell.col, base.cell.row,
                           base.cell.col)
        if not isinstance(base, ir.Area):
            raise NotFusable("OFFSET of something other than a reference")
        nr, nc = base.declared_shape
        parts: list[tuple[str, int, int]] = []   # (truncated value, lowest, highest)
        for k, default in enumerate((0, 0, nr, nc)):
            a = args[k + 1] if k + 1 < len(args) else ir.Missing()
            if isinstance(a, ir.Missing):
                parts.append((lit(float(default)), default, default))
                continue
            v = self.number(a)
            if v.e != "0" or v.kind not in (KNUM, KBOOL, KBLANK) or not v.bounded:
                raise NotFusable("OFFSET with an argument that may be an error or is unbounded")
            t = lit(float(math.trunc(v.lo))) if v.lo == v.hi else \
                self.value(f"np.trunc({v.v})")
            parts.append((t, math.trunc(v.lo), math.trunc(v.hi)))
        return base, parts

    def _pick_cell(self, base: ir.Area, rows: tuple[int, int], cols: tuple[int, int],
                   dr: str, dc: str, extra: list[tuple[str, int | ir.Node]]) -> Val:
        """The cell base.r1 + dr, base.c1 + dc (dr within ``rows``, dc within ``cols``), or
        the error (or node) of the first of ``extra`` (condition, code) that holds (CHOOSE
        of references)."""
        (r_lo, r_hi), (c_lo, c_hi) = rows, cols
        nrows, ncols = r_hi - r_lo + 1, c_hi - c_lo + 1
        # the cell's place in the bounds, row by row from 0
        at = f"({dr} - {lit(float(r_lo))}) * {lit(float(ncols))} + ({dc} - {lit(float(c_lo))})"
        if nrows * ncols <= MAX_OFFSET_CELLS:
            options = [self._offset_cell(c) if c is not None else ir.Err(REF)
                       for _, c in self._offset_places(base, rows, cols)]
            k = at + " + 1.0"
        else:   # many places: runs of empty cells (or off the sheet) one option each
            runs = self._offset_runs(base, rows, cols)
            if len(runs) > MAX_OFFSET_CELLS:
                raise NotFusable(f"OFFSET that may name {nrows * ncols} cells")
            options = [ir.Ref(c) if empty else self._offset_cell(c) if c is not None
                       else ir.Err(REF) for _, c, empty in runs]
            t, k = self.value(at), "1.0"
            for n, (start, _, _) in enumerate(runs[1:], 2):   # the last run begun by t
                k = self.value(f"sel({t} >= {lit(float(start))}, {lit(float(n))}, {k})")
        for cond, err in reversed(extra):
            options.append(ir.Err(err) if isinstance(err, int) else err)
            k = f"sel({cond}, {lit(float(len(options)))}, {k})"
        k = self.value(k)
        place = ir.Array(((ir.Num(-1.0),),))   # stands for the choice in CHOOSE
        pick = ir.Call("CHOOSE", (place, *options))
        self.array_ir.append(pick)
        self.override[id(place)] = Val(k, "0", KNUM, 1.0, float(len(options)))
        stand_ins = self.__dict__.setdefault("_offset_stand_ins", {})
        for o in options:
            if id(o) in stand_ins:
                self.override[id(o)] = stand_ins[id(o)][1]
        try:
            return self.expr(pick)
        finally:
            self.override.pop(id(place), None)
            for o in options:
                if id(o) in stand_ins:
                    self.override.pop(id(o), None)

    def _offset_places(self, base: ir.Area, rows: tuple[int, int], cols: tuple[int, int]
                       ) -> list[tuple[int, CellRef | None]]:
        """(place, cell) of every cell base.r1 + i, base.c1 + j that (i, j) within ``rows``
        and ``cols`` name, row by row (None: off the sheet, #REF!)."""
        places: list[tuple[int, CellRef | None]] = []
        for i in range(rows[0], rows[1] + 1):
            for j in range(cols[0], cols[1] + 1):
                r, c = base.r1 + i, base.c1 + j
                ref = CellRef(base.sheet, r, c)
                if ref == getattr(self, "cell", None):
                    raise NotFusable("OFFSET that may name its own cell (a circular reference)")
                on = 1 <= r <= ir.MAX_ROW and 1 <= c <= ir.MAX_COL
                places.append((len(places), ref if on else None))
        return places

    def _offset_runs(self, base: ir.Area, rows: tuple[int, int], cols: tuple[int, int]
                     ) -> list[tuple[int, CellRef | None, bool]]:
        """The places of ``_offset_places`` as runs (first place, first cell, empty): a run
        of empty cells (nothing in the file, no input, no formula: blank wherever OFFSET
        lands) or of places off the sheet is one run; every other cell a run of its own."""
        size = (rows[1] - rows[0] + 1) * (cols[1] - cols[0] + 1)
        if size > MAX_OFFSET_PLACES:
            raise NotFusable(f"OFFSET that may name {size} cells")
        runs: list[tuple[int, CellRef | None, bool]] = []
        last: object = ()
        for t, c in self._offset_places(base, rows, cols):
            key: object = None if c is None else "empty" if self._empty_cell(c) else c
            if key != last:   # cells differ from one another: a run each
                runs.append((t, c, key == "empty"))
            last = key
        return runs

    def _empty_cell(self, c: CellRef) -> bool:
        """Nothing in cell ``c`` (no constant, formula or input): blank in every trial."""
        if c in self.input_vals or c in self.cells or c in self.steps or \
                c in self.program.inputs or self.model.is_formula(c):
            return False
        cell = self.model.workbook.cell(c)
        return cell is None or (cell.value is None and cell.formula is None and
                                cell.array_anchor is None and cell.array_ref is None)

    def _offset_cell(self, c: CellRef) -> ir.Node:
        """A reference to cell ``c``, or a stand-in for its value where ``c`` is a formula
        outside the compiled slice that is the same in every trial (no input, random
        stream or computed reference upstream): numpy computes it when OFFSET reaches it."""
        if not self.model.is_formula(c) or c in self.cells or c in self.steps or \
                c in self.program.constants or c in self.input_vals:
            return ir.Ref(c)
        reach = self.model.upstream([c])
        inputs = set(self.program.inputs) | set(self.input_vals)
        for x in reach:
            cc = self.model.code(x)
            if x in self.steps or cc.info.random_streams or cc.info.volatile or \
                    ir.dynamic_references(cc.node) or any(
                        _reads(r, inputs) for r in ir.read_references(cc.node)):
                return ir.Ref(c)   # varies: the kernel says it is outside the slice
        stand_ins = self.__dict__.setdefault("_offset_stand_ins", {})
        node = ir.Ref(c)
        stand_ins[id(node)] = (node, self.constant(("cell", c), self.env.cell(c)))
        return node

    def _sumproduct_beside_ranges(self, args: list[ir.Node], seen: set[int]) -> Val:
        """SUMPRODUCT of OFFSETs of one varying size (the same height and width expressions)
        beside ranges of one fixed shape (R, C), as numpy's SUMPRODUCT of the trial's range
        (``functions.math.sumproduct``): the first error of every element (argument by
        argument, row by row: an OFFSET's whole range, a #REF! one its #REF!), else #VALUE!
        where the trial's height and width are not (R, C), else the sum of the products
        over (R, C).  An OFFSET is read through virtual cells: (R, C) of them for the
        products (blank past the trial's height and width), and the rows below R its bounds
        allow for their errors; one that may be wider than C is left to numpy (its errors
        would come between rows)."""
        shape = _fixed_shape(args)
        if shape is None:
            raise NotFusable("SUMPRODUCT of an OFFSET of a size varying per trial beside "
                             "arrays that may not have its size")
        rows, cols = shape
        virtual: dict[CellRef, Val] = {}
        blank = CellRef(f"{OFFSET_SHEET}{len(seen)}", ir.MAX_ROW, ir.MAX_COL)
        virtual[blank] = BLANK
        errs: list[str] = []
        new_args: list[ir.Node] = []
        size = ("", "")
        for k, a in enumerate(args):
            if not (isinstance(a, ir.Call) and a.name == "OFFSET"):
                cells = a.cells() if isinstance(a, ir.Area) else [[a.cell]]
                errs += [self.expr(ir.Ref(c)).e for line in cells for c in line]
                new_args.append(a)
                continue
            base, parts = self._offset_parts(a)
            (dr, r_lo, r_hi), (dc, c_lo, c_hi), (h, h_lo, h_hi), (w, w_lo, w_hi) = parts
            size = (h, w)
            height = max(h_hi, rows)
            if w_hi > cols or h_hi < 1 or w_hi < 1 or height * cols > MAX_OFFSET_CELLS:
                raise NotFusable("SUMPRODUCT of an OFFSET whose range may be wider than the "
                                 f"other arrays or have more than {MAX_OFFSET_CELLS} cells")
            bad = self._range_ref_error(base, parts)
            vsheet = f"{OFFSET_SHEET}{len(seen)}.{k}"
            for i in range(height):
                for j in range(cols):
                    if i >= h_hi or j >= w_hi:   # past the range in every trial
                        v = BLANK
                    else:
                        out = [f"({h} <= {lit(float(i))})" if i >= h_lo else "",
                               f"({w} <= {lit(float(j))})" if j >= w_lo else ""]
                        extra: list[tuple[str, int | ir.Node]] = [(bad, REF)]
                        if any(out):
                            extra.append((" | ".join(x for x in out if x), ir.Ref(blank)))
                        v = self._pick_cell(base, (r_lo + i, r_hi + i), (c_lo + j, c_hi + j),
                                            self.value(f"{dr} + {lit(float(i))}"),
                                            self.value(f"{dc} + {lit(float(j))}"), extra)
                    virtual[CellRef(vsheet, i + 1, j + 1)] = v
                    errs.append(v.e)
            area = ir.Area(vsheet, 1, 1, rows, cols)
            self._area_memo[area] = True   # varies: never folded by numpy
            new_args.append(area)
        new = ir.Call("SUMPRODUCT", tuple(new_args))
        seen.add(id(new))
        got = expr_with_cells(self, new, virtual)
        first = "0"   # the first error, in steps (a chain of hundreds would nest too deep)
        terms = [e for e in errs if e != "0"]
        for at in range(0, len(terms), 16):
            first = self.err(self.chain([first, *terms[at:at + 16]]))
        h, w = size
        mismatch = f"({h} != {lit(float(rows))}) | ({w} != {lit(float(cols))})"
        e = self.err(self.chain([first, got.e], [(mismatch, VALUE)]))
        return Val(got.v, e, KNUM, got.lo, got.hi)

    def _fixed_offset(self, a: ir.Node) -> ir.Node:
        """``a`` where it is not an OFFSET of several cells whose arguments are the same
        number in every trial (``OFFSET(C$428, 0, 0, COUNT($B$225:$B$425) - $B632, 1)`` with
        constant cells); else the range it names, as numpy's OFFSET names it (``Env.area`` of
        that range: a range written in the formula is read the same way)."""
        if not (isinstance(a, ir.Call) and a.name == "OFFSET"):
            return a
        try:
            base, parts = self._offset_parts(a)
        except NotFusable:
            return a
        if any(lo != hi for _, lo, hi in parts):
            return a
        dr, dc, h, w = (lo for _, lo, _ in parts)
        r1, c1 = base.r1 + dr, base.c1 + dc
        if h * w <= 1 or h < 1 or w < 1 or r1 < 1 or c1 < 1 or \
                r1 + h - 1 > ir.MAX_ROW or c1 + w - 1 > ir.MAX_COL:
            return a   # one cell, or #REF!: the paths below
        return ir.Area(base.sheet, r1, c1, r1 + h - 1, c1 + w - 1)

    def fn_offset(self, node: ir.Call) -> Val:
        base, parts = self._offset_parts(node)
        (dr, r_lo, r_hi), (dc, c_lo, c_hi), (h, _, h_hi), (w, _, w_hi) = parts
        if h_hi > 1 or w_hi > 1:
            raise NotFusable("OFFSET of more than one cell in some trials (numpy's value "
                             "depends on the other trials of its chunk)")
        bad = f"({h} < 1.0) | ({w} < 1.0)"
        return self._pick_cell(base, (r_lo, r_hi), (c_lo, c_hi), dr, dc, [(bad, REF)])

    def _range_ref_error(self, base: ir.Area, parts: list[tuple[str, int, int]]) -> str:
        """The condition under which the trial's range of an OFFSET of several cells is
        #REF! (off the sheet above or left, height or width below 1); refused where it may
        reach past the sheet's cells (numpy reads that range clipped: a smaller range)."""
        (dr, r_lo, r_hi), (dc, c_lo, c_hi), (h, _, h_hi), (w, _, w_hi) = parts
        sheet = self.model.workbook.sheets.get(base.sheet)
        if sheet is None:
            raise NotFusable("OFFSET of a sheet the workbook does not have")
        if base.r1 + r_hi + h_hi - 1 > max(sheet.max_row, 1) or \
                base.c1 + c_hi + w_hi - 1 > max(sheet.max_col, 1):
            raise NotFusable("OFFSET that may reach past the sheet's cells")
        bad = f"({h} < 1.0) | ({w} < 1.0)"
        if base.r1 + r_lo < 1:
            bad += f" | ({dr} < {lit(float(1 - base.r1))})"
        if base.c1 + c_lo < 1:
            bad += f" | ({dc} < {lit(float(1 - base.c1))})"
        return bad

    def offset_at(self, node: OffsetAt) -> Val:
        """Element (r, c) of an array formula whose whole formula is an OFFSET: the trial's
        range spread as ``Env.array_element`` spreads it (one row repeated down, one column
        across, #N/A past the range), #REF! in every cell where the range is off the sheet
        or its height or width is below 1."""
        base, parts = self._offset_parts(node.call)
        (dr, r_lo, r_hi), (dc, c_lo, c_hi), (h, h_lo, h_hi), (w, w_lo, w_hi) = parts
        if h_hi <= 1 and w_hi <= 1:   # one cell (or #REF!) in every trial
            return self.fn_offset(node.call)
        bad = self._range_ref_error(base, parts)
        extra: list[tuple[str, int | ir.Node]] = [(bad, REF)]
        i, j = node.r, node.c
        na = []
        if i > 0 and h_hi > 1:   # past the height (a height of 1 repeats down)
            na.append(f"(({h} > 1.0) & ({h} <= {lit(float(i))}))")
        if j > 0 and w_hi > 1:
            na.append(f"(({w} > 1.0) & ({w} <= {lit(float(j))}))")
        if na:
            extra.append((" | ".join(na), NA))
        rr = lit(float(i)) if h_lo > 1 else "0.0" if h_hi <= 1 or i == 0 else \
            self.value(f"sel({h} > 1.0, {lit(float(i))}, 0.0)")
        cc = lit(float(j)) if w_lo > 1 else "0.0" if w_hi <= 1 or j == 0 else \
            self.value(f"sel({w} > 1.0, {lit(float(j))}, 0.0)")
        ri = 0 if rr == "0.0" else i
        ci = 0 if cc == "0.0" else j
        # where bad or past the range the cell picked is ignored: clip into the options
        row = self.value(f"min(max({dr} + {rr}, {lit(float(r_lo))}), {lit(float(r_hi + ri))})")
        col = self.value(f"min(max({dc} + {cc}, {lit(float(c_lo))}), {lit(float(c_hi + ci))})")
        return self._pick_cell(base, (r_lo, r_hi + ri), (c_lo, c_hi + ci), row, col, extra)

    def offset_ranges(self, node: ir.Call) -> Val | None:
        """A call of ``_RANGE_READERS`` whose arguments include OFFSET of more than one cell
        in some trials, each such argument read as the trial's range (None: there is none):
        a range of cells of a sheet no workbook has, as large as the largest range the
        arguments' bounds allow, whose cells past the trial's height and width are blank
        (read as nothing by these functions) and which are all #REF! where the trial's
        range is off the sheet or its height or width is below 1."""
        seen: set[int] = self.__dict__.setdefault("_offset_seen", set())
        if id(node) in seen or node.name == "LET":   # LET: its body's value (fn_let)
            return None
        given = with_let_references(self, node.args, node.name)   # LET(..., OFFSET()): its body
        if not any(isinstance(a, ir.Call) and a.name == "OFFSET" for a in given):
            if given == node.args:
                return None
            new = ir.Call(node.name, given)   # LET(..., range): the range
            seen.add(id(new))
            self.array_ir.append(new)
            return self.expr(new)
        args = [self._fixed_offset(a) for a in given]
        if not any(isinstance(a, ir.Call) and a.name == "OFFSET" for a in args):
            new = ir.Call(node.name, tuple(args))   # every OFFSET names one range
            seen.add(id(new))
            self.array_ir.append(new)   # kept alive: constants are keyed by node id
            return self.expr(new)
        if node.name == "SUMPRODUCT":   # a long window gathered per trial (_offset_window)
            from ._offset_window import sumproduct_window

            got = sumproduct_window(self, args)   # type: ignore[arg-type]
            if got is not None:
                return got
        if node.name == "SUMPRODUCT" and not _same_sizes(args):
            return self._sumproduct_beside_ranges(args, seen)
        virtual: dict[CellRef, Val] = {}
        blank = CellRef(f"{OFFSET_SHEET}{len(seen)}", ir.MAX_ROW, ir.MAX_COL)
        virtual[blank] = BLANK
        for k, a in enumerate(args):
            if not (isinstance(a, ir.Call) and a.name == "OFFSET"):
                continue
            base, parts = self._offset_parts(a)
            (dr, r_lo, r_hi), (dc, c_lo, c_hi), (h, h_lo, h_hi), (w, w_lo, w_hi) = parts
            if h_hi <= 1 and w_hi <= 1:
                continue
            if node.name not in _RANGE_READERS:
                raise NotFusable(f"{node.name} of an OFFSET of more than one cell in some "
                                 "trials")
            if h_hi * w_hi > MAX_OFFSET_CELLS:
                raise NotFusable(f"OFFSET whose range may have {h_hi * w_hi} cells")
            bad = self._range_ref_error(base, parts)
            if node.name in _ERRORS_IGNORED and (
                    h_lo < 1 or w_lo < 1 or base.r1 + r_lo < 1 or base.c1 + c_lo < 1):
                raise NotFusable(f"{node.name} of an OFFSET that may be #REF!")
            vsheet = f"{OFFSET_SHEET}{len(seen)}.{k}"
            for i in range(h_hi):
                for j in range(w_hi):
                    out = [f"({h} <= {lit(float(i))})" if i >= h_lo else "",
                           f"({w} <= {lit(float(j))})" if j >= w_lo else ""]
                    extra: list[tuple[str, int | ir.Node]] = [(bad, REF)]
                    if any(out):
                        extra.append((" | ".join(x for x in out if x), ir.Ref(blank)))
                    row = self.value(f"{dr} + {lit(float(i))}")
                    col = self.value(f"{dc} + {lit(float(j))}")
                    virtual[CellRef(vsheet, i + 1, j + 1)] = self._pick_cell(
                        base, (r_lo + i, r_hi + i), (c_lo + j, c_hi + j), row, col, extra)
            area = ir.Area(vsheet, 1, 1, h_hi, w_hi)
            self._area_memo[area] = True   # varies: never folded by numpy
            args[k] = area
        if tuple(args) == node.args:
            return None
        new = ir.Call(node.name, tuple(args))
        seen.add(id(new))
        return expr_with_cells(self, new, virtual)


def _fixed_shape(args: list[ir.Node]) -> tuple[int, int] | None:
    """The one shape of the arguments that are not OFFSET (ranges or cells), when every
    OFFSET has a height and a width and they are the same expressions; else None."""
    offs = [a for a in args if isinstance(a, ir.Call) and a.name == "OFFSET"]
    fixed = [a for a in args if not (isinstance(a, ir.Call) and a.name == "OFFSET")]
    if not offs or not fixed or any(len(a.args) != 5 for a in offs) or \
            len({(a.args[3], a.args[4]) for a in offs}) != 1 or \
            any(not isinstance(a, ir.Area | ir.Ref) for a in fixed):
        return None
    shapes = {a.declared_shape if isinstance(a, ir.Area) else (1, 1) for a in fixed}
    return shapes.pop() if len(shapes) == 1 else None


def _same_sizes(args: list[ir.Node]) -> bool:
    """Every argument an OFFSET whose height and width are the same expressions (so the
    arrays have one size in every trial, padded alike)."""
    sizes = set()
    for a in args:
        if not (isinstance(a, ir.Call) and a.name == "OFFSET" and len(a.args) == 5):
            return False
        sizes.add((a.args[3], a.args[4]))
    return len(sizes) == 1
