"""OFFSET ranges of a position and size that vary per trial over long stretches of cells,
read by a gather per trial instead of a choice per cell (used by :mod:`._offset`).

``SUMPRODUCT(C226:C$425, OFFSET(C$428, 0, 0, COUNT($B$225:$B$425) - $B633, 1))`` (tamc
offsets.xlsx: 200 such cells over 200-row columns) names, per trial, a column of ``h`` cells
starting ``dr`` rows below its base.  Unrolled, every cell of the range would be a choice
among the cells its bounds allow (rows x candidates lines).  Here the cells the OFFSET may
reach along its one varying axis (its *candidates*) are copied once per trial into a shared
scratch array, in order, with a second array coding each cell's error as
``(row * 16384 + column) * 256 + code`` (1e300 where none: the least is the first error in
order); a cell over the same cells, or over a stretch of them, reads the same arrays, and
one over more cells copies an earlier stretch inside them by one loop and adds the rest.  Per
cell the kernel then copies the trial's window (``fill_kv`` from a computed start) and
reduces it by the runtime's loops (``arr_dot``, ``arr_min``): a handful of lines whatever
the length.  The CUDA twin needs nothing new: ``fill_kv``/``arr_dot``/``arr_min`` have
twins, and ``int(t)`` translates.

Values are numpy's (``functions.math.sumproduct``, one group of trials of one size at a
time): the first error of every element, argument by argument in order (an OFFSET that is
#REF! in the trial contributes its #REF!), else #VALUE! where the trial's height and width
are not the other range's, else ``0.0 + a0*b0 + a1*b1 ...`` left to right (text, logicals
and blanks 0), the same additions as the unrolled kernel and numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ... import ir
from ...values import REF, VALUE
from ...workbook import CellRef
from ._values import KBLANK, KBOOL, KNUM, KSTR, NotFusable, Val, code, errors_of, lit

if TYPE_CHECKING:
    from ._codegen import Generator

NO_ERROR = "1e300"   # the coded error of a cell that is not an error
WINDOW_MIN = 2       # cells from which a window is gathered rather than chosen cell by cell


def _cell_val(g: Generator, c: CellRef) -> Val:
    """The value of candidate cell ``c`` as OFFSET reads it (``OffsetMixin._offset_cell``: a
    formula outside the slice that is the same in every trial is its constant)."""
    node = g._offset_cell(c)
    stand_ins = g.__dict__.get("_offset_stand_ins", {})
    if id(node) in stand_ins:
        return stand_ins[id(node)][1]
    return g.expr(node)


@dataclass
class _Track:
    """The cells of one column (row) of a sheet gathered per trial from ``anchor`` on: their
    numbers in ``zv`` and coded errors in ``ze`` (index: position - anchor), and which cell
    of the kernel wrote each position (rows a dropped cell wrote are written again)."""

    anchor: int
    zv: str
    ze: str
    written: dict[int, tuple[tuple[object, int], str]] = field(default_factory=dict)


def _static_start(g: Generator, sheet: str, axis: str, line: int) -> int | None:
    """The first row (column) of the ranges and cells the slice's formulas name in that
    column (row): where a track of it starts, so later cells rarely reach above it."""
    areas = g.__dict__.get("_window_areas")
    if areas is None:
        areas = g.__dict__["_window_areas"] = [
            x for c in g.program.steps for x in ir.walk(g.model.code(c).node)
            if isinstance(x, ir.Area | ir.Ref)]
    best = None
    for x in areas:
        a = x if isinstance(x, ir.Area) else ir.Area(x.cell.sheet, x.cell.row, x.cell.col,
                                                     x.cell.row, x.cell.col)
        if a.sheet != sheet:
            continue
        if axis == "col" and a.c1 <= line <= a.last_col:
            best = a.r1 if best is None else min(best, a.r1)
        elif axis == "row" and a.r1 <= line <= a.last_row:
            best = a.c1 if best is None else min(best, a.c1)
    return best


def gathered_cells(g: Generator, cells: list[CellRef]) -> tuple[str, str, int]:
    """Shared scratch arrays holding this trial's numbers of ``cells`` (one row or column,
    in order; text, logicals and blanks 0: SUMPRODUCT's elements) and their coded errors,
    and the index of ``cells[0]`` in them.  One pair of arrays per column (row) of a sheet
    (a track): a cell writes the positions no earlier cell wrote, one line each, after the
    track's last writer; so a column read by 200 cells, each a row longer, costs a line or
    two per cell."""
    first, last = cells[0], cells[-1]
    if first.col == last.col and last.row - first.row + 1 == len(cells):
        axis, line, start, pos = "col", first.col, first.row, [c.row for c in cells]
    elif first.row == last.row and last.col - first.col + 1 == len(cells):
        axis, line, start, pos = "row", first.row, first.col, [c.col for c in cells]
    else:
        raise NotFusable("OFFSET beside a range of several rows and columns")
    tracks: list[_Track] = g.__dict__.setdefault("_window_tracks", {}).setdefault(
        (first.sheet, axis, line), [])
    track = next((t for t in tracks if t.anchor <= start), None)
    if track is None:
        anchor = _static_start(g, first.sheet, axis, line)
        anchor = start if anchor is None or anchor > start or \
            any(t.anchor >= anchor for t in tracks) else anchor
        track = _Track(anchor, g.scratch(1), g.scratch(1))
        g.shared_scratch.update((track.zv, track.ze))
        tracks.append(track)
        tracks.sort(key=lambda t: -t.anchor)
    me = (g.cell, g.cell_number)
    mine = set(g.lines)
    for p, (owner, line_text) in list(track.written.items()):
        # a cell dropped (left to numpy) wrote nothing; nor did this cell's earlier try
        # (it waited for a later cell: its lines were discarded, its number may be the same)
        if not (line_text in mine if owner == me else g._owner_valid(owner)):
            del track.written[p]
    if track.written:
        g._after(max((o for o, _ in track.written.values()), key=lambda o: o[1]))
    missing = [(p, c) for p, c in zip(pos, cells, strict=True) if p not in track.written]
    vals = [_cell_val(g, c) for _, c in missing]
    for v in vals:
        if v.kind not in (KNUM, KBOOL, KSTR, KBLANK):
            raise NotFusable("OFFSET over a cell whose kind varies per trial")
    for (p, c), v in zip(missing, vals, strict=True):
        j = p - track.anchor
        line_text = f"{track.zv}[{j}] = {v.v if v.kind == KNUM else '0.0'}"
        g.lines.append(line_text)
        rank = lit(float(c.row * 16384 + c.col) * 256.0)
        g.lines.append(f"{track.ze}[{j}] = " + (NO_ERROR if v.e == "0" else
                                                f"sel({v.e} != 0, {rank} + {v.e}, "
                                                f"{NO_ERROR})"))
        track.written[p] = (me, line_text)
    size = max(g.scratches[track.zv], pos[-1] - track.anchor + 1)
    g.scratches[track.zv] = g.scratches[track.ze] = size
    return track.zv, track.ze, start - track.anchor


def first_error(g: Generator, ze: str, start: str, n: str, size: int) -> str:
    """The first error code of ``n`` cells from index ``start`` of the coded errors ``ze``
    (``size`` at most; 0 where none); ``start`` and ``n`` are expressions of numbers."""
    w = g.scratch(size)
    g.value(f"fill_kv({w}, 0, {ze}, int({start}), int({n}))")
    m = g.value(f"arr_min({w}, int({n}))")
    return g.err(f"sel({m} < 1e299, int({m} % 256.0), 0)")


def _axis(base: ir.Area, parts: list[tuple[str, int, int]]
          ) -> tuple[str, tuple[str, int, int], tuple[str, int, int]] | None:
    """("col", rows part, height part) for an OFFSET of one column in a column that is the
    same in every trial, ("row", ...) likewise across; None otherwise."""
    (_, c_lo, c_hi), (_, w_lo, w_hi), (_, h_lo, h_hi) = parts[1], parts[3], parts[2]
    if c_lo == c_hi and w_lo == w_hi == 1:
        return "col", parts[0], parts[2]
    r_lo, r_hi = parts[0][1], parts[0][2]
    if r_lo == r_hi and h_lo == h_hi == 1:
        return "row", parts[1], parts[3]
    return None


def sumproduct_window(g: Generator, args: list[ir.Node]) -> Val | None:
    """SUMPRODUCT of a range of one row or column and an OFFSET of one row or column (in
    either order) whose start and length along it vary per trial, as the module docstring
    says; None where the arguments are not of that form (the caller's paths decide)."""
    if len(args) != 2:
        return None
    k = 0 if isinstance(args[0], ir.Call) else 1
    off, fixed = args[k], args[1 - k]
    if not (isinstance(off, ir.Call) and off.name == "OFFSET" and isinstance(fixed, ir.Area)):
        return None
    base, parts = g._offset_parts(off)
    got = _axis(base, parts)
    if got is None:
        return None
    axis, (s, s_lo, s_hi), (ln, l_lo, l_hi) = got
    rows, cols = fixed.shape
    if (axis == "col" and cols != 1) or (axis == "row" and rows != 1):
        return None
    n = rows if axis == "col" else cols
    if max(l_hi, n) < WINDOW_MIN or l_hi < 1:
        return None
    bad = g._range_ref_error(base, parts)
    first = base.r1 if axis == "col" else base.c1
    p0 = max(s_lo, 1 - first)               # candidates: offsets p0 .. p1 along the axis
    p1 = s_hi + l_hi - 1
    if p1 < p0:
        return None
    fixed_pos = parts[1][1] if axis == "col" else parts[0][1]
    if axis == "col":
        cand = [CellRef(base.sheet, base.r1 + p, base.c1 + fixed_pos) for p in range(p0, p1 + 1)]
    else:
        cand = [CellRef(base.sheet, base.r1 + fixed_pos, base.c1 + p) for p in range(p0, p1 + 1)]
    cells = g.area_cells(fixed)
    xv, xe, xat = gathered_cells(g, cells)
    uv, ue, uat = gathered_cells(g, cand)
    size = len(cand)
    # the trial's window: its start in the candidates (0 where #REF!: read nothing there)
    i0 = g.value(f"sel({bad}, 0.0, {s} - {lit(float(p0))})")
    cnt = g.value(f"sel({bad}, 1.0, {ln})")
    off_err = g.err(f"ck({bad}, {code(REF)})")
    win_err = first_error(g, ue, f"{i0} + {lit(float(uat))}", cnt, size)
    off_first = g.err(f"fe({off_err}, {win_err})")
    fix_first = first_error(g, xe, lit(float(xat)), lit(float(n)), n)
    errs = [fix_first, off_first] if k == 1 else [off_first, fix_first]
    same = g.value(f"({ln} == {lit(float(n))}) & nt({bad})")
    if size < n:   # the trial's range never has the other's length
        total = "0.0"
    else:
        wx = g.scratch(n)
        g.value(f"fill_kv({wx}, 0, {xv}, {xat}, {n})")
        wu = g.scratch(n)
        g.value(f"fill_kv({wu}, 0, {uv}, int(sel({same}, {i0}, 0.0) + {lit(float(uat))}), {n})")
        total = g.value(f"arr_dot({wx}, {wu}, {n})" if k == 1 else f"arr_dot({wu}, {wx}, {n})")
    first_err = errors_of(g.err(g.chain(errs)))
    return g.result(total, [first_err], [(f"nt({same})", VALUE)])


__all__ = ["sumproduct_window"]
