"""Values whose kind varies per trial (``IF(x>0,"",x)``, ``IFERROR(x,"n/a")``) in the kernel.

Such a value (kind ``KANY``) carries a tag expression ``y`` (:data:`TAG`: 0 number,
1 logical, 2 text, 3 blank) beside its value and error code; the value is a number, 0/1, or a
string id, as the tag says.  Whatever reads it is generated once per kind it can take (a
*variant*: the same value seen as that kind, guarded so that a text id is always a valid
index), and the results are selected per trial by the tag: so every function, operator and
coercion that handles a kind handles a mix of them, with the numpy library's per-trial
semantics (numpy holds such a cell as ``Kind.ANY``, one Python value per trial).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ... import ir
from . import _intervals as iv
from ._args import selects_ranges
from ._dtext import DynamicText
from ._matrices import has_array_call
from ._values import KANY, KBLANK, KBOOL, KNUM, KSTR, TAG, NotFusable, Val, lit

MAX_VARIANTS = 16   # kinds x arguments a call is generated for

# selectors: their value arguments are chosen, not read (they merge kinds themselves); LET:
# its arguments are names and values bound to them (fn_let computes each once)
SELECTORS = frozenset({"IF", "IFERROR", "IFNA", "CHOOSE", "LET"})
# functions that compute an argument over ranges as an array (A1:A9*(B1:B9="x")): such an
# argument is not one value to split on (the lookups: a lookup vector written as an
# expression, _lookup_arrays; their key splits itself)
_ARRAY_ARGUMENTS = frozenset({"SUMPRODUCT", "MATCH", "XMATCH", "LOOKUP", "XLOOKUP", "AGGREGATE", "SMALL", "LARGE",
                              "IRR", "PERCENTILE", "PERCENTILE.INC", "PERCENTILE.EXC", "QUARTILE",
                              "QUARTILE.INC", "QUARTILE.EXC"})


class MixedMixin:
    """Merging kinds per trial, and reading a mixed value (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator
        override: dict[int, Val]
        lines: list[str]

        def value(self, expr: str) -> str: ...
        def err(self, expr: str) -> str: ...
        def expr(self, node: ir.Node) -> Val: ...
        def is_constant(self, node: ir.Node) -> bool: ...

    def mixed(self, m: str, a: Val, b: Val) -> Val:
        """``a`` where ``m`` holds, else ``b``, their kinds differing (errors apart: the
        caller selects them)."""
        v = self.value(f"sel({m}, {a.v}, {b.v})")
        y = self.value(f"sel({m}, {a.tag()}, {b.tag()})")
        return _any(v, "0", y, [a, b])

    def variant(self, a: Val, kind: str) -> Val:
        """``a`` seen as ``kind`` (meaningful on the trials whose tag is that kind)."""
        if kind == KNUM:
            return Val(a.v, a.e, KNUM, a.lo, a.hi)
        if kind == KBOOL:
            return Val(self.value(f"sel({a.y} == 1.0, {a.v}, 0.0)"), a.e, KBOOL, 0.0, 1.0)
        if kind == KSTR:
            assert a.dom
            g = self.value(f"sel({a.y} == 2.0, {a.v}, {lit(float(a.dom[0]))})")
            return Val(g, a.e, KSTR, float(min(a.dom)), float(max(a.dom)), a.dom)
        return Val("0.0", a.e, KBLANK, 0.0, 0.0)

    def merge_by_tag(self, y: str, results: dict[str, Val]) -> Val:
        """Per trial, the result for the kind tagged ``y``."""
        order = list(results)
        *rest, last = order

        def pick(get: Callable[[Val], str]) -> str:
            acc = get(results[last])
            for k in reversed(rest):
                x = get(results[k])
                if x != acc:
                    acc = self.value(f"sel({y} == {TAG[k]}.0, {x}, {acc})")
            return acc

        v = pick(lambda r: r.v)
        e = "0" if all(r.e == "0" for r in results.values()) else self.err(pick(lambda r: r.e))
        kinds = {r.kind for r in results.values()}
        if len(kinds) == 1 and KANY not in kinds:
            kind = kinds.pop()
            lo, hi = iv.union([r.iv for r in results.values()])
            dom = None
            if kind == KSTR:
                dom = tuple(sorted({k for r in results.values() for k in r.dom or ()}))
            return Val(v, e, kind, lo, hi, dom)
        tag = pick(lambda r: r.tag())
        return _any(v, e, tag, list(results.values()))

    def by_kind(self, a: Val, fn: Callable[[Val], Val]) -> Val:
        """``fn`` of each variant of a mixed ``a``, selected per trial by its tag."""
        if a.kind != KANY:
            return fn(a)
        assert a.y is not None
        return self.merge_by_tag(a.y, {k: fn(self.variant(a, k)) for k in a.kinds})

    def split_call(self, node: ir.Call, dispatch: Callable[[ir.Call], Val],
                   refs: bool) -> Val:
        """A function whose arguments may be mixed: generated per combination of their
        kinds (arguments evaluated once), selected per trial."""
        mixed: list[tuple[ir.Node, Val]] = []
        keys: list[int] = []
        try:   # the overrides taken back however it ends (an argument may be refused)
            for a in node.args:
                if isinstance(a, ir.Area | ir.Missing | ir.Array) or id(a) in self.override \
                        or (refs and isinstance(a, ir.Ref)) or self.is_constant(a):
                    continue
                if node.name == "OFFSET" and a is node.args[0]:   # its address, not a value
                    continue
                if has_array_call(a):   # read whole by the function (_matrices)
                    continue
                if refs and selects_ranges(a):   # CHOOSE(k, range, ...): read whole (_args)
                    continue
                if (node.name in _ARRAY_ARGUMENTS or node.name == "COUNT" and
                        len(node.args) == 1) and any(isinstance(n, ir.Area | ir.Array)
                                                     for n in ir.walk(a)):
                    continue   # (COUNT of one array expression: _row_loops.count_loop)
                mark = len(self.lines)
                try:
                    v = self.expr(a)
                except DynamicText:   # text made per trial: the function reads it (_dvalue)
                    del self.lines[mark:]
                    continue
                self.override[id(a)] = v
                keys.append(id(a))
                if v.kind == KANY:
                    mixed.append((a, v))
            if not mixed:
                return dispatch(node)
            if len(list(itertools.product(*[v.kinds for _, v in mixed]))) > MAX_VARIANTS:
                raise NotFusable(f"{node.name} of too many values whose type varies")
            return self._split(node, dispatch, mixed)
        finally:
            for k in keys:
                self.override.pop(k, None)

    def _split(self, node: ir.Call, dispatch: Callable[[ir.Call], Val],
               mixed: Sequence[tuple[ir.Node, Val]]) -> Val:
        if not mixed:
            return dispatch(node)
        (a, v), rest = mixed[0], mixed[1:]
        results = {}
        for k in v.kinds:
            self.override[id(a)] = self.variant(v, k)
            results[k] = self._split(node, dispatch, rest)
        self.override[id(a)] = v
        assert v.y is not None
        return self.merge_by_tag(v.y, results)


def _any(v: str, e: str, y: str, parts: list[Val]) -> Val:
    """A mixed Val made of ``parts``: bounds of its numbers and logicals, ids of its text."""
    kinds: list[str] = []
    for p in parts:
        for k in (p.kinds if p.kind == KANY else (p.kind,)):
            if k not in kinds:
                kinds.append(k)
    if len(kinds) == 1:
        raise AssertionError("a mixed value of one kind")
    dom = tuple(sorted({k for p in parts if p.kind in (KSTR, KANY) for k in p.dom or ()}))
    numeric = [p.iv for p in parts if p.kind in (KNUM, KBOOL, KANY)]
    lo, hi = iv.union(numeric) if numeric else (0.0, 0.0)
    return Val(v, e, KANY, lo, hi, dom or None, y, tuple(sorted(kinds, key=TAG.get)))


__all__ = ["MixedMixin", "SELECTORS", "MAX_VARIANTS"]
