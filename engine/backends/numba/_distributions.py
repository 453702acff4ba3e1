"""Statistical distribution functions for the kernel generator (a mixin of ``fn_*`` methods):
GAMMA.*, BETA.*, T.*, CHISQ.*, F.*, BINOM.* (BINOM.DIST.RANGE), POISSON.DIST, EXPON.DIST,
WEIBULL.DIST, NEGBINOM.DIST, HYPGEOM.DIST, CONFIDENCE.*, PHI, GAUSS, FISHER(INV), GAMMALN,
GAMMA, ERF/ERFC (.PRECISE), with their pre-2010 names.

Each follows :mod:`engine.functions.distributions` (and ``combinatorics`` / ``engineering``)
for one trial: arguments coerced as ``math.numeric`` coerces them (an empty or omitted
optional argument is its default, a cumulative flag a logical, TRUE/"TRUE"/any non-zero
number), whole-number parameters truncated, then the argument errors (leftmost first), the
reference's ``(mask, code)`` domain checks in its order, and #NUM! for a non-finite value.
The values come from :mod:`._rt_dist`, which calls scipy's own compiled special functions.
The ERF family are Analysis ToolPak functions (a logical argument is #VALUE!).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import ir
from ...values import DIV0, NUM
from . import _intervals as iv
from ._host import GeneratorHost
from ._values import NotFusable, Val

if TYPE_CHECKING:
    Check = tuple[str, int] | None

CUM = "cum"   # a cumulative flag in a signature (empty or omitted: FALSE)


@dataclass(frozen=True)
class Dist:
    """One Excel function: ``call`` formats the runtime call over the arguments ``{0}``..
    (truncated where ``trunc`` says), ``signature`` each argument's default (None: required,
    a float: optional, :data:`CUM`: a flag), ``checks`` the reference's domain checks."""

    call: str
    signature: tuple[float | str | None, ...]
    checks: tuple[tuple[str, int], ...] = ()
    trunc: tuple[int, ...] = ()


_BETA = "({1} <= 0.0) | ({2} <= 0.0) | ({0} < {4}) | ({0} > {5}) | ({4} >= {5})"
_BETA_INV = "({0} <= 0.0) | ({0} > 1.0) | ({1} <= 0.0) | ({2} <= 0.0) | ({3} >= {4})"
_GAMMA = "({0} < 0.0) | ({1} <= 0.0) | ({2} <= 0.0)"
_GAMMA_INV = "({0} < 0.0) | ({0} > 1.0) | ({1} <= 0.0) | ({2} <= 0.0)"
_CHISQ = "({0} < 0.0) | ({1} < 1.0) | ({1} > 1e10)"
_CHISQ_INV = "({0} < 0.0) | ({0} > 1.0) | ({1} < 1.0) | ({1} > 1e10)"
_F = "({0} < 0.0) | ({1} < 1.0) | ({2} < 1.0)"
_F_INV = "({0} < 0.0) | ({0} > 1.0) | ({1} < 1.0) | ({2} < 1.0)"
_T_INV = "({0} <= 0.0) | ({0} > 1.0) | ({1} < 1.0)"
_CONF = "({0} <= 0.0) | ({0} >= 1.0) | ({1} <= 0.0) | ({2} < 1.0)"
_HYPGEOM = ("({0} < 0.0) | ({0} > {1}) | ({0} > {2}) | ({1} <= 0.0) | ({1} > {3}) "
            "| ({2} <= 0.0) | ({2} > {3}) | ({3} <= 0.0) | ({0} < {1} - {3} + {2})")
R, C = None, CUM

