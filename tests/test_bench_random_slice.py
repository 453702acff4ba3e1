"""bench/bench_fused.py's slice (also bench/check_agree.py's) covers the cells drawing a random
number and their users, so a RAND-only Monte Carlo workbook (no constant feeds a formula) has a
measured slice: fused share, numba = numpy on the same streams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from bench.bench_fused import slice_job
from engine.backends.numba import fused_report
from tests.test_backend_numba import numba_and_numpy


def _rand_only_book(path: Path) -> Path:
    """A dice and coin Monte Carlo of the bestexceltutor shape: no number read by a formula."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sim"
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "die", "coin", "score", "text"
    for r in range(2, 12):
        ws[f"A{r}"] = "=RANDBETWEEN(1,6)"
        ws[f"B{r}"] = "=IF(RAND()<0.5,\"H\",\"T\")"
        ws[f"C{r}"] = f"=A{r}*2+IF(B{r}=\"H\",1,0)"
        ws[f"D{r}"] = f"=IF(C{r}>9,\"high\",\"low\")"
    ws["F1"] = "=AVERAGE(C2:C11)"
    ws["F2"] = "=COUNTIF(D2:D11,\"high\")"
    ws["F3"] = "=MAX(A2:A11)-MIN(A2:A11)"
    ws["G1"] = "=LEN(\"fixed\")"   # constant: not in the slice
    out = path / "rand_only.xlsx"
    wb.save(out)
    return out


def test_rand_only_workbook_has_a_slice(tmp_path: Path) -> None:
    job, inputs = slice_job(_rand_only_book(tmp_path), trials=400)   # was LookupError
    assert inputs == 0
    steps = {str(c) for c in job.program.steps}
    assert {"Sim!A2", "Sim!B11", "Sim!D5", "Sim!F1", "Sim!F2", "Sim!F3"} <= steps
    assert "Sim!G1" not in steps
    assert len(job.program.outputs) == 43
    assert fused_report(job) == {}


@pytest.mark.slow   # a numba compile: ~20 s idle, 95 s on a loaded machine
def test_rand_only_slice_numba_equals_numpy(tmp_path: Path) -> None:
    job, _ = slice_job(_rand_only_book(tmp_path), trials=400)
    got, want = numba_and_numpy(job, tmp_path / "kernels", chunk=150)
    outs = want[0]
    f1 = np.asarray(outs[job.program.model.ref("Sim!F1")], dtype=float)
    assert f1.min() >= 2.0 and f1.max() <= 13.0 and f1.std() > 0   # trials differ
    dice = np.asarray(outs[job.program.model.ref("Sim!A2")], dtype=float)
    assert set(np.unique(dice)) <= {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}
