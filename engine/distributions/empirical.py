"""Distributions drawn from points: cumulative (RiskCumul), general density (RiskGeneral) and
histogram (RiskHistogrm).

Cumulative and histogram have a piecewise linear CDF (a density constant between points);
general has a piecewise linear density through (min, 0), (x_i, p_i), (max, 0), so its CDF is
quadratic between points and its inverse is solved per segment in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ._base import Distribution, ParamValue, need

__all__ = ["Cumulative", "General", "Histogram"]


def _arr(u: np.ndarray | float) -> np.ndarray:
    return np.asarray(u, dtype=np.float64)


def _points(x: dict, where: str, kind: str, probs: str) -> None:
    lo, hi, xs, ps = x["min"], x["max"], x["values"], x[probs]
    need(lo < hi, where, kind, "min < max", {"min": lo, "max": hi})
    need(len(xs) == len(ps), where, kind, f"as many {probs} as values",
         {"values": len(xs), probs: len(ps)})
    pts = [lo, *xs, hi]
    need(all(a < b for a, b in zip(pts, pts[1:], strict=False)), where, kind,
         "values strictly increasing between min and max", {"min": lo, "values": list(xs),
                                                            "max": hi})


class _PiecewiseCdf(Distribution):
    """A CDF linear between knots ``(xk[i], pk[i])``, pk from 0 to 1 (non-decreasing)."""

    xk: np.ndarray
    pk: np.ndarray

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = _arr(u)
        i = np.clip(np.searchsorted(self.pk, u, side="right") - 1, 0, len(self.pk) - 2)
        p0, p1 = self.pk[i], self.pk[i + 1]
        x0, x1 = self.xk[i], self.xk[i + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(p1 > p0, (u - p0) / (p1 - p0), 0.0)
        return x0 + t * (x1 - x0)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        return np.interp(_arr(x), self.xk, self.pk)

    @property
    def mean(self) -> float:
        dp, a, b = np.diff(self.pk), self.xk[:-1], self.xk[1:]
        return float(np.sum(dp * (a + b) / 2.0))

    @property
    def variance(self) -> float:
        dp, a, b = np.diff(self.pk), self.xk[:-1], self.xk[1:]
        m2 = float(np.sum(dp * (a * a + a * b + b * b) / 3.0))
        return m2 - self.mean ** 2


@dataclass(frozen=True, eq=False)
class Cumulative(_PiecewiseCdf):
    """Cumulative probabilities ``probabilities[i]`` at ``values[i]``, 0 at min and 1 at max,
    linear in between (RiskCumul(min, max, {x}, {p}))."""

    min: float
    max: float
    values: tuple[float, ...]
    probabilities: tuple[float, ...]
    name: ClassVar[str] = "cumul"

    @classmethod
    def build(cls, x: dict, where: str) -> Cumulative:
        _points(x, where, cls.name, "probabilities")
        ps = [0.0, *x["probabilities"], 1.0]
        need(all(0.0 <= p <= 1.0 for p in ps) and all(a <= b for a, b in zip(ps, ps[1:],
                                                                              strict=False)),
             where, cls.name, "cumulative probabilities ascending in [0, 1]",
             {"probabilities": list(x["probabilities"])})
        return cls(x["min"], x["max"], tuple(x["values"]), tuple(x["probabilities"]))

    @property
    def xk(self) -> np.ndarray:  # type: ignore[override]
        return np.array([self.min, *self.values, self.max], dtype=np.float64)

    @property
    def pk(self) -> np.ndarray:  # type: ignore[override]
        return np.array([0.0, *self.probabilities, 1.0], dtype=np.float64)

    def params(self) -> dict[str, ParamValue]:
        return {"min": self.min, "max": self.max, "values": list(self.values),
                "probabilities": list(self.probabilities)}


@dataclass(frozen=True, eq=False)
class Histogram(_PiecewiseCdf):
    """Equal-width bins from min to max with relative probabilities (RiskHistogrm)."""

    min: float
    max: float
    probabilities: tuple[float, ...]
    name: ClassVar[str] = "histogram"

    @classmethod
    def build(cls, x: dict, where: str) -> Histogram:
        ps = x["probabilities"]
        need(x["min"] < x["max"], where, cls.name, "min < max", {"min": x["min"],
                                                                 "max": x["max"]})
        need(len(ps) > 0 and all(p >= 0 for p in ps) and sum(ps) > 0, where, cls.name,
             "at least one bin, probabilities >= 0 with a positive sum",
             {"probabilities": list(ps)})
        return cls(x["min"], x["max"], tuple(ps))

    @property
    def xk(self) -> np.ndarray:  # type: ignore[override]
        return np.linspace(self.min, self.max, len(self.probabilities) + 1)

    @property
    def pk(self) -> np.ndarray:  # type: ignore[override]
        p = np.asarray(self.probabilities, dtype=np.float64)
        c = np.concatenate([[0.0], np.cumsum(p) / p.sum()])
        c[-1] = 1.0
        return c

    def params(self) -> dict[str, ParamValue]:
        return {"min": self.min, "max": self.max, "probabilities": list(self.probabilities)}


@dataclass(frozen=True, eq=False)
class General(Distribution):
    """A density through (min, 0), (values[i], weights[i]), (max, 0), linear in between and
    scaled to integrate to 1 (RiskGeneral(min, max, {x}, {p}))."""

    min: float
    max: float
    values: tuple[float, ...]
    weights: tuple[float, ...]
    name: ClassVar[str] = "general"

    @classmethod
    def build(cls, x: dict, where: str) -> General:
        _points(x, where, cls.name, "weights")
        w = x["weights"]
        need(all(v >= 0 for v in w) and sum(w) > 0, where, cls.name,
             "weights >= 0 with a positive sum", {"weights": list(w)})
        return cls(x["min"], x["max"], tuple(x["values"]), tuple(w))

    def _knots(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Knots, densities (normalised) and the CDF at the knots."""
        xk = np.array([self.min, *self.values, self.max], dtype=np.float64)
        f = np.array([0.0, *self.weights, 0.0], dtype=np.float64)
        mass = (f[:-1] + f[1:]) / 2.0 * np.diff(xk)
        f = f / mass.sum()
        ck = np.concatenate([[0.0], np.cumsum(mass / mass.sum())])
        ck[-1] = 1.0
        return xk, f, ck

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = _arr(u)
        xk, f, ck = self._knots()
        i = np.clip(np.searchsorted(ck, u, side="right") - 1, 0, len(ck) - 2)
        h = xk[i + 1] - xk[i]
        f0, s = f[i], (f[i + 1] - f[i]) / h
        r = np.maximum(u - ck[i], 0.0)
        # f0 t + s t**2 / 2 = r, solved without cancellation
        den = f0 + np.sqrt(np.maximum(f0 * f0 + 2.0 * s * r, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(den > 0, 2.0 * r / den, 0.0)
        return xk[i] + np.minimum(t, h)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        xk, f, ck = self._knots()
        x = np.clip(_arr(x), xk[0], xk[-1])
        i = np.clip(np.searchsorted(xk, x, side="right") - 1, 0, len(xk) - 2)
        t = x - xk[i]
        s = (f[i + 1] - f[i]) / (xk[i + 1] - xk[i])
        return np.minimum(ck[i] + f[i] * t + s * t * t / 2.0, 1.0)

    def _moment(self, k: int) -> float:
        xk, f, _ = self._knots()
        g, w = np.polynomial.legendre.leggauss(3)   # exact for x**2 times a linear density
        total = 0.0
        for a, b, fa, fb in zip(xk[:-1], xk[1:], f[:-1], f[1:], strict=True):
            x = (a + b) / 2.0 + (b - a) / 2.0 * g
            dens = fa + (fb - fa) * (x - a) / (b - a)
            total += float(np.sum(w * x ** k * dens)) * (b - a) / 2.0
        return total

    @property
    def mean(self) -> float:
        return self._moment(1)

    @property
    def variance(self) -> float:
        return self._moment(2) - self._moment(1) ** 2

    def params(self) -> dict[str, ParamValue]:
        return {"min": self.min, "max": self.max, "values": list(self.values),
                "weights": list(self.weights)}
