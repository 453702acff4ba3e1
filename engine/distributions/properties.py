"""Properties any distribution may carry (as @RISK's RiskTruncate, RiskTruncateP, RiskShift,
RiskName, RiskStatic, RiskSeed-like streams and RiskCorrmat do).

:class:`Adjusted` wraps a distribution:

* truncation by value or by percentile, before the shift (as @RISK's RiskTruncate and
  RiskTruncateP): the uniform is mapped into ``[F(lo), F(hi)]`` before the inverse CDF, so a
  truncated input is still one inverse CDF of one uniform (Latin hypercube and correlation
  keep working).  The mapped uniform is kept within ``[TRUNCATED_MIN, TRUNCATED_MAX]`` (the
  smallest positive double, 1 - 2**-53): ``F(lo) + u (1 - F(lo))`` can round to 1.0 and
  ``u F(hi)`` to 0.0, where an unbounded kind's inverse CDF is infinite (the kernels clip
  alike: engine/backends/numba/_rt.py, engine/backends/cupy/_rt.py);
* ``shift`` is added to every value;
* ``label`` names the input in charts, ``static`` is the value shown when not simulating;
* ``stream``: the input draws from this random stream instead of the one derived from its
  address, and a ``copula`` member draws from the Gaussian copula of its correlation group.
  Both need to know which trials they draw: :func:`engine.sampling.draw` remembers the key of
  the uniforms it returns, and ``ppf`` of such ("keyed") inputs recomputes its uniforms from
  that key (:func:`engine.sampling.keyed_uniforms`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import numpy as np

from ..errors import SpecError
from ._base import Distribution, ParamValue

__all__ = ["TRUNCATED_MAX", "TRUNCATED_MIN", "Adjusted", "CopulaMember", "adjust"]

TRUNCATED_MIN = 5e-324             # the smallest positive double (2**-1074)
TRUNCATED_MAX = 1.0 - 2.0 ** -53   # the largest double below 1


@dataclass(frozen=True)
class CopulaMember:
    """One input's place in a correlation group: the streams of the group's inputs up to and
    including this one, and this input's row of the Cholesky factor of the normal-scores
    correlation matrix (as many entries as streams)."""

    streams: tuple[int, ...]
    row: tuple[float, ...]


@dataclass(frozen=True, eq=False)
class Adjusted(Distribution):
    base: Distribution
    plo: float = 0.0       # percentiles kept by truncation
    phi: float = 1.0
    shift: float = 0.0
    truncate: dict[str, float] = field(default_factory=dict)   # as the spec gave it
    label: str | None = None
    static: float | None = None
    stream: int | None = None
    copula: CopulaMember | None = None
    adjusted: ClassVar[bool] = True

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.base.name

    @property
    def discrete(self) -> bool:  # type: ignore[override]
        return self.base.discrete

    @property
    def keyed(self) -> bool:  # type: ignore[override]
        return self.stream is not None or self.copula is not None

    @property
    def truncated(self) -> bool:
        return self.plo > 0.0 or self.phi < 1.0

    def uniforms(self, u: np.ndarray) -> np.ndarray:
        """The percentiles this input maps: ``u`` itself, or, for a keyed input, its own
        stream's or its copula's uniforms of the trials ``u`` was drawn for."""
        if not self.keyed:
            return np.asarray(u, dtype=np.float64)
        from ..sampling import key_of, keyed_uniforms

        key = key_of(u)
        if key is None:  # not drawn by engine.sampling.draw: the marginal (charts, previews)
            return np.asarray(u, dtype=np.float64)
        return keyed_uniforms(key, self.stream, self.copula)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        v = self.uniforms(u)
        if self.truncated:
            v = np.clip(self.plo + v * (self.phi - self.plo), TRUNCATED_MIN, TRUNCATED_MAX)
        x = np.asarray(self.base.ppf(v), dtype=np.float64)
        return x + self.shift if self.shift else x

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        f = self.base.cdf(np.asarray(x, dtype=np.float64) - self.shift)
        return np.clip((f - self.plo) / (self.phi - self.plo), 0.0, 1.0)

    def cdf_below(self, x: np.ndarray | float) -> np.ndarray:
        f = self.base.cdf_below(np.asarray(x, dtype=np.float64) - self.shift)
        return np.clip((f - self.plo) / (self.phi - self.plo), 0.0, 1.0)

    @cached_property
    def _moments(self) -> tuple[float, float]:
        if self.truncated:
            return self.base.moments_between(self.plo, self.phi)
        return self.base.mean, self.base.variance

    @property
    def mean(self) -> float:
        return self._moments[0] + self.shift

    @property
    def variance(self) -> float:
        return self._moments[1]

    @property
    def nominal(self) -> float:
        if self.static is not None:
            return self.static
        x = self.base.nominal + self.shift
        if self.truncated:
            ends = self.base.ppf(np.array([max(self.plo, 2.0 ** -54),
                                           min(self.phi, 1.0 - 2.0 ** -53)])) + self.shift
            x = float(np.clip(x, ends[0], ends[1]))
        return x

    def params(self) -> dict[str, ParamValue]:
        return self.base.params()

    def properties(self) -> dict[str, object]:
        """The properties as a spec writes them (only those set)."""
        out: dict[str, object] = {}
        if self.truncate:
            out["truncate"] = dict(self.truncate)
        if self.shift:
            out["shift"] = self.shift
        for k, v in (("name", self.label), ("static", self.static), ("stream", self.stream)):
            if v is not None:
                out[k] = v
        return out

    def describe(self) -> str:
        extra = []
        for k, v in self.properties().items():
            if isinstance(v, dict):
                v = "(" + ", ".join(f"{a}={b:g}" for a, b in v.items()) + ")"
            extra.append(f"{k}={v!r}" if isinstance(v, str) and k == "name" else f"{k}={v}")
        if self.copula is not None:
            extra.append("correlated")
        return self.base.describe() + ("; " + "; ".join(extra) if extra else "")


def adjust(base: Distribution, where: str, truncate: dict[str, float] | None = None,
           shift: float = 0.0, label: str | None = None, static: float | None = None,
           stream: int | None = None, copula: CopulaMember | None = None) -> Distribution:
    """``base`` with the properties given (``base`` itself when none is), checked: SpecError
    names the cell.  ``truncate`` is ``{"min": lo, "max": hi}`` (values before the shift) or
    ``{"pmin": p, "pmax": q}`` in percentiles (fractions), either side optional."""
    truncate = dict(truncate or {})
    if not truncate and not shift and label is None and static is None and stream is None \
            and copula is None:
        return base
    plo, phi = 0.0, 1.0
    if truncate:
        by_value = {"min", "max"} & set(truncate)
        by_pct = {"pmin", "pmax"} & set(truncate)
        unknown = set(truncate) - {"min", "max", "pmin", "pmax"}
        if unknown or (by_value and by_pct):
            raise SpecError(f"{where}: truncate takes min and/or max (values) or pmin and/or "
                            f"pmax (percentiles as fractions), got {sorted(truncate)}")
        for k, v in truncate.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise SpecError(f"{where}: truncate {k} must be a finite number, got {v!r}")
        if by_pct:
            plo, phi = float(truncate.get("pmin", 0.0)), float(truncate.get("pmax", 1.0))
            if not 0.0 <= plo < phi <= 1.0:
                raise SpecError(f"{where}: truncate needs 0 <= pmin < pmax <= 1, got "
                                f"pmin={plo:g}, pmax={phi:g}")
        else:
            lo, hi = truncate.get("min", -math.inf), truncate.get("max", math.inf)
            if not lo < hi:
                raise SpecError(f"{where}: truncate needs min < max, got min={lo:g}, "
                                f"max={hi:g}")
            plo = float(base.cdf_below(np.array([lo]))[0]) if math.isfinite(lo) else 0.0
            phi = float(base.cdf(np.array([hi]))[0]) if math.isfinite(hi) else 1.0
            if not phi > plo:
                raise SpecError(f"{where}: truncating {base.describe()} to [{lo:g}, {hi:g}] "
                                f"leaves no probability")
    if stream is not None and (isinstance(stream, bool) or not isinstance(stream, int)
                               or not 0 <= stream < 2 ** 31):
        raise SpecError(f"{where}: stream must be a whole number from 0 to 2**31 - 1, "
                        f"got {stream!r}")
    if static is not None and (isinstance(static, bool) or not isinstance(static, int | float)
                               or not math.isfinite(static)):
        raise SpecError(f"{where}: static must be a finite number, got {static!r}")
    return Adjusted(base, plo, phi, float(shift), truncate, label,
                    None if static is None else float(static), stream, copula)
