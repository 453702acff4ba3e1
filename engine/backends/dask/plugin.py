"""Registers the dask backend (trial ranges on a dask.distributed cluster).  Not listed among
the backends offered by default: it takes a scheduler address (or starts a LocalCluster)."""

import importlib.util

from ..registry import register_backend


def _available() -> bool:
    return importlib.util.find_spec("distributed") is not None


register_backend("dask", "engine.backends.dask:DaskBackend", available=_available, listed=False,
                 order=30)
