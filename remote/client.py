"""The httpx client of the service, and :class:`RemoteBackend`, the engine backend that
runs trial ranges on it.

``RemoteBackend.run(job, start, count)`` uploads the workbook and spec with the trial range,
follows the job's progress, fetches its per-trial samples and returns them as a
:class:`~engine.backends.ChunkResult`; the engine's ``run_job`` merges the chunks and
summarises locally, so the result is the local one, bit for bit.  With ``shards=N`` the run is
cut into N ranges sent side by side (each thread on its own connection, so a Kubernetes
Service can spread them over replicas).

Connection errors and 503 are retried with exponential back-off (and Retry-After); 401, 413
and 429 become :mod:`remote.errors` exceptions with messages a user can act on.
"""

from __future__ import annotations

import io
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from engine.backends.base import Backend, ChunkResult, Job
from engine.backends.numpy import draw_inputs
from engine.errors import CancelledError

from .errors import (
    AuthError,
    BusyError,
    JobFailedError,
    JobNotFoundError,
    MemoryBudgetError,
    RemoteError,
    RemoteSpecError,
    ServiceUnavailableError,
    UploadTooLargeError,
)
from .store import load_samples

log = logging.getLogger(__name__)

ENV_URL = "MCDESK_REMOTE_URL"
ENV_TOKEN = "MCDESK_REMOTE_TOKEN"
Progress = Callable[[int, int], None]
AUTO_SHARDS = 4  # ranges in flight for a large run (the service's default per-token limit)


def _detail(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:200] or resp.reason_phrase
    if isinstance(data, dict):
        return str(data.get("detail") or data.get("error") or data)
    return str(data)


def _code(resp: httpx.Response) -> str | None:
    """The service's error code (``{"error": code, ...}``), if the body says."""
    try:
        data = resp.json()
    except ValueError:
        return None
    return str(data.get("error")) if isinstance(data, dict) else None


def _retry_after(resp: httpx.Response, default: float) -> float:
    try:
        return max(0.0, float(resp.headers.get("retry-after", default)))
    except ValueError:
        return default


