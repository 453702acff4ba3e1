"""INDIRECT of text that is the same in every trial, in the fused kernel (a mixin of the
generator).

``INDIRECT(text[, a1])`` names a reference by its text (``"Sheet2!B"&ROW()``,
``$C9&".Outputs["&Year&"]"``).  Where the text and the ``a1`` flag do not vary per trial
(they read no cell of the stochastic slice), the reference is the same in every trial: the
generator resolves it once, as the numpy reference does (``compiler._indirect_one``:
``Env.resolve`` of the text, R1C1 converted first where ``a1`` is FALSE; what resolves to
neither a cell nor a range is #REF!), and generates the formula with the reference in the
INDIRECT's place: a cell read as a value, a range where a function reads a range
(``INDEX(INDIRECT(...), MATCH(x, INDIRECT(...), 0))``, ``SUM(INDIRECT(...))``).  The cells of
that reference are read as any reference's: a cell of the slice not fused yet (or left to
numpy) makes the formula numpy's, with that reason.

Text that varies per trial (a reference chosen per trial) stays with numpy, as does text
that is not text (a number, an error: numpy's ``str`` of it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...values import REF, Kind
from ._values import NotFusable, Val

if TYPE_CHECKING:
    from ...model import Env
    from ...workbook import CellRef


class IndirectMixin:
    """``indirect_args`` (a call whose arguments include INDIRECT of constant text, those
    arguments resolved) and ``fn_indirect`` (INDIRECT read as a value)."""

    if TYPE_CHECKING:  # provided by the Generator
        cell: CellRef | None
        env: Env
        array_ir: list[object]

        def expr(self, node: ir.Node) -> Val: ...
        def is_constant(self, node: ir.Node) -> bool: ...

    def indirect_args(self, node: ir.Call) -> Val | None:
        """``node`` with each argument that is INDIRECT of constant text replaced by its
        reference (None where no argument is an INDIRECT)."""
        if node.name == "INDIRECT" or not any(
                isinstance(a, ir.Call) and a.name == "INDIRECT" for a in node.args):
            return None
        args = tuple(self.indirect_target(a) if isinstance(a, ir.Call) and a.name == "INDIRECT"
                     else a for a in node.args)
        new = ir.Call(node.name, args)
        self.array_ir.append(new)   # kept alive: constants are keyed by node id
        return self.expr(new)

    def fn_indirect(self, node: ir.Call) -> Val:
        """INDIRECT read as one value: its reference's value (a range here is refused as
        any range used as a value is)."""
        return self.expr(self.indirect_target(node))

    def indirect_target(self, node: ir.Call) -> ir.Node:
        """The reference INDIRECT of constant text names (ir.Ref, ir.Area, or #REF!)."""
        from ..._references import r1c1_to_a1
        from ...compiler import compile_formula

        assert self.cell is not None
        if not 1 <= len(node.args) <= 2 or not all(self.is_constant(a) for a in node.args):
            raise NotFusable("INDIRECT of text that varies per trial")
        text = self._indirect_constant(node.args[0], compile_formula)
        if text.kind != Kind.STR:
            raise NotFusable("INDIRECT of a value that is not text")
        ref = str(text.scalar(0))
        if len(node.args) == 2 and not isinstance(node.args[1], ir.Missing):
            flag = self._indirect_constant(node.args[1], compile_formula)
            if flag.kind in (Kind.BOOL, Kind.NUM) and not bool(flag.data[0]):
                got = r1c1_to_a1(ref, self.cell)
                if got is None:
                    return ir.Err(REF)
                ref = got
        target = self.env.resolve(ref, self.cell.sheet)
        if isinstance(target, ir.Ref | ir.Area):
            return target
        return ir.Err(REF)

    def _indirect_constant(self, arg: ir.Node, compile_formula):  # noqa: ANN001, ANN202
        from ...functions._args import as_vec
        from ...values import Vec

        assert self.cell is not None
        compiled, info = compile_formula(arg, self.cell)
        if info.unsupported or info.random_streams:
            raise NotFusable("INDIRECT of text numpy computes per trial")
        try:
            x = as_vec(compiled(self.env))
        except Exception as exc:  # noqa: BLE001 - numpy's value: left to it
            raise NotFusable(f"INDIRECT's text failed to evaluate: {exc!r}") from exc
        assert isinstance(x, Vec)
        if len(x) != 1:
            raise NotFusable("INDIRECT of text that varies per trial")
        return x


__all__ = ["IndirectMixin"]
