"""SUMPRODUCT inside array formulas, and cells reading a spill of text made per trial
(``A1#``), fused and equal to numpy.

SUMPRODUCT is one value that reads its array arguments whole in any cell; inside an array
formula (a CSE formula, or any formula a dynamic-array Excel saved as one) it was refused
("SUMPRODUCT of an array expression in an array formula") while the same formula in a plain
cell was fused.  The IR of an array formula holds no implicit intersection, so it is
generated as in a plain cell (IF inside it choosing element by element).  Consumers of a
spill of dates as text (``{=TEXT(H2:H5,"dd/mm/yyyy")}``): LEN/VALUE/RIGHT of ``J2#``, a
COUNTIF over it, a TEXTJOIN of it.  Rebuilt here with openpyxl; values checked against the
inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

ROWS = range(2, 6)
FORMULAS = {
    "B1": ("B1", "=SUMPRODUCT((A2:A5>9)*A2:A5)"),
    "B2": ("B2", "=SUMPRODUCT(IF(A2:A5>20,A2:A5,0))"),
    "B3": ("B3", "=SUMPRODUCT(A2:A5,1/(A2:A5-14))"),
    "B4": ("B4", '=SUMPRODUCT(--(RIGHT(A2:A5,1)="1"))'),
    "B5": ("B5", '=SUMPRODUCT(LEN(TEXT(H2:H5,"mmm")))'),
    "B6": ("B6", "=SUM(VALUE(_xlfn.ANCHORARRAY(J2)))"),
    "B7": ("B7", '=COUNTIF(_xlfn.ANCHORARRAY(J2),"*20??")'),
    "B8": ("B8", '=LEN(TEXTJOIN("|",TRUE,_xlfn.ANCHORARRAY(J2)))'),
    "C2": ("C2:C5", "=LEN(_xlfn.ANCHORARRAY(J2))"),
    "D2": ("D2:D5", "=VALUE(RIGHT(_xlfn.ANCHORARRAY(J2),4))-YEAR(H2:H5)"),
}
OUTS = [f"B{k}" for k in range(1, 9)] + [f"{c}{r}" for c in "CDAH" for r in ROWS]


def _job(tmp_path, trials: int):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T"
    ws["G1"], ws["G2"] = 44000.0, 7.0
    for r in ROWS:
        ws[f"H{r}"] = f"=ROUND(G1,0)+{41 * r}"
        ws[f"A{r}"] = f"=ROUND(G2*{r},0)"
    ws["J2"] = ArrayFormula("J2:J5", '=TEXT(H2:H5,"dd/mm/yyyy")')
    for c, (ref, f) in FORMULAS.items():
        ws[c] = ArrayFormula(ref, f)
    wb.save(tmp_path / "sumproduct.xlsx")
    model = Model.open(tmp_path / "sumproduct.xlsx")
    inputs = [tri("T!G1", 43000.0, 44000.0, 46000.0), tri("T!G2", 1.0, 7.0, 12.0)]
    return model, job_for(model, inputs, [f"T!{c}" for c in OUTS], trials=trials)


def test_sumproduct_in_array_formulas_and_spill_readers_are_fused_and_equal(tmp_path):
    model, job = _job(tmp_path, 400)
    assert fused_report(job) == {}   # before: B1..B5 left to numpy
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, 400)
    out, err = got[0], got[1]
    a = np.array([out[model.ref(f"T!A{r}")] for r in ROWS])
    np.testing.assert_array_equal(out[model.ref("T!B1")], (a * (a > 9)).sum(axis=0))
    np.testing.assert_array_equal(out[model.ref("T!B2")], (a * (a > 20)).sum(axis=0))
    bad = (a == 14).any(axis=0)
    assert bad.any() and (err[model.ref("T!B3")][bad] != 0).all()
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(out[model.ref("T!B3")][~bad],
                                   (a / (a - 14)).sum(axis=0)[~bad], rtol=1e-12)
    np.testing.assert_array_equal(out[model.ref("T!B4")], (a % 10 == 1).sum(axis=0))
    np.testing.assert_array_equal(out[model.ref("T!B5")], 12.0)
    np.testing.assert_array_equal(out[model.ref("T!B7")], 4.0)
    np.testing.assert_array_equal(out[model.ref("T!B8")], 43.0)
    for r in ROWS:
        np.testing.assert_array_equal(out[model.ref(f"T!C{r}")], 10.0)
        np.testing.assert_array_equal(out[model.ref(f"T!D{r}")], 0.0)


def test_sumproduct_in_array_formulas_runs_in_the_cuda_kernel_as_numpy(tmp_path):
    """The CUDA twin (translated from the same plan), built for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path / "host", 200)
