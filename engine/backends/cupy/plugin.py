"""Registers the cupy backend (CUDA kernels) where numba, CuPy and a usable GPU are present."""

import importlib.util

from ..registry import register_backend


def _available() -> bool:
    if importlib.util.find_spec("numba") is None:  # the CUDA source is made from numba's plan
        return False
    from .device import gpu_available

    return gpu_available()


register_backend("cupy", "engine.backends.cupy:CupyBackend", available=_available, order=20)
