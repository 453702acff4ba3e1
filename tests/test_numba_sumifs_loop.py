"""SUMIFS/COUNTIFS/AVERAGEIFS of a long log by month and key (a utility tracker's property
matrix): ``SUMIFS(Log!F, Log!A, ">="&DATE(year, m, 1), Log!A, "<"&DATE(year, m+1, 1),
Log!B, property, Log!C, $A5)`` with the year uncertain (the date criteria vary per trial)
and the summed amounts uncertain (inputs and a formula copied down).  The two date criteria
are runtime comparisons; the criteria the same in every trial (property and service: text
equality ignoring case, a wildcard, a blank) are matched at generation and ANDed into the
first one's per-row codes, so each cell is one loop over the rows (engine.backends.numba.
_long_criteria._mixed_conditional).  Written cell by cell such a grid was ~9 lines per row of
the log per cell: "the kernel would be too large".  numba equals numpy, and the CUDA kernel
built for the host too."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from tests.kernel_checks import (  # noqa: E402
    assert_kernel_grows_gently,
    book_job,
    numba_and_host_equal_numpy,
)
from tests.test_backend_numba import tri  # noqa: E402

TOP = 2
INPUTS = 10        # amounts drawn directly (the first rows), the rest a formula of them
EMPTY = 20         # the log's unused rows at the bottom
SERVICES = ["Electric", "Gas", "Water", "Internet"]
PROPS = ["Cabin", "Lodge", "cabin"]   # "cabin" meets the criterion "Cabin" (case ignored)


def log_book(path, rows: int) -> list[str]:
    """A log of ``rows`` rows (the last EMPTY of them unused) over 2024-2026 and a grid of
    SUMIFS by month (across) and service (down), plus COUNTIFS/AVERAGEIFS/SUMIFS with a
    wildcard and a blank criterion; the grid's cells (to output)."""
    wb = openpyxl.Workbook()
    log = wb.active
    log.title = "Log"
    last = TOP + rows - 1
    for i in range(rows - EMPTY):
        r = TOP + i
        log[f"A{r}"] = dt.datetime(2024, 1, 1) + dt.timedelta(days=(i * 7) % 1090)
        log[f"B{r}"] = PROPS[i % len(PROPS)]
        if i % 13 != 5:   # a blank service now and then
            log[f"C{r}"] = SERVICES[(i // 3) % len(SERVICES)]
        log[f"D{r}"] = 40.0 + (i * 37) % 90
        log[f"F{r}"] = 100.0 + i if i < INPUTS else f"=D{r}*Settings!$B$3"
    s = wb.create_sheet("Settings")
    s["B1"], s["B2"], s["B3"] = 2025.0, "Cabin", 1.0
    m = wb.create_sheet("Matrix")

    def rng(col: str) -> str:
        return f"Log!${col}${TOP}:${col}${last}"

    def dates(month: int) -> str:
        return (f'{rng("A")},">="&DATE(Settings!$B$1,{month},1),'
                f'{rng("A")},"<"&DATE(Settings!$B$1,{month + 1},1)')

    cells = []
    for j, svc in enumerate(SERVICES):
        row = 5 + j
        m[f"A{row}"] = svc
        for month in range(1, 13):
            col = openpyxl.utils.get_column_letter(1 + month)
            m[f"{col}{row}"] = (f'=SUMIFS({rng("F")},{dates(month)},{rng("B")},Settings!$B$2,'
                                f'{rng("C")},$A{row})')
            cells.append(f"Matrix!{col}{row}")
    m["B12"] = f'=COUNTIFS({dates(3)},{rng("B")},"Lod*",{rng("C")},"<>Gas")'
    m["B13"] = f'=AVERAGEIFS({rng("F")},{dates(5)},{rng("B")},"?odge",{rng("C")},"")'
    m["B14"] = f'=SUMIFS({rng("F")},{dates(7)},{rng("C")},"water",{rng("B")},"<>Lodge")'
    m["B15"] = "=SUM(B5:M8)"
    wb.save(path)
    return [*cells, "Matrix!B12", "Matrix!B13", "Matrix!B14", "Matrix!B15"]


def log_job(tmp_path, rows: int = 320, trials: int = 200):
    inputs = [tri("Settings!B1", 2024.0, 2025.0, 2026.9), tri("Settings!B3", 0.8, 1.0, 1.3)]
    inputs += [tri(f"Log!F{TOP + i}", 90.0 + i, 100.0 + i, 120.0 + i) for i in range(INPUTS)]
    return book_job(tmp_path, log_book, rows, inputs, trials)


def test_the_grid_is_a_loop_per_cell_and_grows_gently_with_the_rows(tmp_path):
    # cell by cell: ~9 lines a row of the log a cell, past 200,000 lines
    assert_kernel_grows_gently(lambda rows: log_job(tmp_path, rows), (320, 640), 2_500, 200)


def test_numba_and_cuda_host_equal_numpy(tmp_path):
    got, _ = numba_and_host_equal_numpy(log_job(tmp_path), tmp_path / "kernels")
    # not all zero: the grid finds the year's bills in most trials
    assert any(abs(float(v.max())) > 0 for k, v in got[0].items() if str(k).startswith("Matrix"))
