"""Unbounded and half-bounded continuous distributions (normal and lognormal families, gamma
family, Weibull, Rayleigh, Pareto, logistic, log-logistic, extreme value, Student t),
parameters named as @RISK names them, all by inverse CDF.

Each class checks its parameters in ``build`` (the cell is named in every error) and gives
exact moments.  The expressions of normal and lognormal are the ones the numba runtime
evaluates (bit for bit: keep them in this order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special

from ._base import Distribution, ParamValue, need

__all__ = [
    "ChiSquare", "Erlang", "Exponential", "ExtValue", "Gamma", "LogLogistic", "Logistic",
    "Lognormal", "Lognormal2", "Normal", "Pareto", "Rayleigh", "StudentT", "Weibull",
]

_EULER = 0.57721566490153286061


def _arr(u: np.ndarray | float) -> np.ndarray:
    return np.asarray(u, dtype=np.float64)


def _E(u: np.ndarray) -> np.ndarray:
    """-log(1 - u): a standard exponential of u."""
    return -np.log1p(-u)


# ----------------------------------------------------------------- normal family
@dataclass(frozen=True)
class _MeanSd(Distribution):
    """Given by the variable's own mean and standard deviation."""

    mean: float
    sd: float

    @classmethod
    def build(cls, x: dict, where: str) -> _MeanSd:
        need(x["sd"] > 0, where, cls.name, "sd > 0", x)
        return cls(x["mean"], x["sd"])

    @property
    def variance(self) -> float:
        return self.sd * self.sd

    def params(self) -> dict[str, ParamValue]:
        return {"mean": self.mean, "sd": self.sd}


@dataclass(frozen=True)
class Normal(_MeanSd):
    name: ClassVar[str] = "normal"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * special.ndtri(_arr(u))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return special.ndtr((_arr(x) - self.mean) / self.sd)


@dataclass(frozen=True)
class Lognormal(_MeanSd):
    """A lognormal variable given by its own mean and standard deviation (RiskLognorm)."""

    name: ClassVar[str] = "lognormal"

    @classmethod
    def build(cls, x: dict, where: str) -> Lognormal:
        need(x["sd"] > 0, where, cls.name, "sd > 0", x)
        need(x["mean"] > 0, where, cls.name, "mean > 0 (the mean of the variable itself)", x)
        return cls(x["mean"], x["sd"])

    @property
    def sigma(self) -> float:
        """Standard deviation of the log: sqrt(log(1 + (sd / mean)**2))."""
        return math.sqrt(math.log1p((self.sd / self.mean) ** 2))

    @property
    def mu(self) -> float:
        """Mean of the log: log(mean) - sigma**2 / 2."""
        return math.log(self.mean) - 0.5 * self.sigma ** 2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.exp(self.mu + self.sigma * special.ndtri(_arr(u)))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        x = _arr(x)
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 0.0)) - self.mu) / self.sigma
        return special.ndtr(z)


