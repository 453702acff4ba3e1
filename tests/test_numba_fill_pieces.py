"""A long fill of a shared scratch array (an array formula reading a range of varying cells:
Akshit37 Loan_Amortization's =SUM(IF(ISERROR('Repayment Schedule'!A1:I179),1,0)), 2,806
lines) is cut into pieces in segments of their own (engine.backends.numba._fill_pieces), so
no generated function grows past the segment size (numba's compile time grows faster than a
function's length); numba equal to numpy."""

from __future__ import annotations

import re

import pytest
from openpyxl.worksheet.formula import ArrayFormula

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, _codegen  # noqa: E402
from engine.backends.numba._fill_pieces import FillPiece, split_fills  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

ROWS = 70


def test_split_fills_cuts_the_head_of_stores_only():
    lines = ["# cell 5", "z3[0:4] = 0.0", "z3[4] = v1", "z3[5] = w2 * 1.0", "z3[6] = y2",
             "z9[0] = v1", "t7 = z3[0] + 1.0", "z3[7] = v2", "v5 = t7"]
    cell_lines = [[], ["v1 = x0"], ["v2 = x1"], [], [], lines]
    units = split_fills([1, 2, 5], cell_lines, {"z3": 10}, 2)
    pieces = [u for u in units if isinstance(u, FillPiece)]
    # z9 is no shared array: the head ends there; what follows stays in the cell
    assert [p.lines for p in pieces] == [["z3[0:4] = 0.0", "z3[4] = v1"],
                                         ["z3[5] = w2 * 1.0", "z3[6] = y2"]]
    assert units == [1, 2, *pieces, 5]
    assert cell_lines[5] == ["# cell 5", "z9[0] = v1", "t7 = z3[0] + 1.0", "z3[7] = v2",
                             "v5 = t7"]
    # short cells stay whole
    short = [list(x) for x in cell_lines[:5]] + [list(lines)]
    assert split_fills([1, 2, 5], short, {"z3": 10}, 20) == [1, 2, 5]


def errors_book(path) -> None:
    """A1:A70 varying (#DIV/0! where the input is 0 in some rows), C1 counting their errors
    through an array formula (a fill of every element, then the sum)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["B1"], ws["B2"] = 2.0, 3.0
    for r in range(1, ROWS + 1):
        ws[f"A{r}"] = f"=B1*{r}/(B2-{r % 5})"
    ws["C1"] = ArrayFormula("C1", "=SUM(IF(ISERROR(A1:A70),1,0))")
    wb.save(path)


@pytest.mark.slow   # (95 s on the loaded 2-core machine; the unit test above runs by default)
def test_fill_is_cut_into_segments_and_matches_numpy(tmp_path, monkeypatch):
    monkeypatch.setattr(_codegen, "SEGMENT_LINES", 12)
    monkeypatch.setattr(_codegen, "FILL_PIECE_LINES", 6, raising=False)
    path = tmp_path / "fill.xlsx"
    errors_book(path)
    inputs = [tri("S!B1", 1.0, 2.0, 3.0), tri("S!B2", 1.0, 3.0, 5.0)]
    job = job_for(Model.open(path), inputs, ["S!C1", "S!A7"], trials=200)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        got = run(be, job, 200)
        plan = be.prepare(job).plan
        assert be.last_fallback.numpy_cells == 0, be.last_fallback.reasons
    finally:
        be.close()
    assert_same(job, got, run(NumpyBackend(), job, 200))
    sizes = [len(body.splitlines()) for body in
             re.findall(r"^def seg\d+\(.*?(?=^@|^def kernel)", plan.source, re.M | re.S)]
    # before: the cell's 70 fills and their 70 loads in one function
    assert max(sizes) < 40, sizes
    assert len(sizes) > 3
