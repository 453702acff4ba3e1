"""AGGREGATE over an array expression, the pre-365 way to list the rows that pass a test
(unseen4 corpus: Kebron911's supply inventory par-level template, 1,460 of 1,541 cells of its
stochastic slice left to numpy): the k-th largest of ``(G+(n-ROW(G))/10000)/((G>0)*(H=x))``
with errors left out (option 6: the rows failing the test divide by 0), then the row's item
found by ``INDEX(J, IFERROR(MATCH(that, G+(n-ROW(G))/10000, 0), ""))``.

The kernel refused both: the array argument was evaluated as one value ("a range used as a
single value"), and INDEX's position ``IFERROR(MATCH(..),"")`` read as "" (#VALUE! in every
trial of that variant) was taken for a whole column ("INDEX of a whole row or column inside
an expression").  Now the array's elements are AGGREGATE's stand-in cells (as a range's
cells are) and a position whose error is a literal code is INDEX's error.  numba equals
numpy; the CUDA twin built for the host with g++ too."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

ROWS = range(6, 16)
TEST = "(Inventory!$G$6:$G$15>0)*(Inventory!$H$6:$H$15=\"Local\")"
KEY = "(Inventory!$G$6:$G$15+(15-ROW(Inventory!$G$6:$G$15))/10000)"


def _agg(k: int, fn: int = 14, opt: int = 6) -> str:
    return f"AGGREGATE({fn},{opt},{KEY}/({TEST}),{k})"


def par_level_job(tmp_path, trials: int = 300):
    """Inventory!G6:G15 the units below par (inputs crossing 0), H the vendor, J the order
    quantity; Orders!: the k-th row below par of the local vendor, its item and quantity."""
    wb = openpyxl.Workbook()
    inv = wb.active
    inv.title = "Inventory"
    below = [0.5, 3, 0.4, 5, 2, 0.6, 8, 1, 0.3, 4]
    vendor = ["Local", "Costco", "Local", "Local", "Costco", "Local", "Local", "Costco",
              "Local", "Local"]
    for j, r in enumerate(ROWS):
        inv[f"F{r}"] = f"item {r}"
        inv[f"G{r}"] = below[j]
        inv[f"H{r}"] = vendor[j]
        inv[f"J{r}"] = r * 2
    ws = wb.create_sheet("Orders")
    for k in range(1, 6):
        a = _agg(k)
        ws[f"A{k}"] = f"={a}"                          # #NUM! past the rows that pass
        ws[f"B{k}"] = (f'=IFERROR(IF(IFERROR({a},"")="","",INDEX(Inventory!$J$6:$J$15,'
                       f'IFERROR(MATCH(IFERROR({a},""),{KEY},0),""))),"")')
        ws[f"C{k}"] = (f'=IFERROR(IF(IFERROR({a},"")="","",INDEX(Inventory!$F$6:$F$15,'
                       f'IFERROR(MATCH(IFERROR({a},""),{KEY},0),""))),"")')
    ws["D1"] = f"={_agg(1, 15)}"                        # SMALL
    ws["D2"] = f"={_agg(2, 16)}".replace(",2)", ",0.5)")   # PERCENTILE.INC
    ws["D3"] = "=AGGREGATE(14,4,Inventory!$G$6:$G$15*2,2)"   # errors kept: none here
    ws["D4"] = "=AGGREGATE(14,4,Inventory!$G$6:$G$15/(Inventory!$G$6:$G$15>1),1)"  # #DIV/0!
    ws["D5"] = "=AGGREGATE(9,6,Inventory!$G$6:$G$15/(Inventory!$G$6:$G$15>1))"   # SUM
    path = tmp_path / "par_level.xlsx"
    wb.save(path)
    inputs = [tri(f"Inventory!G{r}", -1.0, below[j], 2.0 * below[j] + 1.0)
              for j, r in enumerate(ROWS)]
    outputs = [f"Orders!{c}{k}" for c in "ABC" for k in range(1, 6)] + \
        [f"Orders!D{k}" for k in range(1, 6)]
    return job_for(Model.open(path), inputs, outputs, trials)


def test_every_cell_is_fused(tmp_path):
    assert fused_report(par_level_job(tmp_path)) == {}


@pytest.mark.slow   # a compile; the CUDA host test below checks the same values
def test_numba_equals_numpy(tmp_path):
    job = par_level_job(tmp_path)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        prep = be.prepare(job)
        assert prep.info.numpy_cells == 0, prep.plan.reasons
        got = run(be, job, 150)
    finally:
        be.close()
    want = run(NumpyBackend(), job, 300)
    assert_same(job, got, want)
    # the values themselves: some trials list items, some find none past the first rows
    errs = {str(c): e for c, e in want[1].items()}
    assert (errs["Orders!A1"] == 0).any() and (errs["Orders!A5"] != 0).any()


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(par_level_job(tmp_path), tmp_path / "cuda")
