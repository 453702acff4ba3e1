"""Probability distributions on input cells, sampled by inverse CDF.

The sampler draws uniform percentiles first (:mod:`engine.sampling`), then maps them through
``ppf``, so Monte Carlo, Latin hypercube and correlated (Gaussian copula) sampling share one
code path and a percentile always maps to the same value.  Each distribution is a frozen
dataclass; build them from user text with :func:`make_distribution`, which checks the
parameters and names the cell in every error.  :class:`Adjusted` adds the properties any
distribution may have: truncation, shift, a display name, a static value, a fixed stream and
a place in a correlation group.

Modules: ``bounded``, ``continuous``, ``discrete``, ``empirical`` (from points), ``properties``, and the
table of kinds in ``_registry``.
"""

from ._base import Distribution, ParamValue
from ._registry import (
    ALIASES,
    KINDS,
    LIST_PARAMS,
    OPTIONAL,
    POSITIONAL,
    all_params,
    canonical_kind,
    make_distribution,
)
from .bounded import Beta, BetaGeneral, Pert, Triangular, Trigen, Uniform
from .continuous import (
    ChiSquare,
    Erlang,
    Exponential,
    ExtValue,
    Gamma,
    Logistic,
    LogLogistic,
    Lognormal,
    Lognormal2,
    Normal,
    Pareto,
    Rayleigh,
    StudentT,
    Weibull,
)
from .discrete import (
    Bernoulli,
    Binomial,
    Discrete,
    Geometric,
    Hypergeometric,
    IntUniform,
    NegBinomial,
    Poisson,
)
from .empirical import Cumulative, General, Histogram
from .properties import Adjusted, CopulaMember, adjust

__all__ = [
    "ALIASES", "KINDS", "LIST_PARAMS", "OPTIONAL", "POSITIONAL", "Adjusted", "Bernoulli",
    "Beta", "BetaGeneral", "Binomial", "ChiSquare", "CopulaMember", "Cumulative", "Discrete",
    "Distribution", "Erlang", "Exponential", "ExtValue", "Gamma", "General", "Geometric",
    "Histogram", "Hypergeometric", "IntUniform", "LogLogistic", "Logistic", "Lognormal",
    "Lognormal2", "NegBinomial", "Normal", "ParamValue", "Pareto", "Pert", "Poisson",
    "Rayleigh", "StudentT", "Triangular", "Trigen", "Uniform", "Weibull", "adjust",
    "all_params", "canonical_kind", "make_distribution",
]
