"""Lookups whose key AND searched vector are text made per trial (_dlines): a per-trial key
column (``TEXT(D2,"yyyymmdd")&"|"&COUNTIFS(..)``) searched by VLOOKUP/MATCH/XMATCH of a key
made per trial (secretlyspy's Email Plan Project Tracker), an XLOOKUP of ``a&b&c`` over
``Year&Month&Store`` where the years vary, in an array formula (bma's Sales Actuals vs Plan),
every match mode: every cell fused and numba equal to numpy trial for trial (error codes
identical); the generated CUDA, compiled for the host, equal to numpy too."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 400
MONTHS = ["January", "February", "March"]
STORES = ["North", "south", "East"]


def _book(tmp_path, sheets: dict[str, dict[str, object]], arrays: dict[str, str]) -> Model:
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, cells in sheets.items():
        ws = wb.create_sheet(title)
        for k, v in cells.items():
            ws[k] = v
    for ref, text in arrays.items():   # one-cell array formulas ({=..} in Excel)
        sheet, cell = ref.split("!")
        wb[sheet][cell] = ArrayFormula(cell, text)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return Model.open(path)


def _email_plan(tmp_path) -> tuple[Model, list, list[str]]:
    """A per-trial key column (F) and a calendar whose cells look up keys made per trial."""
    tracker: dict[str, object] = {"A1": "Date", "B1": "Campaign", "F1": "Key", "G1": "Name"}
    inputs = []
    for r in range(2, 12):
        tracker[f"A{r}"] = 46000 + r % 4          # dates, several trials alike
        tracker[f"D{r}"] = f"=ROUND(A{r},0)"
        tracker[f"B{r}"] = f"Camp{r}" if r != 6 else ""
        tracker[f"F{r}"] = (f'=IF(AND($D{r}<>"",$B{r}<>""),TEXT($D{r},"yyyymmdd")&"|"&'
                            f'COUNTIFS($D$2:$D{r},$D{r},$B$2:$B{r},"<>"),"")')
        tracker[f"G{r}"] = f"Camp{r}"
        inputs.append(tri(f"Tracker!A{r}", 45999.0, 46000 + r % 4, 46004.0))
    tracker["F12"] = "zzz"                        # constant text in the column too
    tracker["F13"] = 7.0
    cal: dict[str, object] = {}
    outs = []
    for j, col in enumerate("BCDE"):
        cal[f"{col}1"] = 46001 + j
        inputs.append(tri(f"Cal!{col}1", 46000.0 + j, 46001.0 + j, 46003.0 + j))
        cal[f"{col}2"] = f"=ROUND({col}1,0)"
        key = f'TEXT({col}2,"yyyymmdd")&"|1"'
        cal[f"{col}3"] = f'=IFERROR(VLOOKUP({key},Tracker!$F$2:$G$13,2,FALSE),"")'
        cal[f"{col}4"] = f'=IFERROR(MATCH(TEXT({col}2,"yyyymmdd")&"|2",Tracker!$F$2:$F$13,0),-1)'
        cal[f"{col}5"] = f"=IFERROR(MATCH({key},Tracker!$F$2:$F$13,1),-1)"
        cal[f"{col}6"] = f"=IFERROR(XMATCH({key},Tracker!$F$2:$F$13,-1),-1)"
        cal[f"{col}7"] = f"=IFERROR(XMATCH({key},Tracker!$F$2:$F$13,1),-1)"
        cal[f"{col}8"] = f"=IFERROR(XLOOKUP({key},Tracker!$F$2:$F$13,Tracker!$A$2:$A$13,-5,0,-1),-1)"
        cal[f"{col}9"] = f"=IFERROR(XMATCH(UPPER({key}),Tracker!$F$2:$F$13,2),-1)"
        outs += [f"Cal!{col}{r}" for r in range(3, 10)]
    cal["F3"] = '=IFERROR(MATCH("20251126|1",Tracker!$F$2:$F$13,0),-1)'   # a constant key
    cal["F4"] = "=IFERROR(MATCH(7,Tracker!$F$2:$F$13,0),-1)"               # a number key
    cal["F5"] = "=IFERROR(XMATCH(B2,Tracker!$F$2:$F$13,-1,2),-1)"
    outs += ["Cal!F3", "Cal!F4", "Cal!F5"]
    return _book(tmp_path, {"Tracker": tracker, "Cal": cal}, {}), inputs, outs


def _sales(tmp_path) -> tuple[Model, list, list[str]]:
    """XLOOKUP of year&month&store over Year&Month&Store where the years vary per trial."""
    data: dict[str, object] = {"A1": "Year", "B1": "Month", "C1": "Store", "D1": "Sales"}
    inputs = []
    r = 2
    for y in (2023, 2024):
        for mth in MONTHS:
            for s in STORES:
                data[f"E{r}"] = float(y)
                data[f"A{r}"] = f"=ROUND(E{r},0)"
                data[f"B{r}"], data[f"C{r}"] = mth, s
                data[f"D{r}"] = 100.0 + r
                inputs.append(tri(f"Data!E{r}", y - 0.6, float(y), y + 0.6))
                inputs.append(tri(f"Data!D{r}", 90.0 + r, 100.0 + r, 110.0 + r))
                r += 1
    last = r - 1
    plan: dict[str, object] = {}   # a plan table: store by month, its numbers varying
    for j, mth in enumerate(MONTHS):
        plan[f"{'BCD'[j]}2"] = mth
    for i, s in enumerate(STORES, start=3):
        plan[f"A{i}"] = s
        for j in range(3):
            plan[f"{'BCD'[j]}{i}"] = 50.0 + 10 * i + j
            inputs.append(tri(f"Plan!{'BCD'[j]}{i}", 40.0 + 10 * i, 50.0 + 10 * i + j, 70.0 + 10 * i))
    dash: dict[str, object] = {"C1": 2024.0, "C2": "February", "C3": "=ROUND(C1,0)"}
    inputs.append(tri("Dash!C1", 2023.0, 2024.0, 2024.6))
    arrays = {}
    outs = []
    for k, s in enumerate(STORES, start=5):
        dash[f"B{k}"] = s
        lk = f"Data!$A$2:$A${last}&Data!$B$2:$B${last}&Data!$C$2:$C${last}"
        arrays[f"Dash!C{k}"] = f'=XLOOKUP($C$3&$C$2&B{k},{lk},Data!$D$2:$D${last},"")'
        arrays[f"Dash!D{k}"] = f'=XLOOKUP($C$3-1&$C$2&B{k},{lk},Data!$D$2:$D${last},"")'
        dash[f"E{k}"] = f"=IFERROR(MATCH($C$3&$C$2&B{k},{lk},0),0)"
        dash[f"F{k}"] = f"=IFERROR((C{k}/D{k})-1,\"\")"
        # a nested XLOOKUP whose inner key is fixed: the month's column of the plan
        plan_col = "XLOOKUP($C$2,Plan!$B$2:$D$2,Plan!$B$3:$D$5)"
        arrays[f"Dash!G{k}"] = f'=XLOOKUP($B{k},Plan!$A$3:$A$5,{plan_col},"")'
        dash[f"H{k}"] = f'=XLOOKUP($B{k},Plan!$A$3:$A$5,{plan_col},"")+0'
        dash[f"I{k}"] = f'=IFERROR((C{k}/G{k})-1,"")'
        outs += [f"Dash!{c}{k}" for c in "CDEFGHI"]
    return _book(tmp_path, {"Data": data, "Plan": plan, "Dash": dash}, arrays), inputs, outs


@pytest.mark.slow   # two kernels of text made per trial: ~40-90 s to compile
@pytest.mark.parametrize("make", [_email_plan, _sales], ids=["email_plan", "sales"])
def test_fused_and_equal(tmp_path, make) -> None:
    model, inputs, outs = make(tmp_path)
    job = job_for(model, inputs, outs, trials=TRIALS)
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "kernels", 150)
    found = 0
    for c in job.program.outputs:   # matches found in some trials, not found in others
        v = want[0][c]
        found += len(np.unique(v[np.isfinite(v)]))
    assert found > 2 * len(job.program.outputs)


@pytest.mark.parametrize("make", [_email_plan, _sales], ids=["email_plan", "sales"])
def test_cuda_host_equals_numpy(tmp_path, make) -> None:
    from tests.test_backend_cupy import host_equals_numpy

    model, inputs, outs = make(tmp_path)
    job = job_for(model, inputs, outs, trials=TRIALS)
    host_equals_numpy(job, tmp_path)
