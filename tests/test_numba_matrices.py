"""Array functions of a fixed shape inside the fused numba kernel, against the numpy reference:
MMULT, MINVERSE, MDETERM, MUNIT, TRANSPOSE, FREQUENCY, SEQUENCE and the array-shaping family
(TAKE, DROP, HSTACK, VSTACK, CHOOSEROWS, CHOOSECOLS, TOCOL, TOROW, EXPAND, WRAPROWS,
WRAPCOLS) and SORTBY, as a Monte Carlo workbook uses them: correlated normal draws by a Cholesky matrix
(``MMULT(L, NORM.S.INV(RAND()) column)``) spilled over a block, a FREQUENCY histogram of the
outcomes, portfolio sums (``SUM(MMULT(..))``, ``SUMPRODUCT(TRANSPOSE(..)*..)``), INDEX of a
product, and the edges: errors, text and logicals inside, a singular matrix, sizes that do not
match, a wrong number of arguments (numpy's #VALUE!), padding.  Before, every one of these
cells was "not in the fused subset" / "(its array result)".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 600
CORR = np.array([[1, .5, .3, .2, .1], [.5, 1, .4, .3, .2], [.3, .4, 1, .5, .3],
                 [.2, .3, .5, 1, .4], [.1, .2, .3, .4, 1.0]])
X = "_xlfn."

# A1:A5 triangular inputs, B1:B5 standard normal draws, D1:H5 the Cholesky factor of CORR,
# C1:C5 an error in some trials, text, text or a number per trial, a logical, a blank;
# N1:N4 histogram bins (one varies), W5:W8 bins with a duplicate, text and a varying one
PLAIN = {
    "K1": "=MMULT(D1:H5,B1:B5)",                            # a plain cell: the top-left
    "K2": "=SUM(MMULT(D1:H5,B1:B5))",
    "K3": "=INDEX(MMULT(D1:H5,B1:B5),3,1)",
    "K4": "=SUMPRODUCT(TRANSPOSE(B1:B5)*D1:H1)",
    "K5": "=MDETERM(D1:F3*A1+A2)",
    "K6": f"=ROWS({X}TAKE(B1:B5,3))",
    "K7": f"=AVERAGE({X}CHOOSEROWS(A1:B5,1,3))",
    "K8": "=MAX(MINVERSE(D1:F3+A1))",
    "K9": "=SUM(FREQUENCY(B1:B5,N1:N3))",
    "K10": "=TRANSPOSE(C1:C5)",                             # errors in some trials
    "K11": f"={X}HSTACK(C2,A1)",                             # text
    "K12": "=MINVERSE(D1:F3*0)",                            # singular: #NUM!
    "K13": "=MDETERM(C1:D2)",                               # an error, then text: #VALUE!
    "K14": "=MMULT(A1:B1,A1:A3)",                           # sizes do not match: #VALUE!
    "K15": "=FREQUENCY(C1:C5,N1:N4)",
    "K16": f"={X}SEQUENCE(2,2,C1,2)",
    "K17": f"={X}TAKE(A1:A5,0)",                            # #CALC! (#VALUE!)
    "K18": "=INDEX(MUNIT(3),2,2)",
    "K19": "=INDEX(MMULT(D1:H5,B1:B5),6,1)",                # #REF!
    "K20": f"=SUM({X}HSTACK(A1:A2,C1:C4))",                  # #N/A padding
    "K21": f"=COUNT({X}VSTACK(C1:C5,A1))",
    "K22": "=SUMPRODUCT(MMULT(D1:H5,B1:B5),A1:A5)",
    "K23": "=MDETERM(D1:H5*A1)",
    "K24": "=MMULT(A1)",                                    # wrong number of arguments
    "K25": "=SUM(MINVERSE(D1:F3+C1))",
    "K26": "=SUMPRODUCT(MUNIT(5)*D1:H5)",
    "K27": f"=SUM({X}SEQUENCE(4,1,A1,A2))",
    "K28": f"=COLUMNS({X}HSTACK(A1:B2,C1))",
    "K29": f"=SUM({X}WRAPCOLS(A1:A5,2,0))",
    "K30": "=SUM(MMULT(TRANSPOSE(A1:A5),D1:H5))",
    "K31": f"=COUNTA({X}EXPAND(C1:C4,5))",
    "K32": "=MDETERM(D1:E3)",                               # not square: #VALUE!
    "K33": f"={X}SORTBY(AS1:AS5,AR1:AR5)",                   # text sorted by numbers
    "K34": f"=INDEX({X}SORTBY(A1:A5,A1:A5,-1),1,1)",         # the largest
    "K35": "=INDEX(MMULT(D1:H5,B1:B5),ROUND(A1,0))",          # a position per trial
    "K36": "=INDEX(TRANSPOSE(C1:C5),ROUND(A3-1.5,0))",        # text, errors: #REF! past
    "K37": "=IFERROR(MMULT(D1:H5,C1:C5),-7)",                 # an operation on the array:
    "K38": "=B1:B3+TRANSPOSE(C1:C3)",                         # the top-left element
    "K39": f"={X}SEQUENCE(ROUND(A1-2,0),2,C1,0.5)",           # a size per trial: its top-left
    "K40": f"=SUM({X}TOCOL(A1:B8,1))",                       # blanks skipped (never kept)
    "K41": f"=COUNTA({X}TOCOL(AX1:AY4,3))",                  # and errors
    "K42": f"=COLUMNS({X}TOROW(AX1:AY4,2,TRUE))",
}
ARRAYS = {   # CSE blocks and spills alike (both are array formulas in the file)
    "J1": ("J1:J5", "=MMULT(D1:H5,B1:B5)"),
    "L1": ("L1:L5", "=FREQUENCY(J1:J5,N1:N4)"),
    "L7": ("L7:L11", "=FREQUENCY(A1:A5,W5:W8)"),
    "AK1": ("AK1:AM3", "=MINVERSE(D1:F3*A1)"),
    "M5": ("M5:N7", f"={X}CHOOSEROWS(A1:C5,{{1,3}},-1)"),
    "AN1": ("AN1:AP2", f"={X}WRAPCOLS(C1:C5,2)"),
    "P1": ("P1:T1", "=TRANSPOSE(B1:B5)"),
    "P3": ("P3:Q5", f"={X}TAKE(A1:B5,3)"),
    "P7": ("P7:Q9", f"={X}DROP(A1:B5,-2)"),
    "P11": ("P11:S12", f"={X}HSTACK(A1:B2,C1:C2,A5)"),
    "P14": ("P14:Q18", f"={X}VSTACK(A1:B2,C1:C3)"),
    "AH1": ("AH1:AJ3", "=IFERROR(MMULT(D1:F3,A1:C3),-1)"),
    "S5": ("S5:T9", f"={X}CHOOSECOLS(A1:C5,3,-3)"),
    "U1": ("U1:U10", f"={X}TOCOL(A1:B5)"),
    "V1": ("V1:X3", f"={X}EXPAND(A1:B2,3,3,A5)"),
    "Y1": ("Y1:Z3", f"={X}WRAPROWS(A1:A5,2)"),
    "Y5": ("Y5:Z6", "=MMULT(A1:B2,A1:B2)+TRANSPOSE(C1:D2)"),
    "AA1": ("AA1:AA5", f"={X}SEQUENCE(5,1,A1,A2)"),
    "AB1": ("AB1:AD3", "=MUNIT(3)*A1"),
    "AE1": ("AE1:AE5", "=MMULT(D1:H5,C1:C5)"),              # errors and text inside
    "AF1": ("AF1", "=SUM(MMULT(D1:H5,B1:B5))"),
    "AG1": ("AG1:AG3", "=INDEX(MMULT(D1:H5,B1:B5),2,1)"),
    # sorted per trial by keys with ties, a logical, an error and a blank in some trials
    "AT1": ("AT1:AU5", f"={X}SORTBY(A1:B5,AR1:AR5)"),
    "AV1": ("AV1:AV5", f"={X}SORTBY(AS1:AS5,AR1:AR5,-1)"),
    # TOCOL ignoring the blanks of cells that are blank (or an error) in every trial
    "AZ1": ("AZ1:AZ4", f"={X}TOCOL(AX1:AY4,1)"),
}
SPILL_CELLS = ("J1", "J2", "J5", "L1", "L2", "L3", "L4", "L5", "L7", "L8", "L9", "L11", "AK1", "AM3", "AL2", "M5",
               "N7", "AN1", "AP2", "AO1", "P1", "T1", "P3", "Q5", "P7", "Q9", "P11", "S12", "R11",
               "P14", "Q18", "P16", "AH1", "AJ3", "AI2", "S5", "T9", "U1", "U10", "V1", "X3",
               "W3", "Y1", "Z3", "Y5", "Z6", "AA1", "AA5", "AB1", "AD3", "AC2", "AE1", "AE3",
               "AF1", "AG1", "AG3", "AT1", "AT2", "AT3", "AT4", "AT5", "AU1", "AU5", "AV1",
               "AV2", "AV3", "AV4", "AV5", "AZ1", "AZ2", "AZ3", "AZ4")


def workbook(path: Path) -> Model:
    chol = np.linalg.cholesky(CORR)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for i in range(5):
        ws[f"A{i + 1}"] = 2.0 + i
        ws[f"B{i + 1}"] = "=NORM.S.INV(RAND())"
        for j in range(5):
            ws.cell(i + 1, 4 + j, float(chol[i, j]))
    ws["C1"] = "=IF(A1>3.5,NA(),A1)"
    ws["C2"] = "x"
    ws["C3"] = '=IF(A2>3.5,"t",A2)'
    ws["C4"] = True
    for i, key in enumerate(["=ROUND(A1,0)", "=ROUND(A2,0)", "=IF(A3>4,TRUE,ROUND(A3,0))",
                             "=IF(A4>5.5,NA(),ROUND(A4,0))", "=IF(A5>6,A99,ROUND(A5,0))"]):
        ws[f"AR{i + 1}"] = key
        ws[f"AS{i + 1}"] = "abcde"[i]
    for k, v in {"AX1": "=NA()", "AY1": "t", "AX3": "=A1", "AY3": "=1/0"}.items():
        ws[k] = v
    for k, v in {"N1": -1.0, "N2": 0.0, "N3": 1.0, "N4": "=A3-4", "W5": 3.0, "W6": "x",
                 "W7": 3.0, "W8": "=A2"}.items():
        ws[k] = v
    for k, v in PLAIN.items():
        ws[k] = v
    for k, (ref, formula) in ARRAYS.items():
        ws[k] = ArrayFormula(ref, formula)
    wb.save(path)
    return Model.open(path)


def test_matrix_and_shaping_functions_fused_and_equal_to_numpy(tmp_path):
    model = workbook(tmp_path / "m.xlsx")
    inputs = [tri(f"S!A{i + 1}", 1.0 + i, 2.0 + i, 4.0 + i) for i in range(5)]
    outs = [f"S!{c}" for c in (*PLAIN, *SPILL_CELLS)]
    job = job_for(model, inputs, outs, trials=TRIALS)
    assert fused_report(job) == {}   # before: "function MMULT is not in the fused subset" ...
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        got = run(be, job, 300)
        assert be.last_fallback is None or be.last_fallback.numpy_cells == 0
    finally:
        be.close()
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    # the values are those of Excel's definitions (not two equal wrong answers)
    (gv, ge, _), ref = got, model.ref
    k12, k14, k24 = ref("S!K12"), ref("S!K14"), ref("S!K24")
    assert (ge[k12] == 6).all() and (ge[k14] == 3).all() and (ge[k24] == 3).all()
    assert (gv[ref("S!K6")] == 3.0).all() and (gv[ref("S!K28")] == 3.0).all()
    assert (ge[ref("S!K19")] == 4).all()   # #REF!: row 6 of 5
    np.testing.assert_allclose(gv[ref("S!K18")], 1.0)
    draws = got[2]   # the inputs A1:A5
    np.testing.assert_array_equal(gv[ref("S!K34")],
                                  np.max([draws[ref(f"S!A{i}")] for i in range(1, 6)], axis=0))
    # correlated draws: J1 = L11 z1 (L11 = 1), z1 is TRANSPOSE's first; the histogram
    # counts the five draws
    np.testing.assert_allclose(gv[ref("S!J1")], gv[ref("S!P1")], rtol=1e-12)
    counts = sum(gv[ref(f"S!L{i}")] for i in range(1, 6))
    np.testing.assert_array_equal(counts[ge[ref("S!L1")] == 0], 5.0)


def test_varying_size_refused_with_the_reason(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 3.0
    for i in range(1, 10):
        ws[f"D{i}"] = float(i)
    ws["B1"] = ArrayFormula("B1:B3", f"={X}SEQUENCE(ROUND(A1,0))")
    ws["C1"] = f"=SUM({X}TAKE(D1:D9,ROUND(A1,0)))"
    ws["E1"] = "=MATCH(A1,TRANSPOSE(D1:D3),0)"   # fused by _lookup_arrays (the vector whole)
    wb.save(tmp_path / "v.xlsx")
    model = Model.open(tmp_path / "v.xlsx")
    job = job_for(model, [tri("S!A1", 1.0, 2.0, 4.0)], ["S!B1", "S!C1", "S!E1"], trials=20)
    rep = fused_report(job)
    assert "S!B1" not in rep   # an array formula's value: bounded by its range (_varsize)
    assert "TAKE's size or index that varies per trial" in rep["S!C1"]
    assert "S!E1" not in rep   # a lookup over an array expression is fused
