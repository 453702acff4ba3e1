"""Run a simulation: resolve the spec against the model, compile, run chunks on a backend,
summarise.  Progress is reported per chunk; a cancel callback stops between chunks."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

import numpy as np

from ._external_data import log_varying_external
from .backends import Backend, ChunkResult, Job, get_backend
from .errors import CancelledError, LimitError, SpecError
from .exact_summary import expected_passes
from .model import Model
from .results import (
    OutputSummary,
    SimulationResult,
    input_ranks,
    sensitivity,
    summarize_kept,
    summarize_output,
)
from .spec import SimulationSpec
from .streaming import Moments, PassProgress, StreamSink, kept_bytes
from .text_outputs import LabelTally, TextColumn, is_text, label_counts
from .workbook import CellRef

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (trials done, total)
# after each chunk: (trials done, every output's values over those trials) -> stop now?
Stop = Callable[[int, Mapping[str, np.ndarray]], bool]
_T = TypeVar("_T")


@dataclass
class Samples:
    """Per-trial values: inputs and outputs (NaN where a trial ended in an error), float64,
    and each output's Excel error codes (uint8, 0 = none).

    A run kept in memory (the default for runs that fit) holds every trial: ``stride`` is 1.
    A streamed run (:mod:`engine.streaming`; large runs, or ``stream=True``) holds what it
    kept: ``inputs``, ``outputs`` and ``errors`` are the deterministic subsample of trials
    ``0, stride, 2*stride, ...`` (all the same length, so charts and sample exports work as
    they are); ``outputs32`` holds every trial's output as float32 (NaN for an error) and
    ``moments`` the exact running moments over every trial.
    """

    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    errors: dict[str, np.ndarray] = field(default_factory=dict)
    stride: int = 1                                   # trial t is in the arrays above iff t % stride == 0
    streamed: bool = False
    outputs32: dict[str, np.ndarray] = field(default_factory=dict)   # streamed: every trial, float32
    moments: dict[str, Moments] = field(default_factory=dict)        # streamed: exact moments
    # bounded streamed run (engine.exact_summary): exact statistics; outputs32 all-NaN stand-ins
    summaries: dict[str, OutputSummary] = field(default_factory=dict)
    # labels of the outputs that have text or logicals (engine.text_outputs), trial by trial
    # as ``outputs`` (a trial gave text where it has a label and ``errors`` is #VALUE!);
    # streamed: of the subsample, and ``tallies`` the trials per label and ``text_trials``
    # the trials that gave text, over every trial
    texts: dict[str, TextColumn] = field(default_factory=dict)
    tallies: dict[str, LabelTally] = field(default_factory=dict)
    text_trials: dict[str, int] = field(default_factory=dict)

    def labels(self, name: str) -> list[object] | None:
        """Output ``name``'s trials (those of ``outputs``) as they are shown: the label of
        a trial that gave text, else the number (NaN for an error); None when the output
        has no text."""
        col = self.texts.get(name)
        errs = self.errors.get(name)
        text = None if col is None or errs is None else is_text(errs, col)
        if text is None or not text.any():
            return None
        vals = self.outputs[name]
        out: list[object] = vals.tolist()
        for i in np.flatnonzero(text).tolist():
            k = int(col.ids[i])
            out[i] = col.strings[k] if k >= 0 else "(other)"
        return out


def prepare(model: Model, spec: SimulationSpec) -> Job:
    """Check the spec against the workbook and compile the stochastic slice.  A workbook
    built for @RISK, Analytic Solver or ModelRisk runs as :mod:`engine.addin_models` makes
    it (its own inputs, outputs and correlations added to the spec); ``job.spec`` is the
    spec run."""
    from .addin_models import for_simulation

    model, spec = for_simulation(model, spec)
    spec.validate(require_outputs=True)
    inputs = [model.ref(i.cell) for i in spec.inputs]
    outputs = [model.ref(o) for o in spec.outputs]
    for o, text in zip(outputs, spec.outputs, strict=True):
        if model.workbook.cell(o) is None:
            raise SpecError(f"output {text}: the cell is empty")
    distributions = {}
    for ref, inp in zip(inputs, spec.inputs, strict=True):
        distributions[ref] = inp.resolve(lambda text, _sheet=ref.sheet: _constant(model, text, _sheet))
    program = model.compile(inputs, outputs)
    log_varying_external(program)   # STOCKHISTORY, _FV of cells varying per trial: named
    return Job(program, distributions, spec.seed, spec.sampling, spec.trials,
               spec=spec, book=model.workbook.path)


def _constant(model: Model, text: str, sheet: str) -> float | list[float]:
    """The value of a constant cell or range used as a distribution parameter."""
    from . import ir

    node = model.node_for_reference(text, sheet)
    if isinstance(node, ir.Ref):
        cells = [node.cell]
    elif isinstance(node, ir.Area):
        cells = [c for row in node.cells() for c in row]
    else:
        raise SpecError(f"{text!r} is not a cell or range")
    values, _ = model.evaluate([c for c in cells if model.is_formula(c)])
    out = []
    for c in cells:
        if c in values:
            x = values[c].scalar()
        else:
            cell = model.workbook.cell(c)
            x = None if cell is None else cell.value
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise SpecError(f"{c} holds {x!r}, not a number usable as a distribution parameter")
        out.append(float(x))
    return out[0] if isinstance(node, ir.Ref) else out


def run_job(job: Job, backend: Backend, *, chunk_size: int | None = None,
            progress: Progress | None = None, cancel: Callable[[], bool] | None = None,
            stream: bool | None = None, stop: Stop | None = None) -> tuple[Samples, float]:
    """Run all trials in chunks; returns the samples and the elapsed seconds.

    ``stop`` (precision control, :mod:`engine.precision`) is called after each chunk with the
    trials done so far and every output's values over them (NaN for an error; float32 when
    streamed); when it returns True the run ends there and the samples hold those trials.
    With ``stop`` a streamed run's chunks run one after the other; a run kept in memory runs
    them side by side and calls ``stop`` at each chunk's end in trial order (where it stops
    does not depend on the threads' timing).

    ``stream``: True keeps only what the statistics need (float32 outputs, exact running
    moments, a subsample of the trials: see :class:`Samples` and :mod:`engine.streaming`),
    False keeps every trial's float64 inputs and outputs, None (default) streams when the
    float64 samples would take more than :data:`STREAM_ABOVE` bytes or 40% of free memory."""
    total = job.trials
    names_in = {c: str(c) for c in job.distributions}
    names_out = {c: str(c) for c in job.program.outputs}
    streamed = _streams(stream, total, len(names_in), len(names_out))
    size = chunk_size or backend.chunk_size(job)
    if streamed:
        _check_stream_memory(total, len(names_in), len(names_out))
        if chunk_size is None:
            size = _stream_chunk(size, backend.workers(job), len(names_in), len(names_out),
                                 kept_bytes(total, len(names_in), len(names_out)))
        sink = StreamSink(total, names_in, names_out, bounded=None if stop is None else False)
        log.info("streaming %d trials in chunks of %d (subsample stride %d)", total, size,
                 sink.stride)
        workers = backend.workers(job)
        # one chunk at a time: each into the same buffer (no fresh memory per chunk)
        run = _buffered(backend, job, min(size, total)) if workers == 1 else \
            partial(backend.run, job)
        reached = [total]
        after = None if stop is None else _after(stop, reached, sink.values32)
        # a bounded run's reruns count in its progress (PassProgress: total = trials x runs)
        passes = PassProgress(progress, total, expected_passes(total, len(names_out))) \
            if sink.bounded and progress is not None else None
        elapsed = _run_chunks(job, size, 1 if after else workers, run, sink.store,
                              passes or progress, cancel, after)
        if sink.bounded:  # no per-trial outputs kept: the same chunks again, exact statistics
            def rerun(store: Callable[[ChunkResult], None]) -> float:
                if passes is not None:
                    passes.start_rerun()
                return _run_chunks(job, size, workers, run, store, passes, cancel)

            elapsed += sink.finish(rerun)
            if passes is not None:
                passes.end()
        sub = -(-reached[0] // sink.stride)
        return Samples(inputs=_head(sink.sub_inputs, sub), outputs=_head(sink.sub_outputs, sub),
                       errors=_head(sink.sub_errors, sub), stride=sink.stride, streamed=True,
                       outputs32=_head(sink.values32, reached[0]),
                       moments=sink.moments(), summaries=sink.summaries,
                       texts={n: col.view(0, sub) for n, col in sink.sub_texts.items()},
                       tallies=sink.tallies, text_trials=sink.text_trials), elapsed
    _check_memory(total, len(names_in), len(names_out))
    arrays = backend.allocate(job)  # a fast backend writes every chunk straight into these
    samples = Samples(inputs={names_in[c]: a for c, a in arrays.inputs.items()},
                      outputs={names_out[c]: a for c, a in arrays.outputs.items()},
                      errors={names_out[c]: a for c, a in arrays.errors.items()})

    def run_into(start: int, count: int) -> None:
        backend.run_into(job, start, count, arrays)

    reached = [total]
    after = None if stop is None else _after(stop, reached, samples.outputs)
    elapsed = _run_chunks(job, size, backend.workers(job), run_into, None, progress, cancel,
                          after)
    samples.texts = {names_out[c]: col.view(0, reached[0]) for c, col in arrays.texts.items()}
    if reached[0] < total:
        samples = Samples(inputs=_head(samples.inputs, reached[0]),
                          outputs=_head(samples.outputs, reached[0]),
                          errors=_head(samples.errors, reached[0]), texts=samples.texts)
    return samples, elapsed


def _after(stop: Stop, reached: list[int], outputs: dict[str, np.ndarray],
           ) -> Callable[[int], bool]:
    """``stop`` as ``_run_chunks`` calls it, noting in ``reached`` where the run ended."""
    def after(done: int) -> bool:
        if stop(done, _head(outputs, done)):
            reached[0] = done
            return True
        return False
    return after


def _head(arrays: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    return {k: a[:n] for k, a in arrays.items()}


def _buffered(backend: Backend, job: Job, size: int) -> Callable[[int, int], ChunkResult]:
    """``run(start, count)`` for chunks of at most ``size`` trials that the caller is done
    with before the next one: every chunk is written into one buffer and returned as views
    of it."""
    buf = backend.allocate(job, size)

    def run(start: int, count: int) -> ChunkResult:
        buf.first = start
        backend.run_into(job, start, count, buf)
        return buf.chunk(start, count)

    return run


def _run_chunks(job: Job, size: int, workers: int, run: Callable[[int, int], _T],
                store: Callable[[_T], None] | None, progress: Progress | None,
                cancel: Callable[[], bool] | None,
                after: Callable[[int], bool] | None = None) -> float:
    """Call ``run(start, count)`` for every chunk of ``size`` trials, up to ``workers`` in
    threads, handing each result to ``store`` (in this thread) if given; returns the elapsed
    seconds."""
    total = job.trials
    t0 = time.perf_counter()
    starts = list(range(0, total, size))
    workers = min(workers, len(starts))
    done = 0
    if workers <= 1:
        for start in starts:
            if cancel is not None and cancel():
                raise CancelledError(f"cancelled after {done:,} of {total:,} trials")
            got = run(start, min(size, total - start))
            if store is not None:
                store(got)
            done += min(size, total - start)
            if progress is not None:
                progress(done, total)
            if after is not None and after(done):
                break
        return time.perf_counter() - t0
    # chunks side by side in threads, at most ``workers`` in flight; the streams are keyed by
    # trial, so the samples are the same as one after the other
    pending: dict[Future, int] = {}
    # with ``after`` (no ``store``: chunks written in place): called at each chunk's end, in
    # trial order, once every chunk before it is done, so it stops where a run one chunk
    # after the other would (chunks done beyond that are dropped)
    finished: dict[int, int] = {}
    prefix = [0]

    def tracked(start: int, count: int) -> _T:
        got = run(start, count)
        finished[start] = count
        return got

    def stop_now() -> bool:
        while after is not None and prefix[0] in finished:
            prefix[0] += finished[prefix[0]]
            if after(prefix[0]):
                return True
        return False

    with ThreadPoolExecutor(workers, thread_name_prefix="mcdesk-chunk") as pool:
        try:
            for start in starts:
                if cancel is not None and cancel():
                    raise CancelledError(f"cancelled after {done:,} of {total:,} trials")
                count = min(size, total - start)
                pending[pool.submit(tracked if after else run, start, count)] = count
                if len(pending) >= workers:
                    done += _collect(pending, store, progress, done, total)
                    if after is not None and stop_now():
                        return time.perf_counter() - t0
            while pending:
                done += _collect(pending, store, progress, done, total)
                if after is not None and stop_now():
                    break
        finally:
            for f in pending:
                f.cancel()
    return time.perf_counter() - t0


STREAM_ABOVE = 1 << 30  # bytes of float64 samples above which a run streams by default


def _sample_bytes(trials: int, inputs: int, outputs: int) -> int:
    """Bytes of every trial's float64 inputs and outputs and uint8 error codes."""
    return trials * (8 * inputs + 9 * outputs)


