"""The range operator between references chosen per trial, read by an aggregate:
``SUM(B50:INDEX(B50:B1249, C12))`` (zijiann's MortgageCalculator, names such as
``paid_overtime``) and ``SUM(XLOOKUP(I1,H1:S1,H2:S2):XLOOKUP(J1,H1:S1,H2:S2))`` (karumbo's
XLOOKUP_Tutorial).

numpy (``engine._computed_refs``: ``_range_op``) computes each side's rectangle per trial
(a cell or range: itself; INDEX of a range: the row, column or cell at its positions, the
whole range at a position 0; XLOOKUP of ranges: the return range's row or column at
XMATCH's position) with its error, spans them (the least first row and column, the greatest
last ones; the left side's error, else the right's) and reads the trial's range, one group
of trials naming one range at a time (an error: that error for the whole argument).

The kernel reads it through a range of a sheet no workbook has, as large as the rectangle
both sides may reach (their enclosing ranges' span): each of its cells is the cell there
where the trial's range holds it, blank elsewhere, and carries the trial's error first.
The functions of :data:`SPAN_READERS` skip a referenced blank and return the first error
of their cells in order, so they read it as numpy reads the trial's range.  Any other use
of the operator stays with numpy ("operator ':'").  SUM of one span along a long column
(row) reads the trial's window of it instead (:func:`_window_sum`): a few lines whatever its
length (zijiann's spans have 1,200 rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import ir
from ...values import REF, VALUE
from ...workbook import CellRef
from ._args import BLANK_CELL
from ._host import expr_with_cells
from ._values import KBLANK, NotFusable, Val, errors_of, lit

if TYPE_CHECKING:
    from ._codegen import Generator
    from ._index_ref import _Pos

# aggregates that skip referenced blanks and give the first error of their cells
SPAN_READERS = frozenset({"SUM", "AVERAGE", "MIN", "MAX"})
SPAN_SHEET = "\x00SPAN"   # a sheet name no workbook has (a control character)
SPAN_WINDOW = 32   # cells of a column (row) from which SUM of a span reads a window


@dataclass(frozen=True)
class _Coord:
    """A row or column number per trial: its expression and integer bounds."""

    v: str
    lo: float
    hi: float

    @staticmethod
    def fixed(x: int) -> _Coord:
        return _Coord(lit(float(x)), float(x), float(x))


@dataclass(frozen=True)
class _Box:
    """A side's rectangle per trial (first row, first column, last row, last column), its
    error code expression and the range it stays within."""

    sheet: str
    r1: _Coord
    c1: _Coord
    r2: _Coord
    c2: _Coord
    e: str
    within: ir.Area


def is_span(node: ir.Node) -> bool:
    return isinstance(node, ir.Binary) and node.op == ":"


def span_ranges(gen: Generator, node: ir.Call) -> Val | None:
    """``node`` (a call of :data:`SPAN_READERS`) with each range-operator argument read
    through a range standing for the trial's range; None where it has none."""
    if node.name not in SPAN_READERS or not any(is_span(a) for a in node.args):
        return None
    boxes: dict[int, _Box] = {}   # each span's lines made once
    if node.name == "SUM" and len(node.args) == 1:
        boxes[0] = _span(gen, node.args[0])   # type: ignore[arg-type]
        got = _window_sum(gen, boxes[0])
        if got is not None:
            return got
    args = list(node.args)
    virtual: dict[CellRef, Val] = {}
    count: list[int] = gen.__dict__.setdefault("_span_count", [0])
    for k, a in enumerate(args):
        if not is_span(a):
            continue
        assert isinstance(a, ir.Binary)
        box = boxes[k] if k in boxes else _span(gen, a)
        count[0] += 1
        sheet = f"{SPAN_SHEET}{count[0]}"
        w = box.within
        cells = gen.area_cells(w)   # the size limit
        for c in cells:
            virtual[CellRef(sheet, c.row - w.r1 + 1, c.col - w.c1 + 1)] = _masked(gen, box, c)
        area = ir.Area(sheet, 1, 1, w.r2 - w.r1 + 1, w.c2 - w.c1 + 1)
        gen._area_memo[area] = True   # varies: never folded by numpy
        args[k] = area
    return expr_with_cells(gen, ir.Call(node.name, tuple(args)), virtual)


def _span(gen: Generator, node: ir.Binary) -> _Box:
    """The trial's rectangle of ``left:right``: the sides' span, the left's error first."""
    left, right = _side(gen, node.left), _side(gen, node.right)
    if left.sheet != right.sheet:
        raise NotFusable("range operator ':' between sheets")
    return _Box(left.sheet, _least(gen, left.r1, right.r1), _least(gen, left.c1, right.c1),
                _most(gen, left.r2, right.r2), _most(gen, left.c2, right.c2),
                gen.err(gen.chain([left.e, right.e])), _enclosing(left.within, right.within))


