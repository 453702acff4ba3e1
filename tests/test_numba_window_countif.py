"""``24-COUNTIF($H$2:H{r-1},">"&B{r})`` copied down a call log (ashourzadeh7 Simulation,
unseen7): each row counts the calls of the rows above still running when its call arrives,
over a column of mixed kinds (a finish time, or "_" for a call turned away), so the window
grows by a row a row and the count feeds the next rows.  Each window past LONG_CELLS was
gathered into its own scratch by a line per cell, the kernel growing with the square of the
rows ("the kernel would be too large" for three cells of the 1,000-row sheet); now a
window's scratch copies the one above by one line and adds its new row
(engine.backends.numba._long_criteria._grown).  numba equals numpy, and the CUDA kernel
built for the host too."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import _long_criteria  # noqa: E402
from tests.kernel_checks import (  # noqa: E402
    assert_kernel_grows_gently,
    numba_and_host_equal_numpy,
    sheet_job,
)
from tests.test_backend_numba import tri  # noqa: E402


@pytest.fixture(autouse=True)
def short_windows_loop(monkeypatch):
    """Windows past 8 cells looped over (LONG_CELLS is 64): the same code on a short log."""
    monkeypatch.setattr(_long_criteria, "LONG_CELLS", 8)


def call_log_job(tmp_path, rows: int, trials: int = 40):
    last = rows + 1
    cells: dict[str, object] = {"E1": 1.0, "E2": 3.0, "C2": 1.0, "I2": 24.0}
    for r in range(2, last + 1):
        cells[f"A{r}"] = "=RAND()*$E$1*2"          # time between calls
        cells[f"D{r}"] = "=RAND()*$E$2+1"          # call length
        cells[f"B{r}"] = "=A2" if r == 2 else f"=B{r - 1}+A{r}"
        if r > 2:
            cells[f"I{r}"] = f'=24-COUNTIF($H$2:H{r - 1},">"&B{r})'
            cells[f"C{r}"] = f"=IF(I{r}>=0,1,0)"
        cells[f"G{r}"] = f'=IF(C{r}=1,D{r},"_")'
        cells[f"H{r}"] = f'=IF(C{r}=1,B{r}+G{r},"_")'
        cells[f"J{r}"] = f"=25-I{r}"
    cells["L1"] = f'=COUNTIF(C2:C{last},"=0")'
    cells["L2"] = f"=AVERAGE(J2:J{last})"
    cells["L3"] = f"=H{last}"
    return sheet_job(tmp_path / f"calls{rows}.xlsx", cells,
                     [tri("S!E1", 0.5, 1.0, 1.5), tri("S!E2", 2.0, 3.0, 4.0)],
                     ["L1", "L2", "L3"], trials)


def test_windows_grow_the_kernel_by_a_few_lines_a_row(tmp_path):
    # a line per cell of each window: 2,712 and 7,768 lines (now 1,800 and 3,587)
    assert_kernel_grows_gently(lambda rows: call_log_job(tmp_path, rows), (40, 80), None, 2_500)


@pytest.mark.slow
def test_numba_and_cuda_host_equal_numpy(tmp_path):
    got, want = numba_and_host_equal_numpy(call_log_job(tmp_path, 24), tmp_path / "kernels",
                                           chunk=20)
    counts = {str(k): v for k, v in want[0].items()}["S!L2"]
    assert counts.min() != counts.max()   # the windows count differently per trial
