"""An array formula whose every cell reads all of a long argument: FREQUENCY of simulated
losses (a VaR workbook: ``{=FREQUENCY($N$3:$N$487, Q3:Q25)}`` over 24 cells, one per sheet);
a MINVERSE beside it (each element factors its own copy: not shared).  Every cell laid the data out again (two lines per value), 24 x 970 lines, and
the formula was "the kernel would be too large"; now the first cell lays it out once per
trial into shared scratch (engine.backends.numba._array_fills) and the other cells read it.
numba equals numpy, and the CUDA twin built for the host with g++."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import _array_fills, _codegen  # noqa: E402
from engine.backends.numba._samplers import samplers_for  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

BINS = 23


def var_job(tmp_path, rows: int, trials: int = 200):
    """B1: a volatility (input); N3..: losses; Q3:Q25 bins; R3:R26 their FREQUENCY; S3:S26
    the shares; U3:V4 MINVERSE of a 2 x 2 matrix of the input."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "VaR"
    ws["B1"] = 1.0
    last = 3 + rows - 1
    for r in range(3, last + 1):
        ws[f"M{r}"] = ((r * 37) % 101 - 50) / 10.0
        ws[f"N{r}"] = f"=$B$1*M{r}"
    ws[f"N{last}"] = f"=IF($B$1>1.8,1/0,$B$1*M{last})"   # every count #DIV/0! in some trials
    for j in range(BINS):
        ws[f"Q{3 + j}"] = -5.0 + 10.0 * j / (BINS - 1)
    ws["R3"] = ArrayFormula(f"R3:R{3 + BINS}", f"=FREQUENCY($N$3:$N${last},Q3:Q{2 + BINS})")
    for j in range(BINS + 1):
        ws[f"S{3 + j}"] = f"=R{3 + j}/{rows}"
    ws["T3"], ws["T4"] = "=B1", 2.0
    ws["U3"] = ArrayFormula("U3:V4", "=MINVERSE(S3:T4)")
    ws["W1"] = f"=SUM(R3:R{3 + BINS})"
    path = tmp_path / "var.xlsx"
    wb.save(path)
    outputs = ["VaR!W1", "VaR!R3", "VaR!R10", f"VaR!S{3 + BINS}", "VaR!U3", "VaR!V4"]
    return job_for(Model.open(path), [tri("VaR!B1", 0.5, 1.0, 2.0)], outputs, trials)


def _plan(job):
    return _codegen.generate(job.program, *samplers_for(job, False))


def test_frequency_lays_its_data_out_once(tmp_path, monkeypatch):
    job = var_job(tmp_path, rows=485)
    monkeypatch.setattr(_codegen, "MAX_KERNEL_LINES", 4_000)
    plan = _plan(job)
    assert not plan.rest, plan.reasons
    lines = plan.source.splitlines()
    assert len(lines) < 3_000, len(lines)
    # at most one read per cell (the cells reading the counts are one family's loop since
    # 841c1c0: rows that differ only in their literals)
    assert 1 <= sum("mx_freq(" in line for line in lines) <= BINS + 1
    # the regression this guards: each of the 24 cells writing the 485 losses again
    monkeypatch.setattr(_array_fills, "array_fill",
                        lambda gen, key, make, scratch: make())
    monkeypatch.setattr("engine.backends.numba._matrices.array_fill",
                        lambda gen, key, make, scratch: make())
    # (before the flags of a run of numbers were one slice, _matrices._mx_write, that was
    # 'the kernel would be too large'; now each cell's copy is a loop and a slice)
    unshared = _plan(job)
    assert "the kernel would be too large" in unshared.reasons.values() or \
        len(unshared.source.splitlines()) > len(lines) + BINS, len(unshared.source.splitlines())


@pytest.mark.slow   # a compile; the CUDA host test below checks the same values
def test_numba_equals_numpy(tmp_path):
    job = var_job(tmp_path, rows=60)
    numba_and_numpy(job, tmp_path / "kernels", 200, 200, fused=True)


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    job = var_job(tmp_path, rows=60)
    _, want = host_equals_numpy(job, tmp_path / "cuda")
    counted, errors = want[0][job.program.outputs[0]], want[1][job.program.outputs[0]]
    assert (counted[errors == 0] == 60.0).all() and (errors != 0).any()
