"""XLOOKUP of an array of lookup values in an array formula (tessa's dashboard:
``FILTER(HSTACK(XLOOKUP(T1[Product ID],T2[Product ID],T2[Product Name]),T1[Revenue]),cond)``):
numpy lifts XLOOKUP over the lookup value, element r being the lookup of key r; with a return
range of one column each element is that lookup (was 'XLOOKUP of an array in an array
formula')."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

X, F = "_xlfn.XLOOKUP", "_xlfn._xlws.FILTER"


def _job(tmp_path, trials=100):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["H1"] = 1.0
    for i in range(12):
        r = i + 2
        ws[f"A{r}"] = float(100 + (i * 5) % 7)      # keys (one not in the table: 106)
        ws[f"B{r}"] = f"=A{r}*$H$1"                  # keys made per trial
        ws[f"C{r}"] = f"={i}*$H$1+1"
    for j in range(6):
        r = j + 2
        ws[f"E{r}"], ws[f"F{r}"], ws[f"G{r}"] = 100.0 + j, f"P{j}", f"=10*{j}*$H$1"
    ws["J2"] = ArrayFormula("J2:J13", f"={X}(A2:A13,E2:E7,G2:G7,-1)")
    ws["K2"] = ArrayFormula("K2:K13", f"={X}(B2:B13,E2:E7,G2:G7)")
    ws["L2"] = ArrayFormula("L2:M13", f"={F}(_xlfn.HSTACK({X}(A2:A13,E2:E7,F2:F7),C2:C13),"
                                      f"C2:C13>4*$H$1)")
    path = tmp_path / "xk.xlsx"
    wb.save(path)
    outs = [f"Sheet1!{c}{r}" for c in "JKLM" for r in range(2, 14)]
    return job_for(Model.open(path), [tri("Sheet1!H1", 0.9, 1.0, 1.2)], outs, trials=trials)


def test_xlookup_of_keys_is_fused(tmp_path):
    assert fused_report(_job(tmp_path, 10)) == {}


def test_xlookup_of_keys_numba_equals_numpy(tmp_path):
    numba_and_numpy(_job(tmp_path), tmp_path / "k", 50, fused=True)


def test_xlookup_of_keys_cuda_host_equals_numpy(tmp_path):
    host_equals_numpy(_job(tmp_path), tmp_path / "cuda")
