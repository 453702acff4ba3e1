"""Sensitivity analysis of a finished run, from its samples alone (no extra runs).

Every function takes the per-trial input values (``{name: array}``) and one output's
per-trial values, all the same length, with no NaN (drop the trials that ended in an Excel
error first: :func:`clean`).

- :func:`regression`: standardized regression coefficients (SRC) and the fit's R^2.  For a
  linear model with independent inputs SRC_i^2 is input i's share of the variance and R^2 = 1.
- :func:`tornado`: the output's mean (or a percentile) when each input is in each of its
  ``bins`` quantile bins (deciles by default); the tornado bar is the range over the bins.
- :func:`spider`: the same conditional statistic against the input's percentile (the bins'
  centres), one line per input.
- :func:`scenarios`: for the trials where the output is in its top (or bottom) X%, each
  input's median shift in input standard deviations; ``significant`` when the shift is at
  least 0.5 standard deviation (the threshold @RISK uses).
- :func:`sobol`: first-order and total variance-based (Sobol) indices from given data.
  First order: the variance of the output's conditional means over ``bins`` equal-count
  bins of the input, less the noise those means carry (each bin mean's sampling variance),
  over the output's variance.  Total: Jansen's estimator
  ``E[(y - y')^2] / (2 Var y)`` over pairs of trials whose *other* inputs (as ranks) fall in
  the same cell of a fine grid (about :data:`TOTAL_PER_CELL` trials a cell), so the pair
  differs in input i alone, nearly.  On the
  Ishigami function at 10^6 trials both are within 0.01 of the analytic indices (see
  tests/test_sensitivity.py); the total index's bias grows with the number of inputs
  (pairs in a grid cell are further apart in more dimensions): with more than
  :data:`TOTAL_MAX_INPUTS` inputs the total indices are not computed (``None``).  Both assume
  independent inputs; with correlated inputs read them as indicative only.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import rankdata

log = logging.getLogger(__name__)

__all__ = ["TOTAL_MAX_INPUTS", "Regression", "ScenarioShift", "SensitivityReport",
           "Sobol", "TornadoBar", "analyse", "clean", "regression", "scenarios", "sobol",
           "spider", "tornado"]

TOTAL_MAX_INPUTS = 8      # total Sobol indices (grid pairs) up to this many inputs
TOTAL_PER_CELL = 4        # trials per grid cell (on average) for the total indices
SIGNIFICANT_SHIFT = 0.5   # a scenario's median shift (in input std) called significant


def _arrays(inputs: Mapping[str, np.ndarray], output: np.ndarray,
            ) -> tuple[list[str], np.ndarray, np.ndarray]:
    y = np.asarray(output, dtype=np.float64).ravel()
    names = list(inputs)
    x = np.empty((len(names), y.size))
    for i, name in enumerate(names):
        col = np.asarray(inputs[name], dtype=np.float64).ravel()
        if col.size != y.size:
            raise ValueError(f"input {name} has {col.size} samples, the output {y.size}")
        x[i] = col
    return names, x, y


def clean(inputs: Mapping[str, np.ndarray], output: np.ndarray,
          ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The trials whose output is a number (not NaN: an Excel error)."""
    y = np.asarray(output, dtype=np.float64).ravel()
    ok = np.isfinite(y)
    if ok.all():
        return {k: np.asarray(v, dtype=np.float64).ravel() for k, v in inputs.items()}, y
    return {k: np.asarray(v, dtype=np.float64).ravel()[ok] for k, v in inputs.items()}, y[ok]


@dataclass
class Regression:
    coefficients: dict[str, float]   # standardized regression coefficient per input
    r2: float                        # share of the output's variance the linear fit explains


def regression(inputs: Mapping[str, np.ndarray], output: np.ndarray) -> Regression:
    """Standardized regression coefficients of the output on the inputs, and R^2.  A constant
    input (or output) has coefficient 0."""
    names, x, y = _arrays(inputs, output)
    sy = float(y.std())
    if y.size < 2 or sy == 0 or not names:
        return Regression({n: 0.0 for n in names}, 0.0)
    sx = x.std(axis=1)
    live = sx > 0
    z = ((x[live] - x[live].mean(axis=1, keepdims=True)) / sx[live, None]).T
    zy = (y - y.mean()) / sy
    beta, *_ = np.linalg.lstsq(z, zy, rcond=None)
    resid = zy - z @ beta
    r2 = max(0.0, 1.0 - float(resid @ resid) / float(zy @ zy))
    coef = dict.fromkeys(names, 0.0)
    for name, b in zip([n for n, k in zip(names, live, strict=True) if k], beta, strict=True):
        coef[name] = float(b)
    return Regression(coef, r2)


