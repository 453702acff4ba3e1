"""SUMIFS (COUNTIFS, SUM) over ranges read through INDIRECT of a text that names a sheet
chosen per trial (neprenkha BOQ's Summary: ``LET(sh, IFERROR(MID($B3, SEARCH("S", $B3), 3),
$B3), IF($B3="", "", IFERROR(SUMIFS(INDIRECT("'"&sh&"'!N3:N300"), INDIRECT("'"&sh&"'!F3:F300"),
"<>", INDIRECT("'"&sh&"'!H3:H300"), "<>"), 0)))``): the numba kernel computes the call once
per set of references the texts can name, chosen per trial (numpy computes the cell per
group of trials, each group reading its text's ranges); numba and the CUDA kernel's host
build equal numpy.  An empty sheet name (``"''!N4"``) names nothing: #REF!, as in Excel.
A formula cell such an INDIRECT may read outside the compiled slice stays numpy's.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import REF  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

TRIALS = 300
SHEETS = ("S01", "S02", "S03")


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    s = wb.active
    s.title = "Summary"
    for k, name in enumerate(SHEETS):
        ws = wb.create_sheet(name)
        for r in range(3, 13):
            if r % 3 != k % 3:
                ws[f"F{r}"] = f"{name}-SPEC{r}"
            if r % 4 != 1:
                ws[f"H{r}"] = "PCS"
            ws[f"I{r}"] = float(r + k)
            ws[f"K{r}"] = 2.5 * (k + 1)
            ws[f"N{r}"] = f'=IF($F{r}="","",$I{r}*$K{r})'
        ws["N1"] = "=SUM(N3:N12)"
    wb.create_sheet("Other")["A1"] = 1.0
    s["A3"], s["A4"], s["A5"] = 1.0, 2.0, 2.0
    s["B3"] = '=IF($A3>1,"S01",IF($A3>0.5,"S02",""))'   # one of known texts
    s["B4"] = '=IF($A4>2,"s03",IF($A4>1.5,"S02","x"))'  # case ignored; "x" names no sheet
    s["B5"] = '="S0"&ROUND($A5,0)'                      # text made per trial
    for r in (3, 4, 5):
        s[f"C{r}"] = (f'=_xlfn.LET(_xlpm.sh,IFERROR(MID($B{r},SEARCH("S",$B{r}),3),$B{r}),'
                      f'IF($B{r}="","",IFERROR(SUMIFS(INDIRECT("\'"&_xlpm.sh&"\'!N3:N12"),'
                      f'INDIRECT("\'"&_xlpm.sh&"\'!F3:F12"),"<>",'
                      f'INDIRECT("\'"&_xlpm.sh&"\'!H3:H12"),"<>"),0)))')
        s[f"D{r}"] = (f'=SUMIFS(INDIRECT("\'"&$B{r}&"\'!N3:N12"),'
                      f'INDIRECT("\'"&$B{r}&"\'!F3:F12"),"<>")')
        s[f"E{r}"] = (f'=COUNTIFS(INDIRECT($B{r}&"!H3:H12"),"PCS",INDIRECT($B{r}&"!F3:F12"),"<>")'
                      f'+SUM(INDIRECT($B{r}&"!N3:N5"))')
        s[f"J{r}"] = f'=INDIRECT("\'"&$B{r}&"\'!N4")'
    wb.save(path)
    return Model.open(path)


INPUTS = [tri("Summary!A3", 0.0, 1.0, 2.0), tri("Summary!A4", 1.0, 2.0, 3.0),
          tri("Summary!A5", 0.5, 2.0, 3.5), tri("S01!I4", 1.0, 5.0, 9.0),
          tri("S02!K5", 1.0, 5.0, 9.0), tri("S03!I6", 1.0, 5.0, 9.0)]
CELLS = [f"Summary!{c}{r}" for c in "BCDEJ" for r in (3, 4, 5)]
SUMS = [f"{s}!N1" for s in SHEETS]   # the sheets' rows in the slice (as BOQ's totals)


def test_calls_over_ranges_of_a_sheet_named_per_trial_are_fused(tmp_path):
    model = _book(tmp_path / "boq.xlsx")
    job = job_for(model, INPUTS, CELLS + SUMS, trials=TRIALS)
    assert fused_report(job) == {}   # before: "CHOOSE of a range"
    got, _ = numba_and_host_equal_numpy(job, tmp_path / "kernels", 100)
    vals, errs, ins = got

    def out(cell: str):
        return vals[model.ref(cell)], errs[model.ref(cell)]

    a3, a4 = ins[model.ref("Summary!A3")], ins[model.ref("Summary!A4")]
    (c3, _), (c4, _), (_, d3), (_, d4), (_, j3) = map(out, ("Summary!C3", "Summary!C4",
                                                          "Summary!D3", "Summary!D4",
                                                          "Summary!J3"))
    s01, s02 = a3 > 1, (a3 > 0.5) & (a3 <= 1)
    assert s01.any() and s02.any() and (~(s01 | s02)).any()
    # S01's rows with F and H written: its total but row 5 (H5 empty)
    assert (c3[s01] == out("S01!N1")[0][s01] - 5 * 2.5).all()
    assert (c3[s02] == 5.0 * (4 + 7 + 9 + 12 + 13)).all()   # S02's rows 3, 6, 8, 11, 12
    assert (d3[~(s01 | s02)] == REF).all() and (j3[~(s01 | s02)] == REF).all()   # "''!..."
    assert (c4[(a4 > 1.5) & (a4 <= 2)] == 225.0).all()
    assert (c4[a4 <= 1.5] == 0.0).all() and (d4[a4 <= 1.5] == REF).all()   # "x": no sheet


def test_a_varying_cell_outside_the_slice_stays_numpys(tmp_path):
    model = _book(tmp_path / "boq.xlsx")
    job = job_for(model, INPUTS, CELLS, trials=TRIALS)   # the sheets' rows not in the slice
    report = fused_report(job)
    assert report["Summary!C3"].startswith(
        "INDIRECT of text made per trial reads a formula cell outside the compiled slice")
