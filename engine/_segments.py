"""Deep formulas compiled in segments: no Python recursion past :data:`SEGMENT_LEVELS`
levels, compiling or running.

A formula's IR up to ``SEGMENT_LEVELS`` levels high compiles into one nest of closures.  A
deeper one is cut every ``SEGMENT_LEVELS`` levels: each cut subtree (a segment) compiles on
its own and is replaced by a :class:`Slot`; at run time the segments run bottom-up, each
leaving its value in the slot its parent reads.

A long ``a&b&c&...`` chain (what scripts write to build a text) is first rebuilt as a balanced
tree of the same operands in the same order (:func:`balance_concat`): a few levels high, so it
needs no segments, and the compiler joins the whole chain at once (linear in its length).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import ir
from ._ir_nodes import rebuild

if TYPE_CHECKING:
    from .values import Grid, Vec

SEGMENT_LEVELS = 64


@dataclass(frozen=True, slots=True)
class Slot:
    """The value of a segment computed before (a deep formula's lower levels)."""

    index: int


class SlotEnv:
    """An Env that also holds the values of a deep formula's segments."""

    __slots__ = ("_env", "slots")

    def __init__(self, env: Any) -> None:
        self._env = env
        self.slots: list[Vec | Grid] = []

    def __getattr__(self, name: str):
        return getattr(self._env, name)


_LEAVES = (ir.Num, ir.Str, ir.Bool, ir.Err, ir.Ref, ir.Area, ir.Missing, ir.BadRef)


def _shallow(node: ir.Node) -> bool:
    """``ir.height_at_most(node, SEGMENT_LEVELS)``, a level at a time, leaves skipped without
    a call (run for every formula compiled: a 10^6-cell check)."""
    level, depth, children = [node], 1, ir.children
    while level:
        if depth > SEGMENT_LEVELS:
            return False
        below: list[ir.Node] = []
        for x in level:
            t = type(x)
            if t is ir.Binary:
                below.append(x.left)
                below.append(x.right)
            elif t is ir.Call:
                below.extend(x.args)
            elif t not in _LEAVES:
                below.extend(children(x))
        level, depth = below, depth + 1
    return True


def segmented(node: ir.Node, compile_node: Callable[[Any], Callable[[Any], Any]]
              ) -> Callable[[Any], Any]:
    """The code of ``node``, compiled by ``compile_node`` whole or in segments."""
    if _shallow(node):
        return compile_node(node)
    node = balance_concat(node)
    if ir.height_at_most(node, SEGMENT_LEVELS):
        return compile_node(node)
    segments: list[Any] = []

    def cut(x, kids, depth):
        x = rebuild(x, kids)
        if depth and depth % SEGMENT_LEVELS == 0 and kids:
            segments.append(x)
            return Slot(len(segments) - 1)
        return x

    top = ir.fold(node, cut, lambda x, depth, i: depth + 1, 0)
    codes = [compile_node(seg) for seg in segments]
    root = compile_node(top)

    def run(env: Any) -> Any:
        senv = SlotEnv(env)
        for code in codes:
            senv.slots.append(code(senv))
        return root(senv)

    return run


def _is_concat(x: Any) -> bool:
    return isinstance(x, ir.Binary) and x.op == "&"


def concat_operands(node: ir.Node) -> list[ir.Node]:
    """The operands of a chain ``a&b&c&...`` (however it is nested), left to right."""
    out, stack = [], [node]
    while stack:
        x = stack.pop()
        if _is_concat(x):
            stack += [x.right, x.left]
        else:
            out.append(x)
    return out


def balance_concat(node: ir.Node) -> ir.Node:
    """``node`` with every ``&`` chain rebuilt as a balanced tree of the same operands, in
    the same order (``&`` is associative: texts joined, the first error left to right)."""

    def post(x: Any, kids: list[Any], in_chain: bool) -> Any:
        x = rebuild(x, kids)
        if in_chain or not _is_concat(x):
            return x
        parts = concat_operands(x)
        while len(parts) > 1:
            pairs = [ir.Binary("&", parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
            parts = pairs + parts[len(pairs) * 2:]
        return parts[0]

    return ir.fold(node, post, lambda x, in_chain, i: _is_concat(x), False)
