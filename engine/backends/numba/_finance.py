"""Annuity and depreciation functions for the kernel generator (a mixin): PMT, PV, FV, SLN,
DB and VDB, as :mod:`engine.functions.financial` computes them for one trial.

Arguments are coerced as ``_scalars.numbers`` does for built-in functions: numbers, logicals
as 0/1, blank 0, numeric text as its number (other text #VALUE!); an argument written empty
is 0 (or its default), one not written its default (#VALUE! when required).  Argument errors
come first, left to right, then the domain checks in the library's order, then #NUM! for a
result that is not finite.  The loops (DB, VDB) and the compound growth are in
:mod:`._rt_functions`.
"""

from __future__ import annotations

from ... import ir
from ...values import DIV0, NUM, VALUE
from . import _intervals as iv
from ._args import ArgsMixin
from ._values import NotFusable, Val, lit, num


class FinanceMixin(ArgsMixin):
    """PMT, PV, FV, SLN, DB, VDB (see the module docstring)."""

    def scalar_args(self, node: ir.Call, defaults: tuple[float | None, ...],
                    required: int) -> list[Val]:
        """The arguments of a function of numbers (``_scalars.numbers``, not dates)."""
        if not required <= len(node.args) <= len(defaults):
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        out = []
        for j, d in enumerate(defaults):
            a = node.args[j] if j < len(node.args) else None
            if a is None:
                out.append(num("0.0", str(VALUE), (0.0, 0.0)) if d is None else
                           num(lit(d), "0", iv.point(d)))
            elif isinstance(a, ir.Missing):
                x = 0.0 if d is None else float(d)
                out.append(num(lit(x), "0", iv.point(x)))
            elif isinstance(a, ir.Area):
                raise NotFusable(f"{node.name} over a range (array formula)")
            else:
                out.append(self.number(a))   # text made per trial too (_dvalue)
        return out

    # ------------------------------------------------------------ annuities
    def fn_pmt(self, node: ir.Call) -> Val:
        """financial.pmt: #NUM! for n = 0, then for a rate of -1."""
        r, n, v, f, t = self.scalar_args(node, (None, None, None, 0.0, 0.0), 3)
        checks = [(f"({n.v} == 0.0)", NUM), (f"({r.v} == -1.0)", NUM)]
        return self.result(f"pmt({r.v}, {n.v}, {v.v}, {f.v}, {t.v})", [r, n, v, f, t], checks)

    def fn_fv(self, node: ir.Call) -> Val:
        r, n, p, v, t = self.scalar_args(node, (None, None, 0.0, 0.0, 0.0), 3)
        return self.result(f"fv({r.v}, {n.v}, {p.v}, {v.v}, {t.v})", [r, n, p, v, t],
                           [(f"({r.v} == -1.0)", NUM)])

    def fn_pv(self, node: ir.Call) -> Val:
        r, n, p, f, t = self.scalar_args(node, (None, None, None, 0.0, 0.0), 3)
        return self.result(f"pv({r.v}, {n.v}, {p.v}, {f.v}, {t.v})", [r, n, p, f, t],
                           [(f"({r.v} == -1.0)", NUM)])

    def _per_checks(self, per: Val, n: Val) -> list[tuple[str, int] | None]:
        """financial._per_checks: #NUM! for n = 0, then for a period outside 1 .. n."""
        return [(f"({n.v} == 0.0)", NUM), (f"({per.v} < 1.0) | ({per.v} >= {n.v} + 1.0)", NUM)]

    def fn_ipmt(self, node: ir.Call) -> Val:
        r, per, n, v, f, t = self.scalar_args(node, (None, None, None, None, 0.0, 0.0), 4)
        return self.result(f"ipmt({r.v}, {per.v}, {n.v}, {v.v}, {f.v}, {t.v})",
                           [r, per, n, v, f, t], self._per_checks(per, n))

    def fn_ppmt(self, node: ir.Call) -> Val:
        r, per, n, v, f, t = self.scalar_args(node, (None, None, None, None, 0.0, 0.0), 4)
        return self.result(f"pmt({r.v}, {n.v}, {v.v}, {f.v}, {t.v}) - "
                           f"ipmt({r.v}, {per.v}, {n.v}, {v.v}, {f.v}, {t.v})",
                           [r, per, n, v, f, t], self._per_checks(per, n))

    def fn_nper(self, node: ir.Call) -> Val:
        """financial.nper: #DIV/0! for a zero rate and payment."""
        r, p, v, f, t = self.scalar_args(node, (None, None, None, 0.0, 0.0), 3)
        return self.result(f"nper({r.v}, {p.v}, {v.v}, {f.v}, {t.v})", [r, p, v, f, t],
                           [(f"({r.v} == 0.0) & ({p.v} == 0.0)", DIV0)])

    def _cumulative(self, node: ir.Call, principal: bool) -> Val:
        """financial._cumulative (CUMIPMT, CUMPRINC; Analysis ToolPak arguments): #NUM!
        outside the domain, the periods from ceil(start) to floor(end)."""
        if len(node.args) != 6:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        r, n, v, start, end, t = (self.date_arg(a, None, True, dates=False) for a in node.args)
        s0 = self.value(f"np.ceil({start.v})")
        e0 = self.value(f"np.floor({end.v})")
        bad = self.value(f"({r.v} <= 0.0) | ({n.v} <= 0.0) | ({v.v} <= 0.0) | ({s0} < 1.0) | "
                         f"({e0} < {s0}) | ({e0} > {n.v}) | (({t.v} != 0.0) & ({t.v} != 1.0))")
        got = self.value(f"cum_pay({r.v}, {n.v}, {v.v}, {s0}, sel({bad}, 0.0, {e0}), {t.v}, "
                         f"{1.0 if principal else 0.0})")
        return self.result(got, [r, n, v, start, end, t], [(bad, NUM)])

    def fn_cumipmt(self, node: ir.Call) -> Val:
        return self._cumulative(node, False)

    def fn_cumprinc(self, node: ir.Call) -> Val:
        return self._cumulative(node, True)

    def fn_rate(self, node: ir.Call) -> Val:
        """financial.rate: Newton's method from the guess (0.1), #NUM! for n <= 0 or where
        it does not converge."""
        n, p, v, f, t, g = self.scalar_args(node, (None, None, None, 0.0, 0.0, 0.1), 3)
        x = self.value(f"rate_root(sel({n.v} <= 0.0, 1.0, {n.v}), {p.v}, {v.v}, {f.v}, "
                       f"{t.v}, {g.v})")
        ok = self.value(f"{x}[1]")
        r = self.value(f"sel({n.v} <= 0.0, {g.v}, {x}[0])")
        return self.result(r, [n, p, v, f, t, g], [(f"({n.v} <= 0.0) | ({ok} == 0.0)", NUM)])

    # ------------------------------------------------------------ depreciation
    def fn_ddb(self, node: ir.Call) -> Val:
        """financial.ddb: #NUM! outside the domain."""
        c, s, life, per, f = self.scalar_args(node, (None, None, None, None, 2.0), 4)
        bad = self.value(f"({c.v} < 0.0) | ({s.v} < 0.0) | ({life.v} <= 0.0) | ({per.v} <= 0.0)"
                         f" | ({per.v} > {life.v}) | ({f.v} <= 0.0)")
        return self.result(f"ddb({c.v}, {s.v}, {life.v}, {per.v}, {f.v})",
                           [c, s, life, per, f], [(bad, NUM)])

    def fn_sln(self, node: ir.Call) -> Val:
        c, s, life = self.scalar_args(node, (None, None, None), 3)
        zero = None if iv.excludes_zero(life.iv) else (f"({life.v} == 0.0)", DIV0)
        g = life.v if zero is None else self.value(f"sel({life.v} == 0.0, 1.0, {life.v})")
        bounds = iv.div(iv.sub(c.iv, s.iv), life.iv)
        return self.result(f"({c.v} - {s.v}) / {g}", [c, s, life], [zero], bounds)

    def fn_db(self, node: ir.Call) -> Val:
        """financial.db: period and month truncated; #NUM! outside the domain."""
        c, s, life, per, month = self.scalar_args(node, (None, None, None, None, 12.0), 4)
        p = self.value(f"np.trunc({per.v})")
        m = self.value(f"np.trunc({month.v})")
        bad = self.value(f"({c.v} < 0.0) | ({s.v} < 0.0) | ({life.v} <= 0.0) | ({p} <= 0.0) | "
                         f"({m} < 1.0) | ({m} > 12.0) | ({p} > {life.v} + b2f({m} < 12.0))")
        gp = self.value(f"sel({bad}, 1.0, {p})")
        return self.result(f"db({c.v}, {s.v}, {life.v}, {gp}, {m})", [c, s, life, per, month],
                           [(bad, NUM)])

    def fn_vdb(self, node: ir.Call) -> Val:
        """financial.vdb: #NUM! outside the domain; the periods laid out from time 0."""
        c, s, life, start, end, factor, no_switch = self.scalar_args(
            node, (None, None, None, None, None, 2.0, 0.0), 5)
        bad = self.value(f"({c.v} < 0.0) | ({s.v} < 0.0) | ({life.v} <= 0.0) | "
                         f"({start.v} < 0.0) | ({end.v} < {start.v}) | ({end.v} > {life.v}) | "
                         f"({factor.v} <= 0.0)")
        gl = self.value(f"sel({bad}, 1.0, {life.v})")
        ge = self.value(f"sel({bad}, 0.0, {end.v})")
        args = [c, s, life, start, end, factor, no_switch]
        return self.result(f"vdb({c.v}, {s.v}, {gl}, {start.v}, {ge}, {factor.v}, "
                           f"{no_switch.v})", args, [(bad, NUM)])


__all__ = ["FinanceMixin"]
