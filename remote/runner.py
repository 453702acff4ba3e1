"""How one job runs its trial range: :class:`RangeBackend` shifts a backend's trials,
:class:`PreparedCache` keeps parsed workbooks and compiled jobs, so the shards of one run
parse and compile the workbook once, and :func:`precision_monitor` makes a whole-run job whose
spec holds ``precision`` stop where the local run stops (:mod:`engine.precision`)."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from engine.backends import Backend, ChunkResult, Job, RunArrays
from engine.model import Model
from engine.precision import PrecisionMonitor
from engine.sampling import Sampling
from engine.simulate import prepare
from engine.spec import SimulationSpec

from .errors import RemoteSpecError


def _cell_text(text: str) -> str:
    return str(text).replace("$", "").strip().upper()


def precision_monitor(job: Job) -> PrecisionMonitor | None:
    """The ``stop`` of a job whose spec holds ``precision`` targets (None without them): the
    monitor :func:`engine.simulate.simulate` makes for the same spec, each target's output
    named as the run names it (matched against the spec's outputs, which the compiled
    program keeps in order).  RemoteSpecError for Latin hypercube sampling or a target that
    is not an output of the run."""
    spec = job.spec
    if spec is None or spec.precision is None:
        return None
    if spec.sampling != Sampling.MC:
        raise RemoteSpecError("precision control needs Monte Carlo sampling (sampling 'mc'): "
                              "Latin hypercube strata depend on the trial count")
    names: dict[str, str] = {}
    if len(spec.outputs) == len(job.program.outputs):
        for text, ref in zip(spec.outputs, job.program.outputs, strict=True):
            names[_cell_text(text)] = str(ref)
    names.update({_cell_text(str(ref)): str(ref) for ref in job.program.outputs})
    keys = []
    for t in spec.precision.targets:
        key = names.get(_cell_text(t.output))
        if key is None:
            raise RemoteSpecError(f"precision {t.text()}: {t.output} is not an output of the run "
                                  f"(outputs: {', '.join(spec.outputs) or 'none'})")
        keys.append(key)
    return PrecisionMonitor(spec.precision, job.trials, keys)


class RangeBackend(Backend):
    """Runs trials ``offset ..`` of ``full`` (the whole run, for the Latin hypercube strata)
    while run_job sees a job of ``count`` trials starting at 0."""

    def __init__(self, inner: Backend, full: Job, offset: int) -> None:
        self.inner, self.full, self.offset = inner, full, offset
        self.name = inner.name

    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        chunk = self.inner.run(self.full, self.offset + start, count)
        self.name = self.inner.name
        return dataclasses.replace(chunk, start=start)

    def allocate(self, job: Job, trials: int | None = None) -> RunArrays:
        return self.inner.allocate(self.full, job.trials if trials is None else trials)

    def run_into(self, job: Job, start: int, count: int, arrays: RunArrays) -> None:
        # the inner backend numbers trials as the full run does: the same arrays, shifted
        shifted = dataclasses.replace(arrays, first=arrays.first + self.offset)
        self.inner.run_into(self.full, self.offset + start, count, shifted)
        self.name = self.inner.name

    def chunk_size(self, job: Job) -> int:
        return self.inner.chunk_size(self.full)

    def workers(self, job: Job) -> int:
        return self.inner.workers(self.full)

    def compile_seconds(self) -> float:
        return self.inner.compile_seconds()

    def close(self) -> None:
        self.inner.close()


class PreparedCache:
    """Parsed workbooks by content hash, compiled jobs by (hash, spec): the shards of one run
    parse and compile the workbook once.  At most ``size`` entries, and parsed workbooks of
    at most ``max_bytes`` together (``weigh(model)``: their estimated memory); one parse per
    workbook at a time (a second submission of the same file waits for the first's)."""

    def __init__(self, size: int = 8, max_bytes: int | None = None,
                 weigh: Callable[[Model], int] = lambda m: 0) -> None:
        self.size, self.max_bytes, self.weigh = size, max_bytes, weigh
        self.lock = threading.Lock()
        self.models: OrderedDict[str, tuple[Model, threading.Lock, int]] = OrderedDict()
        self.jobs: OrderedDict[tuple[str, str], Job] = OrderedDict()
        self.opening: dict[str, threading.Lock] = {}

    def _put(self, d: OrderedDict, key: Any, value: Any) -> None:
        d[key] = value
        d.move_to_end(key)
        while len(d) > self.size:
            d.popitem(last=False)

    def _trim(self) -> None:
        """Drop the least recently used workbooks beyond the count and the bytes (the one
        just added stays)."""
        while len(self.models) > self.size or (
                self.max_bytes is not None and len(self.models) > 1
                and sum(w for _, _, w in self.models.values()) > self.max_bytes):
            digest, _ = self.models.popitem(last=False)
            for key in [k for k in self.jobs if k[0] == digest]:
                del self.jobs[key]

    def _model(self, digest: str, open_model: Callable[[], Model]
               ) -> tuple[Model, threading.Lock, int]:
        with self.lock:
            opening = self.opening.setdefault(digest, threading.Lock())
        try:
            with opening:  # one parse of a workbook at a time; the others take its result
                with self.lock:
                    entry = self.models.get(digest)
                    if entry is not None:
                        self.models.move_to_end(digest)
                        return entry
                model = open_model()
                entry = (model, threading.Lock(), int(self.weigh(model)))
                with self.lock:
                    self.models[digest] = entry
                    self._trim()
                return entry
        finally:
            with self.lock:
                if not opening.locked():
                    self.opening.pop(digest, None)

    def job(self, digest: str, spec: SimulationSpec, open_model: Callable[[], Model],
            gate: Callable[[], AbstractContextManager] = nullcontext,
            elsewhere: Callable[[], tuple[Job, Model | None]] | None = None) -> Job:
        """The compiled job of ``spec`` on the workbook ``digest``.  A workbook not parsed
        yet is parsed and compiled inside ``gate()`` (a parse slot): by ``elsewhere()`` when
        given (another process: the compiled job and the parsed model, kept here as if parsed
        here), else here; one parsed already is compiled for a new spec (a new
        seed) without waiting for a slot: one compile of a workbook at a time."""
        key = (digest, json.dumps(spec.to_dict(), sort_keys=True))
        with self.lock:
            if key in self.jobs:
                self.jobs.move_to_end(key)
                return self.jobs[key]
            parsed = digest in self.models
        if not parsed and elsewhere is not None:
            return self._job_elsewhere(key, digest, elsewhere, gate)
        with nullcontext() if parsed else gate():
            model, model_lock, _ = self._model(digest, open_model)
            with model_lock:  # the model caches compiled cells: one compile at a time
                job = prepare(model, spec)
        with self.lock:
            self._put(self.jobs, key, job)
        return job

    def _job_elsewhere(self, key: tuple[str, str], digest: str,
                       elsewhere: Callable[[], tuple[Job, Model | None]],
                       gate: Callable[[], AbstractContextManager]) -> Job:
        """One ``elsewhere()`` per workbook at a time: the shards of a run submitted at once
        wait for the first's job."""
        with self.lock:
            opening = self.opening.setdefault(digest, threading.Lock())
        try:
            with opening:
                with self.lock:
                    if key in self.jobs:
                        return self.jobs[key]
                with gate():
                    job, model = elsewhere()
                with self.lock:
                    if model is not None and digest not in self.models:
                        self.models[digest] = (model, threading.Lock(), int(self.weigh(model)))
                        self._trim()
                    self._put(self.jobs, key, job)
                return job
        finally:
            with self.lock:
                if not opening.locked():
                    self.opening.pop(digest, None)
