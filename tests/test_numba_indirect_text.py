"""INDIRECT of text made per trial from text (a sheet named by a cell that holds one of
several names per trial, or text computed from it), two such INDIRECTs in one formula,
fused by an exact lookup of the trial's text among the sheet names (``dintern``) and equal
to numpy: a name no sheet has (another name, ``"EastS"``) is #REF!, case aside as Excel's
sheet lookup.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import REF  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 400
OUTS = ["Calc!C1", "Calc!C2", "Calc!C3", "Calc!C4", "Calc!C5", "Calc!C6",
        "North!B3", "South!B3", "East!B3"]


def _job(tmp_path, trials):
    wb = openpyxl.Workbook()
    calc = wb.active
    calc.title = "Calc"
    for name in ("North", "South", "East"):
        ws = wb.create_sheet(name)
        ws["B2"] = float(len(name) * 10 + ord(name[0]) % 7)
        ws["B3"] = "=B2*2+Calc!A1"
    calc["A1"] = 0.5
    calc["A2"] = '=IF(A1<0.3,"North",IF(A1<0.6,"South",IF(A1<0.9,"East","West")))'
    calc["A3"] = '=IF(A1<0.5,"south","East")'
    calc["A4"] = "=LOWER(A2)"
    calc["A5"] = '=MID("xEastSouth", 2 + 4 * (A1 > 0.4), 5)'   # "EastS" names nothing
    calc["C1"] = '=INDIRECT(A2&"!B2")+INDIRECT("\'"&A3&"\'!B3")'
    calc["C2"] = '=INDIRECT(A2&"!B2")*2'
    calc["C3"] = '=IFERROR(INDIRECT(A2&"!B3"), -1)+INDIRECT(A3&"!B2")'
    calc["C4"] = '=INDIRECT(A4&"!B2")+INDIRECT(A5&"!B3")'
    calc["C5"] = '=INDIRECT(LOWER(A2)&"!B2")*INDIRECT(TRIM(A5)&"!B2")-INDIRECT(A4&"!B2")'
    calc["C6"] = '=SUM(INDIRECT(A3&"!B2"), 1)*INDIRECT(A2&"!B2")'
    wb.save(tmp_path / "text.xlsx")
    model = Model.open(tmp_path / "text.xlsx")
    return model, job_for(model, [tri("Calc!A1", 0.0, 0.5, 1.0)], OUTS, trials=trials)


def test_two_indirects_of_text_made_per_trial_in_one_formula_equal_numpy(tmp_path):
    model, job = _job(tmp_path, TRIALS)
    # before: "INDIRECT of text made per trial from text (the cells it names cannot be
    # bounded)" for every C cell
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, TRIALS)
    vals, errs, ins = got
    a1 = ins[model.ref("Calc!A1")]
    c1, e1 = vals[model.ref("Calc!C1")], errs[model.ref("Calc!C1")]
    west = a1 >= 0.9
    assert west.any() and (e1[west] == REF).all() and (e1[~west] == 0).all()
    north = a1 < 0.3
    # North!B2 (51) + South!B3 (2 * 56 + A1)
    assert abs(c1[north] - (51.0 + 112.0 + a1[north])).max() < 1e-12
    e4 = errs[model.ref("Calc!C4")]
    assert (e4[(a1 <= 0.4) | west] == REF).all() and (e4[(a1 > 0.4) & ~west] == 0).all()


def test_indirect_of_text_on_the_cuda_host_build_equals_numpy(tmp_path):
    """The same kernel translated for CUDA (dintern has a twin), compiled with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path, 200)
