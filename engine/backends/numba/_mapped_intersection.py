"""A range given where one value is expected, below a function that keeps it a range (INDEX),
in an ordinary (non-array) cell: ``=INDEX(T[Desc], MATCH(T2[Code], T[Code], 0))``.

The IR's cell pass (:func:`engine._ir_passes.cell_pass`) intersects such a range with the
formula's cell only outside the array-argument functions (INDEX, ...).  Below them numpy maps
the function over the range's elements (``MATCH``'s key, ``INDEX``'s positions, the operators:
:func:`engine.functions.lookup._lift`, :func:`engine.functions.operators.map_grid`), the result
keeps the range's position, and the cell takes its element in the formula's row or column
(:func:`engine.model.implicit_intersection`; #VALUE! where there is none).  When only such
element-wise steps lie between the cell's root and the range, and the range is the one array
on that path, that is the formula with the range replaced by its intersection with the cell
(:func:`engine._ir_passes.intersect`): the kernel computes one element, not the range.  A
function that does not keep the position (IFERROR, SUM, ...) between them stops the rewrite,
as do two ranges or an array constant among the mapped arguments.
"""

from __future__ import annotations

from ... import ir
from ..._ir_passes import intersect
from ...values import VALUE
from ...workbook import CellRef

# function -> the argument positions numpy maps element by element, keeping the position
MAPPED = {"MATCH": (0, 2), "INDEX": (1, 2), "VLOOKUP": (0, 2, 3), "HLOOKUP": (0, 2, 3),
          # IF(c, T[Due], "") in an ordinary cell: numpy lifts IF over the range and the
          # cell takes the row's element (functions.logical, model.implicit_intersection)
          "IF": (0, 1, 2)}
_OPS = frozenset({"+", "-", "*", "/", "^", "&", "=", "<>", "<", "<=", ">", ">="})


def _mapped_children(node: ir.Node) -> list[tuple[int, ir.Node]] | None:
    """The children numpy maps over element by element (index, node), None when ``node`` is
    not such a step."""
    if isinstance(node, ir.Binary) and node.op in _OPS:
        return [(0, node.left), (1, node.right)]
    if isinstance(node, ir.Unary):
        return [(0, node.operand)]
    if isinstance(node, ir.Call) and node.name in MAPPED:
        return [(i, node.args[i]) for i in MAPPED[node.name] if i < len(node.args)]
    return None


def _has_array(node: ir.Node) -> bool:
    return any(isinstance(x, ir.Area | ir.Array) for x in ir.walk(node))


def _find(node: ir.Node) -> list[tuple[int, ...]] | None:
    """Paths (child indexes through mapped steps) to the ranges in mapped positions; None when
    a mapped argument holds an array elsewhere (the rewrite would not be numpy's)."""
    kids = _mapped_children(node)
    if kids is None:
        return []
    out: list[tuple[int, ...]] = []
    for i, kid in kids:
        if isinstance(kid, ir.Area):
            out.append((i,))
            continue
        sub = _find(kid)
        if sub is None or (not sub and _mapped_children(kid) is None and _has_array(kid)):
            return None
        out.extend((i, *p) for p in sub)
    return out


def _replace(node: ir.Node, path: tuple[int, ...], new: ir.Node) -> ir.Node:
    if not path:
        return new
    i, rest = path[0], path[1:]
    if isinstance(node, ir.Binary):
        if i == 0:
            return ir.Binary(node.op, _replace(node.left, rest, new), node.right)
        return ir.Binary(node.op, node.left, _replace(node.right, rest, new))
    if isinstance(node, ir.Unary):
        return ir.Unary(node.op, _replace(node.operand, rest, new))
    assert isinstance(node, ir.Call)
    args = list(node.args)
    args[i] = _replace(args[i], rest, new)
    return ir.Call(node.name, tuple(args))


def _area_at(node: ir.Node, path: tuple[int, ...]) -> ir.Node:
    for i in path:
        kids = dict(_mapped_children(node) or [])
        node = kids[i]
    return node


def _through_if(node: ir.Node, path: tuple[int, ...]) -> bool:
    """Whether the path to a range passes an IF (numpy lifts IF over a range only where it
    takes that branch in some trial)."""
    for i in path:
        if isinstance(node, ir.Call) and node.name == "IF":
            return True
        node = dict(_mapped_children(node) or [])[i]
    return False


def intersect_mapped(node: ir.Node, at: CellRef) -> ir.Node:
    """``node`` (an ordinary cell's formula at ``at``) with its one mapped range intersected
    with the cell, as numpy's result is; ``node`` itself when there is none or it is not
    numpy's rule (see the module docstring).  Only the path to the range is rebuilt: the
    other nodes (RAND calls the kernel knows by identity) are the same objects."""
    paths = _find(node)
    if not paths:
        return node
    areas = {_area_at(node, p) for p in paths}
    if len(areas) != 1 or not paths[0]:
        return node
    area = next(iter(areas))
    single = intersect(area, at)
    if isinstance(single, ir.Err):   # no cell in the formula's row or column: numpy's #VALUE!
        if any(_through_if(node, p) for p in paths):
            return node   # unless IF's condition is constant and false there: "" (left out)
        return ir.Err(VALUE)
    for p in paths:
        node = _replace(node, p, single)
    return node
