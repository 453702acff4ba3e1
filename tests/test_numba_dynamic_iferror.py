"""IFERROR/IFNA of a FILTER/UNIQUE/SORT result in the fused kernel.

The pattern of a real sales-tips workbook: ``=IFERROR(FILTER(names, (d>=start)*(d<=end)),"")``
with ``d`` varying per trial, so that FILTER keeps nothing (#CALC!) in some trials; the result
spilled, read whole by SUM/COUNTA, or IFNA'd.  Before, every such cell was left to numpy
("IFERROR of a FILTER/UNIQUE/SORT result", "TEXTJOIN of a FILTER/UNIQUE/SORT result"); now
the IFERROR is a dynamic result of its own (da_iferror: each error replaced by the fallback,
the rows the result's), as numpy's engine.functions.logical.iferror of a Grid cell by cell,
and TEXTJOIN joins a result's elements that the trial has (_dynarrays.dyn_join_items).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import HostCudaBackend, host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, run, tri  # noqa: E402

TRIALS = 200
F, U, S = "_xlfn._xlws.FILTER", "_xlfn.UNIQUE", "_xlfn.SORT"
NAMES = ["New Year", "Easter", "May Day", "Midsummer", "Harvest", "Yule"]
COND = "(E1>=B2:B7)*(E1<=C2:C7)"
COND2 = "(E1>=B2:B7)*(E1<=B2:B7+13)*(E1<50)"   # overlapping windows: one, two or none
SPILLS = {   # anchor: (last cell, formula)
    "H1": ("H4", f'=IFERROR({F}(B2:B7,{COND}),-1)'),              # numbers, -1 where none
    "I1": ("I4", f'=IFERROR({F}(A2:A7,{COND}),"")'),               # text, "" where none
    "J1": ("K3", f'=IFERROR({F}(A2:B7,{COND}),"none")'),           # two columns
    "L1": ("L4", f'=IFNA({S}({F}(B2:B7,{COND},NA()),1,-1),0)'),    # IFNA of SORT
    "M1": ("M4", f'=IFERROR({U}({F}(D2:D7,{COND})),"x")'),         # UNIQUE, errors in it
}
PLAIN = {
    "G1": f"=SUM(IFERROR({F}(B2:B7,{COND}),0))",
    "G2": f"=COUNTA(IFERROR({F}(A2:A7,{COND}),\"\"))",
    "G3": f"=MAX(IFERROR({F}(D2:D7,{COND}),-5))",
    "G4": f"=INDEX(IFERROR({F}(B2:B7,{COND}),-2),2)",
    "G5": f"=COUNT(IFNA({F}(D2:D7,{COND}),7))",
    # the workbook's cells: the names of the windows a date falls in, joined
    "G6": f'=TEXTJOIN(", ",TRUE,IFERROR({F}(A2:A7,{COND2}),""))',
    "G7": f'=TEXTJOIN("; ",FALSE,IFERROR({F}(A2:A7,{COND2}),"none"))',
    "G8": f'=TEXTJOIN("-",TRUE,{F}(D2:D7,{COND2},""))',            # numbers and errors
    "G9": f'=LEN(TEXTJOIN(", ",TRUE,IFERROR({F}(B2:B7,{COND2}),"x")))',
    "G10": '=LEN(G6)*1000+LEN(G7)*10+IF(G6="",1,0)',        # the texts read by cells
    "G11": '=FIND("Easter",G6&"Easter")*100+SEARCH("none",G7&"none")+LEN(G8)/1000',
    "G12": '=IFERROR(FIND("#",G8),-1)+CODE(G7&"_")',
}


def _cells(first: str, last: str) -> list[str]:
    c0, r0, c1, r1 = first[0], int(first[1:]), last[0], int(last[1:])
    return [f"Sheet1!{chr(c)}{r}" for c in range(ord(c0), ord(c1) + 1)
            for r in range(r0, r1 + 1)]


OUTS = [f"Sheet1!{k}" for k in PLAIN] + \
    [c for k, (last, _) in SPILLS.items() for c in _cells(k, last)]


def _job(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for i, name in enumerate(NAMES):
        r = i + 2
        ws[f"A{r}"], ws[f"B{r}"], ws[f"C{r}"] = name, 10.0 * i, 10.0 * i + 4.0
        ws[f"D{r}"] = "=NA()" if i % 3 == 1 else (f"=1/{i - 3}" if i == 3 else 2.0 * i)
    ws["E1"] = 20.0
    for anchor, (last, formula) in SPILLS.items():
        ws[anchor] = ArrayFormula(f"{anchor}:{last}", formula)
    for k, v in PLAIN.items():
        ws[k] = ArrayFormula(k, v)
    path = tmp_path / "holidays.xlsx"
    wb.save(path)
    model = Model.open(path)
    # E1 from 0 to 60: inside one window, two (overlap none here), or none (gaps of 6)
    return job_for(model, [tri("Sheet1!E1", 0.0, 20.0, 60.0)], OUTS, trials=TRIALS), model


def test_iferror_of_filter_varies_in_numpy(tmp_path):
    job, model = _job(tmp_path)
    out, err, _ = run(NumpyBackend(), job, TRIALS)
    h1 = out[model.ref("Sheet1!H1")]
    assert (h1 == -1.0).mean() > 0.2 and (h1 >= 0.0).mean() > 0.2   # kept nothing, or a row
    assert (err[model.ref("Sheet1!H1")] == 0).all()
    g10 = out[model.ref("Sheet1!G10")]
    assert len(set(g10)) >= 3 and (g10 % 10 == 1).any()   # none, one or two names joined
    assert (out[model.ref("Sheet1!G2")] >= 1).all()


def test_iferror_of_dynamic_arrays_is_fused(tmp_path):
    job, _ = _job(tmp_path)
    assert fused_report(job) == {}   # before: "IFERROR of a FILTER/UNIQUE/SORT result"


@pytest.mark.slow   # numba compile: the host build below covers the same kernel lines
def test_iferror_of_dynamic_arrays_numba_equals_numpy(tmp_path):
    job, _ = _job(tmp_path)
    numba_and_numpy(job, tmp_path / "kernels", 64, 37, fused=True)


def test_iferror_of_dynamic_arrays_on_the_host_build_equal_numpy(tmp_path):
    job, _ = _job(tmp_path)
    assert "da_iferror(" in HostCudaBackend.source_of(job).split("MC_HD void mc_trial", 1)[1]
    host_equals_numpy(job, tmp_path, 64, TRIALS)
