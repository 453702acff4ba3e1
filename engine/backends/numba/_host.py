"""What the numba kernel generator's mixins may call on the Generator they are mixed into
(``_codegen.Generator``), declared once for type checkers.  At run time
:class:`GeneratorHost` is an empty base class: the members are the Generator's own.
:func:`expr_with_cells` generates an expression reading stand-in cells (INDEX's, OFFSET's,
AGGREGATE's ranges of a sheet no workbook has)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ... import ir
    from ...model import Env
    from ...workbook import CellRef
    from ._values import Val


class GeneratorHost:
    """The Generator's members that several mixins use (a mixin declares its own others)."""

    if TYPE_CHECKING:  # provided by the Generator the mixins are mixed into
        lines: list[str]
        array_ir: list[object]
        cell: CellRef | None
        env: Env
        override: dict[int, Val]
        input_vals: dict[CellRef, Val]

        @property
        def model(self): ...
        def value(self, expr: str) -> str: ...
        def err(self, expr: str) -> str: ...
        def chain(self, errs: list[str], checks: Sequence = ()) -> str: ...
        def expr(self, node: ir.Node) -> Val: ...
        def operand(self, c: CellRef) -> Val: ...
        def number(self, node: ir.Node | None, default: float | None = None) -> Val: ...
        def scratch(self, size: int) -> str: ...
        def is_constant(self, node: ir.Node) -> bool: ...


def expr_with_cells(gen: GeneratorHost, node: ir.Node, cells: dict[CellRef, Val]) -> Val:
    """``node``'s value, generated with ``cells`` (stand-in cells, none bound yet) read as
    the given values; ``node`` is kept alive in ``gen.array_ir`` (constants are keyed by node
    id)."""
    gen.array_ir.append(node)
    clash = [c for c in cells if c in gen.input_vals]
    assert not clash, clash
    gen.input_vals.update(cells)
    try:
        return gen.expr(node)
    finally:
        for c in cells:
            del gen.input_vals[c]
