"""Cash flows over ranges for the kernel generator (a mixin): XNPV, XIRR and MIRR, as
:mod:`engine.functions.financial` (``xnpv``, ``xirr``, ``_dated``) and :mod:`engine.functions.cashflows`
(``mirr``) compute them for one trial.  The flows are the cells of a range; a cell whose kind
varies per trial is left to numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...values import DIV0, NUM, VALUE
from ._args import ArgsMixin
from ._values import KANY, KBLANK, KNUM, KSTR, NotFusable, Val, lit

if TYPE_CHECKING:
    from ...workbook import CellRef


class CashflowsMixin(ArgsMixin):
    """XNPV, XIRR, MIRR (see the module docstring)."""

    def _flow_cells(self, node: ir.Node, name: str, mixed: bool = False) -> list[Val]:
        """The cells of a range of flows; ``mixed``: cells whose kind varies per trial are
        taken (the caller reads them per trial), else they are left to numpy."""
        if isinstance(node, ir.Ref):
            cells: list[CellRef] = [node.cell]
        elif isinstance(node, ir.Area):
            cells = self.area_cells(node)
        else:
            raise NotFusable(f"{name} of something other than a range")
        vals = [self.operand(c) for c in cells]
        if not mixed and any(v.kind == KANY for v in vals):
            raise NotFusable(f"{name} over cells whose type varies per trial")
        return vals

    def _dated_pairs(self, node: ir.Call, name: str
                     ) -> tuple[list[Val], list[Val], str, list[Val]] | None:
        """financial._dated for XNPV and XIRR (values node.args[0 if XIRR else 1], dates the
        next argument): the values and the truncated dates of the pairs whose value is not
        text or empty, the condition of a date before the first or not a date, and the
        dates' and values' errors as Vals for :meth:`result`; None where the counts differ
        or no pair is left (#NUM!)."""
        k = 0 if name == "XIRR" else 1
        values = self._flow_cells(node.args[k], name, mixed=True)
        dnode = node.args[k + 1]
        if not isinstance(dnode, ir.Ref | ir.Area):
            raise NotFusable(f"{name} of dates that are not a range")
        dcells = [dnode] if isinstance(dnode, ir.Ref) else \
            [ir.Ref(c) for c in self.area_cells(dnode)]
        if len(dcells) != len(values):
            return None
        xs, ds = [], []
        for v, dn in zip(values, dcells, strict=True):
            if v.kind in (KSTR, KBLANK) and v.e == "0":
                continue
            xs.append(self.date_value(v, True, dates=False))
            d = self.date_arg(dn, None, True)
            ds.append(Val(self.value(f"np.trunc({d.v})"), d.e, KNUM, d.lo, d.hi))
        if not xs:
            return None
        d0 = ds[0].v
        bad = " | ".join(f"({d.v} < {d0}) | ({d.v} < 0.0) | ({d.v} > 2958465.0)" for d in ds)
        errs = [Val("", self.err(self.chain([d.e for d in ds])), KNUM),
                Val("", self.err(self.chain([x.e for x in xs])), KNUM)]
        return xs, ds, bad, errs

    def fn_xnpv(self, node: ir.Call) -> Val:
        """financial.xnpv: sum v / (1 + r) ^ ((d - d0) / 365) over the pairs whose value is
        neither text nor empty; errors: the rate's, the dates', the values', then #NUM! for a
        date before the first (or not a date) and for a rate <= 0."""
        if len(node.args) != 3:
            raise NotFusable("XNPV with a wrong number of arguments")
        r = self.date_arg(node.args[0], None, True, dates=False)
        pairs = self._dated_pairs(node, "XNPV")
        if pairs is None:
            return self.result("0.0", [r], [("True", NUM)], (0.0, 0.0))
        xs, ds, bad, errs = pairs
        d0 = ds[0].v
        f = self.value(f"1.0 + {r.v}")
        acc = "0.0"
        for x, d in zip(xs, ds, strict=True):
            acc = self.value(f"{acc} + {x.v} * np.power({f}, -(({d.v} - {d0}) / 365.0))")
        return self.result(acc, [r, *errs], [(bad, NUM), (f"({r.v} <= 0.0)", NUM)])

    def fn_xirr(self, node: ir.Call) -> Val:
        """financial.xirr: the rate where the XNPV of the pairs (those whose value is not
        text or empty) is 0, by the library's Newton and bracketing (_rt_math.mt_xirr);
        errors: the guess's, the dates', the values', then #NUM! for a date before the
        first (or not a date), for flows without both signs or a guess <= -1, and where it
        does not converge."""
        if not 2 <= len(node.args) <= 3:
            raise NotFusable("XIRR with a wrong number of arguments")
        g = self.date_arg(node.args[2] if len(node.args) > 2 else None, 0.1, True)
        pairs = self._dated_pairs(node, "XIRR")
        if pairs is None:
            return self.result("0.0", [g], [("True", NUM)], (0.0, 0.0))
        xs, ds, bad, errs = pairs
        if len(xs) > 128:
            raise NotFusable("XIRR of more than 128 flows")
        m = len(xs)
        d0 = ds[0].v
        buf = self.scratch(4 * m)
        for j, (x, d) in enumerate(zip(xs, ds, strict=True)):
            self.lines.append(f"{buf}[{j}] = {x.v}")
            self.lines.append(f"{buf}[{m + j}] = ({d.v} - {d0}) / 365.0")
        out = self.value(f"mt_xirr({buf}, {m}, {g.v})")
        r = self.value(f"{out}[0]")
        ok = self.value(f"{out}[1]")
        return self.result(r, [g, *errs], [(bad, NUM), (f"({ok} == 0.0)", NUM)])

    def irr_mixed(self, cells: list[Val], guess: Val) -> Val:
        """financial._irr over cells some of whose kind varies per trial: the numbers with
        a presence mask, so numpy solves on the discounted terms (_npv_terms, positions
        cumsum - 1, absent terms 0) instead of Horner's scheme; any error of the values is
        #VALUE!, then the guess's, then #NUM! where it does not converge."""
        flows = [c for c in cells if c.kind in (KNUM, KANY)]
        errs = [c.e for c in cells if c.e != "0"]
        bad_values = (f"({self.err(self.chain(errs))} != 0)", VALUE) if errs else None
        n = len(flows)
        if n > 128:
            raise NotFusable("IRR of more than 128 flows whose type varies per trial")
        buf = self.scratch(4 * n)
        total = "0.0"
        for j, c in enumerate(flows):
            p = self.present(c)
            self.lines.append(f"{buf}[{j}] = {c.v if p is None else f'sel({p}, {c.v}, 0.0)'}")
            self.lines.append(f"{buf}[{n + j}] = {total}")
            total = self.value(f"{total} + {'1.0' if p is None else f'b2f({p})'}")
        out = self.value(f"mt_irr_masked({buf}, {n}, {guess.v})")
        r = self.value(f"{out}[0]")
        ok = self.value(f"{out}[1]")
        return self.result(r, [], [bad_values, (guess.e, 0) if guess.e != "0" else None,
                                   (f"({ok} == 0.0)", NUM)])

    def fn_mirr(self, node: ir.Call) -> Val:
        """cashflows.mirr: (FV of the inflows at the reinvestment rate / -PV of the outflows
        at the finance rate) ^ (1 / (n - 1)) - 1; #DIV/0! without both signs, #NUM! for a
        rate <= -1.  A cell whose kind varies per trial counts where it holds a number, the
        positions of the flows after it move with it (numeric_columns' presence mask)."""
        if len(node.args) != 3:
            raise NotFusable("MIRR with a wrong number of arguments")
        vals = self._flow_cells(node.args[0], "MIRR", mixed=True)
        fr, rr = (self.number(a) for a in node.args[1:])
        errs = [v.e for v in vals]
        flows = [v for v in vals if v.kind in (KNUM, KANY)]
        m = len(flows)
        if not m:
            return self.result("0.0", [Val("", self.err(self.chain(errs)), KNUM), fr, rr],
                               [("True", DIV0)], (0.0, 0.0))
        fin, out = "0.0", "0.0"
        if all(x.kind == KNUM for x in flows):
            for j, x in enumerate(flows):
                fin = self.value(f"{fin} + sel({x.v} > 0.0, {x.v}, 0.0) * "
                                 f"np.power(1.0 + {rr.v}, {lit(float(m - 1 - j))})")
                out = self.value(f"{out} + sel({x.v} < 0.0, {x.v}, 0.0) / "
                                 f"np.power(1.0 + {fr.v}, {lit(float(j))})")
            expo = lit(1.0 / (m - 1)) if m > 1 else "np.inf"
        else:
            here = [self.present(x) for x in flows]   # None: always a number
            pos, total = [], "0.0"
            for p in here:
                pos.append(total)
                total = self.value(f"{total} + {'1.0' if p is None else f'b2f({p})'}")
            for x, p, k in zip(flows, here, pos, strict=True):
                num_x = x.v if p is None else self.value(f"sel({p}, {x.v}, 0.0)")
                fin = self.value(f"{fin} + sel({num_x} > 0.0, {num_x}, 0.0) * "
                                 f"np.power(1.0 + {rr.v}, {total} - 1.0 - {k})")
                out = self.value(f"{out} + sel({num_x} < 0.0, {num_x}, 0.0) / "
                                 f"np.power(1.0 + {fr.v}, {k})")
            expo = self.value(f"1.0 / ({total} - 1.0)")
        r = self.value(f"np.power(-{fin} / {out}, {expo}) - 1.0")
        return self.result(r, [Val("", self.err(self.chain(errs)), KNUM), fr, rr],
                           [(f"({fin} == 0.0) | ({out} == 0.0)", DIV0),
                            (f"({fr.v} <= -1.0) | ({rr.v} <= -1.0)", NUM)])


__all__ = ["CashflowsMixin"]
