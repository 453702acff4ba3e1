"""The guard in front of NiceGUI's upload routes (``POST /_nicegui/client/<id>/upload/<n>``).

NiceGUI registers one such route per upload element and hands whatever is posted there to
the element's handler, whoever posts it.  :class:`UploadGuard`, an ASGI middleware inside
Starlette's SessionMiddleware, answers before the body is read:

- 403 on a team instance unless the request's session is signed in as the user the page
  belongs to (:func:`bind_page` records that user when the page is built);
- 413 when ``Content-Length`` is over the limit, or as soon as the streamed body passes it
  (the body is counted as it comes in; nothing past the limit is read);
- 403 on a team instance for a download (``GET /_nicegui/auto/static/<token>/<file>``: the
  single-use route ``ui.download.file`` makes for exports and reports) unless the request's
  session is signed in: the unguessable token is only sent over the owner's page, and a copy
  of the link is worth nothing without a signed-in session.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from nicegui import Client

from .._bodylimit import BodyLimit

log = logging.getLogger(__name__)

__all__ = ["OWNER_KEY", "SESSION_KEY", "UploadGuard", "bind_page"]

UPLOAD_ROUTE = re.compile(r"^/_nicegui/client/([^/]+)/upload/[^/]+$")
DOWNLOAD_ROUTE = re.compile(r"^/_nicegui/auto/static/")
OWNER_KEY = "mcdesk.user"
SESSION_KEY = "mcdesk.session"
MULTIPART_SLACK = 64 * 1024   # the multipart framing around the file


def bind_page(client: Client, user: str, sid: str | None = None) -> None:
    """The uploads of ``client``'s page belong to ``user`` (signed in as browser id ``sid``)."""
    client.storage[OWNER_KEY] = user
    client.storage[SESSION_KEY] = sid


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
        # the body counted as it streams in (shared with the remote service)
        self._limited = BodyLimit(app, limit=max_bytes + MULTIPART_SLACK,
                                  reject=self._refuse_size)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if self.signed_in is not None and DOWNLOAD_ROUTE.match(path):
            if self.signed_in(scope.get("session", {}).get("id")) is None:
                log.warning("download refused: the request is not signed in")
                await _answer(send, 403, "sign in to download")
                return
        match = UPLOAD_ROUTE.match(path)
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
        await self._limited(scope, receive, send)

    async def _refuse_size(self, send: Callable, size: int) -> None:
        log.warning("upload refused: %d bytes or more, the limit is %d", size, self.max_bytes)
        await _answer(send, 413, f"over the upload limit of {self.max_bytes / 2**20:g} MB")
