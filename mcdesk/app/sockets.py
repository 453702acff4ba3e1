"""The guard on NiceGUI's websocket (socket.io) on a team instance.

NiceGUI routes a socket's ``handshake``, ``event`` and ``javascript_response`` messages to
whichever page (client) the message names, whoever sent it: anyone who learned a page's
client id could click its buttons or read its updates.  :func:`guard_sockets` wraps those
handlers so that a message about a page bound to a user (:func:`~.uploads.bind_page`) is
only taken from a socket whose session cookie is signed in as that user; others are dropped
(a handshake or connection is refused).  The cookie is the one Starlette's SessionMiddleware
signed with the storage secret; it is read once per message from the socket's environ, so a
socket opened before a sign-out stops working after it.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from nicegui import Client, core

from .security import SESSION_MAX_AGE_S
from .uploads import OWNER_KEY

log = logging.getLogger(__name__)

__all__ = ["guard_sockets"]

COOKIE = "session"   # Starlette's SessionMiddleware default, as NiceGUI uses it


def _session_id(environ: dict[str, Any] | None, signer: TimestampSigner) -> str | None:
    if not environ:
        return None
    try:
        morsel = SimpleCookie(environ.get("HTTP_COOKIE", "")).get(COOKIE)
        if morsel is None:
            return None
        data = signer.unsign(morsel.value.encode(), max_age=SESSION_MAX_AGE_S)
        sid = json.loads(base64.b64decode(data)).get("id")
    except (CookieError, BadSignature, ValueError, TypeError, AttributeError):
        return None
    return sid if isinstance(sid, str) else None


def guard_sockets(secret: str, signed_in: Callable[[str | None], str | None]) -> None:
    """Wrap NiceGUI's socket handlers (once per process; call after ``register``)."""
    sio = core.sio
    handlers = sio.handlers.get("/", {})
    if getattr(handlers.get("event"), "mcdesk_guarded", False):
        return
    signer = TimestampSigner(str(secret))

    def allowed(environ: dict[str, Any] | None, client_id: object, what: str) -> bool:
        client = Client.instances.get(client_id) if isinstance(client_id, str) else None
        owner = client.storage.get(OWNER_KEY) if client is not None else None
        if owner is None:  # no such page, or one nobody owns (the login page)
            return True
        user = signed_in(_session_id(environ, signer))
        if user == owner:
            return True
        log.warning("socket %s refused: the page belongs to %r, the socket is signed in as %r",
                    what, owner, user)
        return False

    def environ_of(sid: str) -> dict[str, Any] | None:
        try:
            return sio.get_environ(sid)
        except KeyError:
            return None

    def guard(name: str, client_id_of: Callable[..., object], refuse: Callable[[], Any]) -> None:
        original = handlers.get(name)
        if original is None:
            raise RuntimeError(f"NiceGUI has no socket.io handler {name!r} to guard")

        async def guarded(sid: str, *args: Any) -> Any:
            environ = args[0] if name == "connect" else environ_of(sid)
            if not allowed(environ, client_id_of(*args), name):
                return refuse()
            result = original(sid, *args)
            return await result if hasattr(result, "__await__") else result

        guarded.mcdesk_guarded = True  # type: ignore[attr-defined]
        handlers[name] = guarded

    def query_client_id(environ: dict[str, Any], *_: Any) -> object:
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        return query.get("client_id", [None])[0]

    def message_client_id(msg: Any, *_: Any) -> object:
        return msg.get("client_id") if isinstance(msg, dict) else None

    def refuse_connection() -> None:
        from socketio.exceptions import ConnectionRefusedError  # noqa: PLC0415

        raise ConnectionRefusedError("this page belongs to another session")

    guard("connect", query_client_id, refuse_connection)
    guard("handshake", message_client_id, lambda: False)
    guard("javascript_response", message_client_id, lambda: None)
    guard("event", message_client_id, lambda: None)
