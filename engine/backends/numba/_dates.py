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

import numpy as np

from ... import ir
from ...functions._epoch import SHIFT_1904
from ...functions._scalars import ABSENT as _ABSENT_LIB
from ...values import NUM, VALUE, Grid, Kind, Vec, text
from . import _intervals as iv
from ._args import ArgsMixin
from ._dtext import DynamicText
from ._dvalue import dyn_date_arg
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
    def date_arg(self, node: ir.Node | None, default: float | None, atp: bool,
                 dates: bool = True) -> Val:
        """One argument as ``_scalars.coerce(v, default, atp=atp, dates=dates)``: not
        written -> ``default`` (#VALUE! when required), written empty -> 0 (or
        ``default``)."""
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
        mark = len(self.lines)
        try:
            v = self.expr(node)
        except DynamicText:   # text made per trial (engineer H2's _dvalue)
            del self.lines[mark:]
            return dyn_date_arg(self, node, atp, dates)  # type: ignore[arg-type]
        return self.date_value(v, atp, dates)

    def date_value(self, v: Val, atp: bool, dates: bool = True) -> Val:
        if v.kind == KANY:
            return self.by_kind(v, lambda x: self.date_value(x, atp, dates))
        if v.kind == KBLANK:
            return num("0.0", v.e, (0.0, 0.0))
        if v.kind == KBOOL:
            if atp:   # a logical is #VALUE! after its own error
                return num("0.0", self.err(self.chain([v.e], [("True", VALUE)])), (0.0, 0.0))
            return Val(v.v, v.e, KNUM, v.lo, v.hi)
        if v.kind == KSTR:
            from ...functions._scalars import coerce

            def fn(args: list[Any]) -> Vec:
                x, e = coerce(text(args[0]), atp=atp, dates=dates)
                return Vec(Kind.NUM, x, e)

            what = "text read as a date" if dates else "text read as a number"
            return self.tabulate([v], fn, what)
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
        return self.result(f"serial_part({s.v}, {which}, {self.date_shift})", [s],
                           [self._serial_check(s)], bounds)

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
        r = self.value(f"yearfrac({a.v}, {c.v}, {basis}, {self.date_shift})")
        e = self.err(self.chain([e0, a.e, c.e], checks))
        return num(r, e, (0.0, (MAX_SERIAL + 1.0) / 360.0 + 1.0))


    # ------------------------------------------------------------ DATE, EDATE, EOMONTH, ...
    def _date_args(self, node: ir.Call, defaults: tuple[float | None, ...], atp: bool,
                   dates: bool = True) -> list[Val]:
        """The arguments of a date function (``_scalars.numbers`` with ``atp``/``dates``)."""
        if not sum(d is None for d in defaults) <= len(node.args) <= len(defaults):
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        args = [*node.args, *[None] * (len(defaults) - len(node.args))]
        return [self.date_arg(a, d, atp, dates) for a, d in zip(args, defaults, strict=True)]

    def fn_date(self, node: ir.Call) -> Val:
        """dates.date: #NUM! for a year outside 0..9999 or a serial that is not a date."""
        y, m, d = self._date_args(node, (None, None, None), False, dates=False)
        r = self.value(f"cal_date({y.v}, {m.v}, {d.v}, {self.date_shift})")
        bad = (f"(np.trunc({y.v}) < 0.0) | (np.trunc({y.v}) > 9999.0) | "
               f"(serial_bad({r}) != 0.0)")
        return self.result(r, [y, m, d], [(bad, NUM)], _SERIALS)

    def _shift_months(self, node: ir.Call, end_of_month: bool) -> Val:
        """dates._shift_months (EDATE, EOMONTH): #NUM! where the start or the result is not
        a serial."""
        s, k = self._date_args(node, (None, None), True)
        r = self.value(f"cal_shift({s.v}, {k.v}, {1.0 if end_of_month else 0.0}, "
                       f"{self.date_shift})")
        checks = [self._serial_check(s), (f"(serial_bad({r}) != 0.0)", NUM)]
        return self.result(r, [s, k], [c for c in checks if c is not None], _SERIALS)

    def fn_edate(self, node: ir.Call) -> Val:
        return self._shift_months(node, False)

    def fn_eomonth(self, node: ir.Call) -> Val:
        return self._shift_months(node, True)

    def fn_weekday(self, node: ir.Call) -> Val:
        """dates.weekday: #NUM! for a serial that is not a date or an unknown kind."""
        s, kind = self._date_args(node, (None, 1.0), False)
        kt = self.value(f"np.trunc({kind.v})")
        bad = self.value(" & ".join(f"({kt} != {lit(float(k))})"
                                    for k in (1, 2, 3, *range(11, 18))))
        r = self.value(f"cal_weekday({s.v}, sel({bad}, 1.0, {kt}), {self.date_shift})")
        chk = self._serial_check(s)
        cond = bad if chk is None else f"{chk[0]} | {bad}"
        return self.result(r, [s, kind], [(cond, NUM)], (0.0, 7.0))

    def _time_part(self, node: ir.Call) -> Val:
        """dates._time_part (HOUR, MINUTE, SECOND): the seconds into the day rounded as
        numpy rounds (half to even), #NUM! for a serial that is not a date."""
        div, mod = {"HOUR": (3600.0, 24.0), "MINUTE": (60.0, 60.0), "SECOND": (1.0, 60.0)}[
            node.name]
        (s,) = self._date_args(node, (None,), False)
        sec = self.value(f"np.rint(({s.v} - np.floor({s.v})) * 86400.0) % 86400.0")
        chk = self._serial_check(s)
        return self.result(f"({sec} // {lit(div)}) % {lit(mod)}", [s],
                           [chk] if chk else [], (0.0, mod))

    fn_hour = fn_minute = fn_second = _time_part

    def fn_time(self, node: ir.Call) -> Val:
        """dates.time: the truncated parts; #NUM! for a part above 32767 or a negative
        total; the fraction of a day of the total modulo a day."""
        h, m, sec = self._date_args(node, (None, None, None), False, dates=False)
        ht, mt, st = (self.value(f"np.trunc({x.v})") for x in (h, m, sec))
        total = self.value(f"{ht} * 3600.0 + {mt} * 60.0 + {st}")
        bad = (f"({ht} > 32767.0) | ({mt} > 32767.0) | ({st} > 32767.0) | "
               f"({total} < 0.0)")
        return self.result(f"({total} % 86400.0) / 86400.0", [h, m, sec], [(bad, NUM)],
                           (0.0, 1.0))

    def fn_days(self, node: ir.Call) -> Val:
        """dates.days: floor(end) - floor(start); #NUM! where either is not a serial."""
        end, start = self._date_args(node, (None, None), False)
        checks = [c for c in (self._serial_check(end), self._serial_check(start)) if c]
        cond = " | ".join(c[0] for c in checks)
        return self.result(f"np.floor({end.v}) - np.floor({start.v})", [end, start],
                           [(cond, NUM)] if cond else [], iv.UNKNOWN)

    # ------------------------------------------------------------ WORKDAY, NETWORKDAYS (.INTL)
    @property
    def date_shift(self) -> int:
        """Days from a serial of the workbook's date system to the 1900 system's, which the
        kernel's calendar counts in (engine.functions._epoch)."""
        return SHIFT_1904 if getattr(self.model.workbook, "date1904", False) else 0

    def _evaluated(self, node: ir.Node, what: str) -> Vec | Grid:
        """A constant argument, evaluated by the numpy compiler."""
        from ...compiler import compile_formula

        if not self.is_constant(node):
            raise NotFusable(f"{what} that varies per trial")
        assert self.cell is not None
        compiled, info = compile_formula(node, self.cell)
        if info.unsupported:
            raise NotFusable(f"{what}: an unsupported function")
        return compiled(self.env)

    def _weekend(self, node: ir.Node | None) -> tuple[int, int]:
        """dates._weekmask of a constant weekend argument: the working weekdays as bits
        (bit 0 Monday) and the error code (0: none)."""
        from ...functions.dates import _weekmask

        arg: Any = _ABSENT_LIB if node is None else (
            None if isinstance(node, ir.Missing) else self._evaluated(node, "a weekend"))
        mask, err = _weekmask(arg)
        return sum(1 << i for i, ch in enumerate(mask) if ch == "1"), _code(err)

    def _holidays(self, node: ir.Node | None, bits: int) -> tuple[str, int, int]:
        """dates._holidays of a constant argument: a scratch array holding the holidays that
        fall on working weekdays (days as the runtime counts them, sorted, distinct), their
        number, and the first error code among them."""
        from ...functions.dates import _BASE
        from ...functions.dates import _holidays as holidays

        if node is not None and not isinstance(node, ir.Missing) and not self.is_constant(node):
            from ._holidays import varying_holidays  # holidays that vary per trial

            return varying_holidays(self, node, bits)  # type: ignore[return-value]
        arg: Any = _ABSENT_LIB if node is None else (
            None if isinstance(node, ir.Missing) else self._evaluated(node, "holidays"))
        days, err = holidays(arg)
        found = sorted({int(d) for d in (days - _BASE).astype(np.int64)
                        if (bits >> ((int(d) + 5) % 7)) & 1})
        h = self.scratch(max(len(found), 1))
        for j, d in enumerate(found):
            self.lines.append(f"{h}[{j}] = {lit(float(d))}")
        return h, len(found), _code(err)

    def _working_days(self, node: ir.Call, intl: bool, offset: bool) -> Val:
        """dates._workday (``offset``) or ._networkdays for one trial: the dates (and the
        day count) vary, the weekend and the holidays are constants of the formula."""
        most = 4 if intl else 3
        if not 2 <= len(node.args) <= most:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        args: list[ir.Node | None] = [*node.args, *[None] * (most - len(node.args))]
        bits, e0 = self._weekend(args[2]) if intl else (0b0011111, 0)
        h, nh, e3 = self._holidays(args[3] if intl else args[2], bits)
        a = self.date_arg(args[0], None, True)
        b = self.date_arg(args[1], None, True, dates=not offset)
        how = "workday" if offset else "networkdays"
        r = self.value(f"{how}({a.v}, {b.v}, {lit(float(bits))}, {h}, {nh}, "
                       f"{self.date_shift})")
        checks: list[tuple[str, int] | None] = [(str(c), 0) if c else None for c in (e0, e3)]
        bad = [x for x in (self._serial_check(a), self._serial_check(b) if not offset else None)
               if x is not None]
        if offset:
            bad.append((f"(serial_bad({r}) != 0.0)", NUM))
        if bad:
            checks.append((" | ".join(f"({c})" for c, _ in bad), NUM))
        e = self.err(self.chain([a.e, b.e], checks))
        return num(r, e, (-MAX_SERIAL - 1.0, 2.0 * MAX_SERIAL + 2.0) if not offset else iv.UNKNOWN)

    def fn_workday(self, node: ir.Call) -> Val:
        return self._working_days(node, False, True)

    def fn_workday_intl(self, node: ir.Call) -> Val:
        return self._working_days(node, True, True)

    def fn_networkdays(self, node: ir.Call) -> Val:
        return self._working_days(node, False, False)

    def fn_networkdays_intl(self, node: ir.Call) -> Val:
        return self._working_days(node, True, False)


def _code(err: Any) -> int:
    """The error code of a one-value error array (0: none)."""
    return int(err[0]) if err is not None and len(err) and err[0] else 0


__all__ = ["DatesMixin"]
