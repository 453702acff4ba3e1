"""Start the app: a desktop launch on the bundled example (browser tab or native window),
or a team instance with login.  ``run_for_tests`` is what NiceGUI's ``user`` fixture runs."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from nicegui import ui

from engine.errors import McdeskError

from .auth import load_users
from .pages import AppConfig, register
from .settings import data_dir
from .sockets import guard_sockets

log = logging.getLogger(__name__)

__all__ = ["launch", "run_for_tests", "serve"]

TEAM_UPLOAD_MB = 10
# How long the server keeps a page whose browser went quiet (NiceGUI's default: 3 s; its
# socket pings every max(0.8 x this, 4) s and gives up after max(0.4 x this, 2) s more).
# With 3 s, a browser whose main thread was busy for ~7 s (rendering the grid or charts on
# a loaded machine) answered no ping, the server dropped its socket, deleted the page 3 s
# later and refused the browser's reconnect: "reloading because implicit handshake failed"
# (tests/test_app_browser.py::test_busy_browser_does_not_reload_the_page reproduces it).
# A blocked server event loop does not cause it (checked up to 20 s: the browser's
# reconnect waits in the socket backlog and is served before the deletion).
# Everything the user sets lives in the workspace, so even a reload keeps it.
RECONNECT_TIMEOUT = 30.0


def _remote() -> tuple[str | None, str | None]:
    return os.environ.get("MCDESK_REMOTE_URL") or None, os.environ.get("MCDESK_REMOTE_TOKEN") or None


def _upload_bytes(default_mb: float) -> int:
    text = os.environ.get("MCDESK_MAX_UPLOAD_MB")
    try:
        mb = float(text) if text else default_mb
    except ValueError as exc:
        raise McdeskError(f"MCDESK_MAX_UPLOAD_MB must be a number of megabytes, got {text!r}") from exc
    if not mb > 0:
        raise McdeskError(f"MCDESK_MAX_UPLOAD_MB must be positive, got {text!r}")
    return int(mb * 2**20)


def desktop_config(book: Path | None = None) -> AppConfig:
    from mcdesk.cli import example_paths

    url, token = _remote()
    return AppConfig(data_dir=data_dir(), team=False, max_upload_bytes=_upload_bytes(100),
                     example=book or example_paths()[0], remote_url=url, remote_token=token)


def team_config() -> AppConfig:
    users = load_users()
    if not users:
        raise McdeskError("a team instance needs users: set MCDESK_USERS_FILE to a users file "
                          "(create one with `mcdesk users add NAME --file users.txt`)")
    url, token = _remote()
    return AppConfig(data_dir=data_dir(), team=True, max_upload_bytes=_upload_bytes(TEAM_UPLOAD_MB),
                     users=users, remote_url=url, remote_token=token, remember_settings=False)


def _storage_in(folder: Path) -> None:
    """NiceGUI keeps its per-browser storage in ``./.nicegui`` unless told otherwise: keep it
    in our data folder instead (the working folder may be anything, or read-only)."""
    from nicegui import app
    from nicegui.storage import Storage

    if "NICEGUI_STORAGE_PATH" not in os.environ:
        Storage.path = (folder / ".nicegui").resolve()
        app.storage = Storage()


def launch(book: Path | None = None, *, native: bool = False, host: str = "127.0.0.1",
           port: int = 8080, show: bool = True) -> None:
    """The desktop app, on ``book`` or the bundled example."""
    config = desktop_config(book)
    _storage_in(config.data_dir)
    register(config)
    if native:
        os.environ.setdefault("PYWEBVIEW_GUI", "qt")
    ui.run(host=host, port=port, title="mcdesk", native=native, reload=False, show=show and not native,
           window_size=(1400, 900) if native else None, storage_secret=secrets.token_hex(16),
           show_welcome_message=False, favicon="🎲", reconnect_timeout=RECONNECT_TIMEOUT)


def serve(*, host: str = "0.0.0.0", port: int = 8080) -> None:
    """The team instance: login, per-user storage and workspaces."""
    secret = os.environ.get("MCDESK_STORAGE_SECRET", "")
    if len(secret) < 16:
        raise McdeskError("set MCDESK_STORAGE_SECRET to a random string of at least 16 characters "
                          "(it signs the login cookies), e.g. `openssl rand -hex 32`")
    config = team_config()
    _storage_in(config.data_dir)
    for name in ("mcdesk.app.security", "mcdesk.app.login", "mcdesk.app.uploads",
                 "mcdesk.app.sockets"):
        logging.getLogger(name).setLevel(logging.INFO)  # sign-ins are logged without -v
    sessions = register(config)
    if sessions is not None:  # always, on a team config
        guard_sockets(secret, sessions.user)
    ui.run(host=host, port=port, title="mcdesk", reload=False, show=False,
           storage_secret=secret, show_welcome_message=False, favicon="🎲",
           reconnect_timeout=RECONNECT_TIMEOUT)


def run_for_tests() -> None:
    """For NiceGUI's user fixture: a desktop app (or a team one when MCDESK_TEST_TEAM is set)
    with its settings kept under MCDESK_DATA_DIR / MCDESK_CONFIG_DIR (set by the tests)."""
    if os.environ.get("MCDESK_TEST_TEAM"):
        register(team_config())
    else:
        config = desktop_config()
        if os.environ.get("MCDESK_TEST_NO_EXAMPLE"):
            config.example = None
        register(config)
    ui.run(storage_secret="test secret", reload=False, reconnect_timeout=RECONNECT_TIMEOUT)
