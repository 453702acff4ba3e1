"""The guard in front of NiceGUI's upload routes (``POST /_nicegui/client/<id>/upload/<n>``).

NiceGUI registers one such route per upload element and hands whatever is posted there to
the element's handler, whoever posts it.  :class:`UploadGuard`, an ASGI middleware inside
Starlette's SessionMiddleware, answers before the body is read:

- 403 on a team instance unless the request's session is signed in as the user the page
  belongs to (:func:`bind_page` records that user when the page is built);
- 413 when ``Content-Length`` is over the limit, or as soon as the streamed body passes it
  (the body is counted as it comes in; nothing past the limit is read).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from nicegui import Client

log = logging.getLogger(__name__)

__all__ = ["OWNER_KEY", "SESSION_KEY", "UploadGuard", "bind_page"]

UPLOAD_ROUTE = re.compile(r"^/_nicegui/client/([^/]+)/upload/[^/]+$")
OWNER_KEY = "mcdesk.user"
SESSION_KEY = "mcdesk.session"
MULTIPART_SLACK = 64 * 1024   # the multipart framing around the file


def bind_page(client: Client, user: str, sid: str | None = None) -> None:
    """The uploads of ``client``'s page belong to ``user`` (signed in as browser id ``sid``)."""
    client.storage[OWNER_KEY] = user
    client.storage[SESSION_KEY] = sid


class _TooLarge(Exception):
    pass


async def _answer(send: Callable, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class UploadGuard:
    """ASGI middleware; ``signed_in(session id) -> user or None`` on a team instance (None on
    the desktop, where the one local user owns every page)."""

    def __init__(self, app: Any, *, max_bytes: int,
                 signed_in: Callable[[str | None], str | None] | None = None) -> None:
        self.app, self.max_bytes, self.signed_in = app, max_bytes, signed_in

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        match = UPLOAD_ROUTE.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        address = scope["client"][0] if scope.get("client") else "?"
        if self.signed_in is not None:
            user = self.signed_in(scope.get("session", {}).get("id"))
            client = Client.instances.get(match.group(1))
            owner = client.storage.get(OWNER_KEY) if client is not None else None
            if user is None or user != owner:
                log.warning("upload refused: the page belongs to %r, the request from %s is "
                            "signed in as %r", owner, address, user)
                await _answer(send, 403, "this upload belongs to another session")
                return
        limit = self.max_bytes + MULTIPART_SLACK
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit:
            log.warning("upload refused: %d bytes declared from %s, the limit is %d",
                        declared, address, self.max_bytes)
            await _answer(send, 413, f"over the upload limit of {self.max_bytes / 2**20:g} MB")
            return

        seen = 0
        started = False

        async def counting_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            log.warning("upload refused from %s: over %d bytes while streaming in", address,
                        self.max_bytes)
            if not started:
                await _answer(send, 413, f"over the upload limit of {self.max_bytes / 2**20:g} MB")
