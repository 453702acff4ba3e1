"""Which inputs reach which outputs: an input that no output reads (directly or through
formulas) has no effect on the run, and the user is told so instead of seeing a constant."""

from __future__ import annotations

from collections.abc import Sequence

from . import ir
from .graph import reachable
from .model import Model
from .workbook import CellRef

__all__ = ["inputs_reaching", "inputs_without_effect"]


def _reads(ref: ir.Ref | ir.Area, inputs: Sequence[CellRef]) -> list[CellRef]:
    if isinstance(ref, ir.Ref):
        return [ref.cell] if ref.cell in inputs else []
    return [c for c in inputs if c.sheet == ref.sheet and ref.r1 <= c.row <= ref.r2
            and ref.c1 <= c.col <= ref.c2]


def inputs_reaching(model: Model, inputs: Sequence[CellRef], output: CellRef) -> set[CellRef]:
    """The inputs that ``output`` reads, itself or through the formulas it depends on (an
    input's own formula is replaced by its samples, so the search stops at inputs)."""
    cut = set(inputs)
    if output in cut:
        return {output}

    def deps(ref: CellRef) -> list[CellRef]:
        return [] if ref in cut else model.deps(ref)

    found: set[CellRef] = set()
    for c in reachable([output], deps):
        if c in cut or not model.is_formula(c):
            continue
        node = model.code(c).node
        for r in ir.references(node):
            found.update(_reads(r, inputs))
        if ir.dynamic_references(node):  # OFFSET/INDIRECT: any input on the sheets they read
            sheets = ir.dynamic_sheets(node)
            found.update(i for i in inputs if sheets is None or i.sheet in sheets)
    return found


def inputs_without_effect(model: Model, inputs: Sequence[CellRef],
                          outputs: Sequence[CellRef]) -> list[CellRef]:
    """The inputs that no output reads, in the order given."""
    reached: set[CellRef] = set()
    for o in outputs:
        reached |= inputs_reaching(model, inputs, o)
        if len(reached) == len(set(inputs)):
            break
    return [i for i in inputs if i not in reached]
