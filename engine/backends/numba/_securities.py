"""Securities for the kernel generator (a mixin): COUPDAYBS, COUPDAYS, COUPDAYSNC, COUPNCD,
COUPNUM, COUPPCD, PRICE, YIELD, DURATION, MDURATION (one call per trial of
:mod:`._rt_securities`), and DISC, INTRATE, RECEIVED, PRICEDISC, YIELDDISC, ACCRINTM,
TBILLPRICE, TBILLYIELD, TBILLEQ (arithmetic on the year fraction of ``_rt_functions.yearfrac``),
as :mod:`engine.functions.securities` computes them.

Arguments follow the Analysis ToolPak rules of ``_scalars.numbers(atp=True, dates=True)``
(the date mixin's ``date_arg``: a logical or a range is #VALUE!, date text is read as a
date); the arguments' errors come first, left to right, then #NUM! where the library's
trial is invalid or its value is not finite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import ir
from ...values import NUM
from ._values import NotFusable, Val

_COUPONS = {"COUPDAYBS": 0, "COUPDAYS": 1, "COUPDAYSNC": 2, "COUPNUM": 3, "COUPPCD": 4,
            "COUPNCD": 5}
# name -> the formula of (t, x, y) (securities._discounted), written as numpy evaluates it
_DISCOUNTED = {
    "DISC": "({y} - {x}) / {y} / {t}",
    "INTRATE": "({y} - {x}) / {x} / {t}",
    "RECEIVED": "{x} / (1.0 - {y} * {t})",
    "PRICEDISC": "{y} - {x} * {y} * {t}",
    "YIELDDISC": "({y} - {x}) / {x} / {t}",
}


class SecuritiesMixin:
    """COUP..., PRICE, YIELD, DURATION, discounted securities, T-bills (module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        date_shift: int

        def value(self, expr: str) -> str: ...
        def result(self, expr: str, args: list[Val], checks: Any = (),
                   bounds: Any = ...) -> Val: ...
        def _date_args(self, node: ir.Call, defaults: tuple[float | None, ...], atp: bool,
                       dates: bool = True) -> list[Val]: ...

    def _sec_args(self, node: ir.Call, defaults: tuple[float | None, ...]) -> list[Val]:
        if not sum(d is None for d in defaults) <= len(node.args) <= len(defaults):
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        return self._date_args(node, defaults, True, True)

    # ------------------------------------------------------------ coupons, bonds
    def _coupon(self, node: ir.Call) -> Val:
        args = self._sec_args(node, (None, None, None, 0.0))
        s, m, f, b = (a.v for a in args)
        return self.result(f"sec_coupon({s}, {m}, {f}, {b}, {_COUPONS[node.name]}, "
                           f"{self.date_shift})", args)

    fn_coupdaybs = fn_coupdays = fn_coupdaysnc = fn_coupncd = fn_coupnum = fn_couppcd = _coupon

    def fn_price(self, node: ir.Call) -> Val:
        args = self._sec_args(node, (None, None, None, None, None, None, 0.0))
        return self.result(f"sec_price({', '.join(a.v for a in args)}, {self.date_shift})", args)

    def fn_yield(self, node: ir.Call) -> Val:
        args = self._sec_args(node, (None, None, None, None, None, None, 0.0))
        return self.result(f"sec_yield({', '.join(a.v for a in args)}, {self.date_shift})", args)

    def _duration(self, node: ir.Call) -> Val:
        args = self._sec_args(node, (None, None, None, None, None, 0.0))
        modified = "1.0" if node.name == "MDURATION" else "0.0"
        return self.result(f"sec_duration({', '.join(a.v for a in args)}, {modified}, "
                           f"{self.date_shift})", args)

    fn_duration = fn_mduration = _duration

    # ------------------------------------------------------------ discounted securities
    def _fraction(self, s: Val, m: Val, b: Val) -> tuple[str, str]:
        """securities._fraction: (year fraction, where the dates or basis are invalid)."""
        sf, mf = self.value(f"np.floor({s.v})"), self.value(f"np.floor({m.v})")
        bt = self.value(f"np.trunc({b.v})")
        bad = self.value(f"({sf} >= {mf}) | ({bt} < 0.0) | ({bt} > 4.0) | ({sf} < 0.0)")
        t = self.value(f"yearfrac(sel({bad}, 0.0, {sf}), sel({bad}, 1.0, {mf}), "
                       f"sel({bad}, 0.0, {bt}), {self.date_shift})")
        return t, bad

    def _discounted(self, node: ir.Call) -> Val:
        args = self._sec_args(node, (None, None, None, None, 0.0))
        s, m, x, y, b = args
        t, bad = self._fraction(s, m, b)
        r = _DISCOUNTED[node.name].format(t=t, x=x.v, y=y.v)
        return self.result(r, args, [(f"{bad} | ({x.v} <= 0.0) | ({y.v} <= 0.0)", NUM)])

    fn_disc = fn_intrate = fn_received = fn_pricedisc = fn_yielddisc = _discounted

    def fn_accrintm(self, node: ir.Call) -> Val:
        args = self._sec_args(node, (None, None, None, 1000.0, 0.0))
        i, s, r, par, b = args
        t, bad = self._fraction(i, s, b)
        return self.result(f"{par.v} * {r.v} * {t}", args,
                           [(f"{bad} | ({r.v} <= 0.0) | ({par.v} <= 0.0)", NUM)])

    # ------------------------------------------------------------ Treasury bills
    def _tbill(self, node: ir.Call) -> Val:
        args = self._sec_args(node, (None, None, None))
        s, m, x = args
        dsm = self.value(f"np.floor({m.v}) - np.floor({s.v})")
        bad = f"({dsm} <= 0.0) | ({dsm} > 365.0) | ({x.v} <= 0.0)"
        d = x.v
        if node.name == "TBILLPRICE":
            r = f"100.0 * (1.0 - {d} * {dsm} / 360.0)"
        elif node.name == "TBILLYIELD":
            r = f"(100.0 - {d}) / {d} * 360.0 / {dsm}"
        else:   # TBILLEQ: both branches, as np.where
            q = self.value(f"{dsm} / 365.0")
            root = self.value(f"np.sqrt({q} * {q} - (2.0 * {dsm} / 365.0 - 1.0) * "
                              f"(1.0 - 100.0 / (100.0 * (1.0 - {d} * {dsm} / 360.0))))")
            long = self.value(f"(-2.0 * {dsm} / 365.0 + 2.0 * {root}) / "
                              f"(2.0 * {dsm} / 365.0 - 1.0)")
            short = self.value(f"365.0 * {d} / (360.0 - {d} * {dsm})")
            r = f"sel({dsm} <= 182.0, {short}, {long})"
        return self.result(r, args, [(bad, NUM)])

    fn_tbillprice = fn_tbillyield = fn_tbilleq = _tbill


__all__ = ["SecuritiesMixin"]
