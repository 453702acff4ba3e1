"""A short lookup table read by a column of a few hundred rows (a VaR Monte Carlo: the
number of losses of a trial row found by ``=IF(C67<=$D$9,0,MATCH(C67,$D$9:$D$24,1))`` in a
16-row cumulative Poisson table, 500 rows).  Every row wrote the 16 elements and their type
codes again (40 lines a row) and the rows could not loop (a scratch a cell writes itself
stays straight-line): the last rows were "the kernel would be too large".  Lines of at least
``_shared_lines.SHARE_MIN`` (now 4) cells are written once per trial and shared: the rows are
one loop.  numba equals numpy, and the CUDA twin built for the host with g++."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import _codegen, _shared_lines  # noqa: E402
from engine.backends.numba._samplers import samplers_for  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TABLE, TOP = 16, 67


def var_job(tmp_path, rows: int, trials: int = 200):
    """C1: a loss rate (input); D9:D24 the cumulative Poisson table of it; C67..: a uniform
    per row; D67..: the losses of the row; F1: their total."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["C1"] = 3.0
    for j in range(TABLE):
        ws[f"A{9 + j}"] = j
        ws[f"D{9 + j}"] = f"=POISSON.DIST(A{9 + j},$C$1,TRUE)"
    last = TOP + rows - 1
    for r in range(TOP, last + 1):
        ws[f"C{r}"] = "=RAND()"
        ws[f"D{r}"] = f"=IF(C{r}<=$D$9,0,MATCH(C{r},$D$9:$D${8 + TABLE},1))"
    ws["F1"] = f"=SUM(D{TOP}:D{last})"
    path = tmp_path / "var.xlsx"
    wb.save(path)
    outputs = ["Sheet1!F1"] + [f"Sheet1!D{r}" for r in (TOP, TOP + 1, last)]
    return job_for(Model.open(path), [tri("Sheet1!C1", 1.0, 3.0, 9.0)], outputs, trials)


def test_rows_over_a_short_table_are_one_loop(tmp_path, monkeypatch):
    job = var_job(tmp_path, rows=300)
    monkeypatch.setattr(_codegen, "MAX_KERNEL_LINES", 3_000)
    plan = _codegen.generate(job.program, *samplers_for(job, False))
    assert not plan.rest, plan.reasons
    assert len(plan.source.splitlines()) < 1_500, len(plan.source.splitlines())
    # the regression this guards: every row writing the 16-row table (~40 lines a row)
    monkeypatch.setattr(_shared_lines, "SHARE_MIN", 32)
    plan = _codegen.generate(job.program, *samplers_for(job, False))
    assert "the kernel would be too large" in plan.reasons.values()


@pytest.mark.slow   # a compile; the CUDA host test below checks the same values
def test_numba_equals_numpy(tmp_path):
    job = var_job(tmp_path, rows=40)
    numba_and_numpy(job, tmp_path / "kernels", 200, 200, fused=True)


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(var_job(tmp_path, rows=40), tmp_path / "cuda")
