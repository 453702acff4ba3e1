"""How one job runs its trial range: :class:`RangeBackend` shifts a backend's trials, and
:class:`PreparedCache` keeps parsed workbooks and compiled jobs, so the shards of one run
parse and compile the workbook once."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from engine.backends import Backend, ChunkResult, Job, RunArrays
from engine.model import Model
from engine.simulate import prepare
from engine.spec import SimulationSpec


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
    parse and compile the workbook once."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.models: OrderedDict[str, tuple[Model, threading.Lock]] = OrderedDict()
        self.jobs: OrderedDict[tuple[str, str], Job] = OrderedDict()

    def _put(self, d: OrderedDict, key: Any, value: Any) -> None:
        d[key] = value
        d.move_to_end(key)
        while len(d) > self.size:
            d.popitem(last=False)

    def job(self, digest: str, spec: SimulationSpec, open_model: Callable[[], Model]) -> Job:
        key = (digest, json.dumps(spec.to_dict(), sort_keys=True))
        with self.lock:
            if key in self.jobs:
                self.jobs.move_to_end(key)
                return self.jobs[key]
            entry = self.models.get(digest)
        if entry is None:
            entry = (open_model(), threading.Lock())
            with self.lock:
                entry = self.models.setdefault(digest, entry)
                self.models.move_to_end(digest)
        model, model_lock = entry
        with model_lock:  # the model caches compiled cells: one compile at a time
            job = prepare(model, spec)
        with self.lock:
            self._put(self.jobs, key, job)
            while len(self.models) > self.size:
                self.models.popitem(last=False)
        return job
