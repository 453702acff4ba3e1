"""A row-to-row recurrence whose rows look a number up in a table of inputs
(ianjharkin edu-2012-c13-01 'Solution to Exercise 13.1': a universal life fund value,
``J8 = VLOOKUP(A8,$P$22:$Q$31,2)/12`` beside ``I8 = (H8-N7-E8+F8+G8)/(1.045^(1/12))``, 120
rows): the approximate VLOOKUP's copy of the looked-up column is one array per trial shared
by every row (``_gather.gathered``), so the rows are one loop.  A copy of each row's own kept
every row straight-line code: the kernel grew by ~75 lines a row, 887 cells of the 120-row
sheet refused "the kernel would be too large"."""

from __future__ import annotations

from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")
pytest.importorskip("numba")

from tests.kernel_checks import (  # noqa: E402
    assert_kernel_grows_gently,
    book_job,
    numba_and_host_equal_numpy,
)
from tests.test_backend_numba import tri  # noqa: E402

TOP = 6
TABLE = 22   # the lookup table's first row (P: attained age, Q: a rate), beside the rows


def fund_book(path: Path, rows: int) -> list[str]:
    """The fund value table of ``rows`` rows from row 6 (month in B, age in A, the rate
    looked up by age in J, the fund value N reading the row above); returns the outputs."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["S1"], ws["S2"] = 100.0, 50_000.0
    for i in range(10):
        ws[f"P{TABLE + i}"], ws[f"Q{TABLE + i}"] = 45 + i, 2.788 + 0.31 * i
    for r in range(TOP, TOP + rows):
        ws[f"A{r}"] = f"=45+INT((B{r}-1)/12)"
        ws[f"B{r}"] = 1 if r == TOP else f"=+B{r - 1}+1"
        ws[f"C{r}"] = "=$S$1"
        ws[f"E{r}"] = f"=+C{r}-C{r}*0.05"
        ws[f"G{r}"] = f"=IF(B{r}<31,+H{r}/1000*0.06,0)"
        ws[f"H{r}"] = "=$S$2"
        ws[f"I{r}"] = f"=(H{r}-N{r - 1}-E{r}+10+G{r})/(1.045^(1/12))"
        ws[f"J{r}"] = f"=VLOOKUP(A{r},$P${TABLE}:$Q${TABLE + 9},2)/12"
        ws[f"K{r}"] = f"=+I{r}*J{r}/1000+G{r}+10"
        ws[f"L{r}"] = f"=+N{r - 1}+E{r}-K{r}"
        ws[f"N{r}"] = f"=+L{r}*(1.06^(1/12))"
    last = TOP + rows - 1
    ws["S5"], ws["S6"] = f"=N{last}", f"=SUM(K{TOP}:K{last})"
    wb.save(path)
    mid = TOP + rows // 2
    return ["S!S5", "S!S6", f"S!J{mid}", f"S!I{mid}", f"S!N{last}"]


INPUTS = [tri("S!S1", 80.0, 100.0, 130.0), tri("S!S2", 40_000.0, 50_000.0, 60_000.0),
          *[tri(f"S!P{TABLE + i}", 44.6 + i, 45.0 + i, 45.4 + i) for i in range(10)],
          tri("S!Q25", 3.0, 3.8, 4.5)]


def test_rows_looking_up_an_input_table_are_one_loop(tmp_path):
    assert_kernel_grows_gently(lambda rows: book_job(tmp_path, fund_book, rows, INPUTS, 8),
                               (40, 80), 600, 60)


def test_rows_looking_up_an_input_table_equal_numpy(tmp_path):
    job = book_job(tmp_path, fund_book, 60, INPUTS, 16)
    (got, _, _), _ = numba_and_host_equal_numpy(job, tmp_path / "k", 8)
    assert len(got) == 5
