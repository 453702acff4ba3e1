"""Continuous distributions, parameters named as @RISK names them, all by inverse CDF.

Each class checks its parameters in ``build`` (the cell is named in every error) and gives
exact moments.  The expressions of triangular, PERT, uniform, normal and lognormal are the
ones the numba runtime evaluates (bit for bit: keep them in this order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import optimize, special

from ._base import Distribution, ParamValue, need

__all__ = [
    "Beta", "BetaGeneral", "ChiSquare", "Erlang", "Exponential", "ExtValue", "Gamma",
    "LogLogistic", "Logistic", "Lognormal", "Lognormal2", "Normal", "Pareto", "Pert",
    "Rayleigh", "StudentT", "Triangular", "Trigen", "Uniform", "Weibull",
]

_EULER = 0.57721566490153286061


def _arr(u: np.ndarray | float) -> np.ndarray:
    return np.asarray(u, dtype=np.float64)


def _E(u: np.ndarray) -> np.ndarray:
    """-log(1 - u): a standard exponential of u."""
    return -np.log1p(-u)


# ----------------------------------------------------------------- bounded
@dataclass(frozen=True)
class _ThreePoint(Distribution):
    """Minimum, most likely, maximum: what triangular and PERT share."""

    min: float
    mode: float
    max: float

    @property
    def nominal(self) -> float:
        return self.mode

    def params(self) -> dict[str, ParamValue]:
        return {"min": self.min, "mode": self.mode, "max": self.max}

    @classmethod
    def check3(cls, x: dict, where: str) -> None:
        need(x["min"] <= x["mode"] <= x["max"] and x["min"] < x["max"], where, cls.name,
             "min <= mode <= max with min < max", x)


@dataclass(frozen=True)
class Triangular(_ThreePoint):
    name: ClassVar[str] = "triangular"

    @classmethod
    def build(cls, x: dict, where: str) -> Triangular:
        cls.check3(x, where)
        return cls(x["min"], x["mode"], x["max"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, c, b = self.min, self.mode, self.max
        u = _arr(u)
        fc = (c - a) / (b - a)
        # same expressions, in the same order, as the numba runtime (bit for bit)
        lower = a + np.sqrt(u * (b - a) * (c - a))
        upper = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < fc, lower, upper)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        a, c, b = self.min, self.mode, self.max
        x = np.clip(_arr(x), a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = (x - a) ** 2 / ((b - a) * (c - a))
            hi = 1.0 - (b - x) ** 2 / ((b - a) * (b - c))
        return np.where(x <= c, np.where(c > a, lo, 0.0), np.where(b > c, hi, 1.0))

    @property
    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0

    @property
    def variance(self) -> float:
        a, c, b = self.min, self.mode, self.max
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0


@dataclass(frozen=True)
class Trigen(Triangular):
    """A triangle given by a bottom and a top percentile (RiskTrigen): ``bottom`` is the
    ``pbottom`` quantile, ``top`` the ``ptop`` quantile (fractions, 0.1 and 0.9 for the 10th
    and 90th); the minimum and maximum are solved for.  Samples as the triangle it is."""

    bottom: float = 0.0
    top: float = 0.0
    pbottom: float = 0.1
    ptop: float = 0.9
    name: ClassVar[str] = "trigen"

    @classmethod
    def build(cls, x: dict, where: str) -> Trigen:  # type: ignore[override]
        lo, c, hi, pb, pt = x["bottom"], x["mode"], x["top"], x["pbottom"], x["ptop"]
        need(lo <= c <= hi and lo < hi, where, cls.name,
             "bottom <= mode <= top with bottom < top", x)
        need(0.0 <= pb < pt <= 1.0, where, cls.name, "0 <= pbottom < ptop <= 1 (fractions)", x)
        a, b = _trigen_ends(lo, c, hi, pb, pt)
        if a is None or b is None:
            need(False, where, cls.name, "percentiles that a triangle with that mode can "
                 "have", x)
        return cls(a, c, b, lo, hi, pb, pt)

    def params(self) -> dict[str, ParamValue]:
        return {"bottom": self.bottom, "mode": self.mode, "top": self.top,
                "pbottom": self.pbottom, "ptop": self.ptop}


def _trigen_ends(lo: float, c: float, hi: float, pb: float, pt: float
                 ) -> tuple[float | None, float | None]:
    """min and max of the triangle with mode ``c``, F(lo) = pb and F(hi) = pt."""
    d1, d2 = c - lo, hi - c

    def resid(v: np.ndarray) -> np.ndarray:
        x, y = np.exp(v)  # x = c - min, y = max - c
        f_lo = (max(x - d1, 0.0)) ** 2 / ((x + y) * x) if x > 0 else 0.0
        s_hi = (max(y - d2, 0.0)) ** 2 / ((x + y) * y) if y > 0 else 0.0
        return np.array([f_lo - pb, s_hi - (1.0 - pt)])

    scale = max(d1, d2, (hi - lo) * 1e-3)
    x0 = np.log([max(d1, scale * 1e-3) * 1.5 + scale * 0.1, max(d2, scale * 1e-3) * 1.5
                 + scale * 0.1])
    if pb == 0.0 and pt == 1.0:
        return lo, hi
    sol = optimize.root(resid, x0, method="hybr", tol=1e-14)
    x, y = np.exp(sol.x)
    if pb == 0.0:
        x = d1
    if pt == 1.0:
        y = d2
    a, b = c - float(x), c + float(y)
    tri = Triangular(a, c, b) if a < b else None
    if tri is None:
        return None, None
    got = tri.cdf(np.array([lo, hi]))
    if abs(got[0] - pb) > 1e-9 or abs(got[1] - pt) > 1e-9:
        return None, None
    return a, b


@dataclass(frozen=True)
class Pert(_ThreePoint):
    """Beta-PERT: min + (max - min) * Beta(alpha, beta), alpha = 1 + shape * (mode - min) /
    (max - min), beta = 1 + shape * (max - mode) / (max - min); shape 4 is the classic PERT
    (ModelRisk's modified PERT takes another)."""

    shape: float = 4.0
    name: ClassVar[str] = "pert"

    @classmethod
    def build(cls, x: dict, where: str) -> Pert:
        cls.check3(x, where)
        need(x.get("shape", 4.0) > 0, where, cls.name, "shape > 0", x)
        return cls(x["min"], x["mode"], x["max"], x.get("shape", 4.0))

    def params(self) -> dict[str, ParamValue]:
        p = super().params()
        if self.shape != 4.0:
            p["shape"] = self.shape
        return p

    @property
    def alpha(self) -> float:
        return 1.0 + self.shape * (self.mode - self.min) / (self.max - self.min)

    @property
    def beta(self) -> float:
        return 1.0 + self.shape * (self.max - self.mode) / (self.max - self.min)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = _arr(u)
        return self.min + (self.max - self.min) * special.betaincinv(self.alpha, self.beta, u)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        z = np.clip((_arr(x) - self.min) / (self.max - self.min), 0.0, 1.0)
        return special.betainc(self.alpha, self.beta, z)

    @property
    def mean(self) -> float:
        return (self.min + self.shape * self.mode + self.max) / (self.shape + 2.0)

    @property
    def variance(self) -> float:
        m = self.mean
        return (m - self.min) * (self.max - m) / (self.shape + 3.0)


@dataclass(frozen=True)
class Uniform(Distribution):
    min: float
    max: float
    name: ClassVar[str] = "uniform"

    @classmethod
    def build(cls, x: dict, where: str) -> Uniform:
        need(x["min"] < x["max"], where, cls.name, "min < max", x)
        return cls(x["min"], x["max"])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.min + _arr(u) * (self.max - self.min)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return np.clip((_arr(x) - self.min) / (self.max - self.min), 0.0, 1.0)

    @property
    def mean(self) -> float:
        return (self.min + self.max) / 2.0

    @property
    def variance(self) -> float:
        return (self.max - self.min) ** 2 / 12.0

    def params(self) -> dict[str, ParamValue]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True)
