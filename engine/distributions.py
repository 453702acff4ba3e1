"""Probability distributions on input cells, sampled by inverse CDF.

The sampler draws uniform percentiles first (:mod:`engine.sampling`), then maps them through
``ppf``, so Monte Carlo and Latin hypercube sampling share one code path and a percentile
always maps to the same value.  Each distribution is a frozen dataclass; build them from
user text with :func:`make_distribution`, which checks the parameters and names the cell in
every error.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from scipy import special

from .errors import SpecError

__all__ = [
    "ALIASES", "KINDS", "POSITIONAL", "Discrete", "Distribution", "Lognormal", "Normal", "Pert",
    "Triangular", "Uniform", "canonical_kind", "make_distribution",
]

POSITIONAL: dict[str, tuple[str, ...]] = {
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "uniform": ("min", "max"),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "discrete": ("values", "probabilities"),
}
KINDS: tuple[str, ...] = tuple(POSITIONAL)
ALIASES: dict[str, str] = {
    "triangular": "triangular", "tri": "triangular", "triang": "triangular",
    "pert": "pert", "betapert": "pert",
    "uniform": "uniform", "unif": "uniform",
    "normal": "normal", "norm": "normal",
    "lognormal": "lognormal", "lognorm": "lognormal",
    "discrete": "discrete",
}
_PROB_TOL = 1e-9


class Distribution(ABC):
    """A distribution of one input cell.

    Every subclass provides ``ppf``, ``params`` and the read-only numbers ``mean``,
    ``variance`` and ``nominal`` (a property, or a dataclass field such as Normal's ``mean``).
    """

    name: ClassVar[str] = "abstract"

    if TYPE_CHECKING:  # declared for type checkers only, so that a dataclass field may supply it

        @property
        def mean(self) -> float: ...

        @property
        def variance(self) -> float: ...

        @property
        def nominal(self) -> float:
            """The value to show for the input: the mode or the mean."""

    @abstractmethod
    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF of uniforms ``u`` in (0, 1), as float64."""

    @abstractmethod
    def params(self) -> dict[str, float | list[float]]:
        """Parameters by name, as a spec writes them."""

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    def describe(self) -> str:
        """``triangular(min=1, mode=2, max=4)``."""
        args = ", ".join(f"{k}={v!r}" if isinstance(v, list) else f"{k}={v:g}"
                         for k, v in self.params().items())
        return f"{self.name}({args})"


@dataclass(frozen=True)
class _ThreePoint(Distribution):
    """Minimum, most likely, maximum: what triangular and PERT share."""

    min: float
    mode: float
    max: float

    @property
    def nominal(self) -> float:
        return self.mode

    def params(self) -> dict[str, float | list[float]]:
        return {"min": self.min, "mode": self.mode, "max": self.max}


@dataclass(frozen=True)
class Triangular(_ThreePoint):
    name: ClassVar[str] = "triangular"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, c, b = self.min, self.mode, self.max
        u = np.asarray(u, dtype=np.float64)
        fc = (c - a) / (b - a)
        # same expressions, in the same order, as the numba runtime (bit for bit)
        lower = a + np.sqrt(u * (b - a) * (c - a))
        upper = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < fc, lower, upper)

    @property
    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0

    @property
    def variance(self) -> float:
        a, c, b = self.min, self.mode, self.max
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0


@dataclass(frozen=True)
class Pert(_ThreePoint):
    """Beta-PERT with lambda = 4: min + (max - min) * Beta(alpha, beta)."""

    name: ClassVar[str] = "pert"

    @property
    def alpha(self) -> float:
        return 1.0 + 4.0 * (self.mode - self.min) / (self.max - self.min)

    @property
    def beta(self) -> float:
        return 1.0 + 4.0 * (self.max - self.mode) / (self.max - self.min)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        return self.min + (self.max - self.min) * special.betaincinv(self.alpha, self.beta, u)

    @property
    def mean(self) -> float:
        return (self.min + 4.0 * self.mode + self.max) / 6.0

    @property
    def variance(self) -> float:
        m = self.mean
        return (m - self.min) * (self.max - m) / 7.0


@dataclass(frozen=True)
class Uniform(Distribution):
    min: float
    max: float
    name: ClassVar[str] = "uniform"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.min + np.asarray(u, dtype=np.float64) * (self.max - self.min)

    @property
    def mean(self) -> float:
        return (self.min + self.max) / 2.0

    @property
    def variance(self) -> float:
        return (self.max - self.min) ** 2 / 12.0

    @property
    def nominal(self) -> float:
        return self.mean

    def params(self) -> dict[str, float | list[float]]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True)
class _MeanSd(Distribution):
    """Given by the variable's own mean and standard deviation: what normal and lognormal
    share."""

    mean: float
    sd: float

    @property
    def variance(self) -> float:
        return self.sd * self.sd

    @property
    def nominal(self) -> float:
        return self.mean

    def params(self) -> dict[str, float | list[float]]:
        return {"mean": self.mean, "sd": self.sd}


@dataclass(frozen=True)
class Normal(_MeanSd):
    name: ClassVar[str] = "normal"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * special.ndtri(np.asarray(u, dtype=np.float64))


