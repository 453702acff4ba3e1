"""Array (CSE) formulas inside the fused numba kernel, against the numpy reference.

Each cell of an array formula is its element of the formula's array (a range in an
element-wise position read at the cell's offset, one row or column repeated, #N/A beyond);
a single-cell array formula is the array's top-left element.  The workbooks are built with
openpyxl (``ArrayFormula``), their numbers fed by triangular inputs, as in the corpus
(pycel's logical, excelcompiler and lookup workbooks).
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, numba_and_numpy, run, tri  # noqa: E402

TRIALS = 1_500

# the inputs: A1..A3 and B1..B3 triangular; C1:C3 labels; D1 a constant
INPUTS = [tri(f"Sheet1!{c}{r}", lo, mode, hi) for c, r, lo, mode, hi in (
    ("A", 1, -1.0, 0.5, 2.0), ("A", 2, 0.0, 1.0, 3.0), ("A", 3, -2.0, 0.0, 1.0),
    ("B", 1, 0.5, 2.0, 4.0), ("B", 2, -1.0, 0.0, 1.0), ("B", 3, 1.0, 2.0, 5.0))]
CELLS: dict[str, object] = {"A1": 1.0, "A2": 1.0, "A3": 1.0, "B1": 1.0, "B2": 1.0, "B3": 1.0,
                            "C1": "a", "C2": "b", "C3": "a", "D1": 10.0,
                            # per-trial errors to catch: #DIV/0! where B2 rounds to 0
                            "E1": "=A1/ROUND(B2,0)", "E2": "=1/A3", "E3": "=A2"}


def workbook(tmp_path, arrays: dict[str, tuple[str, str]],
             cells: dict[str, object] | None = None) -> Model:
    """The cells above (and ``cells``) plus the array formulas {first cell: (range, formula)}."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in {**CELLS, **(cells or {})}.items():
        ws[k] = v
    for k, (ref, formula) in arrays.items():
        ws[k] = ArrayFormula(ref, formula)
    path = tmp_path / "arrays.xlsx"
    wb.save(path)
    return Model.open(path)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def check(backend, tmp_path, arrays: dict[str, tuple[str, str]], outputs: list[str],
          cells: dict[str, object] | None = None):
    model = workbook(tmp_path, arrays, cells)
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    assert fused_report(job) == {}
    got = run(backend, job, 500)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    assert backend.last_fallback is None or backend.last_fallback.numpy_cells == 0
    return model, got, want


def test_multi_cell_element_wise_formulas(backend, tmp_path):
    """pycel's logical sheet: IFERROR/IFNA/IF/IFS/SWITCH over a row, and arithmetic with a
    row and a column broadcast, a column too short (#N/A), a row from a single cell."""
    arrays = {
        "G1": ("G1:H1", '=IFERROR(E1:E2*A1:B1,"ERROR")'),            # text or number
        "G2": ("G2:H2", '=IFNA(IF(A2:B2>0.5,A2:B2,NA()),-1)'),
        "G3": ("G3:I3", '=IF(A1:C1>1,"big")'),                       # C1 text > 1: "big"
        "G4": ("G4:I4", "=_xlfn.IFS(A1:B1>1,1,A2>0.5,2,TRUE,A3)"),    # I4: #N/A (too short)
        "G5": ("G5:H5", "=_xlfn.SWITCH(ROUND(A1:B1,0),0,-1,1,A2,2,B2,99)"),
        "J1": ("J1:L3", "=A1:A3*B1:D1+E1:E3"),                       # 3x1 by 1x3
        "J4": ("J4:K5", "=A1:A2-B3"),                                # repeated across
        "J6": ("J6:J9", "=-A1:A3%"),                                 # J9: #N/A
    }
    # IFS and SWITCH in ordinary formulas: text cases, a blank compared as 0, an error case
    plain = {"M1": '=_xlfn.SWITCH(C1,"a",A1,"b",B1,"none")',
             "M2": '=_xlfn.SWITCH(Z9,0,"blank",1)',
             "M3": "=_xlfn.SWITCH(ROUND(A2,0),E1,-1,1,B1)",
             "M4": '=_xlfn.IFS(A1>1,"one",B1>2,B2)'}
    outs = ["G1", "H1", "G2", "H2", "G3", "H3", "I3", "G4", "H4", "I4", "G5", "H5",
            "J1", "K1", "L1", "J2", "K2", "L3", "J4", "K4", "J5", "K5", "J6", "J7", "J8",
            "J9", *plain]
    model, got, _ = check(backend, tmp_path, arrays, outs, plain)
    errs = got[1]
    assert (errs[model.ref("Sheet1!I4")] == 7).all()            # #N/A beyond the short row
    assert (errs[model.ref("Sheet1!J9")] == 7).all()
    g1 = errs[model.ref("Sheet1!G1")]
    assert (g1 == 3).any() and (g1 == 0).any()                  # "ERROR" (text) or a number


