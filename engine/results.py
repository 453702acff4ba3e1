"""Statistics of a finished run: moments, percentiles, histogram, convergence, sensitivity.

``SimulationResult.to_dict()`` is the RESULT.json contract of DESIGN.md::

    {"trials", "seed", "backend", "elapsed_s", "trials_per_s",
     "outputs": {cell: {"mean", "std", "min", "max", "errors",
                        "percentiles": {"1": .., "2": .., ..., "99": ..},
                        "sensitivity": {input: spearman}}}}

plus ``sampling`` and, per output, ``trials_ok``, ``contribution_to_variance``,
``histogram`` and ``convergence``.  Numbers that are undefined (every trial an error) are
``None`` (JSON null), never NaN.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import rankdata

from .sampling import Sampling

if TYPE_CHECKING:
    from .streaming import Moments

log = logging.getLogger(__name__)

__all__ = ["PERCENTILES", "Convergence", "Histogram", "OutputSummary", "Sensitivity",
           "SimulationResult", "sensitivity", "summarize_kept", "summarize_output"]

PERCENTILES: tuple[int, ...] = tuple(range(1, 100))  # every whole percentile, P1 .. P99
MAX_BINS = 200
CONVERGENCE_POINTS = 200
_Z95 = 1.959963984540054  # two-sided 95% normal quantile
_BLOCK = 1 << 20  # elements per block when summing huge arrays (bounded temporaries)


@dataclass
class Histogram:
    counts: list[int]
    edges: list[float]  # len(counts) + 1


@dataclass
class Convergence:
    """Running mean after ``trials[i]`` successful trials, with its 95% half-width."""

    trials: list[int]
    mean: list[float]
    half_width: list[float]


@dataclass
class Sensitivity:
    spearman: float        # Spearman rank correlation of the input with the output
    contribution: float    # share of the squared rank correlations (sums to 1 over inputs)


@dataclass
class OutputSummary:
    """One output cell over the trials that did not end in an Excel error."""

    count: int                           # trials with a numeric result
    errors: int                          # trials that ended in an Excel error
    mean: float | None
    std: float | None                    # sample standard deviation (ddof = 1; 0 for one trial)
    min: float | None
    max: float | None
    percentiles: dict[str, float | None]
    histogram: Histogram | None = None
    convergence: Convergence | None = None
    sensitivity: dict[str, Sensitivity] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": _num(self.mean), "std": _num(self.std), "min": _num(self.min),
            "max": _num(self.max), "errors": int(self.errors), "trials_ok": int(self.count),
            "percentiles": {k: _num(v) for k, v in self.percentiles.items()},
            "sensitivity": {k: _num(s.spearman) for k, s in self.sensitivity.items()},
            "contribution_to_variance": {k: _num(s.contribution)
                                         for k, s in self.sensitivity.items()},
            "histogram": None if self.histogram is None else {
                "counts": [int(c) for c in self.histogram.counts],
                "edges": [_num(e) for e in self.histogram.edges]},
            "convergence": None if self.convergence is None else {
                "trials": [int(t) for t in self.convergence.trials],
                "mean": [_num(m) for m in self.convergence.mean],
                "half_width": [_num(h) for h in self.convergence.half_width]},
        }


@dataclass
class SimulationResult:
    trials: int
    seed: int
    backend: str
    sampling: Sampling | str
    elapsed_s: float
    trials_per_s: float
    outputs: dict[str, OutputSummary]
    samples: Any = field(default=None, repr=False, compare=False)  # per-trial values, if kept
    compile_s: float = 0.0  # time the backend spent compiling (or loading) its kernel

    def to_dict(self) -> dict[str, Any]:
        """The RESULT.json form: JSON-serialisable with ``allow_nan=False``."""
        return {
            "trials": int(self.trials), "seed": int(self.seed), "backend": str(self.backend),
            "sampling": str(getattr(self.sampling, "value", self.sampling)),
            "elapsed_s": _num(self.elapsed_s), "trials_per_s": _num(self.trials_per_s),
            "compile_s": _num(self.compile_s),
            "outputs": {name: s.to_dict() for name, s in self.outputs.items()},
        }


def _num(x: float | None) -> float | None:
    """A plain float, or None for a missing or non-finite number (JSON has no NaN)."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


