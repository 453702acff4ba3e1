"""Excel functions for the kernel generator: ``fn_<name>`` methods mixed into the Generator.

Each follows the numpy library's semantics for one trial (which module it mirrors is named
in its docstring): how arguments are coerced, which error wins, which domain errors are
tested, and the order of floating-point operations where it changes the result.  Every
method either returns a :class:`Val` or raises :class:`NotFusable`.  Logical, math and
random functions are here; aggregates, lookups, financial and statistical ones in
:mod:`._aggregates`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ... import ir
from ...values import DIV0, NA, NUM, VALUE
from . import _intervals as iv
from ._values import (
    FALSE,
    KANY,
    KBLANK,
    KBOOL,
    KNUM,
    KSTR,
    ZERO,
    NotFusable,
    Val,
    lit,
    num,
    union_dom,
)

if TYPE_CHECKING:
    from ._families import IfBranches
from ._addin_sample import AddinSampleMixin
from ._aggregates import AggregatesMixin
from ._args import ArgsMixin
from ._bessel import BesselMixin
from ._cashflows import CashflowsMixin
from ._cell_info import CellInfoMixin
from ._dates import DatesMixin
from ._distributions import DistributionsMixin
from ._filterxml import FilterXmlMixin
from ._finance import FinanceMixin
from ._lookups import LookupsMixin
from ._mathfns import MathFunctionsMixin
from ._multiples import MultiplesMixin
from ._stats import StatsMixin


def _round_bounds(a: iv.Interval, digits: int, how: int) -> iv.Interval:
    """ROUND, ROUNDUP and ROUNDDOWN are non-decreasing: the rounded ends bound the results."""
    step = 10.0 ** (-digits)
    try:
        import numpy as np

        from ...functions.math import round_digits
    except ImportError:  # the library's rounding is not there: a looser bound
        return iv.make(a[0] - step, a[1] + step)
    ends = round_digits(np.array(a), np.array(float(digits)), ("half", "up", "down")[how])
    lo, hi = float(ends[0]), float(ends[1])
    # excel_round is round_digits operation for operation: the rounded ends are exact bounds
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else iv.UNKNOWN


_PARAMETER = "_XLPM"   # engine.functions.lambdas.PARAMETER: a LET or LAMBDA name


def _let_name(node: ir.Node) -> str:
    if isinstance(node, ir.Call) and node.name == _PARAMETER and len(node.args) == 1 \
            and isinstance(node.args[0], ir.Str):
        return node.args[0].value
    raise NotFusable("LET with a name that is not a name")


def _bind_names(node: ir.Node, scope: dict[str, ir.Node]) -> ir.Node:
    """``node`` with every LET name of ``scope`` replaced by its bound IR (the same node
    object for every use); a nested LET's own names shadow them from their binding on."""
    if not scope:
        return node
    if isinstance(node, ir.Call):
        if node.name == _PARAMETER:
            name = _let_name(node)
            return scope.get(name, node)
        if node.name == "LAMBDA":
            raise NotFusable("LAMBDA inside LET")
        if node.name == "LET" and len(node.args) >= 3 and len(node.args) % 2:
            inner, out = dict(scope), []
            for name_node, value in zip(node.args[:-1:2], node.args[1:-1:2], strict=True):
                out += [name_node, _bind_names(value, inner)]
                inner.pop(_let_name(name_node), None)
            return ir.Call("LET", (*out, _bind_names(node.args[-1], inner)))
        args = tuple(_bind_names(a, scope) for a in node.args)
        if all(a is b for a, b in zip(args, node.args, strict=True)):
            return node   # reads no name: the same node (a RAND's stream is keyed by it)
        return ir.Call(node.name, args)
    if isinstance(node, ir.Binary):
        left, right = _bind_names(node.left, scope), _bind_names(node.right, scope)
        return node if left is node.left and right is node.right else \
            ir.Binary(node.op, left, right)
    if isinstance(node, ir.Unary):
        operand = _bind_names(node.operand, scope)
        return node if operand is node.operand else ir.Unary(node.op, operand)
    return node


