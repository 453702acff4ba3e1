"""Array formulas that read or join text made per trial, fused and equal to numpy.

CSE idioms over text made from numbers that vary per trial: ``{=SUM(VALUE(RIGHT(A2:A5,1)))}``
and ``{=SUM(LEN(TEXT(H2:H5,"dd/mm/yyyy")))}`` (an aggregate of text readers, every element a
number or an error, written out element by element as arithmetic is), ``{=CONCAT(TEXT(..))}``
and ``{=TEXTJOIN(",",TRUE,IF(A2:A5>9,TEXT(H2:H5,"mmm"),""))}`` (a join's text is the same for
an array as for its values one by one), and cells of an array formula whose text is made of
several computed values (``{=TEXT(H2:H5+1,"mmm")&"-"&TEXT(A2:A5*2,"0")}``: made again by their
readers from their element).  Before, each was left to numpy ("SUM/CONCAT/TEXTJOIN of an
array expression in an array formula", "text made per trial from several values in an array
formula").  Rebuilt here with openpyxl; the values checked against the inputs' digits.
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

ROWS = range(2, 6)
OUTS = ["B1", "B2", "B3", "B4", "C1", "C2", "C3", "C4", "D2", "D3", "D4", "D5",
        "E2", "E3", "E4", "E5"] + [f"A{r}" for r in ROWS]


def _job(tmp_path, trials: int):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T"
    ws["G1"], ws["G2"] = 44000.0, 7.0
    for r in ROWS:
        ws[f"H{r}"] = f"=ROUND(G1,0)+{41 * r}"      # dates drawn per trial
        ws[f"A{r}"] = f"=ROUND(G2*{r},0)"           # whole numbers drawn per trial
    ws["B1"] = ArrayFormula("B1", "=SUM(VALUE(RIGHT(A2:A5,1)))")
    ws["B2"] = ArrayFormula("B2", '=SUM(LEN(TEXT(H2:H5,"dd/mm/yyyy")))')
    ws["B3"] = ArrayFormula("B3", '=CONCAT(TEXT(A2:A5,"0.0"))')
    ws["B4"] = ArrayFormula("B4", '=TEXTJOIN(",",TRUE,IF(A2:A5>9,TEXT(H2:H5,"mmm"),""))')
    ws["C1"] = "=LEN(B3)"
    ws["C2"] = "=VALUE(MID(B3,1,FIND(\".\",B3)+1))"
    ws["C3"] = "=LEN(B4)"
    ws["C4"] = '=LEN(SUBSTITUTE(B4,",",""))'
    ws["D2"] = ArrayFormula("D2:D5", '=TEXT(H2:H5+1,"mmm")&"-"&TEXT(A2:A5*2,"0")')
    for r in ROWS:
        ws[f"E{r}"] = f'=LEN(D{r})*1000+VALUE(MID(D{r},5,9))'
    wb.save(tmp_path / "readers.xlsx")
    model = Model.open(tmp_path / "readers.xlsx")
    inputs = [tri("T!G1", 43000.0, 44000.0, 46000.0), tri("T!G2", 1.0, 7.0, 40.0)]
    return model, job_for(model, inputs, [f"T!{c}" for c in OUTS], trials=trials)


def test_array_formulas_reading_text_made_per_trial_are_fused_and_equal(tmp_path):
    model, job = _job(tmp_path, 400)
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, 400)
    out = got[0]
    a = np.array([out[model.ref(f"T!A{r}")] for r in ROWS])
    np.testing.assert_array_equal(out[model.ref("T!B1")], (a % 10).sum(axis=0))
    np.testing.assert_array_equal(out[model.ref("T!B2")], 40.0)
    digits = sum(np.floor(np.log10(a)) + 1 + 2)    # "12.0": the digits, ".0"
    np.testing.assert_array_equal(out[model.ref("T!C1")], digits)
    np.testing.assert_array_equal(out[model.ref("T!C2")], a[0])
    kept = (a > 9).sum(axis=0)
    np.testing.assert_array_equal(out[model.ref("T!C4")], 3 * kept)   # "Jan": 3 letters
    np.testing.assert_array_equal(out[model.ref("T!C3")], 3 * kept + np.maximum(kept - 1, 0))
    for k, r in enumerate(ROWS):
        want = (4 + np.floor(np.log10(2 * a[k])) + 1) * 1000 + 2 * a[k]
        np.testing.assert_array_equal(out[model.ref(f"T!E{r}")], want)


def test_array_text_readers_run_in_the_cuda_kernel_as_numpy(tmp_path):
    """The CUDA twin (translated from the same plan), built for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path / "host", 200)
