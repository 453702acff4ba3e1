"""The backend interface (one method) and the registry of backends."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SpecError
from ..text_outputs import LabelColumn, TextColumn

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pathlib import Path

    from ..distributions import Distribution
    from ..model import Program
    from ..sampling import Sampling
    from ..spec import SimulationSpec
    from ..workbook import CellRef


@dataclass
class Job:
    """Everything a backend needs to run trials of one simulation."""

    program: Program
    distributions: dict[CellRef, Distribution]
    seed: int
    sampling: Sampling
    trials: int  # total trials of the run (Latin hypercube strata depend on it)
    # where the job came from, for backends that send the run elsewhere (remote)
    spec: SimulationSpec | None = field(default=None, repr=False, compare=False)
    book: Path | None = field(default=None, repr=False, compare=False)  # the workbook file


@dataclass
class ChunkResult:
    """Trials ``start`` .. ``start + count - 1`` of a run."""

    start: int
    count: int
    inputs: dict[CellRef, np.ndarray] = field(default_factory=dict)          # float64 samples
    outputs: dict[CellRef, np.ndarray] = field(default_factory=dict)         # float64, NaN where not numeric
    errors: dict[CellRef, np.ndarray] = field(default_factory=dict)          # uint8 Excel error codes
    # labels of the outputs that have text or logicals (engine.text_outputs; text: errors TEXT)
    texts: dict[CellRef, TextColumn] = field(default_factory=dict)


@dataclass
class RunArrays:
    """Per-trial samples filled range by range: float64 inputs and outputs, uint8 error
    codes, all of one length; column ``i`` holds trial ``first + i`` (a whole run kept in
    memory has ``first`` 0; a reused chunk buffer moves it).  ``layout`` is the memory as
    the backend that allocated it laid it out (rows of 2-D arrays a kernel writes into), or
    None.  ``texts``: the labels of the outputs that have any, one numbering for the run
    (:class:`engine.text_outputs.LabelColumn`, made by :meth:`put_text`)."""

    inputs: dict[CellRef, np.ndarray] = field(default_factory=dict)
    outputs: dict[CellRef, np.ndarray] = field(default_factory=dict)
    errors: dict[CellRef, np.ndarray] = field(default_factory=dict)
    layout: object = None
    first: int = 0
    texts: dict[CellRef, LabelColumn] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def empty(cls, job: Job, n: int) -> RunArrays:
        """One array of ``n`` trials per input and output."""
        return cls({c: np.empty(n) for c in job.distributions},
                   {c: np.empty(n) for c in job.program.outputs},
                   {c: np.empty(n, dtype=np.uint8) for c in job.program.outputs})

    def store(self, chunk: ChunkResult) -> None:
        """Copy a chunk's trials into place."""
        a = chunk.start - self.first
        b = a + chunk.count
        for name, arrays in (("inputs", self.inputs), ("outputs", self.outputs),
                             ("errors", self.errors)):
            got = getattr(chunk, name)
            for c, dest in arrays.items():
                dest[a:b] = got[c]
        for c in self.outputs:
            self.put_text(c, a, chunk.texts.get(c), chunk.count)

    def put_text(self, c: CellRef, a: int, col: TextColumn | None, count: int) -> None:
        """Output ``c``'s labels of ``count`` trials from column ``a`` (None: no labels)."""
        got = self.texts.get(c)
        if got is None:
            if col is None:
                return
            with self._lock:
                got = self.texts.get(c)
                if got is None:
                    got = self.texts[c] = LabelColumn(len(self.outputs[c]))
        got.put(a, col, count)

    def chunk(self, start: int, count: int) -> ChunkResult:
        """Trials ``start`` .. ``start + count - 1`` as a chunk (views, not copies)."""
        a = start - self.first
        b = a + count
        return ChunkResult(start, count, {c: v[a:b] for c, v in self.inputs.items()},
                           {c: v[a:b] for c, v in self.outputs.items()},
                           {c: v[a:b] for c, v in self.errors.items()},
                           {c: v.view(a, b) for c, v in self.texts.items()})


