"""Array formulas whose cells make text per trial, fused and equal to numpy.

A real formula-template workbook spills ``{=TEXT(H2:H10,"dd/mm/yyyy")}`` over dates and
``{=RIGHT(A2:A10,1)}`` over numbers.  With those numbers varying per trial every element is
text made per trial; an element of an array formula never took the dynamic-text path (only a
cell's own formula did), so the whole formula was left to numpy ("TEXT of a number that
varies per trial (in another cell of the array formula)").  Rebuilt here with openpyxl:
dates and numbers drawn per trial, the two array formulas, and plain cells reading their
texts (LEN, characters, VALUE, a comparison), text outputs being stored as numpy stores them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 600
ROWS = range(2, 6)


def _model(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T"
    for r in ROWS:
        ws[f"H{r}"] = f"=G1+{30 * r}"          # dates: G1 drawn per trial
        ws[f"A{r}"] = f"=ROUND(G2*{r},0)"       # numbers: G2 drawn per trial
    ws["G1"], ws["G2"] = 44000.0, 7.0
    ws["J2"] = ArrayFormula("J2:J5", '=TEXT(H2:H5,"dd/mm/yyyy")')
    ws["L2"] = ArrayFormula("L2:L5", "=RIGHT(A2:A5,1)")
    for r in ROWS:
        ws[f"N{r}"] = f"=LEN(J{r})+CODE(MID(J{r},2,1))*100"
        ws[f"O{r}"] = f"=VALUE(L{r})+(L{r}=\"3\")*10"
        ws[f"P{r}"] = f"=VALUE(MID(J{r},7,4))"
    wb.save(path)
    return Model.open(path)


def _job(tmp_path, trials: int):
    model = _model(tmp_path / "template.xlsx")
    inputs = [tri("T!G1", 43000.0, 44000.0, 46000.0), tri("T!G2", 1.0, 7.0, 40.0)]
    outs = [f"T!{c}{r}" for c in "JLNOP" for r in ROWS]
    return model, job_for(model, inputs, outs, trials=trials)


def test_text_made_per_trial_in_array_formulas_is_fused_and_equal_to_numpy(tmp_path):
    model, job = _job(tmp_path, TRIALS)
    # before: "TEXT of a number that varies per trial (in another cell of the array formula)"
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 300, TRIALS)
    o3 = got[0][model.ref("T!O3")]
    assert len(set(o3)) > 3   # the last digit differs between trials
    p2 = got[0][model.ref("T!P2")]
    assert set(p2) <= {2017.0, 2018.0, 2019.0, 2020.0, 2021.0, 2022.0, 2023.0, 2024.0,
                       2025.0, 2026.0} and len(set(p2)) > 1


def test_the_array_texts_run_in_the_cuda_kernel_as_numpy(tmp_path):
    """The CUDA twin (translated from the same plan), built for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 300)
    host_equals_numpy(job, tmp_path / "host", 300)
