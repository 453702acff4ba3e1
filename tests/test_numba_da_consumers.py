"""Readers of a FILTER/UNIQUE/SORT result made per trial that were left to numpy (issue 13,
session 28: EfiLygda's Sales_Data_Project, tessa's dashboard, secretlyspy's Campaign Tracker).

* VAR/STDEV (.S, .P) of the result: one runtime call (da_agg's variance modes: the mean,
  then the squared deviations added in order, as engine.functions.stats._var; #DIV/0! for
  too few numbers, the first error first), EfiLygda's
  ``STDEV.S(FILTER(outliers, NOT(ISNA(outliers))))``.

* A function of one value mapped over a SORT result, read whole by UNIQUE
  (tessa's ``UNIQUE(TEXT(SORT(Table1[Date]),"mmmm"))``): the source's rows mapped (text made
  per trial with its keys) and taken in the order SORT puts the source in (da_sort of the
  row numbers on its keys, da_take).

Each workbook is built here with openpyxl; numba = numpy (every cell fused) and the CUDA
kernel built for the host = numpy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import DIV0, NUM  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

F, U, S = "_xlfn._xlws.FILTER", "_xlfn.UNIQUE", "_xlfn._xlws.SORT"
ROWS = 30
A = f"$A$2:$A${ROWS + 1}"


def _stdev_job(tmp_path: Path, trials: int = 150):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["E1"], ws["E2"], ws["E3"] = 5.0, 1.0, 0.0
    for i in range(ROWS):
        r = i + 2
        ws[f"B{r}"] = float((i * 7) % 11) + 0.25 * i
        # an error in a row in some trials (LN of a negative number: #NUM!)
        ws[f"A{r}"] = f"=LN(B{r}+$E$3-5)*$E$2" if i == 4 else f"=B{r}*$E$2"
    outliers = f"IF({A}>$E$1*1.8,{A},NA())"
    formulas = {
        "C1": f"=_xlfn.STDEV.S({F}({A},{A}>$E$1*2.3))",      # few rows: #DIV/0! at times
        "C2": f"=_xlfn.STDEV.P({F}({A},{A}>$E$1*1.9))",
        "C3": f"=_xlfn.VAR.S({F}({A},{A}>$E$1*2.2,-1))",   # nothing kept: one number
        "C4": f"=VARP({F}({A},{A}<$E$1))",
        "C5": f"=STDEV({U}({F}({A},{A}>$E$1)))",
        "C6": f"=_xlfn.STDEV.S({F}({outliers},NOT(ISNA({outliers}))))",
        "C7": f"=_xlfn.VAR.P({S}({F}($B$2:$B${ROWS + 1},{A}>$E$1)))",
    }
    for cell, f in formulas.items():
        ws[cell] = ArrayFormula(cell, f)
    path = tmp_path / "stdev.xlsx"
    wb.save(path)
    model = Model.open(path)
    inputs = [tri("Sheet1!E1", 3.0, 5.0, 8.0), tri("Sheet1!E2", 0.5, 1.0, 1.5),
              tri("Sheet1!E3", -4.0, 0.0, 3.0)]
    return job_for(model, inputs, [f"Sheet1!{c}" for c in formulas], trials=trials)


def test_stdev_of_a_filter_is_fused(tmp_path):
    assert fused_report(_stdev_job(tmp_path, 10)) == {}


def test_an_aggregate_of_a_filter_whose_if_empty_is_text_stays_with_numpy():
    """numpy gives SUM/VAR.S/LARGE the if_empty "none" as one value where FILTER keeps
    nothing (#VALUE!), not an array holding it (0, #DIV/0!): refused; COUNTA is the same."""
    cells = {"Sheet1!A1": 1.0, "Sheet1!A2": 2.0, "Sheet1!A3": 3.0, "Sheet1!E1": 2.0}
    forms = {"C1": "SUM", "C2": "_xlfn.VAR.S", "C3": "COUNTA"}
    for c, fn in forms.items():
        cells[f"Sheet1!{c}"] = f'={fn}({F}(A1:A3,A1:A3>E1,"none"))'
    cells["Sheet1!C4"] = f'=LARGE({F}(A1:A3,A1:A3>E1,TRUE),1)'
    job = job_for(Model.from_cells(cells), [tri("Sheet1!E1", 0.0, 2.0, 4.0)],
                  [f"Sheet1!{c}" for c in ("C1", "C2", "C3", "C4")], trials=10)
    report = fused_report(job)
    assert set(report) == {"Sheet1!C1", "Sheet1!C2", "Sheet1!C4"}
    assert all("if_empty is text or a logical" in r for r in report.values())


def test_stdev_of_a_filter_numba_equals_numpy(tmp_path):
    job = _stdev_job(tmp_path)
    got, want = numba_and_numpy(job, tmp_path / "k", 60, fused=True)
    errs = {str(c): e for c, e in want[1].items()}
    for c in ("Sheet1!C1", "Sheet1!C3"):   # #DIV/0! (one number kept) and values met
        assert (errs[c] == DIV0).any() and (errs[c] == 0).any(), c
    assert all((e == NUM).any() for e in errs.values())   # the #NUM! row's error


def test_stdev_of_a_filter_cuda_host_equals_numpy(tmp_path):
    host_equals_numpy(_stdev_job(tmp_path), tmp_path / "cuda")


DATES = 24


def _sorted_map_job(tmp_path: Path, trials: int = 120):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["E1"], ws["E2"] = 1.0, 0.0
    for i in range(DATES):
        r = i + 2
        ws[f"B{r}"] = 45000.0 + (i * 37) % 400
        # dates made per trial; one row #NUM! in some trials
        ws[f"A{r}"] = f"=IF($E$2>2,SQRT(-1),B{r}*$E$1)" if i == 5 else f"=B{r}*$E$1"
    d = f"$A$2:$A${DATES + 1}"
    spills = {
        "G1": f'={U}(TEXT({S}({d}),"mmmm"))',
        "H1": f'={U}(TEXT({S}({d},1,-1),"mmm-yy"))',
        "I1": f"={U}(ROUND({S}({d},1,-1)/50,0))",
    }
    outs = []
    for col, f in spills.items():
        top = f"{col[0]}{DATES + 1}"
        ws[col] = ArrayFormula(f"{col}:{top}", f)
        outs += [f"Sheet1!{col[0]}{r}" for r in range(1, DATES + 2)]
    ws["J1"] = ArrayFormula("J1", f'=COUNTA({U}(TEXT({S}({d}),"mmmm")))')
    ws["J2"] = ArrayFormula("J2", f"=SUM({U}(ROUND({S}({d})/50,0)))")
    outs += ["Sheet1!J1", "Sheet1!J2"]
    path = tmp_path / "sorted_map.xlsx"
    wb.save(path)
    inputs = [tri("Sheet1!E1", 0.9, 1.0, 1.1), tri("Sheet1!E2", 0.0, 1.0, 3.0)]
    return job_for(Model.open(path), inputs, outs, trials=trials)


def test_a_map_of_a_sort_read_by_unique_is_fused(tmp_path):
    assert fused_report(_sorted_map_job(tmp_path, 10)) == {}


def test_a_map_of_a_sort_read_by_unique_numba_equals_numpy(tmp_path):
    job = _sorted_map_job(tmp_path)
    got, want = numba_and_numpy(job, tmp_path / "k", 50, fused=True)
    errs = {str(c): e for c, e in want[1].items()}
    assert (errs["Sheet1!J2"] == NUM).any() and (errs["Sheet1!J2"] == 0).any()


def test_a_map_of_a_sort_read_by_unique_cuda_host_equals_numpy(tmp_path):
    host_equals_numpy(_sorted_map_job(tmp_path), tmp_path / "cuda")