# ----------------------------------------------------------------- summary of one output
def summarize_output(values: np.ndarray, errors: int) -> OutputSummary:
    """Statistics of the finite per-trial results ``values`` (in trial order); ``errors``
    trials ended in an Excel error.  A non-finite value is counted as an error too."""
    x = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(x)
    if not finite.all():
        bad = int((~finite).sum())
        log.debug("%d non-finite values counted as errors", bad)
        x, errors = x[finite], int(errors) + bad
    n = int(x.size)
    if n == 0:
        return OutputSummary(count=0, errors=int(errors), mean=None, std=None, min=None,
                             max=None, percentiles={str(p): None for p in PERCENTILES})
    mean = float(np.mean(x))
    ss = _sum_sq_dev(x, mean)
    std = math.sqrt(ss / (n - 1)) if n > 1 else 0.0
    pct = np.percentile(x, PERCENTILES)  # linear interpolation = Excel PERCENTILE.INC
    percentiles: dict[str, float | None] = {
        str(p): float(v) for p, v in zip(PERCENTILES, pct, strict=True)}
    iqr = float(pct[PERCENTILES.index(75)] - pct[PERCENTILES.index(25)])
    return OutputSummary(
        count=n, errors=int(errors), mean=mean, std=std, min=float(x.min()), max=float(x.max()),
        percentiles=percentiles, histogram=histogram(x, iqr=iqr), convergence=convergence(x))


def summarize_kept(values32: np.ndarray, moments: Moments, errors: int) -> OutputSummary:
    """Statistics of a streamed output (:mod:`engine.streaming`): mean, std, min and max from
    the exact running ``moments`` of the float64 values; percentiles, histogram and
    convergence from ``values32``, every trial's value as float32 in trial order (NaN for an
    error), so they are within float32 rounding (about 6e-8 relative) of the in-memory ones.
    Percentiles interpolate the float32 order statistics in float64 (Excel PERCENTILE.INC)."""
    x = np.asarray(values32).ravel()
    if moments.count == 0:
        return summarize_output(np.empty(0), errors)
    kept = x[~np.isnan(x)]  # our own copy, in trial order (errors left out)
    conv = convergence(kept)
    pct = _kept_percentiles(kept, PERCENTILES)  # partitions ``kept`` in place
    percentiles: dict[str, float | None] = {
        str(p): float(v) for p, v in zip(PERCENTILES, pct, strict=True)}
    iqr = float(pct[PERCENTILES.index(75)] - pct[PERCENTILES.index(25)])
    hist = histogram(kept, iqr=iqr)
    return OutputSummary(
        count=moments.count, errors=int(errors), mean=moments.mean, std=moments.std,
        min=moments.min, max=moments.max, percentiles=percentiles, histogram=hist,
        convergence=conv)


def _kept_percentiles(x: np.ndarray, ps: tuple[int, ...]) -> np.ndarray:
    """numpy's linear percentiles of ``x`` (reordered in place: no copy of it is made), the
    order statistics interpolated in float64."""
    n = x.size
    pos = np.asarray(ps, dtype=np.float64) / 100.0 * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    x.partition(np.unique(np.concatenate([lo, hi])))
    a, b = x[lo].astype(np.float64), x[hi].astype(np.float64)
    t = pos - lo
    return np.where(t < 0.5, a + (b - a) * t, b - (b - a) * (1.0 - t))


def _sum_sq_dev(x: np.ndarray, shift: float, start: int = 0, stop: int | None = None,
                ) -> float:
    """sum((x[start:stop] - shift)**2), in blocks so that no temporary is as big as x."""
    stop = x.size if stop is None else stop
    total = 0.0
    for a in range(start, stop, _BLOCK):
        d = x[a:min(a + _BLOCK, stop)] - shift
        total += float(np.dot(d, d))
    return total


def _bin_count(n: int, span: float, iqr: float) -> int:
    """numpy's 'auto' bin count (numpy >= 2: the smaller width of Sturges and a relaxed
    Freedman-Diaconis, at least half the square-root width), computed here so that it does
    not depend on the numpy version and is capped before any array of that size is made."""
    if span <= 0 or n < 2:
        return 1
    sturges = span / (math.log2(n) + 1.0)
    fd = 2.0 * iqr * n ** (-1.0 / 3.0)
    width = min(max(fd, span / math.sqrt(n) / 2.0), sturges)
    return int(min(max(math.ceil(span / width), 1), MAX_BINS))


