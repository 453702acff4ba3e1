"""Dynamic references the fused kernel computes like numpy, found on real workbooks:

* INDIRECT of a sheet named by a year that varies per trial, in a workbook of many sheets
  (tamc/excel_to_code model.xlsx: 175 sheets, 350 sheet-name texts; only the few that may be
  the text of a number are candidates);
* INDEX(block, MATCH(k1, col, 0), MATCH(k2, row, 0)), both positions an error in some
  trials and at least 1 elsewhere (no whole row or column in any trial: one cell gathered,
  the first error otherwise; tamc model.xlsx's Control sheet);
* OFFSET whose position and size are the same number in every trial although computed
  (``OFFSET(C$8, 0, 0, COUNT($B$1:$B$40) - $B9, 1)`` with constant cells): the range it names,
  read as a range written in the formula (tamc offsets.xlsx).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import NA, REF  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 600
YEARS = (2007, 2008, 2009)
FILLER = 140   # sheets named by words: 280 sheet-name texts with the quoted ones


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = "Calc"
    for k in range(FILLER):
        wb.create_sheet(f"Note {k}")["A1"] = k
    for y in YEARS:
        ws = wb.create_sheet(str(y))
        ws["B1"], ws["C1"], ws["D1"] = "V.1", "V.2", "V.3"
        for r, name in enumerate(("Supply", "Use", "Total"), start=2):
            ws[f"A{r}"] = name
            for j, col in enumerate("BCD"):
                ws[f"{col}{r}"] = float((y - 2000) * 10 + r * 3 + j)
        ws["C3"] = "=B3*2"
    calc["A1"] = 2008.0            # the year, an input (2006.6 .. 2010.6)
    calc["A2"] = "=ROUND(A1, 0)"   # 2007..2009 mostly, 2010 (no sheet: #REF!) sometimes
    calc["A3"] = "V.2"
    calc["A4"] = "=IF(A1>2009.2, \"V.9\", \"V.3\")"   # a key not there: #N/A
    for r, name in enumerate(("Supply", "Use", "Total"), start=2):
        calc[f"H{r}"] = name
    calc["H5"] = "=IF(A1>2009.1, \"None\", \"Use\")"   # a row not there: #N/A
    for r in range(2, 5):
        for j, col in enumerate("IJK"):
            calc[f"{col}{r}"] = f"=A1*{r * 3 + j}"
    calc["C1"] = "=INDEX(I2:K4, MATCH(H5, H2:H4, 0), MATCH(A4, I1:K1, 0))"
    calc["C2"] = '=-(INDEX(I2:K4, MATCH("Supply", H2:H4, 0), MATCH(A3, I1:K1, 0))+INDIRECT("\'"&A2&"\'!C3"))'
    calc["I1"], calc["J1"], calc["K1"] = "V.1", "V.2", "V.3"
    calc["C3"] = '=IFERROR(INDIRECT(A2&"!D4")/2, -1)'
    # OFFSET of a computed but constant size: B9 is not an input
    for r in range(1, 41):
        calc[f"B{r}"] = float(r - 1)
        calc[f"E{r}"] = f"=A1*{r}"
    calc["F1"] = "=SUMPRODUCT(E1:E$40, OFFSET(E$1, 0, 0, COUNT($B$1:$B$40) - $B1, 1))"
    calc["F2"] = "=SUMPRODUCT(E6:E$40, OFFSET(E$1, 0, 0, COUNT($B$1:$B$40) - $B6, 1))"
    calc["F3"] = "=SUM(OFFSET(E$1, $B3, 0, $B30, 1))+MAX(OFFSET(E1, 1, 0, $B21+1, 1))"
    calc["F4"] = "=MATCH(A1*5, OFFSET(E$1, 0, 0, $B40, 1), 1)"
    wb.save(path)
    return Model.open(path)


def _job(tmp_path, outs, trials=TRIALS):
    model = _book(tmp_path / "refs.xlsx")
    inputs = [tri("Calc!A1", 2006.6, 2008.0, 2010.6), tri("'2008'!B3", 10.0, 20.0, 30.0)]
    return model, job_for(model, inputs, outs, trials=trials)


OUTS = ["Calc!C1", "Calc!C2", "Calc!C3", "Calc!F1", "Calc!F2", "Calc!F3", "Calc!F4",
        *(f"'{y}'!C3" for y in YEARS)]


def test_references_named_per_trial_are_fused_and_equal_numpy(tmp_path):
    model, job = _job(tmp_path, OUTS)
    # before: "INDIRECT of text made per trial naming one of 286 references (too many)",
    # "INDEX of a position that may be an error beside one that may be 0", "SUMPRODUCT of
    # an OFFSET whose range may be wider ... more than 64 cells", "MATCH of an OFFSET ..."
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, TRIALS)
    vals, errs, ins = got
    a1 = ins[model.ref("Calc!A1")]
    year = a1.round()
    e1, v1 = errs[model.ref("Calc!C1")], vals[model.ref("Calc!C1")]
    assert (year == 2008).any() and (year == 2010).any()
    found = a1 <= 2009.1
    found, key = a1 <= 2009.1, a1 <= 2009.2
    assert (e1[~found] == NA).all() and (e1[found & ~key] == NA).all()
    np.testing.assert_allclose(v1[found & key], a1[found & key] * 11, rtol=1e-15)
    e2 = errs[model.ref("Calc!C2")]
    assert (e2 == REF).any() and (e2 == 0).any()
    assert set(vals[model.ref("Calc!C3")][year == 2007]) == {(70.0 + 4 * 3 + 2) / 2}   # '2007'!D4 / 2
    f1 = vals[model.ref("Calc!F1")]
    expect = sum((a1 * r) ** 2 for r in range(1, 41))
    assert abs(f1 - expect).max() <= 1e-9 * expect.max()


def test_references_named_per_trial_on_the_cuda_host_build_equal_numpy(tmp_path):
    """The same kernel translated for CUDA, compiled for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, OUTS, trials=200)
    host_equals_numpy(job, tmp_path, 200)
