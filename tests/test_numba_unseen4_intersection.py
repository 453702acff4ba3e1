"""A table column given whole to a one-value function in an ordinary cell (unseen4 corpus:
KaleyWhite's medical-physics instrument inventory, Excel 2010 style formulas without @):

* ``=IF(AND(ISNUMBER(Inv[Years]),ISNUMBER(Inv[Date])),Inv[Date]+Inv[Years]*365.25,"")``:
  Excel reads the row's cells (implicit intersection; its cache holds the row's due date).
  numpy mapped ISNUMBER over the column and AND joined every row, so one blank row made
  every row "" (13 of 50 cached values differed), and the kernel refused the column
  ("ISNUMBER with a wrong argument").  The IS functions now take one value like ROUND does.
* ``=IF(Inv[Prep]=FALSE,Inv[Due],"")``: numpy lifts IF over the column and the cell takes
  the row's element; the kernel refused it ("IF returning a range").  It now reads the
  row's cell (_mapped_intersection), and leaves the cell to numpy where the row is outside
  the column (numpy: #VALUE!, or "" where the condition is a constant FALSE).

Excel's values, fused (fails before), numba = numpy, the CUDA twin built for the host."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")
from openpyxl.worksheet.table import Table  # noqa: E402

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

YEARS = [2, None, 1, 0.5, 3]            # a blank row: ISNUMBER false there only
DATES = [44000, 43000, 44500, 45000, 42000]
PREP = [False, True, False, False, True]


def inventory(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Inventory"
    ws.append(["Item", "Years", "Date", "Prep", "Due", "Open"])
    for j in range(5):
        r = j + 2
        ws.append([f"chamber {j}", YEARS[j], DATES[j], PREP[j],
                   '=IF(AND(ISNUMBER(Inv[Years]),ISNUMBER(Inv[Date])),'
                   'Inv[Date]+Inv[Years]*365.25,"")',
                   '=IF(Inv[Prep]=FALSE,Inv[Due],"")'])
        assert ws.max_row == r
    ws.add_table(Table(displayName="Inv", ref="A1:F6"))
    ws["H2"] = "=SUM(Inv[Due])"
    ws["H3"] = '=IF(Inventory!D2=FALSE,Inventory!$E$2:$E$6,"")'   # row 3: E3
    path = tmp_path / "inventory.xlsx"
    wb.save(path)
    return Model.open(path)


def test_the_rows_own_cells_as_excel(tmp_path):
    m = inventory(tmp_path)
    values = m.evaluate()[0]
    for j in range(5):
        due = values[m.ref(f"Inventory!E{j + 2}")].scalar()
        want = "" if YEARS[j] is None else DATES[j] + YEARS[j] * 365.25
        assert due == want, j
        assert values[m.ref(f"Inventory!F{j + 2}")].scalar() == ("" if PREP[j] else want)
    assert values[m.ref("Inventory!H3")].scalar() == ""   # E3: the blank row's ""


def job(tmp_path, trials: int = 200):
    m = inventory(tmp_path)
    inputs = [tri(f"Inventory!B{j + 2}", 0.0, YEARS[j], 2 * YEARS[j]) for j in range(5)
              if YEARS[j] is not None]
    inputs.append(tri("Inventory!C4", 44000, 44500, 45000))
    outputs = [f"Inventory!{c}{r}" for c in "EF" for r in range(2, 7)] + \
        ["Inventory!H2", "Inventory!H3"]
    return job_for(m, inputs, outputs, trials)


def test_every_cell_is_fused(tmp_path):
    assert fused_report(job(tmp_path)) == {}


@pytest.mark.slow   # a compile; the CUDA host test below checks the same values
def test_numba_equals_numpy(tmp_path):
    j = job(tmp_path)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        assert be.prepare(j).info.numpy_cells == 0
        got = run(be, j, 100)
    finally:
        be.close()
    assert_same(j, got, run(NumpyBackend(), j, 200))


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(job(tmp_path), tmp_path / "cuda")
