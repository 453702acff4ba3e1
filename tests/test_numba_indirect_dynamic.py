"""INDIRECT of text made per trial whose references can be bounded, fused by the numba
kernel and equal to numpy: a table's column named by a number that varies
(``INDEX(INDIRECT($C9&".Outputs["&Year&"]"), MATCH(..., INDIRECT($C9&".Outputs[Vector]"),
0))``, ``SUMIFS(INDIRECT(T&"["&Year&"]"), ...)``: tamc/excel_to_code's model.xlsx, 3,764
cells numpy's) and a sheet named by one (``INDIRECT("'"&Year&"'!B2")``).  A year that is
not a column's (a sheet's) name, e.g. 2007.4, names nothing: #REF!.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.table import Table  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import REF  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 900
YEARS = (2007, 2008, 2009)


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = "Calc"
    data = wb.create_sheet("Data")
    data.append(["Vector", "GHG", *(str(y) for y in YEARS)])
    for r in range(2, 7):
        data.append([f"V.{r}", "CO2" if r % 2 else "CH4",
                     *(float(r * 10 + k) for k in range(len(YEARS)))])
    data.add_table(Table(displayName="Out", ref="A1:E6"))
    for y in YEARS:
        ws = wb.create_sheet(str(y))
        ws["B2"] = float(y - 2000)
        ws["B3"] = f"=B2*{y - 2005}"
    calc["A1"] = 2008.0          # the year, an input
    calc["A2"] = "=ROUND(A1, 0)"  # 2006..2010: a column in most trials, #REF! in the others
    calc["A3"] = "=ROUND(A1, 1)"  # mostly not a column: #REF!
    calc["A4"] = "Out"
    calc["A5"] = "V.4"
    calc["A6"] = '=IF(A1>2008.6, 1/0, A2)'   # an error in some trials
    formulas = {
        "C1": '=INDEX(INDIRECT($A$4&"["&A2&"]"), MATCH(A5, INDIRECT($A$4&"[Vector]"), 0))',
        "C2": '=IFERROR(INDEX(INDIRECT($A$4&"["&A3&"]"), MATCH(A5, INDIRECT("Out[Vector]"), 0)), 0)',
        "C3": '=SUMIFS(INDIRECT("Out["&A2&"]"), INDIRECT("Out[GHG]"), "CO2")',
        "C4": '=SUM(INDIRECT("Out["&A6&"]"))',
        "C5": '=INDIRECT("\'"&A2&"\'!B2")*2',
        "C6": '=INDIRECT("\'"&A2&"\'!B3")+INDIRECT(A2&"!B2")',
        "C7": '=IFERROR(INDIRECT("\'"&A3&"\'!B2"), -1)',
        # a table that is not there: every INDIRECT is #REF! (numpy's 1x1 of the error), and
        # SUMIFS of an error value as a range is that error, as Excel (5264fa7; it was 0
        # before): #REF! in every trial, numba = numpy (asserted below)
        "C8": '=SUMIFS(INDIRECT("Nope["&A2&"]"), INDIRECT("Nope[GHG]"), "CO2", INDIRECT("Nope[X]"), A1)',
        # a key that is not there: MATCH's #N/A in every trial, INDEX's error too
        "D1": '=INDEX(INDIRECT($A$4&"["&A2&"]"), MATCH("none", INDIRECT($A$4&"[Vector]"), 0))',
        "D2": '=IFERROR(INDEX(INDIRECT("Out["&A3&"]"), MATCH("none", INDIRECT("Out[Vector]"), 0)), 5)',
        "D3": '=INDEX(Data!C2:E6, 1/0, ROUND(A1-2005, 0))',
        # COUNTIFS of the missing table's column: its #REF! too, whatever the SUMIFS adds
        "C9": '=COUNTIFS(INDIRECT("Nope[GHG]"), A1)+SUMIFS(Data!C2:C6, Data!B2:B6, "CH4")',
    }
    for k, f in formulas.items():
        calc[k] = f
    wb.save(path)
    return Model.open(path)


def test_indirect_of_a_column_or_sheet_named_per_trial_is_fused_and_equal_numpy(tmp_path):
    model = _book(tmp_path / "dyn.xlsx")
    inputs = [tri("Calc!A1", 2005.6, 2008.0, 2010.4), tri("Data!C3", 1.0, 20.0, 40.0),
              tri("'2008'!B2", 5.0, 8.0, 11.0)]
    outs = [f"Calc!C{r}" for r in range(1, 10)] + ["Calc!D1", "Calc!D2", "Calc!D3"] + [f"'{y}'!B3" for y in YEARS]
    job = job_for(model, inputs, outs, trials=TRIALS)
    report = fused_report(job)
    # before: "INDIRECT of text that varies per trial" for every cell
    assert report == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 300, TRIALS)
    vals, errs, ins = got
    year = ins[model.ref("Calc!A1")]
    c1, e1 = vals[model.ref("Calc!C1")], errs[model.ref("Calc!C1")]
    rounded = year.round()
    inside = (rounded >= 2007) & (rounded <= 2009)
    assert inside.any() and (~inside).any()
    assert (e1[~inside] != 0).all() and (e1[inside] == 0).all()
    assert set(c1[inside]) <= {40.0, 41.0, 42.0}     # V.4's row of the year's column
    for cell in ("Calc!C8", "Calc!C9"):               # SUMIFS/COUNTIFS of #REF!: #REF!
        assert (errs[model.ref(cell)] == REF).all(), cell
    c5 = vals[model.ref("Calc!C5")]
    assert set(c5[rounded == 2007]) == {14.0}


def test_indirect_of_text_made_per_trial_on_the_cuda_host_build_equals_numpy(tmp_path):
    """The same kernel translated for CUDA (no new runtime helper: dput_num and the text
    comparisons), compiled for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    model = _book(tmp_path / "dyn.xlsx")
    inputs = [tri("Calc!A1", 2005.6, 2008.0, 2010.4), tri("Data!C3", 1.0, 20.0, 40.0),
              tri("'2008'!B2", 5.0, 8.0, 11.0)]
    outs = ["Calc!C1", "Calc!C3", "Calc!C6", "Calc!C8", "Calc!D1"] + [f"'{y}'!B3" for y in YEARS]
    job = job_for(model, inputs, outs, trials=300)
    host_equals_numpy(job, tmp_path, 300)
