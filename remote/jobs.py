"""The service's jobs: admission (queue and per-token limits), running on a fixed number of
slots, progress, cancellation, orphan clean-up and expiry.

A job runs trials ``start .. start + count - 1`` of a spec, so a client can shard a run over
several jobs (and replicas): streams are keyed by (seed, input, trial), so the shards' samples
are those of the single run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from engine.backends import Backend, Job, get_backend
from engine.errors import CancelledError, LimitError, McdeskError
from engine.model import Model
from engine.simulate import run_job, summarize
from engine.spec import SimulationSpec
from engine.workbook import Limits

from . import gpu
from .admission import (
    FairQueue,
    JobMemory,
    MemoryLedger,
    ParseGate,
    ParseQueueFullError,
    current_rss,
    gib,
    model_bytes,
    parse_bytes,
    plan_job,
)
from .dask_pool import DaskPool
from .errors import BusyError, JobNotFoundError, MemoryBudgetError, RemoteSpecError
from .parse_pool import ParsePool
from .runner import PreparedCache, RangeBackend, precision_monitor
from .settings import Settings
from .store import ResultStore, valid_id

log = logging.getLogger(__name__)


class State(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (State.QUEUED, State.RUNNING)
DEFAULT_CHUNK = 1 << 20  # trials per chunk assumed by the memory estimate without MCDESK_BATCH_TRIALS
# the engine's Limits fields the service sets, and the variables that raise them
LIMIT_VARS = {"max_file_bytes": "MCDESK_MAX_UPLOAD_BYTES", "max_cells": "MCDESK_MAX_CELLS",
              "max_uncompressed_bytes": "MCDESK_MAX_UNCOMPRESSED_BYTES"}
SAMPLES = ("none", "all", "outputs")  # what a job keeps of its per-trial values
REPLICA = socket.gethostname()  # several replicas may share one results volume


@dataclass
class JobRecord:
    id: str
    owner: str
    trials: int            # of the whole run (the spec's)
    start: int             # first trial this job runs
    count: int             # trials this job runs
    samples: str           # per-trial values kept for the client: none, all, outputs
    state: State = State.QUEUED
    done: int = 0
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    expires: float | None = None
    last_seen: float = field(default_factory=time.time)
    error: str | None = None
    retryable: bool = False
    backend: str | None = None
    elapsed_s: float | None = None
    compile_s: float | None = None
    replica: str = field(default_factory=lambda: REPLICA)
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def public(self) -> dict[str, Any]:
        """The status a client sees (and meta.json holds)."""
        return {
            "id": self.id, "state": self.state.value, "trials": self.trials, "start": self.start,
            "count": self.count, "done": self.done,
            "progress": self.done / self.count if self.count else 1.0,
            "samples": self.samples, "created": self.created, "started": self.started,
            "finished": self.finished, "expires": self.expires, "error": self.error,
            "retryable": self.retryable, "backend": self.backend, "elapsed_s": self.elapsed_s,
            "compile_s": self.compile_s, "cancel_requested": self.cancel.is_set(),
        }

    def meta(self) -> dict[str, Any]:
        return {**self.public(), "owner": self.owner, "last_seen": self.last_seen,
                "replica": self.replica}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> JobRecord:
        names = {f.name for f in dataclasses.fields(cls)} - {"cancel", "state"}
        rec = cls(**{k: v for k, v in meta.items() if k in names})
        rec.state = State(meta["state"])
        if isinstance(rec.samples, bool):
            rec.samples = "all" if rec.samples else "none"
        return rec


class JobManager:
    """Admits, runs, reports and cleans up jobs.  Thread-safe; the routes call it from
    worker threads (parsing a workbook takes a while).

    The job pool has ``slots`` threads: that is the semaphore sized from free VRAM (or the
    CPUs), so at most ``slots`` jobs hold the GPU at once; the rest wait in the queue, which
    is bounded by MCDESK_QUEUE_SIZE.
    """

    def __init__(self, settings: Settings, capacity: gpu.Capacity | None = None) -> None:
        self.settings = settings
        self.capacity = capacity or gpu.capacity(settings.gpu_slots)
        self.slots = self.capacity.slots
        self.store = ResultStore(settings.results_dir)
        self.lock = threading.RLock()
        self.jobs: dict[str, JobRecord] = {}
        self.pool = ThreadPoolExecutor(self.slots, thread_name_prefix="mcdesk-job")
        self.waiting = FairQueue()  # admitted jobs, taken round-robin across subjects
        self.parsing: dict[str, int] = {}  # submissions being parsed (or waiting to), by subject
        self.submitting: set[str] = set()  # their job ids (folders made, not admitted yet)
        self.uploading: dict[str, int] = {}  # submissions whose body is being read, by subject
        self.gate = ParseGate(settings.parse_slots, settings.parse_queue, self.retry_after())
        # the budget, less what the service holds idle, is shared: a quarter for parsed
        # workbooks kept for later shards, the rest for parses and jobs in flight
        usable = max(settings.memory_budget - current_rss(), settings.memory_budget // 4)
        self.cache = PreparedCache(max_bytes=usable // 4, weigh=model_bytes)
        self.ledger = MemoryLedger(usable - usable // 4)
        self.counters: dict[str, float] = {"submitted": 0, "trials": 0, "rejected_queue": 0,
                                           "rejected_token": 0, "rejected_upload": 0,
                                           "rejected_auth": 0, "rejected_memory": 0,
                                           "rejected_parse": 0, "refusals_held": 0}
        self.finished_by_state: dict[str, int] = {s.value: 0 for s in State if s not in ACTIVE}
        self.last_rate = 0.0
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        self.dask = DaskPool(settings)  # large jobs, when a cluster is configured
        # workbooks parsed in child processes (MCDESK_PARSE_PROCESSES=0: in this one)
        self.parser = ParsePool(settings.parse_slots) if settings.parse_processes else None
        self._recover()

    # ----------------------------------------------------------------- life cycle
    def _recover(self) -> None:
        """Jobs found on disk: finished ones are served again; ones this replica had queued
        or running when it stopped are marked failed and retryable.  Active jobs of other
        replicas sharing the volume are theirs (and cleaned up by age if they died)."""
        now = time.time()
        for meta in self.store.load_all():
            try:
                rec = JobRecord.from_meta(meta)
            except (KeyError, TypeError, ValueError):
                log.warning("ignoring unreadable job meta %r", meta.get("id"))
                continue
            if rec.state in ACTIVE and rec.replica != REPLICA:
                continue
            if rec.state in ACTIVE:
                rec.replica = REPLICA
                rec.state, rec.retryable, rec.finished = State.FAILED, True, now
                rec.error = "the service restarted while the job was queued or running; submit it again"
                rec.expires = now + self.settings.result_ttl_s
                self.store.write_meta(rec.id, rec.meta())
            self.jobs[rec.id] = rec
        if self.jobs:
            log.info("recovered %d job(s) from %s", len(self.jobs), self.store.root)

    def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = threading.Thread(target=self._sweep_loop, name="mcdesk-sweeper",
                                             daemon=True)
            self._sweeper.start()
            if self.parser is not None:
                self.parser.warm()

    def stop(self) -> None:
        """Shut down (SIGTERM, a rolling update): running jobs stop at their next chunk and
        are reported failed and retryable, so their clients submit them again elsewhere."""
        self._stop.set()
        with self.lock:
            waiting = [r for r in self.jobs.values() if r.state is State.QUEUED]
            self.waiting = FairQueue()
            for rec in self.jobs.values():
                if rec.state in ACTIVE:
                    rec.cancel.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.dask.close()
        if self.parser is not None:
            self.parser.close()
        for rec in waiting:  # never started: the next replica (or this one restarted) takes it
            if rec.state is State.QUEUED:
                rec.error = "the service shut down before the job started; submit it again"
                rec.retryable = True
                self._finish(rec, State.FAILED)

    @property
    def sweep_period(self) -> float:
        return max(0.2, min(30.0, self.settings.result_ttl_s / 4,
                            self.settings.orphan_timeout_s / 4))

    def _sweep_loop(self) -> None:
        while not self._stop.wait(self.sweep_period):
            try:
                self.sweep()
                self.sweep_disk()
            except Exception:  # noqa: BLE001 - the sweeper must keep going
                log.exception("sweep failed")

    def sweep(self, now: float | None = None) -> None:
        """Cancel jobs nobody asked about for the orphan time-out; delete expired results."""
        now = time.time() if now is None else now
        with self.lock:
            records = list(self.jobs.values())
        for rec in records:
            if rec.state in ACTIVE and now - rec.last_seen > self.settings.orphan_timeout_s:
                log.info("job %s: no client for %.0f s, cancelling", rec.id, now - rec.last_seen)
                rec.error = (f"cancelled: no client asked about the job for "
                             f"{self.settings.orphan_timeout_s:.0f} s")
                self._cancel(rec)
            elif rec.state not in ACTIVE and rec.expires is not None and now > rec.expires:
                log.info("job %s: result expired", rec.id)
                with self.lock:
                    self.jobs.pop(rec.id, None)
                self.store.delete(rec.id)

    def sweep_disk(self) -> None:
        """Keep this replica's active jobs' folders fresh, and delete folders nobody has
        touched for the TTL plus the orphan time-out (jobs of a replica that died)."""
        with self.lock:
            mine = [r for r in self.jobs.values() if r.state in ACTIVE]
            known = set(self.jobs) | self.submitting  # a parse may outlast the TTL
        for rec in mine:
            self.store.touch(rec.id)
            if self.store.cancel_requested(rec.id):  # DELETE through another replica
                self._cancel(rec)
        limit = self.settings.result_ttl_s + self.settings.orphan_timeout_s
        for job_id in self.store.stale(limit):
            if job_id not in known:
                log.info("job %s: left by a replica that is gone; deleting", job_id)
                self.store.delete(job_id)

    # ----------------------------------------------------------------- admission
    def counts(self) -> tuple[int, int]:
        with self.lock:
            queued = sum(r.state is State.QUEUED for r in self.jobs.values())
            running = sum(r.state is State.RUNNING for r in self.jobs.values())
        return queued, running

    def retry_after(self) -> int:
        """Seconds a refused client should wait before it asks again (a fixed, short pause:
        the client backs off further on its own)."""
        return 2

    def _admit(self, owner: str, parsing: int = 0) -> None:
        """Refuse when ``owner`` has its limit of jobs queued, running or being parsed
        (``parsing``: its submissions in flight besides the one being admitted)."""
        active = sum(r.state in ACTIVE and r.owner == owner for r in self.jobs.values())
        active += parsing
        if active >= self.settings.max_jobs_per_token:
            self.counters["rejected_token"] += 1
            raise BusyError(f"this token already has {active} jobs queued, running, being "
                            f"uploaded or parsed (limit {self.settings.max_jobs_per_token}); "
                            "wait for one to finish", self.retry_after())
        queued = sum(r.state is State.QUEUED for r in self.jobs.values())
        if queued >= self.settings.queue_size:
            self.counters["rejected_queue"] += 1
            raise QueueFullError(f"the service's queue is full ({queued} jobs waiting); "
                                 "try again shortly", self.retry_after())

    def precheck(self, owner: str) -> None:
        """Refuse at once, before the request body is read, a submission that would be
        refused anyway: the subject at its limit (jobs, parses and uploads being read), or
        the job queue full.  (A full parse queue refuses only workbooks that need parsing:
        in :meth:`submit`.)"""
        with self.lock:
            self._admit(owner, self.parsing.get(owner, 0) + self.uploading.get(owner, 0))

    def begin_upload(self, owner: str) -> None:
        """:meth:`precheck`, then count a submission of ``owner`` whose body is being read
        (:mod:`remote.frontdoor`): it counts against the subject's limit until
        :meth:`end_upload`, so that a subject's many uploads at once are not all read."""
        with self.lock:
            self._admit(owner, self.parsing.get(owner, 0) + self.uploading.get(owner, 0))
            self.uploading[owner] = self.uploading.get(owner, 0) + 1

    def end_upload(self, owner: str) -> None:
        """The body of a submission counted by :meth:`begin_upload` is read (or the request
        ended): from here on :meth:`submit` counts it as a parse."""
        with self.lock:
            left = self.uploading.get(owner, 0) - 1
            if left > 0:
                self.uploading[owner] = left
            else:
                self.uploading.pop(owner, None)

    def limits(self) -> Limits:
        """The engine's limits for an uploaded workbook, from the settings."""
        return Limits(max_file_bytes=self.settings.max_upload_bytes,
                      max_cells=self.settings.max_cells,
                      max_uncompressed_bytes=self.settings.max_uncompressed_bytes)

    def submit(self, owner: str, book: bytes, spec_data: Any, start: int = 0,
               count: int | None = None, samples: str = "none",
               name: str = "the workbook") -> JobRecord:
        """Check, parse and compile, then queue a job; raises BusyError/QueueFullError when
        over a limit (the parse counts: a subject's submissions being parsed count against
        its limit, and parses wait for one of a few slots), MemoryBudgetError when the job
        would not fit the replica's memory, RemoteSpecError for a bad spec or range, engine
        errors for the book (naming ``name``, the uploaded file's name, never a path here)."""
        spec = SimulationSpec.from_dict(spec_data)
        spec.validate(require_outputs=True)
        count = spec.trials - start if count is None else count
        if samples not in SAMPLES:
            raise RemoteSpecError(f"samples must be one of {', '.join(SAMPLES)}, got {samples!r}")
        if not (0 <= start and 1 <= count and start + count <= spec.trials):
            raise RemoteSpecError(f"trial range start={start}, count={count} is not within the "
                                  f"spec's {spec.trials:,} trials")
        if count > self.settings.max_trials:
            raise RemoteSpecError(f"{count:,} trials in one job is above this service's limit "
                                  f"of {self.settings.max_trials:,}; split the run into shards")
        with self.lock:  # before any work: the parse counts against the subject's limit
            self._admit(owner, self.parsing.get(owner, 0))
            self.parsing[owner] = self.parsing.get(owner, 0) + 1
        rec = JobRecord(uuid.uuid4().hex, owner, spec.trials, start, count, samples)
        with self.lock:
            self.submitting.add(rec.id)
        try:
            folder = self.store.create(rec.id)
            path = folder / "book.xlsx"
            digest = hashlib.sha256(book).hexdigest()

            def open_model() -> Model:  # only when the workbook is not parsed already
                path.write_bytes(book)
                try:
                    return Model.open(path, self.limits())
                finally:
                    path.unlink(missing_ok=True)

            @contextmanager
            def gate() -> Iterator[None]:  # parse and compile: a slot, and their memory
                with self.gate.slot(owner), \
                        self.ledger.hold(parse_bytes(book, self.settings.max_cells)):
                    yield

            def elsewhere() -> tuple[Job, Model | None]:  # parse in a child process
                path.write_bytes(book)
                try:
                    return self.parser.prepare(path, self.limits(), spec.to_dict())
                finally:
                    path.unlink(missing_ok=True)

            try:
                job = self.cache.job(digest, spec, open_model, gate,
                                     elsewhere if self.parser is not None else None)
            except McdeskError as exc:  # the user's file is named, never this server's paths
                text = self.public_message(str(exc), name, path)
                if isinstance(exc, LimitError) and not any(v in text for v in LIMIT_VARS.values()):
                    text += (f" (this service's limits: MCDESK_MAX_CELLS={self.settings.max_cells}"
                             f", MCDESK_MAX_UNCOMPRESSED_BYTES="
                             f"{self.settings.max_uncompressed_bytes})")
                exc.args = (text,)
                raise
            except Exception as exc:  # a bug in reading or compiling: 422, not a 500
                log.exception("job %s: %s could not be prepared", rec.id, owner)
                raise RemoteSpecError(
                    f"{name}: the workbook could not be read or compiled "
                    f"({type(exc).__name__}); the service's log has the details") from None
            if start == 0 and count == spec.trials:  # a whole run may auto-stop: check now
                precision_monitor(job)
            plan = self._plan(job, count, samples)
            with self.lock:  # admission again: others may have come in while we parsed
                self._admit(owner, self.parsing[owner] - 1)
                self.jobs[rec.id] = rec
                self.counters["submitted"] += 1
                self.waiting.put(owner, (rec, job, plan))
            self.store.write_meta(rec.id, rec.meta())
        except BaseException as exc:
            if isinstance(exc, MemoryBudgetError):
                self.counters["rejected_memory"] += 1
            elif isinstance(exc, ParseQueueFullError):
                self.counters["rejected_parse"] += 1
            self.store.delete(rec.id)
            raise
        finally:
            with self.lock:
                self.submitting.discard(rec.id)
                self.parsing[owner] -= 1
                if not self.parsing[owner]:
                    del self.parsing[owner]
        self.pool.submit(self._run_next)
        log.info("job %s: %s queued %d trials from %d (%s%s)", rec.id, owner, count, start,
                 gib(plan.bytes), ", streamed" if plan.streamed else "")
        return rec

    def _plan(self, job: Job, count: int, samples: str) -> JobMemory:
        """The job's memory (streamed when it would not fit otherwise), or MemoryBudgetError
        naming the budget and the most trials that fit."""
        inputs, outputs = len(job.distributions), len(job.program.outputs)
        steps = len(getattr(job.program, "steps", ()))
        chunk = self.settings.batch_trials or DEFAULT_CHUNK
        plan = plan_job(count, inputs, outputs, samples, chunk, self.ledger.capacity, steps)
        if self.ledger.fits(plan.bytes):
            return plan
        lo, hi = 0, count  # the most trials that fit, by bisection on the same estimate
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.ledger.fits(plan_job(mid, inputs, outputs, samples, chunk,
                                         self.ledger.capacity, steps).bytes):
                lo = mid
            else:
                hi = mid - 1
        kept = {"all": "every trial's inputs and outputs (samples=all)",
                "outputs": "every trial's outputs (samples=outputs)"}.get(samples, "its statistics")
        raise MemoryBudgetError(
            f"{count:,} trials keeping {kept} need about {gib(plan.bytes)} of memory, above "
            f"this replica's memory budget of {gib(self.ledger.capacity)} for jobs "
            f"(MCDESK_MEMORY_BUDGET={self.settings.memory_budget}); split the run into jobs "
            f"of at most {lo:,} trials" + ("" if samples == "none" else
                                           " or ask for fewer samples"))

    def public_message(self, text: str, name: str, path: Path | None = None) -> str:
        """``text`` with this server's paths replaced: the uploaded file by ``name``, the
        results folder by nothing; and the engine's Limits fields by the variables that
        raise them."""
        root = self.store.root
        for p in filter(None, (path, path and path.parent, root.resolve(), root)):
            text = text.replace(str(p), name if p == path else "<results>")
        for field_name, var in LIMIT_VARS.items():
            text = text.replace(f"Limits.{field_name}", var)
        return text

    # ----------------------------------------------------------------- running
    def _run_next(self) -> None:
        """A slot came free: run the next waiting job, round-robin across subjects, once
        the memory it will hold is free."""
        with self.lock:
            if not len(self.waiting):
                return
            rec, job, plan = self.waiting.pop()
        with self.ledger.hold(plan.bytes, cancelled=rec.cancel.is_set):
            self._run(rec, job, plan)

    def _run(self, rec: JobRecord, job: Job, plan: JobMemory | None = None) -> None:
        with self.lock:
            if rec.cancel.is_set() or rec.state is not State.QUEUED:
                return
            rec.state, rec.started = State.RUNNING, time.time()
        backend: Backend | None = None
        try:
            backend = self.dask.backend(rec.cancel.is_set) if self.dask.wants(rec.count) \
                else get_backend(self.settings.backend)
            inner_view = dataclasses.replace(job, trials=rec.count)
            ranged = RangeBackend(backend, job, rec.start)
            # trials per chunk: the backend's own (memory-bounded; cupy batches its launches
            # from free VRAM inside a chunk), unless MCDESK_BATCH_TRIALS says
            batch = self.settings.batch_trials or ranged.chunk_size(inner_view)
            # precision control, for a whole run only (a shard's client watches the whole):
            # checked after chunks of the spec's check_every trials, as a local run does, so
            # it stops where the local run stops
            monitor = precision_monitor(job) if rec.start == 0 and rec.count == job.trials \
                else None
            if monitor is not None:
                batch = monitor.spec.check_every

            def progress(done: int, total: int) -> None:
                # the status counts the job's trials: a bounded run's total also counts its
                # reruns for exact percentiles (engine.streaming.PassProgress), so scale
                rec.done = done if total == rec.count else \
                    max(rec.done, min(rec.count, done * rec.count // max(total, 1)))

            # samples for the client: every trial; streamed when the plan says it must be
            # (else the engine streams large runs on its own)
            stream = True if plan is not None and plan.streamed else \
                (False if rec.samples != "none" else None)
            samples, elapsed = run_job(inner_view, ranged, chunk_size=batch, progress=progress,
                                       cancel=rec.cancel.is_set, stream=stream, stop=monitor)
            if monitor is not None:  # the result is that of the trials it stopped at
                reached = len(next(iter(samples.outputs32.values()))) if samples.streamed \
                    else len(next(iter(samples.outputs.values())))
                inner_view = dataclasses.replace(inner_view, trials=reached)
                rec.done = reached
            result = summarize(inner_view, samples, elapsed, ranged.name)
            result.compile_s = float(ranged.compile_seconds())
            if monitor is not None:
                result.precision = monitor.report()
            self.store.write_result(rec.id, result.to_dict())
            if rec.samples != "none":
                inputs = samples.inputs if rec.samples == "all" else {}
                self.store.write_samples(rec.id, rec.start, inputs, samples.outputs,
                                         samples.errors, samples.texts)
            rec.backend, rec.elapsed_s, rec.compile_s = ranged.name, elapsed, result.compile_s
            self.last_rate = rec.count / elapsed if elapsed > 0 else 0.0
            self._finish(rec, State.DONE)
        except CancelledError:
            if self._stop.is_set():
                rec.error = "the service shut down while the job ran; submit it again"
                rec.retryable = True
                self._finish(rec, State.FAILED)
            else:
                self._finish(rec, State.CANCELLED)
        except McdeskError as exc:
            rec.error = self.public_message(str(exc), "the workbook")
            self._finish(rec, State.FAILED)
        except Exception as exc:  # noqa: BLE001 - a bug must fail the job, not the service
            log.exception("job %s failed", rec.id)
            rec.error = self.public_message(f"internal error: {type(exc).__name__}: {exc}",
                                            "the workbook")
            self._finish(rec, State.FAILED)
        finally:
            if backend is not None:
                backend.close()

    def _finish(self, rec: JobRecord, state: State) -> None:
        with self.lock:
            if state is State.DONE and rec.cancel.is_set() and not self._stop.is_set():
                # a cancel that came during the last chunk wins over the completion
                state = State.CANCELLED
                self.store.delete_outputs(rec.id)
            rec.state, rec.finished = state, time.time()
            rec.expires = rec.finished + self.settings.result_ttl_s
            self.finished_by_state[state.value] += 1
            if state is State.DONE:
                self.counters["trials"] += rec.count
            gone = rec.id not in self.jobs
        if gone:  # deleted while it ran
            self.store.delete(rec.id)
            return
        try:
            self.store.write_meta(rec.id, rec.meta())
        except OSError:
            log.exception("job %s: cannot write its status", rec.id)
        log.info("job %s: %s", rec.id, state.value)

    # ----------------------------------------------------------------- clients
    def get(self, job_id: str, owner: str) -> JobRecord:
        """The job, if it exists and belongs to ``owner`` (else JobNotFoundError: others'
        jobs are not revealed)."""
        with self.lock:
            rec = self.jobs.get(job_id) if valid_id(job_id) else None
        if rec is None and valid_id(job_id):
            rec = self._from_disk(job_id)
        if rec is None or rec.owner != owner:
            raise JobNotFoundError(f"no job {job_id} (finished results expire after "
                                   f"{self.settings.result_ttl_s:.0f} s)")
        rec.last_seen = time.time()
        return rec

    def owned(self, owner: str) -> list[JobRecord]:
        """This replica's jobs of ``owner``, oldest first."""
        with self.lock:
            return sorted((r for r in self.jobs.values() if r.owner == owner),
                          key=lambda r: r.created)

    def _from_disk(self, job_id: str) -> JobRecord | None:
        """A job another replica sharing the volume accepted (a client whose affinity moved):
        a finished one is adopted and served from the volume; an active one is shown as its
        replica last wrote it, or failed and retryable once that replica stopped touching it."""
        got = self.store.read_meta(job_id)
        if got is None:
            return None
        meta, age = got
        try:
            rec = JobRecord.from_meta(meta)
        except (KeyError, TypeError, ValueError):
            return None
        if rec.state not in ACTIVE:
            with self.lock:
                return self.jobs.setdefault(rec.id, rec)
        if rec.replica != REPLICA and age > 3 * self.sweep_period:
            rec.state, rec.retryable = State.FAILED, True
            rec.error = "the replica that ran the job stopped; submit it again"
        return rec

    def _cancel(self, rec: JobRecord) -> None:
        """Cancel a job seen queued or running.  Under the lock that _finish takes, so a
        cancel always wins: a job that completed meanwhile is cancelled and its result
        removed."""
        with self.lock:
            rec.cancel.set()
            if rec.state is State.QUEUED:
                rec.state = State.CANCELLED
                rec.finished = time.time()
                rec.expires = rec.finished + self.settings.result_ttl_s
                self.finished_by_state[State.CANCELLED.value] += 1
            elif rec.state is State.DONE:  # it finished after the caller saw it running
                rec.state = State.CANCELLED
                self.finished_by_state[State.DONE.value] -= 1
                self.finished_by_state[State.CANCELLED.value] += 1
                self.counters["trials"] -= rec.count
                self.store.delete_outputs(rec.id)
        if rec.state is State.CANCELLED:
            self.store.write_meta(rec.id, rec.meta())

    def delete(self, job_id: str, owner: str) -> JobRecord:
        """Cancel a queued or running job (its slot is freed at the next chunk); delete a
        finished one and its results."""
        rec = self.get(job_id, owner)
        if rec.state in ACTIVE and rec.id not in self.jobs:  # another replica runs it
            self.store.request_cancel(rec.id)
            rec.cancel.set()
        elif rec.state in ACTIVE:
            self._cancel(rec)
        else:
            with self.lock:
                self.jobs.pop(rec.id, None)
            self.store.delete(rec.id)
        return rec

    def result_file(self, job_id: str, owner: str, samples: bool) -> Path:
        rec = self.get(job_id, owner)
        if rec.state is not State.DONE:
            raise JobNotReadyError(rec)
        if samples and rec.samples == "none":
            raise RemoteSpecError("this job kept no samples: submit it with samples=all or "
                                  "samples=outputs")
        path = self.store.samples_path(rec.id) if samples else self.store.result_path(rec.id)
        if not path.is_file():  # deleted through another replica sharing the volume
            with self.lock:
                self.jobs.pop(rec.id, None)
            raise JobNotFoundError(f"job {job_id}: its result was deleted")
        return path

    # ----------------------------------------------------------------- metrics
    def running_rate(self) -> float:
        now = time.time()
        with self.lock:
            return sum(r.done / max(now - r.started, 1e-9) for r in self.jobs.values()
                       if r.state is State.RUNNING and r.started)


class QueueFullError(BusyError):
    """The service-wide queue is full (503 + Retry-After)."""


class JobNotReadyError(Exception):
    """The result was asked for before the job finished (409 with the job's status)."""

    def __init__(self, rec: JobRecord) -> None:
        super().__init__(f"job {rec.id} is {rec.state.value}"
                         + (f": {rec.error}" if rec.error else ""))
        self.rec = rec
