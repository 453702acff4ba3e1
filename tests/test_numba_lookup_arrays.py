"""Lookups whose lookup vector is an array expression, fused and equal to numpy: the classic
two-key lookup ``{=INDEX(G,MATCH(a&b,E&F,0))}`` (array formula and plain), ``MATCH(1,
(r1=a)*(r2=b),0)``, ``MATCH(TRUE,r>x,0)``, ``LOOKUP(2,1/(r=x),result)``, XLOOKUP/XMATCH
over an expression, with vectors constant (folded when generated) and varying per trial."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import NA, REF  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

_FORMULAS = {
    # two keys joined, against two columns joined (constant: folded)
    "C1": "=INDEX($G$4:$G$12,MATCH(A2&B2,$E$4:$E$12&$F$4:$F$12,0))",
    "C2": "=INDEX($G$4:$G$12,MATCH(1,($E$4:$E$12=A2)*($F$4:$F$12=B2),0))",
    # a vector computed from the trial's input
    "C3": "=INDEX($G$4:$G$12,MATCH(TRUE,$H$4:$H$12>A1,0))",
    "C4": "=LOOKUP(2,1/($E$4:$E$12=A2),$G$4:$G$12)",
    "C5": "=XLOOKUP(A2&B2,$E$4:$E$12&$F$4:$F$12,$G$4:$G$12,\"none\")",
    "C6": "=INDEX($G$4:$G$12,MATCH(A1,$H$4:$H$12*2,1))",   # approximate, varying vector
    "C7": "=XMATCH(A1,$I$4:$I$12*A1/4,-1)",   # next smaller, a vector of the trial
    "C8": "=INDEX($G$4:$G$12,MATCH(A2&\"*\",$E$4:$E$12&$F$4:$F$12,0))",   # wildcard
    "C9": "=LOOKUP(2,1/($H$4:$H$12<A1))",   # the vector itself is the result
}
_ARRAYS = {   # single-cell array formulas (CSE), as Excel writes them
    "D1": "=IF(A2=\"\",\"\",INDEX($G$4:$G$12,MATCH(A2&B2,$E$4:$E$12&$F$4:$F$12,0)))",
    "D2": "=INDEX($G$4:$G$12,MATCH(TRUE,$H$4:$H$12>A1,0))",
    "D3": "=INDEX($G$4:$G$12,MATCH(MAX($H$4:$H$12*(A1>3)),$H$4:$H$12,0))",
    # the nearest value: MIN of an element-wise function, then its position
    "D4": "=INDEX($G$4:$G$12,MATCH(MIN(ABS(A1-$I$4:$I$11)),ABS(A1-$I$4:$I$11),0))",
}


def _book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 5.0
    ws["A2"] = '=IF(A1>5,"pipe",IF(A1>4.5,"elbow","gate"))'
    ws["B2"] = '=IF(A1>5.5,"2in","1in")'
    rows = [("pipe", "1in", 10.0, 3.0, 1.0), ("pipe", "2in", 20.0, "=A1*0.9", 2.0),
            ("elbow", "1in", 30.0, 5.0, 3.0), ("elbow", "1in", 31.0, 5.5, 4.0),
            ("elbow", "2in", "=1/0", 6.0, 5.0), (None, None, 50.0, None, 6.0),
            ("tee", "2in", 60.0, "x", 7.0), ("TEE", "1in", 70.0, True, 8.0),
            ("valve", "1in", 80.0, 9.0, "=NA()")]
    for r, row in enumerate(rows, start=4):
        for col, v in zip("EFGHI", row, strict=True):
            if v is not None:
                ws[f"{col}{r}"] = v
    for ref, f in _FORMULAS.items():
        ws[ref] = f
    for ref, f in _ARRAYS.items():
        ws[ref] = ArrayFormula(ref, f)
    wb.save(path)


def test_lookups_over_array_expressions(tmp_path):
    _book(tmp_path / "s.xlsx")
    model = Model.open(tmp_path / "s.xlsx")
    outs = [f"Sheet!{r}" for r in (*_FORMULAS, *_ARRAYS)]
    job = job_for(model, [tri("Sheet!A1", 3.0, 5.0, 6.5)], outs, trials=400)
    # before: "MATCH of an array expression in an array formula", "MATCH over something
    # other than one row or column", "XLOOKUP over something other than ranges"
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "kernels", 200, 400)
    vals, errs, ins = got
    a1, c1 = ins[model.ref("Sheet!A1")], model.ref("Sheet!C1")
    elbow = (a1 > 4.5) & (a1 <= 5.0)   # "elbow1in": the first of two rows
    assert elbow.any() and (vals[c1][elbow] == 30.0).all()
    assert (errs[c1][a1 <= 4.5] == NA).all()   # "gate1in" is not in the table
    assert (errs[model.ref("Sheet!C5")] != NA).all()   # XLOOKUP's if_not_found instead


@pytest.mark.slow   # ~30 s: the fit's LAPACK runtime compiles
def test_index_into_a_fit_at_a_position_per_trial(tmp_path):
    """``=INDEX(LINEST(C10:C86,B10:B86^{1,2,3,4,5,6}),1,A28)`` with A28 varying: every
    element of the fit per trial, then the one at the trial's position (#REF! past it)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 2.0
    for r in range(1, 9):
        ws[f"B{r}"] = float(r)
        ws[f"C{r}"] = f"=A1*B{r}+{(r * 7) % 5}+B{r}^2/4"
    ws["D1"] = "=INDEX(LINEST(C1:C8,B1:B8^{1,2}),1,ROUND(A1,0))"
    ws["D2"] = "=INDEX(LINEST(C1:C8,B1:B8,TRUE,TRUE),ROUND(A1,0)+1,2)"
    ws["D3"] = "=INDEX(LINEST(C1:C8,B1:B8^{1,2}),A1)"   # one position into one row: a column
    ws["D4"] = "=INDEX(TREND(C1:C8,B1:B8),A1*2)"
    ws["D5"] = "=INDEX(LINEST(C1:C8,B1:B8^{1,2}),1,ROUND(A1,0)+1)"   # D1's fit, read again
    wb.save(tmp_path / "f.xlsx")
    model = Model.open(tmp_path / "f.xlsx")
    outs = ["Sheet!D1", "Sheet!D2", "Sheet!D3", "Sheet!D4", "Sheet!D5"]
    job = job_for(model, [tri("Sheet!A1", 1.0, 2.0, 4.4)], outs, trials=300)
    assert fused_report(job) == {}   # before: "INDEX into a fit at a position that is not ..."
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 150, 300)
    errs = got[1][model.ref("Sheet!D1")]
    assert {0, REF} <= set(errs)   # position 4 of a row of 3: #REF!


def test_lookups_over_array_expressions_on_the_cuda_host_build(tmp_path):
    """The same kernel through the CUDA translation (its existing typed-search twins),
    compiled for the host with g++, equal to numpy."""
    from tests.test_backend_cupy import host_equals_numpy

    _book(tmp_path / "s.xlsx")
    model = Model.open(tmp_path / "s.xlsx")
    outs = [f"Sheet!{r}" for r in (*_FORMULAS, *_ARRAYS)]
    job = job_for(model, [tri("Sheet!A1", 3.0, 5.0, 6.5)], outs, trials=300)
    host_equals_numpy(job, tmp_path, 300)
