"""Precision control (auto-stop): run until each chosen statistic is known well enough.

A target is an output, a statistic (its mean, or a percentile ``p90``) and a tolerance on
the statistic's confidence half-width, absolute (``0.5``) or relative to the statistic
(``1%``).  The confidence (95% by default) is joint over the k targets (Bonferroni: each
interval at 1 - 0.05 / k, z = 1.96 for one target, 2.24 for two), so that all the chosen
statistics are within their tolerances together.  After each chunk of trials
(:func:`engine.simulate.run_job`'s ``stop`` hook; in a long run only after 5% more trials than
at the last check, so a run reads its trials O(log n) times) the monitor computes every
half-width over the trials done so far:

- the mean: the normal (CLT) half-width ``z s / sqrt(n)``;
- a percentile p: half the distance between the order statistics at ranks
  ``n p -/+ z sqrt(n p (1 - p))`` (a distribution-free interval: binomial ranks).

The run stops when every target is met (and at least ``min_trials`` are done) or at the trial
cap (the spec's ``trials``), and says whether it converged, where, and each target's last
half-width.  The stopped run's numbers are those of a fixed run of the trials it stopped at
(same seed): the streams are keyed by trial.  Latin hypercube strata depend on the trial
count, so precision control needs Monte Carlo sampling.

Text form (``--precision``): ``CELL:STAT:TOL`` with STAT ``mean`` or ``pNN`` and TOL a
number or a percentage, e.g. ``Summary!B9:mean:1%`` or ``'Sheet 1'!C3:p90:250``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import SpecError

if TYPE_CHECKING:
    from .model import Model
    from .results import SimulationResult
    from .spec import SimulationSpec

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_CHECK_EVERY", "PrecisionMonitor", "PrecisionSpec", "Target",
           "half_width", "monitor_for", "parse_target", "simulate_to_precision"]

Z95 = 1.959963984540054
DEFAULT_CHECK_EVERY = 10_000   # trials per chunk (one check after each)
DEFAULT_MIN_TRIALS = 1_000
CHECK_GROWTH = 1.05            # the next check after at least 5% more trials
_STAT = re.compile(r"^(mean|p(\d{1,2}(?:\.\d+)?))$", re.I)


@dataclass
class Target:
    output: str
    statistic: str           # "mean" or "p<percentile>", e.g. "p90"
    tolerance: float         # on the 95% half-width
    relative: bool = False   # tolerance is a fraction of |statistic|

    def __post_init__(self) -> None:
        m = _STAT.match(str(self.statistic).strip())
        if not m or (m.group(2) is not None and not 0 < float(m.group(2)) < 100):
            raise SpecError(f"precision {self.output}: statistic {self.statistic!r} is not "
                            "'mean' or a percentile such as 'p90'")
        self.statistic = m.group(1).lower()
        if isinstance(self.tolerance, bool) or not isinstance(self.tolerance, int | float) \
                or not math.isfinite(self.tolerance) or self.tolerance <= 0:
            raise SpecError(f"precision {self.output}: tolerance must be a positive number, "
                            f"got {self.tolerance!r}")
        self.tolerance = float(self.tolerance)

    @property
    def percentile(self) -> float | None:
        return None if self.statistic == "mean" else float(self.statistic[1:])

    def text(self) -> str:
        tol = f"{100 * self.tolerance:g}%" if self.relative else f"{self.tolerance:g}"
        return f"{self.output}:{self.statistic}:{tol}"


def parse_target(text: str) -> Target:
    """``CELL:STAT:TOL`` (see the module docstring) as a :class:`Target`."""
    parts = str(text).rsplit(":", 2)
    if len(parts) != 3 or not parts[0].strip():
        raise SpecError(f"precision {text!r}: expected CELL:STAT:TOL, e.g. 'Sheet1!B9:mean:1%'")
    cell, stat, tol = (p.strip() for p in parts)
    relative = tol.endswith("%")
    number = tol[:-1] if relative else tol
    if not re.fullmatch(r"[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+", number):
        raise SpecError(f"precision {text!r}: tolerance {tol!r} is not a number or a percentage")
    value = float(number) / (100 if relative else 1)
    return Target(cell, stat, value, relative)


@dataclass
class PrecisionSpec:
    """The spec's ``precision`` field; the trial cap is the spec's ``trials``."""

    targets: list[Target]
    min_trials: int = DEFAULT_MIN_TRIALS
    check_every: int = DEFAULT_CHECK_EVERY
    confidence: float = 0.95   # joint over the targets

    def __post_init__(self) -> None:
        if not self.targets:
            raise SpecError("precision: give at least one target (CELL:STAT:TOL)")
        c = self.confidence
        if isinstance(c, bool) or not isinstance(c, int | float) or not 0.5 <= c < 1:
            raise SpecError(f"precision: confidence must be from 0.5 to below 1, got {c!r}")
        self.confidence = float(c)
        for name in ("min_trials", "check_every"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise SpecError(f"precision: {name} must be a positive integer, got {v!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"targets": [t.text() for t in self.targets], "min_trials": self.min_trials,
                "check_every": self.check_every, "confidence": self.confidence}

    @property
    def z(self) -> float:
        """Each target's normal quantile: joint ``confidence`` by Bonferroni."""
        from scipy.stats import norm

        return float(norm.ppf(1 - (1 - self.confidence) / (2 * len(self.targets))))

    @classmethod
    def from_dict(cls, data: object) -> PrecisionSpec:
        if not isinstance(data, Mapping):
            raise SpecError("precision must be an object with targets, min_trials, check_every, "
                            "confidence")
        unknown = set(data) - {"targets", "min_trials", "check_every", "confidence"}
        if unknown:
            raise SpecError(f"precision: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        raw = data.get("targets")
        if not isinstance(raw, list):
            raise SpecError("precision: targets must be a list such as ['Sheet1!B9:mean:1%']")
        targets = [parse_target(t) if isinstance(t, str) else _target_dict(t) for t in raw]
        return cls(targets, data.get("min_trials", DEFAULT_MIN_TRIALS),
                   data.get("check_every", DEFAULT_CHECK_EVERY), data.get("confidence", 0.95))


def _target_dict(d: object) -> Target:
    if not isinstance(d, Mapping) or set(d) - {"output", "statistic", "tolerance", "relative"} \
            or "output" not in d or "tolerance" not in d:
        raise SpecError(f"precision target {d!r}: expected 'CELL:STAT:TOL' or "
                        "{output, statistic, tolerance, relative}")
    return Target(str(d["output"]), str(d.get("statistic", "mean")), d["tolerance"],
                  bool(d.get("relative", False)))


def half_width(values: np.ndarray, percentile: float | None, z: float = Z95,
               ) -> tuple[float, float]:
    """The statistic (mean, or the percentile) of the finite values and its half-width at
    normal quantile ``z`` (1.96: 95%)."""
    x = np.asarray(values)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 2:
        return float("nan"), float("inf")
    if percentile is None:
        x64 = x.astype(np.float64, copy=False)
        return float(x64.mean()), z * float(x64.std(ddof=1)) / math.sqrt(n)
    q = percentile / 100
    half = z * math.sqrt(n * q * (1 - q))
    lo = int(max(0, math.floor(n * q - half) - 1))
    hi = int(min(n - 1, math.ceil(n * q + half)))
    part = np.partition(x, [lo, hi])
    return float(np.percentile(x, percentile)), (float(part[hi]) - float(part[lo])) / 2


@dataclass
class Check:
    trials: int
    values: list[float]
    half_widths: list[float]
    met: list[bool]


@dataclass
class PrecisionMonitor:
    """The ``stop`` callback: after each chunk, stop when every target is met."""

    spec: PrecisionSpec
    cap: int
    keys: list[str] | None = None   # each target's output as the run names it (default: as given)
    checks: list[Check] = field(default_factory=list)
    # a check reads every trial done: after one at n trials the next waits for GROWTH * n, so
    # a long run makes O(log n) passes over its trials, not one per chunk
    _next: int = field(default=0, repr=False)

    def __call__(self, done: int, outputs: Mapping[str, np.ndarray]) -> bool:
        if done < self._next and done < self.cap:
            return False
        self._next = int(done * CHECK_GROWTH)
        values, widths, met = [], [], []
        keys = self.keys or [t.output for t in self.spec.targets]
        z = self.spec.z
        for t, key in zip(self.spec.targets, keys, strict=True):
            v, h = half_width(outputs[key], t.percentile, z)
            limit = t.tolerance * abs(v) if t.relative else t.tolerance
            values.append(v)
            widths.append(h)
            met.append(bool(h <= limit))
        self.checks.append(Check(done, values, widths, met))
        stop = done >= self.spec.min_trials and all(met)
        log.debug("precision after %d trials: %s", done, widths)
        return stop

    @property
    def converged(self) -> bool:
        last = self.checks[-1] if self.checks else None
        return bool(last and all(last.met) and last.trials >= self.spec.min_trials)

    def report(self) -> dict[str, Any]:
        """RESULT.json's ``precision``: converged, where, each target's last check."""
        last = self.checks[-1] if self.checks else None
        return {
            "converged": self.converged, "trials": last.trials if last else 0,
            "cap": self.cap, "checks": len(self.checks),
            "confidence": self.spec.confidence, "z": self.spec.z,
            "targets": [{"target": t.text(), "output": t.output, "statistic": t.statistic,
                         "tolerance": t.tolerance, "relative": t.relative,
                         "value": _num(last.values[i]) if last else None,
                         "half_width": _num(last.half_widths[i]) if last else None,
                         "met": last.met[i] if last else False}
                        for i, t in enumerate(self.spec.targets)]}


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def monitor_for(model: Model, spec: SimulationSpec,
                precision: PrecisionSpec | None = None) -> PrecisionMonitor:
    """A monitor of ``precision`` (default: the spec's) for a run of ``spec`` on ``model``;
    SpecError for Latin hypercube sampling or a target that is not an output of the run."""
    from .sampling import Sampling

    precision = precision or spec.precision
    if precision is None:
        raise SpecError("precision: the spec has no precision targets")
    if spec.sampling != Sampling.MC:
        raise SpecError("precision control needs Monte Carlo sampling (sampling 'mc'): Latin "
                        "hypercube strata depend on the trial count")
    outputs = {str(model.ref(o)) for o in spec.outputs}
    keys = []
    for t in precision.targets:
        key = str(model.ref(t.output))
        if key not in outputs:
            raise SpecError(f"precision {t.text()}: {t.output} is not an output of the run "
                            f"(outputs: {', '.join(spec.outputs) or 'none'})")
        keys.append(key)
    return PrecisionMonitor(precision, spec.trials, keys)


def simulate_to_precision(model: Model, spec: SimulationSpec, precision: PrecisionSpec,
                          **kwargs: Any) -> tuple[SimulationResult, dict[str, Any]]:
    """Run ``spec`` (its ``trials`` the cap) until ``precision`` is met; the result (of the
    trials done) and the precision report (also ``result.precision``).  ``kwargs`` go to
    :func:`engine.simulate.simulate` (backend, progress, cancel, stream; ``chunk_size``
    defaults to ``check_every``)."""
    from .simulate import simulate

    monitor = monitor_for(model, spec, precision)
    kwargs.setdefault("chunk_size", precision.check_every)
    result = simulate(model, spec, stop=monitor, **kwargs)
    result.precision = report = monitor.report()
    log.info("precision %s after %d trials", "met" if report["converged"] else "not met",
             result.trials)
    return result, report
