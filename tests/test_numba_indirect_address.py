"""INDIRECT of a cell address whose row (and column) vary per trial, fused and equal to
numpy: ``INDIRECT("B"&n)``, ``INDIRECT("'Sheet 2'!$C"&n)`` (n not a whole number: the text
names nothing, #REF!) and ``INDIRECT(ADDRESS(r, c, abs, TRUE, sheet))`` (ADDRESS's #VALUE!
below row 1: INDIRECT #REF!), the cell chosen among those the bounds of r and c allow.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import DIV0, REF  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 400
OUTS = [f"Calc!E{r}" for r in range(1, 7)] + [f"Calc!B{r}" for r in range(1, 31)]


def _job(tmp_path, trials):
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = "Calc"
    other = wb.create_sheet("Sheet 2")
    for r in range(1, 31):
        calc[f"B{r}"] = f"=A1*{r}"
        other[f"C{r}"] = float(r * r)
        other[f"D{r}"] = f"=IF(MOD({r},7)=0,1/0,{r}+0.5)"
    calc["A1"] = 1.0
    calc["A2"] = 10.0
    calc["A3"] = 2.0
    calc["E1"] = '=INDIRECT("B"&ROUND(A2,0))'
    calc["E2"] = '=INDIRECT("B"&A2)'   # not a whole number: #REF!
    calc["E3"] = '=INDIRECT("\'Sheet 2\'!$C"&ROUND(A2*2,0))+INDIRECT("Calc!b"&ROUND(A2,0))'
    calc["E4"] = '=INDIRECT(ADDRESS(ROUND(A2,0),A3+2,1,TRUE,"Sheet 2"))'   # D7, D14: #DIV/0!
    calc["E5"] = "=INDIRECT(ADDRESS(A2-8,2))*2"   # row below 1 in some trials: #REF!
    calc["E6"] = '=SUM(INDIRECT("B"&ROUND(A2,0)),1)'
    wb.save(tmp_path / "addr.xlsx")
    model = Model.open(tmp_path / "addr.xlsx")
    inputs = [tri("Calc!A1", 0.5, 1.0, 1.5), tri("Calc!A2", 5.0, 10.0, 20.0),
              tri("Calc!A3", 0.5, 2.0, 2.5)]
    return model, job_for(model, inputs, OUTS, trials=trials)


def test_indirect_of_an_address_made_per_trial_is_fused_and_equals_numpy(tmp_path):
    model, job = _job(tmp_path, TRIALS)
    # before: "INDIRECT of text that varies per trial and may name any cell", "function
    # ADDRESS is not in the fused subset"
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, TRIALS)
    vals, errs, ins = got
    a1, a2 = ins[model.ref("Calc!A1")], ins[model.ref("Calc!A2")]
    assert abs(vals[model.ref("Calc!E1")] - a1 * a2.round()).max() < 1e-12 * 30
    assert (errs[model.ref("Calc!E2")] == REF).all()
    e4 = errs[model.ref("Calc!E4")]
    assert (e4 == DIV0).any() and (e4 == 0).any()
    e5 = errs[model.ref("Calc!E5")]
    assert (e5[a2 < 9] == REF).all() and (e5[a2 >= 9] == 0).all()


def test_indirect_of_an_address_on_the_cuda_host_build_equals_numpy(tmp_path):
    """The same kernel translated for CUDA (no new runtime helper), compiled with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path, 200)
