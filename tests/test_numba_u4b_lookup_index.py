"""VLOOKUP/HLOOKUP whose column (row) index or match mode is computed per trial (an inventory
aging workbook: ``=IFERROR(VLOOKUP(D2,$B$16:$E$23,IF(G2<11,2,IF(G2<21,3,IF(G2<31,4,"no
discount"))),false),0)``, a payroll sheet: ``=VLOOKUP($A$9,$A$22:$E$108,A20,0)`` with A20 an
input): fused as lookup._table_lookup computes them (the index truncated; #VALUE! below 1 or
not a number, #REF! past the table, after the key's error; the mode's error after those), and
``false``/``true`` in lower case (Google Sheets' files) read as the logicals, never as a name
(#NAME?).  numba equals numpy, and the CUDA twin built for the host with g++."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("openpyxl")

from engine import ir  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import run, tri  # noqa: E402

OUTS = {
    "B1": '=VLOOKUP(2,$D$1:$G$5,IF(A1<10,2,IF(A1<20,3,IF(A1<30,4,"no"))),false)',
    "B2": "=VLOOKUP(ROUND(A1/8,0),$D$1:$G$5,A2,0)",
    "B3": "=HLOOKUP(A1/8,$D$7:$H$9,A2,TRUE)",
    "B4": "=VLOOKUP(A1/8,$D$1:$G$5,2,A1>20)",
    "B5": "=VLOOKUP(A1/8,$D$1:$G$5,A2,A1<20)",
    "B6": '=IFERROR(VLOOKUP(3,$D$1:$G$5,IF(A1<20,2,"x"),FALSE),0)+A1',
    "B7": "=VLOOKUP(2,$D$1:$G$5,2,false)*A1",
}


def lookup_job(tmp_path, trials: int = 400):
    cells: dict[str, object] = {"A1": 20.0, "A2": 2.0}
    for r in range(1, 6):
        cells.update({f"D{r}": r, f"E{r}": 10 * r, f"F{r}": f"x{r}", f"G{r}": r * 1.5})
    cells["G3"] = "=1/0"
    for j, col in enumerate("DEFGH", start=1):
        cells.update({f"{col}7": j, f"{col}8": 100 * j, f"{col}9": f"h{j}"})
    inputs = [tri("S!A1", 0.0, 20.0, 40.0), tri("S!A2", 0.2, 2.0, 5.6)]
    return sheet_job(tmp_path / "lookup_index.xlsx", {**cells, **OUTS}, inputs, OUTS, trials)


def test_lower_case_logicals_are_logicals(tmp_path):
    job = lookup_job(tmp_path)
    node = Model.open(tmp_path / "lookup_index.xlsx").code(
        next(c for c in job.program.outputs if str(c) == "S!B7")).node
    assert isinstance(node, ir.Binary) and isinstance(node.left, ir.Call)
    assert node.left.args[3] == ir.Bool(False)
    outs, errs, ins = run(NumpyBackend(), job, job.trials)
    b7 = next(c for c in job.program.outputs if str(c) == "S!B7")
    a1 = next(c for c in job.distributions if str(c) == "S!A1")
    assert not errs[b7].any()   # #NAME? before
    np.testing.assert_allclose(outs[b7], 20.0 * ins[a1])


def test_numpy_values(tmp_path):
    """A few trials by hand: the index truncated, #VALUE!/#REF!/#N/A as Excel gives them."""
    job = lookup_job(tmp_path)
    outs, errs, ins = run(NumpyBackend(), job, job.trials)
    by = {str(c): c for c in job.program.outputs}
    a1 = next(v for c, v in ins.items() if str(c) == "S!A1")
    a2 = next(v for c, v in ins.items() if str(c) == "S!A2")
    b1e, b2e = errs[by["S!B1"]], errs[by["S!B2"]]
    assert (b1e[a1 >= 30] == 3).all() and (b1e[a1 < 10] == 0).all()   # "no": #VALUE!
    key = np.round(a1 / 8)
    ok = (key >= 1) & (key <= 5) & (a2 >= 1) & (a2 < 5)
    assert (b2e[a2 < 1] == 3).all() and (b2e[a2 >= 5] == 4).all()
    assert (b2e[(a2 >= 1) & (a2 < 5) & (key < 1)] == 7).all()   # not found: #N/A
    two = ok & (np.trunc(a2) == 2)
    np.testing.assert_array_equal(outs[by["S!B2"]][two], 10 * key[two])


def test_fused_numba_equals_numpy(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.test_backend_numba import numba_and_numpy

    job = lookup_job(tmp_path)
    assert fused_report(job) == {}   # 'a lookup mode or index that varies' before
    numba_and_numpy(job, tmp_path / "kernels", 150)


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(lookup_job(tmp_path), tmp_path / "cuda")
