"""Registers the remote backend (the HTTP client of the mcdesk service) with the engine,
through the ``mcdesk.backends`` entry point in pyproject.toml: the engine imports nothing
from ``remote``."""

import importlib.util

from engine.backends.registry import register_backend


def _available() -> bool:
    return importlib.util.find_spec("httpx") is not None


register_backend("remote", "remote.client:RemoteBackend", available=_available, listed=False,
                 order=40)
