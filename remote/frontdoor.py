"""What every request meets before the app: pure ASGI middleware, cheap enough to run for a
flood of refused requests without taking the CPU from the subjects within their limits.

* :class:`UploadGate`: a job submission (``POST /v1/jobs``) is decided from its headers
  alone, before a byte of its body is read: the bearer token (401), the subject's limit of
  jobs queued, running, parsed or being uploaded and the job queue (429/503 + Retry-After,
  :meth:`remote.jobs.JobManager.begin_upload`).  A refusal closes the connection
  (``Connection: close``), so the upload behind it is never read (a kept-alive connection
  would make the server read and drop the whole body before its next request), and a
  subject refused again and again has its next refusals held back (:class:`Tarpit`): a
  client that retries at once, ignoring Retry-After, waits anyway, without costing the
  service more than a parked connection.  Uploads let in count against the subject's limit
  until their body is read, so a subject's many uploads at once are not all read.
* :class:`ReplicaHeader`: ``X-Mcdesk-Replica`` on every response, without the per-request
  task and stream of Starlette's ``BaseHTTPMiddleware``.

Measured with ``bench/load_remote.py --abuse --hammer`` (its docstring has the numbers).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .auth import bearer, verify_token
from .errors import AuthError, BusyError

log = logging.getLogger(__name__)

__all__ = ["ReplicaHeader", "Tarpit", "UploadGate"]

Send = Callable[[dict], Awaitable[None]]
Receive = Callable[[], Awaitable[dict]]

UPLOAD_PATH = "/v1/jobs"


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def refuse(send: Send, status: int, code: str, detail: str,
                 headers: dict[str, str] | None = None) -> None:
    """A JSON error (``{"error": code, "detail": detail}``) that closes the connection, so
    an unread request body behind it is never read."""
    body = json.dumps({"error": code, "detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Tarpit:
    """How long to hold back a refusal of ``subject``: nothing while it is refused at most
    ``free`` times within ``window`` seconds, then ``hold`` seconds (its Retry-After), for at
    most ``parked`` refusals held at once per subject (beyond them, and for every subject
    together beyond ``parked_total``, at once again: a held refusal keeps a connection).
    Used from the event loop only (no lock)."""

    def __init__(self, free: int = 8, window: float = 2.0, hold: float = 1.0,
                 parked: int = 64, parked_total: int = 256) -> None:
        self.free, self.window, self.hold = free, window, hold
        self.parked, self.parked_total = parked, parked_total
        self._recent: dict[str, list[float]] = {}   # subject -> times refused, newest last
        self._held: dict[str, int] = {}
        self._held_total = 0

    def delay(self, subject: str, now: float | None = None) -> float:
        """Record a refusal of ``subject`` now; the seconds to hold it back."""
        now = time.monotonic() if now is None else now
        times = [t for t in self._recent.get(subject, ()) if now - t < self.window]
        times.append(now)
        self._recent[subject] = times[-(self.free + 1):]
        if len(self._recent) > 4096:  # forget the subjects refused longest ago
            for key in sorted(self._recent, key=lambda k: self._recent[k][-1])[:2048]:
                del self._recent[key]
        if len(times) <= self.free or self.hold <= 0:
            return 0.0
        if self._held.get(subject, 0) >= self.parked or self._held_total >= self.parked_total:
            return 0.0
        return self.hold

    async def wait(self, subject: str, seconds: float) -> None:
        """Hold a refusal ``seconds`` (counted as parked meanwhile)."""
        self._held[subject] = self._held.get(subject, 0) + 1
        self._held_total += 1
        try:
            await asyncio.sleep(seconds)
        finally:
            self._held_total -= 1
            left = self._held[subject] - 1
            if left:
                self._held[subject] = left
            else:
                del self._held[subject]


class UploadGate:
    """ASGI middleware deciding ``POST /v1/jobs`` from its headers (see the module
    docstring).  ``jobs``: the :class:`~remote.jobs.JobManager` (``begin_upload`` /
    ``end_upload``), ``key``: the tokens' signing key, ``on_auth_refused()`` counts a 401."""

    def __init__(self, app: Any, *, jobs: Any, key: str,
                 on_auth_refused: Callable[[], None] = lambda: None,
                 tarpit: Tarpit | None = None) -> None:
        self.app, self.jobs, self.key = app, jobs, key
        self.on_auth_refused = on_auth_refused
        self.tarpit = tarpit if tarpit is not None else Tarpit(hold=float(jobs.retry_after()))

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" \
                or scope.get("path", "").rstrip("/") != UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        try:
            who = verify_token(self.key, bearer(_header(scope, b"authorization")))
        except AuthError as exc:
            self.on_auth_refused()
            await refuse(send, 401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"})
            return
        try:
            self.jobs.begin_upload(who)
        except BusyError as exc:
            from .jobs import QueueFullError

            full = isinstance(exc, QueueFullError)
            hold = self.tarpit.delay(who)
            if hold:
                self.jobs.counters["refusals_held"] += 1
                await self.tarpit.wait(who, hold)
            await refuse(send, 503 if full else 429, "queue_full" if full else "too_many_jobs",
                         str(exc), {"Retry-After": str(int(exc.retry_after))})
            return
        counted = True

        def done() -> None:
            nonlocal counted
            if counted:
                counted = False
                self.jobs.end_upload(who)

        async def counting_receive() -> dict:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                done()  # the body is read: submit() counts it as a parse from here on
            return message

        try:
            await self.app(scope, counting_receive, send)
        finally:
            done()


class ReplicaHeader:
    """ASGI middleware: ``X-Mcdesk-Replica: <replica>`` on every HTTP response."""

    def __init__(self, app: Any, *, replica: str) -> None:
        self.app = app
        self.header = (b"x-mcdesk-replica", replica.encode("latin-1"))

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def tagged(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), self.header]}
            await send(message)

        await self.app(scope, receive, tagged)