@dataclass(frozen=True)
class Lognormal2(Distribution):
    """exp(Normal(mu, sigma)): given by the mean and sd of the log (RiskLognorm2)."""

    mu: float
    sigma: float
    name: ClassVar[str] = "lognormal2"

    @classmethod
    def build(cls, x: dict, where: str) -> Lognormal2:
        need(x["sigma"] > 0, where, cls.name, "sigma > 0", x)
        need(x["mu"] + x["sigma"] ** 2 < 700, where, cls.name, "mu + sigma**2 < 700", x)
        return cls(x["mu"], x["sigma"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.exp(self.mu + self.sigma * special.ndtri(_arr(u)))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return special.ndtr((np.log(np.maximum(_arr(x), 0.0)) - self.mu) / self.sigma)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma ** 2 / 2.0)

    @property
    def variance(self) -> float:
        s2 = self.sigma ** 2
        return math.expm1(s2) * math.exp(2.0 * self.mu + s2)

    def params(self) -> dict[str, ParamValue]:
        return {"mu": self.mu, "sigma": self.sigma}


# ----------------------------------------------------------------- gamma family
@dataclass(frozen=True)
class Gamma(Distribution):
    """Shape alpha, scale beta (RiskGamma)."""

    alpha: float
    beta: float
    name: ClassVar[str] = "gamma"

    @classmethod
    def build(cls, x: dict, where: str) -> Gamma:
        need(x["alpha"] > 0 and x["beta"] > 0, where, cls.name, "alpha > 0 and beta > 0", x)
        return cls(x["alpha"], x["beta"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.beta * special.gammaincinv(self.alpha, _arr(u))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return special.gammainc(self.alpha, np.maximum(_arr(x), 0.0) / self.beta)

    @property
    def mean(self) -> float:
        return self.alpha * self.beta

    @property
    def variance(self) -> float:
        return self.alpha * self.beta ** 2

    def params(self) -> dict[str, ParamValue]:
        return {"alpha": self.alpha, "beta": self.beta}


@dataclass(frozen=True)
class Erlang(Gamma):
    """A gamma with a whole shape m, scale beta (RiskErlang(m, beta))."""

    name: ClassVar[str] = "erlang"

    @classmethod
    def build(cls, x: dict, where: str) -> Erlang:
        need(x["m"] >= 1 and float(x["m"]).is_integer(), where, cls.name,
             "a whole number m >= 1", x)
        need(x["beta"] > 0, where, cls.name, "beta > 0", x)
        return cls(x["m"], x["beta"])

    def params(self) -> dict[str, ParamValue]:
        return {"m": self.alpha, "beta": self.beta}


@dataclass(frozen=True)
class ChiSquare(Distribution):
    """Chi-square with nu degrees of freedom (RiskChiSq)."""

    nu: float
    name: ClassVar[str] = "chisq"

    @classmethod
    def build(cls, x: dict, where: str) -> ChiSquare:
        need(x["nu"] > 0, where, cls.name, "nu > 0", x)
        return cls(x["nu"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return 2.0 * special.gammaincinv(self.nu / 2.0, _arr(u))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return special.gammainc(self.nu / 2.0, np.maximum(_arr(x), 0.0) / 2.0)

    @property
    def mean(self) -> float:
        return self.nu

    @property
    def variance(self) -> float:
        return 2.0 * self.nu

    def params(self) -> dict[str, ParamValue]:
        return {"nu": self.nu}


@dataclass(frozen=True)
class Exponential(Distribution):
    """Mean beta (RiskExpon)."""

    beta: float
    name: ClassVar[str] = "exponential"

    @classmethod
    def build(cls, x: dict, where: str) -> Exponential:
        need(x["beta"] > 0, where, cls.name, "beta > 0", x)
        return cls(x["beta"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.beta * _E(_arr(u))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return -np.expm1(-np.maximum(_arr(x), 0.0) / self.beta)

    @property
    def mean(self) -> float:
        return self.beta

    @property
    def variance(self) -> float:
        return self.beta ** 2

    def params(self) -> dict[str, ParamValue]:
        return {"beta": self.beta}


@dataclass(frozen=True)
class Weibull(Distribution):
    """Shape alpha, scale beta (RiskWeibull)."""

    alpha: float
    beta: float
    name: ClassVar[str] = "weibull"

    @classmethod
    def build(cls, x: dict, where: str) -> Weibull:
        need(x["alpha"] > 0 and x["beta"] > 0, where, cls.name, "alpha > 0 and beta > 0", x)
        return cls(x["alpha"], x["beta"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.beta * _E(_arr(u)) ** (1.0 / self.alpha)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return -np.expm1(-(np.maximum(_arr(x), 0.0) / self.beta) ** self.alpha)

    @property
    def mean(self) -> float:
        return self.beta * math.gamma(1.0 + 1.0 / self.alpha)

    @property
    def variance(self) -> float:
        g1, g2 = math.gamma(1.0 + 1.0 / self.alpha), math.gamma(1.0 + 2.0 / self.alpha)
        return self.beta ** 2 * (g2 - g1 * g1)

    def params(self) -> dict[str, ParamValue]:
        return {"alpha": self.alpha, "beta": self.beta}


@dataclass(frozen=True)
class Rayleigh(Distribution):
    """Scale beta (RiskRayleigh)."""

    beta: float
    name: ClassVar[str] = "rayleigh"

    @classmethod
    def build(cls, x: dict, where: str) -> Rayleigh:
        need(x["beta"] > 0, where, cls.name, "beta > 0", x)
        return cls(x["beta"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.beta * np.sqrt(2.0 * _E(_arr(u)))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return -np.expm1(-0.5 * (np.maximum(_arr(x), 0.0) / self.beta) ** 2)

    @property
    def mean(self) -> float:
        return self.beta * math.sqrt(math.pi / 2.0)

    @property
    def variance(self) -> float:
        return (4.0 - math.pi) / 2.0 * self.beta ** 2

    def params(self) -> dict[str, ParamValue]:
        return {"beta": self.beta}


@dataclass(frozen=True)
class Pareto(Distribution):
    """Shape theta, minimum a (RiskPareto(theta, a))."""

    theta: float
    a: float
    name: ClassVar[str] = "pareto"

    @classmethod
    def build(cls, x: dict, where: str) -> Pareto:
        need(x["theta"] > 0 and x["a"] > 0, where, cls.name, "theta > 0 and a > 0", x)
        return cls(x["theta"], x["a"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.a * np.exp(_E(_arr(u)) / self.theta)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        x = np.maximum(_arr(x), self.a)
        return -np.expm1(-self.theta * np.log(x / self.a))

    @property
    def mean(self) -> float:
        t = self.theta
        return t * self.a / (t - 1.0) if t > 1 else math.inf

    @property
    def variance(self) -> float:
        t = self.theta
        return self.a ** 2 * t / ((t - 1.0) ** 2 * (t - 2.0)) if t > 2 else math.inf

    def params(self) -> dict[str, ParamValue]:
        return {"theta": self.theta, "a": self.a}


# ----------------------------------------------------------------- location and scale
@dataclass(frozen=True)
class _LocScale(Distribution):
    alpha: float   # location
    beta: float    # scale

    @classmethod
    def build(cls, x: dict, where: str) -> _LocScale:
        need(x["beta"] > 0, where, cls.name, "beta > 0", x)
        return cls(x["alpha"], x["beta"])

    def params(self) -> dict[str, ParamValue]:
        return {"alpha": self.alpha, "beta": self.beta}


@dataclass(frozen=True)
class Logistic(_LocScale):
    """Location alpha, scale beta (RiskLogistic)."""

    name: ClassVar[str] = "logistic"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.alpha + self.beta * special.logit(_arr(u))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return special.expit((_arr(x) - self.alpha) / self.beta)

    @property
    def mean(self) -> float:
        return self.alpha

    @property
    def variance(self) -> float:
        return (math.pi * self.beta) ** 2 / 3.0


@dataclass(frozen=True)
class ExtValue(_LocScale):
    """The largest extreme value (Gumbel), location alpha, scale beta (RiskExtValue)."""

    name: ClassVar[str] = "extvalue"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.alpha - self.beta * np.log(-np.log(_arr(u)))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return np.exp(-np.exp(-(_arr(x) - self.alpha) / self.beta))

    @property
    def mean(self) -> float:
        return self.alpha + self.beta * _EULER

    @property
    def variance(self) -> float:
        return (math.pi * self.beta) ** 2 / 6.0

    @property
    def nominal(self) -> float:
        return self.mean


@dataclass(frozen=True)
class LogLogistic(Distribution):
    """Location gamma, scale beta, shape alpha (RiskLoglogistic(gamma, beta, alpha))."""

    gamma: float
    beta: float
    alpha: float
    name: ClassVar[str] = "loglogistic"

    @classmethod
    def build(cls, x: dict, where: str) -> LogLogistic:
        need(x["beta"] > 0 and x["alpha"] > 0, where, cls.name, "beta > 0 and alpha > 0", x)
        return cls(x["gamma"], x["beta"], x["alpha"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = _arr(u)
        return self.gamma + self.beta * np.exp((np.log(u) - np.log1p(-u)) / self.alpha)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        t = np.maximum(_arr(x) - self.gamma, 0.0) / self.beta
        with np.errstate(divide="ignore"):
            return special.expit(self.alpha * np.log(t))

    @property
    def mean(self) -> float:
        if self.alpha <= 1:
            return math.inf
        t = math.pi / self.alpha
        return self.gamma + self.beta * t / math.sin(t)

    @property
    def variance(self) -> float:
        if self.alpha <= 2:
            return math.inf
        t = math.pi / self.alpha
        return self.beta ** 2 * (2.0 * t / math.sin(2.0 * t) - (t / math.sin(t)) ** 2)

    def params(self) -> dict[str, ParamValue]:
        return {"gamma": self.gamma, "beta": self.beta, "alpha": self.alpha}


@dataclass(frozen=True)
class StudentT(Distribution):
    """Student's t with nu degrees of freedom (RiskStudent)."""

    nu: float
    name: ClassVar[str] = "student"

    @classmethod
    def build(cls, x: dict, where: str) -> StudentT:
        need(x["nu"] > 0, where, cls.name, "nu > 0", x)
        return cls(x["nu"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return special.stdtrit(self.nu, _arr(u))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return special.stdtr(self.nu, _arr(x))

    @property
    def mean(self) -> float:
        return 0.0 if self.nu > 1 else math.nan

    @property
    def variance(self) -> float:
        if self.nu > 2:
            return self.nu / (self.nu - 2.0)
        return math.inf if self.nu > 1 else math.nan

    @property
    def nominal(self) -> float:
        return 0.0

    def params(self) -> dict[str, ParamValue]:
        return {"nu": self.nu}
