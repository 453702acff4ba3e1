"""RANDARRAY spills in the fused kernel (engine/backends/numba/_randarrays.py): each element
of a RANDARRAY of a literal shape drawn from its own stream, as numpy's reference draws it
(calebjgartner Financial_Forecast_Model: PARMS!H5:I7 {=RANDARRAY(3,2,8200,9600,TRUE)}), so
numba = numpy = the CUDA kernel's host build; a computed shape stays with numpy, named."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.values import NA, VALUE  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

CELLS: dict[str, object] = {
    "G1": 1.0, "G2": 1.5,
    "G3": "=G1>1",
    # whole numbers 8200..9600 spilled into A1:B3 (as caleb's PARMS!H5)
    "A1": ArrayFormula("A1:B3", "=_xlfn.RANDARRAY(3,2,8200,9600,TRUE)"),
    # min varying per trial (an input): #VALUE! where it is above max
    "D1": ArrayFormula("D1:E3", "=_xlfn.RANDARRAY(3,2,G1,G2)"),
    # whole numbers of bounds that are not whole: #VALUE!; a 4th row past the array: #N/A
    "D5": ArrayFormula("D5:D8", "=_xlfn.RANDARRAY(3,1,1.5,6,TRUE)"),
    # whole_number varying per trial
    "A5": ArrayFormula("A5:B6", "=_xlfn.RANDARRAY(2,2,1,6,G3)"),
    # an element-wise function of the spill, a 3rd row past it: #N/A
    "A8": ArrayFormula("A8:A10", "=ROUND(_xlfn.RANDARRAY(2,1,0,100),1)*G1"),
    # one element: an array formula of one cell, and a plain cell
    "H1": ArrayFormula("H1", "=_xlfn.RANDARRAY(,,5,10)"),
    "H2": "=_xlfn.RANDARRAY()+G1",
    # readers of the spills
    "F1": "=SUM(A1:B3)*G1+SUM(D1:E3)",
    "F2": "=AVERAGE(A5:B6)+MAX(A8:A9)+H1",
}
OUTPUTS = ["A1", "B1", "A3", "B3", "D1", "E3", "D5", "D7", "D8", "A5", "B6", "A8", "A9",
           "A10", "H1", "H2", "F1", "F2"]


def test_randarray_spills_are_fused_and_drawn_as_numpy_draws_them(tmp_path):
    job = sheet_job(tmp_path / "randarray.xlsx", CELLS, [tri("S!G1", 0.0, 1.0, 2.0)],
                    OUTPUTS, 400)
    assert fused_report(job) == {}
    (values, codes, _), _ = numba_and_host_equal_numpy(job, tmp_path / "k", chunk=150)
    got = {str(c): v for c, v in values.items()}
    errs = {str(c): v for c, v in codes.items()}
    a1, b3, d1 = got["S!A1"], got["S!B3"], got["S!D1"]
    assert ((a1 >= 8200) & (a1 <= 9600) & (a1 == a1.round())).all()
    assert len(set(a1)) > 300 and (a1 != b3).any()   # each element its own draw
    assert (errs["S!D5"] == VALUE).all() and (errs["S!D8"] == VALUE).all()
    assert (errs["S!A10"] == NA).all() and (errs["S!A9"] == 0).all()
    e1 = errs["S!D1"]
    assert (e1 != 0).any() and (e1 == 0).any() and not (d1[e1 == 0] > 1.5).any()


def test_randarray_of_a_computed_shape_is_left_to_numpy_with_a_reason(tmp_path):
    cells = {"G1": 1.0, "G2": 2.0,
             "A1": ArrayFormula("A1:A2", "=_xlfn.RANDARRAY(G2,1,0,G1)"), "B1": "=SUM(A1:A2)",
             # bounds varying per trial, a cell past the array: numpy's value depends on
             # whether every trial of its chunk fails
             "C1": ArrayFormula("C1:C3", "=_xlfn.RANDARRAY(2,1,G1,1)")}
    job = sheet_job(tmp_path / "computed.xlsx", cells, [tri("S!G1", 0.0, 1.0, 2.0)],
                    ["B1", "C3"], 50)
    reasons = fused_report(job)
    reasons = {str(c): why for c, why in reasons.items()}
    assert "rows or columns are computed" in reasons["S!A1"]
    assert "larger than its array" in reasons["S!C1"]
