"""A range given to a one-value argument of MATCH/VLOOKUP/HLOOKUP (the key) or INDEX (the
positions) in an ordinary formula is intersected with the formula's cell, as Excel does for a
formula that is not an array formula: ``=IF(T[Seg]="","",INDEX(Price,MATCH(T[Material],
Codes,0)))`` in a table row reads that row's material.  Before, numpy mapped MATCH over the
whole column and intersected the result at the end (a SUM around it added every row), and the
numba kernel left such cells to numpy ("a range used as a single value"): in a real piping
workbook every downstream cell with them.  An array formula still maps the range."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 300
MATERIALS = ["steel", "pvc", "copper", "steel", "pvc", "iron"]
PRICE = {"steel": 10.0, "pvc": 20.0, "copper": 30.0}


def _model(tmp_path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for i, m in enumerate(PRICE, start=1):
        ws[f"D{i}"], ws[f"E{i}"] = m, PRICE[m]
    ws["H1"] = 1.0
    for r in range(2, 8):
        ws[f"A{r}"] = f'=IF(H1*{r}>{r}*1.1,"","seg")'
        ws[f"B{r}"] = MATERIALS[r - 2]
        ws[f"C{r}"] = f'=IF(A{r}="",0,INDEX(E1:E3,MATCH(B2:B7,D1:D3,0))*H1)'
        ws[f"F{r}"] = "=SUM(INDEX(E1:E3,MATCH(B2:B7,D1:D3,0)))+VLOOKUP(B2:B7,D1:E3,2,FALSE)"
    ws["C9"] = "=INDEX(E1:E3,MATCH(B2:B7,D1:D3,0))*H1"      # no cell in row 9: #VALUE!
    ws["C10"] = ArrayFormula("C10", "=SUM(IFERROR(INDEX(E1:E3,MATCH(B2:B7,D1:D3,0)),0))*H1")
    wb.save(tmp_path / "isect.xlsx")
    return Model.open(tmp_path / "isect.xlsx")


def test_the_key_of_an_ordinary_formula_is_the_rows_cell(tmp_path):
    model = _model(tmp_path)
    outs = [f"S!{c}{r}" for r in range(2, 8) for c in "CF"] + ["S!C9", "S!C10"]
    job = job_for(model, [tri("S!H1", 0.5, 1.0, 1.5)], outs, trials=TRIALS)
    assert fused_report(job) == {}    # before: 'a range used as a single value' for C2:C9, F
    (vals, errs, ins), _ = numba_and_numpy(job, tmp_path / "kernels", 150, TRIALS)
    h = ins[model.ref("S!H1")]
    for r, mat in enumerate(MATERIALS, start=2):
        c, f = model.ref(f"S!C{r}"), model.ref(f"S!F{r}")
        if mat not in PRICE:                                   # iron: MATCH's #N/A
            assert (errs[c][h * r <= r * 1.1] == 7).all() and (errs[f] == 7).all()
            continue
        blank = h * r > r * 1.1
        assert (vals[c][blank] == 0).all() and (errs[c] == 0).all()
        assert abs(vals[c][~blank] - PRICE[mat] * h[~blank]).max() < 1e-12 * 40
        assert (vals[f] == 2 * PRICE[mat]).all()               # before: the sum of all rows
    assert (errs[model.ref("S!C9")] == 3).all()
    assert abs(vals[model.ref("S!C10")] - 90.0 * h).max() < 1e-12 * 200   # mapped: 10+20+30+10+20+0
