"""Text made per trial in the cells of an array formula (``{=TEXT(H2:H10,"dd/mm/yyyy")}``,
``{=RIGHT(A2:A10,1)}`` of numbers that vary per trial).

A plain cell whose formula makes text per trial takes the dynamic-text path (_dtext) at its
top; an element of an array formula is not its cell's formula node, so that path was never
taken and the whole array formula was left to numpy.  Here each element's value is made the
ordinary way, else as dynamic text whose recipe reads at most one computed value (kept as
the cell's own value, as ``dyn_cell`` keeps a plain cell's); a recipe of several computed
values is made again by its readers from the element itself (``("element", anchor, node)``
among the recipes: a plain cell's readers remake its formula, which for a cell of an array
formula is the whole formula).  Where numpy reads one of the formula's cells
(``dyn_skip``), the formula is left to numpy whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ._dtext import _CELL_LEVEL, DynamicText, _leaves
from ._values import KDYN, NotFusable, Val

if TYPE_CHECKING:
    from ...graph import CellRef


def element_value(gen: object, element: ir.Node, cells: list[CellRef]) -> Val:
    """The value of one element of an array formula whose cells are ``cells``."""
    mark = len(gen.lines)  # type: ignore[attr-defined]
    try:
        return gen.expr(element)  # type: ignore[attr-defined]
    except DynamicText:
        del gen.lines[mark:]  # type: ignore[attr-defined]
    skip = getattr(gen, "dyn_skip", ())
    if gen.cell in skip or any(c in skip for c in cells):  # type: ignore[attr-defined]
        # (a formula of one cell has no other members: its own cell is the one read)
        raise NotFusable("text made per trial, read by a cell left to numpy")
    d = gen.recipe(element, coerce=False)  # type: ignore[attr-defined]
    if len({x for x in _leaves(d.r) if not _CELL_LEVEL.match(x)}) > 1:
        # made again by its readers from the element (the anchor's context: the cell's
        # own formula is the whole array formula)
        gen.dyn_recipes.append(("element", gen.cell, element))  # type: ignore[attr-defined]
        return Val("0.0", d.e, KDYN, 0.0, 0.0, (len(gen.dyn_recipes) - 1, d.bound))  # type: ignore[attr-defined]
    return gen.dyn_cell(d)  # type: ignore[attr-defined]
