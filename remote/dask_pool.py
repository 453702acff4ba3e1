"""The service's Dask cluster: a job of at least ``MCDESK_DASK_MIN_TRIALS`` trials runs on it
(the ``dask`` backend, :mod:`engine.backends.dask`), a smaller one in process as before.

Only when one is configured: ``MCDESK_DASK_SCHEDULER`` (the address of a running scheduler,
``tcp://host:8786``) or ``MCDESK_DASK_LOCAL=1`` (an embedded ``LocalCluster`` of
``MCDESK_DASK_WORKERS`` single-threaded worker processes on this machine).  One client
serves every job of the replica; it connects (or the LocalCluster starts) on the first job
that needs it and closes with the service.  The trials are keyed by (seed, input, trial), so
a job gives the same numbers bit for bit on the cluster as in process with the same inner
backend (the service's MCDESK_BACKEND when it is numba, numpy or cupy; else numba).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from engine.backends import Backend

from .settings import Settings

log = logging.getLogger(__name__)

__all__ = ["DaskPool"]

_INNER = ("numba", "numpy", "cupy")


class DaskPool:
    """The replica's Dask client, made on first use; :meth:`backend` per job."""

    def __init__(self, settings: Settings) -> None:
        self.scheduler = settings.dask_scheduler
        self.local = settings.dask_local
        self.workers = settings.dask_workers
        self.min_trials = settings.dask_min_trials
        self.inner = settings.backend if settings.backend in _INNER else "numba"
        self._client: Any = None
        self._cluster: Any = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.scheduler) or self.local

    def wants(self, trials: int) -> bool:
        """Whether a job of ``trials`` trials runs on the cluster."""
        return self.enabled and int(trials) >= self.min_trials

    def describe(self) -> dict[str, Any] | None:
        """For /v1/info: where the cluster is and which jobs go to it (None: no cluster)."""
        if not self.enabled:
            return None
        return {"scheduler": self.scheduler or f"local ({self.workers} workers)",
                "min_trials": self.min_trials, "inner": self.inner}

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                from engine.backends.dask import connect

                self._client, self._cluster = connect(self.scheduler, self.workers)
            return self._client

    def backend(self, cancel: Callable[[], bool]) -> Backend:
        """A dask backend for one job on the shared client (closing it leaves the client);
        ``cancel()`` true cancels the job's tasks in flight."""
        from engine.backends.dask import DaskBackend

        return DaskBackend(inner=self.inner, client=self.client(), cancel=cancel)

    def close(self) -> None:
        with self._lock:
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception as exc:  # noqa: BLE001 - shutting down: log and go on
                    log.info("dask: closing %r failed: %r", thing, exc)