def test_single_cell_array_formulas(backend, tmp_path):
    """pycel's excelcompiler sheet: {=SUM(A1:A3*B1:B3)}, a sum of products of comparisons,
    ROW and COLUMN of ranges, a single value repeated over a range."""
    arrays = {
        "G1": ("G1", "=SUM(A1:A3*B1:B3)"),
        "G2": ("G2", '=SUM((C1:C3="a")*(A1:A3>0)*B1:B3)'),
        "G3": ("G3", "=MAX(A1:A3-B1:B3)+MIN(-A1:A3)+PRODUCT(A1:A2+1)"),
        "G4": ("G4", "=AVERAGE(E1:E3*2)"),                          # errors of E1 and E2
        "H1": ("H1:H3", "=ROW(A1:A3)*A1"),
        "I1": ("I1:J1", "=COLUMN(A1:B1)+B1:C1*0"),                   # C1 text: #VALUE!
        "K1": ("K1:K2", "=SUM(A1:B3)"),                              # one value, repeated
        "L1": ("L1", "=A1:A3*2"),                                    # the top-left element
        # poi's xlookup: the matched row (column) of a return range, #N/A where not found
        "M1": ("M1:N1", "=_xlfn.XLOOKUP(ROUND(A1,0),D2:D4,A2:B4)"),
        "O1": ("O1:O2", '=_xlfn.XLOOKUP(ROUND(A1,0),F5:H5,A2:C3,"none")'),
    }
    outs = ["G1", "G2", "G3", "G4", "H1", "H2", "H3", "I1", "J1", "K1", "K2", "L1", "M1", "N1",
            "O1", "O2"]
    cells = {"D2": 0.0, "D3": 1.0, "D4": 2.0, "F5": 0.0, "G5": 1.0, "H5": 2.0}
    model, got, _ = check(backend, tmp_path, arrays, outs, cells)
    n1 = got[1][model.ref("Sheet1!N1")]
    assert (n1 == 7).any() and (n1 == 0).any()


def test_unsupported_array_formula_is_refused_whole(tmp_path):
    """A formula whose array result has no element rule here stays with numpy, every cell of
    it (numpy computes the other cells from the first cell's whole array), with the reason;
    one whose functions all map element by element (ISNUMBER of an array expression, since
    a6b6b58) is fused, every cell equal to numpy's."""
    model = workbook(tmp_path, {"G1": ("G1:H1", '=_xlfn.TEXTSPLIT("1,2",",")*A1'),
                                "G2": ("G2:H2", "=A1:B1*2+ISNUMBER(A2:B2*3)")})
    job = job_for(model, INPUTS, ["Sheet1!G1", "Sheet1!H1", "Sheet1!G2", "Sheet1!H2"],
                  trials=10)
    report = fused_report(job)
    assert report["Sheet1!G1"] == "TEXTSPLIT in an array formula (its array result)"
    assert report["Sheet1!H1"] == "depends on a cell left to numpy"
    assert "Sheet1!G2" not in report and "Sheet1!H2" not in report
    numba_and_numpy(job, tmp_path / "k", 5)   # G2, H2 (and the rest) the same as numpy's


