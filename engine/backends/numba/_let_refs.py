"""LET whose value is a reference, read by the function it is an argument of.

``COUNTBLANK(LET(name, $B45, k, MATCH(name, T[#Headers], 0) - 1, OFFSET(T[], 0, k, ROWS(T[]),
1)))`` (a column of a table chosen by its heading): numpy's LET (engine.functions.lambdas)
returns its body's value, here the reference OFFSET names, and COUNTBLANK reads that range as
it reads a range written in the formula.  The kernel reads it the same way: the argument is
replaced by the LET's body with every name bound to its value's IR (:func:`_bind_names`, the
same node for every use), so that an OFFSET whose arguments are the same in every trial is
its range (``OffsetMixin._fixed_offset``) and one of a size varying per trial takes the
OFFSET paths of :mod:`._offset`.  An array formula reads any LET as its body
(:func:`let_body`, :mod:`._arrays`).  A name's value that is never used is not computed (it
cannot change the body's value: LET's names are pure; a name used twice is one node, so a
RAND in it is one stream).
"""

from __future__ import annotations

from typing import Protocol

from ... import ir
from ._functions import _bind_names, _let_name
from ._static_filters import SPLICED, kept_ranges
from ._values import NotFusable


class _Host(Protocol):
    array_ir: list[object]


def _reference(node: ir.Node) -> bool:
    """Whether ``node`` is a reference: a range, a cell or OFFSET (or a LET of one)."""
    if isinstance(node, ir.Area | ir.Ref):
        return True
    return isinstance(node, ir.Call) and node.name in ("OFFSET", "LET")


def let_reference(g: _Host, node: ir.Node) -> ir.Node | None:
    """The body of LET ``node`` with its names bound, where that body is a reference (a
    range, a cell, OFFSET or a nested LET of one); None for anything else."""
    if not (isinstance(node, ir.Call) and node.name == "LET"):
        return None
    args = node.args
    if len(args) < 3 or len(args) % 2 == 0:
        return None
    scope: dict[str, ir.Node] = {}
    try:
        for name_node, value in zip(args[:-1:2], args[1:-1:2], strict=True):
            scope[_let_name(name_node)] = _bind_names(value, scope)
        body = _bind_names(args[-1], scope)
    except NotFusable:
        return None
    if not _reference(body):
        return None
    g.array_ir.extend([body, *scope.values()])   # kept alive: constants are keyed by id
    inner = let_reference(g, body)
    return body if inner is None else inner


def with_let_references(g: _Host, args: tuple[ir.Node, ...], name: str = ""
                        ) -> tuple[ir.Node, ...]:
    """``args`` with each LET whose value is a reference replaced by its bound body; for
    an aggregate ``name`` of :data:`._static_filters.SPLICED`, a LET whose value is a
    FILTER keeping the same rows in every trial replaced by those rows' ranges."""
    out: list[ir.Node] = []
    for a in args:
        if (got := let_reference(g, a)) is not None:
            out.append(got)
            continue
        if name in SPLICED and isinstance(a, ir.Call) and a.name == "LET":
            try:
                kept = kept_ranges(g, let_body(a))   # type: ignore[arg-type]
            except NotFusable:
                kept = None
            if kept is not None:
                out.extend(kept)
                continue
        out.append(a)
    return tuple(out)


ACCUMULATOR = "#ACC"   # the LET names of SCAN/REDUCE's previous steps (_lambdas)


def accumulator_let(node: ir.Node) -> bool:
    """Whether ``node`` is ``LET(#ACC<r>:<c>, previous step, body)``, which :mod:`._lambdas`
    makes for a SCAN/REDUCE whose LAMBDA reads its accumulator more than once: an array
    formula's element keeps it a LET (the previous step computed once), not its bound body."""
    if not (isinstance(node, ir.Call) and node.name == "LET" and len(node.args) == 3):
        return False
    name = node.args[0]
    return isinstance(name, ir.Call) and len(name.args) == 1 and \
        isinstance(name.args[0], ir.Str) and name.args[0].value.startswith(ACCUMULATOR)


_BOUND: dict[int, tuple[ir.Call, ir.Node]] = {}   # id(LET) -> (the LET, its bound body)


def let_body(node: ir.Call) -> ir.Node:
    """The body of LET ``node`` with every name replaced by its value's IR (one node for
    every use; the same object on every call, the LET kept alive with it), as an array
    formula reads it: numpy's LET is its body's value, whatever its shape."""
    got = _BOUND.get(id(node))
    if got is not None and got[0] is node:
        return got[1]
    args = node.args
    if len(args) < 3 or len(args) % 2 == 0:
        raise NotFusable("LET with a wrong number of arguments")
    scope: dict[str, ir.Node] = {}
    for name_node, value in zip(args[:-1:2], args[1:-1:2], strict=True):
        scope[_let_name(name_node)] = _bind_names(value, scope)
    body = _bind_names(args[-1], scope)
    _BOUND[id(node)] = (node, body)
    return body
