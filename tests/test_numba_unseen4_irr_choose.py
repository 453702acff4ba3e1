"""IRR of cash flows written without a range (unseen4 corpus: Kebron911's 5-year pro forma,
exit analysis): ``=IRR(CHOOSE({1;2;3;4;5;6},-C14,P!C25,P!D25,P!E25,P!F25,P!G25+C11))``.
numpy's CHOOSE with an array of indexes is the array of the choices, and IRR reads it as it
reads a range; the kernel evaluated the argument as one value ("Array is not in the fused
subset").  It now reads the choices in the index vector's order.  numba equals numpy; the
CUDA twin built for the host with g++ too."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402


def exit_job(tmp_path, trials: int = 200):
    wb = openpyxl.Workbook()
    pf = wb.active
    pf.title = "Pro-Forma"
    for j, col in enumerate("CDEFG"):
        pf[f"{col}25"] = 9000.0 + 700 * j          # the years' cash flow
    ex = wb.create_sheet("Exit")
    ex["C11"], ex["C14"] = 60000.0, 45000.0        # the sale, the equity
    ex["C20"] = ("=IRR(CHOOSE({1;2;3;4;5;6},-C14,'Pro-Forma'!C25,'Pro-Forma'!D25,"
                 "'Pro-Forma'!E25,'Pro-Forma'!F25,'Pro-Forma'!G25+C11))")
    ex["C21"] = "=IRR(CHOOSE({1,2,3},-C14,'Pro-Forma'!C25*2,C11-'Pro-Forma'!D25),0.2)"
    ex["C22"] = "=IRR(CHOOSE({1;2;3},C14,'Pro-Forma'!C25,C11))"   # no sign change: #NUM!
    path = tmp_path / "exit.xlsx"
    wb.save(path)
    inputs = [tri("Exit!C11", 30000.0, 60000.0, 70000.0), tri("Exit!C14", 40000.0, 45000.0,
                                                               80000.0),
              tri("Pro-Forma!E25", -5000.0, 10400.0, 12000.0)]
    return job_for(Model.open(path), inputs, ["Exit!C20", "Exit!C21", "Exit!C22"], trials)


def test_every_cell_is_fused(tmp_path):
    assert fused_report(exit_job(tmp_path)) == {}


@pytest.mark.slow   # a compile; the CUDA host test below checks the same values
def test_numba_equals_numpy(tmp_path):
    job = exit_job(tmp_path)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        assert be.prepare(job).info.numpy_cells == 0
        got = run(be, job, 100)
    finally:
        be.close()
    want = run(NumpyBackend(), job, 200)
    assert_same(job, got, want)
    errs = {str(c): e for c, e in want[1].items()}
    assert (errs["Exit!C20"] == 0).all() and (errs["Exit!C22"] != 0).all()


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(exit_job(tmp_path), tmp_path / "cuda")
