"""The distribution interface and the checks every distribution's constructor shares.

A distribution maps uniform percentiles ``u`` in (0, 1) through its inverse CDF (``ppf``), so
Monte Carlo, Latin hypercube and the Gaussian copula of correlated inputs share one code path.
It also gives its CDF (truncation maps ``u`` into ``[F(lo), F(hi)]``), its exact mean and
variance, the value shown when not simulating (``nominal``) and its parameters by name.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from scipy import integrate

from ..errors import SpecError

__all__ = ["Distribution", "ParamValue", "need"]

ParamValue = float | list[float]


def need(ok: bool, where: str, kind: str, rule: str, params: Mapping[str, object]) -> None:
    """SpecError ``'Inputs!D2: gamma needs alpha > 0, got alpha=-1, beta=2'`` unless ``ok``."""
    if not ok:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in params.items())
        raise SpecError(f"{where}: {kind} needs {rule}, got {shown}")


def _show(v: object) -> str:
    if isinstance(v, list | tuple):
        return "{" + ", ".join(_show(x) for x in v) + "}"
    return f"{v:g}" if isinstance(v, float | int) else repr(v)


class Distribution(ABC):
    """A distribution of one input cell.

    Subclasses provide ``ppf``, ``cdf``, ``params`` and the numbers ``mean`` and ``variance``
    (a property, or a dataclass field such as Normal's ``mean``).  ``nominal`` defaults to the
    mean (the median where the mean is not finite).
    """

    name: ClassVar[str] = "abstract"
    discrete: ClassVar[bool] = False   # values on a lattice: P(X < x) differs from P(X <= x)
    keyed: ClassVar[bool] = False      # draws its own uniforms from the keyed streams

    if TYPE_CHECKING:  # declared for type checkers only, so that a dataclass field may supply it

        @property
        def mean(self) -> float: ...

        @property
        def variance(self) -> float: ...

    @abstractmethod
    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF of uniforms ``u`` in (0, 1), as float64."""

    @abstractmethod
    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        """P(X <= x), as float64."""

    def cdf_below(self, x: np.ndarray | float) -> np.ndarray:
        """P(X < x): the CDF for a continuous distribution."""
        return self.cdf(x)

    @abstractmethod
    def params(self) -> dict[str, ParamValue]:
        """Parameters by name, as a spec writes them."""

    @property
    def nominal(self) -> float:
        """The value to show for the input when not simulating."""
        m = self.mean
        return m if math.isfinite(m) else self.median

    @property
    def median(self) -> float:
        return float(self.ppf(np.array([0.5]))[0])

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    def describe(self) -> str:
        """``triangular(min=1, mode=2, max=4)``."""
        args = ", ".join(f"{k}={_show(v)}" for k, v in self.params().items())
        return f"{self.name}({args})"

    # ------------------------------------------------------------- truncated moments
    def support(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Values and probabilities of a discrete distribution (its far tail cut at 1e-17),
        or None for a continuous one."""
        return None

    def moments_between(self, a: float, b: float) -> tuple[float, float]:
        """Mean and variance of ``ppf(U)`` with U uniform on (a, b), 0 <= a < b <= 1: the
        moments of the distribution truncated to those percentiles."""
        pts = self.support()
        if pts is not None:
            x, p = pts
            cum = np.cumsum(p)
            lo = np.concatenate([[0.0], cum[:-1]])
            w = np.clip(np.minimum(cum, b) - np.maximum(lo, a), 0.0, None)
            w = w / w.sum()
            m = float(np.dot(w, x))
            return m, float(np.dot(w, (x - m) ** 2))

        def f(u: float, k: int) -> float:
            return float(self.ppf(np.array([u]))[0]) ** k

        opts = {"limit": 400, "epsabs": 0.0, "epsrel": 1e-11}
        m = integrate.quad(f, a, b, args=(1,), **opts)[0] / (b - a)
        v = integrate.quad(lambda u: (f(u, 1) - m) ** 2, a, b, **opts)[0] / (b - a)
        return m, v
