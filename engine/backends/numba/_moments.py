"""Aggregates of deviations and shape for the kernel generator (a mixin): AVEDEV, DEVSQ,
GEOMEAN, HARMEAN (engine.functions.stats), KURT, SKEW, SKEW.P, TRIMMEAN, MODE/MODE.SNGL
(engine.functions.moments), the paired sums SUMX2MY2/SUMX2PY2/SUMXMY2 (.regression), PROB
(.frequency), SERIESSUM (.math) and STANDARDIZE (.distributions).

Arguments follow AVERAGE's rules (:meth:`._args.ArgsMixin.numbers`: a direct argument
coerced, in a range only numbers, a cell whose kind varies per trial counted where it holds
a number).  Where the library sums a trial's row of an (n, k) matrix (``.sum(axis=1)``),
the sum is emitted in numpy's own pairwise order (:meth:`pairwise`), so the same additions
round the same way; where it adds columns one by one (stats._sum) it is a left fold.
Everything is generated inline from names the CUDA translation already has (``sel``,
``np.power``, ``kth_small`` ...), so these need no runtime twins.
"""

from __future__ import annotations

from ... import ir
from ...values import DIV0, NA, NUM, VALUE
from ._args import ArgsMixin
from ._range_memo import once_per_cell
from ._values import KANY, KBLANK, KBOOL, KNUM, KSTR, NotFusable, Val, errors_of, lit, num

MAX_MODE_VALUES = 64       # MODE compares every pair of a trial's values inline


