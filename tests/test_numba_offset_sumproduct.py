"""SUMPRODUCT of an OFFSET whose height varies per trial beside ranges of a fixed shape
(``SUMPRODUCT(C5:C7, OFFSET(D1, 0, 0, COUNT(...) - B9, 1))``, the form of
tamc/excel_to_code examples/offsets.xlsx), fused and equal to numpy: the sum where the
trial's size is the ranges' shape, else the first error of every element (the OFFSET's
rows past the fixed shape included) or #VALUE!.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import DIV0, VALUE  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 800


def test_sumproduct_of_offset_beside_fixed_ranges(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "M"
    for r, x in enumerate([2.0, "text", 5.0], start=5):
        ws[f"C{r}"] = x                      # C5:C7 (text is 0 in the products)
    for r in range(1, 5):
        ws[f"D{r}"] = float(r) * 1.5         # the OFFSET's base column
    ws["D5"] = "=1/0"                        # row 5 of the base: #DIV/0! when reached
    ws["B9"] = 2.0                           # the height (input: 0.6 .. 4.4)
    ws["B10"] = 3.0
    ws["E1"] = "=SUMPRODUCT(C5:C7, OFFSET(D1, 0, 0, B9, 1))"
    ws["E2"] = "=SUMPRODUCT(OFFSET(D2, 0, 0, B9, 1), C5:C7)"       # the OFFSET first
    ws["E3"] = "=SUMPRODUCT(C5:C7, OFFSET(D1, 0, 0, B10, 1), D1:D3)"
    ws["E4"] = "=SUMPRODUCT(C5:C7, OFFSET(D1, B10 - 3, 0, B9, 1))"  # #REF! above the sheet
    wb.save(tmp_path / "sp.xlsx")
    model = Model.open(tmp_path / "sp.xlsx")
    inputs = [tri("M!B9", 0.6, 3.0, 5.4), tri("M!B10", 1.5, 3.0, 4.4), tri("M!D2", 2.0, 3.0, 4.0),
              tri("M!C5", 1.0, 2.0, 3.0)]
    outs = ["M!E1", "M!E2", "M!E3", "M!E4"]
    job = job_for(model, inputs, outs, trials=TRIALS)
    # before: "SUMPRODUCT of an OFFSET of a size varying per trial beside arrays that may
    # not have its size"
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 250, TRIALS)
    errs = got[1][model.ref("M!E1")]
    assert (errs == 0).any() and (errs == VALUE).any() and (errs == DIV0).any()
    assert (got[1][model.ref("M!E2")] == DIV0).any()   # its row 4 reaches D5
