"""The headless service: a FastAPI app built by :func:`create_app` from :class:`Settings`.

Routes (every ``/v1`` route needs ``Authorization: Bearer <token>``)::

    GET    /healthz                 liveness (no token)
    GET    /readyz                  readiness: 503 while the queue is full (no token)
    GET    /metrics                 Prometheus text (no token unless MCDESK_METRICS_AUTH=1)
    GET    /v1/info                 engine version, backend, slots, GPU and free VRAM, limits
    POST   /v1/jobs                 multipart: workbook (file), spec (JSON), start, count, samples
    GET    /v1/jobs                 the token subject's jobs (on this replica)
    GET    /v1/jobs/{id}            status and progress
    GET    /v1/jobs/{id}/result     RESULT.json; ?samples=true: per-trial values (.npz)
    DELETE /v1/jobs/{id}            cancel a queued or running job, or delete a finished one

Errors are JSON ``{"error": code, "detail": message}``, mapped here from the one tree in
``remote.errors`` and the engine's errors.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from engine import __version__ as engine_version
from engine.backends import available_backends, get_backend
from engine.errors import LimitError, McdeskError, SpecError
from engine.spec import loads_json
from mcdesk._bodylimit import BodyLimit

from . import metrics
from .admission import ParseQueueFullError
from .auth import bearer, verify_token
from .errors import (
    AuthError,
    BusyError,
    JobNotFoundError,
    MemoryBudgetError,
    RemoteSpecError,
    SettingsError,
    UploadTooLargeError,
)
from .frontdoor import ReplicaHeader, Tarpit, UploadGate
from .jobs import ACTIVE, REPLICA, JobManager, JobNotReadyError, QueueFullError
from .settings import Settings, ascii_int

log = logging.getLogger(__name__)



def _error(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
           **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail, **extra}, status_code=status,
                        headers=headers)


def _too_large_message(size: int, limit: int) -> str:
    return (f"the request ({size / 2**20:.2f} MB or more) is above this service's upload "
            f"limit of {limit / 2**20:.2f} MB (MCDESK_MAX_UPLOAD_BYTES)")


def body_limit(limit: int, on_reject: Callable[[], None]) -> dict[str, Any]:
    """The options of :class:`mcdesk._bodylimit.BodyLimit` for this service: a request body
    above ``limit`` bytes gets 413 (JSON, ``too_large``) before (Content-Length) or while
    (chunked) it is read, so an oversized upload is never held in full."""

    async def reject(send: Callable, size: int) -> None:
        on_reject()
        # the connection closes: the rest of the oversized body is never read
        resp = _error(413, "too_large", _too_large_message(size, limit),
                      {"Connection": "close"}, limit_bytes=limit)
        await resp({"type": "http"}, _no_receive, send)

    return {"limit": limit, "reject": reject,
            "error": lambda size: UploadTooLargeError(_too_large_message(size, limit))}


async def _no_receive() -> dict:  # pragma: no cover - responses never read the body
    return {"type": "http.disconnect"}


SMALL_RESULT_BYTES = 1 << 20  # a RESULT.json this small is answered from the event loop

JOB_FORM = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["workbook", "spec"],
        "properties": {
            "workbook": {"type": "string", "format": "binary", "description": ".xlsx file"},
            "spec": {"type": "string", "description": "the spec as JSON (SimulationSpec)"},
            "start": {"type": "integer", "default": 0, "description": "first trial to run"},
            "count": {"type": "integer", "description": "trials to run (default: to the end)"},
            "samples": {"type": "string", "enum": ["none", "all", "outputs"], "default": "none",
                        "description": "per-trial values to keep (fetch with ?samples=true): "
                                       "all (inputs and outputs) or outputs (and their error "
                                       "codes; the client draws the inputs itself)"},
        }}}}},
}


def subject(request: Request) -> str:
    """The verified subject of the request's bearer token (AuthError: 401)."""
    key = request.app.state.settings.jwt_key
    return verify_token(key, bearer(request.headers.get("authorization")))


Subject = Annotated[str, Depends(subject)]