class MomentsMixin(ArgsMixin):
    """See the module docstring."""

    # ------------------------------------------------------------ building blocks
    def pairwise(self, terms: list[str]) -> str:
        """numpy's pairwise sum of ``terms`` (numpy/core/src/umath/loops_utils pairwise_sum:
        below 8 a left fold from 0.0; up to 128 eight running sums combined as
        ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) and the rest added; above, two halves)."""
        n = len(terms)
        if n < 8:
            acc = "0.0"
            for t in terms:
                acc = self.value(f"{acc} + {t}")
            return acc
        if n <= 128:
            r = list(terms[:8])
            i = 8
            while i < n - n % 8:
                r = [self.value(f"{r[j]} + {terms[i + j]}") for j in range(8)]
                i += 8
            a = self.value(f"({r[0]} + {r[1]}) + ({r[2]} + {r[3]})")
            b = self.value(f"({r[4]} + {r[5]}) + ({r[6]} + {r[7]})")
            acc = self.value(f"{a} + {b}")
            for t in terms[i:]:
                acc = self.value(f"{acc} + {t}")
            return acc
        n2 = n // 2
        n2 -= n2 % 8
        return self.value(f"{self.pairwise(terms[:n2])} + {self.pairwise(terms[n2:])}")

    def _masked(self, x: str, p: str | None, fill: str = "0.0") -> str:
        return x if p is None else self.value(f"sel({p}, {x}, {fill})")

    def _count_of(self, ps: list[str | None]) -> str:
        """How many values count in this trial (exact: a sum of ones)."""
        fixed = float(sum(p is None for p in ps))
        acc = lit(fixed)
        for p in ps:
            if p is not None:
                acc = self.value(f"{acc} + b2f({p})")
        return acc

    def _sample(self, node: ir.Call) -> tuple[list[str], list[str | None], str]:
        """moments.sample: (values, presence conditions (None: always), first error)."""
        vals, e = self.numbers(node, omitted_zero=True)
        return [v.v for v in vals], [self.present(v) for v in vals], e

    def _deviation_sum(self, node: ir.Call, term: str) -> tuple[str, str, str]:
        """stats._deviations: (sum of term(x - mean) over the numbers as a left fold, their
        count, the first error); ``term`` formats ``{d}``."""
        vals, e = self.numbers(node, omitted_zero=True)
        acc, cnt, _ = self.masked_sum(vals)
        mean = self.value(f"{acc} / {cnt}")
        dev = "0.0"
        for v in vals:
            d = self.value(f"{v.v} - {mean}")
            t = self.value(term.format(d=d))
            dev = self.value(f"{dev} + {self._masked(t, self.present(v))}")
        return dev, cnt, e

    # ------------------------------------------------------------ stats.py
    @once_per_cell
    def fn_devsq(self, node: ir.Call) -> Val:
        dev, cnt, e = self._deviation_sum(node, "{d} * {d}")
        return self.result(dev, [errors_of(e)], [(f"({cnt} == 0.0)", NUM)])

    @once_per_cell
    def fn_avedev(self, node: ir.Call) -> Val:
        dev, cnt, e = self._deviation_sum(node, "abs({d})")
        return self.result(f"{dev} / {cnt}", [errors_of(e)], [(f"({cnt} == 0.0)", NUM)])

    def _positive_mean(self, node: ir.Call, geometric: bool) -> Val:
        """stats.geomean and .harmean: #NUM! where a number is <= 0 or there is none."""
        xs, ps, e = self._sample(node)
        cnt = self._count_of(ps)
        bad = self.value(f"{cnt} == 0.0")
        acc = "0.0"
        for x, p in zip(xs, ps, strict=True):
            le = self.value(f"{x} <= 0.0")
            bad = self.value(f"{bad} | {le}" if p is None else f"{bad} | ({p} & {le})")
            g = self.value(f"sel({x} > 0.0, {x}, 1.0)")
            t = self.value(f"np.log({g})" if geometric else f"1.0 / {g}")
            acc = self.value(f"{acc} + {self._masked(t, p)}")
        r = f"np.exp({acc} / {cnt})" if geometric else f"{cnt} / {acc}"
        return self.result(r, [errors_of(e)], [(bad, NUM)])

    @once_per_cell
    def fn_geomean(self, node: ir.Call) -> Val:
        return self._positive_mean(node, True)

    @once_per_cell
    def fn_harmean(self, node: ir.Call) -> Val:
        return self._positive_mean(node, False)

    # ------------------------------------------------------------ moments.py
    def _standardized(self, xs: list[str], ps: list[str | None], ddof: int
                      ) -> tuple[str, list[str], str]:
        """moments._standardized: (count, z-scores (0 where absent), standard deviation),
        every row sum in numpy's pairwise order."""
        cnt = self._count_of(ps)
        pairs = list(zip(xs, ps, strict=True))
        mean = self.value(f"{self.pairwise([self._masked(x, p) for x, p in pairs])} / {cnt}")
        ds = [self._masked(self.value(f"{x} - {mean}"), p) for x, p in pairs]
        ss = self.pairwise([self.value(f"{d} * {d}") for d in ds])
        sd = self.value(f"np.sqrt({ss} / ({cnt} - {lit(float(ddof))}))")
        zs = [self._masked(self.value(f"{d} / {sd}"), p) for d, p in zip(ds, ps, strict=True)]
        return cnt, zs, sd

    def _power_sum(self, zs: list[str], k: float) -> str:
        return self.pairwise([self.value(f"np.power({z}, {lit(k)})") for z in zs])

    def _long_moment(self, node: ir.Call, ddof: int, k: float
                     ) -> tuple[str, str, str, str] | None:
        """_standardized and _power_sum over a long range of numbers gathered once per trial
        (:mod:`._gather`): the same pairwise sums, as loops (``arr_pairwise``); (count, sum
        of the k-th powers of the z-scores, standard deviation, first error), or None (the
        lines it made taken back) where the values are few or of a kind that varies."""
        mark = len(self.lines)
        vals, e = self.numbers(node, omitted_zero=True)
        z = self.gathered(vals)   # type: ignore[attr-defined]
        if z is None:
            del self.lines[mark:]
            return None
        n = len(vals)
        c = lit(float(n))
        mean = self.value(f"arr_pairwise({z}, {n}, 0.0, 0.0, 1.0, 1.0) / {c}")
        ss = self.value(f"arr_pairwise({z}, {n}, 1.0, {mean}, 1.0, 1.0)")
        sd = self.value(f"np.sqrt({ss} / ({c} - {lit(float(ddof))}))")
        s_k = self.value(f"arr_pairwise({z}, {n}, 2.0, {mean}, {sd}, {lit(k)})")
        return c, s_k, sd, e

    @once_per_cell
    def fn_kurt(self, node: ir.Call) -> Val:
        got = self._long_moment(node, 1, 4.0)
        if got is not None:
            c, s4, sd, e = got
        else:
            xs, ps, e = self._sample(node)
            c, zs, sd = self._standardized(xs, ps, 1)
            s4 = self._power_sum(zs, 4.0)
        r = self.value(f"{c} * ({c} + 1.0) / (({c} - 1.0) * ({c} - 2.0) * ({c} - 3.0)) * {s4}"
                       f" - 3.0 * (({c} - 1.0) * ({c} - 1.0)) / (({c} - 2.0) * ({c} - 3.0))")
        return self.result(r, [errors_of(e)], [(f"({c} < 4.0) | ({sd} == 0.0)", DIV0)])

    @once_per_cell
    def fn_skew(self, node: ir.Call) -> Val:
        got = self._long_moment(node, 1, 3.0)
        if got is not None:
            c, s3, sd, e = got
        else:
            xs, ps, e = self._sample(node)
            c, zs, sd = self._standardized(xs, ps, 1)
            s3 = self._power_sum(zs, 3.0)
        r = self.value(f"{c} / (({c} - 1.0) * ({c} - 2.0)) * {s3}")
        return self.result(r, [errors_of(e)], [(f"({c} < 3.0) | ({sd} == 0.0)", DIV0)])

    @once_per_cell
    def fn_skew_p(self, node: ir.Call) -> Val:
        got = self._long_moment(node, 0, 3.0)
        if got is not None:
            c, s3, sd, e = got
        else:
            xs, ps, e = self._sample(node)
            c, zs, sd = self._standardized(xs, ps, 0)
            s3 = self._power_sum(zs, 3.0)
        r = self.value(f"{s3} / {c}")
        return self.result(r, [errors_of(e)], [(f"({c} < 1.0) | ({sd} == 0.0)", DIV0)])

    def fn_trimmean(self, node: ir.Call) -> Val:
        """moments.trimmean: the numbers sorted (absent ones as +inf, last), floor(n*p/2) cut
        at each end, the rest averaged (their sum in numpy's pairwise order)."""
        if len(node.args) != 2 or isinstance(node.args[1], ir.Area):
            raise NotFusable("TRIMMEAN with a wrong argument")
        xs, ps, e = self._sample(ir.Call(node.name, node.args[:1]))
        p = self.number(node.args[1])
        k = len(xs)
        cnt = self._count_of(ps)
        bad = f"({p.v} < 0.0) | ({p.v} >= 1.0) | ({cnt} == 0.0)"
        if k == 0:
            return num("0.0", self.err(self.chain([e, p.e], [(bad, NUM)])), (0.0, 0.0))
        z = self.scratch(k)
        for j, (x, q) in enumerate(zip(xs, ps, strict=True)):
            self.lines.append(f"{z}[{j}] = {self._masked(x, q, 'np.inf')}")
        self.value(f"kth_small({z}, {k}, 1.0)")   # sorts z[0:k] in place
        cut = self.value(f"np.floor({cnt} * {p.v} / 2.0)")
        top = self.value(f"{cnt} - {cut}")
        keep = [self.value(f"({lit(float(j))} >= {cut}) & ({lit(float(j))} < {top})")
                for j in range(k)]
        total = self.pairwise([self.value(f"sel({m}, {z}[{j}], 0.0)")
                               for j, m in enumerate(keep)])
        kept = self._count_of(keep)
        return self.result(f"{total} / {kept}", [errors_of(e), p], [(bad, NUM)])

    def fn_mode_sngl(self, node: ir.Call) -> Val:
        """moments.mode_sngl: the number seen most often, the first seen on a tie; #N/A
        where none repeats."""
        xs, ps, e = self._sample(node)
        k = len(xs)
        if k > MAX_MODE_VALUES:
            raise NotFusable(f"MODE over more than {MAX_MODE_VALUES} values")
        if k < 2:
            return num("0.0", self.err(self.chain([e], [("True", NA)])), (0.0, 0.0))
        counts = []
        for i, (x, p) in enumerate(zip(xs, ps, strict=True)):
            acc = "0.0"
            for j, (y, q) in enumerate(zip(xs, ps, strict=True)):
                eq = f"({x} == {y})" if i != j else "True"
                hit = eq if q is None else f"({q} & {eq})"
                acc = self.value(f"{acc} + b2f({hit})")
            counts.append(self._masked(acc, p))
        best = counts[0]
        for c in counts[1:]:
            best = self.value(f"max({best}, {c})")
        r = xs[-1]
        for x, c in reversed(list(zip(xs[:-1], counts[:-1], strict=True))):
            r = self.value(f"sel({c} == {best}, {x}, {r})")
        return self.result(r, [errors_of(e)], [(f"({best} < 2.0)", NA)])

    fn_mode = fn_mode_sngl

    def fn_mode_mult(self, node: ir.Call) -> Val:
        """moments.mode_mult as a cell's own formula (not an array formula): the value the
        cell keeps is its first element, MODE.SNGL's (#N/A where no number repeats); its
        other elements (as many as the chunk's most, per trial) are left to numpy."""
        cell = self.model.workbook.cell(self.cell) if self.cell is not None else None
        if cell is None or cell.array_ref or cell.array_anchor \
                or node is not self.model.code(self.cell).node:
            raise NotFusable("MODE.MULT other than as a cell's own formula")
        return self.fn_mode_sngl(node)

    # ------------------------------------------------------------ paired sums, PROB
    def _pair_numbers(self, node: ir.Node | None, what: str) -> list[Val]:
        """regression.cells and .numbers: a range's cells row by row (a single cell one)."""
        if isinstance(node, ir.Ref):
            cells = [self.operand(node.cell)]
        elif isinstance(node, ir.Area):
            cells = [self.operand(c) for c in self.area_cells(node)]
        elif isinstance(node, ir.Array) and node.rows and all(
                isinstance(x, ir.Num | ir.Str | ir.Bool | ir.Err) for row in node.rows
                for x in row) and len({len(row) for row in node.rows}) == 1:
            cells = [self.expr(x) for row in node.rows for x in row]   # {1,2;3,4}
        else:
            raise NotFusable(f"{what} of something other than a range")
        return cells

    @staticmethod
    def _number_mask(v: Val) -> str | None:
        """Where a cell holds a number (regression.numbers): None for always, "False" for
        never, else a condition (an error is no number)."""
        if v.kind == KNUM:
            return None if v.e == "0" else f"({v.e} == 0)"
        if v.kind == KANY:
            assert v.y is not None
            return f"(({v.y} == 0.0) & ({v.e} == 0))"
        return "False"

    def _pair_sum(self, node: ir.Call, term: str) -> Val:
        """regression._pair_sum: #N/A where the sizes differ (before any error); the first
        error of the first array, then the second's; the pairwise sum of where(both cells
        hold numbers, term, 0) over the pairs in order."""
        if len(node.args) != 2:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        a = self._pair_numbers(node.args[0], node.name)
        b = self._pair_numbers(node.args[1], node.name)
        if len(a) != len(b) or not a:
            return num("0.0", str(NA), (0.0, 0.0))
        e = self.err(self.chain([v.e for v in a] + [v.e for v in b]))
        terms = []
        for x, y in zip(a, b, strict=True):
            mx, my = self._number_mask(x), self._number_mask(y)
            if "False" in (mx, my):
                terms.append("0.0")
                continue
            m = mx if my is None else my if mx is None else self.value(f"{mx} & {my}")
            terms.append(self._masked(self.value(term.format(x=x.v, y=y.v)), m))
        return self.result(self.pairwise(terms), [errors_of(e)])

    def fn_sumx2my2(self, node: ir.Call) -> Val:
        return self._pair_sum(node, "{x} * {x} - {y} * {y}")

    def fn_sumx2py2(self, node: ir.Call) -> Val:
        return self._pair_sum(node, "{x} * {x} + {y} * {y}")

    def fn_sumxmy2(self, node: ir.Call) -> Val:
        return self._pair_sum(node, "({x} - {y}) * ({x} - {y})")

    def fn_prob(self, node: ir.Call) -> Val:
        """frequency.prob: the sum of the probabilities whose x lies in [lower, upper]
        (upper omitted: equal to lower); #NUM! where a probability is outside [0, 1] or they
        do not add up to 1 (1e-12)."""
        if not 3 <= len(node.args) <= 4 or any(isinstance(a, ir.Area) for a in node.args[2:]):
            raise NotFusable("PROB with a wrong argument")
        a = self.number(node.args[2])
        upper = node.args[3] if len(node.args) > 3 else None
        b = a if upper is None or isinstance(upper, ir.Missing) else self.number(upper)
        xs = self._pair_numbers(node.args[0], node.name)
        pr = self._pair_numbers(node.args[1], node.name)
        if len(xs) != len(pr) or not xs:
            return num("0.0", str(NA), (0.0, 0.0))
        e = self.err(self.chain([v.e for v in xs] + [v.e for v in pr]))
        pps, ins = [], []
        for x, p in zip(xs, pr, strict=True):
            mx, mp = self._number_mask(x), self._number_mask(p)
            if "False" in (mx, mp):
                pps.append("0.0")
                ins.append("0.0")
                continue
            m = mx if mp is None else mp if mx is None else self.value(f"{mx} & {mp}")
            pps.append(self._masked(p.v, m))
            inside = f"({x.v} >= {a.v}) & ({x.v} <= {b.v})"
            ins.append(self.value(f"sel({inside if m is None else f'{m} & {inside}'}, "
                                  f"{p.v}, 0.0)"))
        bad = "False"
        for q in pps:
            if q != "0.0":
                bad = self.value(f"{bad} | ({q} < 0.0) | ({q} > 1.0)")
        total = self.pairwise(pps)
        bad = self.value(f"{bad} | (abs({total} - 1.0) > 1e-12)")
        errs = [e, a.e] + ([b.e] if b is not a else [])
        r = self.pairwise(ins)
        return self.result(r, [errors_of(self.err(self.chain(errs)))], [(bad, NUM)])

    # ------------------------------------------------------------ SERIESSUM, STANDARDIZE
    def _atp(self, node: ir.Node) -> Val:
        """math.atp_number: a number; a logical (or a range) is #VALUE!."""
        if isinstance(node, ir.Area):
            raise NotFusable("SERIESSUM with a range where a number is expected")
        v = self.expr(node)
        if v.kind == KANY:
            raise NotFusable("SERIESSUM of a value whose type varies per trial")
        if v.kind == KBOOL:
            return num("0.0", self.err(self.chain([v.e], [("True", VALUE)])), (0.0, 0.0))
        return self.as_number(v)

    def fn_seriessum(self, node: ir.Call) -> Val:
        """math.seriessum: the sum of a_i * x^(n + i*m) over the coefficients in order; a
        text or logical coefficient is #VALUE!, a blank one 0."""
        if len(node.args) != 4:
            raise NotFusable("SERIESSUM with a wrong number of arguments")
        x, n, m = (self._atp(a) for a in node.args[:3])
        c = node.args[3]
        if isinstance(c, ir.Area):
            coef = [self.operand(cell) for cell in self.area_cells(c)]
        elif isinstance(c, ir.Missing):
            coef = [Val("0.0", "0", KBLANK, 0.0, 0.0)]
        else:
            coef = [self.expr(c)]
        errs = [x.e, n.e, m.e]
        total = "0.0"
        for i, a in enumerate(coef):
            if a.kind == KANY:   # to_number per trial: a logical 1/0, text read or #VALUE!
                a = self.as_number(a)
            if a.kind in (KSTR, KBOOL):
                # to_number's error first (text that is no number), then #VALUE!
                errs.append(self.as_number(a).e if a.kind == KSTR else a.e)
                errs.append(str(VALUE))
                continue
            errs.append(a.e)
            if a.kind == KBLANK:
                a = Val("0.0", a.e, KNUM, 0.0, 0.0)
            ex = self.value(f"{n.v} + {lit(float(i))} * {m.v}")
            total = self.value(f"{total} + {a.v} * np.power({x.v}, {ex})")
        return self.result(total, [errors_of(self.err(self.chain(errs)))])

    def fn_standardize(self, node: ir.Call) -> Val:
        if len(node.args) != 3:
            raise NotFusable("STANDARDIZE with a wrong number of arguments")
        x, m, s = self.numeric(node, (0.0, 0.0, 0.0))
        g = self.value(f"sel({s.v} <= 0.0, 1.0, {s.v})")
        return self.result(f"({x.v} - {m.v}) / {g}", [x, m, s], [(f"({s.v} <= 0.0)", NUM)])


__all__ = ["MomentsMixin", "MAX_MODE_VALUES"]
