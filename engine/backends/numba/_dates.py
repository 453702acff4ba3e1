"""Date functions for the kernel generator (a mixin): YEAR, MONTH, DAY and YEARFRAC, as
:mod:`engine.functions.dates` computes them for one trial.

Arguments are coerced as :mod:`engine.functions._scalars` does: numbers as they are, blank
0, text read as a number or a date (``"2024-01-15"``: through the numpy library, once per
text id), logicals as 0/1, except in the former Analysis ToolPak functions (YEARFRAC) where a
logical is #VALUE!.  The calendar arithmetic is in :mod:`._rt_functions` (one call per
value); the error codes are expressions here, in the library's order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import ir
from ...values import NUM, VALUE, Kind, Vec, text
from . import _intervals as iv
from ._args import ArgsMixin
from ._rt_functions import MAX_SERIAL
from ._values import KANY, KBLANK, KBOOL, KNUM, KSTR, NotFusable, Val, lit, num

if TYPE_CHECKING:
    from collections.abc import Callable

_SERIALS = (0.0, MAX_SERIAL + 1.0)   # serials that are dates: [0, MAX_SERIAL + 1)
_PARTS = {"YEAR": (0, (1900.0, 9999.0)), "MONTH": (1, (1.0, 12.0)), "DAY": (2, (0.0, 31.0))}
_ABSENT: Any = object()


class DatesMixin(ArgsMixin):
    """YEAR, MONTH, DAY, YEARFRAC (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator
        def by_kind(self, a: Val, fn: Callable[[Val], Val]) -> Val: ...
        def tabulate(self, vals: list[Val], fn: Callable[[list[Any]], Vec], what: str,
                     chained: list[bool] | None = None) -> Val: ...

    # ------------------------------------------------------------ arguments (_scalars.coerce)
    def date_arg(self, node: ir.Node | None, default: float | None, atp: bool) -> Val:
        """One argument as ``_scalars.coerce(v, default, atp=atp, dates=True)``: not written
        -> ``default`` (#VALUE! when required), written empty -> 0 (or ``default``)."""
        if node is None:
            if default is None:
                return num("0.0", str(VALUE), (0.0, 0.0))
            return num(lit(default), "0", iv.point(default))
        if isinstance(node, ir.Missing):
            x = 0.0 if default is None else float(default)
            return num(lit(x), "0", iv.point(x))
        if isinstance(node, ir.Area):
            if node.shape != (1, 1):
                if atp:
                    return num("0.0", str(VALUE), (0.0, 0.0))
                raise NotFusable("a date function over a range (array formula)")
            node = ir.Ref(node.cells()[0][0])
        return self.date_value(self.expr(node), atp)

    def date_value(self, v: Val, atp: bool) -> Val:
        if v.kind == KANY:
            return self.by_kind(v, lambda x: self.date_value(x, atp))
        if v.kind == KBLANK:
            return num("0.0", v.e, (0.0, 0.0))
        if v.kind == KBOOL:
            if atp:   # a logical is #VALUE! after its own error
                return num("0.0", self.err(self.chain([v.e], [("True", VALUE)])), (0.0, 0.0))
            return Val(v.v, v.e, KNUM, v.lo, v.hi)
        if v.kind == KSTR:
            from ...functions._scalars import coerce

            def fn(args: list[Any]) -> Vec:
                x, e = coerce(text(args[0]), atp=atp, dates=True)
                return Vec(Kind.NUM, x, e)

            return self.tabulate([v], fn, "text read as a date")
        return v

    def _serial_check(self, s: Val) -> tuple[str, int] | None:
        """#NUM! where ``s`` is not a serial number (dates._bad_serial)."""
        if s.bounded and s.lo >= _SERIALS[0] and s.hi < _SERIALS[1]:
            return None
        return (f"(serial_bad({s.v}) != 0.0)", NUM)

    # ------------------------------------------------------------ YEAR, MONTH, DAY
    def _part(self, node: ir.Call) -> Val:
        if len(node.args) != 1:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        which, bounds = _PARTS[node.name]
        s = self.date_arg(node.args[0], None, False)
        return self.result(f"serial_part({s.v}, {which})", [s], [self._serial_check(s)],
                           bounds)

    fn_year = fn_month = fn_day = _part

    # ------------------------------------------------------------ YEARFRAC
    def fn_yearfrac(self, node: ir.Call) -> Val:
        """dates.yearfrac: the basis (truncated, 0..4) is checked first, then the dates'
        errors, then that they are serial numbers."""
        if not 2 <= len(node.args) <= 3:
            raise NotFusable("YEARFRAC with a wrong number of arguments")
        args = list(node.args) + [None] * (3 - len(node.args))
        b = self.date_arg(args[2], 0.0, True)
        bt = b.v if b.lo == b.hi and float(b.lo).is_integer() else self.value(f"np.trunc({b.v})")
        if b.bounded and b.lo >= 0.0 and b.hi < 5.0:
            bad_b = None
            basis = bt
        else:
            bad_b = self.value(f"nt(({bt} >= 0.0) & ({bt} <= 4.0))")
            basis = self.value(f"sel({bad_b}, 0.0, {bt})")
        e0 = self.err(self.chain([b.e], [(bad_b, NUM) if bad_b is not None else None]))
        a = self.date_arg(args[0], None, True)
        c = self.date_arg(args[1], None, True)
        checks = [self._serial_check(a), self._serial_check(c)]
        r = self.value(f"yearfrac({a.v}, {c.v}, {basis})")
        e = self.err(self.chain([e0, a.e, c.e], checks))
        return num(r, e, (0.0, (MAX_SERIAL + 1.0) / 360.0 + 1.0))


__all__ = ["DatesMixin"]
