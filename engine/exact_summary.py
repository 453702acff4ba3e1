"""Exact percentiles and histogram of a streamed run in bounded memory, by running its
trials again.

A run too large to keep every trial's output (:mod:`engine.streaming`, "bounded") keeps in
its first pass the exact moments, min and max of each output and each chunk's count of
successful trials.  The random streams are keyed by (seed, input, trial), so running the
same chunks again gives the same values bit for bit.  :class:`ExactPasses` runs them again
until every order statistic the percentiles need (P1..P99 interpolate between the ranks
``floor(p (n-1) / 100)`` and the next) is known exactly:

1. a histogram of :data:`LEVEL1_BINS` equal bins over [min, max] counts every output's
   values: each wanted rank falls in a known bin with a known number of values below it;
2. the values of those bins are collected and sorted when they fit in :data:`COLLECT_MAX`
   values (all outputs together), and each wanted rank is read off; a bin that does not fit
   is split again :data:`SPLIT_BINS` ways in the order of its values' float64 bit patterns
   (which follow the values' order, so a bin whose values span many magnitudes still
   splits well), from the smallest to the largest value seen in it, and the pass repeats.
   A bin whose values are all the same (a point mass) needs no collecting.  A run small
   enough for :data:`COLLECT_MAX` is collected whole in the second pass.

Each binning is a monotone function of the value, so the count below a bin is exact
whatever the rounding of the bin arithmetic; the percentiles equal those of a run that keeps
every trial (numpy's linear interpolation, Excel PERCENTILE.INC), bit for bit.  The
histogram of the results is counted in the pass where the interquartile range is known
closely enough to fix its bin count; the convergence trace (running mean and half-width) in
the second pass, from each chunk's count of successful trials before it.

Memory: :data:`LEVEL1_BINS` counts per output, the collected values (at most
:data:`COLLECT_MAX`), small tables; never a value per trial.  Time: usually 3 runs of the
trials (2 when the run fits :data:`COLLECT_MAX`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .backends import ChunkResult
from .results import (
    PERCENTILES,
    Convergence,
    ConvergenceSums,
    Histogram,
    OutputSummary,
    _scale,
    constant_summary,
    histogram_bin_count,
    histogram_edges,
    interpolate_percentiles,
    percentile_ranks,
    summarize_output,
)
from .streaming import Moments
from .workbook import CellRef

log = logging.getLogger(__name__)

__all__ = ["COLLECT_MAX", "LEVEL1_BINS", "SPLIT_BINS", "ExactPasses", "expected_passes",
           "key_value", "order_keys"]

LEVEL1_BINS = 1 << 16    # equal bins over [min, max] in the first histogram pass
SPLIT_BINS = 1 << 12     # bins a bin too full to collect is split into, by bit pattern
COLLECT_MAX = 1 << 24    # values collected in one pass, all outputs together (128 MiB)
MAX_PASSES = 16          # more would mean the trials are not the same each run
_SIGN = np.uint64(1 << 63)
_TOP = (1 << 64) - 1
RunPass = Callable[[Callable[[ChunkResult], None]], float]  # run every chunk, store each


def expected_passes(trials: int, outputs: int) -> int:
    """Runs of the trials after the first that a bounded run of ``trials`` trials and
    ``outputs`` outputs usually takes (for its progress total): 1 when every value fits
    :data:`COLLECT_MAX` (collected whole), else 2 (the histogram, then the wanted bins
    collected).  Outputs whose bins must be split take more; constant ones none."""
    return 1 if int(trials) * max(int(outputs), 1) <= COLLECT_MAX else 2


class NotRepeatableError(RuntimeError):
    """A pass over the same trials counted other values than the pass before it."""


def order_keys(v: np.ndarray) -> np.ndarray:
    """uint64 keys in the order of the float64 values ``v`` (finite, no -0.0)."""
    return v.view(np.uint64) ^ ((v.view(np.int64) >> 63).view(np.uint64) | _SIGN)


def key_value(key: int) -> float:
    """The float64 value whose :func:`order_keys` key is ``key``."""
    k = int(key)
    bits = k ^ (1 << 63) if k >> 63 else ~k & _TOP
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def _key(x: float) -> int:
    return int(order_keys(np.array([x + 0.0]))[0])


@dataclass
class _Group:
    """Values of one output in level-1 bin ``k1`` (-1: every value) whose keys lie in
    [klo, khi]; their keys lie in [base_lo, base_hi] too (bounds for the next split).
    ``below`` values come before the group, ``size`` are in it; ``ranks`` are wanted."""

    k1: int
    klo: int
    khi: int
    base_lo: int
    base_hi: int
    below: int
    size: int
    ranks: list[int]
    collect: bool = False           # this pass: collect its values (else split it)
    base: int = 0                   # split: bin = clip((key - base) >> shift)
    shift: int = 0
    offset: int = 0                 # split: first of its counts in the pass's flat counts


class _Output:
    """The passes' state of one output."""

    def __init__(self, name: str, moments: Moments, errors: int) -> None:
        self.name, self.moments, self.errors = name, moments, errors
        self.n, self.lo, self.hi = moments.count, moments.min + 0.0, moments.max + 0.0
        self.pos, rlo, rhi = percentile_ranks(max(self.n, 1), PERCENTILES)
        self.rlo, self.rhi = rlo, rhi
        self.values: dict[int, float] = {}
        self.s = _scale(self.lo, self.hi)
        self.a = self.lo / self.s
        with np.errstate(over="ignore", divide="ignore"):
            factor = LEVEL1_BINS / (self.hi / self.s - self.a) if self.hi > self.lo else 0.0
        self.factor = factor if math.isfinite(factor) else 0.0  # 0: one level-1 bin
        self.groups: list[_Group] = [] if self.done_already else [_Group(
            -1, 0, _TOP, _key(self.lo), _key(self.hi), 0, self.n,
            sorted({int(r) for r in np.concatenate((rlo, rhi))}))]
        self.level1: np.ndarray | None = None     # counts, in the pass that histograms it
        self.collected: list[np.ndarray] = []     # values of the groups collected this pass
        self.hist: dict[int, tuple[float, np.ndarray, np.ndarray]] = {}  # bins -> s, edges, counts
        self.histograms: dict[int, Histogram] = {}  # bin count asked for -> its histogram
        self.conv: ConvergenceSums | None = None
        self.convergence: Convergence | None = None

    @property
    def done_already(self) -> bool:
        return self.n == 0 or self.lo == self.hi

    # ---------------------------------------------------------------- binning
    def bin1(self, v: np.ndarray) -> np.ndarray:
        """Level-1 bins of the values ``v``: equal bins over [min, max], monotone in v."""
        if self.factor == 0.0:
            return np.zeros(v.size, dtype=np.int64)
        x = v if self.s == 1.0 else v / self.s
        b = ((x - self.a) * self.factor).astype(np.int64)
        np.clip(b, 0, LEVEL1_BINS - 1, out=b)
        return b

    def bin1_bounds(self, k: int) -> tuple[int, int]:
        """Keys that hold every value of level-1 bin ``k`` (widened past the arithmetic's
        rounding; a value outside them would still be counted right, only split worse)."""
        if self.factor == 0.0:
            return _key(self.lo), _key(self.hi)
        margin = 2.0 ** -30 * (abs(self.lo) + abs(self.hi))
        vlo = (self.a + k / self.factor) * self.s - margin
        vhi = (self.a + (k + 1) / self.factor) * self.s + margin
        return _key(max(self.lo, vlo)), _key(min(self.hi, vhi))

    # ---------------------------------------------------------------- a pass
    def plan(self) -> None:
        """Lay out this pass's split groups (offsets into one flat count array) and the
        tables that find a value's group."""
        self.groups.sort(key=lambda g: (g.k1, g.klo))
        total = 0
        self.collected = []
        self.seen = (math.inf, -math.inf)
        for g in self.groups:
            if g.k1 < 0 or g.collect:
                continue
            width = g.base_hi - g.base_lo
            if width < SPLIT_BINS - 2:        # one key per bin: the bins resolve exactly
                g.base, g.shift = max(g.base_lo - 1, 0), 0
            else:
                g.base, g.shift = g.base_lo, max(0, width.bit_length() - 12)
            g.offset = total
            total += SPLIT_BINS
        self.split_total = total
        self.table = np.zeros(LEVEL1_BINS, dtype=bool)
        self.first = np.zeros(LEVEL1_BINS, dtype=np.int64)
        self.multi: dict[int, tuple[int, np.ndarray]] = {}
        live = [g for g in self.groups if g.k1 >= 0]
        for i, g in enumerate(live):
            if not self.table[g.k1]:
                self.table[g.k1] = True
                self.first[g.k1] = i
            else:
                start = int(self.first[g.k1])
                self.multi[g.k1] = (start, np.array([h.klo for h in live[start:i + 1]],
                                                    dtype=np.uint64))
        self.live = live
        self.klo = np.array([g.klo for g in live], dtype=np.uint64)
        self.khi = np.array([g.khi for g in live], dtype=np.uint64)
        self.is_collect = np.array([g.collect for g in live], dtype=bool)
        self.base = np.array([g.base for g in live], dtype=np.uint64)
        self.shift = np.array([g.shift for g in live], dtype=np.uint64)
        self.offset = np.array([g.offset for g in live], dtype=np.int64)
        self.counts = np.zeros(total, dtype=np.int64) if total else None
        # the smallest and largest key seen in each split bin: the next split's bounds
        self.kmin = np.full(total, _TOP, dtype=np.uint64)
        self.kmax = np.zeros(total, dtype=np.uint64)
        whole = self.groups[0] if self.groups and self.groups[0].k1 < 0 else None
        self.whole = whole is not None and whole.collect   # collect every value
        self.level1 = None if whole is None or whole.collect else np.zeros(LEVEL1_BINS,
                                                                           dtype=np.int64)

    def store(self, first_ok: int, v: np.ndarray) -> None:
        """This output's successful values ``v`` of one chunk (float64, no -0.0), the first
        of them the ``first_ok``-th successful trial of the run."""
        if v.size:
            self.seen = (min(self.seen[0], float(v.min())), max(self.seen[1], float(v.max())))
        if self.conv is not None:
            self.conv.add(first_ok, v)
        for s, edges, counts in self.hist.values():
            x = v if s == 1.0 else v / s
            counts += np.histogram(x, bins=edges.size - 1, range=(edges[0], edges[-1]))[0]
        if self.whole:
            self.collected.append(v)  # a fresh array (vals[ok] + 0.0)
            return
        if self.level1 is not None:
            self.level1 += np.bincount(self.bin1(v), minlength=LEVEL1_BINS)
            return
        if not self.live:
            return
        b1 = self.bin1(v)
        m = self.table[b1]
        if not m.any():
            return
        v, b1 = v[m], b1[m]
        keys = order_keys(v)
        gid = self.first[b1]
        for k, (start, los) in self.multi.items():
            sel = b1 == k
            if sel.any():
                gid[sel] = start + np.maximum(np.searchsorted(los, keys[sel], side="right") - 1, 0)
        inside = (keys >= self.klo[gid]) & (keys <= self.khi[gid])
        v, keys, gid = v[inside], keys[inside], gid[inside]
        col = self.is_collect[gid]
        if col.any():
            self.collected.append(v[col])
        sp = ~col
        if sp.any() and self.counts is not None:
            ks, gs = keys[sp], gid[sp]
            base = self.base[gs]
            local = (np.maximum(ks, base) - base) >> self.shift[gs]
            np.minimum(local, np.uint64(SPLIT_BINS - 1), out=local)
            flat = self.offset[gs] + local.astype(np.int64)
            self.counts += np.bincount(flat, minlength=self.split_total)
            np.minimum.at(self.kmin, flat, ks)
            np.maximum.at(self.kmax, flat, ks)

    def finish_pass(self) -> None:
        """Resolve what this pass found: wanted ranks known, groups split further."""
        if self.seen != (self.lo, self.hi):
            raise NotRepeatableError(
                f"{self.name}: a pass over the same trials saw values from {self.seen[0]!r} to "
                f"{self.seen[1]!r}, the first from {self.lo!r} to {self.hi!r}: the trials are "
                "not the same each run")
        new: list[_Group] = []
        xs = np.sort(np.concatenate(self.collected)) if self.collected else np.empty(0)
        self.collected = []
        at = 0  # the collected groups' values, in group order, one after the other in xs
        for g in self.groups:
            if g.collect:
                self._check(g, min(g.size, xs.size - at))
                for r in g.ranks:
                    self.values[r] = float(xs[at + r - g.below])
                at += g.size
            elif g.k1 < 0:
                assert self.level1 is not None
                self._check(g, int(self.level1.sum()))
                new += self._split(g, self.level1, level1=True)
            else:
                assert self.counts is not None
                part = slice(g.offset, g.offset + SPLIT_BINS)
                c = self.counts[part]
                self._check(g, int(c.sum()))
                new += self._split(g, c, level1=False, seen=(self.kmin[part], self.kmax[part]))
        if at != xs.size:
            raise NotRepeatableError(f"{self.name}: a pass over the same trials collected "
                                     f"{xs.size:,} values where {at:,} were counted before")
        if self.whole:
            self._histogram_from_sorted(xs)
        self.groups = new
        self.level1 = None
        for bins, (s, edges, counts) in self.hist.items():
            self.histograms[bins] = Histogram([int(c) for c in counts],
                                              [float(e) * s for e in edges])
        self.hist = {}

    @property
    def histogram(self) -> Histogram | None:
        """The histogram of the results, once the percentiles are known and it was counted."""
        return self.histograms.get(self._bin_count_exact()) if self.resolved else None

    @property
    def needs_pass(self) -> bool:
        return not self.done_already and (not self.resolved or self.histogram is None)

    def _check(self, g: _Group, got: int) -> None:
        if got != g.size:
            raise NotRepeatableError(
                f"{self.name}: a pass over the same trials counted {got:,} values where the "
                f"pass before counted {g.size:,}: the trials are not the same each run")

    def _split(self, g: _Group, counts: np.ndarray, level1: bool,
               seen: tuple[np.ndarray, np.ndarray] | None = None) -> list[_Group]:
        cum = np.cumsum(counts)
        out: dict[int, _Group] = {}
        for r in g.ranks:
            k = int(np.searchsorted(cum, r - g.below, side="right"))
            below = g.below + (int(cum[k - 1]) if k > 0 else 0)
            if level1:
                lo, hi = self.bin1_bounds(k)
                klo, khi, blo, bhi = 0, _TOP, lo, hi
            else:
                klo = g.klo if k == 0 else g.base + (k << g.shift)
                khi = g.khi if k == SPLIT_BINS - 1 else g.base + ((k + 1) << g.shift) - 1
                klo, khi = max(klo, g.klo), min(khi, g.khi)
                assert seen is not None
                blo, bhi = int(seen[0][k]), int(seen[1][k])  # the keys seen in the bin
                if blo == bhi:  # one value (a point mass, or a bin one key wide)
                    self.values[r] = key_value(blo)
                    continue
            grp = out.get(k)
            if grp is None:
                grp = out[k] = _Group(g.k1 if not level1 else k, klo, khi, blo, bhi, below,
                                      int(counts[k]), [])
            grp.ranks.append(r)
        return list(out.values())

    # ---------------------------------------------------------------- results
    @property
    def resolved(self) -> bool:
        return not self.groups

    def value_bounds(self, r: int) -> tuple[float, float]:
        """Where the order statistic of rank ``r`` lies (a point once it is known)."""
        if r in self.values:
            return self.values[r], self.values[r]
        for g in self.groups:
            if r in g.ranks:
                if g.k1 < 0:
                    return self.lo, self.hi
                return (max(key_value(g.base_lo), self.lo), min(key_value(g.base_hi), self.hi))
        return self.lo, self.hi

    def _percentile_bounds(self, i: int) -> tuple[float, float]:
        a, b = self.value_bounds(int(self.rlo[i])), self.value_bounds(int(self.rhi[i]))
        pos = self.pos[i:i + 1]
        lo = interpolate_percentiles(pos, np.array([a[0]]), np.array([b[0]]))[0]
        hi = interpolate_percentiles(pos, np.array([a[1]]), np.array([b[1]]))[0]
        return float(lo), float(hi)

    def _iqr_bounds(self) -> tuple[float, float]:
        p25, p75 = self._percentile_bounds(PERCENTILES.index(25)), \
            self._percentile_bounds(PERCENTILES.index(75))
        return max(p75[0] - p25[1], 0.0), p75[1] - p25[0]

    def _bin_count_exact(self) -> int:
        return histogram_bin_count(self.lo, self.hi, self.n, self._iqr())

    def _iqr(self) -> float:
        pct = self.percentiles()
        s = self.s
        return float(pct[PERCENTILES.index(75)] / s - pct[PERCENTILES.index(25)] / s) * s

    def plan_histograms(self) -> None:
        """Count, in the coming pass, the histograms of every bin count the IQR's bounds
        still allow (when there are few)."""
        if self.done_already or (self.resolved and self.histogram is not None):
            return
        lo, hi = self._iqr_bounds()
        most = histogram_bin_count(self.lo, self.hi, self.n, lo)
        least = histogram_bin_count(self.lo, self.hi, self.n, hi)
        if most - least >= 4:
            return
        for bins in range(least, most + 1):
            s, edges = histogram_edges(self.lo, self.hi, bins)
            self.hist[bins] = (s, edges, np.zeros(edges.size - 1, dtype=np.int64))

    def _histogram_from_sorted(self, xs: np.ndarray) -> None:
        bins = self._bin_count_exact()
        s, edges = histogram_edges(self.lo, self.hi, bins)
        x = xs if s == 1.0 else xs / s
        counts = np.diff(np.append(np.searchsorted(x, edges[:-1], side="left"), x.size))
        self.histograms[bins] = Histogram([int(c) for c in counts],
                                          [float(e) * s for e in edges])

    def percentiles(self) -> np.ndarray:
        a = np.array([self.values[int(r)] for r in self.rlo]) / self.s
        b = np.array([self.values[int(r)] for r in self.rhi]) / self.s
        return interpolate_percentiles(self.pos, a, b) * self.s

    def summary(self, passes: int) -> OutputSummary:
        if self.n == 0:
            return summarize_output(np.empty(0), self.errors)
        if self.lo == self.hi:
            return constant_summary(self.moments.min, self.n, self.errors)
        pct = self.percentiles()
        return OutputSummary(
            count=self.n, errors=self.errors, mean=self.moments.mean, std=self.moments.std,
            min=self.moments.min, max=self.moments.max,
            percentiles={str(p): float(v) for p, v in zip(PERCENTILES, pct, strict=True)},
            histogram=self.histogram,
            convergence=self.convergence,
            percentile_method="exact-passes", percentile_passes=passes)


