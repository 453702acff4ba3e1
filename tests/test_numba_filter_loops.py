"""A FILTER over a long column of array-expression elements read by an aggregate
(EfiLygda's Sales_Data_Project: ``LET(o, IF($C$134="Z-score", Outliers_Zscore, IQR_Outlier),
AVERAGE(FILTER(o, NOT(ISNA(o)))))`` over 2,823 rows, the outliers a z-score test of the sales
column): the source's values and the flags made by one loop over the rows
(_dynarrays._da_filter_loop), not a few lines a row (the kernel was too large).

The workbook is built here with openpyxl: a column of numbers, a few rows made per trial
(one #NUM! in some trials), a z-score IF over it in a defined name, the range chosen by an IF of a constant
cell; AVERAGE, STDEV.S, SUM, COUNT of FILTER(o, NOT(ISNA(o))) and of another column filtered
by the same flags; COUNT of the z-score IF in a plain cell (_row_loops.count_loop).  Fused, numba = numpy (errors included), the CUDA host build = numpy, and
the kernel does not grow a line a row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.workbook.defined_name import DefinedName  # noqa: E402
from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import DIV0, NUM  # noqa: E402
from tests.kernel_checks import fused_source, new_sheet, numba_and_host_equal_numpy  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

F = "_xlfn._xlws.FILTER"
PICK = '_xlpm.o, IF($E$4="Z-score",Outliers_Zscore,IQR_Outlier)'
FORMULAS = {
    "C1": f"=_xlfn.LET({PICK},_xlpm.k,{F}(_xlpm.o,NOT(ISNA(_xlpm.o))),AVERAGE(_xlpm.k))",
    "C2": f"=_xlfn.LET({PICK},_xlpm.k,{F}(_xlpm.o,NOT(ISNA(_xlpm.o))),_xlfn.STDEV.S(_xlpm.k))",
    "C3": f"=_xlfn.LET({PICK},_xlpm.f,NOT(ISNA(_xlpm.o)),AVERAGE({F}(G2:G{{end}},_xlpm.f)))",
    "C4": f"=_xlfn.LET({PICK},_xlpm.f,NOT(ISNA(_xlpm.o)),_xlfn.STDEV.S({F}(G2:G{{end}},"
          "_xlpm.f)))",
    "C5": f"=_xlfn.LET({PICK},SUM({F}(_xlpm.o,NOT(ISNA(_xlpm.o)))))",
    "C6": f"=_xlfn.LET({PICK},COUNT({F}(_xlpm.o,ISNUMBER(_xlpm.o))))",
}
# a plain cell: COUNT of the range's IF ('IF returning a range' before), a loop too
PLAIN = {"C7": '=IF(E4="Z-score",COUNT(Outliers_Zscore),COUNT(IQR_Outlier))'}


def _job(tmp_path: Path, rows: int, trials: int = 120, errors: bool = True):
    ws = new_sheet()
    ws["E1"], ws["E2"], ws["E3"], ws["E4"] = 1.0, 2.0, 0.0, "Z-score"
    for i in range(rows):
        r = i + 2
        ws[f"B{r}"] = float((i * 7) % 11) + 0.25 * i + (40.0 if i % 9 == 0 else 0.0)
        # an outlier's row #NUM! in some trials (LN of a negative number): kept, its error;
        # a few rows made per trial, the others numbers (a table's column)
        ws[f"A{r}"] = f"=LN(B{r}+$E$3-5)*$E$1" if i == 10 and errors else f"=B{r}*$E$1" \
            if i % 20 == 0 else ws[f"B{r}"].value
        ws[f"G{r}"] = float(i % 5 + 1)
    a = f"Sheet1!$A$2:$A${rows + 1}"
    names = {"Outliers_Zscore": f"IF(ABS(({a}-AVERAGE({a}))/_xlfn.STDEV.S({a}))>$E$2,{a},NA())",
             "IQR_Outlier": f"IF(({a}<5)+({a}>20)=1,{a},NA())"}
    for name, text in names.items():
        ws.parent.defined_names[name] = DefinedName(name, attr_text=text)
    for cell, text in FORMULAS.items():
        ws[cell] = ArrayFormula(cell, text.replace("{end}", str(rows + 1)))
    for cell, text in PLAIN.items():
        ws[cell] = text
    path = tmp_path / f"filter_loops{rows}.xlsx"
    ws.parent.save(path)
    inputs = [tri("Sheet1!E1", 0.5, 1.0, 1.5), tri("Sheet1!E2", 1.0, 2.5, 6.0),
              tri("Sheet1!E3", -4.0, 0.0, 3.0)]
    return job_for(Model.open(path), inputs, [f"Sheet1!{c}" for c in (*FORMULAS, *PLAIN)],
                   trials)


def test_a_long_filter_of_an_array_expression_is_one_loop(tmp_path):
    """Fused, and the kernel about as long for 200 rows as for 100 (lines a row before).  (No
    row that may be an error here: such a range is a shared fill of its cells, a line a row,
    _shared_lines.)"""
    small, large = (len(fused_source(_job(tmp_path, n, 10, False)).splitlines())
                    for n in (100, 200))
    assert large - small < 150, (small, large)


def test_a_long_filter_of_an_array_expression_numba_and_cuda_host_equal_numpy(tmp_path):
    job = _job(tmp_path, 100)
    assert fused_report(job) == {}
    got, want = numba_and_host_equal_numpy(job, tmp_path / "k", 60)
    errs = {str(c): e for c, e in want[1].items()}
    for c in ("Sheet1!C1", "Sheet1!C2", "Sheet1!C5"):   # the #NUM! row kept, at times
        assert (errs[c] == NUM).any() and (errs[c] == 0).any(), c
    assert (errs["Sheet1!C2"] == DIV0).any() or (errs["Sheet1!C4"] == DIV0).any()
    counts = want[0][next(c for c in want[0] if str(c) == "Sheet1!C7")]
    assert len(set(counts.tolist())) > 1   # outliers counted: more or fewer per trial