class RemoteClient:
    """The service's job API.  ``url`` and ``token`` default to MCDESK_REMOTE_URL and
    MCDESK_REMOTE_TOKEN.  Thread-safe for separate jobs; one connection pool per client.

    ``timeout``: seconds per request; ``connect_s`` / ``reconnect_s``: how long connection
    errors are retried before the service first answered / after (a restart mid-job);
    ``busy_wait_s``: how long 429 and 503 are retried; ``backoff_s`` .. ``max_backoff_s``:
    the exponential back-off; ``resubmits``: times a lost job is submitted again;
    ``poll_s``: the long-poll wait of a status request.
    """

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 timeout: float = 60.0, connect_s: float = 10.0, reconnect_s: float = 60.0,
                 busy_wait_s: float = 600.0,
                 backoff_s: float = 0.25, max_backoff_s: float = 5.0, resubmits: int = 3,
                 poll_s: float = 1.0, transport: httpx.BaseTransport | None = None) -> None:
        url = url or os.environ.get(ENV_URL)
        token = token or os.environ.get(ENV_TOKEN)
        if not url:
            raise RemoteError(f"no service URL: pass --url or set {ENV_URL} "
                              "(for example http://127.0.0.1:8000)")
        if not token:
            raise AuthError(f"no token: pass --token or set {ENV_TOKEN}; the service's admin "
                            "makes one with: python -m remote token --subject NAME")
        self.url = url.rstrip("/")
        self.connect_s, self.reconnect_s, self.busy_wait_s = connect_s, reconnect_s, busy_wait_s
        self.reached = False  # once the service answered, connection errors are retried longer
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.resubmits, self.poll_s = resubmits, poll_s
        self.http = httpx.Client(base_url=self.url, timeout=timeout, transport=transport,
                                 headers={"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RemoteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- one request
    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call, retried on connection errors and 503 (back-off, Retry-After) and 429
        (Retry-After); other failures become :mod:`remote.errors` exceptions."""
        t0 = time.monotonic()
        delay = self.backoff_s
        attempt = 0
        while True:
            attempt += 1
            waited = time.monotonic() - t0
            try:
                resp = self.http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if waited >= (self.reconnect_s if self.reached else self.connect_s):
                    raise ServiceUnavailableError(
                        f"cannot reach the mcdesk service at {self.url} ({type(exc).__name__}: "
                        f"{exc or 'no answer'}); tried {attempt} times over {waited:.0f} s. "
                        "Is it running, and is the URL right?") from exc
                log.warning("%s %s: %s; retrying in %.1f s", method, path,
                            type(exc).__name__, delay)
                time.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
                continue
            self.reached = True
            code = resp.status_code
            if code < 400:
                return resp
            detail = _detail(resp)
            if code in (429, 503):
                pause = min(max(_retry_after(resp, delay), 0.05), self.max_backoff_s)
                if waited + pause > self.busy_wait_s:
                    if code == 429:
                        raise BusyError(f"the service at {self.url} refused the job (429): "
                                        f"{detail}", _retry_after(resp, 1.0))
                    raise ServiceUnavailableError(f"the service at {self.url} is busy (503): "
                                                  f"{detail}; tried for {waited:.0f} s")
                log.info("%s %s: %d (%s); retrying in %.1f s", method, path, code, detail, pause)
                time.sleep(pause)
                delay = min(delay * 2, self.max_backoff_s)
                continue
            if code in (401, 403):
                raise AuthError(f"the service at {self.url} refused the token ({code}): "
                                f"{detail}. Get a new token (python -m remote token --subject "
                                f"NAME, run where MCDESK_JWT_KEY is set) and pass --token or "
                                f"set {ENV_TOKEN}")
            if code == 413:
                if _code(resp) == "memory_budget":
                    raise MemoryBudgetError(f"the service at {self.url} refused the job "
                                            f"(413): {detail}")
                raise UploadTooLargeError(f"the service at {self.url} refused the upload "
                                          f"(413): {detail}")
            if code == 404:
                raise JobNotFoundError(f"{detail} (404 from {self.url})")
            if code == 422:
                raise RemoteSpecError(detail)
            raise RemoteError(f"the service at {self.url} answered {code} to {method} {path}: "
                              f"{detail}")

    # ----------------------------------------------------------------- the job API
    def info(self) -> dict[str, Any]:
        return self.request("GET", "/v1/info").json()

    def submit(self, book: bytes, spec: Mapping[str, Any], start: int = 0,
               count: int | None = None, samples: bool | str = False) -> dict[str, Any]:
        """Queue trials ``start .. start + count - 1`` of ``spec`` on ``book``; the status.
        ``samples``: per-trial values to keep: False/"none", True/"all", or "outputs"."""
        import json

        kept = ("all" if samples else "none") if isinstance(samples, bool) else samples
        data = {"spec": json.dumps(dict(spec)), "start": str(start), "samples": str(kept)}
        if count is not None:
            data["count"] = str(count)
        files = {"workbook": ("book.xlsx", book,
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
        return self.request("POST", "/v1/jobs", data=data, files=files).json()

    def jobs(self) -> list[dict[str, Any]]:
        """This token's jobs (statuses) on the replica that answers."""
        return self.request("GET", "/v1/jobs").json()["jobs"]

    def status(self, job_id: str, wait: float = 0.0) -> dict[str, Any]:
        """The job's status; ``wait`` > 0: the service answers when it changes (long poll)."""
        params = {"wait": f"{wait:g}"} if wait > 0 else None
        return self.request("GET", f"/v1/jobs/{job_id}", params=params).json()

    def result(self, job_id: str) -> dict[str, Any]:
        """The job's RESULT.json."""
        return self.request("GET", f"/v1/jobs/{job_id}/result").json()

    def samples(self, job_id: str) -> dict[str, Any]:
        """The job's per-trial values (see :func:`remote.store.load_samples`)."""
        resp = self.request("GET", f"/v1/jobs/{job_id}/result", params={"samples": "true"})
        return load_samples(io.BytesIO(resp.content))

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job (delete a finished one)."""
        return self.request("DELETE", f"/v1/jobs/{job_id}").json()

    delete = cancel

    def wait(self, job_id: str, progress: Progress | None = None,
             cancel: Callable[[], bool] | None = None) -> dict[str, Any]:
        """Poll until the job ends; its final status.  ``progress(done, count)`` as it runs;
        ``cancel()`` true: the job is cancelled on the service and CancelledError raised."""
        while True:
            if cancel is not None and cancel():
                self._cancel_quietly(job_id)
                raise CancelledError(f"cancelled remote job {job_id}")
            st = self.status(job_id, wait=self.poll_s)
            if progress is not None:
                progress(int(st["done"]), int(st["count"]))
            state = st["state"]
            if state == "done":
                return st
            if state == "failed":
                raise JobFailedError(f"remote job {job_id} failed: {st.get('error')}",
                                     retryable=bool(st.get("retryable")))
            if state == "cancelled":
                raise CancelledError(f"remote job {job_id} was cancelled"
                                     + (f": {st['error']}" if st.get("error") else ""))

    def _cancel_quietly(self, job_id: str) -> None:
        try:
            self.http.delete(f"/v1/jobs/{job_id}", timeout=5.0)
        except httpx.HTTPError as exc:
            log.warning("could not cancel remote job %s: %s", job_id, exc)

    def run(self, book: bytes, spec: Mapping[str, Any], start: int = 0,
            count: int | None = None, *, samples: bool | str = True,
            progress: Progress | None = None,
            cancel: Callable[[], bool] | None = None) -> tuple[dict, dict, dict | None]:
        """Submit, follow, fetch, delete: (final status, RESULT.json, samples or None).
        A job lost to a restart of the service (or landing on another replica) is submitted
        again, up to ``resubmits`` times; the numbers are the same whichever run makes them."""
        tries = 0
        while True:
            st = self.submit(book, spec, start, count, samples)
            job_id = st["id"]
            try:
                st = self.wait(job_id, progress, cancel)
                result = self.result(job_id)
                values = self.samples(job_id) if samples not in (False, "none") else None
            except (JobNotFoundError, JobFailedError) as exc:
                retry = isinstance(exc, JobNotFoundError) or exc.retryable
                tries += 1
                if not retry or tries > self.resubmits:
                    raise
                log.warning("remote job %s lost (%s); submitting it again", job_id, exc)
                continue
            except BaseException:
                self._cancel_quietly(job_id)
                raise
            self._cancel_quietly(job_id)  # results fetched: free the service's disk
            return st, result, values


class RemoteBackend(Backend):
    """The engine backend that runs on a remote service.

    ``shards``: trial ranges sent at once (run_job's threads; each its own connection);
    default: one range, or :data:`AUTO_SHARDS` at once when the run is larger than one job
    may be (``max_chunk``, or the service's MCDESK_MAX_TRIALS when lower);
    ``max_chunk``: most trials per request; ``book``/``spec``: the workbook (bytes or path)
    and spec, when the Job does not carry them (``prepare`` sets ``job.book``/``job.spec``);
    ``progress(done, total)``: trials done over all shards, as the service reports them;
    ``cancel()``: checked while waiting, cancels the remote jobs;
    ``local_inputs``: draw the input samples here (the numpy reference, keyed by trial) and
    fetch only the outputs and their error codes: 8 bytes per input per trial less to carry.
    """

    name = "remote"

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 shards: int | None = None,
                 max_chunk: int = 1 << 20, book: bytes | str | Path | None = None,
                 spec: Any = None, progress: Progress | None = None,
                 cancel: Callable[[], bool] | None = None, local_inputs: bool = True,
                 **client_options: Any) -> None:
        if (shards is not None and shards < 1) or max_chunk < 1:
            raise RemoteError("shards and max_chunk must be at least 1")
        self.shards, self.max_chunk = shards, max_chunk
        self.progress, self.cancel, self.local_inputs = progress, cancel, local_inputs
        self._book, self._spec = book, spec
        self._options = {"url": url, "token": token, **client_options}
        RemoteClient(**self._options).close()  # check url and token now
        self._local = threading.local()
        self._clients: list[RemoteClient] = []
        self._lock = threading.Lock()
        self._sources: dict[int, tuple[Job, bytes, dict]] = {}
        self._done: dict[tuple[int, int], int] = {}
        self._reported: dict[int, int] = {}
        self._compile_s = 0.0
        self._job_limit: int | None = None

    @classmethod
    def for_workspace(cls, url: str | None, token: str | None, ws: Any,
                      **options: Any) -> RemoteBackend:
        """The backend the app's "Remote GPU" option runs on: progress into the workspace's
        ``ws.progress.update(done, total)`` as the service reports it, and the workspace's
        cancel button (``ws.progress.cancel_requested``) cancels the remote jobs."""
        prog = ws.progress
        return cls(url, token, progress=prog.update, cancel=prog.cancel_requested.is_set,
                   **options)

    def client(self) -> RemoteClient:
        """This thread's client (its own connection, so a shard sticks to one replica)."""
        c = getattr(self._local, "client", None)
        if c is None:
            c = RemoteClient(**self._options)
            self._local.client = c
            with self._lock:
                self._clients.append(c)
        return c

    def job_limit(self) -> int:
        """Most trials one request may carry: ``max_chunk``, or the service's limit if lower
        (asked once; this is also where a wrong URL or token shows first)."""
        if self._job_limit is None:
            limits = self.client().info().get("limits", {})
            self._job_limit = min(self.max_chunk, int(limits.get("max_trials", self.max_chunk)))
        return self._job_limit

    def chunk_size(self, job: Job) -> int:
        if self.shards is not None:
            return max(1, min(math.ceil(job.trials / self.shards), self.job_limit()))
        if job.trials <= self.job_limit():
            return job.trials
        return max(1, min(math.ceil(job.trials / AUTO_SHARDS), self.job_limit()))

    def workers(self, job: Job) -> int:
        if self.shards is not None:
            return self.shards
        return 1 if job.trials <= self.job_limit() else AUTO_SHARDS

    def compile_seconds(self) -> float:
        return self._compile_s

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for c in clients:
            c.close()

    def _source(self, job: Job) -> tuple[bytes, dict]:
        with self._lock:
            got = self._sources.get(id(job))
            if got is not None and got[0] is job:
                return got[1], got[2]
        book = self._book if self._book is not None else getattr(job, "book", None)
        spec = self._spec if self._spec is not None else getattr(job, "spec", None)
        if isinstance(book, str | Path) and not Path(book).is_file():
            book = None  # an in-memory model (Model.from_cells) has no file to send
        if book is None or spec is None:
            raise RemoteError("the remote backend needs the workbook file and the spec: open "
                              "the model from a file (Model.open) or pass book= and spec=")
        if not isinstance(book, bytes):
            path = Path(book)
            try:
                book = path.read_bytes()
            except OSError as exc:
                raise RemoteError(f"cannot read the workbook {path}: {exc.strerror}") from exc
        data = spec.to_dict() if hasattr(spec, "to_dict") else dict(spec)
        sampling = getattr(job.sampling, "value", job.sampling)
        data.update(trials=job.trials, seed=job.seed, sampling=sampling)
        # each request is a trial range of the run: precision control (auto-stop) is the
        # engine's here, over the chunks it asks for, not the service's over one range
        data.pop("precision", None)
        with self._lock:
            self._sources = {id(job): (job, book, data)}
            self._done = {}
        return book, data

    def _report(self, job: Job, start: int, done: int) -> None:
        if self.progress is None:
            return
        with self._lock:
            self._done[(id(job), start)] = done
            total = min(sum(v for (j, _), v in self._done.items() if j == id(job)), job.trials)
            if total <= self._reported.get(id(job), -1):
                return  # only news: a progress bar draws each call
            self._reported = {id(job): total}
        self.progress(total, job.trials)

    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        book, spec = self._source(job)
        st, _, values = self.client().run(
            book, spec, start, count, samples="outputs" if self.local_inputs else "all",
            cancel=self.cancel, progress=lambda done, _n: self._report(job, start, done))
        assert values is not None
        self._report(job, start, count)
        self.name = f"remote:{st.get('backend') or 'unknown'}"
        self._compile_s = max(self._compile_s, float(st.get("compile_s") or 0.0))
        if values["start"] != start or values["count"] != count:
            raise RemoteError(f"the service returned trials {values['start']}+{values['count']}"
                              f" for {start}+{count}")
        out = ChunkResult(start, count)
        if self.local_inputs:  # the inputs' streams are keyed by trial: drawn here, not sent
            out.inputs = draw_inputs(job, start, count)
        try:
            if not self.local_inputs:
                out.inputs = {c: values["inputs"][str(c)] for c in job.distributions}
            texts = values.get("texts", {})
            for c in job.program.outputs:
                out.outputs[c] = values["outputs"][str(c)]
                out.errors[c] = values["errors"][str(c)]
                if str(c) in texts:   # labels of text or logical results (engine.text_outputs)
                    out.texts[c] = texts[str(c)]
        except KeyError as exc:
            raise RemoteError(f"the service's result has no cell {exc.args[0]}: does it run "
                              "the same workbook and spec?") from None
        return out