def _statistic(y: np.ndarray, stat: str | float) -> float:
    if stat == "mean":
        return float(y.mean())
    return float(np.percentile(y, float(stat)))


def _bin_index(x: np.ndarray, bins: int) -> np.ndarray:
    """Equal-count bin (0 .. bins-1) of each value by rank (ties split by order)."""
    order = np.argsort(x, kind="stable")
    idx = np.empty(x.size, dtype=np.int64)
    idx[order] = (np.arange(x.size) * bins) // x.size
    return idx


@dataclass
class TornadoBar:
    input: str
    values: list[float]           # the output statistic with the input in bin 1 .. bins
    low: float                    # min over the bins
    high: float                   # max over the bins
    baseline: float               # the statistic over all trials

    @property
    def swing(self) -> float:
        return self.high - self.low


def tornado(inputs: Mapping[str, np.ndarray], output: np.ndarray, stat: str | float = "mean",
            bins: int = 10) -> list[TornadoBar]:
    """Change-in-output-statistic tornado: ``stat`` ("mean" or a percentile 0..100) of the
    output with each input in each of its ``bins`` equal-count bins, widest swing first."""
    names, x, y = _arrays(inputs, output)
    if y.size < bins:
        return []
    base = _statistic(y, stat)
    bars = []
    for i, name in enumerate(names):
        idx = _bin_index(x[i], bins)
        if stat == "mean":
            vals = (np.bincount(idx, weights=y, minlength=bins) / np.bincount(idx, minlength=bins))
            values = [float(v) for v in vals]
        else:
            values = [_statistic(y[idx == b], stat) for b in range(bins)]
        bars.append(TornadoBar(name, values, min(values), max(values), base))
    bars.sort(key=lambda b: -b.swing)
    return bars


def spider(inputs: Mapping[str, np.ndarray], output: np.ndarray, stat: str | float = "mean",
           bins: int = 10) -> dict[str, Any]:
    """Spider-chart data: ``{"percentiles": [5, 15, ..., 95], "lines": {input: [...]}}``, the
    output statistic with the input around each percentile (the centre of its bin)."""
    bars = tornado(inputs, output, stat, bins)
    centres = [100.0 * (b + 0.5) / bins for b in range(bins)]
    return {"percentiles": centres, "lines": {b.input: b.values for b in bars}}


@dataclass
class ScenarioShift:
    input: str
    median_shift: float    # (median of the input in the scenario - its overall median) / std
    significant: bool


def scenarios(inputs: Mapping[str, np.ndarray], output: np.ndarray, percent: float = 10.0,
              upper: bool = True) -> list[ScenarioShift]:
    """For the trials where the output is in its top (``upper``) or bottom ``percent``%,
    each input's median shift in input standard deviations, largest first."""
    if not 0 < percent < 100:
        raise ValueError(f"scenario percent {percent} is not between 0 and 100")
    names, x, y = _arrays(inputs, output)
    if y.size < 2:
        return []
    cut = np.percentile(y, 100 - percent if upper else percent)
    sel = y >= cut if upper else y <= cut
    out = []
    for i, name in enumerate(names):
        sd = float(x[i].std(ddof=1))
        shift = 0.0 if sd == 0 else float(np.median(x[i][sel]) - np.median(x[i])) / sd
        out.append(ScenarioShift(name, shift, abs(shift) >= SIGNIFICANT_SHIFT))
    out.sort(key=lambda s: -abs(s.median_shift))
    return out


@dataclass
class Sobol:
    first: dict[str, float]
    total: dict[str, float | None]   # None: not computed (too many inputs)
    bins: int                        # bins per input for the first-order indices


def _first_order(x: np.ndarray, y: np.ndarray, var: float, bins: int) -> float:
    idx = _bin_index(x, bins)
    n = np.bincount(idx, minlength=bins).astype(np.float64)
    s1 = np.bincount(idx, weights=y, minlength=bins)
    s2 = np.bincount(idx, weights=y * y, minlength=bins)
    means = s1 / n
    within = (s2 - n * means**2) / np.maximum(n - 1, 1)      # each bin's sample variance
    between = float(np.sum(n * (means - y.mean())**2) / y.size)
    noise = float(np.sum(within) / y.size)                    # E[sum n_b * var(mean_b)] / N
    return (between - noise) / var