class FunctionsMixin(AggregatesMixin, LookupsMixin, DatesMixin, StatsMixin, FinanceMixin,
                     MultiplesMixin, CashflowsMixin, DistributionsMixin, MathFunctionsMixin,
                     ArgsMixin, CellInfoMixin, AddinSampleMixin, FilterXmlMixin, BesselMixin):
    """The supported Excel functions (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator and the TextMixin
        if_branches: IfBranches

        def fold(self, node: ir.Node) -> Val | None: ...
        def enumerated_call(self, node: ir.Call) -> Val: ...

    # ------------------------------------------------------------ logical (functions.logical)
    def fn_if(self, node: ir.Call) -> Val:
        """IF: both branches are computed (they are pure) and one is selected per trial; an
        error in the condition wins; the branch not taken cannot leak its errors."""
        if not 1 <= len(node.args) <= 3:
            raise NotFusable("IF with a wrong number of arguments")
        args = list(node.args) + [None] * (3 - len(node.args))
        c = self.condition(args[0])

        def side(a: ir.Node | None, is_then: bool) -> Val:
            if a is None or isinstance(a, ir.Missing):
                return ZERO if is_then else FALSE
            if isinstance(a, ir.Area):
                raise NotFusable("IF returning a range")
            return self.expr(a)

        fixed = c.e == "0" and c.kind in (KNUM, KBOOL) and c.lo == c.hi
        if self.if_branches.alone(self.cell, c.lo != 0.0 if fixed else None):
            # a condition the same in every trial (a number compared with "": never equal):
            # the branch taken alone, its kind and errors (the other's never leak); where
            # its rows stay one family (_families.IfBranches)
            return side(args[1], True) if c.lo != 0.0 else side(args[2], False)
        then, other = side(args[1], True), side(args[2], False)
        m = self.value(f"{c.v} != 0.0")
        e = "0" if then.e == other.e == "0" else self.err(f"sel({m}, {then.e}, {other.e})")
        if then.kind != other.kind or then.kind == KANY:   # the kind varies per trial
            got = self.mixed(m, then, other)
            return Val(got.v, self.err(self.chain([c.e, e])), KANY, got.lo, got.hi, got.dom,
                       got.y, got.kinds)
        r = self.value(f"sel({m}, {then.v}, {other.v})")
        # bounds of the error-free values (Val): a branch that is an error in every trial
        # (IF(inside, x, #N/A), varsize's elements) adds none
        live = [b.iv for b in (then, other) if not b.always_error]
        bounds = iv.union(live or [then.iv, other.iv])
        return num(r, self.err(self.chain([c.e, e])), bounds, then.kind,
                   union_dom([then, other]) if then.kind == KSTR else None)

    def _if_error(self, node: ir.Call, only_na: bool) -> Val:
        if not 1 <= len(node.args) <= 2:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        value = node.args[0]
        if isinstance(value, ir.Area):
            raise NotFusable(f"{node.name} over a range")
        v = self.expr(value)
        fb_node = node.args[1] if len(node.args) > 1 else None
        if fb_node is None or isinstance(fb_node, ir.Missing):
            fb = ZERO
        else:
            if isinstance(fb_node, ir.Area):
                raise NotFusable(f"{node.name} with a range fallback")
            fb = self.expr(fb_node)
        if v.e == "0":  # never an error: the value itself (numpy keeps its kind too)
            return v
        m = self.value(f"{v.e} == {NA}" if only_na else f"{v.e} != 0")
        other = v.e if only_na else "0"
        e = "0" if fb.e == other == "0" else self.err(f"sel({m}, {fb.e}, {other})")
        if fb.kind != v.kind or v.kind == KANY:   # the kind varies per trial
            got = self.mixed(m, fb, v)
            return Val(got.v, e, KANY, got.lo, got.hi, got.dom, got.y, got.kinds)
        r = self.value(f"sel({m}, {fb.v}, {v.v})")
        return num(r, e, iv.union([fb.iv, v.iv]), v.kind,
                   union_dom([fb, v]) if v.kind == KSTR else None)

    # ------------------------------------------------------------ LET (functions.lambdas)
    def fn_let(self, node: ir.Call) -> Val:
        """LET: each name's value computed once, in order (a later value may use an earlier
        name); the body is the formula with every name replaced by its value's IR (a range
        stays a range), the value nodes computed once (``override``)."""
        args = node.args
        if len(args) < 3 or len(args) % 2 == 0:
            raise NotFusable("LET with a wrong number of arguments")
        scope: dict[str, ir.Node] = {}
        for name_node, value in zip(args[:-1:2], args[1:-1:2], strict=True):
            name = _let_name(name_node)
            bound = _bind_names(value, scope)
            if isinstance(bound, ir.Call | ir.Binary | ir.Unary):
                try:
                    got = self.expr(bound)
                except NotFusable:
                    got = None   # an array (a range expression): substituted as it is
                if got is not None:
                    self.array_ir.append(bound)   # alive while its id keys override
                    self.override[id(bound)] = got
            scope[name] = bound
        body = _bind_names(args[-1], scope)
        self.array_ir.append(body)
        self.array_ir.extend(scope.values())
        return self.expr(body)

    def _shape_count(self, node: ir.Call) -> Val:
        """ROWS, COLUMNS of a reference (its written size): a constant, whatever it holds."""
        if len(node.args) != 1 or not isinstance(node.args[0], ir.Area | ir.Ref):
            raise NotFusable(f"{node.name} of something other than a reference")
        a = node.args[0]
        rows, cols = (1, 1) if isinstance(a, ir.Ref) else a.declared_shape
        x = float(rows if node.name == "ROWS" else cols)
        return num(lit(x), "0", (x, x))

    fn_rows = fn_columns = _shape_count

    def fn_iferror(self, node: ir.Call) -> Val:
        return self._if_error(node, False)

    def fn_ifna(self, node: ir.Call) -> Val:
        return self._if_error(node, True)

    def fn_true(self, node: ir.Call) -> Val:
        return num("1.0", "0", (1.0, 1.0), KBOOL)

    def fn_false(self, node: ir.Call) -> Val:
        return num("0.0", "0", (0.0, 0.0), KBOOL)

    def fn_not(self, node: ir.Call) -> Val:
        if len(node.args) != 1 or isinstance(node.args[0], ir.Area):
            raise NotFusable("NOT with a wrong argument")
        c = self.condition(node.args[0])
        return self._bool(f"b2f({c.v} == 0.0)", c.e)

    def _logical(self, node: ir.Call, how: str) -> Val:
        vals, errs = [], []
        for v, from_ref in self.items(node):
            errs.append(v.e)
            if from_ref and v.kind in (KSTR, KBLANK):
                continue
            vals.append(f"({v.v} != 0.0)")
        if not vals:
            return num("0.0", self.err(self.chain(errs, [("True", VALUE)])), (0.0, 0.0),
                          KBOOL)
        e = self.err(self.chain(errs))
        acc = vals[0]
        op = {"and": "&", "or": "|", "xor": "^"}[how]
        for x in vals[1:]:
            acc = self.value(f"{acc} {op} {x}")
        return self._bool(f"b2f({acc})", e)

    def fn_and(self, node: ir.Call) -> Val:
        return self._logical(node, "and")

    def fn_or(self, node: ir.Call) -> Val:
        return self._logical(node, "or")

    def fn_xor(self, node: ir.Call) -> Val:
        return self._logical(node, "xor")

    # ------------------------------------------------------------ math (functions.math)
    def _unary_math(self, node: ir.Call, fn: str, bad: str | None = None,
                    bounds_of=None, safe=None) -> Val:
        """f(x) with an optional domain test ``bad`` (#NUM!), left out when ``safe(bounds)``
        proves it false."""
        (x,) = self.numeric(node, (None,))
        bounds = bounds_of(x.iv) if bounds_of is not None else iv.UNKNOWN
        if bad is None or (safe is not None and x.bounded and safe(x.iv)):
            return self.result(f"{fn}({x.v})", [x], bounds=bounds)
        cond = "(" + bad.format(x=x.v) + ")"
        g = self.guarded(x.v, cond)
        return self.result(f"{fn}({g})", [x], [(cond, NUM)], bounds)

    def fn_degrees(self, node: ir.Call) -> Val:   # npy_degrees: x * (180 / pi)
        return self._unary_math(node, f"{lit(180.0 / math.pi)} * ")

    def fn_radians(self, node: ir.Call) -> Val:   # npy_radians: x * (pi / 180)
        return self._unary_math(node, f"{lit(math.pi / 180.0)} * ")

    def fn_asin(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.arcsin", "abs({x}) > 1.0")

    def fn_acos(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.arccos", "abs({x}) > 1.0")

    def fn_sinh(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.sinh")

    def fn_cosh(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.cosh")

    def fn_atan2(self, node: ir.Call) -> Val:
        """math._atan2: arctan2(y, x) of ATAN2(x, y); #DIV/0! where both are 0."""
        x, y = self.numeric(node, (None, None))
        return self.result(f"np.arctan2({y.v}, {x.v})", [x, y],
                           [(f"({x.v} == 0.0) & ({y.v} == 0.0)", DIV0)], (-math.pi, math.pi))

    def fn_abs(self, node: ir.Call) -> Val:
        return self._unary_math(node, "abs", bounds_of=iv.absolute)

    def fn_int(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.floor", bounds_of=lambda a: (
            (float(math.floor(a[0])), float(math.floor(a[1]))) if iv.bounded(a) else iv.UNKNOWN))

    def fn_sign(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.sign", bounds_of=lambda a: (-1.0, 1.0))

    def fn_sqrt(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.sqrt", "{x} < 0.0",
                                lambda a: iv.monotone(lambda t: math.sqrt(max(t, 0.0)), a),
                                lambda a: a[0] >= 0.0)

    def fn_exp(self, node: ir.Call) -> Val:
        return self._unary_math(
            node, "np.exp", bounds_of=lambda a: iv.monotone(math.exp, a) if a[1] < 700 else iv.UNKNOWN)

    def fn_ln(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.log", "{x} <= 0.0",
                                lambda a: iv.monotone(math.log, a) if a[0] > 0 else iv.UNKNOWN,
                                lambda a: a[0] > 0.0)

    def fn_log10(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.log10", "{x} <= 0.0",
                                lambda a: iv.monotone(math.log10, a) if a[0] > 0 else iv.UNKNOWN,
                                lambda a: a[0] > 0.0)

    def fn_log(self, node: ir.Call) -> Val:
        if len(node.args) < 2 or isinstance(node.args[1], ir.Missing):
            if len(node.args) > 2:
                raise NotFusable("LOG with too many arguments")
            return self.fn_log10(ir.Call("LOG10", node.args[:1]))
        x, b = self.numeric(node, (None, None))
        bad = self.value(f"({x.v} <= 0.0) | ({b.v} <= 0.0)")
        one = self.value(f"{b.v} == 1.0")
        ok = self.value(f"nt({bad}) & nt({one})")
        gx = self.value(f"sel({ok}, {x.v}, 1.0)")
        gb = self.value(f"sel({ok}, {b.v}, 2.0)")
        return self.result(f"np.log({gx}) / np.log({gb})", [x, b], [(bad, NUM), (one, DIV0)])

    def _trig(self, node: ir.Call, fn: str, bounds: iv.Interval = iv.UNKNOWN) -> Val:
        limit = 134217728.0  # Excel's SIN/COS/TAN give #NUM! from 2**27 on
        return self._unary_math(node, fn, f"abs({{x}}) >= {limit}", lambda a: bounds,
                                lambda a: iv.magnitude(a) < limit)

    def fn_sin(self, node: ir.Call) -> Val:
        return self._trig(node, "np.sin", (-1.0, 1.0))

    def fn_cos(self, node: ir.Call) -> Val:
        return self._trig(node, "np.cos", (-1.0, 1.0))

    def fn_tan(self, node: ir.Call) -> Val:
        return self._trig(node, "np.tan")

    def fn_atan(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.arctan", bounds_of=lambda a: (-1.6, 1.6))

    def fn_tanh(self, node: ir.Call) -> Val:
        return self._unary_math(node, "np.tanh", bounds_of=lambda a: (-1.0, 1.0))

    def _round(self, node: ir.Call, how: int) -> Val:
        x, d = self.numeric(node, (None, 0.0))
        bounds = iv.UNKNOWN
        digits = iv.integer_point(d.iv) if d.e == "0" else None
        if digits is not None and x.bounded and -300 <= digits <= 300:
            bounds = _round_bounds(x.iv, digits, how)
        return self.result(f"excel_round({x.v}, {d.v}, {how})", [x, d], bounds=bounds)

    def fn_round(self, node: ir.Call) -> Val:
        return self._round(node, 0)

    def fn_roundup(self, node: ir.Call) -> Val:
        return self._round(node, 1)

    def fn_rounddown(self, node: ir.Call) -> Val:
        return self._round(node, 2)

    def fn_trunc(self, node: ir.Call) -> Val:
        return self._round(node, 2)

    def fn_mod(self, node: ir.Call) -> Val:
        n, d = self.numeric(node, (None, None))
        if iv.excludes_zero(d.iv):
            m = iv.magnitude(d.iv)
            return self.result(f"{n.v} % {d.v}", [n, d], bounds=iv.make(-m, m))
        zero = f"({d.v} == 0.0)"
        g = self.guarded(d.v, zero)
        return self.result(f"{n.v} % {g}", [n, d], [(zero, DIV0)])

    def fn_quotient(self, node: ir.Call) -> Val:
        n, d = self.numeric(node, (None, None))
        zero = f"({d.v} == 0.0)"
        g = self.guarded(d.v, zero)
        return self.result(f"np.trunc(snap15({n.v} / {g}))", [n, d], [(zero, DIV0)])

    def fn_power(self, node: ir.Call) -> Val:
        if len(node.args) != 2 or any(isinstance(a, ir.Area) for a in node.args):
            raise NotFusable("POWER with a wrong argument")
        return self.arith("^", self.number(node.args[0], 0.0), self.number(node.args[1], 0.0))

    def fn_pi(self, node: ir.Call) -> Val:
        return num(lit(math.pi), "0", (math.pi, math.pi))

    # ------------------------------------------------------------ SHEET, SHEETS (engine.compiler)
    def fn_sheet(self, node: ir.Call) -> Val:
        """SHEET() or SHEET(reference): a position the workbook fixes, a constant (the
        reference's cells are not read); SHEET(text) per text id through the library."""
        arg = node.args[0] if node.args else None
        if arg is None or isinstance(arg, ir.Ref | ir.Area):
            return self._workbook_constant(node)
        return self.enumerated_call(node)

    def fn_sheets(self, node: ir.Call) -> Val:
        """SHEETS(): the sheet count; SHEETS(reference) 1; anything else #REF!: constants."""
        return self._workbook_constant(node)

    def _workbook_constant(self, node: ir.Call) -> Val:
        got = self.fold(node)
        if got is None:
            raise NotFusable(f"{node.name} whose value is not one constant")
        return got

    # ------------------------------------------------------------ random (engine.compiler)
    def fn_rand(self, node: ir.Call) -> Val:
        if node.args:
            raise NotFusable("RAND with arguments")
        return num(self.uniform(self.rand_stream(node)), "0", (0.0, 1.0))

    def fn_randbetween(self, node: ir.Call) -> Val:
        if len(node.args) != 2 or any(isinstance(a, ir.Area) for a in node.args):
            raise NotFusable("RANDBETWEEN with a wrong argument")
        sid = self.rand_stream(node)
        lo, hi = self.number(node.args[0]), self.number(node.args[1])
        u = self.uniform(sid)
        clo = self.value(f"np.ceil({lo.v})")
        fhi = self.value(f"np.floor({hi.v})")
        return self.result(f"np.floor({clo} + {u} * ({fhi} - {clo} + 1.0))", [lo, hi],
                           [(f"({clo} > {fhi})", NUM)])
