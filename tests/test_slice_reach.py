"""The compiled slice holds the formula cells an OFFSET reads (engine._slice_reach): placed
the same in every trial (arguments of constant cells), the cells it names; placed per trial
(an argument reading an input), the row or column span it may reach, up to a limit.  Before,
those cells were outside the slice: numpy computed them when OFFSET reached them and the
numba kernel refused the reader ("reads a formula cell outside the compiled slice")."""

from __future__ import annotations

import numpy as np

from engine import _slice_reach
from engine.backends.numba import fused_report
from engine.workbook import CellRef
from tests.kernel_checks import sheet_job
from tests.test_backend_numba import numba_and_numpy, tri

ROW = {f"{c}1": f"=A1*{k}" for k, c in enumerate("BCDEF", 1)}   # B1 = A1, ..., F1 = 5*A1
CELLS = {
    "A1": 2.0, "A2": 3.0, "C3": 3.0, **ROW,
    "H5": "=OFFSET(A1,0,C3)",        # D1, in every trial
    "H6": "=OFFSET(A1,0,A2)",        # C1..E1 as A2 truncates to 2..4
    "B8": "=A1*10", "C8": "=OFFSET(A8,0,C3-2)",   # C8 reads B8 through its own OFFSET
    "H7": "=OFFSET(A8,0,C3-1)",      # C8
}
INPUTS = [tri("S!A1", 1.0, 2.0, 3.0), tri("S!A2", 2.0, 3.0, 4.9)]


def _cell(addr: str) -> CellRef:
    return CellRef("S", int(addr[1:]), ord(addr[0]) - 64)


def test_offset_reads_cells_the_slice_holds(tmp_path) -> None:
    job = sheet_job(tmp_path / "reach.xlsx", CELLS, INPUTS, ["H5", "H6", "H7"], 200)
    steps = set(job.program.steps)
    assert {_cell(a) for a in ("D1", "C1", "E1", "C8", "B8")} <= steps
    assert fused_report(job) == {}
    (got, _, ins), _ = numba_and_numpy(job, tmp_path / "k", 50, fused=True)
    a1, a2 = ins[_cell("A1")], ins[_cell("A2")]
    np.testing.assert_allclose(got[_cell("H5")], 3 * a1, rtol=1e-15)
    np.testing.assert_allclose(got[_cell("H6")], np.trunc(a2) * a1, rtol=1e-15)
    np.testing.assert_allclose(got[_cell("H7")], 10 * a1, rtol=1e-15)


def test_a_span_over_the_limit_stays_out(tmp_path, monkeypatch) -> None:
    """An OFFSET whose rows vary may read the whole column: over the limit of cells its
    column is left out (numpy still computes the cell it reaches, per trial)."""
    monkeypatch.setattr(_slice_reach, "MAX_REGION_CELLS", 8)
    cells = {"A1": 2.0, "A2": 3.0, **{f"A{r}": f"=$A$1+{r}" for r in range(10, 30)},
             "H8": "=OFFSET(A10,A2,0)"}
    job = sheet_job(tmp_path / "span.xlsx", cells, INPUTS, ["H8"], 60)
    assert _cell("A13") not in job.program.steps
    assert "outside the compiled slice" in fused_report(job)["S!H8"]
    (got, _, ins), _ = numba_and_numpy(job, tmp_path / "k", 60)
    np.testing.assert_allclose(got[_cell("H8")], ins[_cell("A1")] + 10 + np.trunc(ins[_cell("A2")]),
                               rtol=1e-15)


def test_a_cell_reading_its_reader_keeps_the_order(tmp_path) -> None:
    """D9 reads H9, whose OFFSET reads D9 (a circular reference): the slice is still
    ordered (by the written references) and numba gives numpy's answer."""
    cells = {"A1": 2.0, "C3": 3.0, "D9": "=H9+A1", "H9": "=OFFSET(A9,0,C3)"}
    job = sheet_job(tmp_path / "cycle.xlsx", cells, INPUTS[:1], ["H9", "D9"], 40)
    assert _cell("D9") in job.program.steps
    numba_and_numpy(job, tmp_path / "k", 40)
