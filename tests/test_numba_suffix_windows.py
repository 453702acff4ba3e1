"""SUMPRODUCT over windows of a column that start a row lower every row and end on a fixed
row (``=SUMPRODUCT(B{r}:$B$41,C{r}:$C$41)`` copied down; ianjharkin edu-2012-c13-01's
``SUMPRODUCT(D6:$D$56,E7:$E$57,C6:$C$56)``, past the sheet's data): each track read once
per trial into a shared copy, each cell one runtime call at its offsets
(engine.backends.numba._suffix_windows), a family of one line a row.  Before, each cell
multiplied and added its whole window (lines growing with the square of the rows; the
book's 18.x sheets made its kernel too large).  Values: numpy's, on numba and on the CUDA
host build."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numba import _families  # noqa: E402
from tests.kernel_checks import (  # noqa: E402
    assert_kernel_grows_gently,
    fused_source,
    numba_and_host_equal_numpy,
    sheet_job,
)
from tests.test_backend_numba import tri  # noqa: E402

FIRST = 2


def _cells(rows: int) -> dict[str, object]:
    """Rows FIRST..last: B, C formulas of the input A1 (one B a text, one C #DIV/0! in
    some trials: the first error of each argument's window counts); D the two-range
    windows, E three ranges written past the data (read clipped to row ``last``), C a row
    lower."""
    last = FIRST + rows - 1
    cells: dict[str, object] = {"A1": 1.0}
    for r in range(FIRST, last + 1):
        cells[f"B{r}"] = f"=A$1*{r}-7" if r != FIRST + 3 else "text: 0 in SUMPRODUCT"
        cells[f"C{r}"] = f"=1/(A$1+{r})" if r != FIRST + 5 else "=IF(A$1>1.4,1/0,A$1)"
        cells[f"D{r}"] = f"=SUMPRODUCT(B{r}:$B${last},C{r}:$C${last})"
        cells[f"E{r}"] = f"=SUMPRODUCT(B{r}:$B${last + 4},C{r + 1}:$C${last + 5}," \
                         f"B{r}:$B${last + 4})"
    return cells


def _job(tmp_path, rows: int, trials: int = 16):
    last = FIRST + rows - 1
    return sheet_job(tmp_path / f"windows{rows}.xlsx", _cells(rows), [tri("S!A1", 0.5, 1.0, 2.0)],
                     [f"{c}{r}" for c in "DE" for r in range(FIRST, last + 1)], trials)


def test_windows_grow_with_the_rows_not_their_square(tmp_path):
    # 20 -> 40 -> 80 rows: 454 -> 854 -> 1,669 lines (before: 1,657 -> 5,433 -> 17,464)
    assert_kernel_grows_gently(lambda rows: _job(tmp_path, rows), (20, 40), 700, 600)


def test_windows_equal_numpy_as_loops(tmp_path, monkeypatch):
    """Each column of windows one family's loop (the book's kernel is that large), its
    offsets and lengths per-member constants; numba and the CUDA host build = numpy."""
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    job = _job(tmp_path, 24)
    source = fused_source(job)
    loops = [line for line in source.splitlines() if "= arr_dot" in line and "ur[" in line]
    assert any("arr_dot_at(" in x for x in loops) and any("arr_dot3_at(" in x for x in loops)
    numba_and_host_equal_numpy(job, tmp_path / "k", chunk=8)
