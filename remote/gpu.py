"""How many jobs run at once: from free GPU memory (pynvml) where there is a GPU, else from
the CPUs and free memory.  (Trials per launch are the backend's business: the cupy backend
sizes its batches from free VRAM and halves them on an out-of-memory error.)

pynvml (``nvidia-ml-py``) is imported lazily: without it, or without an NVIDIA driver, the
service falls back to CPU-derived slots and says so in ``/v1/info``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

try:  # the cupy backend's own share of the card per concurrent run, so the two agree
    from engine.backends.cupy.device import BYTES_PER_SLOT as VRAM_PER_SLOT
    from engine.backends.cupy.device import MAX_SLOTS as MAX_GPU_SLOTS
except ImportError:  # pragma: no cover - an engine without the cupy backend
    VRAM_PER_SLOT, MAX_GPU_SLOTS = 16 * 2**30, 8
RAM_PER_SLOT = 2 * 2**30         # main memory per running job, on the CPU fallback
MAX_SLOTS = 16


@dataclass
class GpuInfo:
    name: str
    total_bytes: int
    free_bytes: int


@dataclass
class Capacity:
    """What the scheduler works with, and where it came from."""

    slots: int
    source: str                       # "gpu", "cpu" or "settings"
    note: str
    gpus: list[GpuInfo] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"slots": self.slots, "source": self.source, "note": self.note,
                "gpus": [{"name": g.name, "total_bytes": g.total_bytes, "free_bytes": g.free_bytes}
                         for g in self.gpus]}


def query_gpus() -> tuple[list[GpuInfo], str]:
    """Every NVIDIA GPU's name and memory, or ([], why not)."""
    try:
        import pynvml
    except ImportError:
        return [], "pynvml is not installed (pip install nvidia-ml-py)"
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # noqa: BLE001 - NVMLError_LibraryNotFound etc.: no driver
        return [], f"no NVIDIA driver ({type(exc).__name__})"
    try:
        out = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            name = pynvml.nvmlDeviceGetName(h)
            out.append(GpuInfo(name.decode() if isinstance(name, bytes) else str(name),
                               int(mem.total), int(mem.free)))
        return out, "" if out else "the driver reports no GPU"
    except Exception as exc:  # noqa: BLE001
        return [], f"pynvml failed ({type(exc).__name__}: {exc})"
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:  # noqa: BLE001
            pass


def available_memory() -> int:
    from engine.simulate import available_memory as avail

    return avail() or 4 * 2**30


def capacity(override: int | None = None) -> Capacity:
    """Slots (jobs running at once): the override, else free VRAM / 16 GiB (the cupy
    backend's share per run), else from the CPUs and free memory."""
    gpus, why = query_gpus()
    if override is not None:
        return Capacity(override, "settings", "MCDESK_GPU_SLOTS", gpus)
    if gpus:
        free = sum(g.free_bytes for g in gpus)
        slots = max(1, min(MAX_GPU_SLOTS, free // VRAM_PER_SLOT))
        return Capacity(int(slots), "gpu", f"{free / 2**30:.1f} GiB free VRAM / "
                        f"{VRAM_PER_SLOT / 2**30:.0f} GiB per job", gpus)
    cpus = os.cpu_count() or 1
    ram = available_memory()
    slots = max(1, min(MAX_SLOTS, cpus // 2, ram // RAM_PER_SLOT))
    note = (f"no GPU: {why}; {slots} slot(s) from {cpus} CPUs and "
            f"{ram / 2**30:.1f} GiB free memory")
    log.info(note)
    return Capacity(int(slots), "cpu", note, [])
