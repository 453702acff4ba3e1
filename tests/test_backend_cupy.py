"""The cupy backend and its generated CUDA source.

Without a GPU (most machines, CI):

* the translation of generated per-trial code to C++ (golden lines, and refusals);
* the generated CUDA source of the bundled example and of the test model of every fused
  function is compiled for the device by ``nvcc --ptx`` (skipped without nvcc), so a syntax
  error cannot hide until a GPU is found;
* the same source compiled for the host by a C++ compiler runs the kernel's per-trial code on
  the CPU through the cupy backend's own plan and result assembly (:class:`HostCudaBackend`):
  bit-identical uniforms and input samples, outputs equal to numpy's to 1e-12 relative;
* the GPU bookkeeping: batch sizes from free memory, the semaphore size, the out-of-memory
  halving loop with a fake allocator, backend selection without a GPU.

With a usable GPU (``cupy`` installed and a device that allocates), the same agreement checks
run on the device: bench/gpu_check.sh runs this file there.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends import base  # noqa: E402
from engine.backends.cupy import CupyBackend  # noqa: E402
from engine.backends.cupy import device as dev  # noqa: E402
from engine.backends.cupy._codegen import NotTranslatable, translate  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.errors import SpecError  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.sampling import Sampling, uniforms  # noqa: E402
from engine.simulate import prepare  # noqa: E402
from engine.spec import InputSpec, SimulationSpec  # noqa: E402
from tests.test_backend_numba import (  # noqa: E402
    DISTRIBUTIONS,
    _workbook_job,
    assert_same,
    everything_model,
    job_for,
    run,
    tri,
)

NVCC = shutil.which("nvcc")
CXX = shutil.which("g++") or shutil.which("c++")
GPU = dev.gpu_available()
HOST_BOOKS = ["adithiya__Cashflow.xlsx", "adithiya__TVM_NPV_IRR.xlsx", "derobertis__Dynamic_Salary_Retirement_Model_Internal_Randomness.xlsx",
              "itstonysantana__Work_Sample_-_NAIVE_MONTE_CARLO_FORECASTING.xlsx"]


def example_job(trials: int = 4_000):
    from mcdesk.cli import example_paths

    book, spec_path = example_paths()
    spec = SimulationSpec.load(spec_path)
    spec.trials = trials
    return prepare(Model.open(book), spec)


def uniform_job(trials: int, sampling: Sampling = Sampling.MC):
    """Two uniform(0, 1) inputs and a RAND(): the kernel's outputs are the uniforms."""
    model = Model.from_cells({"A1": 0.5, "A2": 0.5, "B1": "=A1+0", "B2": "=RAND()+0"})
    inputs = [InputSpec(f"Sheet1!A{i}", "uniform", {"min": 0.0, "max": 1.0}) for i in (1, 2)]
    return job_for(model, inputs, ["Sheet1!B1", "Sheet1!B2"], trials, seed=2**40 + 7,
                   sampling=sampling)


# ----------------------------------------------------------------- translation
@pytest.mark.parametrize(("line", "want"), [
    ("t1 = x0 * k3 + 2.5", "const auto t1 = ((x0 * R(kv[3])) + R(2.5));"),
    ("f2 = fe(q1, ck((x1 == 0.0), 2))", "const auto f2 = fe(ke[1], (((x1 == R(0.0))) ? (2) : 0));"),
    ("v0 = sel(t3, np.sqrt(t4), -t5)", "const auto v0 = ((t3) ? (sqrt(t4)) : ((-t5)));"),
    ("t6 = b2f(nt(t1) & (t2 | t3))",
     "const auto t6 = ((((!(t1)) & (t2 | t3))) ? R(1.0) : R(0.0));"),
    ("t7 = max(t1, min(t2, 0.0)) % t3", "const auto t7 = pymod(pymax(t1, pymin(t2, R(0.0))), t3);"),
    ("t8 = ur[2, b] * excel_round(t1, 2.0, 0)", "const auto t8 = (ur2 * excel_round(t1, R(2.0), 0));"),
    ("z9[3] = t1", "z9[3] = t1;"),
    ("t10 = irr(z9, 4, 0.1)", "const auto t10 = irr(z9, 4, R(0.1));"),
    ("t11 = t10[1]", "const auto t11 = t10[1];"),
    ("# cell 4", "// cell 4"),
])
def test_translation_golden_lines(line, want):
    assert translate(line) == want