def test_least_squares_fits(backend, tmp_path):
    """pycel's stats sheets: LINEST's coefficients and statistics table, TREND at new x,
    at the known x, over a row and a column, with two variables (x ^ {1, 2}), without the
    intercept; a y that is an error in some trials (#DIV/0! of E1) is #VALUE!."""
    cells = {f"F{r}": f"=A{r}*3+B{r}" for r in range(1, 4)}
    cells.update({"F4": "=A1*A2", "F5": "=B3-A3", "H1": 1.5, "H2": 2.5, "H3": False})
    arrays = {
        "J7": ("J7:L7", "=LINEST(F1:F5,{1;2;3;4;5}^{1,2})"),
        "J8": ("J8:L12", "=LINEST(F1:F5,{1;2;3;4;5}^{1,2}+B1,FALSE,TRUE)"),
        "M1": ("M1:M2", "=TREND(F1:F5,,H1:H2)"),
        "M3": ("M3:M7", "=TREND(F1:F5)"),
        "N1": ("N1:P1", "=TREND(A1:C1*1,A2:C2*B1)"),                 # a row of y (C text)
        "N2": ("N2", "=TREND(F1:F5,{1;2;3;4;5}*B2,H2,FALSE)"),
        "N3": ("N3:O3", "=LINEST(E1:E3,A1:A3)"),                     # #VALUE! where E1 is
        "N4": ("N4:O4", "=LINEST(F1:F5,A1:A3)"),                     # sizes: #REF!
        "N5": ("N5:O5", "=LINEST(F1:F5,{1;2;3;4;5}*A2,H3)"),         # const from a cell
    }
    outs = ["J7", "K7", "L7"] + \
        [f"{c}{r}" for c in "JKL" for r in range(8, 13)] + \
        ["M1", "M2", "M3", "M5", "M7", "N1", "O1", "P1", "N2", "N3", "O3", "N4", "O4", "N5",
         "O5"]
    model, got, _ = check(backend, tmp_path, arrays, outs, cells)
    errs = got[1]
    assert (errs[model.ref("Sheet1!L10")] == 7).all()        # no value there: #N/A
    assert (errs[model.ref("Sheet1!L9")] == 7).all()         # no intercept's error: #N/A
    assert (errs[model.ref("Sheet1!N1")] == 3).all()         # text in y: #VALUE!
    assert (errs[model.ref("Sheet1!O4")] == 4).all()         # #REF! in every cell
    assert (got[0][model.ref("Sheet1!O5")] == 0.0).all()     # no intercept
    n3 = errs[model.ref("Sheet1!N3")]
    assert (n3 == 3).any() and (n3 == 0).any()


def test_cuda_kernel_of_array_formulas(tmp_path):
    """The CUDA backend translates the kernel lines of array formulas (its kernel compiled
    for the host by a C++ compiler gives numpy's answers; nvcc compiles it for the device);
    a fit is translated too (its twins: cupy/_rt.py fit_table/fit_points)."""
    import shutil

    from tests.test_backend_cupy import NVCC, HostCudaBackend, _nvcc_ptx, host_equals_numpy

    arrays = {"G1": ("G1:H1", '=IFERROR(E1:E2*A1:B1,"ERROR")'),
              "G4": ("G4:I4", "=_xlfn.IFS(A1:B1>1,1,A2>0.5,2,TRUE,A3)"),
              "J1": ("J1:L3", "=A1:A3*B1:D1+E1:E3"),
              "M1": ("M1", '=SUM((C1:C3="a")*(A1:A3>0)*B1:B3)')}
    outs = [f"Sheet1!{c}" for c in ("G1", "H1", "G4", "H4", "I4", "J1", "K2", "L3", "M1")]
    model = workbook(tmp_path, arrays)
    job = job_for(model, INPUTS, outs, trials=400)
    host_equals_numpy(job, tmp_path, 400)
    if NVCC is not None and shutil.which("nvcc"):
        _nvcc_ptx(HostCudaBackend.source_of(job), tmp_path, "arrays")
    # a fit runs on the CPU (its CUDA twins, checked in tests/test_numba_fits.py, are not
    # within 1e-12 of numpy on ill-conditioned fits)
    from engine.backends.cupy._codegen import NotTranslatable

    fit = workbook(tmp_path, {"G1": ("G1:H1", "=LINEST(A1:A3,B1:B3)")})
    with pytest.raises(NotTranslatable, match="fit_table"):
        HostCudaBackend.source_of(job_for(fit, INPUTS, ["Sheet1!G1"], trials=10))
