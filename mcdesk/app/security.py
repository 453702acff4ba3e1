"""Sign-in protection of a team instance.

- :class:`SessionTable`: who is signed in, on the server, keyed by NiceGUI's browser id (the
  ``id`` in the session cookie that Starlette's SessionMiddleware signs).  Signing in and
  out gives the browser a fresh id, so a cookie known before the login (session fixation)
  or kept after the logout is never signed in.  Only a SHA-256 of each id is written down.
- :class:`Throttle`: failures per key (a user name, a client address); past ``free``
  failures each try is followed by a wait that doubles from ``first_s`` up to ``max_s``.
- :class:`LoginGuard`: one sign-in: both throttles, the scrypt check in a worker thread (at
  most ``HASHES_AT_ONCE`` at a time, so the event loop and ``/healthz`` stay free), and a
  log line per attempt (user, address; never the password).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .auth import hash_password, verify_password

log = logging.getLogger(__name__)

__all__ = ["LoginGuard", "LoginResult", "SessionTable", "Throttle"]

SESSION_MAX_AGE_S = 14 * 24 * 3600   # Starlette's cookie lifetime
USER_FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 20            # many people may share one address (an office, a proxy)
FIRST_WAIT_S = 1.0
MAX_WAIT_S = 15 * 60.0
FORGET_AFTER_S = 3600.0               # failures are forgotten after an hour without one
PRUNE_AT = 10_000                     # keys kept before the forgotten ones are dropped
HASHES_AT_ONCE = 1                    # leaves the other core to the event loop


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionTable:
    """Signed-in browser ids -> user names, kept in ``path`` (mode 600) across restarts."""

    def __init__(self, path: Path | None, max_age_s: float = SESSION_MAX_AGE_S) -> None:
        self.path, self.max_age_s = path, max_age_s
        self._lock = threading.Lock()
        self._by_digest: dict[str, tuple[str, float]] = {}
        if path is not None and path.is_file():
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
                self._by_digest = {d: (str(u), float(t)) for d, (u, t) in saved.items()}
            except (OSError, ValueError, TypeError) as exc:
                log.warning("%s: sessions not restored (%s); everyone signs in again", path, exc)

    def user(self, sid: str | None) -> str | None:
        """The user signed in with browser id ``sid``, or None."""
        if not sid:
            return None
        entry = self._by_digest.get(_digest(sid))
        if entry is None or time.time() - entry[1] > self.max_age_s:
            return None
        return entry[0]

    def sign_in(self, user: str) -> str:
        """A new browser id, signed in as ``user``."""
        sid = str(uuid.uuid4())
        with self._lock:
            now = time.time()
            self._by_digest = {d: e for d, e in self._by_digest.items()
                               if now - e[1] <= self.max_age_s}
            self._by_digest[_digest(sid)] = (user, now)
            self._save()
        return sid

    def sign_out(self, sid: str | None) -> str | None:
        """End the session of ``sid``; the user it was signed in as, or None."""
        if not sid:
            return None
        with self._lock:
            entry = self._by_digest.pop(_digest(sid), None)
            if entry is not None:
                self._save()
        return entry[0] if entry else None

    def _save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({d: list(e) for d, e in self._by_digest.items()}, fh)
            tmp.replace(self.path)
        except OSError as exc:  # signed in all the same, until the next restart
            log.warning("%s: sessions not saved (%s)", self.path, exc.strerror)


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    until: float = 0.0


class Throttle:
    """Failures per key, with exponential back-off past ``free`` of them."""

    def __init__(self, free: int, first_s: float = FIRST_WAIT_S, max_s: float = MAX_WAIT_S,
                 forget_s: float = FORGET_AFTER_S) -> None:
        self.free, self.first_s, self.max_s, self.forget_s = free, first_s, max_s, forget_s
        self._keys: dict[str, _Failures] = {}

    def wait_s(self, key: str, now: float) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        f = self._keys.get(key)
        if f is None:
            return 0.0
        if now - f.last > max(self.forget_s, f.until - f.last):
            del self._keys[key]
            return 0.0
        return max(0.0, f.until - now)

    def fail(self, key: str, now: float) -> None:
        """Count a failure (counted when a try starts, so tries running at once count too)."""
        if len(self._keys) >= PRUNE_AT:
            for old in list(self._keys):
                self.wait_s(old, now)  # drops the forgotten
        f = self._keys.setdefault(key, _Failures())
        f.count += 1
        f.last = now
        if f.count > self.free:
            f.until = now + min(self.first_s * 2 ** (f.count - self.free - 1), self.max_s)

    def forgive(self, key: str) -> None:
        """Forget all failures of ``key`` (its user signed in)."""
        self._keys.pop(key, None)

    def take_back(self, key: str) -> None:
        """Uncount one failure counted at the start of a try that succeeded."""
        f = self._keys.get(key)
        if f is not None:
            f.count = max(0, f.count - 1)


@dataclass(frozen=True)
class LoginResult:
    user: str | None = None     # signed in as
    wait_s: int = 0             # refused without a check: try again in so many seconds


class LoginGuard:
    """Checks sign-ins against ``users`` (name -> scrypt hash)."""

    def __init__(self, users: dict[str, str], *, user_free: int = USER_FREE_FAILURES,
                 address_free: int = ADDRESS_FREE_FAILURES, first_s: float = FIRST_WAIT_S,
                 max_s: float = MAX_WAIT_S) -> None:
        self.users = users
        self.by_user = Throttle(user_free, first_s, max_s)
        self.by_address = Throttle(address_free, first_s, max_s)
        self._hashing = asyncio.Semaphore(HASHES_AT_ONCE)
        self._decoy = hash_password("not a password")  # unknown names cost a hash too

    async def attempt(self, name: str, password: str, address: str) -> LoginResult:
        name = name[:128]  # longer is no user name (64 at most); keeps the keys and logs short
        now = time.monotonic()
        user_key, address_key = f"user:{name}", f"address:{address}"
        wait = max(self.by_user.wait_s(user_key, now), self.by_address.wait_s(address_key, now))
        if wait > 0:
            log.warning("sign-in refused for %r from %s: too many failures, wait %d s",
                        name, address, math.ceil(wait))
            return LoginResult(wait_s=math.ceil(wait))
        self.by_user.fail(user_key, now)
        self.by_address.fail(address_key, now)
        stored = self.users.get(name)
        async with self._hashing:
            ok = await asyncio.to_thread(verify_password, password, stored or self._decoy)
        if ok and stored is not None:
            self.by_user.forgive(user_key)
            self.by_address.take_back(address_key)
            log.info("signed in %r from %s", name, address)
            return LoginResult(user=name)
        log.warning("sign-in failed for %r from %s", name, address)
        return LoginResult()
