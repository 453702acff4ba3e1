"""INDIRECT of constant text, such as ``ROW(INDIRECT(1&":"&30))`` or ``SUM(INDIRECT("B2:B9"))``:
the reference it names, resolved once when the formula is parsed (so it reads those cells
and is not volatile), as ``engine._ir_passes.offset_reference`` resolves a constant OFFSET."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _ir_nodes as n

if TYPE_CHECKING:
    from ._references import Resolver


def constant_text(node: n.Node) -> str | None:
    """The text of a constant written as text, a whole number or their ``&`` joins; None
    for anything else (a fraction is left to Excel's number formatting at run time)."""
    if isinstance(node, n.Str):
        return node.value
    if isinstance(node, n.Num):
        v = node.value
        return str(int(v)) if v == int(v) and abs(v) < 1e15 else None
    if isinstance(node, n.Binary) and node.op == "&":
        left, right = constant_text(node.left), constant_text(node.right)
        return None if left is None or right is None else left + right
    return None


def indirect_reference(args: tuple[n.Node, ...], sheet: str, resolver: Resolver) -> n.Node | None:
    """INDIRECT(text[, a1]) with constant A1-style text naming a cell or a range: that
    reference (a range clipped to the cells the sheet holds, its written size kept); None
    otherwise (R1C1 text, a name, text computed from cells, text naming no reference)."""
    from ._references import parse_reference

    if not 1 <= len(args) <= 2:
        return None
    if len(args) == 2:
        a1 = args[1]
        if not (isinstance(a1, n.Bool | n.Num) and a1.value):
            return None
    text = constant_text(args[0])
    if text is None or not text.strip():
        return None
    got = parse_reference(text.strip(), sheet, resolver)
    return got if isinstance(got, n.Ref | n.Area) else None
