"""Rounding to a multiple for the kernel generator (a mixin): CEILING, FLOOR, their .MATH
and .PRECISE forms, ISO.CEILING, MROUND, EVEN and ODD, as :mod:`engine.functions.math`
computes them for one trial (``_to_multiple``, ``mround``, ``_even``, ``_odd``: the
quotient snapped to 15 significant digits before it is rounded, a zero step giving 0).
"""

from __future__ import annotations

from ... import ir
from ...values import DIV0, NUM
from ._args import ArgsMixin
from ._values import NotFusable, Val

# name -> (defaults, positive numbers up, negative numbers away from zero: an expression of
# the step ``s`` and the mode ``m``)
_MULTIPLES = {
    "CEILING": ((None, 1.0), True, "({s} < 0.0)"),
    "FLOOR": ((None, 1.0), False, "({s} > 0.0)"),
    "CEILING.MATH": ((None, 1.0, 0.0), True, "({m} != 0.0)"),
    "FLOOR.MATH": ((None, 1.0, 0.0), False, "({m} == 0.0)"),
    "CEILING.PRECISE": ((None, 1.0), True, "False"),
    "ISO.CEILING": ((None, 1.0), True, "False"),
    "FLOOR.PRECISE": ((None, 1.0), False, "True"),
}


class MultiplesMixin(ArgsMixin):
    """CEILING ... ODD (see the module docstring)."""

    def to_multiple(self, x: str, s: str, pos_up: bool, neg_away: str) -> str:
        """math._to_multiple of one trial."""
        sa = self.value(f"abs({s})")
        q = self.value(f"snap15(abs({x}) / sel({sa} == 0.0, 1.0, {sa}))")
        up, down = self.value(f"np.ceil({q})"), self.value(f"np.floor({q})")
        pos = up if pos_up else down
        mag = self.value(f"sel({x} >= 0.0, {pos}, sel({neg_away}, {up}, {down}))")
        return self.value(f"sel({sa} == 0.0, 0.0, sel({x} < 0.0, -{mag}, {mag}) * {sa}) + 0.0")

    def _multiple(self, node: ir.Call) -> Val:
        defaults, pos_up, away = _MULTIPLES[node.name]
        args = self.numeric(node, defaults)
        x, s = args[0], args[1]
        m = args[2].v if len(args) > 2 else "0.0"
        r = self.to_multiple(x.v, s.v, pos_up, away.format(s=s.v, m=m))
        checks: list[tuple[str, int] | None] = []
        if node.name == "CEILING":
            checks = [(f"({x.v} > 0.0) & ({s.v} < 0.0)", NUM)]
        elif node.name == "FLOOR":
            r = self.value(f"sel({x.v} == 0.0, 0.0, {r})")
            checks = [(f"({x.v} > 0.0) & ({s.v} < 0.0)", NUM),
                      (f"({s.v} == 0.0) & ({x.v} != 0.0)", DIV0)]
        return self.result(r, args, checks)

    fn_ceiling = fn_floor = fn_ceiling_math = fn_floor_math = _multiple
    fn_ceiling_precise = fn_iso_ceiling = fn_floor_precise = _multiple

    def fn_mround(self, node: ir.Call) -> Val:
        """math.mround: the nearest multiple, half away from zero; #NUM! where the signs
        differ; Analysis ToolPak arguments (a logical is #VALUE!)."""
        if len(node.args) != 2:
            raise NotFusable("MROUND with a wrong number of arguments")
        x, m = (self.date_arg(a, None, True, dates=False) for a in node.args)
        am = self.value(f"abs({m.v})")
        q = self.value(f"snap15(abs({x.v}) / sel({m.v} == 0.0, 1.0, {am}))")
        r = self.value(f"np.floor({q} + 0.5) * {am}")
        r = self.value(f"sel(({m.v} == 0.0) | ({x.v} == 0.0), 0.0, "
                       f"sel({x.v} < 0.0, -{r}, {r})) + 0.0")
        return self.result(r, [x, m], [(f"({x.v} * {m.v} < 0.0)", NUM)])

    def fn_even(self, node: ir.Call) -> Val:
        (x,) = self.numeric(node, (None,))
        mag = self.value(f"np.ceil(snap15(abs({x.v})) / 2.0) * 2.0")
        return self.result(f"sel({x.v} < 0.0, -{mag}, {mag})", [x])

    def fn_odd(self, node: ir.Call) -> Val:
        (x,) = self.numeric(node, (None,))
        c = self.value(f"np.ceil(snap15(abs({x.v})))")
        mag = self.value(f"sel(np.mod({c}, 2.0) == 1.0, {c}, {c} + 1.0)")
        return self.result(f"sel({x.v} < 0.0, -{mag}, {mag})", [x])


__all__ = ["MultiplesMixin"]
