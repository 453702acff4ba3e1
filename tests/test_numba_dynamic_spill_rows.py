"""A spill's cells past the first row of a FILTER/UNIQUE result whose number of rows varies
per trial, fused.

numpy evaluates such a cell once per group of trials of one shape (engine/_ragged.py), so a
trial's element r is its own: row r where the trial has it, its one row repeated down where it
has one, #N/A past its rows (engine._ragged._element, Env.array_element).  The reference does
not depend on the chunking (checked: chunks of 1, 7 and all trials agree), and the kernel gives
each trial that element.  Also FILTER that keeps nothing where a flag is an error: that error
(numpy's), not if_empty.  The workbook is the cost table of tests/test_numba_dynamic_arrays.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, numba_and_numpy, run  # noqa: E402
from tests.test_numba_dynamic_arrays import INPUTS, workbook  # noqa: E402

TRIALS = 240
F, U = "_xlfn._xlws.FILTER", "_xlfn.UNIQUE"
SPILLS = {
    "M1": ("M1:M6", f"={U}(C2:C9)"),                       # 2 .. 5 rows per trial
    "N1": ("N1:N6", f"={F}(A2:A9,A2:A9>5)"),               # 0 .. 5 rows: #VALUE! repeated
    "O1": ("O1:O4", f'={F}(A2:A9,A2:A9>8,"none")'),        # if_empty text repeated down
    "P1": ("P1:P3", f"={U}(ROUND(A2:A9/13,0))"),            # 1 or 2 rows
    "Q1": ("Q1:Q3", f"={F}(A2:A9,E2:E9>100)"),             # nothing kept; E's #DIV/0! some trials
}
CELLS = [f"Sheet1!{col}{r}" for col, last in (("M", 6), ("N", 6), ("O", 4), ("P", 3), ("Q", 3))
         for r in range(1, last + 1)]


def _job(tmp_path: Path):
    model = workbook(tmp_path / "spill.xlsx", SPILLS, {"R1": "=SUM(M2:M6)+COUNT(N1:N6)"})
    return job_for(model, INPUTS, [*CELLS, "Sheet1!R1"], trials=TRIALS), model


def test_numpy_reference_does_not_depend_on_the_chunk(tmp_path):
    job, model = _job(tmp_path)
    whole = run(NumpyBackend(), job, TRIALS)
    assert_same(job, run(NumpyBackend(), job, 7), whole)
    assert_same(job, run(NumpyBackend(), job, 1), whole)
    vals, errs = whole[0], whole[1]
    m3 = errs[model.ref("Sheet1!M3")]
    assert (m3 == 0).any() and (m3 == 7).any()            # row 3: some trials have it, #N/A
    p2 = model.ref("Sheet1!P2")
    one = errs[model.ref("Sheet1!P2")] == 0
    assert one.all()                                       # never #N/A: 1 row repeats, or 2
    assert (vals[p2] == vals[model.ref("Sheet1!P1")]).any()
    q = errs[model.ref("Sheet1!Q3")]
    assert (q == 2).any() and (q == 3).any()               # #DIV/0! of a flag, else #VALUE!


def test_spill_rows_fused_and_equal_to_numpy(tmp_path):
    job, _ = _job(tmp_path)
    assert fused_report(job) == {}   # before: "element 2 of a UNIQUE result whose number ..."
    numba_and_numpy(job, tmp_path / "kernels", 100, 7, fused=True)


def test_spill_rows_on_the_host_build_equal_numpy(tmp_path):
    job, _ = _job(tmp_path)
    host_equals_numpy(job, tmp_path, 120, TRIALS)
