"""SUM of an array expression over long table columns as one loop over the rows.

A real dashboard (EfiLygda's Sales_Data_Project.xlsx) sums a 2,823-row table by year and
quarter in 12 single-cell array formulas: ``{=SUM((Sales)*(Year=$B171)*(Quarter=VALUE(MID(
C$170,2,1)))*(T[STATUS]<>"Cancelled")*...)}``.  Each was written out element by element, a
few lines per row: "the kernel would be too large".  Now (_row_loops) the parts of one value
are computed once, the constant parts over the rows folded by numpy, the varying columns
gathered, and the element computed in one loop.  numba = numpy (the same additions in the
same order), a division by a varying count giving #DIV/0! in some trials, and the CUDA host
build = numpy.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402
from openpyxl.worksheet.table import Table  # noqa: E402

from engine.model import Model  # noqa: E402
from tests.kernel_checks import fused_source  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

ROWS = 300
STATUS = ("Shipped", "Cancelled", "On Hold", "Shipped", "Disputed")
FORMULAS = {
    # by year (an input, rounded) and quarter (text "Q1".."Q4" read by VALUE(MID(...)))
    **{f"{c}5": f'=SUM((Sales)*(T[YEAR_ID]=ROUND($A$1,0))*(T[QTR_ID]=VALUE(MID({c}$4,2,1)))'
                f'*(T[STATUS]<>"Cancelled")*(T[STATUS]<>"On Hold"))' for c in "BCDE"},
    # a one-value part read by every element, a function of the elements
    "B6": "=SUM(ABS(Sales-AVERAGE(Sales))*(T[QTY]>$A$2))",
    # an error in some elements in some trials (#DIV/0! where QTY = the rounded input)
    "B7": "=SUM(Sales/(T[QTY]-ROUND($A$2,0)))",
    # a dashboard's count and total of the rows a varying condition keeps (FILTER: none
    # kept in the years past the table's: SUM #VALUE! (#CALC!), COUNT 0)
    **{f"{c}8": f'=CHOOSE({k},_xlfn.LET(_xlpm.y,ROUND($A$1,0),_xlpm.rows,_xlfn._xlws.FILTER('
                'T[ORDER],(T[STATUS]="Shipped")*(T[YEAR_ID]=_xlpm.y)*(T[QTR_ID]='
                f'VALUE(MID({c}$4,2,1)))=1),COUNT(_xlpm.rows)),'
                f'SUM(_xlfn._xlws.FILTER(Sales,(T[YEAR_ID]=ROUND($A$1,0))*(T[QTR_ID]>1))))'
       for c, k in zip("BC", (1, 2), strict=True)},
}


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = "Calc"
    data = wb.create_sheet("Data")
    data.append(["ORDER", "QTY", "SALES", "STATUS", "YEAR_ID", "QTR_ID"])
    for r in range(2, ROWS + 2):
        data.append([1000 + r // 3, r % 7 + 1, 100.0 + 37.25 * (r % 11) + r / 8,
                     STATUS[r % 5], 2003 + r % 3, 1 + r % 4])
    data.add_table(Table(displayName="T", ref=f"A1:F{ROWS + 1}"))
    wb.defined_names["Sales"] = openpyxl.workbook.defined_name.DefinedName(
        "Sales", attr_text="T[SALES]")
    calc["A1"] = 2004.0   # the year, an input
    calc["A2"] = 4.0      # a quantity, an input
    for c, q in zip("BCDE", ("Q1", "Q2", "Q3", "Q4"), strict=True):
        calc[f"{c}4"] = q
    for ref, f in FORMULAS.items():
        calc[ref] = ArrayFormula(ref, f)
    wb.save(path)
    return Model.open(path)


def _job(tmp_path, trials: int):
    model = _book(tmp_path / "rows.xlsx")
    inputs = [tri("Calc!A1", 2001.6, 2004.0, 2006.4), tri("Calc!A2", -4.0, 4.0, 14.0),
              tri("Data!C5", 50.0, 400.0, 900.0), tri("Data!C77", 50.0, 400.0, 900.0)]
    return job_for(model, inputs, [f"Calc!{r}" for r in FORMULAS], trials=trials)


def test_long_array_sums_are_loops(tmp_path):
    job = _job(tmp_path, 50)
    source = fused_source(job)
    assert source.count("in range(300):") >= len(FORMULAS)
    # before: the elements written out, several lines a row (> 10,000 lines)
    assert len(source.splitlines()) < 600


def test_long_array_sums_equal_numpy(tmp_path):
    job = _job(tmp_path, 400)
    _, want = numba_and_numpy(job, tmp_path / "kernels", 200, 400)
    _, errs, _ = want
    b7 = errs[job.program.model.ref("Calc!B7")]
    assert (b7 != 0).any() and (b7 == 0).any()   # #DIV/0! in some trials only
    c8 = errs[job.program.model.ref("Calc!C8")]
    assert (c8 != 0).any() and (c8 == 0).any()   # nothing kept in some trials


def test_long_array_sums_on_the_cuda_host_build_equal_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path, 200)