def _streams(stream: bool | None, trials: int, inputs: int, outputs: int) -> bool:
    if stream is not None:
        return bool(stream)
    need = _sample_bytes(trials, inputs, outputs)
    free = available_memory()
    return need > STREAM_ABOVE or (free is not None and need > 0.4 * free)


def _stream_chunk(size: int, workers: int, inputs: int, outputs: int, kept: int) -> int:
    """``size`` trials per chunk, or fewer when free memory (beyond what the run keeps) would
    not hold a quarter of ``workers`` chunks in flight; a backend's temporaries are taken as
    four times the chunk's result."""
    free = available_memory()
    if free is None:
        return size
    per_trial = 4 * (8 * inputs + 9 * outputs + 16) * max(workers, 1)
    fits = int(max(free - kept, 0) * 0.25) // per_trial
    return int(min(size, max(fits, 1 << 12)))


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation, where the system says (else None)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_stream_memory(trials: int, inputs: int, outputs: int) -> None:
    """A streamed run keeps 4 bytes per output per trial and a subsample: refuse, before
    starting, one that would not fit in memory."""
    _refuse_beyond_memory(trials, kept_bytes(trials, inputs, outputs), 4 * outputs,
                          f"float32 outputs ({outputs} outputs)")


def _check_memory(trials: int, inputs: int, outputs: int) -> None:
    """The run keeps every trial's inputs and outputs: refuse, before starting, a run whose
    samples would not fit in memory (rather than be killed by the system half-way)."""
    _refuse_beyond_memory(trials, _sample_bytes(trials, inputs, outputs), 8 * inputs + 9 * outputs,
                          f"samples ({inputs} inputs, {outputs} outputs)")


