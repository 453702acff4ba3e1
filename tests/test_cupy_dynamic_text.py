"""Dynamic text (text made per trial from varying numbers) in the CUDA kernel, without a GPU.

* The C++ twins of numba/_decimal.py (engine/backends/cupy/_rt_dtext.py), compiled for the
  host, write every double as the numpy reference's ``format_number`` does (exact digits from
  the same bignum) and read it back as ``float`` of that text; TEXT's simple formats as
  ``text._format_simple``;
* a model using every dynamic-text function, and generated differential workbooks with
  dynamic text, translate to one CUDA kernel (before the twins they ran on the CPU: "no CUDA
  translation") whose host build gives numpy's numbers and error codes;
* the kernel's source compiles for the device (``nvcc --ptx``, skipped without nvcc).
"""

from __future__ import annotations

import ctypes
import subprocess

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.cupy._codegen import generate_cuda, translation_report  # noqa: E402
from engine.backends.cupy._rt import RUNTIME  # noqa: E402
from engine.backends.cupy._rt_dtext import DTEXT_RUNTIME  # noqa: E402
from engine.backends.numba._samplers import samplers_for  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import format_number  # noqa: E402
from tests.test_backend_cupy import CXX, NVCC, HostCudaBackend, _nvcc_ptx  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run  # noqa: E402
from tests.test_numba_dynamic_text import EDGES, INPUTS, _chars  # noqa: E402

needs_cxx = pytest.mark.skipif(CXX is None, reason="no C++ compiler")
WIDTH = 32   # bytes per text in the harness (the longest General text has 22 characters)