def histogram(x: np.ndarray, max_bins: int = MAX_BINS, iqr: float | None = None) -> Histogram:
    """Counts and edges over [min, max]: numpy's 'auto' bin count capped to ``max_bins``
    (``iqr``, the interquartile range, is computed when not given)."""
    lo, hi = float(x.min()), float(x.max())
    if iqr is None:
        q75, q25 = np.percentile(x, [75, 25])
        iqr = float(q75 - q25)
    bins = min(_bin_count(x.size, hi - lo, iqr), max_bins)
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi) if hi > lo else None)
    return Histogram([int(c) for c in counts], [float(e) for e in edges])


def convergence(x: np.ndarray, points: int = CONVERGENCE_POINTS) -> Convergence:
    """Running mean and its 95% half-width at about ``points`` geometrically spaced trial
    counts (from 2 to len(x)), in one blocked pass (no array as big as ``x`` is made)."""
    n = x.size
    if n < 2:
        return Convergence([], [], [])
    marks = np.unique(np.geomspace(2, n, num=min(points, n - 1)).round().astype(np.int64))
    marks = marks[(marks >= 2) & (marks <= n)]
    if marks[-1] != n:
        marks = np.append(marks, n)
    shift = float(np.mean(x))  # sums of deviations from the overall mean: well conditioned
    s1 = s2 = 0.0
    prev = 0
    means, halves = [], []
    for k in marks.tolist():
        for a in range(prev, k, _BLOCK):
            d = x[a:min(a + _BLOCK, k)] - shift
            s1 += float(d.sum())
            s2 += float(np.dot(d, d))
        prev = k
        m = s1 / k
        var = max(s2 - k * m * m, 0.0) / (k - 1)
        means.append(shift + m)
        halves.append(_Z95 * math.sqrt(var / k))
    return Convergence([int(k) for k in marks], means, halves)


# ----------------------------------------------------------------- sensitivity
def _centred_ranks(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Average ranks minus their mean, and their norm (0 for a constant)."""
    if x.min() == x.max():
        return np.zeros_like(x), 0.0
    r = rankdata(x, method="average")
    r -= r.mean()
    return r, float(np.sqrt(np.dot(r, r)))


def input_ranks(inputs: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, float]]:
    """Centred ranks of each input, to share between the outputs of one run."""
    return {name: _centred_ranks(np.asarray(x, dtype=np.float64).ravel())
            for name, x in inputs.items()}


def sensitivity(inputs: Mapping[str, np.ndarray], output: np.ndarray,
                ranks: Mapping[str, tuple[np.ndarray, float]] | None = None,
                ) -> dict[str, Sensitivity]:
    """Spearman rank correlation of each input with the output (average ranks for ties),
    and each input's contribution to variance: its squared rank correlation over the sum of
    them all (0 for every input when no input is correlated).  A constant input or output
    has correlation 0.  ``ranks`` (from :func:`input_ranks` over the same trials) saves
    ranking the inputs again for each output."""
    y = np.asarray(output, dtype=np.float64).ravel()
    out: dict[str, Sensitivity] = {}
    if y.size < 2:
        return {name: Sensitivity(0.0, 0.0) for name in inputs}
    ry, ny = _centred_ranks(y)
    rho: dict[str, float] = {}
    for name, values in inputs.items():
        x = np.asarray(values, dtype=np.float64).ravel()
        if x.size != y.size:
            raise ValueError(f"input {name} has {x.size} samples, the output {y.size}")
        rx, nx = ranks[name] if ranks is not None and name in ranks else _centred_ranks(x)
        r = float(np.dot(rx, ry) / (nx * ny)) if nx > 0 and ny > 0 else 0.0
        rho[name] = min(max(r, -1.0), 1.0)
    total = math.fsum(r * r for r in rho.values())
    for name, r in rho.items():
        out[name] = Sensitivity(r, r * r / total if total > 0 else 0.0)
    return out