def _window_sum(gen: Generator, box: _Box) -> Val | None:
    """SUM of one span (``box``) over a long column (row) that it never leaves across: the
    trial's window of the column's numbers, gathered once per trial (``_offset_window``'s
    tracks: text, logicals and blanks 0, which SUM adds as it skips them), summed left to
    right by one loop, its first error found by one more; None where the span is not of
    that form."""
    from ._offset_window import WINDOW_MIN, first_error, gathered_cells

    w = box.within
    if w.c1 == w.c2 and box.c1.lo == box.c1.hi == box.c2.lo == box.c2.hi == w.c1:
        lo, hi, start = box.r1, box.r2, w.r1
    elif w.r1 == w.r2 and box.r1.lo == box.r1.hi == box.r2.lo == box.r2.hi == w.r1:
        lo, hi, start = box.c1, box.c2, w.c1
    else:
        return None
    cells = gen.area_cells(w)
    if len(cells) < max(WINDOW_MIN, SPAN_WINDOW):
        return None
    zv, ze, at = gathered_cells(gen, cells)
    ok = f"({box.e} == 0)"
    i0 = gen.value(f"sel({ok}, {lo.v} - {lit(float(start))}, 0.0) + {lit(float(at))}")
    n = gen.value(f"sel({ok}, {hi.v} - {lo.v} + 1.0, 1.0)")
    size = len(cells)
    win = gen.scratch(size)
    gen.value(f"fill_kv({win}, 0, {zv}, int({i0}), int({n}))")
    total = gen.value(f"arr_sum({win}, int({n}), -0.0)")
    e = first_error(gen, ze, i0, n, size)
    return gen.result(total, [errors_of(gen.err(gen.chain([box.e, e])))])


def _masked(gen: Generator, box: _Box, c: CellRef) -> Val:
    """Cell ``c`` where the trial's range holds it, else blank; the range's error first."""
    conds: list[str] = []
    for x, at, first in ((box.r1, c.row, True), (box.c1, c.col, True),
                         (box.r2, c.row, False), (box.c2, c.col, False)):
        if (x.hi <= at) if first else (x.lo >= at):
            continue   # always holds
        if (x.lo > at) if first else (x.hi < at):
            return Val("0.0", box.e, KBLANK, 0.0, 0.0)   # never inside
        conds.append(f"({x.v} <= {lit(float(at))})" if first else
                     f"({x.v} >= {lit(float(at))})")
    pos = "2.0" if not conds else gen.value(f"sel({' & '.join(conds)}, 2.0, 1.0)")
    return gen._gathered(pos, [BLANK_CELL, gen.operand(c)], [box.e], missing=False)


def _side(gen: Generator, node: ir.Node) -> _Box:
    """One side of the operator as numpy's ``_reference`` follows it."""
    if isinstance(node, ir.Ref | ir.Area):
        a = _area(node)
        return _Box(a.sheet, _Coord.fixed(a.r1), _Coord.fixed(a.c1), _Coord.fixed(a.r2),
                    _Coord.fixed(a.c2), "0", a)
    if isinstance(node, ir.Call) and node.name == "INDEX" and 2 <= len(node.args) <= 3 and \
            isinstance(node.args[0], ir.Ref | ir.Area):
        return _index_side(gen, node)
    if isinstance(node, ir.Call) and node.name == "XLOOKUP":
        return _xlookup_side(gen, node)
    raise NotFusable("range operator ':' with a computed reference other than INDEX or "
                     "XLOOKUP")


def _index_side(gen: Generator, node: ir.Call) -> _Box:
    """INDEX(range, i[, j]) as a reference (``_computed_refs``: a position 0 the whole
    range's rows or columns; errors: the row's, the column's, #VALUE! below 0, #REF! past
    the range)."""
    base = _area(node.args[0])
    rows, cols = base.r2 - base.r1 + 1, base.c2 - base.c1 + 1
    i = gen._index_position(node.args[1])
    if len(node.args) == 3:
        j = gen._index_position(node.args[2])
    elif cols == 1:
        j = gen._index_position(ir.Num(1.0))
    elif rows == 1:
        i, j = gen._index_position(ir.Num(1.0)), i
    else:
        j = gen._index_position(ir.Missing())
    neg = [f"({k.v} < 0.0)" for k in (i, j) if k.lo < 0.0]
    past = [f"({k.v} > {lit(float(n))})" for k, n in ((i, rows), (j, cols)) if k.hi > n]
    e = gen.err(gen.chain([i.e, j.e], [(" | ".join(neg), VALUE) if neg else None,
                                       (" | ".join(past), REF) if past else None]))
    (r1, r2), (c1, c2) = _line(gen, i, base.r1, base.r2), _line(gen, j, base.c1, base.c2)
    return _Box(base.sheet, r1, c1, r2, c2, e, base)