HARNESS = r"""
extern "C" void general_many(const double *x, long long n, unsigned char *out, double *val) {
    for (long long i = 0; i < n; ++i) {
        int end = mc_write_general(out + i * 32, 0, x[i]);
        out[i * 32 + end] = 0;
        val[i] = dnumval(x[i]);
    }
}
extern "C" void fixed_many(const double *x, long long n, double ndec, double comma, double pct,
                           double cur, unsigned char *out) {
    for (long long i = 0; i < n; ++i) {
        int end = (int)dput_fixed(out + i * 32, 0.0, x[i], ndec, comma, pct, cur);
        out[i * 32 + end] = 0;
    }
}
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    if CXX is None:
        pytest.skip("no C++ compiler")
    tmp = tmp_path_factory.mktemp("dtext")
    src = "typedef double real;\n#define R(x) ((real)(x))\n" + RUNTIME + DTEXT_RUNTIME + HARNESS
    (tmp / "h.cpp").write_text(src)
    got = subprocess.run([CXX, "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-o",
                          str(tmp / "h.so"), str(tmp / "h.cpp")],
                         capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stderr[-3000:]
    lib = ctypes.CDLL(str(tmp / "h.so"))
    lib.general_many.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                                 ctypes.c_void_p]
    lib.fixed_many.argtypes = [ctypes.c_void_p, ctypes.c_int64] + [ctypes.c_double] * 4 + [
        ctypes.c_void_p]
    return lib


def _texts(buf: np.ndarray) -> list[str]:
    return [bytes(row).split(b"\0", 1)[0].decode("ascii") for row in buf]


def test_general_format_twin_is_the_references_on_random_doubles(harness):
    rng = np.random.default_rng(11)
    bits = rng.integers(0, 2 ** 63 - 1, 40_000, dtype=np.int64)
    xs = bits.view(np.float64)
    xs = np.concatenate([xs[np.isfinite(xs)], -xs[:2_000][np.isfinite(xs[:2_000])],
                         rng.uniform(-1e6, 1e6, 10_000), np.round(rng.uniform(-1e4, 1e4, 10_000), 3),
                         EDGES])
    xs = np.ascontiguousarray(xs)
    out = np.zeros((len(xs), WIDTH), dtype=np.uint8)
    val = np.empty(len(xs))
    harness.general_many(xs.ctypes.data, len(xs), out.ctypes.data, val.ctypes.data)
    want = [format_number(float(x)) for x in xs]
    got = _texts(out)
    bad = [(float(x), g, w) for x, g, w in zip(xs, got, want, strict=True) if g != w]
    assert not bad, bad[:5]
    np.testing.assert_array_equal(val, np.array([float(w) for w in want]))
    assert got[-len(EDGES):][:5] == ["0", "0", "1E+15", "1E-07", "1E+21"]


def test_simple_format_twin_is_the_references(harness):
    from engine.functions.text import _SIMPLE, _format_simple

    rng = np.random.default_rng(5)
    xs = np.ascontiguousarray(np.concatenate([
        rng.uniform(-1e6, 1e6, 400), rng.uniform(-2, 2, 400),
        np.round(rng.uniform(-1e4, 1e4, 400), 2),
        [0.0, -0.0, 0.5, 1.5, 2.5, -0.5, 0.005, 0.015, 1e-9, -1e-9, 999.995, 1e20]]))
    out = np.zeros((len(xs), WIDTH), dtype=np.uint8)
    for fmt in ["0", "0.0", "#,##0", "#,##0.00", "0%", "0.0%", "$#,##0", "$0.000"]:
        cur, whole, dec, pct = _SIMPLE.match(fmt).groups()
        harness.fixed_many(xs.ctypes.data, len(xs), float(len(dec) - 1 if dec else 0),
                           1.0 if whole == "#,##0" else 0.0, 1.0 if pct else 0.0,
                           1.0 if cur else 0.0, out.ctypes.data)
        assert _texts(out) == list(_format_simple(xs, fmt)), fmt


# ---------------------------------------------------------------- in the kernel
EVERY_FUNCTION = {
    "A1": 2.0, "A2": 3.0,
    "B1": '=A1&" units"',                                          # dput_tab, dput_num
    "B2": '=UPPER(A1*1E-7)&LOWER("AbC"&A2)',                       # dcase
    "B3": '=LEN(TRIM("  a  "&A2&"   b "))',                        # dtrim
    "B4": "=LEFT(A1,3)&RIGHT(A2,4)&MID(A1*1E+20,2,5)",              # dleft, dright, dmid
    "B5": "=LEN(REPT(A1,3))",                                      # drept
    "B6": '=IF(A2>0,A2&"+",LOWER(A2/7))',                          # dpick
    "B7": '=(A2&"")<"10"',                                         # dcmp
    "B8": '=FIND(".",B1)+SEARCH("E-",UPPER(A1*1E-9))',             # dfind (#VALUE!: none)
    "B9": "=VALUE(TRIM(UPPER(A1*1E-9)))*2",                        # dnumval
    "B10": "=CODE(MID(A1,2,1))",                                   # dcode
    "B11": '=EXACT(UPPER(A1*1E-9&"e"),A1*1E-9&"E")',               # dsame
    "B12": '=SUBSTITUTE(A2&"."&A2,".","",2)',                      # dsubst
    "B13": '=REPLACE(A1,2,3,"zz")',                                # drepl
    "B14": '=TEXT(A2*12345.678,"#,##0.00")&"/"&TEXT(A2/7,"0.0%")&TEXT(A1-2.5,"$0")',
    "B15": "=LEFT(A1,A2-4)",                                       # dcount, #VALUE!
    "B16": '=IF(A1>2,"ab","c")&A1&(A2>3)',                         # dput_id
    "B17": '=LEN(B16)+FIND("3",B16&"3")',
    "B18": "=LEN(B4)+LEN(B12)+LEN(B13)+LEN(B14)+LEN(B2)",
    "B19": '=LEN(SUBSTITUTE(A1&"x"&A1,"1","ab"))+LEN(B6)',
    **_chars("B1", 10, 1), **_chars("B4", 12, 20), **_chars("B14", 16, 40),
    **_chars("B12", 6, 70), **_chars("B16", 8, 80), **_chars("B2", 12, 100),
}


def _job(cells: dict, trials: int):
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    outputs = [f"Sheet1!{k}" for k in cells if k[0] in "BZ"]
    return job_for(model, INPUTS, outputs, trials=trials), model


@needs_cxx
def test_every_dynamic_text_function_runs_in_the_kernel_as_numpy(tmp_path):
    job, model = _job(EVERY_FUNCTION, 1_000)
    host = HostCudaBackend(tmp_path)
    assert host.cpu_reason(job) is None          # before the twins: "no CUDA translation"
    plan = host.prepare(job).plan
    assert not plan.rest and "mc_ch z" in plan.source   # every cell fused; a byte buffer
    got = run(host, job, 400)
    want = run(NumpyBackend(), job, 1_000)
    assert_same(job, got, want)
    assert len(np.unique(got[0][model.ref("Sheet1!B18")])) > 1   # the lengths vary per trial
    assert (got[1][model.ref("Sheet1!B15")] == 3).any()          # #VALUE! in some trials


def test_translation_report_counts_every_fused_cell():
    job, _ = _job(EVERY_FUNCTION, 100)
    samplers, mode = samplers_for(job)
    cells, good, reasons = translation_report(job.program, samplers, mode)
    assert cells == good == len(job.program.steps) and reasons == {}


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_a_dynamic_text_kernel(tmp_path):
    job, _ = _job({k: v for k, v in EVERY_FUNCTION.items() if k[0] != "Z"}, 100)
    samplers, mode = samplers_for(job)
    _nvcc_ptx(generate_cuda(job.program, samplers, mode).source, tmp_path, "dtext")
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in READERS.items()})
    job = job_for(model, INPUTS, [f"Sheet1!C{i}" for i in range(1, 8)], trials=100)
    samplers, mode = samplers_for(job)
    _nvcc_ptx(generate_cuda(job.program, samplers, mode).source, tmp_path, "readers")


@needs_cxx
def test_a_generated_differential_workbook_with_dynamic_text(tmp_path):
    """generated_006 (``"x y"&E2^3``), drawn as bench/bench_fused.py draws them."""
    from bench.bench_fused import generated_books, slice_job

    path = generated_books(tmp_path, 7, 20261206)[6]
    job, _ = slice_job(path, 1_000)
    host = HostCudaBackend(tmp_path)
    assert host.cpu_reason(job) is None
    assert any("dput_" in line for line in host.prepare(job).plan.source.splitlines())
    assert_same(job, run(host, job, 500), run(NumpyBackend(), job, 1_000))


READERS = {
    "A1": 2.0, "A2": 3.0,
    "E1": "1", "E2": "2", "E3": "3", "F1": 10.0, "F2": 20.0, "F3": 30.0,
    "G1": "K1", "G2": "k2", "G3": "x",
    "C1": '=VALUE(ROUND(A2,1)&"%")', "C2": '=VALUE("$"&TEXT(A2*1000,"#,##0.00"))',
    "C3": '=VALUE("2024-"&ROUND(A1*3,0)&"-15")', "C4": '=VALUE(A1&"E"&ROUND(A2,0))',
    "C5": '=VALUE(ROUND(A1,2)&"-"&ROUND(A2,0))', "C6": '=VLOOKUP(ROUND(A1,0)&"",E1:F3,2,FALSE)',
    "C7": '=IFERROR(MATCH("k"&ROUND(A1,0),G1:G3,0),-1)',
}


@needs_cxx
def test_value_and_lookups_of_text_made_per_trial_run_in_the_kernel(tmp_path):
    """VALUE of text made per trial (numbers, percent, currency, y-m-d dates; #VALUE!) and
    exact-match lookups of a key made per trial: numba's dnum/dintern twins."""
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in READERS.items()})
    job = job_for(model, INPUTS, [f"Sheet1!C{i}" for i in range(1, 8)], trials=1_000)
    host = HostCudaBackend(tmp_path)
    assert host.cpu_reason(job) is None
    plan = host.prepare(job).plan
    assert not plan.rest and "dnum(" in plan.source and "dintern(" in plan.source
    got = run(host, job, 500)
    assert_same(job, got, run(NumpyBackend(), job, 1_000))
    assert (got[1][model.ref("Sheet1!C5")] == 3).all()              # "2.13-3": #VALUE!
