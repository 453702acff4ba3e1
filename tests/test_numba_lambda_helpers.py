"""BYROW, BYCOL, MAKEARRAY, SCAN, REDUCE and MAP with a LAMBDA written in the call, given by
a function's name or bound by LET (engine.backends.numba._lambdas): the LAMBDA inlined per
element, as numpy's engine.functions.lambdas runs it (chris-kc-cheng's Analytics:
``BYCOL(B5:E7, SUM)``; were 'BYCOL in an array formula (its array result)' ...); a LAMBDA
returning an array where one value is kept is #VALUE!, an error inside an element that
element's error."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402


def _lam(params: str, body: str) -> str:
    names = ",".join(f"_xlpm.{p}" for p in params.split(","))
    return f"_xlfn.LAMBDA({names},{body})"


X, Y, A, R, C = "_xlpm.x", "_xlpm.y", "_xlpm.a", "_xlpm.r", "_xlpm.c"
ARRAYS = {   # anchor: (range, formula)
    "F2": ("F2:F4", f"=_xlfn.BYROW(B2:D4,{_lam('x', f'SUM({X})*2')})"),
    "G2": ("G2:I2", "=_xlfn.BYCOL(B2:D4,_xleta.MAX)"),
    "J2": ("J2:L3", f"=_xlfn.MAKEARRAY(2,3,{_lam('r,c', f'{R}*10+{C}*$A$1')})"),
    "M2": ("M2:O2", f"=_xlfn.SCAN($A$1,B2:D2,{_lam('a,x', f'{A}*(1+{X})')})"),
    "Q2": ("Q2:S4", f"=_xlfn.MAP(B2:D4,{_lam('x', f'IF({X}>$A$1*2,{X},-{X})')})"),
    "U2": ("U2:U3", f"=_xlfn.MAP(B2:B3,{_lam('x', f'{X}*{{1,2}}')})"),   # #VALUE!
    "V2": ("V2:V4", f"=_xlfn.MAP(B2:B4,{_lam('x', f'1/({X}-$B$2)')})"),   # #DIV/0! first
}
PLAIN = {
    "P2": f"=_xlfn.REDUCE(0,B2:D4,{_lam('a,x', f'{A}+{X}^2')})",
    "P3": f"=_xlfn.LET(_xlpm.f,{_lam('x,y', f'{X}*{Y}+1')},SUM(_xlfn.MAP(B2:B4,C2:C4,_xlpm.f)))",
    "P4": f"=SUM(_xlfn.BYROW(B2:D4,{_lam('x', f'MAX({X})-MIN({X})')}))",
}


def _job(tmp_path, trials=60):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = 1.0
    for i in range(3):
        for j, col in enumerate("BCD"):
            ws[f"{col}{i + 2}"] = f"=$A$1*{i + 1}+{j}/4"
    outs = []
    for anchor, (ref, text) in ARRAYS.items():
        ws[anchor] = ArrayFormula(ref, text)
        a, b = ref.split(":")
        for row in ws[a:b]:
            outs += [f"Sheet1!{cell.coordinate}" for cell in row]
    for cell, text in PLAIN.items():
        ws[cell] = text
        outs.append(f"Sheet1!{cell}")
    path = tmp_path / "lambdas.xlsx"
    wb.save(path)
    return job_for(Model.open(path), [tri("Sheet1!A1", 0.5, 1.0, 2.0)], outs, trials=trials)


def test_lambda_helpers_are_fused(tmp_path):
    assert fused_report(_job(tmp_path, 10)) == {}


def test_lambda_helpers_numba_equals_numpy(tmp_path):
    got, want = numba_and_numpy(_job(tmp_path), tmp_path / "k", 30, fused=True)
    errs = {str(c).replace("'", ""): e for c, e in want[1].items()}
    assert (errs["Sheet1!U2"] == 3).all() and (errs["Sheet1!V2"] == 2).all()   # #VALUE!, #DIV/0!
    assert (errs["Sheet1!V3"] == 0).all()


def test_lambda_helpers_cuda_host_equals_numpy(tmp_path):
    host_equals_numpy(_job(tmp_path), tmp_path / "cuda")


def test_lambda_reading_a_cell_as_a_reference_stays_with_numpy(tmp_path):
    """SUM(x) of a MAP element: numpy's SUM coerces the value x (text: #VALUE!) where SUM of
    the cell's reference would skip text: left to numpy, with the reason."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = 1.0
    ws["B2"], ws["B3"] = "=$A$1*2", "text"
    ws["C2"] = ArrayFormula("C2:C3", f"=_xlfn.MAP(B2:B3,{_lam('x', f'SUM({X})')})")
    path = tmp_path / "ref.xlsx"
    wb.save(path)
    job = job_for(Model.open(path), [tri("Sheet1!A1", 0.5, 1.0, 2.0)],
                  ["Sheet1!C2", "Sheet1!C3"], trials=10)
    report = {str(c).replace("'", ""): why for c, why in fused_report(job).items()}
    assert report["Sheet1!C2"] == "a LAMBDA parameter read as a reference"


def test_lambda_helper_over_rows_varying_per_trial_stays_with_numpy(tmp_path):
    """MAP over UNIQUE(..): its rows vary per trial (not one value, not a fixed shape)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = 1.0
    ws["B2"], ws["B3"], ws["B4"] = "=ROUND($A$1,0)", "=ROUND($A$1*2,0)", 2.0
    ws["C2"] = f"=SUM(_xlfn.MAP(_xlfn.UNIQUE(B2:B4),{_lam('x', f'{X}*2')}))"
    path = tmp_path / "dyn.xlsx"
    wb.save(path)
    job = job_for(Model.open(path), [tri("Sheet1!A1", 0.5, 1.0, 2.0)], ["Sheet1!C2"],
                  trials=10)
    report = {str(c).replace("'", ""): why for c, why in fused_report(job).items()}
    assert report["Sheet1!C2"] == "a LAMBDA helper over an array whose size is not fixed"
