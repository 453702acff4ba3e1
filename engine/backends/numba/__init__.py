"""The numba backend: the stochastic slice fused into one compiled per-trial loop.

For each program, :mod:`._codegen` generates the source of one kernel module: per
block of 512 trials it draws every input from Philox (the uniforms of
:mod:`engine.sampling`, Monte Carlo or Latin hypercube, bit for bit) through its inverse CDF
(:mod:`._samplers`), then computes every varying cell of each trial in local variables
and stores only the outputs, plus the input samples that sensitivity analysis needs.

The kernel is ``@njit(nogil=True, cache=True)``; a chunk is split over threads (numba's
thread count, ``numba.set_num_threads`` included, or ``threads=``) that run it on disjoint
trial ranges with the GIL released.  That is a ``prange`` over trials done by hand: numba's
parfor passes take more than linear time in the loop body (a 300-cell workbook compiled in
58 s with ``prange``, 10 s without), and add about 1.5 s to every compile.

Every value kind is fused: numbers, logicals, errors and text (strings as ids into a table
made when the kernel is generated: :mod:`._text`).  Cells outside the fused subset (a
string made per trial from a varying number, a lookup on a varying key that is not sorted,
...) do not make the run fail: the kernel computes everything before them, and the numpy
evaluator computes those cells and what depends on them from the kernel's stored values (text
as strings).  A program with nothing to fuse, or whose kernel does not compile, runs on the
numpy backend.  What was left to numpy, and why, is logged (INFO), kept in
:attr:`NumbaBackend.last_fallback`, and given cell by cell by :func:`fused_report`.

Plans are kept for the process by their content (:mod:`._plan_cache`: a run prepared
again, on a new backend, finds its plan), and on disk beside the kernels (:mod:`._plan_store`:
a new process reading the same workbook finds it too).  Kernels are cached in the process by the hash of
their source, and on disk by numba (``cache=True``) next to the generated source, in
``platformdirs.user_cache_dir("mcdesk")`` (``MCDESK_KERNEL_CACHE`` overrides it);
:attr:`NumbaBackend.last_compile_s` says how long
the last one took to compile or load.  The generated source contains names from counters and
validated float literals only; the constants of the workbook are kernel arguments.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...compiler import stream_id
from ...text_outputs import NO_LABEL, TextColumn, boolean_column
from ...values import VALUE, Kind, Vec
from ..base import Backend, ChunkResult, Job, RunArrays
from ..numpy import NumpyBackend, output_arrays, output_columns
from . import _cache_stamp, _plan_cache  # noqa: F401  (_cache_stamp first: keys numba's cache)
from ._codegen import InputSampler, KernelPlan, generate
from ._dtext import _UNREAD
from ._samplers import samplers_for

if TYPE_CHECKING:
    from ...workbook import CellRef

log = logging.getLogger(__name__)

_PLANS_KEPT = 32
_MIN_PER_THREAD = 8192   # trials; below this a chunk runs on one thread


def cache_dir() -> Path:
    """Where generated kernels (and numba's compiled cache of them) live."""
    env = os.environ.get("MCDESK_KERNEL_CACHE")
    if env:
        return Path(env)
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("mcdesk")) / "kernels"
    except ImportError:  # platformdirs is a dependency; keep working without it
        return Path(tempfile.gettempdir()) / "mcdesk-kernels"


@dataclass
class FallbackInfo:
    """What a run of the numba backend left to numpy, for RESULT.json and ``check``."""

    fused_cells: int
    numpy_cells: int
    reasons: dict[str, str] = field(default_factory=dict)   # cell -> why it is not fused
    whole_program: bool = False                               # nothing fused at all
    external_inputs: list[str] = field(default_factory=list)  # drawn outside the kernel

    def as_dict(self) -> dict[str, Any]:
        return {"fused_cells": self.fused_cells, "numpy_cells": self.numpy_cells,
                "whole_program": self.whole_program, "reasons": dict(self.reasons),
                "external_inputs": list(self.external_inputs)}


