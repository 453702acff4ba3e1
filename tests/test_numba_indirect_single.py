"""INDIRECT of text that is the same in every trial, and ``@`` (``_xlfn.SINGLE``) of a
computed value, fused by the numba kernel and equal to numpy.

Found on real workbooks the project had never seen: an energy model's
``IFERROR(INDEX(INDIRECT($C9&".Outputs[2007]"), MATCH(G$5, INDIRECT($C9&".Outputs[Vector]"),
0)), 0)`` (tamc/excel_to_code examples/model.xlsx) and a loan tracker's
``=_xlfn.SINGLE(IF(_xlfn.SINGLE(Pmt_Nbr)="", "", IF(Scheduled_Payment_Amt>...)))``
(DataResearchLabs/my_loan_tracker): both were numpy's, and everything after them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 600


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calc"
    data = wb.create_sheet("Data")
    for r in range(1, 6):
        data[f"A{r}"] = float(r)           # A1:A5 become inputs
        data[f"B{r}"] = f"k{r}"            # keys
    data["A6"] = "label"
    ws["A1"] = "Data!A1:A5"                # a reference as text in a cell
    ws["A2"] = "Data"
    ws["A3"] = 3.0
    ws["A4"] = "R2C1"
    ws["A5"] = "k4"
    formulas = {
        "C1": "=SUM(INDIRECT(A1))",
        "C2": '=INDIRECT("Data!A2")*2',
        "C3": '=INDEX(INDIRECT(A2&"!A1:A5"), MATCH(A5, INDIRECT(A2&"!B1:B5"), 0))',
        "C4": "=INDIRECT(\"Data!\"&A4, FALSE)+1",          # R1C1 text
        "C5": '=IFERROR(INDIRECT("no such name"), -1)',     # #REF!
        "C6": '=INDIRECT("Data!A"&A3)+INDIRECT(A2&"!A6")',  # text + number: #VALUE!
        "D1": '=_xlfn.SINGLE(IF(Data!A1>1.05, "", Data!A2))',   # text or a number
        "D2": '=_xlfn.SINGLE(IF(_xlfn.SINGLE(Data!A3)>3, Data!A4, Data!A5))*2',
        "D3": '=IF(D1="", 0, D1)+_xlfn.SINGLE(C2)',
    }
    for k, f in formulas.items():
        ws[k] = f
    wb.save(path)
    return Model.open(path)


def test_indirect_of_constant_text_and_single_are_fused_and_equal_numpy(tmp_path):
    model = _book(tmp_path / "indirect.xlsx")
    inputs = [tri(f"Data!A{r}", r * 0.9, float(r), r * 1.1) for r in range(1, 6)]
    outs = [f"Calc!{c}" for c in ("C1", "C2", "C3", "C4", "C5", "C6", "D1", "D2", "D3")]
    job = job_for(model, inputs, outs, trials=TRIALS)
    report = fused_report(job)
    # before: "function INDIRECT is not in the fused subset", "function SINGLE is not ..."
    assert report == {}
    got, want = numba_and_numpy(job, tmp_path / "kernels", 200, TRIALS)
    vals, errs, _ = got
    c1 = vals[model.ref("Calc!C1")]
    assert abs(c1.mean() - 15.0) < 0.2                       # the sum of A1:A5
    assert (errs[model.ref("Calc!C5")] == 0).all() and (vals[model.ref("Calc!C5")] == -1).all()
    assert (errs[model.ref("Calc!C6")] != 0).all()           # a number plus text: #VALUE!


def test_indirect_of_a_row_varying_per_trial_is_fused(tmp_path):
    """INDIRECT("A"&n) names row n per trial: the cell chosen among those n's bounds allow
    (before: "INDIRECT of text that varies per trial" left to numpy)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 1.0
    ws["A2"] = 5.0
    ws["B1"] = '=INDIRECT("A"&ROUND(A1,0))'
    wb.save(tmp_path / "v.xlsx")
    model = Model.open(tmp_path / "v.xlsx")
    job = job_for(model, [tri("Sheet!A1", 0.6, 1.0, 2.4)], ["Sheet!B1"], trials=50)
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 50, 50)
    assert {5.0} <= set(got[0][model.ref("Sheet!B1")])


def test_reading_cells_later_in_the_order_waits_for_them(tmp_path):
    """OFFSET and INDIRECT read cells the slice's order does not know they read (it puts
    Sheet!A1 before B1:B5): the kernel generates A1 after them (before: "reads a cell left
    to numpy (Sheet!B1)", as in tamc offsets.xlsx, whose C832 reads C428 that way)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "=SUM(OFFSET(B1,0,0,ROUND(C1,0),1))"
    ws["A2"] = '=INDIRECT("B3")*2+A1'
    for r in range(1, 6):
        ws[f"B{r}"] = f"=C1*{r}"
    ws["C1"] = 3.0
    wb.save(tmp_path / "order.xlsx")
    model = Model.open(tmp_path / "order.xlsx")
    outs = ["Sheet!A1", "Sheet!A2", *[f"Sheet!B{r}" for r in range(1, 6)]]
    job = job_for(model, [tri("Sheet!C1", 1.0, 3.0, 5.0)], outs, trials=300)
    steps = [str(c) for c in job.program.steps]
    assert steps.index("Sheet!A1") < steps.index("Sheet!B5")   # the order the kernel met
    assert fused_report(job) == {}
    numba_and_numpy(job, tmp_path / "kernels", 100, 300)
