"""On a team instance a download link (NiceGUI's single-use static route) needs a signed-in
session; on the desktop (one local user) the guard lets it through."""

from __future__ import annotations

import asyncio
import json

from mcdesk.app.uploads import UploadGuard

PATH = "/_nicegui/auto/static/Zm9vYmFy/samples.csv"


def _call(guard: UploadGuard, path: str, session_id: str | None) -> tuple[int, dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [],
             "client": ("10.0.0.9", 5000), "session": {"id": session_id} if session_id else {}}
    asyncio.run(guard(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], (json.loads(body) if body.startswith(b"{") else {})


async def _file(scope: dict, receive, send) -> None:  # the route behind the guard
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"a,b\n1,2\n"})


def test_team_download_needs_a_signed_in_session() -> None:
    guard = UploadGuard(_file, max_bytes=1 << 20,
                        signed_in=lambda sid: "ann" if sid == "good" else None)
    assert _call(guard, PATH, None) == (403, {"detail": "sign in to download"})
    assert _call(guard, PATH, "forged")[0] == 403
    assert _call(guard, PATH, "good")[0] == 200
    assert _call(guard, "/healthz", None)[0] == 200   # other routes are not its business


def test_desktop_download_goes_through() -> None:
    guard = UploadGuard(_file, max_bytes=1 << 20, signed_in=None)
    assert _call(guard, PATH, None)[0] == 200
