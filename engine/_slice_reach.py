"""The cells an OFFSET or INDIRECT reads, for the compiled slice (private to :mod:`engine.model`).

A formula's dependencies are the references written in it; OFFSET and INDIRECT compute the
reference they read while they run (OFFSET's base is where it starts, not a cell it reads).
Where the arguments that place the reference (OFFSET's rows, cols, height and width,
INDIRECT's text) read no cell that varies per trial, no input and no random stream, the
reference is the same in every trial: it is found by running that part of the formula once
on the deterministic values, with an environment that records the formula cells it reads
instead of computing them.  The compiled slice then holds those cells (and what they read),
so a backend reads their per-trial values, and the reader comes after them in the order.

A reference whose place varies per trial is left as before (numpy computes a formula cell it
reaches when it reaches it; a fused kernel reads such a cell as a constant where it is one).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from . import ir
from .compiler import compile_formula
from .functions.lambdas import LAMBDA_CALLS
from .values import Vec, from_scalar
from .workbook import CellRef

if TYPE_CHECKING:
    from .model import Model

log = logging.getLogger(__name__)

MAX_REACH_CELLS = 100_000   # formula cells the dynamic references of one slice may add
MAX_REGION_CELLS = 1_024    # formula cells one OFFSET placed differently per trial may add
_READ_NOTHING = frozenset({"ROW", "COLUMN", "ROWS", "COLUMNS", "ISREF", "AREAS", "CELL"})


def _is_dynamic(x: ir.Node) -> bool:
    return isinstance(x, ir.Call) and x.name in ir.DYNAMIC_REFERENCES


def _placed_parts(node: ir.Node) -> list[tuple[ir.Node, list[ir.Node]]] | None:
    """The parts of ``node`` that compute a reference (an OFFSET or INDIRECT call, or a
    range ``A1:OFFSET(...)`` with one at a side), each with the arguments that place it
    (all of an OFFSET of a computed base).  A part under ROW/COLUMN/ROWS/COLUMNS/ISREF/
    AREAS/CELL reads no cell and is skipped.  None where ``node`` holds LET or LAMBDA
    outside the parts (their names do not run alone)."""
    out: list[tuple[ir.Node, list[ir.Node]]] = []
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, ir.Call) and x.name in LAMBDA_CALLS:
            return None
        if isinstance(x, ir.Call) and x.name in _READ_NOTHING:
            continue
        if isinstance(x, ir.Binary) and x.op == ":" and (_is_dynamic(x.left) or
                                                         _is_dynamic(x.right)):
            args: list[ir.Node] = []
            for side in (x.left, x.right):
                if _is_dynamic(side):
                    args.extend(_placing_args(side))
                elif not isinstance(side, ir.Ref | ir.Area):   # a written end is a place
                    args.append(side)
            out.append((x, args))
            continue
        if _is_dynamic(x):
            out.append((x, _placing_args(x)))
            continue
        stack.extend(ir.children(x))
    return out


def _placing_args(call: ir.Node) -> list[ir.Node]:
    assert isinstance(call, ir.Call)
    if call.name == "OFFSET" and call.args and isinstance(call.args[0], ir.Ref | ir.Area):
        return list(call.args[1:])
    return list(call.args)   # INDIRECT's text; an OFFSET of a computed base: all of it


def dynamic_reach(model: Model, cells: Iterable[CellRef], varies: Callable[[CellRef], bool],
                  inputs: set[CellRef], values: Mapping[CellRef, Vec], now: float,
                  held: set[CellRef], budget: int = MAX_REACH_CELLS
                  ) -> dict[CellRef, list[CellRef]]:
    """For each of ``cells`` that has an OFFSET or INDIRECT placed the same in every trial
    (its placing arguments read no cell that ``varies``, no input, no random stream): the
    formula cells they read there, run once on ``values`` (the deterministic pass); for an
    OFFSET placed per trial, the span it may reach (:func:`_offset_region`).  At most
    ``budget`` distinct cells not ``held`` (the slice's cells) in all (a reader whose cells
    would pass it is left out, with a log line).  A part written alike in
    many cells (a copied formula) is run once per sheet."""
    env = _ReachEnv(model, values, now)
    out: dict[CellRef, list[CellRef]] = {}
    memo: dict[tuple[ir.Node, object], list[CellRef]] = {}
    place_free: dict[ir.Node, bool] = {}
    found: set[CellRef] = set()
    skipped = 0
    for c in cells:
        if not model.is_formula(c):
            continue
        node = model.code(c).node
        parts = _placed_parts(node)
        if parts is None:
            continue   # LET/LAMBDA names: a part does not run alone
        got: dict[CellRef, None] = {}
        for part, args in parts:
            free = place_free.get(part)
            if free is None:
                free = place_free[part] = _place_free(part)
            key = (part, c.sheet if free else c)
            reached = memo.get(key)
            if reached is None:
                reached = memo[key] = _part_reach(model, env, part, args, c, varies, inputs)
            got.update(dict.fromkeys(reached))
        got.pop(c, None)
        if not got:
            continue
        new = {r for r in got if r not in held and r not in found}
        if len(found) + len(new) > budget:
            skipped += 1
            continue
        found |= new
        out[c] = list(got)
    if skipped:
        log.info("%d cells' OFFSET/INDIRECT reach is left out of the compiled slice (over %d "
                 "cells in all)", skipped, budget)
    return out


def _part_reach(model: Model, env: _ReachEnv, part: ir.Node, args: list[ir.Node],
                at: CellRef, varies: Callable[[CellRef], bool], inputs: set[CellRef]
                ) -> list[CellRef]:
    """The formula cells ``part`` (of a formula in cell ``at``) may read."""
    fixed = [_fixed(model, at, a, varies, inputs) for a in args]
    if all(fixed):
        return env.reads(part, at)
    if isinstance(part, ir.Call) and part.name == "OFFSET" and \
            isinstance(part.args[0], ir.Ref | ir.Area):
        return _offset_region(model, env, part, fixed, at)
    return []


def _place_free(part: ir.Node) -> bool:
    """Whether ``part`` runs alike in any cell of its sheet: no ROW()/COLUMN() of its own
    cell, no CELL, no INDIRECT of R1C1 text (relative to its cell)."""
    for x in ir.walk(part):
        if isinstance(x, ir.Call) and ((x.name in ("ROW", "COLUMN") and not x.args) or
                                       x.name == "CELL" or
                                       (x.name == "INDIRECT" and len(x.args) > 1)):
            return False
    return True


def _offset_region(model: Model, env: _ReachEnv, call: ir.Call, fixed: list[bool],
                   at: CellRef) -> list[CellRef]:
    """The formula cells an OFFSET some of whose arguments vary per trial may read: its
    rows (columns) where its rows and height (cols and width) are the same in every trial,
    else every row (column) of the sheet from where the range may start; none where those
    are more than ``MAX_REGION_CELLS`` (the reader left as before)."""
    base = call.args[0]
    if isinstance(base, ir.Ref):
        base = ir.Area(base.cell.sheet, base.cell.row, base.cell.col, base.cell.row,
                       base.cell.col)
    assert isinstance(base, ir.Area)
    sheet = model.workbook.sheets.get(base.sheet)
    if sheet is None or len(call.args) < 3:
        return []
    parts: list[int | None] = []
    for k, default in enumerate((0, 0, *base.declared_shape)):
        a = call.args[k + 1] if k + 1 < len(call.args) else ir.Missing()
        parts.append(default if isinstance(a, ir.Missing) else
                     env.number(a, at) if fixed[k] else None)
    dr, dc, h, w = parts
    spans = []
    for d, size, first, last in ((dr, h, base.r1, max(sheet.max_row, 1)),
                                 (dc, w, base.c1, max(sheet.max_col, 1))):
        lo = 1 if d is None else first + d
        hi = last if d is None or size is None else first + d + size - 1
        spans.append((max(lo, 1), min(hi, last)))
    (r1, r2), (c1, c2) = spans
    if r1 > r2 or c1 > c2:
        return []
    cells = model._formulas_in(ir.Area(base.sheet, r1, c1, r2, c2))
    if len(cells) > MAX_REGION_CELLS:
        log.info("%s: an OFFSET may read %d formula cells: they are left out of the compiled "
                 "slice", at, len(cells))
        return []
    return list(cells)


def _fixed(model: Model, at: CellRef, arg: ir.Node, varies: Callable[[CellRef], bool],
           inputs: set[CellRef]) -> bool:
    """Whether ``arg`` is the same in every trial: no computed reference, no LET name, no
    random stream, and no input or varying cell among the cells it reads."""
    for x in ir.walk(arg):
        if isinstance(x, ir.Call) and (x.name in ir.DYNAMIC_REFERENCES or
                                       x.name in LAMBDA_CALLS):
            return False
    for r in ir.read_references(arg):
        if isinstance(r, ir.Ref):
            if r.cell in inputs or varies(r.cell):
                return False
            continue
        if any(varies(c) for c in model._formulas_in(r)) or any(
                c.sheet == r.sheet and r.r1 <= c.row <= r.r2 and r.c1 <= c.col <= r.c2
                for c in inputs):
            return False
    _, info = compile_formula(arg, at)
    return not (info.random_streams or info.unsupported or info.fallback or info.external
                or info.table)


class _ReachEnv:
    """Runs a part of a formula once on the deterministic values, recording the formula
    cells it reads that are not among them (their cached values stand in)."""

    def __init__(self, model: Model, values: Mapping[CellRef, Vec], now: float) -> None:
        from .model import Env

        class Recording(Env):
            def cell(self, ref: CellRef) -> Vec:   # constants and blanks: Env's
                v = values.get(ref)
                return v if v is not None else super().cell(ref)

            def compute(self, ref: CellRef) -> Vec:   # a formula cell: its cached value
                self.read.append(ref)
                wb = self.model.workbook.cell(ref)
                v = self.values[ref] = from_scalar(wb.value if wb is not None else None)
                return v

        self.env = Recording(model, n=1, now=now)
        self.env.blocks = {}
        self.env.read = []   # type: ignore[attr-defined]

    def number(self, arg: ir.Node, at: CellRef) -> int | None:
        """``arg`` (the same in every trial) as OFFSET truncates it; None where it is not a
        number (or does not run alone)."""
        self.env.values = {}
        try:
            code, _ = compile_formula(arg, at)
            x = code(self.env)
        except Exception:   # noqa: BLE001 - not run alone: the sheet's span instead
            return None
        if not isinstance(x, Vec) or len(x) != 1:
            return None
        v = x.scalar(0)
        if v is None:
            return 0
        if isinstance(v, bool | int | float) and math.isfinite(float(v)):
            return math.trunc(float(v))
        return None

    def reads(self, part: ir.Node, at: CellRef) -> list[CellRef]:
        """The formula cells ``part`` (compiled at ``at``) reads outside the values given;
        none where it cannot run alone (an error is logged at debug level)."""
        env = self.env
        env.read = read = []   # type: ignore[attr-defined]
        env.values = {}
        env.arrays = {}
        try:
            code, _ = compile_formula(part, at)
            code(env)
        except Exception as exc:   # a part that does not run alone: its reads unknown
            log.debug("%s: %s does not run alone: %r", at, ir.unparse(part, at.sheet), exc)
            return []
        return read
