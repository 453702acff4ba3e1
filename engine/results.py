"""Statistics of a finished run: moments, percentiles, histogram, convergence, sensitivity.

``SimulationResult.to_dict()`` is the RESULT.json contract of DESIGN.md::

    {"trials", "seed", "backend", "elapsed_s", "trials_per_s",
     "outputs": {cell: {"mean", "std", "min", "max", "errors",
                        "percentiles": {"1": .., "2": .., ..., "99": ..},
                        "sensitivity": {input: spearman}}}}

plus ``sampling`` and, per output, ``trials_ok``, ``contribution_to_variance``,
``sensitivity_trials`` (the trials the sensitivity was computed over: every k-th trial, at
most :data:`SENSITIVITY_MAX`), ``histogram``, ``convergence``, and how the percentiles were
found: ``percentile_method`` (``sorted``: every trial kept in memory; ``sorted-float32``: a
streamed run's float32 values; ``exact-passes``: a bounded run that ran its trials again,
:mod:`engine.exact_summary`, with ``percentile_passes`` runs of the trials) and
``percentile_accuracy`` (:data:`PERCENTILE_METHODS`).  Numbers that are undefined (every trial an error) are
``None`` (JSON null), never NaN.

An output whose trials give text, or logicals (:mod:`engine.text_outputs`), adds::

    "labels": {"high": 0.62, "normal": 0.38},   # SHARE of all trials per label (0..1)
    "label_counts": {"high": 6200, "normal": 3800},   # trials per label
    "labels_other": 0,      # trials whose label is not among those named (count)
    "text_trials": 10000    # trials that gave text (not numbers, not errors)

at most :data:`engine.text_outputs.TOP_LABELS` labels, the most frequent first.  Its
statistics (mean, percentiles, ...) are over its numeric trials only (None when there are
none); ``errors`` counts Excel errors only, not text.  A logical result is both a number
(1/0, as always: the mean of a TRUE/FALSE output is the share of TRUE) and a
``TRUE``/``FALSE`` label.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .sampling import Sampling

if TYPE_CHECKING:
    from .streaming import Moments

log = logging.getLogger(__name__)

__all__ = ["PERCENTILES", "PERCENTILE_METHODS", "Convergence", "Histogram", "OutputSummary", "Sensitivity",
           "InputRanks", "SENSITIVITY_MAX", "SimulationResult", "constant_summary", "input_ranks", "sensitivity",
           "sensitivity_stride", "summarize_kept",
           "summarize_output"]

PERCENTILES: tuple[int, ...] = tuple(range(1, 100))  # every whole percentile, P1 .. P99
MAX_BINS = 200
CONVERGENCE_POINTS = 200
# sensitivity (ranking every input) over at most this many trials: every stride-th trial
SENSITIVITY_MAX = 200_000
_Z95 = 1.959963984540054  # two-sided 95% normal quantile
_BLOCK = 1 << 20  # elements per block when summing huge arrays (bounded temporaries)
# how an output's percentiles were found -> their accuracy (RESULT.json percentile_accuracy)
PERCENTILE_METHODS = {
    "sorted": "exact",                    # every trial's float64 value kept and sorted
    "sorted-float32": "float32 order statistics: within 6e-8 relative",  # streamed run
    "exact-passes": "exact",              # bounded memory: trials run again (engine.exact_summary)
}


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
    trials: int = 0        # trials it was computed over (see SENSITIVITY_MAX)


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
    constant: bool = False               # every trial gave the same value (std exactly 0)
    # how the percentiles were found (see PERCENTILE_METHODS); passes: simulation runs
    percentile_method: str = "sorted"
    percentile_passes: int | None = None
    # text and logical results (engine.text_outputs): trials per label (the most frequent
    # first, at most TOP_LABELS), trials of the other labels, and trials that gave text
    labels: dict[str, int] = field(default_factory=dict)
    labels_other: int = 0
    text: int = 0

    @property
    def trials(self) -> int:
        """Every trial of the output: numbers, errors and text."""
        return int(self.count) + int(self.errors) + int(self.text)

    def set_labels(self, counts: dict[str, int], other: int = 0, text: int = 0) -> None:
        """The trials per label (any order; the most frequent kept, see
        :func:`engine.text_outputs.top_labels`) and the trials that gave text."""
        from .text_outputs import top_labels

        self.labels, self.labels_other = top_labels(counts, other)
        self.text = int(text)

    def label_shares(self) -> dict[str, float]:
        """Each label's share of every trial (0..1)."""
        n = self.trials
        return {k: c / n for k, c in self.labels.items()} if n else {}

    def to_dict(self) -> dict[str, Any]:
        return {**self._stats_dict(), **self._labels_dict()}

    def _labels_dict(self) -> dict[str, Any]:
        if not (self.labels or self.labels_other):
            return {}
        return {"labels": self.label_shares(),
                "label_counts": {k: int(c) for k, c in self.labels.items()},
                "labels_other": int(self.labels_other), "text_trials": int(self.text)}

    def _stats_dict(self) -> dict[str, Any]:
        return {
            "mean": _num(self.mean), "std": _num(self.std), "min": _num(self.min),
            "max": _num(self.max), "errors": int(self.errors), "trials_ok": int(self.count),
            "constant": bool(self.constant),
            "percentiles": {k: _num(v) for k, v in self.percentiles.items()},
            "percentile_method": self.percentile_method,
            "percentile_accuracy": PERCENTILE_METHODS.get(self.percentile_method, "unknown"),
            **({"percentile_passes": int(self.percentile_passes)}
               if self.percentile_passes is not None else {}),
            "sensitivity": {k: _num(s.spearman) for k, s in self.sensitivity.items()},
            "contribution_to_variance": {k: _num(s.contribution)
                                         for k, s in self.sensitivity.items()},
            "sensitivity_trials": max((int(s.trials) for s in self.sensitivity.values()),
                                      default=None),
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
    # correlation matrices replaced by the nearest valid one: inputs, max_change, used
    correlation_adjustments: list[dict[str, Any]] = field(default_factory=list)
    # precision control (engine.precision): converged, trials, each target's half-width
    precision: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The RESULT.json form: JSON-serialisable with ``allow_nan=False``."""
        return {
            "trials": int(self.trials), "seed": int(self.seed), "backend": str(self.backend),
            "sampling": str(getattr(self.sampling, "value", self.sampling)),
            "elapsed_s": _num(self.elapsed_s), "trials_per_s": _num(self.trials_per_s),
            "compile_s": _num(self.compile_s),
            "outputs": {name: s.to_dict() for name, s in self.outputs.items()},
            **({"correlation_adjustments": self.correlation_adjustments}
               if self.correlation_adjustments else {}),
            **({"precision": self.precision} if self.precision is not None else {}),
        }


def _num(x: float | None) -> float | None:
    """A plain float, or None for a missing or non-finite number (JSON has no NaN)."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


# ----------------------------------------------------------------- summary of one output
_HUGE = 2.0 ** 1000  # beyond this magnitude sums and spans may overflow: work scaled down


def _scale(lo: float, hi: float) -> float:
    """A power of two ``s`` such that values in [lo, hi] divided by ``s`` have sums, spans
    and squares that stay finite (1.0 for ordinary magnitudes; dividing by a power of two
    is exact, so ordinary data give the same numbers as without scaling)."""
    m = max(abs(lo), abs(hi))
    return 1.0 if m < _HUGE else 2.0 ** (math.frexp(m)[1] - 8)


def constant_summary(value: float, count: int, errors: int) -> OutputSummary:
    """The statistics of ``count`` trials that all gave ``value``: std exactly 0, every
    percentile the value, one histogram bin around it, a flat convergence trace."""
    marks = _marks(count)
    return OutputSummary(
        count=int(count), errors=int(errors), mean=value, std=0.0, min=value, max=value,
        percentiles={str(p): value for p in PERCENTILES},
        histogram=Histogram([int(count)], list(_constant_edges(value))),
        convergence=Convergence(marks, [value] * len(marks), [0.0] * len(marks)),
        constant=True)


def summarize_output(values: np.ndarray, errors: int) -> OutputSummary:
    """Statistics of the finite per-trial results ``values`` (in trial order); ``errors``
    trials ended in an Excel error.  A non-finite value is counted as an error too.  An
    output whose trials all gave the same value is reported as ``constant`` (std 0)."""
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
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        return constant_summary(lo, n, errors)
    s = _scale(lo, hi)
    mean = float(np.mean(x)) if s == 1.0 else s * _blocked_sum(x, 1.0 / s) / n
    ss = _sum_sq_dev(x, mean, scale=s)
    std = s * math.sqrt(ss / (n - 1))
    # linear interpolation = Excel PERCENTILE.INC
    conv = convergence(x)  # in trial order
    if s == 1.0:  # one sort serves the percentiles and the histogram
        x = np.sort(x)
        pct = _sorted_percentiles(x, PERCENTILES)
    else:
        pct = np.percentile(x / s, PERCENTILES) * s
    percentiles: dict[str, float | None] = {
        str(p): float(v) for p, v in zip(PERCENTILES, pct, strict=True)}
    iqr = float(pct[PERCENTILES.index(75)] / s - pct[PERCENTILES.index(25)] / s) * s
    return OutputSummary(
        count=n, errors=int(errors), mean=mean, std=std, min=lo, max=hi,
        percentiles=percentiles, histogram=histogram(x, iqr=iqr, presorted=s == 1.0),
        convergence=conv)


def summarize_kept(values32: np.ndarray, moments: Moments, errors: int) -> OutputSummary:
    """Statistics of a streamed output (:mod:`engine.streaming`): mean, std, min and max from
    the exact running ``moments`` of the float64 values; percentiles, histogram and
    convergence from ``values32``, every trial's value as float32 in trial order (NaN for an
    error), so they are within float32 rounding (about 6e-8 relative) of the in-memory ones.
    Percentiles interpolate the float32 order statistics in float64 (Excel PERCENTILE.INC).
    Values beyond float32's range (about 3.4e38) are held as infinities: the percentiles are
    then kept within the exact [min, max] and the histogram counts them in its end bins."""
    x = np.asarray(values32).ravel()
    if moments.count == 0:
        return summarize_output(np.empty(0), errors)
    if moments.min == moments.max:
        return constant_summary(moments.min, moments.count, errors)
    kept = x[~np.isnan(x)]  # our own copy, in trial order (errors left out)
    conv = convergence(kept)
    pct = _kept_percentiles(kept, PERCENTILES, (moments.min, moments.max))
    percentiles: dict[str, float | None] = {
        str(p): float(v) for p, v in zip(PERCENTILES, pct, strict=True)}
    s = _scale(moments.min, moments.max)
    iqr = float(pct[PERCENTILES.index(75)] / s - pct[PERCENTILES.index(25)] / s) * s
    lo, hi = float(kept.min()), float(kept.max())
    bounds = None if math.isfinite(lo) and math.isfinite(hi) else (moments.min, moments.max)
    hist = histogram(kept, iqr=iqr, bounds=bounds)
    return OutputSummary(
        count=moments.count, errors=int(errors), mean=moments.mean, std=moments.std,
        min=moments.min, max=moments.max, percentiles=percentiles, histogram=hist,
        convergence=conv, percentile_method="sorted-float32")


def _kept_percentiles(x: np.ndarray, ps: tuple[int, ...],
                      bounds: tuple[float, float] = (-math.inf, math.inf)) -> np.ndarray:
    """numpy's linear percentiles of ``x`` (sorted in place: no copy of it is made), the
    order statistics clipped to ``bounds`` and interpolated in float64."""
    x.sort()
    return _sorted_percentiles(x, ps, bounds)


def _sorted_percentiles(xs: np.ndarray, ps: tuple[int, ...],
                        bounds: tuple[float, float] = (-math.inf, math.inf)) -> np.ndarray:
    """numpy's linear percentiles (Excel PERCENTILE.INC) of the sorted ``xs``, bit for bit
    (numpy's interpolation formula); the order statistics clipped to ``bounds``, in float64.
    A sort is several times faster than numpy's partition around 198 order statistics."""
    pos, lo, hi = percentile_ranks(xs.size, ps)
    return interpolate_percentiles(pos, np.clip(xs[lo].astype(np.float64), *bounds),
                                   np.clip(xs[hi].astype(np.float64), *bounds))


def percentile_ranks(n: int, ps: tuple[int, ...] = PERCENTILES,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the percentiles ``ps`` of ``n`` sorted values lie: the fractional positions and
    the two order statistics (0-based ranks) each interpolates between."""
    pos = np.asarray(ps, dtype=np.float64) / 100.0 * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    return pos, lo, np.minimum(lo + 1, n - 1)


def interpolate_percentiles(pos: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """numpy's linear interpolation between the order statistics ``a`` and ``b`` at the
    fractional positions ``pos`` (from :func:`percentile_ranks`)."""
    t = pos - np.floor(pos)
    return np.where(t < 0.5, a + (b - a) * t, b - (b - a) * (1.0 - t))


def _blocked_sum(x: np.ndarray, factor: float) -> float:
    """sum(x * factor), in blocks (bounded temporaries)."""
    return math.fsum(float(np.sum(x[a:a + _BLOCK] * factor)) for a in range(0, x.size, _BLOCK))


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """sum(a * b) without BLAS: its threaded dot is pathological on a busy machine (100x
    slower than one thread), and the service and scripts do not pin BLAS to one thread."""
    return float(np.einsum("i,i->", a, b))


def _sum_sq_dev(x: np.ndarray, shift: float, start: int = 0, stop: int | None = None,
                scale: float = 1.0) -> float:
    """sum(((x[start:stop] - shift) / scale)**2), in blocks so that no temporary is as big as
    x (``scale``, a power of two from :func:`_scale`, keeps huge magnitudes finite)."""
    stop = x.size if stop is None else stop
    total = 0.0
    for a in range(start, stop, _BLOCK):
        block = x[a:min(a + _BLOCK, stop)]
        d = block - shift if scale == 1.0 else block / scale - shift / scale
        total += _dot(d, d)
    return total


def _bin_count(n: int, span: float, iqr: float) -> int:
    """numpy's 'auto' bin count (numpy >= 2: the smaller width of Sturges and a relaxed
    Freedman-Diaconis, at least half the square-root width), computed here so that it does
    not depend on the numpy version and is capped before any array of that size is made."""
    if not span > 0 or n < 2 or not math.isfinite(span):
        return 1
    sturges = span / (math.log2(n) + 1.0)
    fd = 2.0 * iqr * n ** (-1.0 / 3.0) if math.isfinite(iqr) else math.inf
    width = min(max(fd, span / math.sqrt(n) / 2.0), sturges)
    return int(min(max(math.ceil(span / width), 1), MAX_BINS))


def _constant_edges(value: float) -> tuple[float, float]:
    """One bin around ``value``: numpy's [value - 0.5, value + 0.5] where that is wider than
    the value's rounding, else a relative half-width; always finite and lo < hi."""
    lo, hi = value - 0.5, value + 0.5
    if not lo < value < hi:
        half = abs(value) * 2.0 ** -20
        lo, hi = value - half, value + half
    big = float(np.finfo(np.float64).max)
    lo, hi = max(lo, -big), min(hi, big)
    if not lo < hi:  # value at the end of the float range
        lo, hi = float(np.nextafter(value, -math.inf)), float(np.nextafter(value, math.inf))
        lo, hi = max(lo, -big), min(hi, big)
    return lo, hi


def histogram_bin_count(lo: float, hi: float, n: int, iqr: float,
                        max_bins: int = MAX_BINS) -> int:
    """The number of bins (before :func:`histogram_edges` narrows it) of the histogram of
    ``n`` values over [lo, hi] (lo < hi) with interquartile range ``iqr``: numpy's 'auto'
    count capped to ``max_bins``; it does not grow as ``iqr`` grows."""
    s = _scale(lo, hi)
    return min(_bin_count(n, hi / s - lo / s, iqr / s), max_bins)


def histogram_edges(lo: float, hi: float, bins: int) -> tuple[float, np.ndarray]:
    """The scale and edges of a histogram of ``bins`` bins over [lo, hi] (lo < hi), fewer
    where the range is too narrow for the values' rounding.  Values are binned divided by
    the scale (a power of two, 1.0 for ordinary magnitudes); the edges are of scaled values."""
    s = _scale(lo, hi)
    a, b = lo / s, hi / s
    edges = np.linspace(a, b, bins + 1)
    while bins > 1 and not np.all(edges[:-1] < edges[1:]):  # too narrow for the rounding
        bins //= 2
        edges = np.linspace(a, b, bins + 1)
    return s, edges


def histogram(x: np.ndarray, max_bins: int = MAX_BINS, iqr: float | None = None,
              bounds: tuple[float, float] | None = None, presorted: bool = False) -> Histogram:
    """Counts and edges over [min, max]: numpy's 'auto' bin count capped to ``max_bins``
    (``iqr``, the interquartile range, is computed when not given).  Any finite data works:
    a constant gets one bin around it, a range too narrow for its values' rounding gets
    fewer bins, huge magnitudes are binned scaled down.  ``bounds`` (finite min and max)
    replace the data's own where it holds infinities, which are counted in the end bins.
    ``presorted``: ``x`` is in ascending order, so the counts come from the edges' places
    in it (numpy's bins: [e_i, e_i+1), the last one closed)."""
    lo, hi = bounds if bounds is not None else (float(x.min()), float(x.max()))
    if lo == hi:
        return Histogram([int(x.size)], list(_constant_edges(lo)))
    if iqr is None:
        s = _scale(lo, hi)
        with np.errstate(over="ignore", invalid="ignore"):
            q75, q25 = np.percentile(x, [75, 25]) / s
        iqr = float(q75 - q25) * s
    s, edges = histogram_edges(lo, hi, histogram_bin_count(lo, hi, x.size, iqr, max_bins))
    bins, a, b = edges.size - 1, float(edges[0]), float(edges[-1])
    if s == 1.0 and bounds is None and presorted and x.dtype == np.float64:
        counts = np.diff(np.append(np.searchsorted(x, edges[:-1], side="left"), x.size))
    elif s == 1.0 and bounds is None:
        counts = np.histogram(x, bins=bins, range=(a, b))[0]
    else:  # in float64 blocks: the edges may be beyond what x's type holds
        counts = np.zeros(bins, dtype=np.int64)
        for i in range(0, x.size, _BLOCK):
            block = x[i:i + _BLOCK].astype(np.float64) / s
            counts += np.histogram(block, bins=bins, range=(a, b))[0]
    if bounds is not None:  # values beyond what x can hold (float32 infinities)
        counts[0] += int(np.count_nonzero(x < np.float64(a * s)))
        counts[-1] += int(np.count_nonzero(x > np.float64(b * s)))
    return Histogram([int(c) for c in counts], [float(e) * s for e in edges])


def _marks(n: int, points: int = CONVERGENCE_POINTS) -> list[int]:
    """About ``points`` geometrically spaced trial counts from 2 to ``n`` (none below 2)."""
    if n < 2:
        return []
    marks = np.unique(np.geomspace(2, n, num=min(points, n - 1)).round().astype(np.int64))
    marks = marks[(marks >= 2) & (marks <= n)]
    if marks[-1] != n:
        marks = np.append(marks, n)
    return [int(k) for k in marks]


class ConvergenceSums:
    """The sums :func:`convergence` accumulates, fed block by block (in any order): values
    ``first ..`` of the ``n`` successful trials, in trial order, as deviations from ``shift``
    (scaled by ``scale``, a power of two from :func:`_scale`)."""

    def __init__(self, n: int, shift: float, scale: float = 1.0,
                 points: int = CONVERGENCE_POINTS) -> None:
        self.marks = _marks(n, points)
        self.ends = np.asarray(self.marks, dtype=np.int64)
        self.shift, self.scale = shift, scale
        self.seg1 = np.zeros(self.ends.size)  # sum of d over trials [marks[i-1], marks[i])
        self.seg2 = np.zeros(self.ends.size)  # sum of d*d over the same trials

    def add(self, first: int, block: np.ndarray) -> None:
        if not self.marks or block.size == 0:
            return
        a, b, ends = first, first + block.size, self.ends
        with np.errstate(over="ignore", invalid="ignore"):
            d = (block if self.scale == 1.0 else block / self.scale) - self.shift
            # the stretches this block overlaps: ends[lo:hi + 1]
            lo = int(np.searchsorted(ends, a, side="right"))
            hi = min(int(np.searchsorted(ends, b, side="left")), ends.size - 1)
            cuts = np.concatenate(([0], ends[lo:hi] - a))  # stretch starts in the block
            self.seg1[lo:hi + 1] += np.add.reduceat(d, cuts)
            self.seg2[lo:hi + 1] += np.add.reduceat(d * d, cuts)

    def result(self) -> Convergence:
        if not self.marks:
            return Convergence([], [], [])
        s1, s2 = np.cumsum(self.seg1), np.cumsum(self.seg2)
        k = self.ends.astype(np.float64)
        m = s1 / k
        with np.errstate(over="ignore", invalid="ignore"):
            var = np.maximum(s2 - k * m * m, 0.0) / (k - 1)
        means = (self.shift + m) * self.scale
        halves = _Z95 * np.sqrt(var / k) * self.scale
        return Convergence(self.marks, [float(v) for v in means], [float(v) for v in halves])


def convergence(x: np.ndarray, points: int = CONVERGENCE_POINTS) -> Convergence:
    """Running mean and its 95% half-width at about ``points`` geometrically spaced trial
    counts (from 2 to len(x)): sums of deviations from the overall mean (well conditioned)
    over the stretches between those counts, accumulated; in blocks of :data:`_BLOCK`
    values (no array as big as ``x`` is made)."""
    if x.size < 2:
        return Convergence([], [], [])
    with np.errstate(over="ignore", invalid="ignore"):
        lo, hi = float(x.min()), float(x.max())
        s = _scale(lo, hi) if math.isfinite(lo) and math.isfinite(hi) else 1.0
        shift = float(np.mean(x)) if s == 1.0 else _blocked_sum(x, 1.0 / s) / x.size
    sums = ConvergenceSums(x.size, shift, s, points)
    for a in range(0, x.size, _BLOCK):
        sums.add(a, x[a:a + _BLOCK])
    return sums.result()


# ----------------------------------------------------------------- sensitivity
def _sort_one(x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The trial order of ``x`` by value (NaN last) and, where ``x`` has ties, each
    position's tie group number in that order (None: no ties).  int32 where it fits."""
    order = np.argsort(x)  # ties in any order: they get the same (average) rank
    ordered = x[order]
    new = ordered[1:] != ordered[:-1]
    small = x.size < 2 ** 31
    if small:
        order = order.astype(np.int32)
    if new.all():
        return order, None
    groups = np.concatenate(([0], np.cumsum(new, dtype=np.int32 if small else np.int64)))
    return order, groups


def _centred_ranks_sorted(order: np.ndarray, groups: np.ndarray | None, n: int,
                          keep: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Average ranks minus their mean of the trials ``keep`` marks (all when None), as an
    array over all ``n`` trials (0 for the others), and their norm (0 for a constant); from
    :func:`_sort_one`.  Exact: the ranks are half-integers, and the norm is
    sqrt((m^3 - m - sum(t^3 - t)) / 12) over the tie groups' sizes t, in integers."""
    if keep is not None:
        sel = keep[order]
        order = order[sel]
        groups = None if groups is None else groups[sel]
    m = int(order.size)
    r = np.zeros(n)
    if m < 2 or (groups is not None and groups[0] == groups[-1]):
        return r, 0.0
    new = None if groups is None else groups[1:] != groups[:-1]
    if new is None or new.all():
        r[order] = np.arange(m, dtype=np.float64) - (m - 1) / 2.0
        ties = 0
    else:
        starts = np.flatnonzero(np.concatenate(([True], new)))
        sizes = np.diff(np.append(starts, m))
        r[order] = np.repeat(starts + (sizes - 1) / 2.0 - (m - 1) / 2.0, sizes)
        t = sizes[sizes > 1].astype(object)  # Python integers: no overflow
        ties = int(sum(t * t * t - t))
    return r, math.sqrt((m * m * m - m - ties) / 12.0)


class InputRanks:
    """The inputs of one run, each sorted once, so that every output's Spearman correlation
    reuses them: over all trials, or over an output's successful trials without sorting
    again (the sorted order filtered by them).  Sorting and ranking run in threads (numpy
    releases the GIL)."""

    def __init__(self, inputs: Mapping[str, np.ndarray],
                 max_trials: int | None = SENSITIVITY_MAX) -> None:
        sizes = {np.size(x) for x in inputs.values()}
        self.trials = sizes.pop() if len(sizes) == 1 else -1  # trials of the run
        self.stride = sensitivity_stride(self.trials, max_trials)
        arrays = {name: np.ascontiguousarray(np.ravel(x)[::self.stride], dtype=np.float64)
                  for name, x in inputs.items()}
        self.n = -(-self.trials // self.stride)  # trials ranked: 0, stride, 2*stride, ...
        self.sorted = dict(zip(arrays, _map_threads(_sort_one, list(arrays.values())),
                               strict=True))
        self._keep: np.ndarray | None = None
        self._ranks: dict[str, tuple[np.ndarray, float]] | None = None

    def ranks(self, keep: np.ndarray | None = None) -> dict[str, tuple[np.ndarray, float]]:
        """Centred ranks and their norm of every input over the trials ``keep`` marks (see
        :func:`_centred_ranks_sorted`); those of the last ``keep`` asked for are kept."""
        same = self._ranks is not None and (
            (keep is None and self._keep is None) or (
                keep is not None and self._keep is not None and np.array_equal(keep, self._keep)))
        if not same:
            self._ranks = None  # free the old ones first
            names = list(self.sorted)
            done = _map_threads(lambda name: _centred_ranks_sorted(*self.sorted[name], self.n,
                                                                   keep), names)
            self._keep = None if keep is None else keep.copy()
            self._ranks = dict(zip(names, done, strict=True))
        assert self._ranks is not None
        return self._ranks


def _map_threads(fn: Any, items: list[Any]) -> list[Any]:
    workers = min(len(items), os.cpu_count() or 1, 8)
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def sensitivity_stride(trials: int, max_trials: int | None = SENSITIVITY_MAX) -> int:
    """The smallest stride that keeps at most ``max_trials`` of ``trials`` (None: 1)."""
    return 1 if max_trials is None else max(1, -(-int(trials) // max(int(max_trials), 1)))


def input_ranks(inputs: Mapping[str, np.ndarray],
                max_trials: int | None = SENSITIVITY_MAX) -> InputRanks:
    """The inputs sorted once, to share between the outputs of one run."""
    return InputRanks(inputs, max_trials)


def sensitivity(inputs: Mapping[str, np.ndarray], output: np.ndarray,
                ranks: InputRanks | None = None, ok: np.ndarray | None = None,
                max_trials: int | None = SENSITIVITY_MAX) -> dict[str, Sensitivity]:
    """Spearman rank correlation of each input with the output (average ranks for ties),
    and each input's contribution to variance: its squared rank correlation over the sum of
    them all (0 for every input when no input is correlated).  A constant input or output
    has correlation 0.  Over the trials ``ok`` marks (all when None) whose output is
    finite, of a deterministic subsample: trials 0, k, 2k, ... with k the smallest stride
    that keeps at most ``max_trials`` (None: every trial); each result's ``trials`` says
    how many were used.  ``ranks`` (from :func:`input_ranks` over the same trials) saves
    sorting the inputs again for each output."""
    n = int(np.size(output))
    for name, values in inputs.items():
        if np.size(values) != n:
            raise ValueError(f"input {name} has {np.size(values)} samples, the output {n}")
    stride = sensitivity_stride(n, max_trials)
    y = np.ascontiguousarray(np.ravel(output)[::stride], dtype=np.float64)
    keep = np.isfinite(y)
    if ok is not None:
        keep &= np.asarray(ok, dtype=bool).ravel()[::stride]
    m = int(keep.sum())
    if keep.all():
        keep = None
    if m < 2:
        return {name: Sensitivity(0.0, 0.0, m) for name in inputs}
    if ranks is None or ranks.trials != n or ranks.stride != stride or not all(
            name in ranks.sorted for name in inputs):
        ranks = InputRanks(inputs, max_trials)
    ry, ny = _centred_ranks_sorted(*_sort_one(y), y.size, keep)
    rho: dict[str, float] = {}
    every = ranks.ranks(keep)
    for name in inputs:
        rx, nx = every[name]
        r = _dot(rx, ry) / (nx * ny) if nx > 0 and ny > 0 else 0.0
        rho[name] = min(max(r, -1.0), 1.0)
    total = math.fsum(r * r for r in rho.values())
    return {name: Sensitivity(r, r * r / total if total > 0 else 0.0, m)
            for name, r in rho.items()}
