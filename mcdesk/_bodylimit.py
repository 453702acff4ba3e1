"""A request body limit as ASGI middleware, shared by the app's upload guard
(:mod:`mcdesk.app.uploads`) and the remote service (:mod:`remote.service`).

:class:`BodyLimit` answers before the body is read when ``Content-Length`` declares more than
the limit, and otherwise counts the body as it streams in: past the limit, the wrapped app's
``receive`` raises (``error(bytes seen)``, :class:`BodyTooLargeError` by default), so nothing
beyond the limit is read or held.  The refusal itself is the caller's ``reject(send, bytes)``,
sent only when the wrapped app has not started a response of its own (an exception handler
inside it may answer first).

Imports nothing beyond the standard library: the service, the app and their tests import it
without FastAPI, NiceGUI or httpx.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["BodyLimit", "BodyTooLargeError", "Reject"]

# reject(send, bytes declared or seen so far): send the refusal
Reject = Callable[[Callable[[dict], Awaitable[None]], int], Awaitable[None]]


class BodyTooLargeError(Exception):
    """Raised from ``receive`` once the streamed body passes the limit."""

    def __init__(self, size: int) -> None:
        super().__init__(f"request body over the limit ({size} bytes or more)")
        self.size = size


def _http(scope: dict) -> bool:
    return scope.get("type") == "http"


class BodyLimit:
    """ASGI middleware: request bodies of the requests ``applies(scope)`` selects (every HTTP
    request by default) are limited to ``limit`` bytes; ``reject(send, size)`` answers an
    oversized one, ``error(size)`` is what ``receive`` raises past the limit."""

    def __init__(self, app: Any, *, limit: int, reject: Reject,
                 error: Callable[[int], Exception] = BodyTooLargeError,
                 applies: Callable[[dict], bool] = _http) -> None:
        self.app, self.limit, self.reject = app, int(limit), reject
        self.error, self.applies = error, applies

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if not self.applies(scope):
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.limit:
            log.info("request body refused: %d bytes declared, the limit is %d", declared,
                     self.limit)
            await self.reject(send, declared)
            return
        seen = 0
        started = False
        error_type: type[BaseException] | None = None

        async def counting_receive() -> dict:
            nonlocal seen, error_type
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exc = self.error(seen)
                    error_type = type(exc)
                    raise exc
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception as exc:
            if error_type is None or not isinstance(exc, error_type):
                raise
            log.info("request body refused: over %d bytes while streaming in", self.limit)
            if not started:
                await self.reject(send, seen)


def declared_length(scope: dict) -> int | None:
    """The request's ``Content-Length`` as ASCII digits, else None."""
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() and value.isascii() else None
    return None
