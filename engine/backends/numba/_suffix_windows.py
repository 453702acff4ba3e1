"""SUMPRODUCT over windows of one column that start a row lower every row (used by
:meth:`._aggregates.AggregatesMixin.fn_sumproduct`).

``=SUMPRODUCT(D6:$D$56, E7:$E$57, C6:$C$56)`` copied down a column (ianjharkin
edu-2012-c13-01, sheets 13.3 / 13.7 / 18.x: present values of the remaining years of a
policy) reads, in row ``r``, the cells from row ``r`` to a fixed last row.  Unrolled, each
cell multiplied and added every cell of its window (lines growing with the square of the
rows: 18.8!J, 51 cells, 7,126 lines, and the book "too large"); gathered, each cell copied
its own window into a scratch of its own size (:meth:`._gather.GatherMixin.gathered`), so
no two cells had the same lines and none became a family.

Here every column such windows read (one sheet, one column, one last row as read: a
*track*) is copied once per trial into a shared scratch from the highest row any SUMPRODUCT
of the slice starts it at, by the first cell whose every cell of the track is computed (the
*owner*); each cell then calls the runtime's ``arr_dot_at`` / ``arr_dot3_at`` with its
window's offset into each track and its length.  Those are written as float literals
(``12.0``): the families (:func:`._families.find_families` with ``literal``) make a literal
that differs among members an operand, so the whole column is one loop of one line a row.
A cell names the owner's value (``_after``), which orders it after the copy.

Values are numpy's (``functions.math.sumproduct``): ``0.0 + a0*b0*c0 + a1*b1*c1 ...`` left
to right, the unrolled lines' additions; only windows of numbers that are never errors
(kind and error codes known when generating; text, logicals and blanks that are so in
every trial read as 0) take this path, so there is no first error to
keep.  Anything else (a row-shaped range, a window of another kind, a track one of whose
cells is not computed yet or is left to numpy, a shape mismatch) returns None: the plain
SUMPRODUCT.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ... import ir
from ...workbook import CellRef
from . import _intervals as iv
from ._values import KANY, KNUM, ZERO, NotFusable, Val, errors_of

if TYPE_CHECKING:
    from ._codegen import Generator

TRACK_MIN = 8   # cells of a track from which windows over it read one shared copy
_ARGS_MAX = 3   # arguments the runtime reduces (arr_dot_at, arr_dot3_at)
_SHAREABLE = re.compile(r"^(?:[xvk]\d+|ur\[\d+, b\]|-?\d+(?:\.\d*)?(?:e[-+]?\d+)?)$")
Track = tuple[str, int, int]   # sheet, column, last row read


def _column(a: ir.Node) -> bool:
    return isinstance(a, ir.Area) and a.c1 == a.c2 and a.cols in (0, 1)


def _track_tops(g: Generator) -> dict[Track, tuple[int, int]]:
    """Per track that SUMPRODUCTs of the slice read: (the highest first row, the number of
    different first rows)."""
    got = g.__dict__.get("_suffix_tracks_")
    if got is None:
        starts: dict[Track, set[int]] = {}
        for c in g.program.steps:
            for n in ir.walk(g.model.code(c).node):
                if isinstance(n, ir.Call) and n.name == "SUMPRODUCT" and n.args and \
                        all(_column(a) for a in n.args):
                    for a in n.args:
                        starts.setdefault((a.sheet, a.c1, a.r2), set()).add(a.r1)
        got = {t: (min(rs), len(rs)) for t, rs in starts.items()}
        g.__dict__["_suffix_tracks_"] = got
    return got


def _ready_values(g: Generator, track: Track, top: int) -> list[Val] | None:
    """This trial's values of the track's cells from row ``top`` on, where each is computed
    already (or an input, or a constant), a number and never an error; else None."""
    sheet, col, last = track
    out = []
    for r in range(top, last + 1):
        c = CellRef(sheet, r, col)
        if c in g.steps and c not in g.cells:
            return None   # later in the order, or left to numpy
        try:
            v = g.operand(c)
        except NotFusable:
            return None
        if v.kind == KANY or v.e != "0":
            return None   # a kind or an error that varies per trial
        if v.kind != KNUM:
            v = ZERO      # text, a logical, a blank: 0 (math._numbers_or_zero)
        elif not _SHAREABLE.match(v.v):
            return None
        out.append(v)
    return out


def _track_copy(g: Generator, track: Track, top: int) -> tuple[str, list[Val]] | None:
    """The shared scratch holding the track from row ``top`` this trial (copied by the first
    cell that can), and its values."""
    memo = g._gather_memo()
    key = ("suffix", track, top)
    got = memo.get(key)
    if got is not None and g._owner_valid(got[1]):
        g._after(got[1])
        return got[0], got[2]
    vals = _ready_values(g, track, top)
    if vals is None:
        return None
    z = g._fill(vals)
    memo[key] = (z, (g.cell, g.cell_number), vals)
    return z, vals


def window_sumproduct(g: Generator, node: ir.Call) -> Val | None:
    """SUMPRODUCT of 2 or 3 column ranges of tracks read by windows that start on different
    rows (see the module docstring), or None: the plain SUMPRODUCT."""
    args = node.args
    if not 2 <= len(args) <= _ARGS_MAX or not all(_column(a) for a in args):
        return None
    areas: list[ir.Area] = list(args)   # type: ignore[arg-type]
    if len({a.declared_shape for a in areas}) > 1 and len({a.shape for a in areas}) > 1:
        return None   # math.sumproduct's mismatch (#VALUE!): the plain path
    tops = _track_tops(g)
    tracks = [(a.sheet, a.c1, a.r2) for a in areas]
    if not any(tops.get(t, (0, 1))[1] > 1 for t in tracks):
        return None   # no window moves: each cell's own range is read as before
    n = min(a.shape[0] for a in areas)
    parts: list[tuple[str, int]] = []
    elems: list[list[Val]] = []
    for a, t in zip(areas, tracks, strict=True):
        top = tops[t][0] if t in tops else a.r1   # (an area of a node made while generating)
        if t[2] - top + 1 < TRACK_MIN or a.r1 < top:
            return None
        got = _track_copy(g, t, top)
        if got is None:
            return None
        z, vals = got
        off = a.r1 - top
        parts.append((z, off))
        elems.append(vals[off:off + n])
    fn = "arr_dot_at" if len(parts) == 2 else "arr_dot3_at"
    call = ", ".join(f"{z}, {float(off)!r}" for z, off in parts)
    bounds = iv.total(_product(k, elems) for k in range(n))
    total = g.value(f"{fn}({call}, {float(n)!r})")
    return g.result(total, [errors_of("0")], bounds=bounds)


def _product(k: int, elems: list[list[Val]]) -> iv.Interval:
    out: iv.Interval = (1.0, 1.0)
    for vals in elems:
        out = iv.mul(out, vals[k].iv)
    return out