@pytest.mark.parametrize("line", [
    "t1 = open(x0)", "t1 = os.system(1)", "t1 = x0.__class__", "t1 = eval(t2)",
    "t1 = sheet_name * 2", "import os", "t1 = t2 if t3 else t4", "t1 = 'text'",
    "t1 = float('inf')", "t1 = t2 ** t3", "t1, t2 = t3", "kv = t1", "t1 = t2 < t3 < t4",
    "t1 = np.random.rand(t2)", "t1 = f(x=1)", "t1 = 1e400",
])
def test_translation_refuses_anything_outside_the_whitelist(line):
    with pytest.raises((NotTranslatable, SyntaxError)):
        translate(line)


@pytest.mark.parametrize("sheet", ['*/ system("x"); /*', '"); abort(); //', "\\\n#include"])
def test_generated_cuda_holds_no_workbook_text(sheet):
    """Sheet names written to break out of a C++ comment, string or line never reach the
    source; workbook constants are kernel arguments, formula literals validated floats."""
    ref = f"'{sheet}'!"
    model = Model.from_cells({ref + "C3": 3.5, ref + "C4": 98765.4321,
                              ref + "D3": "=C3/C4-0.125*C3"}, sheets=(sheet,))
    src = HostCudaBackend.source_of(job_for(model, [tri(ref + "C3", 3, 3.5, 5)], [ref + "D3"],
                                            trials=10))
    assert sheet not in src and "98765.4321" not in src and "R(0.125)" in src
    assert "system" not in src and "abort" not in src and src.count("#include") == 2


