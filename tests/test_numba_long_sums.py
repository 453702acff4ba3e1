"""A sum of 120 terms (one left-associated chain of + - * /) fused, bit for bit numpy's.

A real bond-duration calculator weights each period's cash flow in one formula:
``=(1/Inputs!C8)*G5/G125+(2/Inputs!C8)*G6/G125+...`` over 120 periods.  Its tree is 120+
levels deep along the left edge, and the generator (one recursion level per node) refused it
("nested more than 100 levels deep").  The chain is now walked link by link (_spines), in
the order of the recursion: the same additions in the same order as numpy.  Rebuilt here
with openpyxl: cash flows drawn per trial, a chain of - with a term reading a cell that
holds text in some trials (#VALUE!) and a term dividing by 0 in some (#DIV/0!), a product.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.backends.numba._spines import levels  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 400
N = 120


def _model(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cash Flows"
    inputs = wb.create_sheet("Inputs")
    inputs["C8"] = 2.0
    ws["A1"] = 1.0
    for r in range(5, 5 + 12):
        ws[f"G{r}"] = f"=A1*{1 + (r % 7) / 10}+{r / 100}"
    ws["G125"] = "=SUM(G5:G16)"
    ws["H1"] = "=" + "+".join(f"({k}/Inputs!C8)*G{5 + k % 12}/G125" for k in range(1, N + 1))
    ws["B1"] = '=IF(A1>1.5,"x",A1)'                              # text in some trials
    ws["H2"] = "=" + "-".join(f"G{5 + k % 12}*B1" if k == 90 else  # #VALUE! there
                              f"G{5 + k % 12}/(A1-1)" if k == 60 else  # #DIV/0! where A1 = 1
                              f"{k}*G{5 + k % 12}" for k in range(1, N + 1))
    ws["H3"] = "=(" + "*".join("1.01" if k % 2 else f"(1+G{5 + k % 12}/1000)"
                               for k in range(1, N)) + ")/2+H1"
    wb.save(path)
    return Model.open(path)


def test_a_sum_of_120_terms_is_fused_bit_for_bit(tmp_path):
    model = _model(tmp_path / "duration.xlsx")
    assert levels(model.code(model.ref("'Cash Flows'!H1")).node) < 10
    inputs = [tri("'Cash Flows'!A1", 0.0, 1.0, 2.0), tri("Inputs!C8", 1.0, 2.0, 4.0)]
    outs = [f"'Cash Flows'!H{r}" for r in range(1, 4)]
    job = job_for(model, inputs, outs, trials=TRIALS)
    assert fused_report(job) == {}        # before: "nested more than 100 levels deep"
    got, want = numba_and_numpy(job, tmp_path / "kernels", 200, TRIALS)
    for c in job.program.outputs:       # the same operations in the same order: bit for bit
        ok = want[1][c] == 0
        np.testing.assert_array_equal(got[0][c][ok], want[0][c][ok], err_msg=str(c))
    h2 = got[1][model.ref("'Cash Flows'!H2")]
    assert (h2 == 3).any() and (h2 == 0).any()   # #VALUE! (text in B1) in some trials
