"""Scalar math, whole-number, bit, information, unit, rate and calendar functions for the
kernel generator (a mixin): the reciprocal and inverse hyperbolic trigonometry, SQRTPI, FACT,
FACTDOUBLE, COMBIN(A), PERMUT(ATIONA), GCD, LCM, MULTINOMIAL, ISEVEN, ISODD, DELTA, GESTEP,
the BIT functions, TYPE, ERROR.TYPE, CONVERT between constant units, EFFECT, NOMINAL, RRI,
PDURATION, ISPMT, SYD, DOLLARDE, DOLLARFR, FVSCHEDULE, WEEKNUM, ISOWEEKNUM, DAYS360 and
DATEDIF, as the numpy library computes them for one trial (the module each mirrors is named
in its docstring).

Arguments are coerced as the library's helper for the function does: ``math.numeric``
(numbers, logicals, numeric or date text, blank 0), ``distributions._define`` (the same, an
argument written empty is 0), the Analysis ToolPak's ``atp_number`` or
``_scalars.coerce(atp=True)`` (a logical is #VALUE!), ``_scalars.numbers`` (dates read from
text where dates are expected).  Argument errors win, the leftmost first, then the domain
checks in the library's order, then #NUM! for a result that is not finite.  The loops and
calendar arithmetic are in :mod:`._rt_math`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import ir
from ...values import DIV0, NA, NUM, VALUE, Kind, Vec, text
from ._args import ArgsMixin
from ._values import KANY, KBLANK, KBOOL, KNUM, KSTR, NotFusable, Val, lit, num

if TYPE_CHECKING:
    from collections.abc import Sequence

_TRIG_LIMIT = 134217728.0          # 2**27: Excel's SIN/COS/TAN... give #NUM! from here on
_WHOLE_LIMIT = 9007199254740992.0  # 2**53 (integers._LIMIT)
_DATEDIF_UNITS = ("Y", "M", "D", "MD", "YM", "YD")   # dates._UNITS


class MathFunctionsMixin(ArgsMixin):
    """The functions of the module docstring."""

    if TYPE_CHECKING:  # provided by the Generator and the other mixins
        def date_arg(self, node: ir.Node | None, default: float | None, atp: bool,
                     dates: bool = True) -> Val: ...
        def scalar_args(self, node: ir.Call, defaults: tuple[float | None, ...],
                        required: int) -> list[Val]: ...
        def tabulate(self, vals: Sequence[Val], fn: Callable[[list[Any]], Vec], what: str,
                     chained: Sequence[bool] | None = None) -> Val: ...
        def _evaluated(self, node: ir.Node, what: str) -> Any: ...
        def _unary_math(self, node: ir.Call, fn: str, bad: str | None = None,
                        bounds_of: Any = None, safe: Any = None) -> Val: ...

        @property
        def date_shift(self) -> int: ...

    # ------------------------------------------------------------ argument helpers
    def _mf_count(self, node: ir.Call, lo: int, hi: int) -> None:
        if not lo <= len(node.args) <= hi:
            raise NotFusable(f"{node.name} with a wrong number of arguments")

    def _mf_defined(self, node: ir.Call, required: int, defaults: tuple[float, ...]) -> list[Val]:
        """distributions._define's arguments: numbers, an argument written empty 0."""
        self._mf_count(node, required, len(defaults))
        return self.numeric(node, defaults)

    def _mf_atp(self, node: ir.Call, defaults: tuple[float | None, ...], dates: bool = True
             ) -> list[Val]:
        """Analysis ToolPak arguments (engineering.atp, or ``numbers(atp=True)``)."""
        self._mf_count(node, sum(d is None for d in defaults), len(defaults))
        args: list[ir.Node | None] = [*node.args, *[None] * (len(defaults) - len(node.args))]
        return [self.date_arg(a, d, True, dates) for a, d in zip(args, defaults, strict=True)]

    def _mf_dated(self, node: ir.Call, defaults: tuple[float | None, ...], atp: bool = False
               ) -> list[Val]:
        """``_scalars.numbers(dates=True)``'s arguments."""
        self._mf_count(node, sum(d is None for d in defaults), len(defaults))
        args: list[ir.Node | None] = [*node.args, *[None] * (len(defaults) - len(node.args))]
        return [self.date_arg(a, d, atp) for a, d in zip(args, defaults, strict=True)]

    def _mf_trunc(self, v: Val) -> str:
        if v.lo == v.hi and float(v.lo).is_integer():
            return v.v
        return self.value(f"np.trunc({v.v})")

    # ------------------------------------------------------------ trigonometry (functions.math)
    def _mf_reciprocal(self, node: ir.Call, fn: str, limit: bool) -> Val:
        """math._reciprocal: 1 / f(x), #NUM! from 2**27 on (``limit``), #DIV/0! at 0."""
        self._mf_count(node, 1, 1)
        (x,) = self.numeric(node, (None,))
        big = f"(abs({x.v}) >= {_TRIG_LIMIT})" if limit else None
        zero = f"({x.v} == 0.0)"
        g = self.guarded(x.v, zero if big is None else f"{big} | {zero}")
        checks = [(zero, DIV0)] if big is None else [(big, NUM), (zero, DIV0)]
        return self.result(f"1.0 / {fn}({g})", [x], checks)

    def fn_cot(self, node: ir.Call) -> Val:
        return self._mf_reciprocal(node, "np.tan", True)

    def fn_csc(self, node: ir.Call) -> Val:
        return self._mf_reciprocal(node, "np.sin", True)

    def fn_coth(self, node: ir.Call) -> Val:
        return self._mf_reciprocal(node, "np.tanh", False)

    def fn_csch(self, node: ir.Call) -> Val:
        return self._mf_reciprocal(node, "np.sinh", False)

    def fn_sec(self, node: ir.Call) -> Val:
        self._mf_count(node, 1, 1)
        return self._unary_math(node, "1.0 / np.cos", f"abs({{x}}) >= {_TRIG_LIMIT}")

    def fn_sech(self, node: ir.Call) -> Val:
        self._mf_count(node, 1, 1)
        return self._unary_math(node, "1.0 / np.cosh")

    def fn_acot(self, node: ir.Call) -> Val:   # np.pi / 2 - np.arctan(x)
        self._mf_count(node, 1, 1)
        return self._unary_math(node, f"{lit(math.pi / 2)} - np.arctan",
                                bounds_of=lambda a: (0.0, 3.2))

    def fn_asinh(self, node: ir.Call) -> Val:
        self._mf_count(node, 1, 1)
        return self._unary_math(node, "np.arcsinh")

    def fn_acosh(self, node: ir.Call) -> Val:
        self._mf_count(node, 1, 1)
        return self._unary_math(node, "np.arccosh", "{x} < 1.0")

    def fn_atanh(self, node: ir.Call) -> Val:
        self._mf_count(node, 1, 1)
        return self._unary_math(node, "np.arctanh", "abs({x}) >= 1.0")

    def fn_acoth(self, node: ir.Call) -> Val:   # arctanh(1 / x), #NUM! for |x| <= 1
        self._mf_count(node, 1, 1)
        (x,) = self.numeric(node, (None,))
        bad = f"(abs({x.v}) <= 1.0)"
        g = self.guarded(x.v, bad)
        return self.result(f"np.arctanh(1.0 / {g})", [x], [(bad, NUM)])

    # ------------------------------------------------------------ combinatorics, integers
    def fn_sqrtpi(self, node: ir.Call) -> Val:
        """combinatorics: sqrt(x * pi), #NUM! for x < 0."""
        (x,) = self._mf_defined(node, 1, (0.0,))
        return self.result(f"np.sqrt({x.v} * {lit(math.pi)})", [x], [(f"({x.v} < 0.0)", NUM)])

    def fn_fact(self, node: ir.Call) -> Val:
        """math._fact: #NUM! for x < 0 or trunc(x) > 170."""
        self._mf_count(node, 1, 1)
        (x,) = self.numeric(node, (None,))
        return self.result(f"mt_fact({x.v})", [x],
                           [(f"({x.v} < 0.0) | (np.trunc({x.v}) > 170.0)", NUM)])

    def fn_factdouble(self, node: ir.Call) -> Val:
        """integers.factdouble (an Analysis ToolPak number)."""
        (x,) = self._mf_atp(node, (None,))
        return self.result(f"mt_factdouble({x.v})", [x])

    def fn_combin(self, node: ir.Call) -> Val:
        """integers._combin: #NUM! for n < 0, k < 0 or n < k (truncated)."""
        n, k = self._mf_defined(node, 2, (0.0, 0.0))
        tn, tk = self._mf_trunc(n), self._mf_trunc(k)
        bad = f"({tn} < 0.0) | ({tk} < 0.0) | ({tn} < {tk})"
        return self.result(f"mt_combin({n.v}, {k.v})", [n, k], [(bad, NUM)])

    def fn_combina(self, node: ir.Call) -> Val:
        """integers._combina: #NUM! for n < 0, k < 0, or n = 0 < k (truncated)."""
        n, k = self._mf_defined(node, 2, (0.0, 0.0))
        tn, tk = self._mf_trunc(n), self._mf_trunc(k)
        bad = f"({tn} < 0.0) | ({tk} < 0.0) | (({tn} == 0.0) & ({tk} > 0.0))"
        return self.result(f"mt_combina({n.v}, {k.v})", [n, k], [(bad, NUM)])

    def fn_permut(self, node: ir.Call) -> Val:
        """combinatorics._permut: #NUM! for n <= 0, k < 0 or n < k (truncated)."""
        n, k = self._mf_defined(node, 2, (0.0, 0.0))
        tn, tk = self._mf_trunc(n), self._mf_trunc(k)
        bad = f"({tn} <= 0.0) | ({tk} < 0.0) | ({tn} < {tk})"
        return self.result(f"mt_permut({n.v}, {k.v})", [n, k], [(bad, NUM)])

    def fn_permutationa(self, node: ir.Call) -> Val:
        """combinatorics._permutationa: n ** k, #NUM! for n < 0 or k < 0 (truncated)."""
        n, k = self._mf_defined(node, 2, (0.0, 0.0))
        tn, tk = self._mf_trunc(n), self._mf_trunc(k)
        return self.result(f"mt_pow({tn}, {tk})", [n, k],
                           [(f"({tn} < 0.0) | ({tk} < 0.0)", NUM)])

    def _mf_whole_numbers(self, node: ir.Call) -> tuple[list[str], list[str]]:
        """integers.whole_numbers: the values (not truncated) and the error terms in order
        (each cell's error, then #VALUE! for a logical, a blank, or text in a range)."""
        vals: list[str] = []
        errs: list[str] = []
        for a in node.args:
            if isinstance(a, ir.Missing):   # an empty argument is a blank: #VALUE!
                errs.append(str(VALUE))
                continue
            if isinstance(a, ir.Area):   # a cell of varying type is read per trial below
                cells = [(self.operand(c), True) for c in self.area_cells(a)]
            else:
                cells = self.items(ir.Call(node.name, (a,)))
            for v, from_ref in cells:
                if v.kind == KANY:
                    w = self.by_kind(v, lambda x, r=from_ref: self._mf_whole_value(x, r))
                    errs.append(w.e)
                    vals.append(w.v)
                    continue
                errs.append(v.e)
                if v.kind in (KBOOL, KBLANK) or (from_ref and v.kind == KSTR):
                    errs.append(str(VALUE))
                    continue
                vals.append(v.v)
        return vals, errs

    def _mf_whole_value(self, x: Val, from_ref: bool) -> Val:
        """One kind of a cell of varying type as whole_numbers reads it (0 where #VALUE!)."""
        if x.kind in (KBOOL, KBLANK) or (from_ref and x.kind == KSTR):
            return num("0.0", self.err(self.chain([x.e, str(VALUE)])), (0.0, 0.0))
        if x.kind == KSTR:
            return self.date_value(x, False)
        return x

    def _mf_fold_whole(self, node: ir.Call, how: str) -> Val:
        vals, errs = self._mf_whole_numbers(node)
        if not vals:
            e = self.err(self.chain([*errs, str(VALUE)]))
            return num("0.0", e, (0.0, 0.0))
        out_of = " | ".join(f"({x} < 0.0) | ({x} >= {_WHOLE_LIMIT})" for x in vals)
        acc = "0.0" if how == "gcd" else "1.0"
        for x in vals:
            acc = self.value(f"mt_{how}({acc}, {x})")
        checks: list[tuple[str, int] | None] = [(out_of, NUM)]
        if how == "lcm":
            checks.append((f"({acc} < 0.0)", NUM))
            acc = self.value(f"sel({acc} < 0.0, 0.0, {acc})")
        e = self.err(self.chain(errs, checks))
        return num(acc, e, (0.0, _WHOLE_LIMIT))

    def fn_gcd(self, node: ir.Call) -> Val:
        """integers.gcd of whole numbers."""
        return self._mf_fold_whole(node, "gcd")

    def fn_lcm(self, node: ir.Call) -> Val:
        """integers.lcm: #NUM! from a multiple of 2**53 on."""
        return self._mf_fold_whole(node, "lcm")

    def fn_multinomial(self, node: ir.Call) -> Val:
        """integers.multinomial: round(exp(gammaln(sum + 1) - sum(gammaln(x + 1)))), the sums
        in numpy's order (pairwise from 8 terms on)."""
        vals, errs = self._mf_whole_numbers(node)
        if not vals:
            raise NotFusable("MULTINOMIAL of nothing")
        if len(vals) > 128:
            raise NotFusable("MULTINOMIAL of more than 128 numbers")
        xs = [self.value(f"np.trunc({x})") for x in vals]
        out_of = " | ".join(f"({x} < 0.0) | ({x} >= {_WHOLE_LIMIT})" for x in vals)
        total = self._mf_numpy_sum(xs)
        logs = self._mf_numpy_sum([self.value(f"mt_gammaln({x} + 1.0)") for x in xs])
        r = self.value(f"np.rint(np.exp(mt_gammaln({total} + 1.0) - {logs}))")
        e = self.err(self.chain(errs, [(out_of, NUM), (f"nf({r})", 0)]))
        return num(r, e)

    def _mf_numpy_sum(self, xs: list[str]) -> str:
        """numpy's sum of up to 128 terms along an axis: in order below 8, else eight
        partial sums combined pairwise and the rest added in order."""
        if len(xs) < 8:
            acc = "0.0"
            for x in xs:
                acc = self.value(f"{acc} + {x}")
            return acc
        r = list(xs[:8])
        i = 8
        while i + 8 <= len(xs):
            r = [self.value(f"{r[j]} + {xs[i + j]}") for j in range(8)]
            i += 8
        acc = self.value(f"(({r[0]} + {r[1]}) + ({r[2]} + {r[3]})) + "
                         f"(({r[4]} + {r[5]}) + ({r[6]} + {r[7]}))")
        for x in xs[i:]:
            acc = self.value(f"{acc} + {x}")
        return acc

    # ------------------------------------------------------------ ISEVEN, ISODD (functions.info)
    def _mf_parity(self, node: ir.Call, odd: bool) -> Val:
        """info._parity: floor(|x|) mod 2 of a number, numeric or date text, a blank (0); a
        logical or a range of several cells is #VALUE!."""
        self._mf_count(node, 0, 1)
        a = node.args[0] if node.args else None
        if a is None or isinstance(a, ir.Missing):
            x = num("0.0", "0", (0.0, 0.0))
        elif isinstance(a, ir.Area) and a.shape != (1, 1):
            x = num("0.0", str(VALUE), (0.0, 0.0))
        else:
            x = self._mf_parity_value(self.expr(ir.Ref(a.cells()[0][0]) if isinstance(a, ir.Area)
                                             else a))
        p = self.value(f"np.floor(abs({x.v})) % 2.0")
        return self._bool(f"b2f({p} == {1.0 if odd else 0.0})", x.e)

    def _mf_parity_value(self, v: Val) -> Val:
        if v.kind == KANY:
            return self.by_kind(v, self._mf_parity_value)
        if v.kind == KBLANK:
            return num("0.0", v.e, (0.0, 0.0))
        if v.kind == KBOOL:
            return num("0.0", self.err(self.chain([v.e, str(VALUE)])), (0.0, 0.0))
        if v.kind == KSTR:
            from ...functions.text import to_number_ext

            def fn(args: list[Any]) -> Vec:
                x, e = to_number_ext(text(args[0]))
                return Vec(Kind.NUM, x, e)

            return self.tabulate([v], fn, "text read as a number")
        return v

    def fn_iseven(self, node: ir.Call) -> Val:
        return self._mf_parity(node, False)

    def fn_isodd(self, node: ir.Call) -> Val:
        return self._mf_parity(node, True)

    # ------------------------------------------------------------ engineering
    def _mf_compare(self, node: ir.Call, op: str) -> Val:
        """engineering DELTA (==) and GESTEP (>=): 1 or 0."""
        a, b = self._mf_atp(node, (None, 0.0))
        return self.result(f"b2f({a.v} {op} {b.v})", [a, b], bounds=(0.0, 1.0))

    def fn_delta(self, node: ir.Call) -> Val:
        return self._mf_compare(node, "==")

    def fn_gestep(self, node: ir.Call) -> Val:
        return self._mf_compare(node, ">=")

    def _mf_bitwise(self, node: ir.Call, op: int) -> Val:
        """engineering._bitwise: whole numbers in [0, 2**48), else #NUM!."""
        self._mf_count(node, 2, 2)
        a, b = self.numeric(node, (None, None))
        return self.result(f"mt_bitop({a.v}, {b.v}, {op})", [a, b])

    def fn_bitand(self, node: ir.Call) -> Val:
        return self._mf_bitwise(node, 0)

    def fn_bitor(self, node: ir.Call) -> Val:
        return self._mf_bitwise(node, 1)

    def fn_bitxor(self, node: ir.Call) -> Val:
        return self._mf_bitwise(node, 2)

    def _mf_bitshift(self, node: ir.Call, left: int) -> Val:
        self._mf_count(node, 2, 2)
        a, s = self.numeric(node, (None, None))
        return self.result(f"mt_bitshift({a.v}, {s.v}, {left})", [a, s])

    def fn_bitlshift(self, node: ir.Call) -> Val:
        return self._mf_bitshift(node, 1)

    def fn_bitrshift(self, node: ir.Call) -> Val:
        return self._mf_bitshift(node, 0)

    def fn_convert(self, node: ir.Call) -> Val:
        """engineering.convert: ((x + a) * b) / c - d (x * b / c without an offset, the same
        number); #N/A for units unknown or of different quantities.  Units the same in every
        trial are read once; text units that vary per trial (text ids) give the four
        coefficients by table lookups."""

        self._mf_count(node, 3, 3)
        (x,) = self._mf_atp(ir.Call(node.name, node.args[:1]), (None,))
        if all(self.is_constant(a) for a in node.args[1:]):
            return self._mf_convert_constant(node, x)
        units: list[Val] = []
        for a in node.args[1:]:
            if isinstance(a, ir.Missing):   # a unit not given: #N/A after the earlier errors
                return num("0.0", self.err(self.chain([x.e, *[u.e for u in units],
                                                       str(NA)])), (0.0, 0.0))
            if isinstance(a, ir.Area) and a.shape != (1, 1):
                if self.is_constant(a):
                    return num("0.0", self.err(self.chain([x.e, *[u.e for u in units],
                                                           str(VALUE)])), (0.0, 0.0))
                raise NotFusable("CONVERT of a range unit (array formula)")
            u = self.expr(ir.Ref(a.cells()[0][0]) if isinstance(a, ir.Area) else a)
            if u.kind == KANY:
                raise NotFusable("CONVERT of a unit whose type varies per trial")
            units.append(u)
        if any(u.kind != KSTR for u in units):   # a number, logical or blank: no unit
            return num("0.0", self.err(self.chain([x.e, *[u.e for u in units], str(NA)])),
                       (0.0, 0.0))
        coef = [self.tabulate(units, _convert_coefficient(k), "CONVERT units")
                for k in range(4)]
        a0, b0, c0, d0 = coef
        return self.result(f"({x.v} + {a0.v}) * {b0.v} / {c0.v} - {d0.v}", [x, a0])

    def _mf_convert_constant(self, node: ir.Call, x: Val) -> Val:
        from ...functions.engineering import _convert_pair
        from ...values import Grid, to_text

        err = 0
        units: list[str] | None = []
        for a in node.args[1:]:
            if isinstance(a, ir.Missing):
                units = None
                err = err or NA
                break
            got = self._evaluated(a, "a CONVERT unit")
            if isinstance(got, Grid) and got.shape == (1, 1):
                got = got.cells[0][0]
            if isinstance(got, Grid):
                err = err or VALUE
                units = None
                break
            t, e = to_text(got) if got.kind != Kind.BLANK else (np.array([""], dtype=object),
                                                                 got.err)
            if len(t) != 1:
                raise NotFusable("a CONVERT unit that varies per trial")
            if err == 0 and e is not None and int(e[0]):
                err = int(e[0])
            assert units is not None
            units.append(str(t[0]))
        pair = _convert_pair(*units) if units is not None else None
        if err or pair is None:
            return num("0.0", self.err(self.chain([x.e, str(err or NA)])), (0.0, 0.0))
        a0, b0, c0, d0 = pair
        if a0 or d0:
            expr = f"({x.v} + {lit(a0)}) * {lit(b0)} / {lit(c0)} - {lit(d0)}"
        else:
            expr = f"{x.v} * {lit(b0)} / {lit(c0)}"
        return self.result(expr, [x])

    # ------------------------------------------------------------ TYPE, ERROR.TYPE (info)
    def fn_type(self, node: ir.Call) -> Val:
        """info.type_: 1 number or blank, 2 text, 4 logical, 16 error, 64 array."""
        self._mf_count(node, 0, 1)
        a = node.args[0] if node.args else None
        if a is None or isinstance(a, ir.Missing):
            return num("1.0", "0", (1.0, 1.0))
        if isinstance(a, ir.Area):
            if a.shape != (1, 1):
                return num("64.0", "0", (64.0, 64.0))
            a = ir.Ref(a.cells()[0][0])
        v = self.expr(a)
        if v.kind == KANY:
            raise NotFusable("TYPE of a value whose type varies per trial")
        c = {KSTR: 2.0, KBOOL: 4.0}.get(v.kind, 1.0)
        if v.e == "0":
            return num(lit(c), "0", (c, c))
        return num(self.value(f"sel({v.e} != 0, 16.0, {lit(c)})"), "0", (1.0, 16.0))

    def fn_error_type(self, node: ir.Call) -> Val:
        """info._error_type: the error's code, #N/A for a value that is not an error."""
        self._mf_count(node, 0, 1)
        a = node.args[0] if node.args else None
        if a is None or isinstance(a, ir.Missing):
            return num("0.0", str(NA), (0.0, 0.0))
        if isinstance(a, ir.Area):
            if a.shape != (1, 1):
                raise NotFusable("ERROR.TYPE over a range (array formula)")
            a = ir.Ref(a.cells()[0][0])
        v = self.expr(a)
        if v.e == "0":
            return num("0.0", str(NA), (0.0, 0.0))
        return num(self.value(f"{v.e} * 1.0"), self.err(f"sel({v.e} == 0, {NA}, 0)"),
                   (0.0, 255.0))

    # ------------------------------------------------------------ rates (functions.rates)
    def fn_effect(self, node: ir.Call) -> Val:
        """rates.effect: expm1(k log1p(r / k)), #NUM! for r <= 0 or k < 1 (truncated)."""
        r, k = self._mf_atp(node, (None, None), dates=False)
        tk = self._mf_trunc(k)
        bad = self.value(f"({r.v} <= 0.0) | ({tk} < 1.0)")
        g = self.value(f"sel({bad}, 1.0, {tk})")
        return self.result(f"np.expm1({g} * np.log1p({r.v} / {g}))", [r, k], [(bad, NUM)])

    def fn_nominal(self, node: ir.Call) -> Val:
        """rates.nominal: k expm1(log1p(r) / k)."""
        r, k = self._mf_atp(node, (None, None), dates=False)
        tk = self._mf_trunc(k)
        bad = self.value(f"({r.v} <= 0.0) | ({tk} < 1.0)")
        g = self.value(f"sel({bad}, 1.0, {tk})")
        return self.result(f"{g} * np.expm1(np.log1p(sel({bad}, 0.0, {r.v})) / {g})", [r, k],
                           [(bad, NUM)])

    def fn_rri(self, node: ir.Call) -> Val:
        """rates.rri: (fv / pv) ** (1 / n) - 1, #NUM! for n <= 0 or pv = 0."""
        n, p, f = self.scalar_args(node, (None, None, None), 3)
        bad = self.value(f"({n.v} <= 0.0) | ({p.v} == 0.0)")
        return self.result(f"mt_pow({f.v} / sel({bad}, 1.0, {p.v}), "
                           f"1.0 / sel({bad}, 1.0, {n.v})) - 1.0", [n, p, f], [(bad, NUM)])

    def fn_pduration(self, node: ir.Call) -> Val:
        """rates.pduration: (log fv - log pv) / log1p(rate), #NUM! unless all are > 0."""
        r, p, f = self.scalar_args(node, (None, None, None), 3)
        bad = self.value(f"({r.v} <= 0.0) | ({p.v} <= 0.0) | ({f.v} <= 0.0)")
        return self.result(f"(np.log(sel({bad}, 2.0, {f.v})) - np.log(sel({bad}, 1.0, {p.v})))"
                           f" / np.log1p(sel({bad}, 1.0, {r.v}))", [r, p, f], [(bad, NUM)])

    def fn_ispmt(self, node: ir.Call) -> Val:
        """rates.ispmt: -pv rate (1 - per / nper), #DIV/0! for nper = 0."""
        r, per, n, p = self.scalar_args(node, (None, None, None, None), 4)
        zero = f"({n.v} == 0.0)"
        return self.result(f"-{p.v} * {r.v} * (1.0 - {per.v} / {self.guarded(n.v, zero)})",
                           [r, per, n, p], [(zero, DIV0)])

    def fn_fvschedule(self, node: ir.Call) -> Val:
        """rates.fvschedule: principal times the product of (1 + rate); an empty cell is a
        rate of 0, a logical or text #VALUE!."""
        self._mf_count(node, 2, 2)
        (p,) = self._mf_atp(ir.Call(node.name, node.args[:1]), (None,), dates=False)
        s = node.args[1]
        if isinstance(s, ir.Missing):
            cells: list[Val] = []
        elif isinstance(s, ir.Area):
            cells = [self.operand(c) for c in self.area_cells(s)]
        else:
            cells = [self.expr(s)]
        errs, acc = [p.e], "1.0"
        for c in cells:
            if c.kind == KANY:   # rates._scalars.coerce per trial: blank 0, a logical #VALUE!
                c = self.date_value(c, True, dates=False)
            errs.append(c.e)
            if c.kind in (KBOOL, KSTR):
                errs.append(str(VALUE))
            elif c.kind == KNUM:
                acc = self.value(f"{acc} * (1.0 + {c.v})")
        r = self.value(f"{p.v} * {acc}")
        return num(r, self.err(self.chain(errs, [(f"nf({r})", 0)])))

    # ------------------------------------------------------------ SYD, DOLLARDE, DOLLARFR
    def fn_syd(self, node: ir.Call) -> Val:
        """cashflows.syd: #NUM! for life <= 0, per <= 0 or per > life."""
        c, s, life, per = self.scalar_args(node, (None, None, None, None), 4)
        bad = f"({life.v} <= 0.0) | ({per.v} <= 0.0) | ({per.v} > {life.v})"
        return self.result(f"({c.v} - {s.v}) * ({life.v} - {per.v} + 1.0) * 2.0 / "
                           f"({life.v} * ({life.v} + 1.0))", [c, s, life, per], [(bad, NUM)])

    def _mf_fraction(self, node: ir.Call, whole: int) -> Val:
        """cashflows._fraction: #NUM! for a fraction below 0, #DIV/0! for 0 (truncated)."""
        x, f = self._mf_atp(node, (None, None), dates=False)
        tf = self._mf_trunc(f)
        return self.result(f"mt_dollar({x.v}, {f.v}, {whole})", [x, f],
                           [(f"({tf} < 0.0)", NUM), (f"({tf} == 0.0)", DIV0)])

    def fn_dollarde(self, node: ir.Call) -> Val:
        return self._mf_fraction(node, 1)

    def fn_dollarfr(self, node: ir.Call) -> Val:
        return self._mf_fraction(node, 0)

    # ------------------------------------------------------------ calendar (functions.dates)
    def fn_weeknum(self, node: ir.Call) -> Val:
        """dates.weeknum (Analysis ToolPak arguments): return types 1, 2, 11-17, 21."""
        s, k = self._mf_dated(node, (None, 1.0), atp=True)
        return self.result(f"mt_weeknum({s.v}, {k.v}, {self.date_shift})", [s, k])

    def fn_isoweeknum(self, node: ir.Call) -> Val:
        (s,) = self._mf_dated(node, (None,))
        return self.result(f"mt_isoweek({s.v}, {self.date_shift})", [s])

    def fn_days360(self, node: ir.Call) -> Val:
        """dates.days360: US method, or European where the method is non-zero."""
        s1, s2, m = self._mf_dated(node, (None, None, 0.0))
        return self.result(f"mt_days360({s1.v}, {s2.v}, {m.v}, {self.date_shift})",
                           [s1, s2, m])

    def fn_datedif(self, node: ir.Call) -> Val:
        """dates.datedif: the unit's text (Y, M, D, MD, YM, YD in any case) per text id."""
        self._mf_count(node, 3, 3)
        s1 = self.date_arg(node.args[0], None, False)
        s2 = self.date_arg(node.args[1], None, False)
        u = node.args[2]
        if isinstance(u, ir.Area):
            if u.shape != (1, 1):
                raise NotFusable("DATEDIF over a range (array formula)")
            u = ir.Ref(u.cells()[0][0])
        unit = self._mf_unit_code(BLANK_VAL if isinstance(u, ir.Missing) else self.expr(u))
        return self.result(f"mt_datedif({s1.v}, {s2.v}, {unit.v}, {self.date_shift})",
                           [s1, s2, unit])

    def _mf_unit_code(self, v: Val) -> Val:
        if v.kind == KANY:
            return self.by_kind(v, self._mf_unit_code)
        if v.kind != KSTR:   # a number, logical or blank is no unit's name
            return num("-1.0", v.e, (-1.0, -1.0))

        def fn(args: list[Any]) -> Vec:
            s = str(args[0]).upper()
            return Vec(Kind.NUM, np.array([float(_DATEDIF_UNITS.index(s))
                                           if s in _DATEDIF_UNITS else -1.0]))

        return self.tabulate([v], fn, "a DATEDIF unit")


BLANK_VAL = num("0.0", "0", (0.0, 0.0), KBLANK)


def _convert_coefficient(k: int) -> Callable[[list[Any]], Vec]:
    """The k-th coefficient (a, b, c, d) of engineering._convert_pair for two unit texts,
    #N/A for units unknown or of different quantities."""
    from ...functions.engineering import _convert_pair

    def fn(args: list[Any]) -> Vec:
        pair = _convert_pair(str(args[0]), str(args[1]))
        if pair is None:
            return Vec(Kind.NUM, np.zeros(1), np.full(1, NA, np.uint8))
        return Vec(Kind.NUM, np.array([float(pair[k])]))

    return fn

__all__ = ["MathFunctionsMixin"]