# ----------------------------------------------------------------- nvcc (device code)
def _nvcc_ptx(source: str, tmp_path, name: str) -> None:
    cu = tmp_path / f"{name}.cu"
    cu.write_text(source)
    got = subprocess.run([NVCC, "--ptx", "-x", "cu", "--fmad=false", "-arch=sm_80",
                          "-o", str(tmp_path / f"{name}.ptx"), str(cu)],
                         capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stderr[-3000:]
    assert ".entry mcdesk_kernel" in (tmp_path / f"{name}.ptx").read_text()


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_nvcc_compiles_the_kernel_of_the_bundled_example(tmp_path, dtype):
    _nvcc_ptx(HostCudaBackend.source_of(example_job(), dtype), tmp_path, f"example_{dtype}")


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_kernel_of_every_fused_function(tmp_path):
    model, inputs, outputs = everything_model()
    job = job_for(model, inputs, outputs, trials=100)
    _nvcc_ptx(HostCudaBackend.source_of(job), tmp_path, "everything")


def _libnvrtc():
    """NVRTC (the compiler CuPy's RawModule calls; no GPU needed), if installed."""
    import ctypes.util
    import importlib.util
    from pathlib import Path

    names = [ctypes.util.find_library("nvrtc")]
    try:
        spec = importlib.util.find_spec("nvidia.cuda_nvrtc")  # nvidia-cuda-nvrtc-cu12 wheel
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            names += sorted(str(f) for f in Path(folder, "lib").glob("libnvrtc.so*"))
    for name in filter(None, names):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def test_nvrtc_compiles_the_kernels_as_cupy_would():
    lib = _libnvrtc()
    if lib is None:
        pytest.skip("NVRTC is not installed (nvidia-cuda-nvrtc-cu12)")
    model, inputs, outputs = everything_model()
    for job in (example_job(), job_for(model, inputs, outputs, trials=100)):
        for dtype in ("float64", "float32"):
            prog = ctypes.c_void_p()
            src = HostCudaBackend.source_of(job, dtype).encode()
            assert lib.nvrtcCreateProgram(ctypes.byref(prog), src, b"k.cu", 0, None, None) == 0
            opts = (ctypes.c_char_p * 2)(b"--fmad=false", b"-arch=compute_80")
            rc = lib.nvrtcCompileProgram(prog, 2, opts)
            size = ctypes.c_size_t()
            lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
            log = ctypes.create_string_buffer(size.value)
            lib.nvrtcGetProgramLog(prog, log)
            lib.nvrtcDestroyProgram(ctypes.byref(prog))
            assert rc == 0, log.value.decode()[-3000:]


# ----------------------------------------------------------------- the kernel on the CPU
class HostCudaBackend(CupyBackend):
    """The cupy backend with its kernel compiled for the host by a C++ compiler and run on the
    CPU: everything but the device launch (plan, generated code, result assembly)."""

    name = "cupy-host"

    def __init__(self, tmp, dtype: str = "float64") -> None:
        super().__init__(dtype=dtype)
        self.tmp = tmp

    @staticmethod
    def source_of(job, dtype: str = "float64") -> str:
        from engine.backends.cupy._codegen import generate_cuda
        from engine.backends.numba._samplers import samplers_for

        samplers, mode = samplers_for(job)
        return generate_cuda(job.program, samplers, mode, dtype).source

    def _kernel(self, plan):
        got = self._kernels.get(plan.key)
        if got is None:
            got = self._kernels[plan.key] = host_build(plan.source, self.tmp)
        return got

    def _call(self, prep, job, start, count):
        plan = prep.plan
        seed = int(job.seed)
        keep = [np.ascontiguousarray(plan.streams, dtype=np.uint64),
                np.ascontiguousarray(plan.kv, dtype=np.float64),
                np.ascontiguousarray(plan.ke, dtype=np.int64),
                np.ascontiguousarray(plan.dp, dtype=np.float64),
                np.ascontiguousarray(self._external(job, plan, start, count)),
                np.empty((len(plan.inputs), count)), np.empty((len(plan.stored), count)),
                np.empty((len(plan.stored), count), dtype=np.uint8)]
        prep.kernel(seed & 0xFFFFFFFF, seed >> 32, start, count,
                    *(a.ctypes.data_as(ctypes.c_void_p) for a in keep))
        return keep[5], keep[6], keep[7]


def host_build(source: str, tmp):
    """The generated source compiled for the host: its ``mcdesk_host`` function."""
    import hashlib

    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    cu, so = tmp / f"{key}.cu", tmp / f"{key}.so"
    if not so.exists():
        tmp.mkdir(parents=True, exist_ok=True)   # a test's tmp_path / "host" (else: numpy ran)
        cu.write_text(source)
        res = subprocess.run([CXX, "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-x", "c++",
                              "-DMC_HOST", "-o", str(so), str(cu)],
                             capture_output=True, text=True, timeout=300)
        if res.returncode:
            raise RuntimeError(res.stderr[-3000:])
    fn = ctypes.CDLL(str(so)).mcdesk_host
    fn.argtypes = [ctypes.c_uint64, ctypes.c_uint64, ctypes.c_int64,
                   ctypes.c_int64] + [ctypes.c_void_p] * 8
    return fn


needs_cxx = pytest.mark.skipif(CXX is None, reason="no C++ compiler")


def host_equals_numpy(job, folder, chunk: int = 200, numpy_chunk: int | None = None,
                      want: tuple | None = None, numpy_cells: int = 0) -> tuple[tuple, tuple]:
    """``job``'s CUDA kernel built for the host (in ``folder``), every cell in it but
    ``numpy_cells`` left to numpy, run ``chunk`` trials a call and checked the same as numpy
    by :func:`assert_same`: numpy's results ``want`` where given, else run here
    ``numpy_chunk`` trials a call (``chunk`` by default).  (host's, numpy's) results.
    Skips without g++."""
    if CXX is None:
        pytest.skip("no C++ compiler")
    folder.mkdir(parents=True, exist_ok=True)
    host = HostCudaBackend(folder)
    assert host.cpu_reason(job) is None
    prep = host.prepare(job)
    assert prep.kernel is not None and prep.info.numpy_cells == numpy_cells, prep.info.reasons
    got = run(host, job, chunk)
    if want is None:
        want = run(NumpyBackend(), job, numpy_chunk or chunk)
    assert_same(job, got, want)
    return got, want


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    return HostCudaBackend(tmp_path_factory.mktemp("cuda-host"))


@needs_cxx
@pytest.mark.parametrize("sampling", [Sampling.MC, Sampling.LHS])
def test_kernel_uniforms_are_engine_sampling_uniforms_bit_for_bit(host, sampling):
    job = uniform_job(5_000, sampling)
    got = run(host, job, 1_234)
    want = run(NumpyBackend(), job, 5_000)
    assert_same(job, got, want)
    if sampling is Sampling.MC:  # drawn in the kernel; LHS is drawn on the host
        sid = host.prepare(job).plan.streams[0]
        np.testing.assert_array_equal(got[0][job.program.outputs[0]],
                                      uniforms(job.seed, int(sid), 0, 5_000))
        assert not host.prepare(job).plan.ext_inputs


@needs_cxx
def test_every_distribution_draws_the_numpy_samples(host):
    """Triangular, uniform, normal and discrete are drawn in the kernel bit for bit (Cephes'
    ndtri, as scipy's); PERT (fast beta inverse) and the lognormal (libm's exp, where numpy's
    SIMD exp may differ in the last bit) in the kernel within 1e-14, or bit for bit on the
    host with exact samples."""
    cells = {f"Sheet1!A{i}": 1.0 for i in range(1, 7)}
    cells["Sheet1!B1"] = "=A1+A2*A3-A4/A6+A5"
    model = Model.from_cells(cells)
    job = job_for(model, DISTRIBUTIONS, ["Sheet1!B1"], trials=20_000, seed=2**40 + 7)
    want = run(NumpyBackend(), job, 20_000)
    exact = HostCudaBackend(host.tmp)
    exact.exact_samples = True
    assert_same(job, run(exact, job, 7_000), want)
    assert [str(c) for c in exact.prepare(job).plan.ext_inputs] == ["Sheet1!A4", "Sheet1!A6"]
    assert_fast_samples_close(job, run(host, job, 20_000), want)
    assert host.prepare(job).plan.ext_inputs == []


CLOSED_FORM_INPUTS = [  # drawn in the kernel by ppf_closed, two truncated and shifted
    InputSpec("Sheet1!A1", "exponential", {"beta": 4.0}),
    InputSpec("Sheet1!A2", "weibull", {"alpha": 1.7, "beta": 3.0},
              truncate={"min": 1.0, "max": 4.0}, shift=2.0),
    InputSpec("Sheet1!A3", "rayleigh", {"beta": 2.0}),
    InputSpec("Sheet1!A4", "pareto", {"theta": 3.5, "a": 2.0}),
    InputSpec("Sheet1!A5", "logistic", {"alpha": 5.0, "beta": 2.0}),
    InputSpec("Sheet1!A6", "extvalue", {"alpha": 3.0, "beta": 2.0}),
    InputSpec("Sheet1!A7", "loglogistic", {"gamma": 1.0, "beta": 2.0, "alpha": 4.0}),
    InputSpec("Sheet1!A8", "intuniform", {"min": 3.0, "max": 9.0}),
    InputSpec("Sheet1!A9", "bernoulli", {"p": 0.3}),
    InputSpec("Sheet1!A10", "geometric", {"p": 0.25}, truncate={"pmin": 0.2}, shift=-1.0),
    InputSpec("Sheet1!A11", "student", {"nu": 7.0}),   # scipy's stdtrit: drawn on the host
    InputSpec("Sheet1!A12", "normal", {"mean": 10.0, "sd": 2.0},
              truncate={"min": 8.0, "max": 13.0}, shift=5.0),
    InputSpec("Sheet1!A13", "lognormal", {"mean": 5.0, "sd": 1.5}, truncate={"max": 9.0}),
    InputSpec("Sheet1!A14", "uniform", {"min": -1.0, "max": 3.0}, shift=2.0),
    InputSpec("Sheet1!A15", "triangular", {"min": 1.0, "mode": 2.0, "max": 4.0},
              truncate={"min": 1.5, "max": 3.5}, shift=10.0),
]


@needs_cxx
def test_closed_form_distributions_are_drawn_in_the_kernel(host):
    """Exponential, Weibull, ..., geometric, and normal, lognormal, uniform, triangular
    truncated or shifted (ppf_closed): the kernel's samples
    are the numpy library's within 1e-12 relative (libm's log1p/exp/pow against numpy's);
    Student t (numba's ppf_special) is drawn on the host."""
    n = len(CLOSED_FORM_INPUTS)
    cells: dict = {f"Sheet1!A{i}": 1.0 for i in range(1, n + 1)}
    cells["Sheet1!B1"] = "=" + "+".join(f"A{i}" for i in range(1, n + 1))
    job = job_for(Model.from_cells(cells), CLOSED_FORM_INPUTS, ["Sheet1!B1"], trials=5_000,
                  seed=2**40 + 9)
    got, want = run(host, job, 2_000), run(NumpyBackend(), job, 5_000)
    assert [str(c) for c in host.prepare(job).plan.ext_inputs] == ["Sheet1!A11"]
    for c in job.distributions:
        np.testing.assert_allclose(got[2][c], want[2][c], rtol=1e-12, atol=0, err_msg=str(c))
    c = job.program.outputs[0]
    np.testing.assert_allclose(got[0][c], want[0][c], rtol=1e-12)


@needs_cxx
def test_the_bundled_example_matches_numpy(host):
    """Exact samples (PERT by scipy on the host): inputs bit for bit, outputs to 1e-12; by
    default everything is drawn in the kernel, PERT by the fast beta inverse (1e-14)."""
    job = example_job(4_000)
    want = run(NumpyBackend(), job, 4_000)
    exact = HostCudaBackend(host.tmp)
    exact.exact_samples = True
    assert_same(job, run(exact, job, 1_500), want)
    assert [str(c) for c in exact.prepare(job).plan.ext_inputs] == ["Inputs!F8"]
    assert_fast_samples_close(job, run(host, job, 4_000), want)
    plan = host.prepare(job).plan
    assert len(plan.fused) > 200 and not plan.rest and not plan.ext_inputs


def assert_fast_samples_close(job, got, want) -> None:
    """Inputs within 1e-14 relative (PERT's fast beta inverse, libm's exp for lognormal),
    outputs within 1e-12 of the output's scale, error codes identical."""
    for c in job.distributions:
        np.testing.assert_allclose(got[2][c], want[2][c], rtol=1e-14, atol=0, err_msg=str(c))
    for c in job.program.outputs:  # relative to the output's scale (NPV near 0)
        np.testing.assert_array_equal(got[1][c], want[1][c])
        ok = want[1][c] == 0
        scale = np.max(np.abs(want[0][c][ok]), initial=0.0)
        np.testing.assert_allclose(got[0][c][ok], want[0][c][ok], rtol=1e-12, atol=1e-12 * scale)


@needs_cxx
def test_every_fused_function_matches_numpy(host):
    model, inputs, outputs = everything_model()
    job = job_for(model, inputs, outputs, trials=3_000)
    assert_same(job, run(host, job, 1_000), run(NumpyBackend(), job, 3_000))
    assert host.cpu_reason(job) is None


def check_workbook(backend, book: str, trials: int, chunk: int) -> None:
    """A bundled workbook of the differential test (its numeric constants as triangular
    inputs) gives the numpy numbers on ``backend``."""
    from engine.errors import UnsupportedError

    try:
        job = _workbook_job(book, trials=trials)
    except UnsupportedError as exc:
        pytest.skip(str(exc))
    assert_same(job, run(backend, job, chunk), run(NumpyBackend(), job, trials))


@needs_cxx
@pytest.mark.parametrize("book", HOST_BOOKS)
def test_workbooks_match_numpy(host, book):
    check_workbook(host, book, 1_000, 400)


def added_function_job(which: str, trials: int = 3_000):
    """A test model of tests/test_backend_numba_fused.py (dates, order statistics and
    counts, lognormal and finance): the functions of numba/_rt_functions.py."""
    from tests import test_backend_numba_fused as fused

    cells, inputs = {"dates": (fused.DATES, fused.DATE_INPUTS),
                     "stats": (fused.STATS, fused.STATS_INPUTS),
                     "money": (fused.MONEY, fused.STATS_INPUTS),
                     "lookups": (fused.LOOKUPS, fused.STATS_INPUTS)}[which]
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    outputs = [f"Sheet1!{k}" for k in cells if k.startswith("B")]
    return job_for(model, inputs, outputs, trials=trials)


@needs_cxx
@pytest.mark.parametrize("which", ["dates", "stats", "money", "lookups"])
def test_added_functions_match_numpy(host, which):
    """YEARFRAC, DAY, MEDIAN, PERCENTILE, PERCENTRANK, LARGE, PMT, DB, VDB, ... translated to
    CUDA (the runtime's C++ twins of numba/_rt_functions.py) give numpy's numbers."""
    job = added_function_job(which)
    assert host.cpu_reason(job) is None
    assert_same(job, run(host, job, 1_000), run(NumpyBackend(), job, 3_000))


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_kernels_of_the_added_functions(tmp_path):
    for which in ("dates", "stats", "money", "lookups"):
        _nvcc_ptx(HostCudaBackend.source_of(added_function_job(which, 100)), tmp_path, which)


@needs_cxx
def test_float32_kernel_is_close(tmp_path):
    job = example_job(2_000)
    assert_float32_close(job, run(HostCudaBackend(tmp_path, dtype="float32"), job, 2_000),
                         run(NumpyBackend(), job, 2_000))


def assert_float32_close(job, got, want) -> None:
    """Single-precision cells: every output within 1e-4 of numpy's (relative to its scale)."""
    for c in job.program.outputs:
        ok = want[1][c] == 0
        scale = np.max(np.abs(want[0][c][ok]))
        np.testing.assert_allclose(got[0][c][ok], want[0][c][ok], rtol=1e-4, atol=1e-4 * scale)


# ----------------------------------------------------------------- the launcher, on a fake cupy
class FakeOutOfMemory(Exception):
    """Stands for cupy.cuda.memory.OutOfMemoryError."""

    def __init__(self, n: int) -> None:
        super().__init__(f"out of memory to allocate {n} trials")


class _DeviceArray(np.ndarray):
    def get(self) -> np.ndarray:
        return np.array(self)


def fake_cupy(tmp, capacity: int):
    """Enough of cupy for CupyBackend's launcher on the CPU: device arrays are numpy arrays,
    a RawModule is the host build of its source, a launch of more than ``capacity`` trials
    runs out of memory."""
    import contextlib
    import types

    launches: list[int] = []
    freed: list[int] = []

    def kernel(grid, block, args):
        n = int(args[3])
        if n > capacity:
            raise FakeOutOfMemory(n)
        launches.append(n)
        assert grid[0] * block[0] >= min(n, 1 << 16) and block == (256,)
        host = kernel.fn
        host(*(int(a) for a in args[:4]), *(a.ctypes.data_as(ctypes.c_void_p) for a in args[4:]))

    class RawModule:
        def __init__(self, code: str, options: tuple = ()) -> None:
            assert "--fmad=false" in options
            kernel.fn = host_build(code, tmp)

        def get_function(self, name: str):
            assert name == "mcdesk_kernel"
            return kernel

    pool = types.SimpleNamespace(free_all_blocks=lambda: freed.append(1))
    mod = types.SimpleNamespace(
        asarray=lambda a: np.ascontiguousarray(a).view(_DeviceArray),
        empty=lambda shape, dtype=np.float64: np.empty(shape, dtype).view(_DeviceArray),
        uint8=np.uint8, RawModule=RawModule, get_default_memory_pool=lambda: pool,
        cuda=types.SimpleNamespace(Device=lambda n: contextlib.nullcontext()))
    return mod, launches, freed


@needs_cxx
def test_launcher_halves_batches_that_run_out_of_memory(tmp_path, monkeypatch):
    """CupyBackend's own launch path (device arrays, kernel arguments, batches from free
    memory, the semaphore, out-of-memory halving), with the kernel run on the CPU."""
    import sys

    import engine.backends.cupy as cupy_backend

    mod, launches, freed = fake_cupy(tmp_path, capacity=1_500)
    monkeypatch.setitem(sys.modules, "cupy", mod)
    monkeypatch.setattr(dev, "_SEM", [])
    monkeypatch.setattr(dev, "vram", lambda device=0: (64 << 30, 80 << 30))
    monkeypatch.setattr(cupy_backend, "vram", lambda device=0: (64 << 30, 80 << 30))
    monkeypatch.setattr(cupy_backend, "batch_trials", lambda free, per, slots: 4_000)
    monkeypatch.setattr(cupy_backend, "halving", lambda *a, **k: dev.halving(
        *a, is_oom=lambda e: isinstance(e, FakeOutOfMemory), **k))
    job = example_job(6_000)
    be = CupyBackend()
    be.exact_samples = True  # PERT by scipy on the host: every input bit for bit
    assert_same(job, run(be, job, 6_000), run(NumpyBackend(), job, 6_000))
    assert launches[0] == 1   # the compile check of prepare()
    assert launches[1:] == [1_000] * 6 and len(freed) == 2  # 4,000 -> 2,000 -> 1,000
    assert dev.gpu_semaphore()._value == dev.semaphore_slots(80 << 30)  # released
    be.close()


# ----------------------------------------------------------------- GPU bookkeeping (CPU)
def test_batch_from_free_memory_keeps_the_safety_buffer():
    gib = 1 << 30
    # 80 GiB free, 200 bytes a trial, one run: (80 * 0.8 GiB - 512 MiB) / 200
    assert dev.batch_trials(80 * gib, 200) == min(int((80 * gib * 0.8 - (512 << 20)) // 200),
                                                  dev.MAX_BATCH)
    assert dev.batch_trials(8 * gib, 1000, slots=4) == int((8 * gib * 0.8 - (512 << 20)) / 4
                                                            // 1000)
    assert dev.batch_trials(100 << 20, 1000) == dev.MIN_BATCH   # nothing usable: the floor
    assert dev.semaphore_slots(141 * gib) == 8 and dev.semaphore_slots(24 * gib) == 1
    assert dev.semaphore_slots(48 * gib) == 3


class FakeOOM(Exception):
    pass


def test_out_of_memory_halves_the_batch_and_retries():
    capacity = 3_000  # the fake device holds this many trials
    calls, freed = [], []

    def launch(off: int, n: int) -> int:
        calls.append((off, n))
        if n > capacity:
            raise FakeOOM("out of memory allocating 123 bytes")
        return off + n

    got = dev.halving(launch, 20_000, 16_000, is_oom=lambda e: isinstance(e, FakeOOM),
                      on_oom=lambda: freed.append(1))
    assert calls[:4] == [(0, 16_000), (0, 8_000), (0, 4_000), (0, 2_000)]
    assert [(o, n) for o, n, _ in got] == [(o, 2_000) for o in range(0, 20_000, 2_000)]
    assert [r for _, _, r in got] == [o + 2_000 for o in range(0, 20_000, 2_000)]
    assert len(freed) == 3


def test_halving_gives_up_at_the_floor_and_passes_other_errors():
    def never(off: int, n: int) -> None:
        raise FakeOOM("out of memory")

    with pytest.raises(FakeOOM):
        dev.halving(never, 10_000, 4_096, is_oom=lambda e: True, floor=256)

    def broken(off: int, n: int) -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        dev.halving(broken, 10_000, 4_096, is_oom=lambda e: False)
    assert dev.is_out_of_memory(MemoryError()) and dev.is_out_of_memory(
        RuntimeError("cudaErrorMemoryAllocation: out of memory"))
    assert not dev.is_out_of_memory(ValueError("x"))


@pytest.mark.skipif(GPU, reason="a GPU is usable here")
def test_without_a_gpu_cupy_is_refused_in_one_line_and_auto_uses_the_cpu():
    with pytest.raises(SpecError) as err:
        base.get_backend("cupy")
    assert "\n" not in str(err.value) and "GPU" in str(err.value)
    assert "cupy" not in base.available_backends()
    auto = base.get_backend("auto")
    job = uniform_job(100)
    assert auto.choose(job).name in ("numpy", "numba")


def test_auto_picks_cupy_when_a_gpu_is_usable(monkeypatch):
    monkeypatch.setattr(dev, "gpu_available", lambda: True)
    assert isinstance(base.get_backend("cupy"), CupyBackend)
    assert base.get_backend("cupy", dtype="float32").dtype == "float32"
    assert "cupy" in base.available_backends()
    assert base.get_backend("auto").choose(uniform_job(100)).name == "cupy"


def test_a_model_without_cuda_translation_runs_on_the_cpu(monkeypatch, caplog):
    import engine.backends.cupy as cupy_backend

    def refuse(*args, **kwargs):
        raise NotTranslatable("function frobnicate")

    monkeypatch.setattr(cupy_backend, "generate_cuda", refuse)
    monkeypatch.setattr(dev, "gpu_available", lambda: True)
    job = uniform_job(2_000)
    assert base.get_backend("auto").choose(job).name in ("numpy", "numba")  # not cupy
    be = CupyBackend()
    with caplog.at_level("WARNING", logger="engine.backends.cupy"):
        got = run(be, job, 2_000)
    assert be.name == "numba" and "frobnicate" in be.cpu_reason(job)
    assert "runs on the CPU" in caplog.text
    assert_same(job, got, run(NumpyBackend(), job, 2_000))


# ----------------------------------------------------------------- on a GPU
gpu = pytest.mark.skipif(not GPU, reason="no usable GPU (cupy and a CUDA device)")


@pytest.fixture(scope="module")
def device():
    """Exact samples: PERT by scipy on the host, so that every input is numpy's bit for bit
    (the default, PERT in the kernel, is checked on the bundled example)."""
    be = CupyBackend()
    be.exact_samples = True
    yield be
    be.close()


@gpu
@pytest.mark.parametrize("sampling", [Sampling.MC, Sampling.LHS])
def test_gpu_uniforms_are_bit_identical(device, sampling):
    job = uniform_job(300_001, sampling)
    assert_same(job, run(device, job, 100_000), run(NumpyBackend(), job, 300_001))


@gpu
def test_gpu_matches_numpy_on_the_bundled_example(device):
    job = example_job(200_000)
    want = run(NumpyBackend(), job, 200_000)
    assert_same(job, run(device, job, 200_000), want)
    assert_same(job, run(device, job, 33_333), want)  # whatever the chunk size
    fast = CupyBackend()
    assert_fast_samples_close(job, run(fast, job, 200_000), want)
    assert not fast.prepare(job).plan.ext_inputs  # every input drawn on the GPU
    fast.close()


@gpu
def test_gpu_matches_numpy_on_every_fused_function(device):
    model, inputs, outputs = everything_model()
    job = job_for(model, inputs, outputs, trials=50_000)
    assert_same(job, run(device, job, 50_000), run(NumpyBackend(), job, 50_000))


@gpu
@pytest.mark.parametrize("book", sorted(p.name for p in __import__("tests.conftest").conftest
                                         .WORKBOOKS.glob("*.xlsx")
                                         if p.name != "formulas__test.xlsx"))
def test_gpu_matches_numpy_on_the_workbooks(device, book):
    check_workbook(device, book, 20_000, 7_000)


@gpu
def test_gpu_out_of_memory_halving_with_a_tiny_batch(device, monkeypatch):
    import engine.backends.cupy as cupy_backend

    monkeypatch.setattr(cupy_backend, "batch_trials", lambda *a, **k: 10_000)
    job = example_job(50_000)
    assert_same(job, run(device, job, 50_000), run(NumpyBackend(), job, 50_000))


@gpu
def test_gpu_float32_is_close():
    job = example_job(100_000)
    assert_float32_close(job, run(CupyBackend(dtype="float32"), job, 100_000),
                         run(NumpyBackend(), job, 100_000))


# ----------------------------------------------------------------- text in the kernel
@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_kernel_of_the_text_model(tmp_path):
    """Text ids, their lookup tables in ``kv`` and text outputs translate to CUDA."""
    from tests.test_backend_numba_text import text_cost_model

    model, inputs, outputs = text_cost_model()
    job = job_for(model, inputs, outputs, trials=100)
    _nvcc_ptx(HostCudaBackend.source_of(job), tmp_path, "text")


@needs_cxx
def test_text_model_matches_numpy(host):
    from tests.test_backend_numba_text import text_cost_model

    model, inputs, outputs = text_cost_model()
    job = job_for(model, inputs, outputs, trials=2_000)
    assert_same(job, run(host, job, 700), run(NumpyBackend(), job, 2_000))
    assert host.cpu_reason(job) is None and not host.prepare(job).plan.rest
