"""Discrete distributions: a table of values, integer uniform, binomial, Poisson, geometric,
negative binomial, hypergeometric, Bernoulli (parameters as @RISK names them).

The inverse CDF is the smallest value ``k`` with ``F(k) >= u`` (scipy.stats' convention), so
truncation and the Gaussian copula of correlated inputs work on them as on continuous ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np
from scipy import stats

from ..errors import SpecError
from ._base import Distribution, ParamValue, need

__all__ = ["Bernoulli", "Binomial", "Discrete", "Geometric", "Hypergeometric", "IntUniform",
           "NegBinomial", "Poisson"]

_TAIL = 1e-17   # support() cuts an infinite tail where it holds less than this
_BELOW_ONE = 1.0 - 2.0 ** -53


def _arr(u: np.ndarray | float) -> np.ndarray:
    return np.asarray(u, dtype=np.float64)


class _Lattice(Distribution):
    """A distribution on the integers, computed through its scipy.stats form."""

    discrete: ClassVar[bool] = True

    @property
    def _frozen(self):  # noqa: ANN202 - a scipy frozen distribution
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(self._frozen.ppf(_arr(u)), dtype=np.float64)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return np.asarray(self._frozen.cdf(np.floor(_arr(x))), dtype=np.float64)

    def cdf_below(self, x: np.ndarray | float) -> np.ndarray:
        return np.asarray(self._frozen.cdf(np.ceil(_arr(x)) - 1.0), dtype=np.float64)

    @property
    def nominal(self) -> float:
        return self.median

    def support(self) -> tuple[np.ndarray, np.ndarray]:
        f = self._frozen
        hi = float(f.isf(_TAIL))
        if not math.isfinite(hi):
            hi = float(f.ppf(_BELOW_ONE))
        k = np.arange(float(f.support()[0]), hi + 1.0)
        return k, f.pmf(k)


@dataclass(frozen=True)
class IntUniform(_Lattice):
    """Every integer from min to max equally likely (RiskIntUniform)."""

    min: float
    max: float
    name: ClassVar[str] = "intuniform"

    @classmethod
    def build(cls, x: dict, where: str) -> IntUniform:
        need(float(x["min"]).is_integer() and float(x["max"]).is_integer(), where, cls.name,
             "whole numbers min and max", x)
        need(x["min"] <= x["max"], where, cls.name, "min <= max", x)
        return cls(x["min"], x["max"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        n = self.max - self.min + 1.0
        return self.min + np.minimum(np.floor(_arr(u) * n), n - 1.0)

    @property
    def _frozen(self):  # noqa: ANN202
        return stats.randint(int(self.min), int(self.max) + 1)

    @property
    def mean(self) -> float:
        return (self.min + self.max) / 2.0

    @property
    def variance(self) -> float:
        n = self.max - self.min + 1.0
        return (n * n - 1.0) / 12.0

    def params(self) -> dict[str, ParamValue]:
        return {"min": self.min, "max": self.max}


def _prob(x: dict, where: str, kind: str, name: str = "p") -> None:
    need(0.0 <= x[name] <= 1.0, where, kind, f"0 <= {name} <= 1", x)


def _whole(x: dict, where: str, kind: str, name: str, least: int = 0) -> None:
    need(float(x[name]).is_integer() and x[name] >= least, where, kind,
         f"a whole number {name} >= {least}", x)


@dataclass(frozen=True)
class Binomial(_Lattice):
    """Successes in n trials of probability p (RiskBinomial)."""

    n: float
    p: float
    name: ClassVar[str] = "binomial"

    @classmethod
    def build(cls, x: dict, where: str) -> Binomial:
        _whole(x, where, cls.name, "n")
        _prob(x, where, cls.name)
        return cls(x["n"], x["p"])

    @property
    def _frozen(self):  # noqa: ANN202
        return stats.binom(int(self.n), self.p)

    @property
    def mean(self) -> float:
        return self.n * self.p

    @property
    def variance(self) -> float:
        return self.n * self.p * (1.0 - self.p)

    def params(self) -> dict[str, ParamValue]:
        return {"n": self.n, "p": self.p}


@dataclass(frozen=True)
class Poisson(_Lattice):
    """Events at rate lambda (RiskPoisson)."""

    lam: float
    name: ClassVar[str] = "poisson"

    @classmethod
    def build(cls, x: dict, where: str) -> Poisson:
        need(x["lambda"] > 0, where, cls.name, "lambda > 0", x)
        return cls(x["lambda"])

    @property
    def _frozen(self):  # noqa: ANN202
        return stats.poisson(self.lam)

    @property
    def mean(self) -> float:
        return self.lam

    @property
    def variance(self) -> float:
        return self.lam

    def params(self) -> dict[str, ParamValue]:
        return {"lambda": self.lam}


@dataclass(frozen=True)
class Geometric(_Lattice):
    """Failures before the first success of probability p (RiskGeomet: 0, 1, 2, ...)."""

    p: float
    name: ClassVar[str] = "geometric"

    @classmethod
    def build(cls, x: dict, where: str) -> Geometric:
        need(0.0 < x["p"] <= 1.0, where, cls.name, "0 < p <= 1", x)
        return cls(x["p"])

    @property
    def _frozen(self):  # noqa: ANN202
        return stats.geom(self.p, loc=-1)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        # p = 1: a success at once, 0 failures (scipy's geom gives loc - 1 there); ``p`` may
        # be an array over trials (engine.functions.addin_sample)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = super().ppf(u)
        return np.where(np.asarray(self.p) == 1.0, 0.0, x)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return super().cdf(x)

    def support(self) -> tuple[np.ndarray, np.ndarray]:
        if self.p == 1.0:
            return np.zeros(1), np.ones(1)
        return super().support()

    @property
    def mean(self) -> float:
        return (1.0 - self.p) / self.p

    @property
    def variance(self) -> float:
        return (1.0 - self.p) / self.p ** 2

    def params(self) -> dict[str, ParamValue]:
        return {"p": self.p}


@dataclass(frozen=True)
class NegBinomial(_Lattice):
    """Failures before the s-th success of probability p (RiskNegbin(s, p))."""

    s: float
    p: float
    name: ClassVar[str] = "negbin"

    @classmethod
    def build(cls, x: dict, where: str) -> NegBinomial:
        _whole(x, where, cls.name, "s", 1)
        need(0.0 < x["p"] <= 1.0, where, cls.name, "0 < p <= 1", x)
        return cls(x["s"], x["p"])

    @property
    def _frozen(self):  # noqa: ANN202
        return stats.nbinom(self.s, self.p)

    @property
    def mean(self) -> float:
        return self.s * (1.0 - self.p) / self.p

    @property
    def variance(self) -> float:
        return self.s * (1.0 - self.p) / self.p ** 2

    def params(self) -> dict[str, ParamValue]:
        return {"s": self.s, "p": self.p}


@dataclass(frozen=True)
class Hypergeometric(_Lattice):
    """Successes in n draws without replacement from m items of which d are successes
    (RiskHypergeo(n, D, M))."""

    n: float
    d: float
    m: float
    name: ClassVar[str] = "hypergeo"

    @classmethod
    def build(cls, x: dict, where: str) -> Hypergeometric:
        for k in ("n", "d", "m"):
            _whole(x, where, cls.name, k)
        need(x["m"] >= 1 and x["n"] <= x["m"] and x["d"] <= x["m"], where, cls.name,
             "m >= 1, n <= m and d <= m", x)
        return cls(x["n"], x["d"], x["m"])

    @property
    def _frozen(self):  # noqa: ANN202
        return stats.hypergeom(int(self.m), int(self.d), int(self.n))

    @property
    def mean(self) -> float:
        return self.n * self.d / self.m

    @property
    def variance(self) -> float:
        if self.m <= 1:
            return 0.0
        q = self.d / self.m
        return self.n * q * (1.0 - q) * (self.m - self.n) / (self.m - 1.0)

    def params(self) -> dict[str, ParamValue]:
        return {"n": self.n, "d": self.d, "m": self.m}


@dataclass(frozen=True)
class Bernoulli(_Lattice):
    """1 with probability p, else 0 (RiskBernoulli)."""

    p: float
    name: ClassVar[str] = "bernoulli"

    @classmethod
    def build(cls, x: dict, where: str) -> Bernoulli:
        _prob(x, where, cls.name)
        return cls(x["p"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return (_arr(u) > 1.0 - self.p).astype(np.float64)

    @property
    def _frozen(self):  # noqa: ANN202
        return stats.bernoulli(self.p)

    @property
    def mean(self) -> float:
        return self.p

    @property
    def variance(self) -> float:
        return self.p * (1.0 - self.p)

    def params(self) -> dict[str, ParamValue]:
        return {"p": self.p}


@dataclass(frozen=True)
class Discrete(Distribution):
    """``values[i]`` with probability ``probabilities[i]`` (RiskDiscrete)."""

    values: tuple[float, ...]
    probabilities: tuple[float, ...]
    name: ClassVar[str] = "discrete"
    discrete: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        object.__setattr__(self, "probabilities", tuple(float(p) for p in self.probabilities))

    @classmethod
    def build(cls, x: dict, where: str) -> Discrete:
        values, probs = x["values"], x["probabilities"]
        if not values:
            raise SpecError(f"{where}: discrete needs at least one value")
        if len(values) != len(probs):
            raise SpecError(f"{where}: discrete needs as many probabilities as values, got "
                            f"{len(values)} values and {len(probs)} probabilities")
        negative = [p for p in probs if p < 0]
        if negative:
            raise SpecError(f"{where}: discrete probabilities must be >= 0, got "
                            f"{negative[0]:g}")
        total = math.fsum(probs)
        if abs(total - 1.0) > 1e-9:
            raise SpecError(f"{where}: discrete probabilities must sum to 1, they sum to "
                            f"{total:.12g}")
        return cls(tuple(values), tuple(probs))

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
        u = _arr(u)
        idx = np.searchsorted(self.cumulative, u, side="right")
        np.minimum(idx, len(self.values) - 1, out=idx)
        return np.asarray(self.values, dtype=np.float64)[idx]

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        v = np.asarray(self.values, dtype=np.float64)
        order = np.argsort(v, kind="stable")
        return v[order], self._p[order]

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        v, p = self._sorted()
        c = np.concatenate([[0.0], np.cumsum(p)])
        return c[np.searchsorted(v, _arr(x), side="right")]

    def cdf_below(self, x: np.ndarray | float) -> np.ndarray:
        v, p = self._sorted()
        c = np.concatenate([[0.0], np.cumsum(p)])
        return c[np.searchsorted(v, _arr(x), side="left")]

    def support(self) -> tuple[np.ndarray, np.ndarray]:
        # in sampling order: ppf walks the values as given
        c = self.cumulative
        return np.asarray(self.values), np.diff(np.concatenate([[0.0], c]))

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

    def params(self) -> dict[str, ParamValue]:
        return {"values": list(self.values), "probabilities": list(self.probabilities)}
