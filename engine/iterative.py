"""Excel's iterative calculation (``<calcPr iterate="1">``) in the stochastic slice.

A workbook saved with iterative calculation on may hold circular references on purpose
(interest on the average balance, a fee on the total it is part of).  Excel recalculates such
a cycle up to ``iterateCount`` times, each pass reading the latest values, and stops when no
value moved by ``iterateDelta`` or more; it starts from the values the cells hold.

Here each cycle (a strongly connected set of formula cells) is one *block* of the slice's
order (:func:`order_with_blocks`); a trial computes a block by :func:`iterate_block`: from the
workbook's values, passes over the block's cells in Excel's order (sheet, row, column) until
that trial's largest change is below the delta or the count is reached.  Each trial stops on
its own, as Excel would on that trial's inputs, so the numbers do not depend on which trials
share a chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .graph import topological_order
from .values import Kind, Vec, broadcast, from_scalar, select
from .workbook import CellRef

__all__ = ["iterate_block", "matches_iterated", "order_with_blocks", "per_trial_change"]

Block = tuple[CellRef, ...]


def excel_order(cells: Iterable[CellRef], sheets: Sequence[str]) -> list[CellRef]:
    """Cells in the order Excel's passes visit them: sheet by sheet, row by row."""
    pos = {name: i for i, name in enumerate(sheets)}
    return sorted(cells, key=lambda c: (pos.get(c.sheet, 0), c.row, c.col))


def order_with_blocks(cells: Iterable[CellRef], deps: Callable[[CellRef], Iterable[CellRef]],
                      sheets: Sequence[str]) -> tuple[list[CellRef], dict[CellRef, Block]]:
    """``cells`` in evaluation order with each cycle kept together as a block (its cells in
    Excel's order), and the block of each cell in a cycle."""
    cells = sorted(set(cells))
    order, cycles = topological_order(cells, deps)
    if not cycles:
        return order, {}
    blocks: dict[CellRef, Block] = {}
    for cyc in cycles:
        block = tuple(excel_order(cyc, sheets))
        for c in block:
            blocks[c] = block

    def head(c: CellRef) -> CellRef:
        b = blocks.get(c)
        return b[0] if b is not None else c

    def deps_condensed(c: CellRef) -> list[CellRef]:
        members = blocks.get(c, (c,))
        return list({head(d) for m in members for d in deps(m)} - {c})

    condensed, left = topological_order(sorted({head(c) for c in cells}), deps_condensed)
    assert not left, "the graph of blocks has no cycle"
    out: list[CellRef] = []
    for c in condensed:
        out.extend(blocks.get(c, (c,)))
    return out, blocks


def per_trial_change(old: Vec, new: Vec, n: int) -> np.ndarray:
    """How far each trial's value moved in one pass (inf: it changed kind, error or text)."""
    if old.kind != new.kind:
        return np.full(n, np.inf)
    o, w = broadcast(old, n), broadcast(new, n)
    eo = np.zeros(n, dtype=np.uint8) if o.err is None else o.err
    ew = np.zeros(n, dtype=np.uint8) if w.err is None else w.err
    if o.kind == Kind.NUM:
        with np.errstate(invalid="ignore"):
            d = np.abs(np.asarray(w.data, dtype=np.float64) - np.asarray(o.data, dtype=np.float64))
        d = np.where(np.isnan(d), np.inf, d)
    else:
        d = np.where(np.asarray(o.data != w.data, dtype=bool), np.inf, 0.0)
    both = (eo != 0) & (ew != 0)
    d = np.where(both & (eo == ew), 0.0, d)
    return np.where((eo != ew) | ((eo != 0) ^ (ew != 0)), np.inf, d)


def iterate_block(env: Any, block: Block, count: int, delta: float) -> int:
    """Compute ``block`` for every trial of ``env`` as Excel's iterative calculation does
    (see the module doc); ``env.compute`` computes one cell once.  Returns the passes run."""
    n = env.n
    wb = env.model.workbook
    for c in block:
        cell = wb.cell(c)
        env.values[c] = from_scalar(cell.value if cell is not None else None)
    done = np.zeros(n, dtype=bool)
    passes = 0
    while passes < max(int(count), 1):
        passes += 1
        moved = np.zeros(n)
        for c in block:
            old = env.values[c]   # kept: a cell that reads itself reads the pass before's value
            new = env.compute(c)
            if done.any():
                new = select(done, broadcast(old, n), broadcast(new, n))
                env.values[c] = new
            moved = np.maximum(moved, per_trial_change(old, new, n))
        done |= moved < delta
        if done.all():
            break
    return passes


def matches_iterated(expected: Any, got: Any, delta: float) -> bool:
    """A cell of an iterative cycle against Excel's cached value: Excel stops once no value
    moves by ``delta``, so its answer is known to that much (numbers within ``delta``)."""
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (expected, got))
    return numbers and abs(float(expected) - float(got)) <= delta
