"""Runs on a Dask cluster: a run becomes trial-range tasks on ``dask.distributed`` workers.

Each worker runs the ``numba`` (default), ``numpy`` or ``cupy`` backend on its own trial
range.  The prepared model (compiled program and input distributions) is pickled once and
shipped once per worker, as a worker plugin named by the hash of its bytes: a task carries
only ``(key, seed, sampling, trials, start, count)``, and a worker that joins later (a
replacement for one that died) receives the plugin when it registers.  Each worker process
keeps one inner backend, so a kernel compiled (or loaded) for a model serves every later run
of it.  Random streams are keyed by (seed, stream, trial),
so every range gives the numbers a local run gives for those trials, bit for bit, whatever
the number of workers or the order the tasks finish in; :func:`engine.simulate.run_job`
merges the ranges in trial order (exact moments, outputs, the sensitivity subsample).

``scheduler``: the address of a running scheduler (``tcp://host:8786``); else
``MCDESK_DASK_SCHEDULER``; else an embedded ``LocalCluster`` on this machine (2 worker
processes of one thread each unless told otherwise), closed with the backend.

Cancel: :meth:`DaskBackend.cancel` (or a ``cancel`` callable given to the constructor, polled
while waiting) cancels every task in flight; ``run_job`` stops submitting.  A worker lost
mid-run: the scheduler reruns its tasks elsewhere (or on its replacement); the numbers do not
change, as they depend only on the trials.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ...errors import CancelledError, SpecError
from ..base import Backend, ChunkResult, Job

log = logging.getLogger(__name__)

__all__ = ["DaskBackend", "SCHEDULER_ENV"]

SCHEDULER_ENV = "MCDESK_DASK_SCHEDULER"
INNER = ("numba", "numpy", "cupy")
_PLUGINS_KEPT = 4  # jobs whose plugin stays registered on the cluster (least recent dropped)

# worker side: prepared models (program, distributions) by key; one inner backend per name
_JOBS: dict[str, tuple[Any, dict]] = {}
_BACKENDS: dict[str, Backend] = {}
_JOBS_LOCK = threading.Lock()


def _inner_backend(name: str) -> Backend:
    """This worker process's backend ``name`` (one per process: its kernels stay cached)."""
    with _JOBS_LOCK:
        got = _BACKENDS.get(name)
        if got is not None:
            return got
        if name == "numba":
            from distributed import get_worker

            from ..numba import NumbaBackend

            try:
                threads = int(get_worker().state.nthreads)
            except (ValueError, AttributeError):
                threads = 1
            got = NumbaBackend(threads=max(threads, 1))
        elif name == "cupy":
            from ..cupy import CupyBackend

            got = CupyBackend()
        else:
            from ..numpy import NumpyBackend

            got = NumpyBackend()
        _BACKENDS[name] = got
        return got


try:  # the plugin's base class, where dask.distributed is installed
    from distributed.diagnostics.plugin import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover - the backend refuses to start without it
    _PluginBase = object  # type: ignore[assignment,misc]


class JobPlugin(_PluginBase):  # type: ignore[misc,valid-type]
    """Installs one pickled job on every worker, present and future (a replacement for a
    lost worker receives it when it registers)."""

    def __init__(self, key: str, blob: bytes) -> None:
        self.key, self.blob = key, blob
        self.name = f"mcdesk-job-{key}"
        self.idempotent = True

    def setup(self, worker: Any) -> None:
        import cloudpickle

        program, distributions = cloudpickle.loads(self.blob)
        with _JOBS_LOCK:
            _JOBS[self.key] = (program, distributions)
        log.info("mcdesk job %s installed on a worker (%d bytes)", self.key, len(self.blob))

    def teardown(self, worker: Any) -> None:
        with _JOBS_LOCK:
            _JOBS.pop(self.key, None)


def _run_range(key: str, inner: str, seed: int, sampling: Any, trials: int, start: int,
               count: int) -> ChunkResult:
    """A task: trials ``start .. start + count - 1`` of the model installed as ``key``."""
    with _JOBS_LOCK:
        got = _JOBS.get(key)
    if got is None:
        raise RuntimeError(f"mcdesk job {key} is not installed on this worker")
    program, distributions = got
    # the same program and distribution objects every time: the backend's plan cache hits
    job = Job(program, distributions, seed, sampling, trials)
    return _inner_backend(inner).run(job, start, count)


def connect(scheduler: str | None, n_workers: int, threads_per_worker: int = 1
            ) -> tuple[Any, Any]:
    """A ``distributed.Client`` of the scheduler at ``scheduler``, or of a LocalCluster of
    ``n_workers`` processes started here (returned too, to close; None otherwise)."""
    from distributed import Client, LocalCluster

    if scheduler:
        log.info("dask: connecting to %s", scheduler)
        return Client(scheduler, timeout="30s"), None
    log.info("dask: starting a LocalCluster of %d workers x %d threads", n_workers,
             threads_per_worker)
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                           processes=True, dashboard_address=None, silence_logs=logging.WARNING)
    return Client(cluster), cluster


