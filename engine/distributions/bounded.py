"""Bounded continuous distributions: triangular, trigen, PERT, uniform, beta and beta-general
(parameters as @RISK names them), all by inverse CDF.

The expressions of triangular, PERT and uniform are the ones the numba runtime evaluates (bit
for bit: keep them in this order); beta and beta-general share PERT's runtime sampler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import optimize, special

from ._base import Distribution, ParamValue, need

__all__ = ["Beta", "BetaGeneral", "Pert", "Triangular", "Trigen", "Uniform"]


def _arr(u: np.ndarray | float) -> np.ndarray:
    return np.asarray(u, dtype=np.float64)


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
