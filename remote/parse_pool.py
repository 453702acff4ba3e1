"""Workbooks parsed and compiled in child processes, so that a flood of large uploads does not
hold the service's GIL: the event loop and the jobs running in the service keep their share
of the CPU (issue 17's "hammer" case: a victim's latency 5x idle while another subject's
workbooks were parsed in the service's own threads).

:class:`ParsePool` is a process pool of ``MCDESK_PARSE_SLOTS`` workers (spawned: no copy of
the service's threads or sockets), each worker recycled after :data:`TASKS_PER_WORKER`
workbooks.  A worker opens the workbook with the service's limits, compiles the spec and
sends back the compiled job (cloudpickle) with the parsed model it refers to, which the
service's cache keeps (weighed, and dropped, as a model parsed in the service would be), so
that later specs on the same workbook (a new seed) compile without parsing again; its sheets
travel column by column (:func:`dumps`), as loading them cell by cell held the service's GIL
for seconds.  Workers run at a lower scheduling priority
(:data:`NICE`): when the CPUs are short, the service's requests and running jobs go first.  The engine's errors come back as they were raised; a
worker that dies (out of memory) is one clear error and a fresh pool.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import pickle
import threading
from collections import ChainMap
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import fields
from pathlib import Path
from typing import Any

from engine.backends import Job
from engine.errors import McdeskError
from engine.model import Model
from engine.workbook import Cell, Limits, Sheet

from .errors import RemoteSpecError

log = logging.getLogger(__name__)

__all__ = ["ParsePool"]

TASKS_PER_WORKER = 32     # a worker is replaced after this many workbooks (memory back)
NICE = 10                 # parse workers' scheduling priority below the service's


def _prepare(path: str, limits: Limits, spec: dict) -> bytes:
    """In the worker: parse and compile; (job, model) cloudpickled (the job's program
    refers to the model: one copy of it travels)."""
    from engine.simulate import prepare
    from engine.spec import SimulationSpec

    try:
        model = Model.open(Path(path), limits)
        job = prepare(model, SimulationSpec.from_dict(spec))
    except McdeskError as exc:
        try:  # an error that does not survive pickling comes back as its message
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001
            raise McdeskError(str(exc)) from None
        raise
    return dumps((job, model))


def _rebuild_sheet(state: dict, keys: list, columns: tuple) -> Sheet:
    return Sheet(cells=dict(zip(keys, map(Cell, *columns), strict=True)), **state)


def _reduce_sheet(sheet: Sheet) -> tuple:
    """A sheet as its fields and its cells column by column (one list per Cell field):
    pickled and unpickled without a pickle record per cell (a 300,000-cell sheet: 2.9 s to
    dump, 2.7 s to load under the service's GIL cell by cell; 0.35 s and 1.4 s this way)."""
    cells = list(sheet.cells.values())
    state = {f.name: getattr(sheet, f.name) for f in fields(Sheet) if f.name != "cells"}
    columns = tuple([getattr(c, f.name) for c in cells] for f in fields(Cell))
    return _rebuild_sheet, (state, list(sheet.cells), columns)


def dumps(obj: Any) -> bytes:
    """``obj`` cloudpickled, its workbook's sheets column by column (:func:`_reduce_sheet`)."""
    import cloudpickle

    class Pickler(cloudpickle.CloudPickler):
        dispatch_table = ChainMap({Sheet: _reduce_sheet}, cloudpickle.CloudPickler.dispatch_table)

    buf = io.BytesIO()
    Pickler(buf).dump(obj)
    return buf.getvalue()


def _noop() -> int:
    return 0


def _lower_priority(nice: int) -> None:
    """In each worker: yield the CPU to the service (its requests and running jobs) when
    both want it; parsing an upload is the work that may wait."""
    try:
        os.nice(nice)
    except OSError as exc:  # pragma: no cover - not permitted: parse at the same priority
        log.info("parse worker: could not lower its priority (%r)", exc)


class ParsePool:
    """Child processes that parse and compile workbooks (see the module docstring)."""

    def __init__(self, slots: int) -> None:
        self.slots = max(int(slots), 1)
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.slots, mp_context=multiprocessing.get_context("spawn"),
                    max_tasks_per_child=TASKS_PER_WORKER, initializer=_lower_priority,
                    initargs=(NICE,))
            return self._pool

    def warm(self) -> None:
        """Start the workers now (each imports the engine: a second or two)."""
        pool = self._executor()
        for _ in range(self.slots):
            pool.submit(_noop)

    def prepare(self, path: Path, limits: Limits, spec: dict) -> tuple[Job, Model]:
        """The compiled job of ``spec`` on the workbook at ``path``, and its model."""
        import cloudpickle

        try:
            blob = self._executor().submit(_prepare, str(path), limits, spec).result()
        except BrokenProcessPool:
            log.warning("a parse worker died (out of memory?); starting a fresh pool")
            with self._lock:
                broken, self._pool = self._pool, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            raise RemoteSpecError("the workbook could not be read: the process parsing it "
                                  "stopped (too large for this service?)") from None
        job, model = cloudpickle.loads(blob)
        return job, model

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def __getstate__(self) -> Any:  # never shipped to a worker
        raise TypeError("ParsePool is not picklable")
