"""Users of a team instance: password hashes (scrypt, from the standard library) kept in a
file or in the environment, and the check of a login.

Users file (``MCDESK_USERS_FILE``): one ``name:hash`` per line (``#`` comments), written by
``mcdesk users add NAME --file PATH``.  ``MCDESK_USERS`` may hold the same, comma-separated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from engine.errors import McdeskError

log = logging.getLogger(__name__)

__all__ = ["AuthError", "hash_password", "load_users", "save_user", "valid_username",
           "verify_password"]

_N, _R, _P = 2**14, 8, 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class AuthError(McdeskError):
    """A users file or a user name that cannot be used."""


def valid_username(name: str) -> bool:
    """Names double as folder names of per-user storage: letters, digits, ``_.@-``."""
    return bool(_NAME.match(name)) and ".." not in name


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.urlsafe_b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a :func:`hash_password` string."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        want = base64.urlsafe_b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.urlsafe_b64decode(salt),
                             n=int(n), r=int(r), p=int(p), dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def _parse(text: str, where: str) -> dict[str, str]:
    users = {}
    for k, line in enumerate(text.replace(",", "\n").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, stored = line.partition(":")
        if not sep or not valid_username(name) or not stored.startswith("scrypt$"):
            raise AuthError(f"{where} line {k}: expected NAME:scrypt$... "
                            f"(write it with `mcdesk users add NAME --file PATH`)")
        users[name] = stored
    return users


def load_users(path: Path | None = None) -> dict[str, str]:
    """Users from ``path`` (or ``MCDESK_USERS_FILE``) and ``MCDESK_USERS``."""
    users: dict[str, str] = {}
    path = path or (Path(os.environ["MCDESK_USERS_FILE"]) if os.environ.get("MCDESK_USERS_FILE") else None)
    if path is not None:
        try:
            users.update(_parse(path.read_text(encoding="utf-8"), str(path)))
        except OSError as exc:
            raise AuthError(f"cannot read the users file {path}: {exc.strerror}") from exc
    if os.environ.get("MCDESK_USERS"):
        users.update(_parse(os.environ["MCDESK_USERS"], "MCDESK_USERS"))
    return users


def save_user(path: Path, name: str, password: str) -> None:
    """Add or replace a user in a users file (created with mode 600)."""
    if not valid_username(name):
        raise AuthError(f"user name {name!r}: use letters, digits and _ . @ - (at most 64)")
    if len(password) < 8:
        raise AuthError("the password must have at least 8 characters")
    users = _parse(path.read_text(encoding="utf-8"), str(path)) if path.exists() else {}
    users[name] = hash_password(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# mcdesk users: NAME:scrypt hash (mcdesk users add NAME --file PATH)\n")
        for n, h in users.items():
            fh.write(f"{n}:{h}\n")
