"""ROW of whole rows and INDIRECT of constant text (session 30, unseen8 corpus).

bestexceltutorial's Bitcoin Calculator sums a straight line between two months with
``=SUMPRODUCT(--(G2-((G2-G3)/30)*ROW(INDIRECT(1&":"&30))))``.  The engine refused it ("ROW of
a computed reference": #VALUE!, and the slice with it), and ``ROW(1:30)`` written plainly gave
the rows the sheet holds (1..5 on a sheet of five rows), not 1..30 as Excel does.  Now
INDIRECT of constant text is the reference it names (parsed once), ROW/COLUMN give the rows
and columns written, and numba fuses them.
"""

from __future__ import annotations

from engine import ir
from engine.model import Model
from engine.workbook import CellRef
from tests.kernel_checks import new_sheet, numba_and_host_equal_numpy, saved_model, sheet_job
from tests.test_backend_numba import tri

CELLS: dict[str, object] = {
    "A1": 3.0, "A2": 5.0,
    "B1": '=SUMPRODUCT(--(A1-((A1-A2)/30)*ROW(INDIRECT(1&":"&30))))',
    "B2": "=SUMPRODUCT(A1*ROW(1:30))",
    "B3": '=SUMPRODUCT(A1*ROW(INDIRECT("1:30")))',
    "B4": '=SUM(INDIRECT("A1:A2"))*A1',
    "B5": '=SUMPRODUCT(A1*ROW(INDIRECT("A1:A"&4)))',
    "B6": "=SUMPRODUCT(A2*COLUMN(A:J))",
}


def _values(model: Model) -> dict[str, object]:
    values, _ = model.evaluate(model.workbook.formula_cells())
    return {str(c).split("!")[1]: v.scalar() for c, v in values.items()}  # type: ignore[union-attr]


def test_row_of_constant_indirect_and_of_whole_rows(tmp_path):
    got = _values(saved_model(new_sheet("S"), CELLS, tmp_path / "rows.xlsx"))
    assert got["B1"] == 3 * 30 + (2 / 30) * 465   # 3 + 2k/30 for k = 1..30
    assert got["B2"] == 3 * 465
    assert got["B3"] == 3 * 465
    assert got["B4"] == (3 + 5) * 3
    assert got["B5"] == 3 * (1 + 2 + 3 + 4)
    assert got["B6"] == 5 * 55


def test_indirect_of_constant_text_is_the_reference_it_names(tmp_path):
    model = saved_model(new_sheet("S"), {**CELLS, "C1": "=A1*2", "C2": '=INDIRECT("C1")+1'},
                        tmp_path / "deps.xlsx")
    assert "INDIRECT" not in ir.calls(model.code(CellRef("S", 4, 2)).node)
    assert model.deps(CellRef("S", 2, 3)) == [CellRef("S", 1, 3)]   # not volatile: reads C1


def test_numba_fuses_rows_written_as_numpy_gives_them(tmp_path):
    job = sheet_job(tmp_path / "j.xlsx", CELLS, [tri("S!A1", 2, 3, 4), tri("S!A2", 4, 5, 7)],
                    ["B1", "B2", "B3", "B4", "B5", "B6"], trials=300)
    from engine.backends.numba import fused_report

    assert fused_report(job) == {}
    numba_and_host_equal_numpy(job, tmp_path / "k")
