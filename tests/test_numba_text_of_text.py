"""TEXT of text made per trial, in array formulas and spills, fused and equal to numpy.

A real formula-template workbook spills ``{=TEXT(H2:H10,"dd/mm/yyyy")}`` over dates (J), then
``{=TEXT(J2:J10,"dd/mm/yyyy")}`` (L: the reference reads each date text back as VALUE does,
month first, and writes it again: Excel cached "10/03/1999" for "03/10/1999") and
``=RIGHT(L2#,4)`` (M, a spill reference).  With the dates varying per trial, TEXT of text
made per trial was refused ("reads a cell of text made per trial"), so the three formulas
were left to numpy.  Rebuilt here with openpyxl, with plain cells reading the texts (the
reference's reading: a day above 12 is read day first, so LEFT(L,2) is the month where the
day is at most 12, else the day), a plain cell's TEXT of TEXT, and a TEXT of month names
(which do not read back as numbers) still left to numpy, equal to numpy either way.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 400
ROWS = range(2, 6)


def _model(path, month_names: bool = False) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T"
    ws["G1"] = 44000.0
    for r in ROWS:
        ws[f"H{r}"] = f"=ROUND(G1,0)+{37 * r}"     # dates drawn per trial
    ws["J2"] = ArrayFormula("J2:J5", '=TEXT(H2:H5,"dd/mm/yyyy")')
    ws["L2"] = ArrayFormula("L2:L5", '=TEXT(J2:J5,"dd/mm/yyyy")')
    ws["M2"] = ArrayFormula("M2:M5", "=RIGHT(_xlfn.ANCHORARRAY(L2), 4)")
    for r in ROWS:
        ws[f"N{r}"] = f"=VALUE(LEFT(L{r},2))"
        ws[f"O{r}"] = f"=VALUE(M{r})-YEAR(H{r})+LEN(L{r})*100"
        ws[f"P{r}"] = f'=VALUE(TEXT(TEXT(H{r},"yyyy-mm-dd"),"yyyymmdd"))'
    if month_names:
        ws["Q2"] = '=LEN(TEXT(TEXT(H2,"mmmm-yy"),"0"))'
    wb.save(path)
    return Model.open(path)


def _job(tmp_path, trials: int, month_names: bool = False):
    model = _model(tmp_path / "template.xlsx", month_names)
    outs = [f"T!{c}{r}" for c in "HJLMNOP" for r in ROWS] + (["T!Q2"] if month_names else [])
    return model, job_for(model, [tri("T!G1", 40000.0, 44000.0, 47000.0)], outs, trials=trials)


def test_text_of_text_made_per_trial_is_fused_and_equal_to_numpy(tmp_path):
    model, job = _job(tmp_path, TRIALS)
    assert fused_report(job) == {}   # before: J, L, M, N, O, P left to numpy
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, TRIALS)
    import datetime

    for r in ROWS:
        days = got[0][model.ref(f"T!H{r}")]
        dates = [datetime.date(1899, 12, 30) + datetime.timedelta(days=int(d)) for d in days]
        want = [d.month if d.day <= 12 else d.day for d in dates]
        np.testing.assert_array_equal(got[0][model.ref(f"T!N{r}")], want)
        np.testing.assert_array_equal(got[0][model.ref(f"T!O{r}")], 1000.0)
        np.testing.assert_array_equal(got[0][model.ref(f"T!P{r}")],
                                      [d.year * 10000 + d.month * 100 + d.day for d in dates])
        assert 1 < len({d.day <= 12 for d in dates})   # both readings met


def test_text_of_month_names_stays_with_numpy(tmp_path):
    """Month names do not read back as numbers: the reference sends them to pycel."""
    _, job = _job(tmp_path, 200, month_names=True)
    assert fused_report(job) == {"T!Q2": "TEXT of text made per trial that may not read "
                                         "as a number"}


def test_text_of_text_runs_in_the_cuda_kernel_as_numpy(tmp_path):
    """The CUDA twin (translated from the same plan), built for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path, 200)
