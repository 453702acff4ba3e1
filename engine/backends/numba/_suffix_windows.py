"""SUMPRODUCT over windows of one column that start a row lower every row (used by
:meth:`._aggregates.AggregatesMixin.fn_sumproduct`).

``=SUMPRODUCT(D6:$D$56, E7:$E$57, C6:$C$56)`` copied down a column (ianjharkin
edu-2012-c13-01, sheets 13.3 / 13.7 / 18.x: present values of the remaining years of a
policy) reads, in row ``r``, the cells from row ``r`` to a fixed last row.  Unrolled, each
cell multiplied and added every cell of its window (lines growing with the square of the
rows: 18.8!J, 51 cells, 7,126 lines, and the book "too large"); gathered, each cell copied
its own window into a scratch of its own size (:meth:`._gather.GatherMixin.gathered`), so
no two cells had the same lines and none became a family.

Here every column such windows read (one sheet, one column: a *track*) is copied once per
trial into a shared scratch, from the highest row to the lowest (as read) that SUMPRODUCTs
of the slice read of it where they read it through two windows or more, by the first cell
whose every cell of the track is computed (the *owner*; a cell reading a track some of
whose cells come later in the order waits for them, unless one of them reads it); each cell then calls the
runtime's ``arr_dot_at`` / ``arr_dot3_at`` with its window's offset into each track and its
length.  Windows growing a row every row (``SUMPRODUCT($B$1:B7, $D$1:D7)``) and sliding
ones are read so too.  The offsets and lengths are written as float literals (``12.0``):
the families (:func:`._families.find_families` with ``literal``) make a literal that
differs among members an operand, so the whole column is one loop of one line a row.
A cell names the owner's value (``_after``), which orders it after the copy.

Values are numpy's (``functions.math.sumproduct``): ``0.0 + a0*b0*c0 + a1*b1*c1 ...`` left
to right, the unrolled lines' additions, over cells whose kind is the same in every trial
(text, logicals and blanks read as 0); a track whose cells may be errors has a second
shared copy of their codes, and the first non-zero code in each argument's window
(``arr_err_at``), argument by argument, is the cell's error, as numpy's first error.
Anything else (a row-shaped range, a cell of a kind that varies, a track one of whose
cells is not computed yet or is left to numpy, a shape mismatch) returns None: the plain
SUMPRODUCT.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ... import ir
from ...workbook import CellRef
from . import _intervals as iv
from ._values import KANY, KNUM, ZERO, NotFusable, NotYet, Val, errors_of

if TYPE_CHECKING:
    from ._codegen import Generator

TRACK_MIN = 8   # cells of a track from which windows over it read one shared copy
_ARGS_MAX = 3   # arguments the runtime reduces (arr_dot_at, arr_dot3_at)
_ERROR = re.compile(r"^(?:0|w\d+)$")   # a cell's error code: none, or its own ``w``
_SHAREABLE = re.compile(r"^(?:[xvk]\d+|ur\[\d+, b\]|-?\d+(?:\.\d*)?(?:e[-+]?\d+)?)$")
Track = tuple[str, int]   # sheet, column


def _column(a: ir.Node) -> bool:
    return isinstance(a, ir.Area) and a.c1 == a.c2 and a.cols in (0, 1)


def _track_spans(g: Generator) -> dict[Track, tuple[int, int, int]]:
    """Per column that SUMPRODUCTs of the slice read: (the highest first row, the lowest last
    row as read, the number of different windows)."""
    got = g.__dict__.get("_suffix_tracks_")
    if got is None:
        windows: dict[Track, set[tuple[int, int]]] = {}
        for c in g.program.steps:
            for n in ir.walk(g.model.code(c).node):
                if isinstance(n, ir.Call) and n.name == "SUMPRODUCT" and n.args and \
                        all(_column(a) for a in n.args):
                    for a in n.args:
                        windows.setdefault((a.sheet, a.c1), set()).add((a.r1, a.r2))
        got = {t: (min(w[0] for w in ws), max(w[1] for w in ws), len(ws))
               for t, ws in windows.items()}
        g.__dict__["_suffix_tracks_"] = got
    return got


def _ready_values(g: Generator, track: Track, top: int, last: int
                  ) -> tuple[list[Val], list[str]] | None:
    """This trial's values of the track's cells from row ``top`` to ``last`` and their error codes
    (``0`` or a cell's ``w``), where each is computed already (or an input, or a constant)
    and of one kind in every trial; else None."""
    sheet, col = track
    vals, errs = [], []
    for r in range(top, last + 1):
        c = CellRef(sheet, r, col)
        if c in g.steps and c not in g.cells:
            return None   # left to numpy (or later in the order: _wait_for)
        try:
            v = g.operand(c)
        except NotFusable:
            return None
        if v.kind == KANY or not _ERROR.match(v.e):
            return None   # a kind that varies per trial, an error of another form
        errs.append(v.e)
        if v.kind != KNUM:
            v = ZERO      # text, a logical, a blank: 0 (math._numbers_or_zero)
        elif not _SHAREABLE.match(v.v):
            return None
        vals.append(v)
    return vals, errs


def _wait_for(g: Generator, track: Track, top: int, last: int) -> None:
    """NotYet (the cell generated again once it is) for the lowest cell of the track that is
    later in the generator's order, unless that cell reads the cell being generated (its
    own window's cells are read through it): then the plain SUMPRODUCT."""
    done = getattr(g, "done", None)
    if done is None:
        return
    sheet, col = track
    for r in range(last, top - 1, -1):
        c = CellRef(sheet, r, col)
        if c in g.steps and c not in g.cells and c not in done:
            if not _reads(g, c, g.cell, done):
                raise NotYet(c)
            return


def _reads(g: Generator, c: CellRef, target: CellRef, done: set) -> bool:
    """Whether ``c`` reads ``target``, directly or through cells not generated yet."""
    seen, stack = {c}, [c]
    while stack:
        x = stack.pop()
        for d in g.model.code(x).deps:
            if d == target:
                return True
            if d in g.steps and d not in done and d not in seen:
                seen.add(d)
                stack.append(d)
    return False


def _track_copy(g: Generator, track: Track, top: int, last: int
                ) -> tuple[str, str | None, list[Val]] | None:
    """The shared scratches holding the track's rows ``top`` to ``last`` this trial (copied by the
    first cell that can): its numbers, its error codes (None: never an error), and its
    values."""
    memo = g._gather_memo()
    key = ("suffix", track, top, last)
    got = memo.get(key)
    if got is not None and g._owner_valid(got[1]):
        g._after(got[1])
        return got[0], got[2], got[3]
    ready = _ready_values(g, track, top, last)
    if ready is None:
        return None
    vals, errs = ready
    z = g._fill(vals)
    ze = None
    if any(e != "0" for e in errs):   # zeros, then the codes of cells that may be errors
        ze = g.scratch(len(errs))
        g.shared_scratch.add(ze)
        g.lines.append(f"{ze}[0:{len(errs)}] = 0.0")
        g.lines += [f"{ze}[{k}] = {e}" for k, e in enumerate(errs) if e != "0"]
    owner = (g.cell, g.cell_number)
    memo[key] = (z, owner, ze, vals)
    # an ordered copy of those values, for windows of other shapes over them
    # (``SUMPRODUCT($B$1:B7, ..)`` copies a stretch of it: _gather._stretch_copy)
    names = tuple(v.v for v in vals)
    memo.setdefault(("ordered", names), (z, owner))
    g._index_ordered(names)
    return z, ze, vals


def window_sumproduct(g: Generator, node: ir.Call) -> Val | None:
    """SUMPRODUCT of 2 or 3 column ranges, one of whose columns SUMPRODUCTs of the slice
    read through different windows (see the module docstring), or None: the plain one."""
    args = node.args
    if not 2 <= len(args) <= _ARGS_MAX or not all(_column(a) for a in args):
        return None
    areas: list[ir.Area] = list(args)   # type: ignore[arg-type]
    if len({a.declared_shape for a in areas}) > 1 and len({a.shape for a in areas}) > 1:
        return None   # math.sumproduct's mismatch (#VALUE!): the plain path
    spans = _track_spans(g)
    tracks = [(a.sheet, a.c1) for a in areas]
    if not any(spans.get(t, (0, 0, 1))[2] > 1 for t in tracks):
        return None   # no other window over the column: its own range is read as before
    n = min(a.shape[0] for a in areas)
    memo = g._gather_memo()
    for a, t in zip(areas, tracks, strict=True):   # all ready before any line is made
        top, last, _ = spans.get(t, (a.r1, a.r2, 1))   # (not found: a node made here)
        if last - top + 1 < TRACK_MIN or a.r1 < top or a.r2 > last:
            return None
        got = memo.get(("suffix", t, top, last))
        if got is None or not g._owner_valid(got[1]):
            _wait_for(g, t, top, last)
    parts: list[tuple[str, int]] = []
    elems: list[list[Val]] = []
    errs: list[str] = []
    for a, t in zip(areas, tracks, strict=True):
        top, last, _ = spans.get(t, (a.r1, a.r2, 1))
        got = _track_copy(g, t, top, last)
        if got is None:
            return None
        z, ze, vals = got
        off = a.r1 - top
        parts.append((z, off))
        elems.append(vals[off:off + n])
        if ze is not None:   # every cell the argument reads, argument by argument
            errs.append(f"arr_err_at({ze}, {float(off)!r}, {float(a.shape[0])!r})")
    fn = "arr_dot_at" if len(parts) == 2 else "arr_dot3_at"
    call = ", ".join(f"{z}, {float(off)!r}" for z, off in parts)
    bounds = iv.total(_product(k, elems) for k in range(n))
    total = g.value(f"{fn}({call}, {float(n)!r})")
    return g.result(total, [errors_of(g.err(g.chain(errs)))], bounds=bounds)


def _product(k: int, elems: list[list[Val]]) -> iv.Interval:
    out: iv.Interval = (1.0, 1.0)
    for vals in elems:
        out = iv.mul(out, vals[k].iv)
    return out
