"""IF whose condition is the same in every trial takes its branch alone where its rows stay
one family (engine.backends.numba._families.IfBranches).

A money tracker's ``=IF(B6="","",SUM(C6:E6))`` (B6 a date: a number, never equal to "") was
of a kind that varies (number or ""), so ``"₱"&TEXT(F6,"#,##0")`` reading it was 'TEXT of a
number that varies per trial'.  Taken alone in every cell (ce4cbd5, reverted in b9873e7),
the rows of a table copied down a column whose condition differs between rows
(``IF(C5="","",..)``, C filled in some rows) left their family; now a copied formula's IF
stays generic unless cells left to numpy read it and every copy takes the same branch.
numba equals numpy, and the CUDA twin built for the host with g++."""

from __future__ import annotations

import pytest

openpyxl = pytest.importorskip("openpyxl")

from engine.model import Model  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

OUTS = {
    "F6": '=IF(B6="","",SUM(C6:D6))',
    "G6": '=IF(F6="","","₱"&TEXT(F6,"#,##0"))',
    "G7": '=TEXT(F6,"#,##0.0")',
    "G8": '=IF(C6<>C6,1/0,F6*2)',   # the branch not taken: its error never leaks
    "G9": '=IF(B6>0,C6,"x")&"!"',
}


def tracker_job(tmp_path, trials: int = 300):
    inputs = [tri("S!B6", 45000.0, 46000.0, 47000.0), tri("S!C6", -50.0, 100.0, 90000.0)]
    return sheet_job(tmp_path / "tracker.xlsx", {"B6": 46000, "C6": 100, "D6": 5, **OUTS},
                     inputs, OUTS, trials)


TOP, ROWS = 6, 150


def rows_job(tmp_path, trials: int = 200, rows: int = ROWS):
    """A balance history copied down ``rows`` rows (a date in every row: F a number in
    every row, its TEXT on another sheet fused), and beside it a column whose condition
    differs between rows (E filled in every third row: K stays of a varying kind, its
    rows one family)."""
    last = TOP + rows - 1
    wb = openpyxl.Workbook()
    h = wb.active
    h.title = "H"
    d = wb.create_sheet("D")
    h["A1"] = 1.0
    for r in range(TOP, last + 1):
        h[f"B{r}"] = 46000 + r
        h[f"C{r}"] = f"=$A$1*{r}"
        h[f"D{r}"] = r % 7
        if r % 3 == 0:
            h[f"E{r}"] = r
        h[f"F{r}"] = f'=IF(B{r}="","",SUM(C{r}:D{r}))'
        h[f"K{r}"] = f'=IF(E{r}="","",C{r}*2)'
        h[f"L{r}"] = f'=IF(K{r}="","",K{r}+1)'
        d[f"B{r}"] = f'=IF(H!F{r}="","","₱"&TEXT(H!F{r},"#,##0"))'
        d[f"C{r}"] = f'=TEXT(H!F{r},"0.0")&"/"&TEXT(H!B{r},"yyyy-mm")'
    h["M1"] = f"=SUM(F{TOP}:F{last})+SUM(L{TOP}:L{last})"
    path = tmp_path / "rows.xlsx"
    wb.save(path)
    outs = ["H!M1"] + [f"{s}!{c}{r}" for r in (TOP, TOP + 1, TOP + 2, last)
                       for s, c in (("H", "F"), ("H", "K"), ("H", "L"))]
    outs += [f"D!{c}{r}" for r in range(TOP, last + 1) for c in "BC"]   # every row's TEXT
    return job_for(Model.open(path), [tri("H!A1", 0.5, 1.0, 2000.0)], outs, trials)


def _plan(job):
    from engine.backends.numba import _codegen
    from engine.backends.numba._samplers import samplers_for

    return _codegen.generate(job.program, *samplers_for(job, False))


def test_fused_numba_equals_numpy(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.test_backend_numba import numba_and_numpy

    job = tracker_job(tmp_path)
    assert fused_report(job) == {}   # G6, G7: 'TEXT of a number that varies per trial' before
    numba_and_numpy(job, tmp_path / "kernels", 100, fused=True)


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(tracker_job(tmp_path), tmp_path / "cuda")


def test_copied_rows_are_fused_and_stay_one_family(tmp_path):
    pytest.importorskip("numba")
    plan = _plan(rows_job(tmp_path))
    assert not plan.rest, plan.reasons   # D!B, D!C: 'TEXT of a number that varies' before
    lines = len(plan.source.splitlines())
    assert plan.families >= 5 and lines < 1_000, (plan.families, lines)


@pytest.mark.slow   # compiles the rows' loops
def test_copied_rows_numba_equals_numpy(tmp_path):
    pytest.importorskip("numba")
    from tests.test_backend_numba import numba_and_numpy

    numba_and_numpy(rows_job(tmp_path), tmp_path / "kernels", 100, fused=True)