class ExactPasses:
    """Drives the passes of the module docstring for the outputs of one bounded run.

    ``moments`` and ``chunk_ok`` come from the first pass (:class:`engine.streaming.StreamSink`):
    each output's exact moments, and per chunk start each output's successful trials in it
    and their sum (each later pass must see the same, or NotRepeatableError).
    """

    def __init__(self, total: int, outputs: Mapping[CellRef, str], moments: dict[str, Moments],
                 chunk_ok: dict[int, dict[str, tuple[int, float]]]) -> None:
        self.names = dict(outputs)
        self.total = total
        self.out = {n: _Output(n, moments[n], total - moments[n].count)
                    for n in self.names.values()}
        self.chunk_ok = chunk_ok
        self.before: dict[int, dict[str, int]] = {}
        seen = {n: 0 for n in self.out}
        for start in sorted(chunk_ok):
            self.before[start] = dict(seen)
            for n, (k, _) in chunk_ok[start].items():
                seen[n] += k
        self.passes = 1  # the run itself

    def run(self, run_pass: RunPass) -> float:
        """Run passes until every output is resolved; the seconds they took."""
        elapsed = 0.0
        first = True
        while any(o.needs_pass for o in self.out.values()):
            if self.passes >= MAX_PASSES:
                raise NotRepeatableError(f"percentiles not resolved after {self.passes} runs")
            self._plan(first)
            t = run_pass(self._store)
            elapsed += t
            self.passes += 1
            for o in self.out.values():
                o.finish_pass()
                o.convergence = o.convergence or (None if o.conv is None else o.conv.result())
                o.conv = None
            log.info("exact percentiles: run %d took %.1f s; order statistics still unknown: %d",
                     self.passes, t, sum(len(g.ranks) for o in self.out.values()
                                         for g in o.groups))
            first = False
        return elapsed

    def _plan(self, first: bool) -> None:
        groups = sorted(((g.size, o.name, i) for o in self.out.values()
                         for i, g in enumerate(o.groups)), key=lambda t: t[0])
        room = COLLECT_MAX
        for size, name, i in groups:
            g = self.out[name].groups[i]
            g.collect = size <= room
            room -= size if g.collect else 0
        for o in self.out.values():
            if first and not o.done_already:
                s = o.s
                o.conv = ConvergenceSums(o.n, o.moments.mean / s, s)
            o.plan()
            o.plan_histograms()

    def _store(self, chunk: ChunkResult) -> None:
        before = self.before.get(chunk.start)
        if before is None:
            raise NotRepeatableError(f"a chunk at trial {chunk.start:,} that the first pass "
                                     "did not run")
        for cell, name in self.names.items():
            o = self.out[name]
            if o.done_already:
                continue
            vals = np.asarray(chunk.outputs[cell], dtype=np.float64)
            ok = (chunk.errors[cell] == 0) & np.isfinite(vals)
            v = vals[ok] + 0.0
            count, total = self.chunk_ok[chunk.start][name]
            if v.size != count or float(np.sum(v)) != total:
                raise NotRepeatableError(
                    f"{name}: trials {chunk.start:,}.. gave {v.size:,} numbers summing to "
                    f"{float(np.sum(v))!r} in this pass, {count:,} summing to {total!r} in the "
                    "first: the trials are not the same each run")
            o.store(before[name], v)

    def summaries(self) -> dict[str, OutputSummary]:
        return {n: o.summary(self.passes) for n, o in self.out.items()}
