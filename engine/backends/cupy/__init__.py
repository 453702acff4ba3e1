"""The cupy backend: the stochastic slice as one fused CUDA kernel on an NVIDIA GPU.

It is the numba backend with another code generator and another launcher:
:mod:`._codegen` translates the same generated per-trial code into CUDA C++ (one thread
per trial: Philox uniforms bit-identical to :mod:`engine.sampling`, inverse CDFs, every fused
cell in registers, outputs written once), compiled by NVRTC through ``cupy.RawModule`` with
``--fmad=false`` (CuPy caches the binary on disk).  Cells outside the fused subset are
computed on the host by the numpy evaluator from the stored cells, exactly as with numba;
a model whose generated code has no CUDA translation runs on numba (logged).

Precision: ``dtype="float64"`` (default) agrees with numpy to about 1e-15 relative
(normal and lognormal draws use Cephes' ``ndtri``, as scipy does: equal up to the rounding of
CUDA's ``log``).  ``dtype="float32"`` computes the cells in single precision, which
consumer GPUs run 32-64x faster than double: uniforms and input samples are still drawn in
double and rounded once, but every cell then carries about 7 significant digits
(relative error ~1e-7 per operation, growing with the length of the chain of cells), so
totals of many terms and differences of close numbers (an NPV near zero) lose accuracy;
statistics are fine to 5-6 digits, comparisons at a threshold can flip for trials within
that distance of it.

Memory: each launch holds ``batch_trials`` trials, sized from the free device memory (NVML)
with a safety buffer and shared between the runs that the process-wide GPU semaphore lets in;
an out-of-memory error halves the batch and retries (:mod:`.device`).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import numpy as np

from ..base import Backend, ChunkResult, Job, RunArrays
from ..numba import NumbaBackend, _Prepared, model_budget
from ..numba._codegen import InputSampler, KernelPlan
from ..numba._samplers import samplers_for
from ._codegen import KERNEL_NAME, NotTranslatable, generate_cuda
from .device import batch_trials, gpu_semaphore, halving, semaphore_slots, vram

log = logging.getLogger(__name__)

__all__ = ["CupyBackend"]

NVRTC_OPTIONS = ("--fmad=false",)
_REAL = {"float64": "double", "float32": "float"}
MAX_BLOCKS = 1 << 16   # grid-stride loop beyond this


class CupyBackend(NumbaBackend):
    """Fused CUDA kernels through CuPy (float64, or float32 with ``dtype="float32"``)."""

    name = "cupy"

    def __init__(self, dtype: str = "float64", device: int = 0, block: int = 256) -> None:
        super().__init__()
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
        self.dtype = dtype
        self.device = device
        self.block = block
        self._cpu = NumbaBackend()
        self._on_cpu: dict[int, tuple[Any, str]] = {}   # id(program) -> (program, why)
        self._args: dict[str, tuple] = {}                # plan key -> device arrays
        self._precision_plans: dict[str, tuple] = {}     # see _job_plan

    # ------------------------------------------------------------ plan and kernel
    def _plan(self, program: Any, samplers: dict[Any, InputSampler],
              mode: str | None) -> KernelPlan:
        cuda = generate_cuda(program, samplers, mode, self.dtype)
        plan = cuda.plan
        plan.source, plan.key = cuda.source, cuda.key
        return plan

    def _job_plan(self, job: Job) -> KernelPlan:
        """The numba backend's plan lookup, which keeps plans by backend class, model and
        content, not by precision: a plan of the other precision is made again here (a
        float64 run after a float32 one on the same model got single precision)."""
        plan = super()._job_plan(job)
        if f"typedef {_REAL[self.dtype]} real;" in plan.source[:200]:
            return plan
        with self._lock:
            got = self._precision_plans.get(plan.key)
        if got is None or got[0] is not job.program:
            samplers, mode = samplers_for(job, self.exact_samples)
            got = (job.program, self._plan(job.program, samplers, mode))
            with self._lock:
                self._precision_plans[plan.key] = got
        return got[1]

    def _kernel(self, plan: KernelPlan) -> Any:
        with self._lock:
            got = self._kernels.get(plan.key)
        if got is not None:
            return got
        import cupy

        with cupy.cuda.Device(self.device):
            module = cupy.RawModule(code=plan.source, options=NVRTC_OPTIONS)
            kernel = module.get_function(KERNEL_NAME)
        with self._lock:
            self._kernels[plan.key] = kernel
        return kernel

    def cpu_reason(self, job: Job) -> str | None:
        """Why ``job`` runs on the CPU instead (no CUDA translation), or None.  ``name``
        says which backend the last job asked about runs on ("cupy" or "numba")."""
        got = self._on_cpu.get(id(job.program))
        if got is not None and got[0] is job.program:
            self.name = "numba"
            return got[1]
        try:
            self.prepare(job)
        except NotTranslatable as exc:
            why = f"no CUDA translation: {exc}"
            log.warning("cupy: %s; this model runs on the CPU (numba)", why)
            self._on_cpu[id(job.program)] = (job.program, why)
            self.name = "numba"
            return why
        self.name = "cupy"
        return None

    # ------------------------------------------------------------ interface
    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        if self.cpu_reason(job) is not None:
            return self._cpu.run(job, start, count)
        return super().run(job, start, count)

    def allocate(self, job: Job, trials: int | None = None) -> RunArrays:
        if self.cpu_reason(job) is not None:
            return self._cpu.allocate(job, trials)
        return Backend.allocate(self, job, trials)  # chunks come back from the device: copied

    def run_into(self, job: Job, start: int, count: int, arrays: RunArrays) -> None:
        if self.cpu_reason(job) is not None:
            self._cpu.run_into(job, start, count, arrays)
        else:
            Backend.run_into(self, job, start, count, arrays)

    def chunk_size(self, job: Job) -> int:
        if self.cpu_reason(job) is not None:
            return self._cpu.chunk_size(job)
        prep = self.prepare(job)
        if prep.plan.rest:
            return self._numpy.chunk_size(job)
        per_trial = 8 * len(prep.plan.inputs) + 9 * max(len(prep.plan.stored), 1) + 16
        return int(min(max((512 << 20) // per_trial, 1 << 16), 1 << 23))

    def compile_seconds(self) -> float:
        return max(self.last_compile_s, self._cpu.last_compile_s)

    def _call(self, prep: _Prepared, job: Job, start: int, count: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        model_budget(job, count)  # before any host or device array
        import cupy

        plan = prep.plan
        seed = int(job.seed) & 0xFFFFFFFFFFFFFFFF
        ext = self._external(job, plan, start, count)
        out_in = np.empty((len(plan.inputs), count))
        out_v = np.empty((len(plan.stored), count))
        out_e = np.empty((len(plan.stored), count), dtype=np.uint8)
        per_trial = 8 * (len(plan.inputs) + len(plan.ext_inputs) + len(plan.stored)) \
            + len(plan.stored) + 8
        with gpu_semaphore(), cupy.cuda.Device(self.device):
            static = self._static_args(plan)
            free, total = vram(self.device)
            batch = batch_trials(free, per_trial, semaphore_slots(total))

            def launch(off: int, n: int) -> None:
                d_ext = cupy.asarray(np.ascontiguousarray(ext[:, off:off + n]))
                d_in = cupy.empty((len(plan.inputs), n))
                d_v = cupy.empty((len(plan.stored), n))
                d_e = cupy.empty((len(plan.stored), n), dtype=cupy.uint8)
                blocks = int(min(max(-(-n // self.block), 1), MAX_BLOCKS))
                prep.kernel((blocks,), (self.block,),
                            (np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32),
                             np.int64(start + off), np.int64(n), *static, d_ext, d_in, d_v, d_e))
                out_in[:, off:off + n] = d_in.get()
                out_v[:, off:off + n] = d_v.get()
                out_e[:, off:off + n] = d_e.get()

            halving(launch, count, batch,
                    on_oom=lambda: cupy.get_default_memory_pool().free_all_blocks())
        return out_in, out_v, out_e

    def _static_args(self, plan: KernelPlan) -> tuple:
        """The per-plan arguments on the device: sids, kv, ke, dp.  Kept by the kernel's key
        and the arrays' contents: two workbooks of one layout share a kernel source, not
        their constants."""
        host = (np.ascontiguousarray(plan.streams, dtype=np.uint64),
                np.ascontiguousarray(plan.kv, dtype=np.float64),
                np.ascontiguousarray(plan.ke, dtype=np.int64),
                np.ascontiguousarray(plan.dp, dtype=np.float64))
        digest = hashlib.sha256()
        for a in host:
            digest.update(a.tobytes())
            digest.update(b"|")
        key = f"{plan.key}:{digest.hexdigest()[:24]}"
        got = self._args.get(key)
        if got is None:
            import cupy

            got = tuple(cupy.asarray(a) for a in host)
            self._args[key] = got
        return got

    def close(self) -> None:
        super().close()
        self._cpu.close()
        self._args.clear()
        try:
            import cupy

            cupy.get_default_memory_pool().free_all_blocks()
        except Exception:  # noqa: BLE001, S110 - nothing to free without a GPU
            pass