class Backend(ABC):
    """Runs a range of trials of a job.  Implementations must be deterministic in
    (seed, stream, trial): the same trial gives the same numbers whatever the chunking."""

    name: str = "abstract"

    @abstractmethod
    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        """Evaluate trials ``start`` .. ``start + count - 1``."""

    def chunk_size(self, job: Job) -> int:
        """A good number of trials per call (memory-bounded)."""
        return 1 << 17

    def compile_seconds(self) -> float:
        """Seconds the last job spent compiling (or loading) a kernel; 0 for interpreters."""
        return 0.0

    def allocate(self, job: Job, trials: int | None = None) -> RunArrays:
        """Arrays for ``trials`` trials of ``job`` (default: all of them) that
        :meth:`run_into` fills."""
        return RunArrays.empty(job, job.trials if trials is None else trials)

    def run_into(self, job: Job, start: int, count: int, arrays: RunArrays) -> None:
        """Evaluate trials ``start`` .. ``start + count - 1`` into ``arrays`` (from
        :meth:`allocate`, holding those trials from ``arrays.first``).  Backends that can
        write there directly override it; this one runs the chunk and copies it."""
        arrays.store(self.run(job, start, count))

    def workers(self, job: Job) -> int:
        """How many chunks may run at once in threads of this process (``run`` must then be
        thread-safe).  Backends that parallelise inside a chunk keep the default, 1."""
        return 1

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (GPU memory, connections)."""


class MockBackend(Backend):
    """Returns fixed per-trial values for every output: for tests of the code around backends."""

    name = "mock"

    def __init__(self, value: float = 0.0) -> None:
        self.value = value
        self.calls: list[tuple[int, int]] = []

    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        self.calls.append((start, count))
        out = ChunkResult(start, count)
        for c in job.program.outputs:
            out.outputs[c] = np.full(count, self.value)
            out.errors[c] = np.zeros(count, dtype=np.uint8)
        return out


def available_backends() -> list[str]:
    """The names of the registered backends that can run here and need no options, in the
    registry's order (numpy, numba, cupy)."""
    from . import registry

    return [e.name for e in registry.entries() if e.listed and e.available()]


AUTO_NUMBA_TRIALS = 5_000_000  # from here a first numba compile (7-30 s) pays for itself


class AutoBackend(Backend):
    """Chooses per job: cupy when a GPU is usable; else numba when its kernel is already
    compiled or the run is large enough to pay for compiling it, else numpy.  ``name``
    becomes the backend actually used."""

    name = "auto"

    def __init__(self) -> None:
        self._chosen: dict[int, Backend] = {}

    def choose(self, job: Job) -> Backend:
        got = self._chosen.get(id(job))
        if got is None:
            from . import registry

            got = registry.create("numpy")
            assert got is not None  # the reference is always there
            gpu = None
            if "cupy" in available_backends():
                gpu = registry.create("cupy")
                try:
                    if gpu.cpu_reason(job) is not None:  # no CUDA translation: the CPU choice
                        gpu = None
                except Exception as exc:  # noqa: BLE001 - choosing must never fail a run
                    log.info("auto: cupy not usable for this job (%r)", exc)
                    gpu = None
            if gpu is not None:
                got = gpu
            elif "numba" in available_backends():
                fast = registry.create("numba")
                try:
                    if job.trials >= AUTO_NUMBA_TRIALS or fast.is_compiled(job):
                        got = fast
                except Exception as exc:  # noqa: BLE001 - choosing must never fail a run
                    log.info("auto: numba not usable for this job (%r); numpy", exc)
            self._chosen[id(job)] = got
            self.name = got.name
        return got

    def chunk_size(self, job: Job) -> int:
        return self.choose(job).chunk_size(job)

    def workers(self, job: Job) -> int:
        return self.choose(job).workers(job)

    def compile_seconds(self) -> float:
        return max((b.compile_seconds() for b in self._chosen.values()), default=0.0)

    def allocate(self, job: Job, trials: int | None = None) -> RunArrays:
        return self.choose(job).allocate(job, trials)

    def run_into(self, job: Job, start: int, count: int, arrays: RunArrays) -> None:
        self.choose(job).run_into(job, start, count, arrays)

    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        return self.choose(job).run(job, start, count)

    def close(self) -> None:
        for b in self._chosen.values():
            b.close()


def get_backend(name: str, **options: object) -> Backend:
    """A backend by name: ``numpy`` (reference), ``numba``; ``auto`` picks per job;
    ``remote`` (options: url, token, shards, ...: see ``remote.RemoteBackend``);
    ``cupy`` (options: ``dtype="float32"`` for single precision, ``device``: see
    ``engine.backends.cupy``); ``dask`` (options: ``scheduler``, ``inner``: see
    ``engine.backends.dask``).  Each is registered by its own package (see
    :mod:`engine.backends.registry`)."""
    from . import registry

    key = (name or "auto").lower()
    if key == "auto":
        return AutoBackend()
    found = registry.entry(key)
    if found is not None and found.available():
        return found.load()(**options)
    if key == "cupy" and found is not None:
        raise SpecError("backend 'cupy' needs a usable NVIDIA GPU (a CUDA device, its "
                        "driver and pip install 'mcdesk[gpu]'); none here: use --backend "
                        "numba (or auto)")
    raise SpecError(f"unknown or unavailable backend {name!r}; available: "
                    + ", ".join(["auto", *available_backends()]))