def _refuse_beyond_memory(trials: int, need: int, per_trial: int, what: str) -> None:
    """LimitError when ``need`` bytes exceed 60% of free memory, saying how many trials (of
    ``per_trial`` bytes) would fit."""
    free = available_memory()
    if free is not None and need > 0.6 * free:
        most = int(0.6 * free / max(per_trial, 1))
        raise LimitError(f"{trials:,} trials keep {need / 2**30:.1f} GB of {what} but "
                         f"{free / 2**30:.1f} GB of memory is free; run at most about "
                         f"{most:,} trials")


def _collect(pending: dict[Future, int], store: Callable[[_T], None] | None,
             progress: Progress | None, done: int, total: int) -> int:
    """Wait for the first finished chunk(s), store them, report progress; trials done."""
    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
    n = 0
    for f in finished:
        got = f.result()
        if store is not None:
            store(got)
        n += pending.pop(f)
        if progress is not None:
            progress(done + n, total)
    return n


def simulate(model: Model, spec: SimulationSpec, *, backend: str | Backend = "auto",
             chunk_size: int | None = None, progress: Progress | None = None,
             cancel: Callable[[], bool] | None = None, stream: bool | None = None,
             stop: Stop | None = None) -> SimulationResult:
    """Run ``spec`` on ``model`` and summarise the outputs (statistics, sensitivity, ...).
    ``stream``: see :func:`run_job` (None: large runs stream, small ones keep every trial);
    ``stop``: end early (see :func:`run_job`); the result is of the trials done.  A spec with
    ``precision`` targets runs until they are met (:mod:`engine.precision`), its ``trials``
    the cap, and reports in ``result.precision``."""
    from .addin_models import for_simulation

    be = get_backend(backend) if isinstance(backend, str) else backend
    model, spec = for_simulation(model, spec)
    job = prepare(model, spec)
    monitor = None
    if stop is None and spec.precision is not None:
        from .precision import monitor_for

        stop = monitor = monitor_for(model, spec)
        chunk_size = chunk_size or spec.precision.check_every
    samples, elapsed = run_job(job, be, chunk_size=chunk_size, progress=progress, cancel=cancel,
                               stream=stream, stop=stop)
    done = len(next(iter(samples.outputs32.values()))) if samples.streamed else \
        len(next(iter(samples.outputs.values())))
    if done < job.trials:
        job = replace(job, trials=done)
    result = summarize(job, samples, elapsed, be.name)
    result.compile_s = float(be.compile_seconds())
    result.correlation_adjustments = spec.correlation_adjustments
    if monitor is not None:
        result.precision = monitor.report()
    return result


