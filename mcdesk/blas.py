"""One BLAS thread in the processes the ``mcdesk`` command starts.

numpy's OpenBLAS runs a level-1 operation on a long vector (``np.dot`` of two 10^5-element
arrays, as the statistics of a run do hundreds of times) on all its threads.  Beside numba's
own threads, or on a machine whose cores are busy, every such call then waits for its
threads: 112 dot products of 10^5 elements took 3.2 s on a loaded 2-core VM, 0.002 s on one
thread, and a run's statistics 5.7 s instead of 1.2 s.  The app and the CLI do their
parallel work in numba and in chunks, so they set OpenBLAS to one thread at start, unless
``OPENBLAS_NUM_THREADS`` says otherwise.  Importing ``mcdesk`` as a library changes nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

__all__ = ["openblas_libraries", "single_threaded_blas"]

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")


def openblas_libraries() -> list[str]:
    """Paths of the OpenBLAS libraries loaded in this process (Linux; empty elsewhere)."""
    if not sys.platform.startswith("linux"):
        return []
    try:
        with open("/proc/self/maps") as fh:
            return sorted({line.split()[-1] for line in fh
                           if "openblas" in line.lower() and ".so" in line})
    except OSError:
        return []


def single_threaded_blas() -> list[str]:
    """Set every loaded OpenBLAS to one thread (unless ``OPENBLAS_NUM_THREADS`` is set);
    returns the libraries changed."""
    if os.environ.get("OPENBLAS_NUM_THREADS"):
        return []
    import numpy  # noqa: F401 - loads numpy's OpenBLAS, the one np.dot uses

    changed = []
    for path in openblas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(ctypes.c_int(1))
                changed.append(path)
                break
    log.info("OpenBLAS on one thread: %s", ", ".join(changed) or "none loaded")
    return changed
