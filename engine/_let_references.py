"""ROW/COLUMN of a LET name bound to a range: ``LET(b, B3:B300, MMULT(--(ROW(b) >=
TRANSPOSE(ROW(b))), --(b<>"")))`` (neprenkha's BOQ running count).  A LET name bound to a
reference is that reference in Excel; the compiler gives ROW/COLUMN the numbers of a written
reference only, so the name is written out as its range where ROW or COLUMN reads it."""

from __future__ import annotations

from . import _ir_nodes as n

_PARAMETER = "_XLPM"   # engine.functions.lambdas.PARAMETER
_BINDERS = frozenset({"LET", "LAMBDA"})


def _name(node: n.Node) -> str | None:
    if isinstance(node, n.Call) and node.name == _PARAMETER and node.args \
            and isinstance(node.args[0], n.Str):
        return node.args[0].value
    return None


def _bound_names(node: n.Call) -> set[str]:
    """The names a nested LET or LAMBDA binds (they hide the outer ones inside it)."""
    params = node.args[:-1:2] if node.name == "LET" else node.args[:-1]
    return {x for p in params if (x := _name(p)) is not None}


def _written(node: n.Node, refs: dict[str, n.Ref | n.Area]) -> n.Node:
    """``node`` with ROW(name)/COLUMN(name) of a name in ``refs`` given that reference."""
    if not refs:
        return node
    if isinstance(node, n.Call):
        if node.name in ("ROW", "COLUMN") and len(node.args) == 1:
            got = refs.get(_name(node.args[0]) or "")
            if got is not None:
                return n.Call(node.name, (got,))
        if node.name in _BINDERS:
            hidden = _bound_names(node)
            refs = {k: v for k, v in refs.items() if k not in hidden}
        args = tuple(_written(a, refs) for a in node.args)
        return node if args == node.args else n.Call(node.name, args)
    if isinstance(node, n.Binary):
        left, right = _written(node.left, refs), _written(node.right, refs)
        return node if (left, right) == (node.left, node.right) else n.Binary(node.op, left, right)
    if isinstance(node, n.Unary):
        x = _written(node.operand, refs)
        return node if x == node.operand else n.Unary(node.op, x)
    return node


def let_row_references(args: tuple[n.Node, ...]) -> tuple[n.Node, ...]:
    """LET's arguments with ROW/COLUMN of a name bound to a cell or range written as that
    reference, in the later values and the body (a name bound again stops it)."""
    if len(args) < 3 or len(args) % 2 == 0:
        return args
    out = list(args)
    refs: dict[str, n.Ref | n.Area] = {}
    for i in range(0, len(out) - 1, 2):
        name = _name(out[i])
        if name is None:
            return args
        out[i + 1] = _written(out[i + 1], refs)
        value = out[i + 1]
        if isinstance(value, n.Ref | n.Area):
            refs[name] = value
        else:
            refs.pop(name, None)
    out[-1] = _written(out[-1], refs)
    return tuple(out)
