"""Registers the numba backend (fused CPU kernels) where numba is installed."""

import importlib.util

from ..registry import register_backend


def _available() -> bool:
    return importlib.util.find_spec("numba") is not None


register_backend("numba", "engine.backends.numba:NumbaBackend", available=_available, order=10)
