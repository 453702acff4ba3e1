"""A range given to MATCH (or INDEX's position, VLOOKUP's key, an operator) below INDEX in an
ordinary cell: ``=INDEX(T[Desc], MATCH(E[Code], T[Code], 0))`` in each row of a table (a real
emissions model's 30 cells).  numpy maps over the range and the cell takes the element in its
row (#VALUE! outside the range's rows); the numba kernel computes that element
(_mapped_intersection; the model's cell pass now intersects MATCH's key and INDEX's positions
itself) and the CUDA host build does the same."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

pytest.importorskip("numba")

from engine import ir  # noqa: E402
from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numba._mapped_intersection import intersect_mapped  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.workbook import CellRef  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

ROWS = 6


def _book(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    codes = ["1A", "2B", "3C", "4D"]
    for i, code in enumerate(codes):            # the sector table: code, description, factor
        ws.cell(2 + i, 8, code)
        ws.cell(2 + i, 9, f"sector {code}")
        ws.cell(2 + i, 10, 1.5 + i)
    ws["B1"] = 2.0                              # drawn: which code each row uses
    for r in range(2, 2 + ROWS):
        ws.cell(r, 1, f'=INDEX($H$2:$H$5,MOD(ROUND($B$1*{r},0),4)+1)')   # a code per trial
        ws.cell(r, 4, 100 * r)
        ws.cell(r, 5, "=INDEX($I$2:$I$5, MATCH($A$2:$A$7, $H$2:$H$5, 0))")
        ws.cell(r, 6, "=INDEX($J$2:$J$5, MATCH($A$2:$A$7, $H$2:$H$5, 0))*$D$2:$D$7+$B$1")
        ws.cell(r, 7, "=VLOOKUP($A$2:$A$7&\"\", $H$2:$J$5, 3, FALSE)-$B$1")
    ws["E9"] = "=INDEX($J$2:$J$5, MATCH($A$2:$A$7, $H$2:$H$5, 0))*$B$1"    # past the rows
    ws["E10"] = "=IFERROR(INDEX($J$2:$J$5, MATCH($A$2:$A$7, $H$2:$H$5, 0)),0)*$B$1"
    path = tmp_path / "sectors.xlsx"
    wb.save(path)
    model = Model.open(path)
    outs = [f"S!{c}{r}" for r in range(2, 2 + ROWS) for c in "EFG"] + ["S!E9"]
    return model, job_for(model, [tri("S!B1", 1.0, 2.0, 7.0)], outs, trials=300)


def test_the_kernel_takes_the_element_in_the_cells_row(tmp_path):
    model, job = _book(tmp_path)
    rep = fused_report(job)
    assert not any(str(c) != "S!E10" and c.sheet == "S" and c.col in (5, 6, 7, 8)
                   for c in rep), rep
    be = NumbaBackend(threads=1, kernel_dir=tmp_path / "k")
    try:
        got = run(be, job, 300)
    finally:
        be.close()
    want = run(NumpyBackend(), job, 300)
    assert_same(job, got, want)
    # numpy's answers: the row's element, #VALUE! past the range's rows
    assert (want[1][CellRef("S", 9, 5)] != 0).all()
    assert (want[1][CellRef("S", 3, 6)] == 0).all()


def test_the_cell_pass_intersects_one_value_arguments(tmp_path):
    """Since MATCH's key and INDEX's positions take one value (engine._ir_passes.
    SCALAR_POSITIONS), the model's IR of an ordinary cell holds the row's cell there (or
    #VALUE! past the range's rows, which IFERROR then catches, as in Excel): no range is left
    for _mapped_intersection to rewrite."""
    model, _ = _book(tmp_path)
    for r in (3, 9, 10):
        node = model.code(CellRef("S", r, 5)).node
        assert not any(isinstance(x, ir.Area) and x.c1 == 1 for x in ir.walk(node)), r
        assert intersect_mapped(node, CellRef("S", r, 5)) is node
    assert any(isinstance(x, ir.Ref) and x.cell == CellRef("S", 3, 1)
               for x in ir.walk(model.code(CellRef("S", 3, 5)).node))


def test_cuda_host_build_equals_numpy(tmp_path):
    _, job = _book(tmp_path)
    host_equals_numpy(job, tmp_path, 300)
    assert np.isfinite(run(NumpyBackend(), job, 300)[0][CellRef("S", 2, 6)]).all()
