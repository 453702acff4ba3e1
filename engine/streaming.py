"""Runs larger than memory: keep per trial only what the statistics need.

A streamed run never holds a trial's float64 inputs and outputs all at once.  Chunk by chunk
(see :func:`engine.simulate.run_job`) it keeps:

* **exact running moments** of each output (count, mean, sum of squared deviations, min,
  max) from the float64 values of the chunk: :class:`Moments`, merged with the pairwise
  update of Chan, Golub & LeVeque (1979).  Chunks are merged in trial order whatever order
  they finished in, so the numbers do not depend on how many threads ran them;
* **every trial's output as float32** (NaN where the trial ended in an Excel error), for the
  percentiles, the histogram and the convergence curve: 4 bytes per output per trial;
* **a deterministic subsample** of the trials, float64, for sensitivity (Spearman) and for
  charts and sample exports: trial ``t`` is kept when ``t % stride == 0``, with ``stride``
  the smallest that keeps at most :data:`SUBSAMPLE_MAX` trials.  The subsample depends only
  on the trial count, never on the chunking.

10^8 trials of 3 outputs keep 1.2 GB of float32 outputs plus a few hundred MB of subsample.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from .backends import ChunkResult
from .workbook import CellRef

log = logging.getLogger(__name__)

__all__ = ["SUBSAMPLE_MAX", "Moments", "StreamSink", "kept_bytes", "stride_for"]

SUBSAMPLE_MAX = 1 << 20  # trials kept in float64 (inputs and outputs) by a streamed run


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


def kept_bytes(trials: int, inputs: int, outputs: int, keep: int = SUBSAMPLE_MAX) -> int:
    """Memory a streamed run keeps: float32 outputs of every trial, the float64 subsample."""
    sub = -(-int(trials) // stride_for(trials, keep))
    return int(trials) * 4 * outputs + sub * (8 * inputs + 9 * outputs)


class StreamSink:
    """Receives the chunks of a streamed run (in any order) and keeps what is described in
    the module docstring.  Not thread-safe: call :meth:`store` from one thread."""

    def __init__(self, total: int, inputs: dict[CellRef, str], outputs: dict[CellRef, str],
                 keep: int = SUBSAMPLE_MAX) -> None:
        self.total = int(total)
        self.names_in = inputs
        self.names_out = outputs
        self.stride = stride_for(total, keep)
        sub = -(-self.total // self.stride)
        self.values32 = {n: np.empty(self.total, dtype=np.float32) for n in outputs.values()}
        self.sub_inputs = {n: np.empty(sub) for n in inputs.values()}
        self.sub_outputs = {n: np.empty(sub) for n in outputs.values()}
        self.sub_errors = {n: np.empty(sub, dtype=np.uint8) for n in outputs.values()}
        self._moments: dict[str, list[tuple[int, Moments]]] = {n: [] for n in outputs.values()}

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
            self._moments[name].append((a, Moments.of(vals if ok.all() else vals[ok])))
            out = self.values32[name][a:b]
            with np.errstate(over="ignore"):  # beyond float32: +-inf (see summarize_kept)
                out[:] = vals
            out[~ok] = np.nan
            self.sub_outputs[name][dest] = vals[local]
            self.sub_errors[name][dest] = errs[local]

    def moments(self) -> dict[str, Moments]:
        """Every output's moments, chunks merged in trial order (so the same whatever order
        the chunks were stored in)."""
        out = {}
        for name, parts in self._moments.items():
            m = Moments()
            for _, part in sorted(parts, key=lambda p: p[0]):
                m = m.merge(part)
            out[name] = m
        return out
