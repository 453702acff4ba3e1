"""The table of distribution kinds: names, aliases (@RISK's, Analytic Solver's, ModelRisk's
short forms), parameters in order, and :func:`make_distribution`, which checks them and names
the cell in every error."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SpecError
from . import bounded as b
from . import continuous as c
from . import discrete as d
from . import empirical as e
from ._base import Distribution

__all__ = ["ALIASES", "KINDS", "LIST_PARAMS", "OPTIONAL", "POSITIONAL", "canonical_kind",
           "make_distribution"]


@dataclass(frozen=True)
class _Kind:
    cls: Any
    params: tuple[str, ...]                  # required, in positional order
    optional: tuple[tuple[str, float], ...] = ()   # then these, with their defaults
    aliases: tuple[str, ...] = ()


_TABLE: dict[str, _Kind] = {
    "triangular": _Kind(b.Triangular, ("min", "mode", "max"), aliases=("tri", "triang")),
    "pert": _Kind(b.Pert, ("min", "mode", "max"), (("shape", 4.0),),
                  ("betapert", "modpert")),
    "trigen": _Kind(b.Trigen, ("bottom", "mode", "top", "pbottom", "ptop")),
    "uniform": _Kind(b.Uniform, ("min", "max"), aliases=("unif",)),
    "normal": _Kind(c.Normal, ("mean", "sd"), aliases=("norm",)),
    "lognormal": _Kind(c.Lognormal, ("mean", "sd"), aliases=("lognorm",)),
    "lognormal2": _Kind(c.Lognormal2, ("mu", "sigma"), aliases=("lognorm2",)),
    "beta": _Kind(b.Beta, ("alpha1", "alpha2")),
    "betageneral": _Kind(b.BetaGeneral, ("alpha1", "alpha2", "min", "max"),
                         aliases=("beta_general", "betagen")),
    "gamma": _Kind(c.Gamma, ("alpha", "beta")),
    "erlang": _Kind(c.Erlang, ("m", "beta")),
    "exponential": _Kind(c.Exponential, ("beta",), aliases=("expon", "exp")),
    "weibull": _Kind(c.Weibull, ("alpha", "beta")),
    "logistic": _Kind(c.Logistic, ("alpha", "beta")),
    "loglogistic": _Kind(c.LogLogistic, ("gamma", "beta", "alpha"),
                         aliases=("log_logistic", "fisk")),
    "student": _Kind(c.StudentT, ("nu",), aliases=("t", "studentt", "student_t")),
    "chisq": _Kind(c.ChiSquare, ("nu",), aliases=("chisquare", "chi2", "chi_square")),
    "pareto": _Kind(c.Pareto, ("theta", "a")),
    "extvalue": _Kind(c.ExtValue, ("alpha", "beta"), aliases=("gumbel", "extremevalue")),
    "rayleigh": _Kind(c.Rayleigh, ("beta",)),
    "cumul": _Kind(e.Cumulative, ("min", "max", "values", "probabilities"),
                   aliases=("cumulative",)),
    "general": _Kind(e.General, ("min", "max", "values", "weights")),
    "histogram": _Kind(e.Histogram, ("min", "max", "probabilities"), aliases=("histogrm",)),
    "discrete": _Kind(d.Discrete, ("values", "probabilities")),
    "intuniform": _Kind(d.IntUniform, ("min", "max"), aliases=("int_uniform", "duniform")),
    "binomial": _Kind(d.Binomial, ("n", "p"), aliases=("binom",)),
    "poisson": _Kind(d.Poisson, ("lambda",)),
    "geometric": _Kind(d.Geometric, ("p",), aliases=("geomet", "geom")),
    "negbin": _Kind(d.NegBinomial, ("s", "p"), aliases=("negbinomial", "nbinom")),
    "hypergeo": _Kind(d.Hypergeometric, ("n", "d", "m"), aliases=("hypergeometric",)),
    "bernoulli": _Kind(d.Bernoulli, ("p",)),
}

POSITIONAL: dict[str, tuple[str, ...]] = {k: v.params for k, v in _TABLE.items()}
OPTIONAL: dict[str, dict[str, float]] = {k: dict(v.optional) for k, v in _TABLE.items()
                                         if v.optional}
KINDS: tuple[str, ...] = tuple(_TABLE)
ALIASES: dict[str, str] = {a: k for k, v in _TABLE.items() for a in (k, *v.aliases)}
LIST_PARAMS = frozenset({"values", "probabilities", "weights"})


def canonical_kind(kind: str, where: str = "") -> str:
    """The canonical name of a distribution kind ("Tri" -> "triangular"), or SpecError."""
    key = kind.strip().lower() if isinstance(kind, str) else None
    if key not in ALIASES:
        prefix = f"{where}: " if where else ""
        raise SpecError(f"{prefix}unknown distribution {kind!r}; use one of {', '.join(KINDS)}")
    return ALIASES[key]


def all_params(kind: str) -> tuple[str, ...]:
    """Required then optional parameter names of a canonical kind."""
    k = _TABLE[kind]
    return k.params + tuple(n for n, _ in k.optional)


def _number(where: str, kind: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise SpecError(f"{where}: {kind} parameter {name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise SpecError(f"{where}: {kind} parameter {name} must be a finite number, got {x}")
    return x


def _numbers(where: str, kind: str, name: str, value: object) -> tuple[float, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        return (_number(where, kind, name, value),)
    return tuple(_number(where, kind, f"{name}[{i}]", v) for i, v in enumerate(value))


def make_distribution(kind: str, params: Mapping[str, object], where: str) -> Distribution:
    """Build and check a distribution for the input cell ``where`` (named in every error)."""
    name = canonical_kind(kind, where)
    entry = _TABLE[name]
    allowed = all_params(name)
    unknown = [k for k in params if k not in allowed]
    missing = [k for k in entry.params if k not in params]
    if unknown or missing:
        parts = ([f"unknown parameter(s) {', '.join(map(str, unknown))}"] if unknown else []) + (
            [f"missing {', '.join(missing)}"] if missing else [])
        raise SpecError(f"{where}: {name} takes {', '.join(allowed)}; {'; '.join(parts)}")
    x: dict[str, Any] = {}
    for k in allowed:
        if k not in params:
            continue
        if k in LIST_PARAMS:
            x[k] = _numbers(where, name, k, params[k])
        else:
            x[k] = _number(where, name, k, params[k])
    if name == "discrete" and len(x["values"]) == len(x["probabilities"]):
        # ascending values: the inverse CDF is then monotone (truncation, rank correlation)
        pairs = sorted(zip(x["values"], x["probabilities"], strict=True), key=lambda t: t[0])
        x["values"] = tuple(v for v, _ in pairs)
        x["probabilities"] = tuple(p for _, p in pairs)
    return entry.cls.build(x, where)
