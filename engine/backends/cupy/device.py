"""The GPU as a resource: is one usable, how much memory is free, how many runs share it, and
how a batch that does not fit is halved.  ``cupy`` and ``pynvml`` (nvidia-ml-py) are imported
lazily, so this module imports, and its arithmetic is tested, on machines without either.

* :func:`gpu_available`: a CUDA device is present **and** a tiny allocation works (cached);
* :func:`vram`: free and total bytes of the device, from NVML when it answers, else from
  the CUDA runtime;
* :func:`batch_trials`: trials per kernel launch from free memory, with a safety buffer
  (a share of the free memory and a fixed reserve, as the deployment guide prescribes),
  divided between the runs the semaphore lets in at once;
* :func:`gpu_semaphore`: one process-wide semaphore, sized from the card's total memory,
  that every cupy run holds while it uses the GPU;
* :func:`halving`: runs a range of trials in batches and halves the batch when the allocator
  says out of memory, instead of failing.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

__all__ = ["SAFETY_FRACTION", "SAFETY_RESERVE", "batch_trials", "gpu_available",
           "gpu_semaphore", "halving", "is_out_of_memory", "semaphore_slots", "vram"]

SAFETY_FRACTION = 0.2        # of free device memory never used by one launch
SAFETY_RESERVE = 512 << 20   # bytes always left free (driver, CuPy's pool, other processes)
BYTES_PER_SLOT = 16 << 30    # one concurrent run per 16 GiB of device memory
MAX_SLOTS = 8
MIN_BATCH = 1 << 12
MAX_BATCH = 1 << 26

T = TypeVar("T")


@functools.cache
def gpu_available() -> bool:
    """Whether a CUDA device is present and a tiny allocation on it works."""
    try:
        import cupy
    except ImportError:
        return False
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return False
        return float(cupy.arange(4, dtype=cupy.float64).sum().get()) == 6.0
    except Exception as exc:  # noqa: BLE001 - no driver, no device, no memory: not usable
        log.info("no usable GPU: %r", exc)
        return False


def vram(device: int = 0) -> tuple[int, int]:
    """(free, total) bytes of device memory."""
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            info = pynvml.nvmlDeviceGetMemoryInfo(pynvml.nvmlDeviceGetHandleByIndex(device))
            return int(info.free), int(info.total)
        finally:
            pynvml.nvmlShutdown()
    except Exception as exc:  # noqa: BLE001 - ImportError or an NVML error: ask CUDA instead
        log.debug("NVML unavailable (%r); asking the CUDA runtime", exc)
    import cupy

    with cupy.cuda.Device(device):
        free, total = cupy.cuda.runtime.memGetInfo()
    return int(free), int(total)


def semaphore_slots(total_bytes: int) -> int:
    """How many runs may use a card of ``total_bytes`` at once."""
    return int(min(max(total_bytes // BYTES_PER_SLOT, 1), MAX_SLOTS))


def batch_trials(free_bytes: int, per_trial_bytes: int, slots: int = 1) -> int:
    """Trials per launch that fit in ``free_bytes`` less the safety buffer, shared between
    ``slots`` concurrent runs (at least MIN_BATCH, at most MAX_BATCH)."""
    usable = free_bytes * (1.0 - SAFETY_FRACTION) - SAFETY_RESERVE
    per_run = max(usable, 0.0) / max(slots, 1)
    n = int(per_run // max(per_trial_bytes, 1))
    return int(min(max(n, MIN_BATCH), MAX_BATCH))


_SEM_LOCK = threading.Lock()
_SEM: list[threading.BoundedSemaphore] = []


def gpu_semaphore(total_bytes: int | None = None) -> threading.BoundedSemaphore:
    """The process-wide GPU semaphore (created on first use, sized from the card's memory)."""
    with _SEM_LOCK:
        if not _SEM:
            if total_bytes is None:
                total_bytes = vram()[1]
            slots = semaphore_slots(total_bytes)
            log.info("GPU semaphore: %d concurrent runs", slots)
            _SEM.append(threading.BoundedSemaphore(slots))
        return _SEM[0]


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is CuPy's (or the CUDA runtime's) out-of-memory error."""
    name = type(exc).__name__
    if name in ("OutOfMemoryError", "MemoryError"):
        return True
    return "out of memory" in str(exc).lower() or "cudaErrorMemoryAllocation" in str(exc)


def halving(run: Callable[[int, int], T], count: int, batch: int,
            is_oom: Callable[[BaseException], bool] = is_out_of_memory,
            on_oom: Callable[[], Any] | None = None, floor: int = 256,
            ) -> list[tuple[int, int, T]]:
    """``run(offset, n)`` over ``0 .. count - 1`` in batches of at most ``batch``; when it
    raises out of memory, free what can be freed (``on_oom``), halve the batch and retry the
    same range (down to ``floor`` trials, then the error stands).  Returns
    ``[(offset, n, result), ...]`` in order."""
    out: list[tuple[int, int, T]] = []
    size = max(min(batch, count), 1)
    done = 0
    while done < count:
        n = min(size, count - done)
        try:
            out.append((done, n, run(done, n)))
        except Exception as exc:
            if not is_oom(exc) or n <= floor:
                raise
            size = max(n // 2, floor)
            log.warning("GPU out of memory with %d trials per launch; retrying with %d", n, size)
            if on_oom is not None:
                on_oom()
            continue
        done += n
    return out
