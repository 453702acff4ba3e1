"""Lookup vectors that are array expressions (a mixin of the lookups): the classic two-key
lookup ``MATCH(a&b, E4:E51&F4:F51, 0)``, ``MATCH(1, (r1=a)*(r2=b), 0)``,
``MATCH(TRUE, r>x, 0)``, ``LOOKUP(2, 1/(r="x"), result)`` ...

numpy evaluates the expression as an array (:func:`engine.functions.operators.map_grid`)
and searches it as it searches a range (:mod:`engine.functions.lookup`).  Here:

* an expression whose operands are the same in every trial is evaluated once by the numpy
  compiler when the kernel is generated, and its elements become constants of the kernel
  (cached per expression: a table of thousands of rows repeats the same vector);
* otherwise each element is the IR of that element (:class:`._arrays.ArrayElements`:
  a range's cell at the position, #N/A past a smaller operand's edge), computed per trial.

The elements are then searched by the existing typed searches exactly as a range's cells.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...values import Grid, Vec
from ._args import MAX_AREA_CELLS
from ._host import GeneratorHost
from ._values import NotFusable, Val

_LITERALS = (ir.Num, ir.Str, ir.Bool, ir.Err, ir.Missing)


class LookupArraysMixin(GeneratorHost):
    """The elements of a lookup vector written as an array expression."""

    if TYPE_CHECKING:  # provided by the Generator
        def constant(self, key: object, vec: Vec | Grid) -> Val: ...
        def array_shape(self, node: ir.Node) -> tuple[int, int] | None: ...
        def array_values(self, node: ir.Node, shape: tuple[int, int]) -> list[Val]: ...

    def expression_line(self, node: ir.Node, what: str) -> list[Val] | None:
        """The elements, in order, of a one-row or one-column array expression given as a
        lookup vector; None where ``node`` is not an expression (a range, a literal)."""
        if isinstance(node, (ir.Area, ir.Ref, ir.BadRef, *_LITERALS)):
            return None
        shape = self.array_shape(node)
        if shape is None:   # one value: numpy's _grid makes it a one-cell vector
            return [self.expr(node)]
        if min(shape) != 1:
            raise NotFusable(f"{what} over an array expression of more than one row or column")
        if shape[0] * shape[1] > MAX_AREA_CELLS:
            raise NotFusable(f"{what} over an array expression of {shape[0] * shape[1]} cells")
        if self._fixed(node):
            return self._folded(node, shape)
        got = self.shared_elements(node, shape)   # type: ignore[attr-defined]
        return got if got is not None else self.array_values(node, shape)

    def _fixed(self, node: ir.Node) -> bool:
        """Whether ``node`` is the same in every trial (array constants of literals too)."""
        if isinstance(node, ir.Array):
            return all(isinstance(x, _LITERALS) for row in node.rows for x in row)
        if not any(isinstance(n, ir.Array) for n in ir.walk(node)):
            return self.is_constant(node)
        if isinstance(node, ir.Call) and node.name in ir.VOLATILE:
            return False
        return isinstance(node, ir.Unary | ir.Binary | ir.Call) and all(
            self._fixed(k) for k in ir.children(node))

    def _folded(self, node: ir.Node, shape: tuple[int, int]) -> list[Val]:
        """The expression's elements evaluated once by the numpy compiler."""
        from ...compiler import compile_formula

        relative = any(isinstance(n, ir.Call) and n.name in ("ROW", "COLUMN") and not n.args
                       for n in ir.walk(node))
        key = (node, self.cell) if relative else node
        memo: dict[object, list[Vec]] = self.__dict__.setdefault("_lookup_folds", {})
        vecs = memo.get(key)
        if vecs is None:
            assert self.cell is not None
            compiled, info = compile_formula(node, self.cell)
            if info.unsupported or info.random_streams:
                raise NotFusable("a lookup vector the numpy compiler cannot fold")
            try:
                got = compiled(self.env)
            except Exception as exc:  # noqa: BLE001 - the numpy path would make this #VALUE!
                raise NotFusable(f"a lookup vector failed to evaluate: {exc!r}") from exc
            if not isinstance(got, Grid) or got.shape != shape:
                raise NotFusable("a lookup vector whose folded shape differs")
            vecs = memo[key] = list(got.flat())
        return [self.constant(("lookup vector", key, i), v) for i, v in enumerate(vecs)]


__all__ = ["LookupArraysMixin"]
