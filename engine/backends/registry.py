"""Backends by name: each backend registers itself, so adding one touches one folder.

Every subpackage of :mod:`engine.backends` holds a small ``plugin`` module (no heavy imports)
that calls :func:`register_backend` with the backend's name, where its class lives
(``"module:Class"``, imported only when the backend is asked for) and how to tell whether it
can run here.  Backends outside the engine (the HTTP client in ``remote/``) register through
the ``mcdesk.backends`` entry-point group of their distribution (``name = "module:Class"``),
read from the installed metadata without importing them: the engine imports nothing from
``remote`` until such a backend is asked for by name.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Backend


ENTRY_POINT_GROUP = "mcdesk.backends"


@dataclass(frozen=True)
class BackendEntry:
    """One registered backend: ``target`` is ``"module:Class"``; ``available`` says whether
    it can run here (cheap: it must not start a GPU or a cluster when it can say no sooner);
    ``listed`` backends are offered by ``available_backends`` (the ones that need options, as
    a scheduler or a URL, are not); ``order`` sorts that list."""

    name: str
    target: str
    available: Callable[[], bool]
    listed: bool = True
    order: int = 100

    def load(self) -> type[Backend]:
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


_entries: dict[str, BackendEntry] = {}
_lock = threading.Lock()
_discovered = False


def _always() -> bool:
    return True


def register_backend(name: str, target: str, *, available: Callable[[], bool] | None = None,
                     listed: bool = True, order: int = 100) -> None:
    """Make a backend known by ``name`` (lower case); a second registration replaces it."""
    key = name.lower()
    _entries[key] = BackendEntry(key, target, available or _always, listed, order)


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        from . import __name__ as pkg
        from . import __path__ as here

        for info in sorted(pkgutil.iter_modules(here), key=lambda m: m.name):
            if info.ispkg:
                try:
                    importlib.import_module(f"{pkg}.{info.name}.plugin")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{pkg}.{info.name}.plugin":
                        raise
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name.lower() not in _entries and ":" in ep.value:
                register_backend(ep.name, ep.value, listed=False, order=200)
        _discovered = True


def entries() -> list[BackendEntry]:
    """Every registered backend, in list order."""
    _discover()
    return sorted(_entries.values(), key=lambda e: (e.order, e.name))


def entry(name: str) -> BackendEntry | None:
    _discover()
    return _entries.get(name.lower())


def create(name: str, **options: Any) -> Backend | None:
    """A new backend of that name, or None when none is registered or it cannot run here."""
    got = entry(name)
    if got is None or not got.available():
        return None
    return got.load()(**options)  # type: ignore[call-arg]
