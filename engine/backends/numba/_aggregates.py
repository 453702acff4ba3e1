"""Aggregates, financial and statistical functions for the kernel generator
(see :mod:`._functions`; lookups are in :mod:`._lookups`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ... import ir
from ...values import DIV0, NUM, VALUE
from . import _intervals as iv
from ._values import (
    BLANK,
    KANY,
    KNUM,
    ZERO,
    NotFusable,
    Val,
    errors_of,
    lit,
    num,
    union_dom,
)

if TYPE_CHECKING:
    pass
from ._aggregate_options import AggregateOptionsMixin
from ._array_args import ArrayArgsMixin
from ._gather import GatherMixin
from ._moments import MomentsMixin
from ._range_memo import RangeMemoMixin, once_per_cell
from ._suffix_windows import window_sumproduct


class AggregatesMixin(MomentsMixin, AggregateOptionsMixin, ArrayArgsMixin, GatherMixin,
                      RangeMemoMixin):
    """SUM ... VAR, SUMPRODUCT, NPV, IRR; CHOOSE; NORM.INV, NORM.DIST ... (lookups: :mod:`._lookups`)"""

    # ------------------------------------------------------------ aggregates (functions.math/stats)
    def _fold(self, vals: list[Val], start: str, op: str) -> str:
        acc = start
        for x in vals:
            acc = self.value(op.format(acc=acc, x=x.v))
        return acc

    @once_per_cell
    def fn_sum(self, node: ir.Call) -> Val:
        """SUM: 0 + x1 + x2 ... in order (the leading 0 only turns -0.0 into 0.0, which no
        result can tell apart, so it is left out)."""
        got = self.group_sum(node)
        if got is None:
            got = self.running_sum(node)   # SUM($E$18:$E18) copied down (_gather)
        if got is not None:
            return got
        vals, e = self.numbers(node)
        bounds = iv.total(v.iv for v in vals)
        if not vals:
            return self.result("0.0", [errors_of(e)], bounds=(0.0, 0.0))
        z = self.gathered(vals)   # a long range: one loop (-0.0 + x is x: the same sum)
        acc = self.value(f"arr_sum({z}, {len(vals)}, -0.0)") if z is not None else \
            self._fold(vals[1:], vals[0].v, "{acc} + {x}")
        return self.result(acc, [errors_of(e)], bounds=bounds)

    def fn_sumsq(self, node: ir.Call) -> Val:
        vals, e = self.numbers(node)
        bounds = iv.total(iv.mul(v.iv, v.iv) for v in vals)
        acc = self._fold(vals, "0.0", "{acc} + {x} * {x}")
        return self.result(acc, [errors_of(e)], bounds=bounds)

    def fn_product(self, node: ir.Call) -> Val:
        """math.product: 1 * x1 * x2 ...; 0 where there is no number (a cell whose kind
        varies per trial multiplies by 1 where it holds none)."""
        got = self.running_sum(node)   # PRODUCT($B$2:B2) copied down (_gather)
        if got is not None:
            return got
        vals, e = self.numbers(node)
        if any(v.kind == KANY for v in vals):
            acc = "1.0"
            for v in vals:
                acc = self.value(f"{acc} * {self._masked(v.v, self.present(v), '1.0')}")
            cnt = self._count_of([self.present(v) for v in vals])
            return self.result(f"sel({cnt} > 0.0, {acc}, 0.0)", [errors_of(e)])
        bounds: iv.Interval = (1.0, 1.0)
        for v in vals:
            bounds = iv.mul(bounds, v.iv)
        acc = self._fold(vals, "1.0", "{acc} * {x}")
        return self.result(acc if vals else "0.0", [errors_of(e)],
                           bounds=bounds if vals else (0.0, 0.0))

    @once_per_cell
    def fn_average(self, node: ir.Call) -> Val:
        """engine.functions.stats AVERAGE: (0 + x1 + x2 ...) / count; #DIV/0! for none (a
        cell whose kind varies per trial counts where it holds a number)."""
        vals, e = self.numbers(node, omitted_zero=True)
        if not vals:
            return num("0.0", self.err(self.chain([e], [("True", DIV0)])), (0.0, 0.0))
        if any(v.kind == KANY for v in vals):
            acc, cnt, _ = self.masked_sum(vals)
            bounds = iv.make(min(0.0, *(v.lo for v in vals)), max(0.0, *(v.hi for v in vals)))
            return self.result(f"{acc} / {cnt}", [errors_of(e)], [(f"({cnt} == 0.0)", DIV0)],
                               bounds=bounds if iv.bounded(bounds) else iv.UNKNOWN)
        n = float(len(vals))
        bounds = iv.div(iv.total(v.iv for v in vals), (n, n))
        z = self.gathered(vals)
        acc = self.value(f"arr_sum({z}, {len(vals)}, 0.0)") if z is not None else \
            self._fold(vals, "0.0", "{acc} + {x}")
        return self.result(f"{acc} / {lit(n)}", [errors_of(e)], bounds=bounds)

    @once_per_cell
    def _extreme(self, node: ir.Call, fn: str) -> Val:
        """engine.functions.stats MIN and MAX: 0 when there is no number."""
        vals, e = self.numbers(node, omitted_zero=True)
        if not vals:
            return num("0.0", e, (0.0, 0.0))
        pick = min if fn == "min" else max
        bounds = iv.UNKNOWN
        if all(v.bounded for v in vals):
            bounds = (pick(v.lo for v in vals), pick(v.hi for v in vals))
        if any(v.kind == KANY for v in vals):   # masked: from +-inf, 0 where none counted
            acc = "np.inf" if fn == "min" else "-np.inf"
            for x in vals:
                p = self.present(x)
                acc = self.value(f"{fn}({acc}, {x.v})" if p is None else
                                 f"sel({p}, {fn}({acc}, {x.v}), {acc})")
            acc = self.value(f"sel(np.isinf({acc}), 0.0, {acc})")
            if iv.bounded(bounds):
                bounds = (min(bounds[0], 0.0), max(bounds[1], 0.0))
            return self.result(acc, [errors_of(e)], bounds=bounds)
        z = self.gathered(vals)
        if z is not None:
            return self.result(self.value(f"arr_{fn}({z}, {len(vals)})"), [errors_of(e)],
                               bounds=bounds)
        acc = vals[0].v
        for x in vals[1:]:
            acc = self.value(f"{fn}({acc}, {x.v})")
        return self.result(acc, [errors_of(e)], bounds=bounds)

    def fn_min(self, node: ir.Call) -> Val:
        return self._extreme(node, "min")

    def fn_max(self, node: ir.Call) -> Val:
        return self._extreme(node, "max")

    # the ...A functions: text of a range as 0, its logicals 0/1 (numbers() by the name)
    fn_mina = fn_min
    fn_maxa = fn_max

    @once_per_cell
    def _variance(self, node: ir.Call, ddof: int, root: bool) -> Val:
        """engine.functions.stats VAR/STDEV (.S, .P): sum of squared deviations from the
        mean over (count - ddof), never below 0; #DIV/0! when count <= ddof."""
        vals, e = self.numbers(node, omitted_zero=True)
        if any(v.kind == KANY for v in vals):
            return self._masked_variance(vals, e, ddof, root)
        cnt = len(vals)
        if cnt <= ddof:
            return num("0.0", self.err(self.chain([e], [("True", DIV0)])), (0.0, 0.0))
        z = self.gathered(vals)
        if z is not None:   # a long range: two loops, the same additions in the same order
            mean = self.value(f"arr_sum({z}, {cnt}, 0.0) / {lit(cnt)}")
            ss = self.value(f"arr_devsq({z}, {cnt}, {mean})")
        else:
            mean = self.value(f"{self._fold(vals, '0.0', '{acc} + {x}')} / {lit(cnt)}")
            ss = "0.0"
            for x in vals:
                d = self.value(f"{x.v} - {mean}")
                ss = self.value(f"{ss} + {d} * {d}")
        v = self.value(f"max({ss} / {lit(cnt - ddof)}, 0.0)")
        bounds = iv.UNKNOWN
        if all(x.bounded for x in vals):  # every deviation is at most the spread of the values
            width = max(x.hi for x in vals) - min(x.lo for x in vals)
            bounds = iv.make(0.0, width * width * cnt / (cnt - ddof))
            if root:
                bounds = iv.make(0.0, math.sqrt(bounds[1]))
        return self.result(f"np.sqrt({v})" if root else v, [errors_of(e)], bounds=bounds)

    def _masked_variance(self, vals: list[Val], e: str, ddof: int, root: bool) -> Val:
        """_variance over values some of which count only in some trials (stats._deviations
        with masks: a masked deviation adds 0.0)."""
        acc, cnt, _ = self.masked_sum(vals)
        mean = self.value(f"{acc} / {cnt}")
        ss = self.masked_sum(vals, f"({{x}} - {mean}) * ({{x}} - {mean})")[0]
        v = self.value(f"max({ss} / ({cnt} - {lit(float(ddof))}), 0.0)")
        r = self.value(f"np.sqrt({v})" if root else v)
        return self.result(r, [errors_of(e)], [(f"({cnt} <= {lit(float(ddof))})", DIV0)])

    def fn_var(self, node: ir.Call) -> Val:
        return self._variance(node, 1, False)

    fn_var_s = fn_var

    def fn_varp(self, node: ir.Call) -> Val:
        return self._variance(node, 0, False)

    fn_var_p = fn_varp

    def fn_stdev(self, node: ir.Call) -> Val:
        return self._variance(node, 1, True)

    fn_stdev_s = fn_stdev

    def fn_stdevp(self, node: ir.Call) -> Val:
        return self._variance(node, 0, True)

    fn_stdev_p = fn_stdevp
    fn_averagea = fn_average
    fn_vara = fn_var
    fn_varpa = fn_varp
    fn_stdeva = fn_stdev
    fn_stdevpa = fn_stdevp

    def fn_sumproduct(self, node: ir.Call) -> Val:
        """engine.functions.math.sumproduct: arrays of one shape, numbers (else 0) multiplied
        element-wise and summed; element errors first, then a shape mismatch."""
        if not node.args:
            raise NotFusable("SUMPRODUCT without arguments")
        if len(node.args) == 1 and not isinstance(node.args[0], ir.Area | ir.Missing) and \
                (got := self.sumproduct_loop(node.args[0], self.array_shape(node.args[0]))) \
                is not None:
            return got   # one long array expression: a loop over its rows (_row_loops)
        got = window_sumproduct(self, node)   # type: ignore[arg-type]
        if got is not None:
            return got   # windows of a column starting lower every row (_suffix_windows)
        grids: list[list[Val]] = []
        shapes = set()   # as written (a range past the sheet's data is read clipped)
        sizes = []       # as read
        for a in node.args:
            if isinstance(a, ir.Area):
                grids.append([self.in_range(self.operand(c), node.name)
                              for c in self.area_cells(a)])
                shapes.add(a.declared_shape)
                sizes.append(a.shape)
            elif isinstance(a, ir.Missing):
                grids.append([BLANK])
                shapes.add((1, 1))
                sizes.append((1, 1))
            elif (shape := self.array_shape(a)) is not None:
                grids.append([self.array_item(v) for v in self.array_values(a, shape)])
                shapes.add(shape)
                sizes.append(shape)
            else:   # one value: its number, else 0 (math._numbers_or_zero), errors kept
                v = self.expr(a)
                grids.append([self.in_range(v, "SUMPRODUCT") if v.kind == KANY else v])
                shapes.add((1, 1))
                sizes.append((1, 1))
        errs = [v.e for g in grids for v in g]
        if len(shapes) > 1 and len(set(sizes)) > 1:   # math.sumproduct's mismatch
            return num("0.0", self.err(self.chain(errs, [("True", VALUE)])), (0.0, 0.0))
        # past the cells read of any argument a product is 0 (math.sumproduct leaves it out)
        rows, cols = min(s[0] for s in sizes), min(s[1] for s in sizes)
        grids = [g if size == (rows, cols) else
                 [g[r * size[1] + c] for r in range(rows) for c in range(cols)]
                 for g, size in zip(grids, sizes, strict=True)]
        got = self._long_sumproduct(grids, errs)
        if got is not None:
            return got
        total, bounds = "0.0", (0.0, 0.0)
        for k in range(len(grids[0])):
            term, tb = "1.0", (1.0, 1.0)
            for g in grids:
                x = g[k] if g[k].kind == KNUM else ZERO
                term = self.value(f"{term} * {x.v}")
                tb = iv.mul(tb, x.iv)
            total = self.value(f"{total} + {term}")
            bounds = iv.add(bounds, tb)
        return self.result(total, [errors_of(self.err(self.chain(errs)))], bounds=bounds)

    def _long_sumproduct(self, grids: list[list[Val]], errs: list[str]) -> Val | None:
        """SUMPRODUCT of one or two long ranges of numbers, each gathered once per trial
        (:mod:`._gather`) and multiplied and added in one loop: 0 + 1*a*b ... in order, as
        the unrolled lines (1.0 * a is a); None where they are short or vary in kind."""
        n = len(grids[0])
        if len(grids) > 2 or any(v.kind != KNUM for g in grids for v in g):
            return None
        zs = [self.gathered(g) for g in grids]
        if any(z is None for z in zs):
            return None
        bounds = iv.total(iv.mul(*(g[k].iv for g in grids)) if len(grids) == 2 else
                          grids[0][k].iv for k in range(n))
        total = self.value(f"arr_dot({zs[0]}, {zs[1]}, {n})" if len(zs) == 2 else
                           f"arr_sum({zs[0]}, {n}, 0.0)")
        return self.result(total, [errors_of(self.err(self.chain(errs)))], bounds=bounds)

    # ------------------------------------------------------------ array expressions
    def array_shape(self, node: ir.Node) -> tuple[int, int] | None:
        """The shape of an expression over ranges that a function like SUMPRODUCT computes
        as an array (``A1:A9*(B1:B9="x")``, engine.functions.operators.map_grid), None for
        one value."""
        from ._matrices import has_array_call

        if isinstance(node, ir.Ref | ir.Num | ir.Str | ir.Bool | ir.Err) or not (
                has_array_call(node) or any(isinstance(n, ir.Area | ir.Array)
                                            for n in ir.walk(node))):
            return None
        shape = self.mx_elements().shape(node)   # sizes evaluated here (_matrices)
        return None if shape is None or shape == (1, 1) else shape

    def array_values(self, node: ir.Node, shape: tuple[int, int]) -> list[Val]:
        """Its elements in row order, each the value of the element's own IR
        (:class:`._arrays.ArrayElements`: a range's cell at the position, #N/A past a
        smaller operand's edge)."""
        el = self.mx_elements()
        out = []
        for r in range(shape[0]):
            for c in range(shape[1]):
                item = el.element(node, r, c)
                self.array_ir.append(item)   # constants are keyed by the id of their node
                out.append(self.expr(item))
        return out

    def array_item(self, v: Val) -> Val:
        """An element of SUMPRODUCT's array (math._numbers_or_zero): its number, else 0."""
        if v.kind == KANY:
            return self.in_range(v, "SUMPRODUCT")
        return v if v.kind == KNUM else Val("0.0", v.e, KNUM, 0.0, 0.0)

    def fn_npv(self, node: ir.Call) -> Val:
        """engine.functions.financial NPV: sum of x / (1 + rate) ** i over the numbers, in
        order; #DIV/0! for a rate of -1, #VALUE! without any number."""
        if len(node.args) < 2:   # no values: #VALUE! after the rate's error
            rate = self.number(node.args[0]) if node.args else None
            e = self.chain([rate.e] if rate is not None else [], [("True", VALUE)])
            return num("0.0", self.err(e), (0.0, 0.0))
        rate_node = node.args[0]
        if isinstance(rate_node, ir.Area):
            raise NotFusable("NPV with a range as the rate")
        rate = self.number(rate_node)
        vals, e = self.numbers(ir.Call(node.name, node.args[1:]))
        if not vals:
            return num("0.0", self.err(self.chain([rate.e, e], [("True", VALUE)])), (0.0, 0.0))
        f = self.value(f"1.0 + {rate.v}")
        fb = iv.add((1.0, 1.0), rate.iv)
        # discount factors by multiplication, not a power each (numpy's own SIMD power
        # differs from libm's in the last bits anyway): about 1e-15 relative, 20x faster
        v = self.value(f"1.0 / {f}")
        zero = None if iv.excludes_zero(fb) else (f"({f} == 0.0)", DIV0)
        if any(x.kind == KANY for x in vals):
            # a cell whose kind varies counts where it holds a number: its period is the
            # count of numbers up to it in this trial (financial._positions)
            acc, p = "0.0", "1.0"
            for x in vals:
                q = self.present(x)
                p = self.value(f"{p} * {v}" if q is None else f"sel({q}, {p} * {v}, {p})")
                t = self.value(f"{x.v} * {p}")
                acc = self.value(f"{acc} + {self._masked(t, q)}")
            return self.result(acc, [rate, errors_of(e)], [zero])
        acc, bounds, p = "0.0", (0.0, 0.0), v
        for i, x in enumerate(vals, start=1):
            if i > 1:
                p = self.value(f"{p} * {v}")
            acc = self.value(f"{acc} + {x.v} * {p}")
            bounds = iv.add(bounds, iv.mul(x.iv, iv.power(fb, (-i, -i))))
        return self.result(acc, [rate, errors_of(e)], [zero], bounds)

    def _chosen_values(self, node: ir.Node) -> list[ir.Node] | None:
        """The choices of ``CHOOSE({1;2;3}, a, b, c)`` in the order of its index vector (a
        row or column of whole numbers naming choices that are one value each), None for
        anything else: the cash flows of IRR written without a range."""
        if not (isinstance(node, ir.Call) and node.name == "CHOOSE" and len(node.args) > 1
                and isinstance(node.args[0], ir.Array)):
            return None
        rows = node.args[0].rows
        if len(rows) != 1 and any(len(r) != 1 for r in rows):
            return None
        flat = [x for r in rows for x in r]
        if not all(isinstance(x, ir.Num) and float(x.value).is_integer()
                   and 1 <= x.value < len(node.args) for x in flat):
            return None
        picks = [node.args[int(x.value)] for x in flat]   # type: ignore[union-attr]
        if any(isinstance(p, ir.Area | ir.Array | ir.Missing) or self.array_shape(p) is not None
               for p in picks):
            return None
        return picks

    def fn_irr(self, node: ir.Call) -> Val:
        """engine.functions.financial IRR over one range: the numbers of the range (any error
        in it is #VALUE!), Newton from the guess (0.1), #NUM! where it does not converge."""
        if not 1 <= len(node.args) <= 2:
            raise NotFusable("IRR with a wrong number of arguments")
        values = node.args[0]
        if isinstance(values, ir.Ref):
            cells = [self.operand(values.cell)]
        elif isinstance(values, ir.Area):
            cells = [self.operand(c) for c in self.area_cells(values)]
        elif (picks := self._chosen_values(values)) is not None:   # IRR(CHOOSE({1;2},a,b))
            cells = [self.operand(a.cell) if isinstance(a, ir.Ref) else self.expr(a)
                     for a in picks]   # numpy's Grid of the choices, read as a range
        else:
            raise NotFusable("IRR of something other than a range")
        guess_node = node.args[1] if len(node.args) > 1 else None
        if isinstance(guess_node, ir.Area):
            raise NotFusable("IRR with a range as the guess")
        guess = self.number(guess_node, 0.1)
        if any(c.kind == KANY for c in cells):
            return self.irr_mixed(cells, guess)   # numba/_cashflows.py (engineer H5)
        flows = [c for c in cells if c.kind == KNUM]
        errs = [c.e for c in cells if c.e != "0"]
        bad_values = None
        if errs:
            bad_values = (f"({self.err(self.chain(errs))} != 0)", VALUE)
        buf = self.scratch(max(len(flows), 1))
        for j, c in enumerate(flows):
            self.lines.append(f"{buf}[{j}] = {c.v}")
        out = self.value(f"irr({buf}, {len(flows)}, {guess.v})")
        r = self.value(f"{out}[0]")
        ok = self.value(f"{out}[1]")
        return self.result(r, [], [bad_values, (guess.e, 0) if guess.e != "0" else None,
                                   (f"nt({ok})", NUM)])

    # ------------------------------------------------------------ statistical inverses
    def _norm_inv(self, p: Val, mean: Val, sd: Val, log: bool) -> Val:
        from scipy.special import ndtri

        p_ok = p.bounded and p.lo > 0.0 and p.hi < 1.0
        sd_ok = sd.bounded and sd.lo > 0.0
        checks = []
        g = p.v
        if not p_ok:
            bad_p = self.value(f"({p.v} <= 0.0) | ({p.v} >= 1.0)")
            g = self.value(f"sel({bad_p}, 0.5, {p.v})")
            checks.append((bad_p, NUM))
        if not sd_ok:
            checks.append((f"({sd.v} <= 0.0)", NUM))
        z = self.value(f"{mean.v} + {sd.v} * ndtri({g})")
        bounds = iv.UNKNOWN
        if p_ok and sd_ok and mean.bounded:
            zb = iv.make(float(ndtri(p.lo)), float(ndtri(p.hi)))
            bounds = iv.add(mean.iv, iv.mul(sd.iv, zb))
            if log:
                bounds = iv.monotone(math.exp, bounds) if bounds[1] < 700 else iv.UNKNOWN
        return self.result(f"np.exp({z})" if log else z, [p, mean, sd], checks, bounds)

    def fn_norm_inv(self, node: ir.Call) -> Val:
        p, m, s = self.numeric(node, (0.0, 0.0, 0.0))  # empty arguments are 0 there
        return self._norm_inv(p, m, s, False)

    fn_norminv = fn_norm_inv

    def fn_norm_s_inv(self, node: ir.Call) -> Val:
        (p,) = self.numeric(node, (0.0,))
        return self._norm_inv(p, num("0.0", "0", (0.0, 0.0)), num("1.0", "0", (1.0, 1.0)),
                              False)

    fn_normsinv = fn_norm_s_inv

    def fn_lognorm_inv(self, node: ir.Call) -> Val:
        p, m, s = self.numeric(node, (0.0, 0.0, 0.0))
        return self._norm_inv(p, m, s, True)

    fn_loginv = fn_lognorm_inv

    def _norm_dist(self, x: Val, m: Val, sd: Val, cum: Val | None) -> Val:
        """engine.functions.distributions NORM.DIST: z = (x - m) / s; ndtr(z) or the density
        exp(-z*z/2) / (sqrt(2 pi) s); #NUM! for s <= 0."""
        s_ok = sd.bounded and sd.lo > 0.0
        g = sd.v if s_ok else self.value(f"sel({sd.v} > 0.0, {sd.v}, 1.0)")
        z = self.value(f"({x.v} - {m.v}) / {g}")
        # any non-zero flag is TRUE (negative ones too); a flag known only by its bounds may
        # be either unless they exclude 0
        always = cum is None or iv.excludes_zero(cum.iv)
        never = cum is not None and cum.lo == cum.hi == 0.0
        cdf = "0.0" if never else self.value(f"ndtr({z})")
        pdf = "0.0"
        if not always:
            pdf = self.value(f"np.exp(-0.5 * {z} * {z}) / ({lit(math.sqrt(2.0 * math.pi))} "
                             f"* {sd.v})")
        args = [x, m, sd] + ([cum] if cum is not None else [])
        if always or never:
            r = cdf if always else pdf
        else:
            assert cum is not None
            r = self.value(f"sel({cum.v} != 0.0, {cdf}, {pdf})")
        checks = [None if s_ok else (f"({sd.v} <= 0.0)", NUM)]
        bounds = (0.0, 1.0) if always else iv.UNKNOWN
        return self.result(r, args, checks, bounds)

    def fn_norm_dist(self, node: ir.Call) -> Val:
        x, m, sd = self.numeric(ir.Call(node.name, node.args[:3]), (0.0, 0.0, 0.0))
        if len(node.args) > 4:
            raise NotFusable("NORM.DIST with too many arguments")
        cum = self.condition(node.args[3] if len(node.args) > 3 else None)
        return self._norm_dist(x, m, sd, cum)

    fn_normdist = fn_norm_dist

    def fn_norm_s_dist(self, node: ir.Call) -> Val:
        (z,) = self.numeric(ir.Call(node.name, node.args[:1]), (0.0,))
        if len(node.args) > 2:
            raise NotFusable("NORM.S.DIST with too many arguments")
        cum = self.condition(node.args[1] if len(node.args) > 1 else None)
        zero, one = num("0.0", "0", (0.0, 0.0)), num("1.0", "0", (1.0, 1.0))
        return self._norm_dist(z, zero, one, cum)

    def fn_normsdist(self, node: ir.Call) -> Val:
        (z,) = self.numeric(node, (0.0,))
        return self.result(f"ndtr({z.v})", [z], bounds=(0.0, 1.0))

    def fn_choose(self, node: ir.Call) -> Val:
        """engine.functions.lookup CHOOSE: the trunc(k)-th value; #VALUE! outside 1..n."""
        if len(node.args) < 2 or isinstance(node.args[0], ir.Area):
            raise NotFusable("CHOOSE with a wrong argument")
        k = self.number(node.args[0])
        vals = []
        for a in node.args[1:]:
            if isinstance(a, ir.Area):
                raise NotFusable("CHOOSE of a range")
            v = BLANK if isinstance(a, ir.Missing) else self.expr(a)
            vals.append(v)
        n = len(vals)
        ki = self.value(f"np.trunc({k.v})")
        e = vals[0].e
        if len({v.kind for v in vals}) != 1 or vals[0].kind == KANY:
            # the kind varies per trial: merged as IF merges its branches (a tag per trial)
            acc = vals[0]
            for j in range(2, n + 1):
                m = self.value(f"{ki} == {lit(j)}")
                a = vals[j - 1]
                if a.kind == acc.kind != KANY:   # one kind so far: a plain selection
                    acc = Val(self.value(f"sel({m}, {a.v}, {acc.v})"), "0", a.kind,
                              *iv.union([a.iv, acc.iv]), union_dom([a, acc]))
                else:
                    acc = self.mixed(m, a, acc)
                if vals[j - 1].e != "0" or e != "0":
                    e = self.err(f"sel({m}, {vals[j - 1].e}, {e})")
            r, kind, bounds, dom = acc.v, KANY, acc.iv, acc.dom
        else:
            r = vals[0].v
            for j in range(2, n + 1):
                r = self.value(f"sel({ki} == {lit(j)}, {vals[j - 1].v}, {r})")
                if vals[j - 1].e != "0" or e != "0":
                    e = self.err(f"sel({ki} == {lit(j)}, {vals[j - 1].e}, {e})")
            kind, bounds, dom = vals[0].kind, iv.union([v.iv for v in vals]), union_dom(vals)
        inside = k.bounded and k.lo >= 1.0 and k.hi < n + 1
        bad = None if inside else (f"({ki} < 1.0) | ({ki} > {lit(n)})", VALUE)
        err = self.err(self.chain([k.e], [bad, (e, 0) if e != "0" else None]))
        if kind == KANY:
            return Val(r, err, KANY, *bounds, dom, acc.y, acc.kinds)
        return num(r, err, bounds, kind, dom)
