"""AVERAGEIFS/MINIFS/MAXIFS by month over a calendar column of dates computed from an
uncertain year (kebron REV-002's 'Monthly Summary' over '365-Day Calendar'): the dates are
errors in the trials where the year is (DATE of a negative year: #NUM!, and the criteria
``">="&DATE(year, m, 1)`` are then that error too, meeting the error cells), and the
averaged values are "" on Sundays and #DIV/0! on some days (an error met by the criteria is
the aggregate's error).  Before, such a cell was written cell by cell (~12 lines a row a
cell): "the kernel would be too large".  Now the columns are gathered by one loop over the
family's slots (numbers as NaN where an error or another kind, error codes by a loop too)
and each aggregate is one runtime loop over the rows, the first met error by another
(engine.backends.numba._long_criteria._mixed_conditional).  numba equals numpy, and the
CUDA kernel built for the host too."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from tests.kernel_checks import (  # noqa: E402
    assert_kernel_grows_gently,
    book_job,
    numba_and_host_equal_numpy,
)
from tests.test_backend_numba import tri  # noqa: E402

TOP = 6


def calendar_book(path, rows: int) -> list[str]:
    """A calendar of ``rows`` days from 8 March of the year and a month-by-month summary;
    the summary's cells (to output)."""
    wb = openpyxl.Workbook()
    cal = wb.active
    cal.title = "Cal"
    last = TOP + rows - 1
    for i in range(rows):
        r = TOP + i
        cal[f"A{r}"] = f"=DATE(Settings!$B$1,3,8)+{i}"
        cal[f"B{r}"] = f'=IF(WEEKDAY(A{r})=1,"",Settings!$B$2*MOD(A{r},17)/MOD(A{r},97))'
    s = wb.create_sheet("Settings")
    s["B1"], s["B2"] = 2025.0, 1.0
    m = wb.create_sheet("Summary")
    a, b = f"Cal!$A${TOP}:$A${last}", f"Cal!$B${TOP}:$B${last}"
    cells = []
    for month in range(1, 13):
        row = 2 + month
        end = ('"<="&DATE(Settings!$B$1,12,31)' if month == 12
               else f'"<"&DATE(Settings!$B$1,{month + 1},1)')
        crit = f'{a},">="&DATE(Settings!$B$1,{month},1),{a},{end}'
        m[f"A{row}"] = f"=AVERAGEIFS({b},{crit})"
        m[f"B{row}"] = f"=MINIFS({b},{crit})"
        m[f"C{row}"] = f"=MAXIFS({b},{crit})"
        m[f"D{row}"] = f"=IFERROR(AVERAGEIFS({b},{crit}),0)"
        cells += [f"Summary!{c}{row}" for c in "ABCD"]
    m["E3"] = "=SUM(D3:D14)"
    wb.save(path)
    return [*cells, "Summary!E3"]


def calendar_job(tmp_path, rows: int = 300, trials: int = 120):
    # a negative year in about 5% of the trials: every date (and criterion) is #NUM!
    inputs = [tri("Settings!B1", -400.0, 2024.0, 2027.0), tri("Settings!B2", 0.8, 1.0, 1.3)]
    return book_job(tmp_path, calendar_book, rows, inputs, trials)


def test_the_summary_is_fused_with_loops_over_the_rows(tmp_path):
    assert_kernel_grows_gently(lambda rows: calendar_job(tmp_path, rows), (300, 360), 1_500, 60)


def test_numba_and_cuda_host_equal_numpy(tmp_path):
    got, _ = numba_and_host_equal_numpy(calendar_job(tmp_path), tmp_path / "kernels")
    # not all zero: the months' minimums and maximums are found in most trials
    mins = [v for k, v in got[0].items() if k.sheet == "Summary" and k.col == 2]
    assert mins and any(np.nanmax(np.abs(v)) > 0 for v in mins)
