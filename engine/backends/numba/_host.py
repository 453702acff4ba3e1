"""What the numba kernel generator's mixins may call on the Generator they are mixed into
(``_codegen.Generator``), declared once for type checkers.  At run time
:class:`GeneratorHost` is an empty base class: the members are the Generator's own."""

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
