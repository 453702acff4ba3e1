"""A cell that is only a reference to a cell of text made per trial (``=ValSum!B13``),
fused and equal to numpy.

A real precedent-transactions workbook writes its chart labels as ``ValSum!B13: ="CY "&TEXT(
EOMONTH(Hist_Year,12),"YY")&" TEV / Revenue:"`` and copies them with ``ValGraph!B46:
=ValSum!B13``.  The copy, a bare reference, never took the dynamic-text path (only calls and
operators did), so it was left to numpy and so was the label it reads ("text made per
trial, read by a cell left to numpy").  Rebuilt with openpyxl: a year drawn per trial, the
label, copies of it (one on another sheet, one of a cell that is text in some trials only),
and cells reading the copies (LEN, characters, a comparison) since text outputs are stored
as numpy stores them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 600


def _model(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ValSum"
    graph = wb.create_sheet("ValGraph")
    ws["A1"] = 43830.0                  # drawn per trial: a date (2019-12-31 .. 2026)
    ws["B13"] = '="CY "&TEXT(EOMONTH(A1,12),"YY")&" TEV / Revenue:"'
    ws["B14"] = '=IF(A1>45000,"FY "&TEXT(A1,"yyyy"),A1)'   # text in some trials only
    graph["B46"] = "=ValSum!B13"
    graph["B47"] = "=ValSum!B14"
    graph["C46"] = "=LEN(B46)"
    for j in range(1, 6):
        graph[f"D{45 + j}"] = f"=CODE(MID(B46,{j + 2},1))"
    graph["C47"] = '=B46="CY 21 TEV / Revenue:"'
    graph["C48"] = "=ISTEXT(B47)"
    graph["C49"] = "=IFERROR(B47+1,-1)"
    wb.save(path)
    return Model.open(path)


def test_a_copy_of_text_made_per_trial_is_fused_and_equal_to_numpy(tmp_path):
    model = _model(tmp_path / "precedent.xlsx")
    inputs = [tri("ValSum!A1", 43830.0, 44500.0, 46000.0)]
    outs = ["ValGraph!B46", "ValGraph!B47", "ValGraph!C46", "ValGraph!C47", "ValGraph!C48",
            "ValGraph!C49", *[f"ValGraph!D{r}" for r in range(46, 51)]]
    job = job_for(model, inputs, outs, trials=TRIALS)
    # before: B13 "text made per trial, read by a cell left to numpy", B46 "depends on ..."
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 300, TRIALS)
    c47 = got[0][model.ref("ValGraph!C47")]
    assert (c47 == 1).any() and (c47 == 0).any()   # the year differs between trials
    assert set(got[0][model.ref("ValGraph!C48")]) == {0.0, 1.0}


def test_the_copy_runs_in_the_cuda_kernel_as_numpy(tmp_path):
    """The CUDA twin (translated from the same plan), built for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    model = _model(tmp_path / "precedent.xlsx")
    job = job_for(model, [tri("ValSum!A1", 43830.0, 44500.0, 46000.0)],
                  ["ValGraph!B46", "ValGraph!C46", "ValGraph!C47", "ValGraph!C49",
                   "ValGraph!D48"], trials=400)
    host_equals_numpy(job, tmp_path / "host", 400)
