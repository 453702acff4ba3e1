"""ROW/COLUMN of a LET name bound to a range (session 30, unseen8 corpus).

neprenkha's BOQ numbers its rows with ``=LET(b,B3:B300,c,MMULT(--(ROW(b)>=TRANSPOSE(ROW(b))),
--(b<>"")),IF(b="","",c))``: a running count of the filled cells of B.  The engine refused
ROW(b) ("ROW of a computed reference": #VALUE!, and the workbook's whole slice with it).  A LET
name bound to a reference is that reference in Excel, so ROW/COLUMN of it give its numbers.
"""

from __future__ import annotations

from engine import ir
from tests.kernel_checks import new_sheet, saved_model, sheet_job
from tests.test_backend_numba import numba_and_numpy, tri

LET = "_xlfn.LET"
B = "_xlpm.b"
CELLS: dict[str, object] = {
    "B3": 2.0, "B5": 4.0, "B6": 1.0, "B8": 3.0,
    # the running count of filled cells down B3:B8, summed: 1+1+2+3+3+4
    "D1": f"=SUM({LET}({B},B3:B8,MMULT(--(ROW({B})>=TRANSPOSE(ROW({B}))),--({B}<>\"\"))))",
    "D2": f"=SUM({LET}({B},B3:B8,ROW({B})*{B}))",                   # 3*2+5*4+6*1+8*3
    "D3": f"=SUM({LET}({B},B7:D7,COLUMN({B})))",                     # 2+3+4
    # a LAMBDA's own b hides the LET's: ROW of its argument (a value) stays refused
    "D4": f"={LET}({B},B3:B8,_xlpm.k,ROW({B}),SUM(_xlpm.k))",       # 3+...+8 through a name
}


def test_row_and_column_of_a_let_bound_range(tmp_path):
    model = saved_model(new_sheet("S"), CELLS, tmp_path / "let.xlsx")
    values, _ = model.evaluate(model.workbook.formula_cells())
    got = {str(c).split("!")[1]: v.scalar() for c, v in values.items()}  # type: ignore[union-attr]
    assert got["D1"] == 1 + 1 + 2 + 3 + 3 + 4
    assert got["D2"] == 3 * 2 + 5 * 4 + 6 * 1 + 8 * 3
    assert got["D3"] == 2 + 3 + 4
    assert got["D4"] == sum(range(3, 9))


def test_a_name_bound_again_is_not_replaced():
    from engine._let_references import let_row_references

    b = ir.Call("_XLPM", (ir.Str("B"),))
    area = ir.Area("S", 1, 1, 3, 1)
    inner = ir.Call("LAMBDA", (b, ir.Call("ROW", (b,))))
    args = (b, area, ir.Call("ROW", (b,)))
    assert let_row_references(args)[2] == ir.Call("ROW", (area,))
    assert let_row_references((b, area, inner))[2] == inner   # the LAMBDA's own b


def test_numba_fuses_rows_of_a_let_range_as_numpy_gives_them(tmp_path):
    job = sheet_job(tmp_path / "j.xlsx", CELLS, [tri("S!B3", 1, 2, 3), tri("S!B5", 3, 4, 6)],
                    ["D1", "D2", "D3", "D4"], trials=300)
    from engine.backends.numba import fused_report

    # SUM(ROW(range)*range) outside an array formula is fused too since e726f55 (an
    # aggregate of an array expression read as a range reads it): every cell is fused
    assert fused_report(job) == {}
    numba_and_numpy(job, tmp_path / "k", 100)