@dataclass
class _Layout:
    """A run's memory as the kernel of plan ``key`` writes it (see NumbaBackend.allocate)."""

    key: str
    inputs: np.ndarray   # (kernel inputs, trials)
    values: np.ndarray   # (stored cells, trials)
    errors: np.ndarray   # (stored cells, trials), uint8


@dataclass
class _Prepared:
    program: Any            # kept so that id(program) stays unique while cached
    plan: KernelPlan
    kernel: Any             # the numba dispatcher, None when nothing runs in a kernel
    info: FallbackInfo
    const_outputs: dict    # output cell -> (values, errors) of length 1
    dists: tuple = ()      # the distributions it was prepared for (kept alive for the key)


def _job_key(job: Job) -> tuple[tuple, tuple]:
    """What a job's plan and kernel depend on: its program, distributions and sampling (by
    identity; the objects are compared again on a hit, as ids may be reused)."""
    dists = tuple(job.distributions.items())
    return (id(job.program), tuple((c, id(d)) for c, d in dists), str(job.sampling)), dists


class NumbaBackend(Backend):
    """Fused per-trial kernels compiled with numba (CPU, all cores)."""

    name = "numba"

    def __init__(self, threads: int | None = None, kernel_dir: str | Path | None = None,
                 exact_samples: bool = False) -> None:
        self.threads = threads
        self.exact_samples = exact_samples  # PERT through scipy's betaincinv (6x slower)
        self.kernel_dir = Path(kernel_dir) if kernel_dir is not None else cache_dir()
        self.last_compile_s = 0.0       # seconds spent compiling (or loading) the last kernel
        self.last_fallback: FallbackInfo | None = None
        self.fallbacks: list[FallbackInfo] = []
        self._prepared: OrderedDict[tuple, _Prepared] = OrderedDict()
        self._plans: OrderedDict[tuple, tuple[Any, tuple, KernelPlan]] = OrderedDict()
        self._kernels: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._numpy = NumpyBackend()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_size = 0

    def is_compiled(self, job: Job) -> bool:
        """Whether ``job``'s kernel is already compiled, in this process or in numba's disk
        cache (so running it costs no compile time)."""
        plan = self._job_plan(job)  # kept: running the job next does not generate it again
        if plan.key in self._kernels:
            return True
        name = f"mcdesk_kernel_{plan.key}"
        return any((self.kernel_dir / "__pycache__").glob(f"{name}.*.nbi"))

    # ------------------------------------------------------------ interface
    def compile_seconds(self) -> float:
        return self.last_compile_s

    def chunk_size(self, job: Job) -> int:
        prep = self.prepare(job)
        if prep.plan.rest:
            return self._numpy.chunk_size(job)
        per_trial = 8 * len(prep.plan.inputs) + 9 * max(len(prep.plan.stored), 1) + 16
        return int(min(max((128 << 20) // per_trial, 1 << 14), 1 << 22))

    def run(self, job: Job, start: int, count: int) -> ChunkResult:
        prep = self.prepare(job)
        self.last_fallback = prep.info
        if prep.kernel is None:
            return self._numpy.run(job, start, count)
        plan = prep.plan
        out_in, out_v, out_e = self._call(prep, job, start, count)
        res = ChunkResult(start, count)
        for j, c in enumerate(plan.inputs):
            if c in job.distributions:
                res.inputs[c] = out_in[j]
        row = {c: r for r, c in enumerate(plan.stored)}
        values = None
        if plan.rest:
            values = self._numpy_part(job, prep, start, count, out_in, out_v, out_e, row)
        made = _made_text(job, plan, start, count, out_in,
                          {c: (out_v[r], out_e[r]) for c, r in row.items()})
        for c in job.program.outputs:
            text = None
            if c in made:   # text made per trial: its labels from the numpy evaluator
                res.outputs[c], res.errors[c], text = made[c]
            elif c in row:   # text as ids (and logicals) labelled: engine.text_outputs
                res.outputs[c], res.errors[c] = out_v[row[c]], out_e[row[c]]
                text = _labels_in_place(plan, c, res.outputs[c], res.errors[c])
            elif values is not None and c in values:
                res.outputs[c], res.errors[c], text = output_columns(values[c], count)
            else:
                res.outputs[c], res.errors[c] = np.empty(count), np.empty(count, dtype=np.uint8)
                text = _fill_beside(prep, c, out_in, res.outputs[c], res.errors[c])
            if text is not None:
                res.texts[c] = text
        return res

    def allocate(self, job: Job, trials: int | None = None) -> RunArrays:
        """The arrays as rows of the kernel's own 2-D arrays (inputs in plan order, stored
        cells), so that :meth:`run_into` writes every chunk in place: no chunk buffers, no
        copy.  A job with cells left to numpy or inputs drawn outside the kernel gets
        separate arrays, filled by copying."""
        prep = self.prepare(job)
        plan = prep.plan
        if prep.kernel is None or plan.rest or plan.ext_inputs:
            return super().allocate(job, trials)
        n = int(job.trials if trials is None else trials)
        model_budget(job, n)
        block_in = np.empty((len(plan.inputs), n))
        block_v = np.empty((len(plan.stored), n))
        block_e = np.empty((len(plan.stored), n), dtype=np.uint8)
        arrays = RunArrays(layout=_Layout(plan.key, block_in, block_v, block_e))
        arrays.inputs = {c: block_in[j] for j, c in enumerate(plan.inputs)
                         if c in job.distributions}
        row = {c: r for r, c in enumerate(plan.stored)}
        for c in job.program.outputs:
            if c in row:
                arrays.outputs[c], arrays.errors[c] = block_v[row[c]], block_e[row[c]]
            else:  # an input, or a constant: filled after the kernel
                arrays.outputs[c], arrays.errors[c] = np.empty(n), np.empty(n, dtype=np.uint8)
        return arrays

    def run_into(self, job: Job, start: int, count: int, arrays: RunArrays) -> None:
        prep = self.prepare(job)
        lay = arrays.layout
        if not isinstance(lay, _Layout) or lay.key != prep.plan.key or prep.kernel is None:
            super().run_into(job, start, count, arrays)
            return
        self.last_fallback = prep.info
        plan = prep.plan
        lo = int(start) - arrays.first
        hi = lo + int(count)
        if lo < 0 or hi > lay.inputs.shape[1]:  # the kernel does not check its bounds
            raise ValueError(f"trials {start}..{start + count - 1} are not in these arrays "
                             f"(trials {arrays.first}..{arrays.first + lay.inputs.shape[1] - 1})")
        ext = np.empty((0, lay.inputs.shape[1]))
        self._launch(prep, job, arrays.first, lo, hi, ext, lay.inputs, lay.values, lay.errors)
        made = _made_text(job, plan, int(start), int(count), lay.inputs[:, lo:hi],
                          {c: (lay.values[r, lo:hi], lay.errors[r, lo:hi])
                           for r, c in enumerate(plan.stored)})
        for c in job.program.outputs:
            if c in made:
                arrays.outputs[c][lo:hi], arrays.errors[c][lo:hi], text = made[c]
            elif c not in plan.stored:
                text = _fill_beside(prep, c, lay.inputs[:, lo:hi], arrays.outputs[c][lo:hi],
                                    arrays.errors[c][lo:hi])
            else:
                text = _labels_in_place(plan, c, arrays.outputs[c][lo:hi],
                                        arrays.errors[c][lo:hi])
            arrays.put_text(c, lo, text, hi - lo)

    def source(self, job: Job) -> str:
        """The generated kernel source for ``job`` (a disassembler, for humans and tests)."""
        return self.prepare(job).plan.source

    # ------------------------------------------------------------ preparation
    def prepare(self, job: Job) -> _Prepared:
        """The plan and compiled kernel of ``job``'s program (cached by program and
        distributions; the kernel itself by the hash of its source)."""
        key, dists = _job_key(job)
        with self._lock:
            got = self._prepared.get(key)
            if got is not None and got.program is job.program and got.dists == dists:
                self._prepared.move_to_end(key)
                return got
        prep = self._prepare(job, self._job_plan(job))
        prep.dists = dists
        with self._lock:
            self._prepared[key] = prep
            while len(self._prepared) > _PLANS_KEPT:
                self._prepared.popitem(last=False)
        return prep

    def _job_plan(self, job: Job) -> KernelPlan:
        """The kernel plan of ``job`` (generated once per program and distributions)."""
        key, dists = _job_key(job)
        with self._lock:
            got = self._plans.get(key)
        if got is not None and got[0] is job.program and got[1] == dists:
            return got[2]
        samplers, mode = samplers_for(job, self.exact_samples)
        program = job.program
        content = _plan_cache.plan_key(type(self).__qualname__, program, samplers, mode)
        plans = self.kernel_dir / "plans"   # kept on disk beside the kernels
        plan = _plan_cache.get(program.model, content, plans)
        if plan is None:   # not made by an earlier run of this slice (here or on disk)
            plan = self._plan(program, samplers, mode)
            _plan_cache.put(program.model, content, plan, plans)
        with self._lock:
            self._plans[key] = (job.program, dists, plan)
            while len(self._plans) > _PLANS_KEPT:
                self._plans.popitem(last=False)
        return plan

    def _prepare(self, job: Job, plan: KernelPlan) -> _Prepared:
        program = job.program
        info = FallbackInfo(len(plan.fused), len(plan.rest),
                            {str(c): r for c, r in plan.reasons.items()},
                            external_inputs=[str(c) for c in plan.ext_inputs])
        prep = _Prepared(program, plan, None, info, self._const_outputs(job, plan))
        self.last_compile_s = 0.0
        if plan.fused or len(plan.ext_inputs) < len(plan.inputs):
            t0 = time.perf_counter()
            try:
                prep.kernel = self._kernel(plan)
                self._call(prep, job, 0, 1)  # compile (or load from numba's cache) now
            except Exception as exc:  # noqa: BLE001 - a generator bug must not fail the run
                log.warning("%s: the kernel failed to compile (%r); running on numpy",
                            self.name, exc)
                prep.kernel = None
            self.last_compile_s = time.perf_counter() - t0
        if prep.kernel is None:
            prep.info = FallbackInfo(0, len(program.steps), info.reasons, whole_program=True,
                                     external_inputs=[str(c) for c in program.inputs])
            log.info("numba: nothing fused; %d cells run on the numpy backend",
                     len(program.steps))
        elif info.numpy_cells:
            first = next(iter(info.reasons.items()))
            log.info("numba: %d of %d cells fused; %d left to numpy (first: %s: %s)",
                     info.fused_cells, len(program.steps), info.numpy_cells, *first)
        self.fallbacks.append(prep.info)
        return prep

    def _plan(self, program: Any, samplers: dict[CellRef, InputSampler],
              mode: str | None) -> KernelPlan:
        """The kernel plan of ``program`` (the cupy backend makes a CUDA one instead)."""
        return generate(program, samplers, mode)

    def _const_outputs(self, job: Job, plan: KernelPlan) -> dict:
        from ...model import Env

        program = job.program
        env = Env(program.model, n=1, now=program.now)
        env.values.update(program.constants)
        out = {}
        varying = set(plan.stored) | set(plan.rest) | set(plan.inputs)
        for c in program.outputs:
            if c not in varying:
                v, e, text = output_columns(env.cell(c), 1)
                out[c] = (float(v[0]), int(e[0]),
                          None if text is None or text.ids[0] < 0 else text.strings[text.ids[0]])
        return out

    def _kernel(self, plan: KernelPlan) -> Any:
        with self._lock:
            got = self._kernels.get(plan.key)
        if got is not None:
            return got
        name = f"mcdesk_kernel_{plan.key}"
        path = self._write_source(name, plan.source)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        kernel = module.kernel
        with self._lock:
            self._kernels[plan.key] = kernel
        return kernel

    def _write_source(self, name: str, source: str) -> Path:
        """The kernel source as a file (numba's disk cache needs one); written once, so its
        modification time, part of numba's cache key, stays the same."""
        for base in (self.kernel_dir, Path(tempfile.gettempdir()) / "mcdesk-kernels"):
            path = base / f"{name}.py"
            try:
                if path.exists() and path.read_text() == source:
                    return path
                base.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=base, suffix=".tmp")
                with os.fdopen(fd, "w") as fh:
                    fh.write(source)
                os.replace(tmp, path)
                return path
            except OSError as exc:
                log.debug("cannot write kernel source in %s: %r", base, exc)
        raise OSError("no writable directory for numba kernels")

    # ------------------------------------------------------------ running
    def _call(self, prep: _Prepared, job: Job, start: int, count: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        plan = prep.plan
        model_budget(job, count)
        ext = self._external(job, plan, start, count)
        out_in = np.empty((len(plan.inputs), count))
        out_v = np.empty((len(plan.stored), count))
        out_e = np.empty((len(plan.stored), count), dtype=np.uint8)
        self._launch(prep, job, start, 0, count, ext, out_in, out_v, out_e)
        return out_in, out_v, out_e

    def _launch(self, prep: _Prepared, job: Job, start: int, lo: int, hi: int,
                ext: np.ndarray, out_in: np.ndarray, out_v: np.ndarray, out_e: np.ndarray
                ) -> None:
        """Trials ``start + lo`` .. ``start + hi - 1`` into columns ``lo`` .. ``hi - 1`` of
        the arrays, split over the threads."""
        plan = prep.plan
        seed = int(job.seed) & 0xFFFFFFFFFFFFFFFF
        k0, k1 = np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)
        args = (plan.streams, plan.kv, plan.ke, plan.dp, plan.gi, ext, out_in, out_v, out_e)
        total = int(job.trials)
        threads = self.thread_count()
        count = hi - lo
        parts = threads if count >= threads * _MIN_PER_THREAD else 1
        if parts == 1:
            prep.kernel(k0, k1, int(start), int(lo), int(hi), total, *args)
            return
        bounds = np.linspace(lo, hi, parts + 1).astype(np.int64)
        pool = self._thread_pool(threads)
        futures = [pool.submit(prep.kernel, k0, k1, int(start), int(a), int(b), total, *args)
                   for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        for f in futures:
            f.result()

    def thread_count(self) -> int:
        """Threads a chunk is split over: ``threads`` if given, else numba's setting (so
        ``numba.set_num_threads`` applies as it would to a ``prange`` loop)."""
        if self.threads:
            return max(int(self.threads), 1)
        import numba

        return max(int(numba.get_num_threads()), 1)

    def _thread_pool(self, threads: int) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None or self._pool_size < threads:
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
                self._pool = ThreadPoolExecutor(max_workers=threads,
                                                thread_name_prefix="mcdesk-numba")
                self._pool_size = threads
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def _external(self, job: Job, plan: KernelPlan, start: int, count: int) -> np.ndarray:
        """Samples of the inputs the kernel does not draw itself (rows of ``ext``)."""
        ext = np.empty((len(plan.ext_inputs), count))
        if not plan.ext_inputs:
            return ext
        from ...sampling import draw

        for r, c in enumerate(plan.ext_inputs):
            dist = job.distributions.get(c)
            if dist is None:  # an input without a distribution keeps its value, as in numpy
                v, _ = output_arrays(prep_constant(job, c), 1)
                ext[r] = v[0]
                continue
            u = draw(job.seed, stream_id(c), start, count, job.trials, job.sampling)
            ext[r] = np.asarray(dist.ppf(u), dtype=np.float64)
        return ext

    def _numpy_part(self, job: Job, prep: _Prepared, start: int, count: int,
                    out_in: np.ndarray, out_v: np.ndarray, out_e: np.ndarray,
                    row: dict) -> dict:
        """The cells left to numpy, from the kernel's inputs and stored cells."""
        program = job.program
        env = _numpy_env(job, prep.plan, start, count, out_in)
        for c, r in row.items():
            err = out_e[r]
            bad = err != 0
            data = np.where(bad, 0.0, out_v[r])
            kind = prep.plan.stored_kinds[c]
            if kind == "any":
                vec = _mixed_vec(out_v[r], out_e[r], prep.plan.strings)
            elif kind == "str":
                ids = np.where(bad, 0.0, out_v[r]).astype(np.int64)
                strings = np.array(prep.plan.strings + [""], dtype=object)
                vec = Vec(Kind.STR, strings[ids], err.copy() if bad.any() else None)
            elif kind == "bool":
                vec = Vec(Kind.BOOL, data != 0.0, err.copy() if bad.any() else None)
            elif kind == "blank":
                vec = Vec(Kind.BLANK, np.zeros(count), err.copy() if bad.any() else None)
            else:
                vec = Vec(Kind.NUM, data, err.copy() if bad.any() else None)
            env.values[c] = vec
        for c in prep.plan.rest:
            env.compute(c)
        return {c: env.cell(c) for c in program.outputs if c in set(prep.plan.rest)}


def model_budget(job: Job, trials: int) -> None:
    """The numpy path's estimate of the per-trial arrays (``Limits.model_budget``: a value
    and an error code per trial for each input and varying cell), checked before a kernel's
    arrays for ``trials`` trials are allocated: a LimitError naming the first varying cell,
    the limit and MCDESK_MAX_MODEL_BYTES."""
    program = job.program
    if program.steps:
        program.model.limits.model_budget(len(program.steps) + len(job.distributions),
                                          int(trials), program.steps[0])


def _fill_beside(prep: _Prepared, c: CellRef, inputs: np.ndarray, values: np.ndarray,
                 errors: np.ndarray) -> TextColumn | None:
    """An output the kernel does not compute: an input's samples (its row of the kernel's
    ``inputs`` columns), else its constant value; returns its labels (a constant text or
    logical), else None."""
    if c in prep.plan.inputs:
        values[:] = inputs[prep.plan.inputs.index(c)]
        errors[:] = 0
        return None
    v, e, label = prep.const_outputs[c]
    values[:], errors[:] = v, e
    if label is None:
        return None
    return TextColumn(np.zeros(len(values), dtype=np.int32), [label])


def _numpy_env(job: Job, plan: KernelPlan, start: int, count: int, inputs: np.ndarray) -> Any:
    """The numpy evaluator's environment for trials ``start ..`` (``count``): the program's
    constants and the kernel's input samples ``inputs`` (plan order), RAND drawn as the
    numpy backend draws it."""
    from ...model import Env
    from ...sampling import draw

    def rand(stream: int) -> np.ndarray:
        return draw(job.seed, stream, start, count, job.trials, job.sampling)

    env = Env(job.program.model, n=count, now=job.program.now, rand=rand)
    env.values.update(job.program.constants)
    for j, c in enumerate(plan.inputs):
        env.values[c] = Vec(Kind.NUM, inputs[j])
    return env


def _made_text(job: Job, plan: KernelPlan, start: int, count: int, inputs: np.ndarray,
               stored: dict[CellRef, tuple[np.ndarray, np.ndarray]],
               ) -> dict[CellRef, tuple[np.ndarray, np.ndarray, TextColumn | None]]:
    """The outputs whose trials give text made per trial (``_dtext``: the kernel stores
    only its kind and error, or the id of a stand-in string) as numpy's
    :func:`output_columns` gives them, from the kernel's input samples ``inputs`` (plan
    order) of trials ``start ..``: the numpy evaluator computes them and the cells they read
    (the kernel's numbers are kept for everything else).  ``stored``: the kernel's values
    and error codes of its stored cells over those trials."""
    unread = plan.strings.index(_UNREAD) if _UNREAD in plan.strings else None
    cells = []
    for c in job.program.outputs:
        kind = plan.stored_kinds.get(c)
        if kind == "dstr":
            cells.append(c)
        elif unread is not None and c in plan.text_ids and c in stored:
            v, e = stored[c]
            text = (e == 0) if kind == "str" else ((e & 15) == 0) & ((e >> 4) == 2)
            if (v[text] == unread).any():
                cells.append(c)
    if not cells:
        return {}
    program = job.program
    env = _numpy_env(job, plan, start, count, np.ascontiguousarray(inputs))
    cone, todo = set(), list(cells)
    while todo:   # the cells of the slice these outputs read
        c = todo.pop()
        if c in cone or c in env.values:
            continue
        cone.add(c)
        todo.extend(program.model.code(c).deps)
    for c in program.steps:   # in dependency order
        if c in cone and c not in env.values:
            env.compute(c)
    return {c: output_columns(env.cell(c), count) for c in cells}


def _labels_in_place(plan: KernelPlan, c: CellRef, v: np.ndarray, e: np.ndarray
                     ) -> TextColumn | None:
    """A stored output as numpy's :func:`output_columns` gives it, rewritten in place (``v``
    and ``e`` are its row of the kernel's arrays): a text cell stored as string ids and a
    mixed one with its tag in the error code's high bits (``plan.text_ids``) get NaN and
    #VALUE! where a trial gave text, logicals 1/0, blank 0; returns the labels
    (ids into ``plan.strings``, TRUE/FALSE for logicals), or None where it has none."""
    kind = plan.stored_kinds.get(c)
    if kind == "bool":
        return boolean_column(v, e == 0)
    if c not in plan.text_ids:
        return None
    if kind == "any":
        code, tag = e & 15, e >> 4
    else:
        code, tag = e.copy(), np.full(len(e), 2, np.uint8)
    ok = code == 0
    is_text, is_bool = ok & (tag == 2), ok & (tag == 1)
    ids = np.full(len(v), NO_LABEL, dtype=np.int32)
    ids[is_text] = v[is_text]
    strings = list(plan.strings)
    if is_bool.any():
        ids[is_bool] = len(strings) + (v[is_bool] != 0)
        strings += ["FALSE", "TRUE"]
    v[:] = np.where(ok & (tag < 2), v, np.where(ok & (tag == 3), 0.0, np.nan))
    e[:] = np.where(is_text, VALUE, code)
    return TextColumn(ids, strings) if (is_text | is_bool).any() else None


def _mixed_vec(v: np.ndarray, e: np.ndarray, strings: list[str]) -> Vec:
    """A mixed cell stored by the kernel as numpy's per-trial values (Kind.ANY)."""
    from ...values import normalize

    code, tag = e & 15, e >> 4
    data = np.empty(len(v), dtype=object)
    for i, (x, t, c) in enumerate(zip(v, tag, code, strict=True)):
        if c:
            data[i] = 0.0
        elif t == 0:
            data[i] = float(x)
        elif t == 1:
            data[i] = bool(x)
        elif t == 2:
            data[i] = strings[int(x)]
        else:
            data[i] = None
    err = code.astype(np.uint8)
    return normalize(Vec(Kind.ANY, data, err if err.any() else None))


def fused_report(job: Job, backend: NumbaBackend | None = None) -> dict[str, str]:
    """The cells of ``job``'s stochastic slice that the fused kernel does not compute, each
    with the reason (empty when every cell is fused): for RESULT.json and ``check``.  Uses
    ``backend``'s prepared plan when given (no second compile), else generates the plan
    alone (no compile at all)."""
    if backend is not None:
        prep = backend.prepare(job)
        if prep.kernel is None:
            why = "the kernel did not compile" if prep.plan.fused else "nothing to fuse"
            return {str(c): prep.plan.reasons.get(c, why) for c in job.program.steps}
        plan = prep.plan
    else:
        samplers, mode = samplers_for(job, False)
        plan = generate(job.program, samplers, mode)
    return {str(c): plan.reasons.get(c, "depends on a cell left to numpy") for c in plan.rest}


def prep_constant(job: Job, c: CellRef) -> Vec:
    """The value numpy gives a cell outside the slice (a constant or the workbook's value)."""
    from ...model import Env

    env = Env(job.program.model, n=1, now=job.program.now)
    env.values.update(job.program.constants)
    return env.cell(c)


__all__ = ["NumbaBackend", "FallbackInfo", "cache_dir", "fused_report"]
