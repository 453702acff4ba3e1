"""A comparison of text joined from cells whose kind varies per trial (joemcsweeney2's
``IF(CONCAT(J48," - ",K48)="X - X",0,CONCAT(ROUND(J48,0)," - ",ROUND(K48,0)))`` where J48 is a
number or "X"): the table path meets a value of varying kind, which the dynamic text path
reads as text per kind (before: "a value whose type varies per trial, where one type is
needed").  numba equals numpy, and the CUDA twin built for the host with g++."""

from __future__ import annotations

import pytest

pytest.importorskip("openpyxl")

from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

CELLS = {
    "J1": '=IFERROR(IF(A1>3,"X",A1+0.5),"X")',
    "K1": '=IFERROR(IF(A2>1,"X",A2+0.005),"X")',
    "L1": '=IF(CONCAT(J1," - ",K1)="X - X",0,CONCAT(ROUND(J1,0)," - ",ROUND(K1,0)))',
    "L2": '=IF(L1=0,"X",LEN(L1))',
    "L3": '=IF(J1&K1="XX",1,2)',
}


def mixed_job(tmp_path, trials: int = 300):
    return sheet_job(tmp_path / "mixed_concat.xlsx", {"A1": 3.0, "A2": 1.0, **CELLS},
                     [tri("S!A1", 1.0, 3.0, 5.0), tri("S!A2", 0.5, 1.0, 2.0)], CELLS, trials)


def test_fused(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report

    assert fused_report(mixed_job(tmp_path)) == {}


def test_numba_equals_numpy(tmp_path):
    pytest.importorskip("numba")
    from tests.test_backend_numba import numba_and_numpy

    _, want = numba_and_numpy(mixed_job(tmp_path), tmp_path / "kernels", 100)
    values = {str(c): set(v.tolist()) for c, v in want[0].items()}
    assert values["S!L3"] == {1.0, 2.0}


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(mixed_job(tmp_path), tmp_path / "cuda")
