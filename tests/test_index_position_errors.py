"""INDEX of a whole column whose column is found by MATCH per trial, a label that is
sometimes missing (``{=INDEX(C16:F19,,MATCH(C22,C15:F15,0))}``, tamc/excel_to_code
spec/test_data/ExampleSpreadsheet.xlsx): the numpy reference gives each trial its column, or
#N/A where MATCH fails, whatever the other trials of its chunk (before, one #N/A trial made
every trial of its chunk #VALUE!); the numba kernel fuses it and equals numpy."""

from __future__ import annotations

import numpy as np
import pytest

openpyxl = pytest.importorskip("openpyxl")
from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import NA  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 400


def _model(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "R"
    for j, col in enumerate("CDEF"):
        ws[f"{col}15"] = f"h{j}"
        for r in range(16, 20):
            ws[f"{col}{r}"] = float(10 * j + r)
        ws[f"A{15 + j}"] = f"h{j}"          # A15:A18 the same labels, down
    ws["B1"] = 0.5
    ws["C22"] = '=IF(B1>0.7,"missing","h"&ROUND(B1*4,0))'
    ws["D22"] = ArrayFormula("D22:D25", "=INDEX(C16:F19,,MATCH(C22,C15:F15,0))")
    ws["E22"] = "=SUM(INDEX(C16:F19,0,MATCH(C22,C15:F15,0)))"
    ws["F22"] = ArrayFormula("F22:I22", "=INDEX(C16:F19,MATCH(C22,A15:A18,0),)")
    wb.save(path)
    return Model.open(path)


def test_index_whole_column_with_a_match_that_may_fail(tmp_path):
    model = _model(tmp_path / "ix.xlsx")
    outs = ["R!D22", "R!D23", "R!D25", "R!E22", "R!F22", "R!H22"]
    job = job_for(model, [tri("R!B1", 0.0, 0.5, 1.0)], outs, trials=TRIALS)
    whole = run(NumpyBackend(), job, TRIALS)
    alone = run(NumpyBackend(), job, 1)
    for c in job.program.outputs:
        np.testing.assert_array_equal(whole[1][c], alone[1][c], err_msg=str(c))
        np.testing.assert_array_equal(whole[0][c], alone[0][c], err_msg=str(c))
    e = whole[1][model.ref("R!D23")]
    assert (e == NA).any() and (e == 0).any()   # before: #VALUE! in every trial of the chunk
    numba = pytest.importorskip("numba")
    assert numba
    from engine.backends.numba import NumbaBackend, fused_report

    assert fused_report(job) == {}   # before: "INDEX of a position that may be an error ..."
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        got = run(be, job, 150)
    finally:
        be.close()
    assert_same(job, got, whole)
