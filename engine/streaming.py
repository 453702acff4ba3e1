"""Runs larger than memory: keep per trial only what the statistics need.

A streamed run never holds a trial's float64 inputs and outputs all at once.  Chunk by chunk
(see :func:`engine.simulate.run_job`) it keeps:

* **exact running moments** of each output (count, mean, sum of squared deviations, min,
  max) from the float64 values: :class:`Moments` of fixed blocks of :data:`MOMENT_BLOCK`
  trials (block ``k`` holds trials ``k*B .. (k+1)*B - 1`` whatever the chunking: a block a
  chunk covers in part waits, bounded, for its other parts), merged in block order with the
  pairwise update of Chan, Golub & LeVeque (1979).  So the moments are the same bit for bit
  whatever the chunk size, the number of threads or machines, and the order chunks finished;
* **every trial's output as float32** (NaN where the trial ended in an Excel error), for the
  percentiles, the histogram and the convergence curve: 4 bytes per output per trial; or,
  for a run whose float32 outputs would pass :data:`VALUES32_MAX` bytes (a *bounded* run),
  nothing per trial: each chunk's count of successful trials, and after the run
  :meth:`StreamSink.finish` runs the same chunks again to find the exact percentiles,
  histogram and convergence (:mod:`engine.exact_summary`; the streams are keyed by trial,
  so each pass sees the same values);
* **the labels** of outputs that give text or logicals (:mod:`engine.text_outputs`):
  trials per label over every trial (:class:`engine.text_outputs.LabelTally`), and each
  subsampled trial's label;
* **a deterministic subsample** of the trials, float64, for sensitivity (Spearman) and for
  charts and sample exports: trial ``t`` is kept when ``t % stride == 0``, with ``stride``
  the smallest that keeps at most :data:`SUBSAMPLE_MAX` trials.  The subsample depends only
  on the trial count, never on the chunking.

10^8 trials of 3 outputs would keep 1.2 GB of float32 outputs, so they run bounded: about
60 MB of subsample and 128 MB of collected values at most, whatever the trials.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .backends import ChunkResult
from .text_outputs import LabelColumn, LabelTally, TextColumn, is_text
from .workbook import CellRef

if TYPE_CHECKING:
    from .results import OutputSummary

log = logging.getLogger(__name__)

__all__ = ["MOMENT_BLOCK", "SUBSAMPLE_MAX", "VALUES32_MAX", "Moments", "PassProgress",
           "StreamSink", "bounded_for", "kept_bytes", "stride_for"]

SUBSAMPLE_MAX = 1 << 20  # trials kept in float64 (inputs and outputs) by a streamed run
MOMENT_BLOCK = 1 << 16   # trials per block of the running moments (fixed: chunk-independent)
# float32 outputs of every trial above which a streamed run keeps none (bounded: exact passes)
VALUES32_MAX = int(os.environ.get("MCDESK_VALUES32_MAX", 1 << 30))


@dataclass
class Moments:
    """Count, mean, sum of squared deviations from the mean (``m2``), min and max of the
    finite values of one output, over every trial of a run."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    min: float = math.inf
    max: float = -math.inf

    @classmethod
    def of(cls, x: np.ndarray) -> Moments:
        """The moments of a float64 array of finite values."""
        n = int(x.size)
        if n == 0:
            return cls()
        lo, hi = float(x.min()), float(x.max())
        if lo == hi:  # a constant: exactly, whatever its magnitude
            return cls(n, lo, 0.0, lo, hi)
        big = max(abs(lo), abs(hi)) >= 2.0 ** 1000  # sums could overflow: scale (exactly)
        s = 2.0 ** (math.frexp(max(abs(lo), abs(hi)))[1] - 8) if big else 1.0
        xs = x / s if big else x
        mean = float(np.mean(xs))
        d = xs - mean
        # einsum, not np.dot: BLAS's threaded dot is several times slower on a busy machine
        with np.errstate(over="ignore"):
            m2 = float(np.einsum("i,i->", d, d)) * s * s
        return cls(n, mean * s, m2, lo, hi)

    def merge(self, other: Moments) -> Moments:
        """The moments of both sets of values (Chan, Golub & LeVeque's pairwise update)."""
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        n = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / n)
        m2 = self.m2 + other.m2 + delta * delta * (self.count * other.count / n)
        return Moments(n, mean, m2, min(self.min, other.min), max(self.max, other.max))

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof = 1; 0 for one value)."""
        return math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else 0.0


def stride_for(trials: int, keep: int = SUBSAMPLE_MAX) -> int:
    """The smallest stride that keeps at most ``keep`` of ``trials`` trials."""
    return max(1, -(-int(trials) // max(int(keep), 1)))


def bounded_for(trials: int, outputs: int) -> bool:
    """Whether a streamed run of ``trials`` keeps no per-trial outputs (float32 outputs
    beyond :data:`VALUES32_MAX` bytes, or MCDESK_VALUES32_MAX)."""
    return 4 * int(trials) * int(outputs) > VALUES32_MAX


def kept_bytes(trials: int, inputs: int, outputs: int, keep: int = SUBSAMPLE_MAX,
               bounded: bool | None = None) -> int:
    """Memory a streamed run keeps: float32 outputs of every trial (none when ``bounded``;
    None: :func:`bounded_for`) and the float64 subsample; a bounded run's passes add at
    most :data:`engine.exact_summary.COLLECT_MAX` float64 values (and their sort)."""
    sub = -(-int(trials) // stride_for(trials, keep))
    bounded = bounded_for(trials, outputs) if bounded is None else bounded
    per_trial = 0 if bounded else int(trials) * 4 * outputs
    passes = 16 * (1 << 24) if bounded else 0
    return per_trial + passes + sub * (8 * inputs + 9 * outputs)


class StreamSink:
    """Receives the chunks of a streamed run (in any order) and keeps what is described in
    the module docstring.  Not thread-safe: call :meth:`store` from one thread."""

    def __init__(self, total: int, inputs: dict[CellRef, str], outputs: dict[CellRef, str],
                 keep: int = SUBSAMPLE_MAX, bounded: bool | None = None) -> None:
        self.total = int(total)
        self.names_in = inputs
        self.names_out = outputs
        self.stride = stride_for(total, keep)
        sub = -(-self.total // self.stride)
        self.bounded = bounded_for(total, len(outputs)) if bounded is None else bool(bounded)
        # bounded: no values; a read-only all-NaN stand-in of the run's length (no memory)
        self.values32 = {n: np.broadcast_to(np.float32(np.nan), (self.total,)) if self.bounded
                         else np.empty(self.total, dtype=np.float32) for n in outputs.values()}
        # bounded: chunk start -> each output's successful trials in it and their sum
        self.chunk_ok: dict[int, dict[str, tuple[int, float]]] = {}
        self.summaries: dict[str, OutputSummary] = {}  # bounded: after finish()
        self.sub_inputs = {n: np.empty(sub) for n in inputs.values()}
        self.sub_outputs = {n: np.empty(sub) for n in outputs.values()}
        self.sub_errors = {n: np.empty(sub, dtype=np.uint8) for n in outputs.values()}
        self._sub = sub
        self.sub_texts: dict[str, LabelColumn] = {}   # outputs with labels: the subsample's
        self.tallies: dict[str, LabelTally] = {}      # outputs with labels: every trial's
        self.text_trials: dict[str, int] = {}         # trials that gave text
        self._blocks = _MomentBlocks(self.total, list(outputs.values()))

    def store(self, chunk: ChunkResult) -> None:
        a, b = chunk.start, chunk.start + chunk.count
        first = -(-a // self.stride) * self.stride          # first kept trial in [a, b)
        local = slice(first - a, b - a, self.stride)
        dest = slice(first // self.stride, first // self.stride + len(range(first, b, self.stride)))
        for c, name in self.names_in.items():
            self.sub_inputs[name][dest] = chunk.inputs[c][local]
        for c, name in self.names_out.items():
            vals = np.asarray(chunk.outputs[c], dtype=np.float64)
            errs = chunk.errors[c]
            ok = (errs == 0) & np.isfinite(vals)
            self._blocks.add(name, a, vals, ok)
            if self.bounded:
                good = vals[ok]  # their count and sum: a check that later passes agree
                self.chunk_ok.setdefault(a, {})[name] = (good.size, float(np.sum(good)))
            else:
                out = self.values32[name][a:b]
                with np.errstate(over="ignore"):  # beyond float32: +-inf (see summarize_kept)
                    out[:] = vals
                out[~ok] = np.nan
            self.sub_outputs[name][dest] = vals[local]
            self.sub_errors[name][dest] = errs[local]
            self._store_text(name, chunk.texts.get(c), errs, local, dest)
        self._blocks.filled(a, b)

    def _store_text(self, name: str, col: TextColumn | None, errs: np.ndarray, local: slice,
                    dest: slice) -> None:
        """A chunk's labels of output ``name``: counted, and the subsample's kept."""
        if col is None:
            if name in self.sub_texts:
                self.sub_texts[name].put(dest.start, None, dest.stop - dest.start)
            return
        text = int(np.count_nonzero(is_text(errs, col)))
        self.text_trials[name] = self.text_trials.get(name, 0) + text
        self.tallies.setdefault(name, LabelTally()).add(col)
        sub = self.sub_texts.get(name)
        if sub is None:
            sub = self.sub_texts[name] = LabelColumn(self._sub)
        sub.put(dest.start, TextColumn(np.asarray(col.ids)[local], col.strings))

    def moments(self) -> dict[str, Moments]:
        """Every output's moments over the trials stored so far: blocks merged in trial
        order (the same whatever the chunking and the order the chunks were stored in)."""
        return self._blocks.moments()

    def finish(self, run_pass: Callable[[Callable[[ChunkResult], None]], float]) -> float:
        """A bounded run, once every chunk is stored: ``run_pass(store)`` runs the same
        chunks again (any order) handing each to ``store``; it is called until every
        output's percentiles, histogram and convergence are known exactly
        (:mod:`engine.exact_summary`), then in :attr:`summaries` (without sensitivity).
        Returns the seconds the passes took."""
        from .exact_summary import ExactPasses

        passes = ExactPasses(self.total, self.names_out, self.moments(), self.chunk_ok)
        elapsed = passes.run(run_pass)
        self.summaries = passes.summaries()
        return elapsed


class PassProgress:
    """A bounded run's progress: its first run and the reruns of :meth:`StreamSink.finish`
    counted in one total, so a bar keeps moving while the exact percentiles are found.

    The callers' contract holds: ``progress(done, total)`` with ``done`` never decreasing
    and never above ``total``.  The total starts at ``trials x (1 + expected)`` (the reruns a
    bounded run usually takes: :func:`engine.exact_summary.expected_passes`; ``expected`` 0
    for a run that is not bounded), grows by ``trials`` when a rerun beyond that starts, and
    at the end equals the trials run over every pass (:meth:`end`: less when fewer reruns were
    needed).  At each rerun's start, ``progress.phase("exact percentiles: pass k")`` is called
    when the callback has a ``phase`` method (the CLI's bar shows it)."""

    def __init__(self, progress: Callable[[int, int], None], trials: int,
                 expected: int = 0) -> None:
        self.progress, self.trials = progress, int(trials)
        self.total = self.trials * (1 + max(int(expected), 0))
        self.base = 0     # trials of the passes before this one
        self.done = 0     # the most reported so far
        self.rerun = 0    # the rerun under way (0: the run itself)

    def __call__(self, done: int, total: int) -> None:
        self.done = max(self.done, min(self.base + int(done), self.total))
        self.progress(self.done, self.total)

    def start_rerun(self) -> None:
        """The next rerun of the trials begins."""
        self.base = max(self.done, self.trials * (self.rerun + 1))
        self.rerun += 1
        self.total = max(self.total, self.base + self.trials)
        phase = getattr(self.progress, "phase", None)
        if callable(phase):
            phase(f"exact percentiles: pass {self.rerun}")

    def end(self) -> None:
        """The run is over: done equals total (the trials run over every pass)."""
        self.done = self.total = max(self.done, self.base + self.trials)
        self.progress(self.done, self.total)


class _MomentBlocks:
    """Moments per block of :data:`MOMENT_BLOCK` trials, merged in block order as blocks
    complete.  A chunk's part of a block it does not cover whole is copied into that block's
    buffer until the rest arrives: memory is a few blocks per chunk in flight."""

    def __init__(self, total: int, names: list[str], block: int = MOMENT_BLOCK) -> None:
        self.total, self.names, self.block = total, names, block
        self.merged = {n: Moments() for n in names}   # blocks 0 .. next - 1
        self.next = 0
        self.ready: dict[int, dict[str, Moments]] = {}
        self.parts: dict[int, tuple[dict[str, np.ndarray], dict[str, np.ndarray],
                                    np.ndarray]] = {}   # block -> values, ok, trials filled

    def _length(self, k: int) -> int:
        return min(self.block, self.total - k * self.block)

    def add(self, name: str, start: int, vals: np.ndarray, ok: np.ndarray) -> None:
        """One output's float64 values (``ok``: finite and not an error) of trials
        ``start ..``; call :meth:`filled` once all outputs of the chunk are added."""
        end = start + len(vals)
        for k in range(start // self.block, -(-end // self.block)):
            k0 = k * self.block
            lo, hi = max(start, k0), min(end, k0 + self._length(k))
            v, o = vals[lo - start:hi - start], ok[lo - start:hi - start]
            if lo == k0 and hi == k0 + self._length(k):
                self.ready.setdefault(k, {})[name] = Moments.of(v if o.all() else v[o])
                continue
            n = self._length(k)
            got = self.parts.get(k)
            if got is None:
                got = self.parts[k] = ({m: np.empty(n) for m in self.names},
                                       {m: np.zeros(n, dtype=bool) for m in self.names},
                                       np.zeros(n, dtype=bool))
            got[0][name][lo - k0:hi - k0] = v
            got[1][name][lo - k0:hi - k0] = o

    def filled(self, start: int, end: int) -> None:
        """Trials ``start .. end - 1`` of every output are added: complete blocks, merge."""
        for k in range(start // self.block, -(-end // self.block)):
            got = self.parts.get(k)
            if got is None:
                continue
            k0 = k * self.block
            got[2][max(start, k0) - k0:min(end, k0 + self._length(k)) - k0] = True
            if got[2].all():
                del self.parts[k]
                self.ready[k] = {m: Moments.of(got[0][m][got[1][m]]) for m in self.names}
        while self.next in self.ready:
            done = self.ready.pop(self.next)
            self.merged = {m: self.merged[m].merge(done[m]) for m in self.names}
            self.next += 1

    def moments(self) -> dict[str, Moments]:
        out = dict(self.merged)
        for k in sorted(set(self.ready) | set(self.parts)):
            for m in self.names:
                if k in self.ready:
                    part = self.ready[k][m]
                else:
                    vals, ok, seen = self.parts[k]
                    part = Moments.of(vals[m][ok[m] & seen])
                out[m] = out[m].merge(part)
        return out
