"""The numpy backend: the readable reference every other backend must match.

It draws each input's uniforms from its counter-based stream, maps them through the inverse
CDF, then evaluates the compiled cells of the stochastic slice in dependency order, each as
array operations over all the trials of the chunk.
"""

from __future__ import annotations

import os

import numpy as np

from ...compiler import stream_id
from ...sampling import draw
from ...text_outputs import NO_LABEL, TextColumn, boolean_column, factorize
from ...values import VALUE, Kind, Vec, to_number
from ..base import Backend, ChunkResult, Job


def draw_inputs(job: Job, start: int, count: int) -> dict:
    """Input samples for trials ``start`` .. ``start + count - 1``."""
    out = {}
    for cell, dist in job.distributions.items():
        u = draw(job.seed, stream_id(cell), start, count, job.trials, job.sampling)
        out[cell] = np.asarray(dist.ppf(u), dtype=np.float64)
    return out


def output_arrays(v: Vec, count: int) -> tuple[np.ndarray, np.ndarray]:
    """An output cell's values as float64 (NaN where not numeric) and its error codes (text
    counted as #VALUE!; see :func:`output_columns` for its labels)."""
    vals, err, _ = output_columns(v, count)
    return vals, err


def output_columns(v: Vec, count: int) -> tuple[np.ndarray, np.ndarray, TextColumn | None]:
    """An output cell's values as float64 (NaN where not numeric), its error codes (text
    #VALUE!, as it always was) and its labels (None when it has none): each trial's text,
    and TRUE/FALSE for a logical (which stays a number, 1/0), :mod:`engine.text_outputs`."""
    err = np.zeros(count, dtype=np.uint8)
    if v.err is not None:
        err[:] = v.err
    text = None
    if v.kind in (Kind.NUM, Kind.BOOL, Kind.BLANK):
        x, _ = to_number(v)
        vals = np.broadcast_to(x, (count,)).astype(np.float64, copy=True)
        if v.kind == Kind.BOOL:
            text = boolean_column(vals, err == 0)
    else:
        data = np.broadcast_to(v.data, (count,))
        # a blank (a formula showing an empty cell) is 0, as Excel shows it and as a chunk
        # whose trials are all blank (Kind.BLANK) stores it
        vals = np.array([0.0 if x is None else float(x) if isinstance(x, int | float)
                         else np.nan for x in data])
        is_text = np.array([isinstance(x, str) for x in data], dtype=bool)
        is_bool = np.array([isinstance(x, bool | np.bool_) for x in data], dtype=bool)
        labelled = (err == 0) & (is_text | is_bool)
        if labelled.any():
            ids = np.full(count, NO_LABEL, dtype=np.int32)
            shown = np.array(["TRUE" if x is True or x is np.True_ else
                              "FALSE" if isinstance(x, bool | np.bool_) else x
                              for x in data], dtype=object) if is_bool.any() else data
            text = TextColumn(ids, factorize(shown, ids, labelled))
        # text results are not numbers: #VALUE! in the error codes (their labels beside)
        err = np.where((err == 0) & is_text, VALUE, err).astype(np.uint8)
    vals[err != 0] = np.nan
    return vals, err, text


class NumpyBackend(Backend):
    name = "numpy"

    def chunk_size(self, job: Job) -> int:
        # ~ 16 bytes per trial per cell of the slice; keep a chunk near 128 MB (one per worker)
        cells = max(len(job.program.steps) + len(job.distributions), 1)
        size = (128 << 20) // (16 * cells)
        return int(min(max(size, 1 << 12), 1 << 20))

    def workers(self, job: Job) -> int:
        # numpy and scipy.special release the GIL inside their loops: chunks run side by side
        return max(1, min(os.cpu_count() or 1, 8))

    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        inputs = draw_inputs(job, start, count)

        def rand(stream: int) -> np.ndarray:
            return draw(job.seed, stream, start, count, job.trials, job.sampling)

        values = job.program.run(inputs, count, rand)
        res = ChunkResult(start, count, inputs=inputs)
        for cell, v in values.items():
            res.outputs[cell], res.errors[cell], text = output_columns(v, count)
            if text is not None:
                res.texts[cell] = text
        return res
