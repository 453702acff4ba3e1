"""TEXT(x, format) of varying numbers in the CUDA kernel: the C++ twins of
numba/_dtext_fmt_rt.py (engine/backends/cupy/_rt_dtext.py), compiled for the host, write
the numpy reference's text (``engine.functions.text.text_``) for number, scientific,
conditional, General, date, time and elapsed formats, and say #VALUE! where it does; a
model with such TEXT cells (pycel's text workbook ran on the CPU: "function dformat_bad")
translates, and its host build gives numpy's numbers and error codes.
"""

from __future__ import annotations

import ctypes
import subprocess

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.cupy._rt import RUNTIME  # noqa: E402
from engine.backends.cupy._rt_dtext import DTEXT_FORMAT_RUNTIME, DTEXT_RUNTIME  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.functions._format_code import plain_format  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import Kind, Vec  # noqa: E402
from tests.test_backend_cupy import CXX, NVCC, HostCudaBackend, _nvcc_ptx  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402
from tests.test_numba_dynamic_text import _chars  # noqa: E402

needs_cxx = pytest.mark.skipif(CXX is None, reason="no C++ compiler")
WIDTH = 320

HARNESS = r"""
extern "C" void format_many(const double *x, long long n, const double *kv, double off,
                            unsigned char *out, double *bad) {
    for (long long i = 0; i < n; ++i) {
        bad[i] = dformat_bad(x[i], kv, off);
        int end = (int)dput_format(out + i * 320, 0.0, x[i], kv, off);
        out[i * 320 + end] = 0;
    }
}
"""

RNG = np.random.default_rng(17)
NUMBERS = np.concatenate([
    10.0 ** RNG.uniform(-8, 11, 300) * RNG.choice([-1.0, 1.0], 300),
    np.round(RNG.uniform(-2e4, 2e4, 100), 2), np.arange(-3.0, 3.0, 0.5),
    [0.0, -0.0, 0.005, 0.015, 2.675, 1e-9, 99999999999.5, 999.9999, -0.04, 1e15, 1e20],
    [3e6, -3e6, 123456789012.0, 2958466.0, 9007199254740993.0, 1e22]])   # whole: pycel's ints
DATES = np.concatenate([
    RNG.uniform(-3.0, 2958470.0, 150), RNG.uniform(0.0, 70.0, 100), np.arange(0.0, 63.0, 0.5),
    np.round(RNG.uniform(0.0, 80000.0, 100) * 86400.0) / 86400.0])
NUMBER_FORMATS = [
    "#.###", "0.00E+00", "##0.0E+0", "0.00E-00", '#,##0,"K"', '"$"#,##0.00', "0;(0);-",
    "General", "#,##0.00_);(#,##0.00)", "[<10]0.00;[>=100]#,##0;0.0", "#.#%", "0,0.00.0",
    '#,#"ZZ"#.0"YY"00', '##.00;-  ##.0;"ZERO"', '"Total: "0.0', "00000", "0.0##",
    '[>=1000000]0.0,,"M";[>=1000]0.0,"K";0', "#.", "0%", "#,##0%%"]
DATE_FORMATS = [
    "yyyy-mm-dd", "dd/mm/yyyy", "mmmm", "dddd", "d-mmm-yy", "h:mm AM/PM", "[h]:mm", "[m]:ss",
    "[s].000", "mmmmm d, yyyy h:mm:ss.00 a/p", "ddd dd", "mm:ss.0"]


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    if CXX is None:
        pytest.skip("no C++ compiler")
    tmp = tmp_path_factory.mktemp("fmt")
    src = ("typedef double real;\n#define R(x) ((real)(x))\n" + RUNTIME + DTEXT_RUNTIME
           + DTEXT_FORMAT_RUNTIME + HARNESS)
    (tmp / "h.cpp").write_text(src)
    got = subprocess.run([CXX, "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-o",
                          str(tmp / "h.so"), str(tmp / "h.cpp")],
                         capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stderr[-3000:]
    lib = ctypes.CDLL(str(tmp / "h.so"))
    lib.format_many.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                                ctypes.c_double, ctypes.c_void_p, ctypes.c_void_p]
    return lib


def _reference(xs: np.ndarray, fmt: str) -> list[str | None]:
    from engine.functions.text import text_

    got = text_(Vec(Kind.NUM, np.asarray(xs, dtype=np.float64)),
                Vec(Kind.STR, np.array([fmt], dtype=object)))
    err = got.err if got.err is not None else np.zeros(len(xs), np.uint8)
    return [None if err[i] else got.data[i] for i in range(len(xs))]


def _twin(lib, xs: np.ndarray, fmt: str) -> list[str | None]:
    from engine.backends.numba._dtext_formats import format_plan

    plan, bound = format_plan(plain_format(fmt), float(np.max(np.abs(xs))), 0)
    assert bound < WIDTH
    kv = np.array([7.0, 7.0, *plan])      # the plan at an offset, as in the kernel's table
    xs = np.ascontiguousarray(xs, dtype=np.float64)
    out = np.zeros((len(xs), WIDTH), dtype=np.uint8)
    bad = np.zeros(len(xs))
    lib.format_many(xs.ctypes.data, len(xs), kv.ctypes.data, 2.0, out.ctypes.data,
                    bad.ctypes.data)
    return [None if b else bytes(row).split(b"\0", 1)[0].decode("ascii")
            for row, b in zip(out, bad, strict=True)]


@pytest.mark.parametrize("fmt", NUMBER_FORMATS)
def test_number_formats_write_the_references_text(harness, fmt):
    assert _twin(harness, NUMBERS, fmt) == _reference(NUMBERS, fmt)


@pytest.mark.parametrize("fmt", DATE_FORMATS)
def test_date_and_time_formats_write_the_references_text(harness, fmt):
    assert _twin(harness, DATES, fmt) == _reference(DATES, fmt)


CELLS = {
    "A1": 2.0, "A2": 3.0,
    "B1": '=TEXT(A2*1234.5678,"0.00E+00")', "B2": '=TEXT(A1*20000,"dddd, mmmm d, yyyy")',
    "B3": '=TEXT(A1/7,"h:mm AM/PM")&"|"&TEXT(A2*1E+6,"#,##0,\\"K\\"")',
    "B4": '=LEN(B1)+LEN(B2)+LEN(B3)', "B5": '=TEXT(A2-4,"[<0]\\"neg \\"0.0;0.00")',
    "B6": '=LEN(TEXT(A2*1E+6-3E+6,"yyyy"))',                  # #VALUE! below 0 (some trials)
    **_chars("B1", 10, 1), **_chars("B2", 30, 20), **_chars("B3", 16, 60),
}


def _job(trials: int):
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in CELLS.items()})
    outputs = [f"Sheet1!{k}" for k in CELLS if k[0] in "BZ"]
    inputs = [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", -5.0, 3.0, 50.0)]
    return job_for(model, inputs, outputs, trials=trials), model


@needs_cxx
def test_text_formats_in_the_kernel_match_numpy(tmp_path):
    job, model = _job(1_000)
    host = HostCudaBackend(tmp_path)
    assert host.cpu_reason(job) is None
    assert "dput_format(" in host.prepare(job).plan.source
    got = run(host, job, 500)
    assert_same(job, got, run(NumpyBackend(), job, 1_000))
    assert 0 < np.count_nonzero(got[1][model.ref("Sheet1!B6")]) < 1_000


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_a_text_format_kernel(tmp_path):
    job, _ = _job(100)
    _nvcc_ptx(HostCudaBackend.source_of(job), tmp_path, "formats")
