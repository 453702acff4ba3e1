"""INDEX of a range at a position that is 0 in some trials and 1 or more in others
(``INDEX(A3:C5, A6, 2)``, A6 drawn around 0..3): numpy's lookup._index decided per chunk of
trials (a whole column only where every trial of the chunk was 0, without its reference,
else #VALUE! at each 0); it now decides per trial, the trials picking a line evaluated
together with that line as a block keeping its reference (Excel's rule), so that a plain
cell intersects it with its own row or column (#VALUE! outside) and an array formula spreads
it.  numba and the CUDA host build follow: numba = CUDA host = numpy."""

from __future__ import annotations

import numpy as np
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from engine.model import Model
from engine.values import VALUE
from tests.kernel_checks import new_sheet, numba_and_host_equal_numpy

pytest.importorskip("numba")


def test_a_position_of_0_in_some_trials_is_the_trials_whole_line(tmp_path):
    from engine.backends.numba import fused_report
    from tests.test_backend_numba import job_for, tri

    ws = new_sheet("S")
    ws["A1"], ws["A6"] = 2.0, 1.5
    for i in range(3):
        for j in range(3):
            ws.cell(3 + i, 1 + j, f"=A1*{3 * i + j + 1}")
    ws["D4"] = "=INDEX(A3:C5,A6,2)"   # row 4: B4 where A6 is 0
    ws["D8"] = "=INDEX(A3:C5,A6,2)"   # row 8 meets no row of B3:B5: #VALUE! at 0
    ws["B7"] = "=INDEX(A3:C5,2,A6)"   # column B: B4 where A6 is 0
    ws["F3"] = ArrayFormula("F3:F5", "=INDEX(A3:C5,A6,2)")   # column B spread at 0
    path = tmp_path / "index_lines.xlsx"
    ws.parent.save(path)
    outs = ["S!D4", "S!D8", "S!B7", "S!F3", "S!F4", "S!F5"]
    job = job_for(Model.open(path), [tri("S!A1", 1.0, 2.0, 3.0), tri("S!A6", -0.5, 1.5, 3.9)],
                  outs, 400)
    assert fused_report(job) == {}
    (got, errs, ins), _ = numba_and_host_equal_numpy(job, tmp_path / "k", 200)
    got = {str(c): v for c, v in got.items()}
    errs = {str(c): v for c, v in errs.items()}
    ins = {str(c): v for c, v in ins.items()}
    a1, k = ins["S!A1"], np.trunc(ins["S!A6"])
    zero = k == 0
    assert zero.any() and (~zero).any()
    for c in outs:
        assert (errs[c][~zero] == 0).all(), c
    np.testing.assert_allclose(got["S!D4"], a1 * np.where(zero, 5, 3 * (k - 1) + 2))
    np.testing.assert_allclose(got["S!B7"], a1 * np.where(zero, 5, 3 + k))
    assert (errs["S!D8"][zero] == VALUE).all() and (errs["S!D4"][zero] == 0).all()
    for i, c in enumerate(["S!F3", "S!F4", "S!F5"]):
        np.testing.assert_allclose(got[c], a1 * np.where(zero, 3 * i + 2, 3 * (k - 1) + 2))
