"""FILTER, UNIQUE and SORT (and what reads them) in the CUDA kernel: the C++ twins of the
numba kernel's dynamic-array runtime (engine/backends/cupy/_rt_dynarrays.py), checked by the
host build of the generated source against numpy, on the cost table of
tests/test_numba_dynamic_arrays.py and on ironcalc's travel expenses tracker, which did not
translate before ("function da_filter", "assignment target" of ``z[0:50] = 0``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

import engine.backends.cupy._codegen as codegen  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from tests.test_backend_cupy import (  # noqa: E402
    CXX,
    NVCC,
    HostCudaBackend,
    _nvcc_ptx,
    host_equals_numpy,
)
from tests.test_backend_numba import assert_same, job_for, run  # noqa: E402
from tests.test_numba_dynamic_arrays import (  # noqa: E402
    ARRAYS,
    INPUTS,
    PADDED,
    PLAIN,
    TRIALS,
    _only,
    workbook,
)

TRAVEL = Path(__file__).parent / "data" / "workbooks" / "ironcalc__travel_expenses_tracker.xlsx"
SPILLS = ("H1", "H2", "H3", "H4", "I1", "J1", "I3", "J3", "I4", "J4", "K1", "K2", "L1")


def test_slices_and_nan_of_the_scratch_arrays_translate():
    assert codegen.translate("z12[0:50] = np.nan") == \
        "for (long long mc_j = 0; mc_j < 50; ++mc_j) z12[mc_j] = MC_NAN;"
    assert codegen.translate("t3 = da_kth(z1, z2, z3, t2, z4, t1, True)") == \
        "const auto t3 = da_kth(z1, z2, z3, t2, z4, t1, true);"
    with pytest.raises(codegen.NotTranslatable):
        codegen.translate("z12[0:t1] = 0.0")      # only constant bounds
    with pytest.raises(codegen.NotTranslatable):
        codegen.translate("t1[0:3] = 0.0")        # only scratch arrays


def _cost_table_job(tmp_path: Path):
    model = workbook(tmp_path / "dyn.xlsx", ARRAYS, {**PLAIN, **PADDED})
    outs = [f"Sheet1!{c}" for c in (*PLAIN, *PADDED, *SPILLS)]
    return job_for(model, INPUTS, outs, trials=TRIALS), model


@pytest.mark.skipif(CXX is None, reason="no C++ compiler")
def test_filter_unique_sort_on_the_host_build_equal_numpy(tmp_path):
    job, model = _cost_table_job(tmp_path)
    host = HostCudaBackend(tmp_path)
    assert host.cpu_reason(job) is None
    source = HostCudaBackend.source_of(job)
    for name in ("da_filter(", "da_unique(", "da_sort(", "da_ifs(", "da_agg(", "da_kth(",
                 "da_pick(", "da_match("):
        assert name in source.split("MC_HD void mc_trial", 1)[1], name
    got = run(host, job, 400)
    padded = [model.ref(f"Sheet1!{c}") for c in PADDED]
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(_only([c for c in job.program.outputs if c not in padded]), got, want)
    # where numpy's chunk pads UNIQUE's rows, the kernel equals numpy one trial at a time
    few = job_for(model, INPUTS, [f"Sheet1!{c}" for c in PADDED], trials=60)
    assert_same(few, run(host, few, 60), run(NumpyBackend(), few, 1))
    p4 = got[1][model.ref("Sheet1!P4")]
    assert (p4 == 3).all()                          # FILTER of nothing: #VALUE!


@pytest.mark.slow   # ~20 s: a 4,500-line kernel built by g++
def test_travel_expenses_tracker_on_the_host_build_equals_numpy(tmp_path):
    from bench.bench_fused import slice_job

    job, _ = slice_job(TRAVEL, trials=600)
    host_equals_numpy(job, tmp_path, 600)             # before: "assignment target"


_DEVICE_CALLS = r"""
extern "C" __global__ void mcdesk_kernel(double *a, double *out) {
    double *v = a, *e = a + 8, *t = a + 16, *k = a + 24, *o = a + 32, *oe = a + 40, *ot = a + 48,
           *ok = a + 56;
    double n = da_filter(v, e, t, 8.0, 1, k, e, o, oe, ot, 0.0, 3.0, 0.0);
    n = da_unique(o, oe, ot, o, n, 1, false, v, e, t);
    n = da_sort(v, e, t, v, n, 1, 0.0, true, o, oe, ot, ok);
    n = da_ifs(o, oe, ot, n, v, e, t, k, v, e, t, 8.0, 0, ok, oe, ot);
    mc_da2 s = da_agg(ok, oe, ot, n, 5);
    mc_da3 l = da_kth(ok, oe, ot, n, k, 2.0, true);
    mc_da3 p = da_pick(ok, oe, ot, n, 1, 1.0, 0.0);
    mc_da2 m = da_match(ok, oe, ot, n, s[0], 0.0);
    out[threadIdx.x] = s[0] + s[1] + l[0] + l[1] + l[2] + p[0] + m[0] + m[1];
}
"""


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_the_dynamic_array_runtime(tmp_path):
    """Every twin compiled for the device (a kernel calling each; the generated kernels that
    call them: bench/bench_cuda_translate.py --ptx)."""
    source = "\n".join(["typedef double real;", "#define R(x) ((real)(x))", codegen.RUNTIME,
                        codegen.DYNARRAY_RUNTIME, _DEVICE_CALLS])
    _nvcc_ptx(source, tmp_path, "dynarrays")