def _total(ranks: np.ndarray, i: int, y: np.ndarray, var: float, per_cell: int) -> float:
    """Jansen's total index over pairs of trials in the same cell of a grid over the other
    inputs' ranks (about ``per_cell`` trials a cell): such a pair differs in input i and
    hardly at all in the others."""
    others = np.delete(ranks, i, axis=0)
    if others.shape[0] == 0:
        return 1.0
    g = max(1, int((y.size / per_cell) ** (1.0 / others.shape[0])))
    cell = np.zeros(y.size, dtype=np.int64)
    for row in others:
        cell = cell * g + np.minimum((row * g).astype(np.int64), g - 1)
    order = np.argsort(cell, kind="stable")
    same = cell[order[1:]] == cell[order[:-1]]
    if not same.any():
        return float("nan")
    d = y[order[1:]][same] - y[order[:-1]][same]
    return float(np.mean(d * d) / (2 * var))


def sobol(inputs: Mapping[str, np.ndarray], output: np.ndarray, bins: int | None = None,
          total: bool = True) -> Sobol:
    """First-order and total Sobol indices from given data (see the module docstring).
    ``bins`` defaults to about sqrt(trials) (between 10 and 1,000)."""
    names, x, y = _arrays(inputs, output)
    var = float(y.var())
    nb = bins or int(min(1000, max(10, math.isqrt(max(y.size, 1)))))
    if y.size < 2 * nb or var == 0:
        return Sobol(dict.fromkeys(names, 0.0), dict.fromkeys(names, 0.0 if var == 0 else None), nb)
    first = {name: _first_order(x[i], y, var, nb) for i, name in enumerate(names)}
    tot: dict[str, float | None] = dict.fromkeys(names)
    if total and len(names) <= TOTAL_MAX_INPUTS:
        ranks = np.vstack([(rankdata(x[i], method="ordinal") - 0.5) / y.size
                           for i in range(len(names))])
        tot = {name: _total(ranks, i, y, var, TOTAL_PER_CELL) for i, name in enumerate(names)}
    elif total:
        log.info("total Sobol indices skipped: %d inputs (more than %d)", len(names),
                 TOTAL_MAX_INPUTS)
    return Sobol(first, tot, nb)


@dataclass
class SensitivityReport:
    """Every sensitivity measure of one output, in RESULT.json-ready form (:meth:`to_dict`)."""

    regression: Regression
    tornado: list[TornadoBar]
    scenarios_high: list[ScenarioShift]
    scenarios_low: list[ScenarioShift]
    sobol: Sobol | None
    stat: str | float = "mean"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def num(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "src": {k: num(v) for k, v in self.regression.coefficients.items()},
            "r2": num(self.regression.r2),
            "tornado": {"statistic": str(self.stat), "bars": [
                {"input": b.input, "low": num(b.low), "high": num(b.high),
                 "baseline": num(b.baseline), "values": [num(v) for v in b.values]}
                for b in self.tornado]},
            "scenarios": {
                "top": [{"input": s.input, "median_shift": num(s.median_shift),
                         "significant": s.significant} for s in self.scenarios_high],
                "bottom": [{"input": s.input, "median_shift": num(s.median_shift),
                            "significant": s.significant} for s in self.scenarios_low]},
            "sobol": None if self.sobol is None else {
                "first": {k: num(v) for k, v in self.sobol.first.items()},
                "total": {k: num(v) for k, v in self.sobol.total.items()},
                "bins": self.sobol.bins},
        }


def analyse(inputs: Mapping[str, np.ndarray], output: np.ndarray, stat: str | float = "mean",
            scenario_percent: float = 10.0, with_sobol: bool = True) -> SensitivityReport:
    """Every measure above for one output (the trials with an error dropped)."""
    xs, y = clean(inputs, output)
    return SensitivityReport(
        regression=regression(xs, y), tornado=tornado(xs, y, stat),
        scenarios_high=scenarios(xs, y, scenario_percent, upper=True),
        scenarios_low=scenarios(xs, y, scenario_percent, upper=False),
        sobol=sobol(xs, y) if with_sobol and y.size >= 20 else None, stat=stat)