def create_app(settings: Settings, manager: JobManager | None = None) -> FastAPI:
    """The service app.  ``manager`` defaults to a JobManager of ``settings``."""
    if settings.backend == "remote":
        raise SettingsError("MCDESK_BACKEND=remote would send every job to another service; "
                            "use auto, numpy, numba or cupy")
    try:
        get_backend(settings.backend).close()
    except McdeskError as exc:
        raise SettingsError(f"MCDESK_BACKEND={settings.backend!r}: {exc}") from exc
    jobs = manager or JobManager(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        jobs.start()
        log.info("mcdesk service ready: %d slot(s) (%s), results in %s", jobs.slots,
                 jobs.capacity.note, jobs.store.root)
        yield
        await run_in_threadpool(jobs.stop)

    app = FastAPI(title="mcdesk remote service", version=engine_version, lifespan=lifespan,
                  description="Monte Carlo simulation of Excel workbooks, as a service.")
    app.state.jobs = jobs
    app.state.settings = settings

    def reject_upload() -> None:
        jobs.counters["rejected_upload"] += 1

    def reject_auth() -> None:
        jobs.counters["rejected_auth"] += 1

    # outermost last: the replica header on every response, then submissions decided from
    # their headers (token, the subject's limit) before their body is read, then its size
    app.add_middleware(BodyLimit, **body_limit(settings.max_upload_bytes, reject_upload))
    app.add_middleware(UploadGate, jobs=jobs, key=settings.jwt_key, on_auth_refused=reject_auth,
                       tarpit=Tarpit(hold=settings.refusal_hold_s))
    app.add_middleware(ReplicaHeader, replica=REPLICA)

    # ------------------------------------------------------------- errors at the boundary
    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> JSONResponse:
        jobs.counters["rejected_auth"] += 1
        return _error(401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(QueueFullError)
    async def _full(request: Request, exc: QueueFullError) -> JSONResponse:
        return _error(503, "queue_full", str(exc), {"Retry-After": str(int(exc.retry_after))})

    @app.exception_handler(ParseQueueFullError)
    async def _parse_full(request: Request, exc: ParseQueueFullError) -> JSONResponse:
        return _error(503, "parse_queue_full", str(exc),
                      {"Retry-After": str(int(exc.retry_after))})

    @app.exception_handler(MemoryBudgetError)
    async def _memory(request: Request, exc: MemoryBudgetError) -> JSONResponse:
        return _error(413, "memory_budget", str(exc), budget_bytes=jobs.ledger.capacity)

    @app.exception_handler(BusyError)
    async def _busy(request: Request, exc: BusyError) -> JSONResponse:
        return _error(429, "too_many_jobs", str(exc), {"Retry-After": str(int(exc.retry_after))})

    @app.exception_handler(JobNotFoundError)
    async def _missing(request: Request, exc: JobNotFoundError) -> JSONResponse:
        return _error(404, "not_found", str(exc))

    @app.exception_handler(JobNotReadyError)
    async def _not_ready(request: Request, exc: JobNotReadyError) -> JSONResponse:
        return _error(409, "not_ready", str(exc), job=exc.rec.public())

    @app.exception_handler(UploadTooLargeError)
    async def _too_large(request: Request, exc: UploadTooLargeError) -> JSONResponse:
        # raised by BodyLimit while the body is read (no Content-Length)
        reject_upload()
        return _error(413, "too_large", str(exc), limit_bytes=settings.max_upload_bytes)

    @app.exception_handler(LimitError)
    async def _limit(request: Request, exc: LimitError) -> JSONResponse:
        return _error(413, "too_large", jobs.public_message(str(exc), "the workbook"))

    @app.exception_handler(McdeskError)
    async def _engine(request: Request, exc: McdeskError) -> JSONResponse:
        # the engine's own errors (spec, workbook, formula, unsupported) and RemoteSpecError
        return _error(422, type(exc).__name__, jobs.public_message(str(exc), "the workbook"))

    # ------------------------------------------------------------- health and metrics
    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        queued, running = jobs.counts()
        body = {"status": "ready", "queued": queued, "running": running, "slots": jobs.slots}
        if queued >= settings.queue_size:
            body["status"] = "busy"
            return JSONResponse(body, status_code=503,
                                headers={"Retry-After": str(jobs.retry_after())})
        return JSONResponse(body)

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    async def metrics_route(request: Request) -> PlainTextResponse:
        if settings.metrics_auth:
            subject(request)
        text = await run_in_threadpool(metrics.render, jobs)
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    # ------------------------------------------------------------- v1
    @app.get("/v1/info", tags=["service"])
    async def info(who: Subject) -> dict:
        cap = jobs.capacity
        return {
            "engine_version": engine_version, "backend": settings.backend,
            "backends_available": available_backends(), "replica": REPLICA,
            "subject": who, "capacity": cap.to_dict(),
            "gpu": cap.gpus[0].name if cap.gpus else None,
            "gpu_free_bytes": sum(g.free_bytes for g in cap.gpus) if cap.gpus else None,
            "limits": {"max_upload_bytes": settings.max_upload_bytes,
                       "max_trials": settings.max_trials,
                       "max_jobs_per_token": settings.max_jobs_per_token,
                       "queue_size": settings.queue_size,
                       "result_ttl_s": settings.result_ttl_s,
                       "orphan_timeout_s": settings.orphan_timeout_s,
                       "memory_budget_bytes": settings.memory_budget,
                       "job_memory_bytes": jobs.ledger.capacity,
                       "parse_slots": settings.parse_slots,
                       "parse_queue": settings.parse_queue,
                       "max_cells": settings.max_cells,
                       "max_uncompressed_bytes": settings.max_uncompressed_bytes},
            "dask": jobs.dask.describe(),
        }

    @app.post("/v1/jobs", tags=["jobs"], status_code=202, openapi_extra=JOB_FORM)
    async def submit(request: Request, who: Subject) -> JSONResponse:
        # the token and the subject's room were checked before the body was read (UploadGate)
        form = await request.form(max_files=1, max_fields=8)
        try:
            upload = form.get("workbook")
            if upload is None or isinstance(upload, str):
                raise RemoteSpecError("the form needs a 'workbook' file field (.xlsx)")
            raw_spec = form.get("spec")
            if not isinstance(raw_spec, str):
                raise RemoteSpecError("the form needs a 'spec' field holding the spec as JSON")
            try:
                spec_data = loads_json(raw_spec)
            except SpecError as exc:
                raise RemoteSpecError(str(exc)) from None
            except ValueError as exc:
                raise RemoteSpecError(f"the spec is not valid JSON ({exc})") from None
            start = _int_field(form.get("start"), "start", 0) or 0
            count = _int_field(form.get("count"), "count", None)
            samples = str(form.get("samples", "none")).lower()
            samples = {"true": "all", "1": "all", "yes": "all", "false": "none", "0": "none",
                       "no": "none", "": "none"}.get(samples, samples)
            name = upload_name(upload.filename)
            book = await upload.read()
        finally:
            await form.close()
        rec = await run_in_threadpool(jobs.submit, who, book, spec_data, start, count, samples,
                                      name)
        return JSONResponse(rec.public(), status_code=202,
                            headers={"Location": f"/v1/jobs/{rec.id}"})

    @app.get("/v1/jobs", tags=["jobs"])
    async def list_jobs(who: Subject) -> dict:
        """The token subject's jobs on this replica (a client that lost its job ids)."""
        return {"jobs": [r.public() for r in jobs.owned(who)]}

    @app.get("/v1/jobs/{job_id}", tags=["jobs"])
    async def status(job_id: str, who: Subject, wait: float = 0.0) -> dict:
        """The job's status; ``wait`` (seconds, at most 10): answer as soon as the job ends or
        its progress moves, or when the wait is over (a long poll)."""
        rec = jobs.get(job_id, who)
        deadline = time.monotonic() + min(max(wait, 0.0), 10.0)
        before = (rec.state, rec.done)
        while rec.state in ACTIVE and (rec.state, rec.done) == before \
                and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        rec.last_seen = time.time()
        return rec.public()

    @app.get("/v1/jobs/{job_id}/result", tags=["jobs"])
    async def result(job_id: str, who: Subject, samples: bool = False) -> Response:
        path = jobs.result_file(job_id, who, samples)
        if samples:
            return FileResponse(path, media_type="application/octet-stream",
                                filename=f"{job_id}-samples.npz")
        if path.stat().st_size <= SMALL_RESULT_BYTES:
            # read here: a FileResponse's stat, open and reads are each a hop to a worker
            # thread and back, which a busy CPU makes slow (issue 17's victim under a flood)
            return Response(path.read_bytes(), media_type="application/json")
        return FileResponse(path, media_type="application/json")

    @app.delete("/v1/jobs/{job_id}", tags=["jobs"])
    async def delete(job_id: str, who: Subject) -> JSONResponse:
        rec = await run_in_threadpool(jobs.delete, job_id, who)
        return JSONResponse(rec.public(), status_code=202 if rec.cancel.is_set() else 200)

    return app


def _int_field(value: Any, name: str, default: int | None) -> int | None:
    """An integer form field: ASCII digits only (int() also takes '١٢', '１２', '1_2')."""
    if value is None or value == "":
        return default
    got = ascii_int(value) if isinstance(value, str) else None
    if got is None:
        raise RemoteSpecError(f"{name} must be an integer written with the digits 0-9, "
                              f"got {str(value)[:40]!r}")
    return got


def upload_name(filename: str | None) -> str:
    """The uploaded file's own name (no folders, printable, at most 80 characters), to name
    the workbook in messages."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())[:80].strip()
    return base or "the workbook"