def summarize(job: Job, samples: Samples, elapsed: float, backend_name: str) -> SimulationResult:
    outputs = {}
    shared = None  # the inputs sorted once (engine.results.InputRanks), for every output
    for name, vals in samples.outputs.items():
        errs = samples.errors[name]
        ok = errs == 0
        if samples.streamed:  # statistics over every trial; sensitivity over the subsample
            m = samples.moments[name]
            text = samples.text_trials.get(name, 0)
            summary = samples.summaries.get(name)
            if summary is not None:  # engine.exact_summary counts every other trial an error
                summary = replace(summary, errors=max(int(summary.errors) - text, 0))
            else:
                summary = summarize_kept(samples.outputs32[name], m, job.trials - m.count - text)
            tally = samples.tallies.get(name)
            counts, other = (tally.counts, tally.other) if tally is not None else ({}, 0)
        else:
            text = int(np.count_nonzero(is_text(errs, samples.texts.get(name))))
            summary = summarize_output(vals[ok], int((~ok).sum()) - text)
            counts, other = label_counts(samples.texts.get(name))
        if counts or other:
            summary.set_labels(counts, other, text)
        if samples.inputs and ok.any():  # the inputs sorted once, for every output
            shared = shared if shared is not None else input_ranks(samples.inputs)
            summary.sensitivity = sensitivity(samples.inputs, vals, shared, ok=ok)
        outputs[name] = summary
    result = SimulationResult(
        trials=job.trials, seed=job.seed, backend=backend_name, sampling=job.sampling,
        elapsed_s=elapsed, trials_per_s=job.trials / elapsed if elapsed > 0 else float("inf"),
        outputs=outputs)
    result.samples = samples
    return result


def input_cells(job: Job) -> list[CellRef]:
    return list(job.distributions)
