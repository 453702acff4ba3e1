"""Statistical functions for the kernel generator (a mixin): MEDIAN, PERCENTILE(.INC/.EXC),
QUARTILE(.INC/.EXC), LARGE, SMALL, COUNT, COUNTA and LOGNORM.DIST, as
:mod:`engine.functions.stats` and ``.distributions`` compute them for one trial.

Order statistics copy a trial's numbers into a scratch array and sort it there
(:mod:`._rt_functions`): which cells hold numbers is known when the kernel is generated (a
cell's kind is static; a cell whose kind varies per trial is not fused here), so the count is
a constant and only the values move.  Errors: the position argument's first, then the first
error of the numbers' arguments, then the domain (#NUM!), as the library has them.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import numpy as np

from ... import ir
from ...values import DIV0, NA, NUM, VALUE
from . import _intervals as iv
from ._args import ArgsMixin, is_reference, selects_ranges
from ._gather import GATHER_MIN, GatherMixin
from ._range_memo import once_per_cell
from ._values import KANY, KBLANK, KBOOL, KNUM, KSTR, NotFusable, Val, errors_of, lit, num

_SQRT2PI = math.sqrt(2.0 * math.pi)
# the error code of a cell (w: of a formula cell, q: of a constant): defined before any cell
# that reads it, so a later cell may read a first error computed from them (shared_first_error)
_ERROR_NAME = re.compile(r"^[wq]\d+$")
# elements of SMALL's/LARGE's array expression from which it is one loop packing its numbers,
# shared by every cell over the same expression: the CSE "filter list" copied down
# ({=INDEX(r, SMALL(IF((a="x")*(b>0), ROW(r)-2), ROWS($A$3:A3)))}, 12 rows, 60 cells) wrote
# the 12 elements out in each cell (175 lines a cell)
SHARED_ORDER_MIN = 8


class StatsMixin(ArgsMixin, GatherMixin):
    """Order statistics, counts and the lognormal distribution (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator (_aggregates, _aggregate_options)
        def array_shape(self, node: ir.Node) -> tuple[int, int] | None: ...
        def _array_elements(self, a: ir.Node, shape: tuple[int, int], what: str = ...
                            ) -> list[Val]: ...

    # ------------------------------------------------------------ order statistics
    def _sorted_copy(self, vals: list[Val]) -> str:
        """A scratch array holding this trial's ``vals`` (the helpers sort it in place): one
        copy per trial for every cell over the same long range (_gather)."""
        shared = self.shared_sorted_copy(vals)
        if shared is not None:
            return shared
        z = self.scratch(max(len(vals), 1))
        for j, v in enumerate(vals):
            self.lines.append(f"{z}[{j}] = {v.v}")
        return z

    def _order_stat(self, vals: list[Val], arr_e: str, x: Val, how: str,
                    pre: list[tuple[str, int] | None] = ()) -> Val:
        """stats._order_stat of ``vals`` at ``x`` ("inc", "exc", "large", "small"); ``pre``:
        checks that come before the array's errors (QUARTILE's)."""
        if any(v.kind == KANY for v in vals):
            return self._masked_order_stat(vals, arr_e, x, how, pre)
        cnt = len(vals)
        bounds = iv.UNKNOWN
        if all(v.bounded for v in vals) and vals:
            lo, hi = min(v.lo for v in vals), max(v.hi for v in vals)
            bounds = iv.make(lo, hi)
        if cnt == 0:   # no number at all: #NUM! after the errors
            return num("0.0", self.err(self.chain([x.e, arr_e], [*pre, ("True", NUM)])),
                       (0.0, 0.0))
        z = self._sorted_copy(vals)
        if how == "inc":
            bad = None if x.bounded and 0.0 <= x.lo and x.hi <= 1.0 else \
                self.value(f"({x.v} < 0.0) | ({x.v} > 1.0)")
            g = x.v if bad is None else self.value(f"sel({bad}, 0.0, {x.v})")
            r = self.value(f"pct_inc({z}, {cnt}, {g})")
        elif how == "exc":
            h = self.value(f"{lit(cnt + 1.0)} * {x.v} - 1.0")
            bad = self.value(f"({x.v} <= 0.0) | ({x.v} >= 1.0) | ({h} < 0.0) | "
                             f"({h} > {lit(cnt - 1.0)})")
            g = self.value(f"sel({bad}, 0.0, {x.v})")
            r = self.value(f"pct_exc({z}, {cnt}, {g})")
        else:
            kk = self.value(f"np.ceil({x.v} - 1e-12 * abs({x.v}))")
            bad = self.value(f"({kk} < 1.0) | ({kk} > {lit(float(cnt))})")
            g = self.value(f"sel({bad}, 1.0, {kk})")
            r = self.value(f"kth_{how}({z}, {cnt}, {g})")
        checks = [*pre, (bad, NUM) if bad is not None else None]
        return num(r, self.err(self.chain([x.e, arr_e], checks)), bounds)

    def _masked_order_stat(self, vals: list[Val], arr_e: str, x: Val, how: str,
                           pre: list[tuple[str, int] | None]) -> Val:
        """_order_stat where some cells count only in some trials (a kind that varies): the
        numbers of this trial packed into the scratch array, their count per trial."""
        z = self.scratch(len(vals))
        m = "0.0"
        for v in vals:
            self.lines.append(f"{z}[int({m})] = {v.v}")
            p = None if v.kind != KANY else f"({v.y} == 0.0)"
            m = self.value(f"{m} + 1.0" if p is None else f"{m} + b2f({p})")
        n = self.value(f"max(int({m}), 1)")
        if how == "inc":
            bad = self.value(f"({x.v} < 0.0) | ({x.v} > 1.0) | ({m} == 0.0)")
            r = self.value(f"pct_inc({z}, {n}, sel({bad}, 0.0, {x.v}))")
        elif how == "exc":
            h = self.value(f"({m} + 1.0) * {x.v} - 1.0")
            bad = self.value(f"({x.v} <= 0.0) | ({x.v} >= 1.0) | ({h} < 0.0) | "
                             f"({h} > {m} - 1.0) | ({m} == 0.0)")
            r = self.value(f"pct_exc({z}, {n}, sel({bad}, 0.0, {x.v}))")
        else:
            kk = self.value(f"np.ceil({x.v} - 1e-12 * abs({x.v}))")
            bad = self.value(f"({kk} < 1.0) | ({kk} > {m})")
            r = self.value(f"kth_{how}({z}, {n}, sel({bad}, 1.0, {kk}))")
        return num(r, self.err(self.chain([x.e, arr_e], [*pre, (bad, NUM)])))

    def _array_numbers(self, node: ir.Call, array: ir.Node | None) -> tuple[list[Val], str]:
        if array is None or isinstance(array, ir.Missing):
            return [num("0.0", "0", (0.0, 0.0))], "0"
        shape = None if isinstance(array, ir.Area | ir.Ref) else self.array_shape(array)
        if shape is not None:   # SMALL(IF((MONTH(r)=m)*(t=x),ROW(r)-5),k) below INDEX
            # numpy's Grid: its numbers only (numeric_columns), errors propagate
            vals = [self.in_range(v, node.name)
                    for v in self._array_elements(array, shape, node.name)]
            return [v for v in vals if v.kind in (KNUM, KANY)], \
                self.err(self.chain([v.e for v in vals]))
        return self.numbers(ir.Call(node.name, (array,)))

    def _k_arg(self, node: ir.Call) -> Val:
        k = node.args[1] if len(node.args) > 1 else None
        if isinstance(k, ir.Area):
            raise NotFusable(f"{node.name} with an array of positions")
        return self.number(k, 0.0)

    def _positional(self, node: ir.Call, how: str) -> Val:
        if not 1 <= len(node.args) <= 2:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        a = node.args[0]
        if how in ("large", "small") and len(node.args) == 2 and \
                not isinstance(a, ir.Area | ir.Ref | ir.Missing) and \
                not isinstance(node.args[1], ir.Area) and (got := self._shared_order_stat(
                    node, a, how)) is not None:
            return got   # one loop, shared by the cells over the same array (_row_loops)
        vals, e = self._array_numbers(node, a)
        return self._order_stat(vals, e, self._k_arg(node), how)

    def _shared_order_stat(self, node: ir.Call, a: ir.Node, how: str) -> Val | None:
        """SMALL/LARGE of the array expression ``a`` as one loop packing its numbers,
        shared by the cells over the same expression (_row_loops.order_stat_loop), from
        :data:`SHARED_ORDER_MIN` elements: the loop reads the ranges it walks as shared
        copies of that length too (row_gather_least)."""
        shape = self.array_shape(a)
        k = self._k_arg(node)
        self.row_gather_least = SHARED_ORDER_MIN
        try:
            return self.order_stat_loop(a, shape, how, k, False, SHARED_ORDER_MIN)
        finally:
            del self.row_gather_least

    def fn_percentile(self, node: ir.Call) -> Val:
        return self._positional(node, "inc")

    fn_percentile_inc = fn_percentile

    def fn_percentile_exc(self, node: ir.Call) -> Val:
        return self._positional(node, "exc")

    def fn_large(self, node: ir.Call) -> Val:
        return self._positional(node, "large")

    def fn_small(self, node: ir.Call) -> Val:
        return self._positional(node, "small")

    @once_per_cell
    def fn_median(self, node: ir.Call) -> Val:
        vals, e = self.numbers(node, omitted_zero=True)
        return self._order_stat(vals, e, num("0.5", "0", (0.5, 0.5)), "inc")

    def _quartile(self, node: ir.Call, how: str) -> Val:
        """stats._quartile: q truncated; outside 0..4 (inc) or 1..3 (exc) #NUM!, checked
        after q's own error and the array's errors."""
        if not 1 <= len(node.args) <= 2:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        vals, e = self._array_numbers(node, node.args[0])
        q = self._k_arg(node)
        qq = self.value(f"np.trunc({q.v})")
        if how == "inc":
            bad = self.value(f"({q.v} < 0.0) | ({qq} > 4.0)")
        else:
            bad = self.value(f"({qq} <= 0.0) | ({qq} >= 4.0)")
        p = self.value(f"sel({bad}, 0.5, {qq} / 4.0)")
        got = self._order_stat(vals, e, Val(p, "0", KNUM, 0.0, 1.0), how)
        return num(got.v, self.err(self.chain([q.e, got.e], [(bad, NUM)])), got.iv)

    def fn_quartile(self, node: ir.Call) -> Val:
        return self._quartile(node, "inc")

    fn_quartile_inc = fn_quartile

    def fn_quartile_exc(self, node: ir.Call) -> Val:
        return self._quartile(node, "exc")

    def _percentrank(self, node: ir.Call, exc: bool) -> Val:
        """stats._percentrank: the errors of x, of the significance and of the array first;
        then #NUM! for a significance below 1, #N/A for x outside the numbers; the rank
        rounded down to the significance's digits."""
        if not 2 <= len(node.args) <= 3:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        if any(isinstance(a, ir.Area) for a in node.args[1:]):
            raise NotFusable(f"{node.name} with an array of values")
        vals, arr_e = self._array_numbers(node, node.args[0])
        x = self.number(node.args[1], 0.0)
        d = self.number(node.args[2] if len(node.args) > 2 else None, 3.0)
        cnt = len(vals)
        if cnt == 0:
            return num("0.0", self.err(self.chain([x.e, d.e, arr_e], [
                (f"(np.trunc({d.v}) < 1.0)", NUM), ("True", 7)])), (0.0, 0.0))
        if any(v.kind == KANY for v in vals):   # this trial's numbers packed, as the others
            z = self.scratch(cnt)
            m = "0.0"
            for v in vals:
                self.lines.append(f"{z}[int({m})] = {v.v}")
                p = self.present(v)
                m = self.value(f"{m} + 1.0" if p is None else f"{m} + b2f({p})")
            n = self.value(f"max(int({m}), 1)")
            r = self.value(f"pct_rank({z}, {n}, {x.v}, {lit(1.0 if exc else 0.0)})")
            lo, hi = "np.inf", "-np.inf"   # the smallest and largest number of the trial
            for v in vals:
                p = self.present(v)
                lo = self.value(f"min({lo}, {self._masked(v.v, p, 'np.inf')})")
                hi = self.value(f"max({hi}, {self._masked(v.v, p, '-np.inf')})")
            outside = f"({m} == 0.0) | ({x.v} < {lo}) | ({x.v} > {hi})"
        else:
            z = self._sorted_copy(vals)
            r = self.value(f"pct_rank({z}, {cnt}, {x.v}, {lit(1.0 if exc else 0.0)})")
            outside = f"({x.v} < {z}[0]) | ({x.v} > {z}[{cnt - 1}])"
        dt = self.value(f"np.trunc({d.v})")
        small = self.value(f"{dt} < 1.0")
        out = self.value(f"excel_round({r}, sel({dt} >= 1.0, {dt}, 0.0), 2)")
        e = self.err(self.chain([x.e, d.e, arr_e], [(small, NUM), (outside, 7)]))
        return self.result(out, [errors_of(e)], bounds=(0.0, 1.0))

    def fn_percentrank(self, node: ir.Call) -> Val:
        return self._percentrank(node, False)

    fn_percentrank_inc = fn_percentrank

    def fn_percentrank_exc(self, node: ir.Call) -> Val:
        return self._percentrank(node, True)

    # ------------------------------------------------------------ SUBTOTAL (engine.compiler)
    def fn_subtotal(self, node: ir.Call) -> Val:
        """SUBTOTAL(code, ...): the aggregate of the code over the arguments, cells holding
        SUBTOTAL/AGGREGATE themselves (and hidden rows, codes 101-111) left out, as the
        compiler's ``_fn_subtotal`` has it (a left-out cell reads as blank, which every one
        of these aggregates skips: here it is not read at all)."""
        table = {1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MIN", 6: "PRODUCT",
                 7: "STDEV", 8: "STDEVP", 9: "SUM", 10: "VAR", 11: "VARP"}
        which = node.args[0] if node.args else None
        if not isinstance(which, ir.Num):
            raise NotFusable("SUBTOTAL with a computed function number")
        code = int(which.value)
        if code % 100 not in table or code // 100 > 1:   # Excel: 1-11 and 101-111 only
            return num("0.0", str(VALUE), (0.0, 0.0))
        args: list[ir.Node] = []
        for a in node.args[1:]:
            if isinstance(a, ir.Ref):
                a = ir.Area(a.cell.sheet, a.cell.row, a.cell.col, a.cell.row, a.cell.col)
            if not isinstance(a, ir.Area):
                args.append(a)
                continue
            keep = self.model.subtotal_mask(a, code >= 100)
            args.extend(ir.Ref(c) for i, row in enumerate(a.cells())
                        for j, c in enumerate(row) if keep[i, j])
        return self.expr(ir.Call(table[code % 100], tuple(args)))

    # ------------------------------------------------------------ paired data (regression)
    def _pair_cells(self, node: ir.Node | None, what: str) -> list[Val]:
        """regression.cells: the cells of a range row by row, a single cell as one."""
        if isinstance(node, ir.Ref):
            return [self.operand(node.cell)]
        if isinstance(node, ir.Area):
            return [self.operand(c) for c in self.area_cells(node)]
        raise NotFusable(f"{what} of something other than a range")

    def _paired(self, node: ir.Call, which: int, t: Val | None = None) -> Val:
        """regression._pair_stat (and FORECAST): the arrays' sizes must agree (#N/A); their
        first error, y's first (t's before them); then #DIV/0! for too few pairs or no
        spread; a pair counts where both cells hold numbers."""
        ys = self._pair_cells(node.args[-2], node.name)
        xs = self._pair_cells(node.args[-1], node.name)
        pre = [t.e] if t is not None else []
        if len(ys) != len(xs) or not ys:
            return num("0.0", self.err(self.chain(pre, [("True", NA)])), (0.0, 0.0))
        n = len(ys)
        zy, zx, zm = (self.scratch(2 * n) for _ in range(3))
        for j, (a, b) in enumerate(zip(ys, xs, strict=True)):
            self.lines.append(f"{zy}[{j}] = {a.v if a.kind in (KNUM, KANY) else '0.0'}")
            self.lines.append(f"{zx}[{j}] = {b.v if b.kind in (KNUM, KANY) else '0.0'}")
            self.lines.append(f"{zm}[{j}] = {self._is_number(a)} * {self._is_number(b)}")
        r = self.value(f"pair_stat({zy}, {zx}, {zm}, {n}, {which}, {t.v if t else '0.0'})")
        bad = f"(pair_bad({zy}, {zx}, {zm}, {n}, {which}) != 0.0)"
        e = self.err(self.chain([*pre, *(c.e for c in ys), *(c.e for c in xs)],
                                [(bad, DIV0)]))
        return self.result(r, [errors_of(e)])

    @staticmethod
    def _is_number(v: Val) -> str:
        """1.0 where a cell holds a number in this trial (an error cell: its error wins)."""
        if v.kind == KNUM:
            return "1.0"
        if v.kind == KANY:
            assert v.y is not None
            return f"b2f({v.y} == 0.0)"
        return "0.0"

    def _pair_fn(self, node: ir.Call, which: int) -> Val:
        if len(node.args) != 2:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        return self._paired(node, which)

    def fn_correl(self, node: ir.Call) -> Val:
        return self._pair_fn(node, 0)

    fn_pearson = fn_correl

    def fn_rsq(self, node: ir.Call) -> Val:
        return self._pair_fn(node, 1)

    def fn_slope(self, node: ir.Call) -> Val:
        return self._pair_fn(node, 2)

    def fn_intercept(self, node: ir.Call) -> Val:
        return self._pair_fn(node, 3)

    def fn_steyx(self, node: ir.Call) -> Val:
        return self._pair_fn(node, 4)

    def fn_covariance_p(self, node: ir.Call) -> Val:
        return self._pair_fn(node, 5)

    fn_covar = fn_covariance_p

    def fn_covariance_s(self, node: ir.Call) -> Val:
        return self._pair_fn(node, 6)

    def fn_forecast(self, node: ir.Call) -> Val:
        """regression.forecast: x's error first, then as the other statistics."""
        if len(node.args) != 3 or isinstance(node.args[0], ir.Area):
            raise NotFusable("FORECAST with a wrong argument")
        return self._paired(node, 7, self.number(node.args[0]))

    fn_forecast_linear = fn_forecast

    # ------------------------------------------------------------ COUNT, COUNTA
    def _count_items(self, node: ir.Call) -> list[tuple[Val, bool]]:
        """(value, from a reference) of every argument and cell, an omitted argument the
        number 0 (stats._filled), as stats.count iterates them."""
        out: list[tuple[Val, bool]] = []
        for a in node.args:
            if isinstance(a, ir.Missing):
                out.append((num("0.0", "0", (0.0, 0.0)), False))
            elif isinstance(a, ir.Ref):   # ref_item: text made per trial as text (H2)
                out.append((self.ref_item(a.cell), True))
            elif isinstance(a, ir.Area):
                out.extend((self.ref_item(c), True) for c in self.area_cells(a, node.name))
            elif (arr := self.array_call_values(a)) is not None:   # MMULT ... (_matrices)
                out.extend((v, True) for v in arr)
            elif selects_ranges(a):   # CHOOSE(k, range, range ...): the chosen range
                out.extend((v, True) for v in self.selected_ranges(a))
            else:
                v = self.expr(a)
                if is_reference(a) or self.index_cell(a):   # a cell, as referenced
                    out.append((v, True))
                    continue
                if v.kind not in (KNUM, KBOOL, KBLANK, KSTR):
                    raise NotFusable(f"{node.name} of a direct argument that may be text")
                out.append((v, False))
        return out

    def _reads_as_number(self, v: Val) -> str:
        """1.0 where direct text ``v`` reads as a number (stats.count: parse_number), else
        0.0 (an error: 0.0)."""
        from ...values import Kind, Vec, parse_number

        def fn(args: list) -> Vec:
            s = args[0]
            return Vec(Kind.NUM, np.array([1.0 if parse_number(s) is not None else 0.0]))

        got = self.tabulate([Val(v.v, "0", KSTR, v.lo, v.hi, v.dom)], fn, "COUNT of text")
        return got.v if v.e == "0" else self.value(f"sel({v.e} == 0, {got.v}, 0.0)")

    def fn_countblank(self, node: ir.Call) -> Val:
        """stats.countblank: blank cells and empty text of ranges (a range's part past the
        sheet's cells all blank); no error propagates."""
        if not node.args or not all(isinstance(a, ir.Area | ir.Ref) for a in node.args):
            raise NotFusable("COUNTBLANK of something other than ranges")
        fixed, total = 0.0, "0.0"
        empty = self.string_id("")
        for a in node.args:
            if isinstance(a, ir.Area):
                (dr, dc), (rr, rc) = a.declared_shape, a.shape
                fixed += float(dr * dc - rr * rc)
            cells = [a.cell] if isinstance(a, ir.Ref) else self.area_cells(a)
            for v in (self.operand(c) for c in cells):
                if v.kind == KBLANK:
                    fixed += 1.0
                elif v.kind == KSTR and v.dom is not None and empty in v.dom:
                    total = self.value(f"{total} + b2f({v.v} == {lit(float(empty))})")
                elif v.kind == KANY:
                    assert v.y is not None
                    total = self.value(f"{total} + b2f(({v.y} == 3.0) | (({v.y} == 2.0) & "
                                       f"({v.v} == {lit(float(empty))})))")
        # blanks in every trial: one literal where nothing else counts (_const_fold)
        r = self._plus_fixed(total, int(fixed))
        return num(r, "0", (fixed, fixed) if total == "0.0" else (fixed, iv.UNKNOWN[1]))

    # ------------------------------------------------------------ RANK (stats._rank)
    def _rank(self, node: ir.Call, avg: bool) -> Val:
        """stats._rank: 1 + the numbers of the range above (below, for a non-zero order)
        the number, ties averaged for RANK.AVG; #N/A where the number is not in it.  A range
        of numbers is copied into a scratch array and sorted once per trial (shared by a
        column of RANK cells over it, :meth:`_rank_sorted_copy`), each number found in it by
        binary search (``rank_sorted``); a range of cells whose kind varies per trial is
        unrolled, as it was."""
        if not 2 <= len(node.args) <= 3:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        number, ref = node.args[0], node.args[1]
        if isinstance(number, ir.Area) or not isinstance(ref, ir.Ref | ir.Area):
            raise NotFusable(f"{node.name} of an array or over something other than a range")
        x = self.number(number)
        o = self.number(node.args[2] if len(node.args) > 2 else None, 0.0)
        # past the cap where the range is a column of numbers the kernel copies by a loop
        cells = [ref.cell] if isinstance(ref, ir.Ref) else self.area_cells(ref, node.name)
        vals = [self.operand(c) for c in cells]
        nums = [v for v in vals if v.kind in (KNUM, KANY)]
        n = len(nums)
        range_e = self.shared_first_error([v.e for v in vals])
        if nums and all(v.kind == KNUM for v in nums):
            z = self._rank_sorted_copy(nums)
            t = self.value(f"rank_sorted({z}, {n}, {x.v}, {o.v}, {lit(1.0 if avg else 0.0)})")
            return num(self.value(f"abs({t})"),
                       self.err(self.chain([x.e, o.e, range_e], [(f"({t} < 0.0)", NA)])),
                       (1.0, float(max(n, 1))))
        asc = self.value(f"{o.v} != 0.0")
        above, same = "0.0", "0.0"
        for v in nums:
            p = "True" if v.kind == KNUM else f"({v.y} == 0.0)"
            above = self.value(f"{above} + b2f({p} & sel({asc}, {v.v} < {x.v}, {v.v} > {x.v}))")
            same = self.value(f"{same} + b2f({p} & ({v.v} == {x.v}))")
        r = self.value(f"{above} + 1.0" + (f" + max({same} - 1.0, 0.0) / 2.0" if avg else ""))
        return num(r, self.err(self.chain([x.e, o.e, range_e], [(f"({same} == 0.0)", NA)])),
                   (1.0, float(max(n, 1))))

    def _rank_sorted_copy(self, nums: list[Val]) -> str:
        """This trial's ``nums`` sorted once (``rank_sort``, a line right after the copy, in
        the cell that makes it): every RANK cell over them then finds its number by binary
        search (``rank_sorted``), O(log n) a cell instead of a scan of the range (a column of
        n RANK cells over its own column: O(n log n) a trial, not O(n^2)).  The copy is the
        order statistics' shared one (:meth:`_sorted_copy`; they sort it in place: a copy an
        order statistic made is sorted before any later cell reads it)."""
        memo = self._gather_memo()
        got = memo.get(("sorted", tuple(v.v for v in nums)))
        shared = got is not None and self._owner_valid(got[1]) and \
            not (got[1][0] == self.cell and got[1][1] == self.cell_number)
        z = self._sorted_copy(nums)
        if not shared:   # made here (or a copy of this cell's own): sorted here
            self.value(f"rank_sort({z}, {len(nums)})")
        return z

    def shared_first_error(self, errs: list[str]) -> str:
        """The first non-zero of ``errs`` (the error codes of a range's cells), computed once
        per trial by the first cell over them and kept in a shared scratch that later cells
        over the same cells read (a column of RANK cells over one range: each chained every
        cell's error, lines growing with the range in every cell); few errors: chained here."""
        errs = [e for e in errs if e != "0"]
        if len(errs) < GATHER_MIN or not all(_ERROR_NAME.match(e) for e in errs):
            return self.err(self.chain(errs))
        memo = self._gather_memo()
        key = ("first_error", tuple(errs))
        got = memo.get(key)
        if got is not None and self._owner_valid(got[1]):
            self._after(got[1])
            return self.err(f"int({got[0]}[0])")
        e = self.err(self.chain(errs))
        z = self.scratch(1)
        self.shared_scratch.add(z)
        self.lines.append(f"{z}[0] = {e}")
        memo[key] = (z, (self.cell, self.cell_number))
        return e

    def fn_rank(self, node: ir.Call) -> Val:
        return self._rank(node, False)

    fn_rank_eq = fn_rank

    def fn_rank_avg(self, node: ir.Call) -> Val:
        return self._rank(node, True)

    @once_per_cell
    def fn_count(self, node: ir.Call) -> Val:
        """stats.count: numbers (direct logicals too) that are not errors."""
        if len(node.args) == 1 and not isinstance(node.args[0], ir.Area | ir.Ref | ir.Missing) \
                and (got := self.count_loop(node.args[0], self.array_shape(node.args[0]))) \
                is not None:   # type: ignore[attr-defined]
            return got   # one long array expression: a loop over its rows (_row_loops)
        total, n, fixed = "0.0", 0, 0
        for v, from_ref in self._count_items(node):
            if v.kind == KANY:   # a number in this trial (its tag), not an error
                assert v.y is not None
                hit = f"b2f(({v.y} == 0.0) & ({v.e} == 0))"
            elif v.kind == KNUM or (v.kind == KBOOL and not from_ref):
                hit = "1.0" if v.e == "0" else f"b2f({v.e} == 0)"
            elif v.kind == KSTR and not from_ref:
                hit = self._reads_as_number(v)
            else:
                continue
            n += 1
            if hit == "1.0":   # counted in every trial: one constant (whole numbers: exact)
                fixed += 1
                continue
            total = self.value(f"{total} + {hit}")
        return num(self._plus_fixed(total, fixed), "0", (float(fixed), float(n)))

    def _plus_fixed(self, total: str, fixed: int) -> str:
        """``total`` plus the cells counted in every trial (sums of whole numbers below 2**53
        are exact in any order: the count is the same as adding 1.0 cell by cell)."""
        if not fixed:
            return total
        return lit(float(fixed)) if total == "0.0" else self.value(f"{total} + {lit(float(fixed))}")

    @once_per_cell
    def fn_counta(self, node: ir.Call) -> Val:
        """stats.counta: every direct argument; cells that are not blank (errors count)."""
        total, n, fixed = "0.0", 0, 0
        for v, from_ref in self._count_items(node):
            if not from_ref or v.kind not in (KBLANK, KANY):
                hit = "1.0"
            elif v.kind == KBLANK:
                if v.e == "0":
                    continue
                hit = f"b2f({v.e} != 0)"
            else:
                assert v.y is not None
                hit = f"b2f(({v.y} != 3.0) | ({v.e} != 0))"
            n += 1
            if hit == "1.0":
                fixed += 1
                continue
            total = self.value(f"{total} + {hit}")
        return num(self._plus_fixed(total, fixed), "0", (float(fixed), float(n)))

    # ------------------------------------------------------------ LOGNORM.DIST
    def _lognorm(self, x: Val, m: Val, s: Val, cum: Val | None) -> Val:
        """distributions._lognorm_dist: #NUM! for x <= 0 or s <= 0; ndtr(z) or the density."""
        ok_x = x.bounded and x.lo > 0.0
        ok_s = s.bounded and s.lo > 0.0
        bad = None if ok_x and ok_s else self.value(f"({x.v} <= 0.0) | ({s.v} <= 0.0)")
        gx = x.v if bad is None else self.value(f"sel({bad}, 1.0, {x.v})")
        gs = s.v if bad is None else self.value(f"sel({bad}, 1.0, {s.v})")
        z = self.value(f"(np.log({gx}) - {m.v}) / {gs}")
        always = cum is None or iv.excludes_zero(cum.iv)
        never = cum is not None and cum.lo == cum.hi == 0.0
        cdf = "0.0" if never else self.value(f"ndtr({z})")
        pdf = "0.0"
        if not always:
            pdf = self.value(f"np.exp(-0.5 * {z} * {z}) / ({lit(_SQRT2PI)} * {s.v} * {x.v})")
        if always or never:
            r = cdf if always else pdf
        else:
            assert cum is not None
            r = self.value(f"sel({cum.v} != 0.0, {cdf}, {pdf})")
        args = [x, m, s] + ([cum] if cum is not None else [])
        checks = [(bad, NUM) if bad is not None else None]
        return self.result(r, args, checks, (0.0, 1.0) if always else iv.UNKNOWN)

    def fn_lognorm_dist(self, node: ir.Call) -> Val:
        if not 3 <= len(node.args) <= 4:
            raise NotFusable("LOGNORM.DIST with a wrong number of arguments")
        x, m, s = self.numeric(ir.Call(node.name, node.args[:3]), (0.0, 0.0, 0.0))
        cum = self.condition(node.args[3] if len(node.args) > 3 else None)
        return self._lognorm(x, m, s, cum)

    def fn_lognormdist(self, node: ir.Call) -> Val:
        if len(node.args) != 3:
            raise NotFusable("LOGNORMDIST with a wrong number of arguments")
        x, m, s = self.numeric(node, (0.0, 0.0, 0.0))
        return self._lognorm(x, m, s, None)


__all__ = ["StatsMixin"]
