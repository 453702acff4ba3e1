"""Calendar, annuity, rounding-to-a-multiple, cash-flow and trigonometric functions in the
CUDA kernel: the C++ twins of the numba kernel's _rt_calendar/_rt_annuity helpers
(engine/backends/cupy/_rt_calendar.py) and the numpy calls, Python's ``//``, ``np.inf`` and
computed scratch slots that the numba generator's mixins emit, checked by the host build of
the generated source against numpy.  Before, these lines did not translate ("function
cal_date", "function np.power", "operator FloorDiv", "assignment target" ...) and the cupy
backend ran such a program on the CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

import engine.backends.cupy._codegen as codegen  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import (  # noqa: E402
    CXX,
    NVCC,
    HostCudaBackend,
    _nvcc_ptx,
    host_equals_numpy,
)
from tests.test_backend_numba import job_for, tri  # noqa: E402
from tests.test_numba_realistic_models import ADDED  # noqa: E402

# edge values on top of the realistic models' formulas: dates around 1900-02-29 and month
# ends, negative and huge month counts, every WEEKDAY kind, RATE that does not converge,
# NPER of a zero rate, DDB past its life, // of negative numbers
EDGES = {
    "D1": "=EDATE(59+A1*3,A2*12-40)+EOMONTH(31+A1*20,-A2)",
    "D2": "=DATE(A1*2000,A2*4-13,-A1*40)+DATE(1900,2,29+A1)",
    "D3": "=EOMONTH(45000+A1*500,ROUND(A2-3,0)*1E6)+IFERROR(EDATE(A1*1E300,A2),1)",
    "D4": "=WEEKDAY(A1*30)+WEEKDAY(A2*1000,11+ROUND(A1*2,0))+WEEKDAY(A1*99,3)",
    "D5": "=RATE(A2*3,-A1*200,A2*300,-A1*100,1)+IFERROR(RATE(A2,A1,A2),-1)+RATE(A2*2,-A1,A2*1.5)",
    "D6": "=NPER(0,-A1*100,A2*100)+NPER(A1/50,-A1*10,A2*100,-A1*5,1)",
    "D7": "=DDB(1000,A1*50,A2*2,A1,A2)+DDB(1000,100,3,ROUND(A2,0),3)",
    "D8": "=CUMPRINC(A1/50,A2*4,5000,1,ROUND(A2*3,0),0)-CUMIPMT(A1/50,A2*4,5000,2,A2*2,1)",
    "D9": "=MOD(A1*7-20,A2-3.5)+INT((A1-2.6)*1000)/7+HOUR(A1-1.5)+MINUTE(A2*0.77)",
    "D10": "=TIME(A1*30,A2*-50,A1*1000)+SECOND(A1*A2)",
    "D11": "=EVEN(-A1*7)+ODD(-A2*3)+MROUND(-A1*100,-7)+FLOOR.MATH(-A1*9,2,-1)",
    "D12": "=ATAN2(A1-2.5,0)+SINH(-A2)+COSH(A1)+ASIN(A1-3)",
}


def _job(trials: int):
    cells = {**ADDED, **EDGES}
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    outputs = [f"Sheet1!{k}" for k in cells if k[0] in "BD"]
    return job_for(model, [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", 2.0, 3.0, 5.0)],
                   outputs, trials=trials)


@pytest.mark.parametrize("line, want", [
    ("t1 = (t2 // 3600.0) % 24.0", "const auto t1 = pymod(pyfloordiv(t2, R(3600.0)), R(24.0));"),
    ("t1 = sel(t2, max(-np.inf, v0), -np.inf)",
     "const auto t1 = ((t2) ? (pymax((-MC_INF), v0)) : ((-MC_INF)));"),
    ("z3[int(t5)] = v2", "z3[((long long)(t5))] = v2;"),
    ("t4 = rate_root(t1, t2, t3, 0.0, 0.0, 0.1)",
     "const auto t4 = rate_root(t1, t2, t3, R(0.0), R(0.0), R(0.1));"),
    ("t9 = np.power(t1, 0.5)", "const auto t9 = pow(t1, R(0.5));"),
])
def test_the_lines_translate(line, want):
    assert codegen.translate(line) == want


def test_every_fused_cell_translates():
    from engine.backends.numba._samplers import samplers_for

    job = _job(10)
    samplers, mode = samplers_for(job)
    fused, good, reasons = codegen.translation_report(job.program, samplers, mode)
    assert reasons == {} and good == fused


def test_host_build_equals_numpy(tmp_path):
    job = _job(3_000)
    source = HostCudaBackend.source_of(job).split("MC_HD void mc_trial", 1)[1]
    for name in ("cal_date(", "cal_shift(", "cal_weekday(", "ipmt(", "nper(", "cum_pay(",
                 "rate_root(", "ddb(", "pyfloordiv("):
        assert name in source, name
    _, want = host_equals_numpy(job, tmp_path, 3_000)
    for c in job.program.outputs:   # the edges give numbers in some trials, errors in others
        assert (want[1][c] == 0).any(), c


def test_python_floor_division_twin(tmp_path):
    """pyfloordiv over signs, zeros, infinities and NaN against numba's ``//``."""
    if CXX is None:
        pytest.skip("no C++ compiler")
    import ctypes
    import subprocess

    from numba import njit

    from engine.backends.cupy._rt import RUNTIME

    src = ("typedef double real;\n#define R(x) ((real)(x))\n" + RUNTIME +
           '\nextern "C" void mc_test_fdiv(const double *a, const double *b, double *o, long long n) '
           "{ for (long long i = 0; i < n; ++i) o[i] = pyfloordiv(a[i], b[i]); }\n")
    (tmp_path / "f.cc").write_text(src)
    subprocess.run([CXX, "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-x", "c++",
                    "-DMC_HOST", "-o", str(tmp_path / "f.so"), str(tmp_path / "f.cc")],
                   check=True, capture_output=True, timeout=120)
    rng = np.random.default_rng(5)
    special = np.array([0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 0.5, np.inf, -np.inf, np.nan, 1e300,
                        -1e-300, 7.5, -7.5])
    a = np.concatenate([np.repeat(special, special.size), rng.normal(0, 100, 5000)])
    b = np.concatenate([np.tile(special, special.size), rng.normal(0, 10, 5000)])
    out = np.empty_like(a)
    lib = ctypes.CDLL(str(tmp_path / "f.so"))
    ptr = ctypes.c_void_p
    lib.mc_test_fdiv(*(x.ctypes.data_as(ptr) for x in (a, b, out)), ctypes.c_longlong(a.size))

    @njit(error_model="numpy")
    def want(x, y):
        o = np.empty_like(x)
        for i in range(x.size):
            o[i] = x[i] // y[i]
        return o

    np.testing.assert_array_equal(out, want(a, b))
    np.testing.assert_array_equal(np.signbit(out), np.signbit(want(a, b)))


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_kernel(tmp_path):
    _nvcc_ptx(HostCudaBackend.source_of(_job(10)), tmp_path, "calendar")


def test_text_made_per_trial_that_numpy_reads_does_not_stop_the_cuda_kernel(tmp_path):
    """The numba generator runs again without the cells of text made per trial that the
    numpy part reads (DynamicRead); the CUDA translation now does too (before, the realistic
    engineering model's slice raised DynamicRead out of generate_cuda)."""
    from bench.bench_fused import slice_job
    from tests.realistic_models import engineering

    job, _ = slice_job(engineering(tmp_path / "eng.xlsx"), trials=300)
    host_equals_numpy(job, tmp_path, 300)