DISTS: dict[str, Dist] = {
    "BETA.DIST": Dist("d_beta_dist({0}, {1}, {2}, {3}, {4}, {5})", (R, R, R, C, 0.0, 1.0),
                      ((_BETA, NUM),)),
    "BETADIST": Dist("d_beta_dist({0}, {1}, {2}, 1.0, {3}, {4})", (R, R, R, 0.0, 1.0),
                     (("({1} <= 0.0) | ({2} <= 0.0) | ({0} < {3}) | ({0} > {4}) | ({3} >= {4})",
                       NUM),)),
    "BETA.INV": Dist("d_beta_inv({0}, {1}, {2}, {3}, {4})", (R, R, R, 0.0, 1.0),
                     ((_BETA_INV, NUM),)),
    "GAMMA.DIST": Dist("d_gamma_dist({0}, {1}, {2}, {3})", (R, R, R, C), ((_GAMMA, NUM),)),
    "GAMMA.INV": Dist("d_gamma_inv({0}, {1}, {2})", (R, R, R), ((_GAMMA_INV, NUM),)),
    "GAMMALN": Dist("d_gammaln({0})", (R,), (("({0} <= 0.0)", NUM),)),
    "GAMMA": Dist("d_gamma({0})", (R,), (("({0} <= 0.0) & ({0} == np.floor({0}))", NUM),)),
    "T.DIST": Dist("d_t_dist({0}, {1}, {2})", (R, R, C),
                   (("({1} < 1.0) & ({2} == 0.0) & ({1} == 0.0)", DIV0), ("({1} < 1.0)", NUM)),
                   (1,)),
    "T.DIST.2T": Dist("d_t_tail({0}, {1}, 2.0, False)", (R, R),
                      (("({1} < 1.0) | ({0} < 0.0)", NUM),), (1,)),
    "T.DIST.RT": Dist("d_t_tail({0}, {1}, 1.0, True)", (R, R), (("({1} < 1.0)", NUM),), (1,)),
    "TDIST": Dist("d_t_tail({0}, {1}, {2}, False)", (R, R, R),
                  (("({1} < 1.0) | (({2} != 1.0) & ({2} != 2.0)) | ({0} < 0.0)", NUM),),
                  (1, 2)),
    "T.INV": Dist("d_t_inv({0}, {1}, False)", (R, R), ((_T_INV, NUM),), (1,)),
    "T.INV.2T": Dist("d_t_inv({0}, {1}, True)", (R, R), ((_T_INV, NUM),), (1,)),
    "CHISQ.DIST": Dist("d_chisq_dist({0}, {1}, {2})", (R, R, C), ((_CHISQ, NUM),), (1,)),
    "CHISQ.DIST.RT": Dist("d_chisq_rt({0}, {1})", (R, R), ((_CHISQ, NUM),), (1,)),
    "CHISQ.INV": Dist("d_chisq_inv({0}, {1}, False)", (R, R), ((_CHISQ_INV, NUM),), (1,)),
    "CHISQ.INV.RT": Dist("d_chisq_inv({0}, {1}, True)", (R, R), ((_CHISQ_INV, NUM),), (1,)),
    "F.DIST": Dist("d_f_dist({0}, {1}, {2}, {3})", (R, R, R, C), ((_F, NUM),), (1, 2)),
    "F.DIST.RT": Dist("d_f_rt({0}, {1}, {2})", (R, R, R), ((_F, NUM),), (1, 2)),
    "F.INV": Dist("d_f_inv({0}, {1}, {2}, False)", (R, R, R), ((_F_INV, NUM),), (1, 2)),
    "F.INV.RT": Dist("d_f_inv({0}, {1}, {2}, True)", (R, R, R), ((_F_INV, NUM),), (1, 2)),
    "BINOM.DIST": Dist("d_binom_dist({0}, {1}, {2}, {3})", (R, R, R, C),
                       (("({0} < 0.0) | ({0} > {1}) | ({2} < 0.0) | ({2} > 1.0)", NUM),),
                       (0, 1)),
    "BINOM.INV": Dist("d_binom_inv({0}, {1}, {2})", (R, R, R),
                      (("({0} < 0.0) | ({1} < 0.0) | ({1} > 1.0) | ({2} < 0.0) | ({2} > 1.0)",
                        NUM),), (0,)),
    "POISSON.DIST": Dist("d_poisson({0}, {1}, {2})", (R, R, C),
                         (("({0} < 0.0) | ({1} < 0.0)", NUM),), (0,)),
    "EXPON.DIST": Dist("d_expon({0}, {1}, {2})", (R, R, C),
                       (("({0} < 0.0) | ({1} <= 0.0)", NUM),)),
    "WEIBULL.DIST": Dist("d_weibull({0}, {1}, {2}, {3})", (R, R, R, C), ((_GAMMA, NUM),)),
    "NEGBINOM.DIST": Dist("d_negbinom({0}, {1}, {2}, {3})", (R, R, R, C),
                          (("({0} < 0.0) | ({1} < 1.0) | ({2} <= 0.0) | ({2} >= 1.0)", NUM),),
                          (0, 1)),
    "NEGBINOMDIST": Dist("d_negbinom({0}, {1}, {2}, 0.0)", (R, R, R),
                         (("({0} < 0.0) | ({1} < 1.0) | ({2} <= 0.0) | ({2} >= 1.0)", NUM),),
                         (0, 1)),
    "HYPGEOM.DIST": Dist("d_hypgeom({0}, {1}, {2}, {3}, {4})", (R, R, R, R, C),
                         ((_HYPGEOM, NUM),), (0, 1, 2, 3)),
    "HYPGEOMDIST": Dist("d_hypgeom_pmf({0}, {1}, {2}, {3})", (R, R, R, R), ((_HYPGEOM, NUM),),
                        (0, 1, 2, 3)),
    "CONFIDENCE.NORM": Dist("d_conf_norm({0}, {1}, {2})", (R, R, R), ((_CONF, NUM),), (2,)),
    "CONFIDENCE.T": Dist("d_conf_t({0}, {1}, {2})", (R, R, R),
                         ((_CONF, NUM), ("({2} == 1.0)", DIV0)), (2,)),
    "PHI": Dist("d_phi({0})", (R,)),
    "GAUSS": Dist("d_gauss({0})", (R,)),
    "FISHER": Dist("np.arctanh({0})", (R,), (("({0} <= -1.0) | ({0} >= 1.0)", NUM),)),
    "FISHERINV": Dist("np.tanh({0})", (R,)),
}
_SAME = {"BETAINV": "BETA.INV", "GAMMADIST": "GAMMA.DIST", "GAMMAINV": "GAMMA.INV",
         "GAMMALN.PRECISE": "GAMMALN", "TINV": "T.INV.2T", "CHIDIST": "CHISQ.DIST.RT",
         "CHIINV": "CHISQ.INV.RT", "FDIST": "F.DIST.RT", "FINV": "F.INV.RT",
         "BINOMDIST": "BINOM.DIST", "CRITBINOM": "BINOM.INV", "POISSON": "POISSON.DIST",
         "EXPONDIST": "EXPON.DIST", "WEIBULL": "WEIBULL.DIST", "CONFIDENCE": "CONFIDENCE.NORM"}