@dataclass(frozen=True)
class Lognormal(_MeanSd):
    """A lognormal variable given by its own mean and standard deviation (like RiskLognorm)."""

    name: ClassVar[str] = "lognormal"

    @property
    def sigma(self) -> float:
        """Standard deviation of the log: sqrt(log(1 + (sd / mean)**2))."""
        return math.sqrt(math.log1p((self.sd / self.mean) ** 2))

    @property
    def mu(self) -> float:
        """Mean of the log: log(mean) - sigma**2 / 2."""
        return math.log(self.mean) - 0.5 * self.sigma ** 2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.exp(self.mu + self.sigma * special.ndtri(np.asarray(u, dtype=np.float64)))


@dataclass(frozen=True)
class Discrete(Distribution):
    """``values[i]`` with probability ``probabilities[i]``."""

    values: tuple[float, ...]
    probabilities: tuple[float, ...]
    name: ClassVar[str] = "discrete"

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        object.__setattr__(self, "probabilities", tuple(float(p) for p in self.probabilities))

    @cached_property
    def cumulative(self) -> np.ndarray:
        """Cumulative probabilities, normalised, 1.0 exactly from the last value with a
        positive probability on (so rounding never selects a value of probability 0).
        The sampler picks the first value ``i`` with ``u < cumulative[i]``."""
        p = np.asarray(self.probabilities, dtype=np.float64)
        cum = np.cumsum(p) / p.sum()
        cum[int(np.flatnonzero(p > 0)[-1]):] = 1.0
        cum.flags.writeable = False
        return cum

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        idx = np.searchsorted(self.cumulative, u, side="right")
        np.minimum(idx, len(self.values) - 1, out=idx)
        return np.asarray(self.values, dtype=np.float64)[idx]

    @property
    def _p(self) -> np.ndarray:
        p = np.asarray(self.probabilities, dtype=np.float64)
        return p / p.sum()

    @property
    def mean(self) -> float:
        return float(np.dot(self._p, self.values))

    @property
    def variance(self) -> float:
        v = np.asarray(self.values, dtype=np.float64)
        return float(np.dot(self._p, (v - self.mean) ** 2))

    @property
    def nominal(self) -> float:
        """The most likely value (the first one on a tie)."""
        return float(self.values[int(np.argmax(self.probabilities))])

    def params(self) -> dict[str, float | list[float]]:
        return {"values": list(self.values), "probabilities": list(self.probabilities)}


# ----------------------------------------------------------------- construction from a spec
def canonical_kind(kind: str, where: str = "") -> str:
    """The canonical name of a distribution kind ("Tri" -> "triangular"), or SpecError."""
    key = kind.strip().lower() if isinstance(kind, str) else None
    if key not in ALIASES:
        prefix = f"{where}: " if where else ""
        raise SpecError(f"{prefix}unknown distribution {kind!r}; use one of {', '.join(KINDS)}")
    return ALIASES[key]


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


def _fmt(params: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in params.items())


def make_distribution(kind: str, params: Mapping[str, object], where: str) -> Distribution:
    """Build and check a distribution for the input cell ``where`` (named in every error)."""
    name = canonical_kind(kind, where)
    expected = POSITIONAL[name]
    unknown = [k for k in params if k not in expected]
    missing = [k for k in expected if k not in params]
    if unknown or missing:
        parts = ([f"unknown parameter(s) {', '.join(map(str, unknown))}"] if unknown else []) + (
            [f"missing {', '.join(missing)}"] if missing else [])
        raise SpecError(f"{where}: {name} takes {', '.join(expected)}; {'; '.join(parts)}")
    if name == "discrete":
        return _make_discrete(params, where)
    x = {k: _number(where, name, k, params[k]) for k in expected}
    if name in ("triangular", "pert"):
        if not (x["min"] <= x["mode"] <= x["max"] and x["min"] < x["max"]):
            raise SpecError(f"{where}: {name} needs min <= mode <= max with min < max, "
                            f"got {_fmt(x)}")
        cls = Triangular if name == "triangular" else Pert
        return cls(x["min"], x["mode"], x["max"])
    if name == "uniform":
        if not x["min"] < x["max"]:
            raise SpecError(f"{where}: uniform needs min < max, got {_fmt(x)}")
        return Uniform(x["min"], x["max"])
    if not x["sd"] > 0:
        raise SpecError(f"{where}: {name} needs sd > 0, got {_fmt(x)}")
    if name == "normal":
        return Normal(x["mean"], x["sd"])
    if not x["mean"] > 0:
        raise SpecError(f"{where}: lognormal needs mean > 0 (the mean of the variable itself), "
                        f"got {_fmt(x)}")
    return Lognormal(x["mean"], x["sd"])


def _make_discrete(params: Mapping[str, object], where: str) -> Discrete:
    values = _numbers(where, "discrete", "values", params["values"])
    probs = _numbers(where, "discrete", "probabilities", params["probabilities"])
    if not values:
        raise SpecError(f"{where}: discrete needs at least one value")
    if len(values) != len(probs):
        raise SpecError(f"{where}: discrete needs as many probabilities as values, got "
                        f"{len(values)} values and {len(probs)} probabilities")
    negative = [p for p in probs if p < 0]
    if negative:
        raise SpecError(f"{where}: discrete probabilities must be >= 0, got {negative[0]:g}")
    total = math.fsum(probs)
    if abs(total - 1.0) > _PROB_TOL:
        raise SpecError(f"{where}: discrete probabilities must sum to 1, they sum to {total:.12g}")
    return Discrete(values, probs)
