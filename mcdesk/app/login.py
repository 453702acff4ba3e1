"""Signing in and out of a team instance, as plain HTTP form posts.

``GET /login`` shows a form that posts to ``POST /login``: the password is checked there
(:class:`~.security.LoginGuard`: throttled, hashed in a worker thread), never sent over the
page's websocket.  A successful sign-in answers with a new browser id in the session cookie
(:class:`~.security.SessionTable`), so a cookie planted before the login stays signed out.
``POST /logout`` ends the session on the server, gives the browser a new id and sends the
session's other open pages to the login.  Both refuse a post from another site
(``Sec-Fetch-Site: cross-site``).
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import Client, app, ui

from .security import LoginGuard, SessionTable
from .uploads import SESSION_KEY

log = logging.getLogger(__name__)

__all__ = ["register_login", "session_id"]

MAX_FORM_BYTES = 8 * 1024


def session_id(request: Request) -> str | None:
    """NiceGUI's browser id from the signed session cookie."""
    return request.session.get("id")


def _renew(request: Request, sid: str | None = None) -> None:
    """Give the browser a new id (everything else in the old session cookie is dropped)."""
    request.session.clear()
    request.session["id"] = sid or str(uuid.uuid4())


def _from_another_site(request: Request) -> bool:
    return request.headers.get("sec-fetch-site") == "cross-site"


async def _small_form(request: Request) -> dict[str, str] | None:
    """The url-encoded form of ``request``, or None past MAX_FORM_BYTES (not read further)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}


def _input(label: str, name: str, kind: str, autocomplete: str) -> None:
    ui.label(label).classes("text-sm text-gray-700 -mb-2")
    ui.element("input").props(
        f'name={name} type={kind} autocomplete={autocomplete} required aria-label="{label}"').classes(
        "w-full border border-gray-400 rounded px-3 py-2").mark(f"login-{name}")


def register_login(sessions: SessionTable, guard: LoginGuard) -> None:
    """Declare ``/login`` (page and form post) and ``/logout``."""

    @ui.page("/login", title="mcdesk: sign in")
    def login_page(failed: str = "", wait: str = "") -> None:
        with ui.card().classes("absolute-center w-80"):
            ui.label("mcdesk").classes("text-2xl font-bold")
            with ui.element("form").props('method=post action=/login').classes(
                    "w-full column gap-3"):
                _input("User name", "username", "text", "username")
                _input("Password", "password", "password", "current-password")
                ui.button("Sign in").props("type=submit").classes("w-full").mark("login")
            if wait.isdigit() and len(wait) <= 6:
                ui.label(f"Too many failed sign-ins: try again in {int(wait)} s").classes(
                    "text-negative").mark("login-error")
            elif failed:
                ui.label("Wrong user name or password").classes("text-negative").mark("login-error")

    @app.post("/login", include_in_schema=False)
    async def login_post(request: Request) -> Response:
        if _from_another_site(request):
            return PlainTextResponse("sign in from the mcdesk page", status_code=403)
        form = await _small_form(request)
        if form is None:
            return PlainTextResponse("the sign-in form is too large", status_code=413)
        address = request.client.host if request.client else "?"
        result = await guard.attempt(form.get("username", "").strip(), form.get("password", ""),
                                     address)
        if result.wait_s:
            return RedirectResponse(f"/login?wait={result.wait_s}", status_code=303)
        if result.user is None:
            return RedirectResponse("/login?failed=1", status_code=303)
        _renew(request, sessions.sign_in(result.user))
        return RedirectResponse("/", status_code=303)

    @app.post("/logout", include_in_schema=False)
    async def logout_post(request: Request) -> Response:
        if _from_another_site(request):
            return PlainTextResponse("sign out from the mcdesk page", status_code=403)
        form = await _small_form(request) or {}
        sid = session_id(request)
        user = sessions.sign_out(sid)
        if user is not None:
            log.info("signed out %r from %s", user, request.client.host if request.client else "?")
            for client in list(Client.instances.values()):  # the session's other open pages
                # (not the page that posted: a navigation there would cancel this answer's cookie)
                if sid and client.storage.get(SESSION_KEY) == sid and client.id != form.get("page"):
                    with client:
                        ui.navigate.to("/login")
        _renew(request)
        return RedirectResponse("/login", status_code=303)
