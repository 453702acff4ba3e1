"""Criteria made per trial (engine/backends/numba/_dcriteria.py) in the CUDA kernel, without
a GPU: the C++ twins of numba/_dcriteria_rt.py (engine/backends/cupy/_rt_dcriteria.py),
compiled for the host with the generated kernel, give numpy's counts, sums, extremes and
error codes for the criteria of tests/test_numba_dynamic_criteria.py (before the twins the
kernel had no CUDA translation and ran on the CPU); the source compiles for the device
(``nvcc --ptx``, skipped without nvcc).
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.cupy._codegen import generate_cuda  # noqa: E402
from engine.backends.numba._samplers import samplers_for  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from tests.test_backend_cupy import CXX, NVCC, HostCudaBackend, _nvcc_ptx  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run  # noqa: E402
from tests.test_numba_dynamic_criteria import CELLS, INPUTS, OUTPUTS, workbook  # noqa: E402

needs_cxx = pytest.mark.skipif(CXX is None, reason="no C++ compiler")


def _job(tmp_path, trials: int):
    model = workbook(tmp_path / "criteria.xlsx", CELLS)
    return job_for(model, INPUTS, [f"Sheet1!{o}" for o in OUTPUTS], trials=trials), model


@needs_cxx
def test_criteria_made_per_trial_run_in_the_cuda_kernel_as_numpy(tmp_path):
    job, model = _job(tmp_path, 1_000)
    host = HostCudaBackend(tmp_path)
    assert host.cpu_reason(job) is None          # before the twins: "no CUDA translation"
    plan = host.prepare(job).plan
    assert not plan.rest
    assert "dcrit_kind(" in plan.source and "dcrit_id(" in plan.source \
        and "dcrit_cell(" in plan.source
    got = run(host, job, 500)
    want = run(NumpyBackend(), job, 1_000)
    assert_same(job, got, want)
    assert (got[1][model.ref("Sheet1!J10")] == 2).any()   # AVERAGEIF of none: #DIV/0!


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_a_criteria_kernel(tmp_path):
    job, _ = _job(tmp_path, 100)
    samplers, mode = samplers_for(job)
    _nvcc_ptx(generate_cuda(job.program, samplers, mode).source, tmp_path, "dcriteria")