class DaskBackend(Backend):
    """Trial ranges as tasks on a Dask cluster (see the module docstring)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, inner: str = "numba",
                 n_workers: int = 2, threads_per_worker: int = 1,
                 chunk: int | None = None, cancel: Callable[[], bool] | None = None,
                 client: Any = None) -> None:
        if inner not in INNER:
            raise SpecError(f"dask backend: inner backend {inner!r} is not one of "
                            + ", ".join(INNER))
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise SpecError("backend 'dask' needs dask.distributed: pip install "
                            "'mcdesk[dask]'") from exc
        self.scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
        self.inner = inner
        self.n_workers, self.threads_per_worker = int(n_workers), int(threads_per_worker)
        self.chunk = chunk
        self.cancel_check = cancel
        self._client = client
        self._own_client = client is None
        self._cluster: Any = None
        self._lock = threading.Lock()
        # (id(program), id(distributions)) -> (program, distributions, key)
        self._jobs: OrderedDict[tuple[int, int], tuple[Any, Any, str]] = OrderedDict()
        self._inflight: set[Any] = set()
        self._cancelled = False

    # ------------------------------------------------------------ cluster
    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (connecting, or starting the LocalCluster, on first use)."""
        with self._lock:
            if self._client is None:
                self._client, self._cluster = connect(self.scheduler, self.n_workers,
                                                      self.threads_per_worker)
            return self._client

    def total_threads(self) -> int:
        """Worker threads on the cluster now (at least 1)."""
        threads = self.client.nthreads()
        return max(sum(threads.values()), 1)

    # ------------------------------------------------------------ shipping the job
    def job_key(self, job: Job) -> str:
        """The hash of ``job``'s pickled program and distributions, installed on the
        cluster as a plugin (once per model: runs of it with other seeds or trial counts
        reuse it)."""
        ident = (id(job.program), id(job.distributions))
        with self._lock:
            got = self._jobs.get(ident)
            if got is not None and got[0] is job.program and got[1] is job.distributions:
                self._jobs.move_to_end(ident)
                return got[2]
        import cloudpickle

        blob = cloudpickle.dumps((job.program, job.distributions))
        key = hashlib.sha256(blob).hexdigest()[:24]
        self.client.register_plugin(JobPlugin(key, blob), name=f"mcdesk-job-{key}")
        log.info("dask: model %s shipped (%d bytes)", key, len(blob))
        with self._lock:
            self._jobs[ident] = (job.program, job.distributions, key)
            dropped = []
            while len(self._jobs) > _PLUGINS_KEPT:
                dropped.append(self._jobs.popitem(last=False)[1][2])
            kept = {k for _, _, k in self._jobs.values()}
        for old in set(dropped) - kept:
            try:
                self.client.unregister_worker_plugin(f"mcdesk-job-{old}")
            except Exception as exc:  # noqa: BLE001 - best effort clean-up
                log.info("dask: could not drop model %s (%r)", old, exc)
        return key

    # ------------------------------------------------------------ interface
    def chunk_size(self, job: Job) -> int:
        if self.chunk:
            return int(self.chunk)
        tasks = 4 * self.total_threads()  # a few tasks per thread: balance and progress
        per = -(-job.trials // tasks)
        return int(min(max(per, 1 << 14), 1 << 19))

    def workers(self, job: Job) -> int:
        return 2 * self.total_threads()  # one queued behind each running task

    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        if self._cancelled:
            raise CancelledError("cancelled")
        key = self.job_key(job)
        fut = self.client.submit(_run_range, key, self.inner, job.seed, job.sampling,
                                 int(job.trials), int(start), int(count),
                                 key=f"mcdesk-{key}-{uuid.uuid4().hex[:8]}-{int(start)}", pure=False,
                                 retries=2)
        with self._lock:
            self._inflight.add(fut)
        try:
            return self._wait(fut, start, count)
        finally:
            with self._lock:
                self._inflight.discard(fut)
            fut.release()

    def _wait(self, fut: Any, start: int, count: int) -> ChunkResult:
        from distributed import wait

        while True:
            if self._cancelled or (self.cancel_check is not None and self.cancel_check()):
                self.cancel()
                raise CancelledError(f"cancelled: trials {start:,}.. not run")
            try:
                wait(fut, timeout=0.2)
            except TimeoutError:
                continue
            if fut.status == "cancelled":
                raise CancelledError(f"cancelled: trials {start:,}.. not run")
            return fut.result()

    def cancel(self) -> None:
        """Cancel every task in flight; later ``run`` calls raise CancelledError until
        :meth:`reset`."""
        self._cancelled = True
        with self._lock:
            futures = list(self._inflight)
        if futures and self._client is not None:
            self._client.cancel(futures, force=True)
        log.info("dask: cancelled %d tasks", len(futures))

    def reset(self) -> None:
        """Accept runs again after :meth:`cancel`."""
        self._cancelled = False

    def close(self) -> None:
        with self._lock:
            keys = sorted({k for _, _, k in self._jobs.values()})
            self._jobs.clear()
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
        if client is None:
            return
        if cluster is None:  # a cluster that outlives us: drop our jobs from its workers
            for key in keys:
                try:
                    client.unregister_worker_plugin(f"mcdesk-job-{key}")
                except Exception as exc:  # noqa: BLE001 - best effort clean-up
                    log.info("dask: could not drop job %s (%r)", key, exc)
        if not self._own_client:
            return
        client.close()
        if cluster is not None:
            cluster.close()
