"""A cell whose formula reads, of all that varies per trial, only a few single cells holding
text (or logicals) from a fixed set (EfiLygda Sales_Data_Project, 'S1. Answers'!D316: the most
ordered product line of the customer named in $B316, a per-trial sort of GROUPBY averages:
``LET(group, FILTER(T[PRODUCTLINE], T[CUSTOMERNAME] = $B316), u, UNIQUE(group), n, MAP(u,
LAMBDA(x, ROWS(FILTER(group, group = x)))), VLOOKUP(MAX(n), HSTACK(n, u), 2, FALSE))``).

Its value is a function of those cells' values alone, so the kernel reads it from a table:
the numpy reference computes the formula once for every value (every combination) the cells
can take, each substituted as a literal (the same compile_formula that folds a constant
sub-expression, the cell's own position for ROW() / COLUMN()), and the kernel looks the trial's
value up (:meth:`engine.backends.numba._text.TextMixin.tabulate`: an argument's error wins,
left first).  It is the fallback of a LAMBDA helper that cannot be inlined
(:func:`._lambdas.expand_lambdas`); refused with that helper's reason where the formula
reads a range that varies, draws random numbers, calls a volatile function, is an array
formula over more than one cell, gives an array, or where a cell may hold a number that
varies or text made per trial (a table of more than ``MAX_TABLE`` entries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import ir
from ..._ir_nodes import rebuild
from ._values import NotFusable

if TYPE_CHECKING:
    from ._values import Val

MAX_CELLS = 3   # the most varying cells a formula's table is made over


@dataclass(frozen=True, slots=True, eq=False)
class EnumCell(ir.Call):
    """The cell's value as a table over the varying cells (its arguments, read as values):
    ``formula`` is the cell's IR, ``reason`` why it was not fused otherwise."""

    formula: ir.Node
    reason: str


def enumerable(gen: Any, node: ir.Node, cell: Any, reason: str) -> EnumCell | None:
    """``node`` (cell ``cell``'s IR) as an EnumCell where it reads only fixed ranges and at
    most MAX_CELLS single cells that vary per trial, else None."""
    wb_cell = gen.model.workbook.cell(cell)
    if wb_cell is not None and wb_cell.array_ref and ":" in str(wb_cell.array_ref):
        return None   # a result over several cells
    for n in ir.walk(node):
        if isinstance(n, ir.Call) and (n.name in ir.VOLATILE or n.name in (
                "RAND", "RANDBETWEEN", "RANDARRAY")):
            return None
        if isinstance(n, ir.BadRef):
            return None
    varying: list[ir.Ref] = []
    for n in ir.read_references(node):
        if isinstance(n, ir.Area) and gen.area_varies(n):
            return None
        if isinstance(n, ir.Ref) and (n.cell in gen.input_vals or n.cell in gen.steps) and \
                all(v.cell != n.cell for v in varying):
            varying.append(n)
    if not varying or len(varying) > MAX_CELLS:
        return None
    cells = {v.cell for v in varying}   # a varying cell read for its place too (ROW(B3)):
    if sum(isinstance(n, ir.Ref) and n.cell in cells for n in ir.walk(node)) != sum(
            isinstance(n, ir.Ref) and n.cell in cells for n in ir.read_references(node)):
        return None   # not replaced by a literal
    return EnumCell("_ENUMCELL", tuple(varying), node, reason)


def enum_cell_value(gen: Any, node: EnumCell) -> Val:
    """The kernel's value of ``node`` (see the module docstring)."""
    from ...compiler import compile_formula
    from ...values import Grid
    from ._text import _literal

    cell = gen.cell
    vals = [gen.expr(a) for a in node.args]

    def fn(args: list[Any]) -> Any:
        bound = {a.cell: _literal(x) for a, x in zip(node.args, args, strict=True)}
        compiled, info = compile_formula(_bind(node.formula, bound), cell)
        if info.unsupported or info.random_streams:
            raise NotFusable(node.reason)
        got = compiled(gen.env)
        if isinstance(got, Grid):
            if got.shape != (1, 1):
                raise NotFusable(f"{node.reason} (its value an array)")
            got = got.cells[0][0]
        return got

    try:
        return gen.tabulate(vals, fn, "a cell's value over the cells it reads")
    except NotFusable as exc:
        raise NotFusable(f"{node.reason} (as a table over its cells: {exc})") from None


def _bind(node: ir.Node, bound: dict) -> ir.Node:
    """``node`` with each Ref of a cell in ``bound`` replaced by that literal."""
    if isinstance(node, ir.Ref):
        return bound.get(node.cell, node)
    kids = ir.children(node)
    return rebuild(node, [_bind(k, bound) for k in kids]) if kids else node


__all__ = ["EnumCell", "enum_cell_value", "enumerable"]
