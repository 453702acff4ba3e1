"""Summaries over a long column of random cells drawn as a group (``=NORM.INV(RAND(), $N$1,
$N$2)`` copied down thousands of rows, a Monte Carlo sheet's own simulation column:
Generator.group, each cell a row of ``ur``): the range is copied into a scratch by one
``fill_rows`` loop and its errors tested by one ``nf_rows`` loop (engine/backends/numba/
_gather.py), not a line per cell, so such a range may pass the cap on a range's cells
(before: 'a range of 4500 cells'; under the cap, a line per cell in every summary).

numba equal to numpy trial for trial, and the CUDA kernel's host build (each row a scalar
there: the loops unrolled in a lambda) equal to numpy.  Workbooks are written with openpyxl."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from tests.kernel_checks import fused_source, numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import numba_and_numpy, tri  # noqa: E402


def _job(tmp_path, rows: int, trials: int = 200):
    """Column H drawn as a group (constant mean and sd), percentiles and moments of it, and
    a cell of an input."""
    cells: dict[str, object] = {"A1": 1.0, "N1": 0.02, "N2": 0.3, "B1": "=A1*2"}
    for r in range(1, rows + 1):
        cells[f"H{r}"] = "=NORM.INV(RAND(),N$1,N$2)"
    for k in range(1, 4):
        cells[f"J{k}"] = 0.05 * k
        cells[f"L{k}"] = f"=PERCENTILE.INC($H$1:$H${rows},J{k})"
    cells.update({"M1": f"=AVERAGE(H1:H{rows})", "M2": f"=STDEV.S(H1:H{rows})",
                  "M3": f"=MAX(H1:H{rows})-MIN(H1:H{rows})+B1",
                  "M4": f"=MEDIAN(H1:H{rows})"})
    outs = ["L1", "L2", "L3", "M1", "M2", "M3", "M4"]
    return sheet_job(tmp_path / f"group{rows}.xlsx", cells, [tri("S!A1", 0.5, 1.0, 1.5)],
                     outs, trials)


def test_group_column_summaries_are_loops(tmp_path):
    """300 rows: the copies and error tests are loops (before: 2,542 kernel lines, ~300 a
    summary); numba and the CUDA host build equal numpy."""
    job = _job(tmp_path, 300)
    source = fused_source(job)
    assert "fill_rows(" in source and "nf_rows(" in source
    assert not re.search(r"\bz\d+\[\d+\] = ur\[", source)
    assert len(source.splitlines()) < 200, len(source.splitlines())
    numba_and_host_equal_numpy(job, tmp_path, 100)


@pytest.mark.slow
def test_group_column_past_the_cap(tmp_path):
    """4,500 rows, past _values.MAX_AREA_CELLS (4,096): fused (before: 'a range of 4500
    cells' for every summary), numba equal to numpy.  (The CUDA host build is checked at 300
    rows: its draw is a statement per row of the group, which g++ takes minutes over at
    4,500.)"""
    job = _job(tmp_path, 4_500, trials=64)
    source = fused_source(job)
    assert len(source.splitlines()) < 200, len(source.splitlines())
    numba_and_numpy(job, tmp_path, 32)


def test_runs_of_rows_descending():
    """A column whose cells got their rows of ``ur`` in reverse (uditsaini1111 tillfb's
    H8:H8007 reads rows 7999, 7998, ...): one loop too, each way, in numba and in C++."""
    from engine.backends.cupy._codegen import translate
    from engine.backends.numba._gather import row_errors

    terms = ["w3", *(f"nf(ur[{r}, b])" for r in range(9, 3, -1)), "nf(ur[2, b])"]
    assert row_errors(terms) == ["w3", "nf_rows(ur, 4, 6, b)", "nf(ur[2, b])"]
    assert row_errors(terms[:4]) == terms[:4]   # fewer than ROWS_MIN: as they were
    assert translate("t5 = fill_rows(z4, 2, ur, 9, -1, 5, b)") == \
        "const auto t5 = mc_fill_rows(z4, 2, mc_ur, 9, -1, 5);"


# ----------------------------------------------------------------- PERCENTRANK and COUNT
def test_percentrank_and_count_past_the_cap(tmp_path, monkeypatch):
    """theharmanarora MC_Sales_Forecast's summaries of its simulation column G:G (a heading,
    then a formula copied down): PERCENTRANK of it shares the gathered sorted copy (one loop
    over the family's slots), COUNT of numbers that are never errors is a constant, and
    FREQUENCY copies them by a loop (their flags one slice), so they may read past the cap
    (here lowered to 200 cells; before: 'a range of 301 cells', 'a matrix of 301 cells').
    numba and the CUDA host build equal numpy."""
    from openpyxl.worksheet.formula import ArrayFormula

    from engine.backends.numba import _args, _families, _gather, _matrices

    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)   # families from the first line
    monkeypatch.setattr(_args, "MAX_AREA_CELLS", 200)
    monkeypatch.setattr(_gather, "MAX_AREA_CELLS", 200)
    monkeypatch.setattr(_matrices, "MAX_AREA_CELLS", 200)
    rows = 300
    cells: dict[str, object] = {"A1": 2.0, "A2": 0.5, "C1": "Profit"}
    for r in range(2, rows + 2):
        cells[f"H{r}"] = ((r * 37) % 101) / 50 - 1
        cells[f"C{r}"] = f"=$A$1*(1+0.1*H{r})-$A$2"
    last = rows + 1
    cells.update({"F1": f"=COUNT(C1:C{last})", "F2": f"=PERCENTRANK(C1:C{last},A1,4)",
                  "F3": f"=1-PERCENTRANK(C1:C{last},0)",
                  "F4": f"=PERCENTRANK.EXC(C1:C{last},A1*0.9)",
                  "I1": 0.8, "I2": 1.3, "I3": 1.7,
                  "J1": ArrayFormula("J1:J4", "=FREQUENCY(C:C,I1:I3)")})   # its {=..}
    job = sheet_job(tmp_path / "rank.xlsx", cells, [tri("S!A1", 1.5, 2.0, 2.5),
                                                    tri("S!A2", 0.0, 0.5, 1.0)],
                    ["F1", "F2", "F3", "F4", "J1", "J2", "J3", "J4"], 200)
    source = fused_source(job)
    assert not re.search(r"\bz\d+\[\d+\] = v\d+", source)   # copies are loops
    numba_and_host_equal_numpy(job, tmp_path, 100)


# ----------------------------------------------------------------- running products
def test_running_products_do_not_grow_with_the_rows(tmp_path):
    """=PRODUCT($B$2:B<r>) copied down (sohamshewale Monte Carlo's 'Cash flows'!D) starts
    from the previous row's product, as running SUMs do (before: each row multiplied its
    whole window again, lines growing with the square of the rows), one cell #DIV/0! in
    some trials; the same multiplications in the same order as numpy: bit for bit."""
    from tests.test_numba_big_ranges import _cell_lines

    rows = 40
    cells: dict[str, object] = {"A1": 2.0, "A2": 0.5}
    for r in range(2, rows + 2):
        cells[f"H{r}"] = ((r * 37) % 101) / 50 - 1
        cells[f"B{r}"] = "=IF(A2>0.9,1/0,1+A1*0.01)" if r == 9 else f"=1+$A$1*0.01*H{r}"
        cells[f"D{r}"] = f"=PRODUCT($B$2:B{r})"
    outs = [f"D{r}" for r in range(2, rows + 2)]
    job = sheet_job(tmp_path / "product.xlsx", cells, [tri("S!A1", 1.5, 2.0, 2.5),
                                                       tri("S!A2", 0.0, 0.5, 1.0)],
                    outs, 200)
    source = fused_source(job)
    assert max(_cell_lines(source)) < 12, max(_cell_lines(source))
    got, want = numba_and_host_equal_numpy(job, tmp_path, 100)
    last = job.program.model.ref(f"S!D{rows + 1}")
    assert (got[1][last] == 2).any() and (got[1][last] == 0).any()   # #DIV/0! in some trials
    ok = want[1][last] == 0
    assert (got[0][last][ok] == want[0][last][ok]).all()
