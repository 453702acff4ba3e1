"""Aggregates of ranges generated once per cell (a mixin of the kernel generator).

An array formula evaluated element by element repeats the aggregates its elements share:
EfiLygda's ``FILTER(Sales, IF(ABS((Sales - AVERAGE(Sales)) / STDEV.S(Sales)) > 3, ...))``
evaluated AVERAGE and STDEV.S of the whole 2,823-cell column again for each of its 1,812
elements (10 M operand reads, minutes of planning, and a runtime loop over the column per
element per trial).  The value of an aggregate whose arguments are all ranges (or cells) is
the same wherever the cell uses it, so its first :class:`Val` is reused by later uses in the
same cell while the lines that define it are still there.

The memo is keyed by the call node's value (ir nodes are frozen dataclasses: equal calls
over equal ranges hash alike; the key keeps its node alive, so no id() is reused), and an
entry is valid only for the cell that made it, in the same list of lines, with its last
line the same object at the same place (lines taken back after a failed attempt, or moved,
invalidate it) and none of its lines indented (a value made inside a block is not reused
outside it).  Over a range of constants the call is folded to a constant before it gets here:
:func:`fold_once_per_cell` keeps that constant per cell in the same way.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ... import ir
from ..._ir_nodes import rebuild
from ._values import Val

F = TypeVar("F", bound=Callable[..., Val])


def _keyable(node: ir.Node) -> bool:
    """A call whose arguments are all ranges or cells: cheap to hash, its value the same
    wherever the cell evaluates it."""
    return isinstance(node, ir.Call) and bool(node.args) and all(
        isinstance(a, ir.Area | ir.Ref) for a in node.args)


class RangeMemoMixin:
    """One generation per cell of an aggregate of ranges (see the module docstring)."""

    if TYPE_CHECKING:
        lines: list[str]
        cell: Any
        cell_number: int

    def range_aggregate(self, node: ir.Node, compute: Callable[[], Val]) -> Val:
        """``compute()``'s Val for ``node``, made once per cell (see the module docstring);
        ``compute`` must depend on ``node`` alone (the function and its ranges)."""
        if not _keyable(node):
            return compute()
        memo: dict[ir.Node, tuple] = self.__dict__.setdefault("_range_memo_", {})
        owner = (self.cell, self.cell_number)
        got = memo.get(node)
        if got is not None:
            who, buf, end, last, val = got
            if who == owner and buf is self.lines and len(buf) >= end and \
                    (last is None or buf[end - 1] is last):
                return val
        buf, start = self.lines, len(self.lines)
        val = compute()
        if self.lines is buf and not any(ln[:1].isspace() for ln in buf[start:]):
            end = len(buf)
            memo[node] = (owner, buf, end, buf[end - 1] if end > start else None, val)
        return val


def once_per_cell(method: F) -> F:
    """``method(self, node, *rest)`` of the generator through :meth:`range_aggregate` (the
    other arguments must follow from ``node``: its function's name)."""
    @functools.wraps(method)
    def wrapper(self: Any, node: ir.Node, *rest: Any) -> Val:
        return self.range_aggregate(node, lambda: method(self, node, *rest))
    return wrapper  # type: ignore[return-value]


# aggregates of ranges whose value is one number (or error) wherever a formula uses it: inside
# a larger constant expression they may be replaced by their value (_with_inner_values)
SCALAR_AGGREGATES = frozenset({
    "SUM", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTA", "MEDIAN", "STDEV", "STDEV.S",
    "STDEV.P", "STDEVP", "VAR", "VAR.S", "VAR.P", "VARP"})


def _inner_value(gen: Any, node: ir.Call) -> ir.Node:
    """An aggregate of constant ranges as a literal (its number, or its error), evaluated
    once per cell by the numpy compiler; ``node`` itself where it is something else."""
    from ...compiler import compile_formula
    from ...values import Kind, Vec

    memo: dict[tuple, ir.Node] = gen.__dict__.setdefault("_inner_values_", {})
    key = (gen.cell, node)
    got = memo.get(key)
    if got is not None:
        return got
    got = node
    try:
        compiled, info = compile_formula(node, gen.cell)
        v = None if info.unsupported or info.random_streams else compiled(gen.env)
    except Exception:  # noqa: BLE001 - left as it is: the whole fold reports it
        v = None
    if isinstance(v, Vec) and len(v.data) == 1:
        e = 0 if v.err is None else int(v.err[0])
        x = float(v.data[0]) if v.kind == Kind.NUM else math.nan
        if e:
            got = ir.Err(e)
        elif math.isfinite(x):
            got = ir.Num(x)
    memo[key] = got
    return got


def _with_inner_values(gen: Any, node: ir.Node) -> ir.Node:
    """``node`` with its aggregates of ranges (:data:`SCALAR_AGGREGATES`) replaced by their
    values: the elements of an array formula over a constant column folded one by one each
    evaluated AVERAGE and STDEV.S of the whole column again (the same numbers: an aggregate
    of ranges returns a value, never a reference, so a literal of that value reads alike)."""
    if _keyable(node):
        assert isinstance(node, ir.Call)
        return _inner_value(gen, node) if node.name in SCALAR_AGGREGATES else node
    kids = ir.children(node)
    if not kids or isinstance(node, ir.Array):
        return node
    return rebuild(node, [_with_inner_values(gen, k) for k in kids])


def fold_once_per_cell(fold: Callable[[Any, ir.Node], Val | None]
                       ) -> Callable[[Any, ir.Node], Val | None]:
    """The generator's ``fold(self, node)`` (a constant sub-expression evaluated by the
    numpy compiler) made once per cell for a call over ranges or cells: the same constant
    (an aggregate of a constant column that each element of an array formula reads, folded
    again for every element before); a larger expression is folded with the aggregates of
    ranges inside it replaced by their values (:func:`_with_inner_values`).  Keyed by (cell,
    node), the node's value: the key keeps it alive."""
    @functools.wraps(fold)
    def wrapper(self: Any, node: ir.Node) -> Val | None:
        if not _keyable(node):
            return fold(self, _with_inner_values(self, node))
        memo: dict[tuple, Val] = self.__dict__.setdefault("_fold_memo_", {})
        key = (self.cell, node)
        got = memo.get(key)
        if got is None:
            got = fold(self, node)
            if got is not None:
                memo[key] = got
        return got
    return wrapper


__all__ = ["RangeMemoMixin", "fold_once_per_cell", "once_per_cell"]