class BetaGeneral(Distribution):
    """min + (max - min) * Beta(alpha1, alpha2) (RiskBetaGeneral)."""

    alpha1: float
    alpha2: float
    min: float = 0.0
    max: float = 1.0
    name: ClassVar[str] = "betageneral"

    @classmethod
    def build(cls, x: dict, where: str) -> BetaGeneral:
        need(x["alpha1"] > 0 and x["alpha2"] > 0, where, cls.name, "alpha1 > 0 and alpha2 > 0",
             x)
        need(x.get("min", 0.0) < x.get("max", 1.0), where, cls.name, "min < max", x)
        return cls(x["alpha1"], x["alpha2"], x.get("min", 0.0), x.get("max", 1.0))

    @property
    def alpha(self) -> float:   # the names the numba sampler reads (as PERT's)
        return self.alpha1

    @property
    def beta(self) -> float:
        return self.alpha2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.min + (self.max - self.min) * special.betaincinv(self.alpha1, self.alpha2,
                                                                     _arr(u))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        z = np.clip((_arr(x) - self.min) / (self.max - self.min), 0.0, 1.0)
        return special.betainc(self.alpha1, self.alpha2, z)

    @property
    def mean(self) -> float:
        a, b = self.alpha1, self.alpha2
        return self.min + (self.max - self.min) * a / (a + b)

    @property
    def variance(self) -> float:
        a, b = self.alpha1, self.alpha2
        return (self.max - self.min) ** 2 * a * b / ((a + b) ** 2 * (a + b + 1.0))

    def params(self) -> dict[str, ParamValue]:
        return {"alpha1": self.alpha1, "alpha2": self.alpha2, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Beta(BetaGeneral):
    """Beta(alpha1, alpha2) on [0, 1] (RiskBeta)."""

    name: ClassVar[str] = "beta"

    @classmethod
    def build(cls, x: dict, where: str) -> Beta:
        need(x["alpha1"] > 0 and x["alpha2"] > 0, where, cls.name, "alpha1 > 0 and alpha2 > 0",
             x)
        return cls(x["alpha1"], x["alpha2"])

    def params(self) -> dict[str, ParamValue]:
        return {"alpha1": self.alpha1, "alpha2": self.alpha2}


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
