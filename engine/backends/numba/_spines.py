"""Long left-associated chains of one arithmetic operator (``=a*b/c+d*e/f+...`` over 120
terms), generated link by link instead of one recursion level per term.

Excel (and the numpy backend) evaluates ``t1+t2+...+tn`` as ``((t1+t2)+t3)+...``: a tree whose
left edge is as deep as the number of terms.  The generator recurses once per level, so such
formulas were refused past ``MAX_FUSED_LEVELS``.  Here the left edge (the *spine*) is walked
iteratively: each link is generated with its left operand already bound (an override), in the
same order as the recursion would (deepest link first, then its right operand), so the
kernel performs the same operations in the same order as numpy: bit for bit.  ``levels``
measures a formula's depth with such a spine counted as one level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir

if TYPE_CHECKING:
    from ._values import Val

# operators whose left-associated chains are walked iteratively (numbers only: "&" and the
# comparisons go through the dynamic-text paths, which recurse on their own)
SPINE_OPS = frozenset({"+", "-", "*", "/"})
SPINE_MIN = 16   # shorter chains recurse as before
MAX_SPINE = 200  # longer ones count every level (recursive helpers walk them)


def _link(node: ir.Node) -> bool:
    return isinstance(node, ir.Binary) and node.op in SPINE_OPS and \
        isinstance(node.left, ir.Binary) and node.left.op in SPINE_OPS


def levels(root: ir.Node) -> int:
    """The generator's recursion depth for ``root`` in levels: as ``ir.height``, except that
    the left operand of a + - * / whose left operand is another + - * / adds no level (the
    spine is walked iteratively by ``spine_expr``) while the spine has at most MAX_SPINE
    links (helpers such as ``has_array_call`` still recurse along it)."""
    def post(node: ir.Node, kids: list[tuple[int, int, int]], _ctx: object
             ) -> tuple[int, int, int]:   # (levels, height, spine links)
        height = 1 + max((k[1] for k in kids), default=0)
        if _link(node) and kids[0][2] < MAX_SPINE:
            (left, _, n), (right, _, _) = kids
            return max(left, 1 + right), height, n + 1
        return 1 + max((k[0] for k in kids), default=0), height, 1 + (
            kids[0][2] if isinstance(node, ir.Binary) and node.op in SPINE_OPS else 0)
    lv, height, n = ir.fold(root, post)
    return lv if n <= MAX_SPINE else height


def spine(node: ir.Node) -> list[ir.Binary]:
    """The links of ``node``'s spine, deepest first (``node`` last)."""
    links: list[ir.Binary] = []
    x = node
    while isinstance(x, ir.Binary) and x.op in SPINE_OPS:
        links.append(x)
        x = x.left
    links.reverse()
    return links


def long_spine(gen: object, node: ir.Node) -> bool:
    """Whether ``node`` tops a spine of at least SPINE_MIN links not being walked already."""
    if not _link(node) or id(node.left) in gen.override:  # type: ignore[attr-defined]
        return False
    x, n = node, 0
    while isinstance(x, ir.Binary) and x.op in SPINE_OPS and n < SPINE_MIN:
        x, n = x.left, n + 1
    return n >= SPINE_MIN


def spine_expr(gen: object, node: ir.Binary) -> Val:
    """``gen.expr(node)`` with the links below ``node`` generated one after the other (each
    bound as an override while the next is generated), then released."""
    links = spine(node)
    override = gen.override  # type: ignore[attr-defined]
    bound: list[int] = []
    try:
        for link in links[:-1]:
            v = gen.expr(link)  # type: ignore[attr-defined]
            override[id(link)] = v
            bound.append(id(link))
        return gen.expr(node)  # type: ignore[attr-defined]
    finally:
        for k in bound:
            override.pop(k, None)
