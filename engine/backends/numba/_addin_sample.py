"""``MCDESK.SAMPLE(u, kind, name, value, ...)`` in the kernel (a mixin of ``fn_*`` methods).

:mod:`engine.addin_models` writes this formula in place of an @RISK / Analytic Solver /
ModelRisk distribution one of whose parameters depends on an input (``=RiskPert(C5,D5,E5)``
with C5 an input).  :mod:`engine.functions.addin_sample` is the reference: the parameters
per trial (numbers as ``scalar_number`` reads them), the argument errors leftmost first (the
uniform, then each value in order), #NUM! for a set the kind's ``build`` refuses, then the
kind's ``ppf`` of the uniform, then ``_args.result`` (#NUM! for a value that is not finite).

Fused here: the kinds whose ``ppf`` is one runtime expression in the same order of
operations as engine.distributions (uniform, triangular, PERT with its optional shape,
normal, lognormal by its own mean and sd), with the parameter names the kind takes and no truncation or shift property;
every call is one the kernel already imports (``ndtri``, ``sel``, ``np.sqrt``, ``np.log1p``,
``d_beta_inv``), so the CUDA translation has its twin already.  Other kinds, properties and a kind or name that is not
a constant text are left to numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ir
from ...errors import SpecError
from ...values import NUM
from ._host import GeneratorHost
from ._values import NotFusable, Val

if TYPE_CHECKING:
    Check = tuple[str, int] | None

# canonical kind -> (required names, optional names with defaults)
_KINDS: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "uniform": (("min", "max"), {}),
    "triangular": (("min", "mode", "max"), {}),
    "pert": (("min", "mode", "max"), {"shape": 4.0}),
    "normal": (("mean", "sd"), {}),
    "lognormal": (("mean", "sd"), {}),
}
_THREE = "nt(({min} <= {mode}) & ({mode} <= {max}) & ({min} < {max}))"   # _ThreePoint.check3


class AddinSampleMixin(GeneratorHost):
    """``fn_mcdesk_sample`` (see the module docstring)."""

    if TYPE_CHECKING:  # provided by the Generator this is mixed into
        def result(self, expr: str, args: list[Val], checks: list[Check] = ...,
                   bounds: tuple[float, float] = ...) -> Val: ...

    def fn_mcdesk_sample(self, node: ir.Call) -> Val:
        from ...distributions import canonical_kind

        args = node.args
        if len(args) < 2 or len(args) % 2 or not isinstance(args[1], ir.Str):
            raise NotFusable("MCDESK.SAMPLE without a constant kind")
        try:
            kind = canonical_kind(args[1].value)
        except SpecError:
            raise NotFusable("MCDESK.SAMPLE of an unknown kind") from None
        if kind not in _KINDS:
            raise NotFusable(f"MCDESK.SAMPLE of a {kind} distribution")
        required, optional = _KINDS[kind]
        names: list[str] = []
        for key in args[2::2]:
            if not isinstance(key, ir.Str):
                raise NotFusable("MCDESK.SAMPLE with a parameter name that is not a constant")
            names.append(key.value)
        if (len(set(names)) != len(names) or not set(required) <= set(names)
                or not set(names) <= set(required) | set(optional)):
            raise NotFusable(f"MCDESK.SAMPLE of {kind} with other parameters than it takes")
        if any(isinstance(a, ir.Area) for a in args[3::2]) or isinstance(args[0], ir.Area):
            raise NotFusable("MCDESK.SAMPLE with a range argument")
        u = self.number(args[0])
        vals = [self.number(a) for a in args[3::2]]
        p = {k: v.v for k, v in zip(names, vals, strict=True)}
        for k, d in optional.items():
            p.setdefault(k, repr(d))
        if kind == "uniform":
            bad = f"nt({p['min']} < {p['max']})"
            expr = f"{p['min']} + {u.v} * ({p['max']} - {p['min']})"
        elif kind == "triangular":
            bad = _THREE.format(**p)
            a, c, b = p["min"], p["mode"], p["max"]
            fc = self.value(f"({c} - {a}) / ({b} - {a})")
            lower = self.value(f"{a} + np.sqrt({u.v} * ({b} - {a}) * ({c} - {a}))")
            upper = self.value(f"{b} - np.sqrt((1.0 - {u.v}) * ({b} - {a}) * ({b} - {c}))")
            expr = f"sel({u.v} < {fc}, {lower}, {upper})"
        elif kind == "normal":
            bad = f"nt({p['sd']} > 0.0)"
            expr = f"{p['mean']} + {p['sd']} * ndtri({u.v})"
        elif kind == "lognormal":   # engine.distributions.Lognormal's sigma, mu and ppf
            bad = f"nt({p['sd']} > 0.0) | nt({p['mean']} > 0.0)"
            r = self.value(f"{p['sd']} / {p['mean']}")
            sigma = self.value(f"np.sqrt(np.log1p({r} * {r}))")
            mu = self.value(f"np.log({p['mean']}) - 0.5 * ({sigma} * {sigma})")
            expr = f"np.exp({mu} + {sigma} * ndtri({u.v}))"
        else:   # pert: engine.distributions.Pert's alpha, beta and ppf, in its order
            bad = f"{_THREE.format(**p)} | nt({p['shape']} > 0.0)"
            width = self.value(f"({p['max']} - {p['min']})")
            alpha = self.value(f"1.0 + {p['shape']} * ({p['mode']} - {p['min']}) / {width}")
            beta = self.value(f"1.0 + {p['shape']} * ({p['max']} - {p['mode']}) / {width}")
            expr = f"d_beta_inv({u.v}, {alpha}, {beta}, {p['min']}, {p['max']})"
        return self.result(self.value(expr), [u, *vals], [(bad, NUM)])


__all__ = ["AddinSampleMixin"]