def _line(gen: Generator, k: _Pos, first: int, last: int) -> tuple[_Coord, _Coord]:
    """The first and last row (column) position ``k`` names of ``first..last``: all of
    them at 0, the one at k (clipped into them: outside, the side is an error) else."""
    lo, hi = max(k.lo, 0.0), min(k.hi, float(last - first + 1))
    if lo == hi == 0.0:
        return _Coord.fixed(first), _Coord.fixed(last)
    at = gen.value(f"min(max({k.v}, 1.0), {lit(float(last - first + 1))}) + "
                   f"{lit(float(first - 1))}")
    one = _Coord(at, first + max(lo, 1.0) - 1, first + max(hi, 1.0) - 1)
    if lo >= 1.0:
        return one, one
    zero = f"({k.v} == 0.0)"
    return (_Coord(gen.value(f"sel({zero}, {lit(float(first))}, {at})"), first, one.hi),
            _Coord(gen.value(f"sel({zero}, {lit(float(last))}, {at})"), one.lo, last))


def _xlookup_side(gen: Generator, node: ir.Call) -> _Box:
    """XLOOKUP(key, lookup, return[, , mode, search]) of written ranges as a reference: the
    row (column) of ``return`` at XMATCH's position; no if_not_found value."""
    args = node.args
    if not 3 <= len(args) <= 6 or not all(isinstance(a, ir.Ref | ir.Area) for a in args[1:3]) \
            or (len(args) > 3 and not isinstance(args[3], ir.Missing)):
        raise NotFusable("range operator ':' with an XLOOKUP that is not a reference")
    look, ret = _area(args[1]), _area(args[2])
    lr, lc = look.r2 - look.r1 + 1, look.c2 - look.c1 + 1
    rr, rc = ret.r2 - ret.r1 + 1, ret.c2 - ret.c1 + 1
    if (lr != 1 and lc != 1) or (lc == 1 and lr != rr) or (lc != 1 and lc != rc):
        raise NotFusable("range operator ':' with an XLOOKUP that is not a reference")
    modes = [args[i] if len(args) > i and not isinstance(args[i], ir.Missing)
             else ir.Num(default) for i, default in ((4, 0.0), (5, 1.0))]
    match = ir.Call("XMATCH", (args[0], args[1], *modes))
    gen.array_ir.append(match)   # kept alive: constants are keyed by node id
    k = gen.number(match)
    n = rr if lc == 1 else rc
    first = ret.r1 if lc == 1 else ret.c1
    at = gen.value(f"min(max({k.v}, 1.0), {lit(float(n))}) + {lit(float(first - 1))}")
    lo = first + max(min(k.lo, n), 1.0) - 1
    hi = first + min(max(k.hi, 1.0), n) - 1
    one = _Coord(at, lo, hi)
    if lc == 1:
        return _Box(ret.sheet, one, _Coord.fixed(ret.c1), one, _Coord.fixed(ret.c2), k.e, ret)
    return _Box(ret.sheet, _Coord.fixed(ret.r1), one, _Coord.fixed(ret.r2), one, k.e, ret)


def _least(gen: Generator, a: _Coord, b: _Coord) -> _Coord:
    if a.hi <= b.lo:
        return a
    if b.hi <= a.lo:
        return b
    return _Coord(gen.value(f"min({a.v}, {b.v})"), min(a.lo, b.lo), min(a.hi, b.hi))


def _most(gen: Generator, a: _Coord, b: _Coord) -> _Coord:
    if a.lo >= b.hi:
        return a
    if b.lo >= a.hi:
        return b
    return _Coord(gen.value(f"max({a.v}, {b.v})"), max(a.lo, b.lo), max(a.hi, b.hi))


def _enclosing(a: ir.Area, b: ir.Area) -> ir.Area:
    return ir.Area(a.sheet, min(a.r1, b.r1), min(a.c1, b.c1), max(a.r2, b.r2),
                   max(a.c2, b.c2))


def _area(node: ir.Node) -> ir.Area:
    if isinstance(node, ir.Area):
        return ir.Area(node.sheet, node.r1, node.c1, node.last_row, node.last_col)
    assert isinstance(node, ir.Ref)
    c = node.cell
    return ir.Area(c.sheet, c.row, c.col, c.row, c.col)


__all__ = ["SPAN_READERS", "is_span", "span_ranges"]