DISTS.update({alias: DISTS[name] for alias, name in _SAME.items()})
# the Analysis ToolPak ones (engine.functions.engineering): one argument, a logical is #VALUE!
ATP_UNARY = {"ERF.PRECISE": "d_erf", "ERFC": "d_erfc", "ERFC.PRECISE": "d_erfc"}


class DistributionsMixin(GeneratorHost):
    """The ``fn_*`` methods of :data:`DISTS`, ERF and friends and BINOM.DIST.RANGE (see the
    module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        def condition(self, node: ir.Node | None) -> Val: ...
        def result(self, expr: str, args: list[Val], checks: Sequence[Check] = (),
                   bounds: iv.Interval = iv.UNKNOWN) -> Val: ...
        def date_arg(self, node: ir.Node | None, default: float | None, atp: bool,
                     dates: bool = True) -> Val: ...

    def _dist_args(self, node: ir.Call, signature: Sequence[float | str | None]) -> list[Val]:
        """The arguments as ``math.numeric`` coerces them (a range maps element by element
        there: an array formula, not fused)."""
        required = sum(d is None for d in signature)
        if not required <= len(node.args) <= len(signature):
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        out = []
        for j, d in enumerate(signature):
            a = node.args[j] if j < len(node.args) else None
            if isinstance(a, ir.Area):
                raise NotFusable(f"{node.name} over a range (array formula)")
            if d == CUM:
                out.append(self.condition(a))
            else:
                out.append(self.number(a, 0.0 if d is None else float(d)))
        return out

    def _dist_call(self, node: ir.Call, spec: Dist, args: list[Val] | None = None) -> Val:
        if args is None:
            args = self._dist_args(node, spec.signature)
        names = [self.value(f"np.trunc({a.v})") if j in spec.trunc else a.v
                 for j, a in enumerate(args)]
        checks = [(cond.format(*names), c) for cond, c in spec.checks]
        return self.result(self.value(spec.call.format(*names)), args, checks)

    def dist_call(self, node: ir.Call) -> Val:
        return self._dist_call(node, DISTS[node.name])

    def fn_binom_dist_range(self, node: ir.Call) -> Val:
        """combinatorics._binom_range: an omitted (or empty) last bound is the first."""
        n, p, s1 = self._dist_args(ir.Call(node.name, node.args[:3]), (None, None, None))
        if len(node.args) > 4:
            raise NotFusable("BINOM.DIST.RANGE with a wrong number of arguments")
        s2_node = node.args[3] if len(node.args) > 3 else None
        args = [n, p, s1]
        tn, ts1 = self.value(f"np.trunc({n.v})"), self.value(f"np.trunc({s1.v})")
        ts2 = ts1
        if s2_node is not None and not isinstance(s2_node, ir.Missing):
            if isinstance(s2_node, ir.Area):
                raise NotFusable("BINOM.DIST.RANGE over a range (array formula)")
            s2 = self.number(s2_node, 0.0)
            args.append(s2)
            ts2 = self.value(f"np.trunc({s2.v})")
        bad = (f"({tn} < 0.0) | ({p.v} < 0.0) | ({p.v} > 1.0) | ({ts1} < 0.0) | ({ts1} > {tn}) "
               f"| ({ts2} < {ts1}) | ({ts2} > {tn})")
        return self.result(self.value(f"d_binom_range({tn}, {p.v}, {ts1}, {ts2})"), args,
                           [(bad, NUM)])

    def fn_erf(self, node: ir.Call) -> Val:
        """engineering.erf: erf(lower), or erf(upper) - erf(lower)."""
        if not 1 <= len(node.args) <= 2:
            raise NotFusable("ERF with a wrong number of arguments")
        xs = [self.date_arg(a, None, True, dates=False) for a in node.args]
        if len(xs) == 1:
            return self.result(f"d_erf({xs[0].v})", xs)
        return self.result(f"d_erf({xs[1].v}) - d_erf({xs[0].v})", xs)

    def atp_unary(self, node: ir.Call) -> Val:
        if len(node.args) != 1:
            raise NotFusable(f"{node.name} with a wrong number of arguments")
        x = self.date_arg(node.args[0], None, True, dates=False)
        return self.result(f"{ATP_UNARY[node.name]}({x.v})", [x])


def _method(name: str, atp: bool):  # noqa: ANN202 - a generated method
    def fn(self: DistributionsMixin, node: ir.Call) -> Val:
        return self.atp_unary(node) if atp else self.dist_call(node)

    fn.__name__ = "fn_" + name.replace(".", "_").lower()
    fn.__doc__ = f"{name} (see :mod:`engine.backends.numba._distributions`)."
    return fn


for _name in DISTS:
    setattr(DistributionsMixin, "fn_" + _name.replace(".", "_").lower(), _method(_name, False))
for _name in ATP_UNARY:
    setattr(DistributionsMixin, "fn_" + _name.replace(".", "_").lower(), _method(_name, True))

__all__ = ["ATP_UNARY", "DISTS", "DistributionsMixin"]
