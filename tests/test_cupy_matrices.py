"""MMULT, MINVERSE, MDETERM, FREQUENCY and SORTBY in the CUDA kernel: the C++ twins of the numba
kernel's matrix runtime (engine/backends/cupy/_rt_matrices.py), checked by the host build of
the generated source against numpy on the correlated-draws workbook of
tests/test_numba_matrices.py (a few of its cells: the kernel stays small for g++), and by
``nvcc --ptx`` where there is one.  Before, these cells were not fused at all.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from tests.test_backend_cupy import (  # noqa: E402
    NVCC,
    HostCudaBackend,
    _nvcc_ptx,
    host_equals_numpy,
)
from tests.test_backend_numba import job_for, tri  # noqa: E402
from tests.test_numba_matrices import workbook  # noqa: E402

CELLS = ("J1", "J3", "K2", "K5", "K12", "K13", "K15", "L1", "L3", "L5", "L7", "L8", "AK1",
         "AM3", "AE1", "AT1", "AT4", "AV2")


def test_matrices_on_the_host_build_equal_numpy(tmp_path):
    model = workbook(tmp_path / "m.xlsx")
    inputs = [tri(f"S!A{i + 1}", 1.0 + i, 2.0 + i, 4.0 + i) for i in range(5)]
    job = job_for(model, inputs, [f"S!{c}" for c in CELLS], trials=400)
    source = HostCudaBackend.source_of(job)
    body = source.split("MC_HD void mc_trial", 1)[1]
    for name in ("mx_lu(", "mx_inv_at(", "mx_freq(", "mx_sort_pos("):
        assert name in body, name
    host_equals_numpy(job, tmp_path, 400)
    if NVCC is not None:
        _nvcc_ptx(source, tmp_path, "matrices")
