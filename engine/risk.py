"""Targets and risk measures of one output, with 95% confidence intervals.

- :func:`probability`: P(X > v), P(X < v) or P(a < X < b), with a Wilson score interval.
- :func:`value_at_risk`: the ``level`` quantile of the output (``tail="upper"``: large
  values are the loss, e.g. a cost; ``"lower"``: small values are, e.g. an NPV, where VaR is
  the ``1 - level`` quantile), with a distribution-free interval from order statistics
  (binomial ranks).
- :func:`expected_shortfall` (CVaR): the mean of the output beyond its VaR, with the
  asymptotic interval of Hong & Liu (2009): Var = Var((X - VaR)+) / (n (1 - level)^2).

All take the per-trial values with the Excel-error trials dropped (NaN removed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

__all__ = ["Estimate", "expected_shortfall", "order_statistic_interval", "probability",
           "risk_measures", "value_at_risk"]

Z95 = float(norm.ppf(0.975))


@dataclass
class Estimate:
    value: float
    low: float      # 95% confidence interval
    high: float

    def to_dict(self) -> dict[str, Any]:
        return {"value": _num(self.value), "ci95": [_num(self.low), _num(self.high)]}


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _finite(values: np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise ValueError("no trial has a numeric result")
    return x


def _wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def probability(values: np.ndarray, above: float | None = None,
                below: float | None = None) -> Estimate:
    """P(X > above), P(X < below), or with both P(above < X < below), with a Wilson 95%
    interval."""
    if above is None and below is None:
        raise ValueError("a target needs a value to exceed or to stay below")
    x = _finite(values)
    hit = np.ones(x.size, dtype=bool)
    if above is not None:
        hit &= x > above
    if below is not None:
        hit &= x < below
    k = int(hit.sum())
    lo, hi = _wilson(k, x.size)
    return Estimate(k / x.size, lo, hi)


def order_statistic_interval(sorted_x: np.ndarray, q: float, z: float = Z95,
                             ) -> tuple[float, float]:
    """A distribution-free ~95% interval of the q-quantile from sorted values: the order
    statistics at ranks n q -/+ z sqrt(n q (1 - q)) (the normal approximation to the
    binomial), clipped to the sample."""
    n = sorted_x.size
    half = z * math.sqrt(n * q * (1 - q))
    lo = int(max(0, math.floor(n * q - half) - 1))
    hi = int(min(n - 1, math.ceil(n * q + half)))
    return float(sorted_x[lo]), float(sorted_x[hi])


def _quantile(values: np.ndarray, q: float) -> tuple[float, np.ndarray]:
    x = np.sort(_finite(values))
    return float(np.percentile(x, 100 * q)), x


def value_at_risk(values: np.ndarray, level: float = 0.95, tail: str = "upper") -> Estimate:
    """VaR at ``level`` (e.g. 0.95): the level-quantile (upper tail) or the (1 - level)
    quantile (lower tail) of the output, with an order-statistic 95% interval."""
    q = _tail_quantile(level, tail)
    v, x = _quantile(values, q)
    lo, hi = order_statistic_interval(x, q)
    return Estimate(v, lo, hi)


def _tail_quantile(level: float, tail: str) -> float:
    if not 0 < level < 1:
        raise ValueError(f"risk level {level} is not between 0 and 1")
    if tail not in ("upper", "lower"):
        raise ValueError(f"tail {tail!r} is not 'upper' or 'lower'")
    return level if tail == "upper" else 1 - level


def expected_shortfall(values: np.ndarray, level: float = 0.95,
                       tail: str = "upper") -> Estimate:
    """CVaR / expected shortfall at ``level``: VaR + E[(X - VaR)+] / (1 - level) for the upper
    tail (the mean of the worst 1 - level of trials), mirrored for the lower tail."""
    q = _tail_quantile(level, tail)
    var, x = _quantile(values, q)
    p = 1 - level
    excess = np.maximum(x - var, 0.0) if tail == "upper" else np.maximum(var - x, 0.0)
    sign = 1.0 if tail == "upper" else -1.0
    es = var + sign * float(excess.mean()) / p
    se = float(excess.std(ddof=1)) / (p * math.sqrt(x.size)) if x.size > 1 else float("inf")
    return Estimate(es, es - Z95 * se, es + Z95 * se)


def risk_measures(values: np.ndarray, levels: tuple[float, ...] = (0.9, 0.95, 0.99),
                  tail: str = "upper", above: tuple[float, ...] = (),
                  below: tuple[float, ...] = ()) -> dict[str, Any]:
    """RESULT.json form: VaR and CVaR at each level, and each target probability."""
    out: dict[str, Any] = {"tail": tail, "var": {}, "cvar": {}, "targets": []}
    for lv in levels:
        key = f"{100 * lv:g}"
        out["var"][key] = value_at_risk(values, lv, tail).to_dict()
        out["cvar"][key] = expected_shortfall(values, lv, tail).to_dict()
    for v in above:
        out["targets"].append({"above": v, **probability(values, above=v).to_dict()})
    for v in below:
        out["targets"].append({"below": v, **probability(values, below=v).to_dict()})
    return out
