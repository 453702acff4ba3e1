"""IF whose condition is the same in every trial takes its branch alone: a money tracker's
``=IF(B6="","",SUM(C6:E6))`` (B6 a date, a number in every trial: never equal to "") was of
a kind that varies (number or ""), so ``"₱"&TEXT(F6,"#,##0")`` reading it was 'TEXT of a
number that varies per trial'; now F6 is a number, and its readers are fused.  numba equals
numpy, and the CUDA twin built for the host with g++."""

from __future__ import annotations

import pytest

openpyxl = pytest.importorskip("openpyxl")

from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

OUTS = {
    "F6": '=IF(B6="","",SUM(C6:D6))',
    "G6": '=IF(F6="","","₱"&TEXT(F6,"#,##0"))',
    "G7": '=TEXT(F6,"#,##0.0")',
    "G8": '=IF(C6<>C6,1/0,F6*2)',   # the branch not taken: its error never leaks
    "G9": '=IF(B6>0,C6,"x")&"!"',
}


def tracker_job(tmp_path, trials: int = 300):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["B6"], ws["C6"], ws["D6"] = 46000, 100, 5
    for cell, f in OUTS.items():
        ws[cell] = f
    path = tmp_path / "tracker.xlsx"
    wb.save(path)
    inputs = [tri("S!B6", 45000.0, 46000.0, 47000.0), tri("S!C6", -50.0, 100.0, 90000.0)]
    return job_for(Model.open(path), inputs, [f"S!{c}" for c in OUTS], trials)


def test_fused_numba_equals_numpy(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.test_backend_numba import numba_and_numpy

    job = tracker_job(tmp_path)
    assert fused_report(job) == {}   # G6, G7: 'TEXT of a number that varies per trial' before
    numba_and_numpy(job, tmp_path / "kernels", 100)


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(tracker_job(tmp_path), tmp_path / "cuda")
