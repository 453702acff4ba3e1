"""SCAN over an array whose shape varies per trial, as one loop in the kernel (chris-kc-cheng's
Analytics, CIR!A31: ``SCAN(0, HSTACK(MAKEARRAY(B4,1,..FALSE), NORM.S.INV(RANDARRAY(B4,B3*B5))),
LAMBDA(r, p, .. NORM.S.INV(RAND()) ..))`` with the sizes inputs): the kernel runs the steps of
each trial's shape in order (engine.backends.numba._scan_loops), its random numbers drawn from
numpy's streams up to the sizes' bounds, and the array formula's range reads the steps (#N/A
past the trial's shape, #VALUE! (#CALC!) where a size is below 1).  Before, the cells were
left to numpy ('MAKEARRAY of a size that varies per trial').  The CUDA translation makes the
loop a per-thread loop of the trial's count (bounded by its declared maximum, the scratch
sized by the range) and its host build equals numpy; a count without a declared maximum, or
above MAX_LOOP_COUNT, is refused cleanly (the model then runs on numba)."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_cupy import CXX, host_equals_numpy  # noqa: E402
from tests.test_backend_numba import numba_and_numpy, tri  # noqa: E402

_R, _P = "_xlpm.r", "_xlpm.p"
_BODY = (f"_xlfn.LAMBDA({_R},{_P},IF(NOT({_P}),LN(1+$A$3),{_R}+0.5*(0.05-{_R})/12"
         f"+_xlfn.NORM.S.INV(RAND())*0.01*SQRT(ABS({_R})/12)+{_P}/100))")


def _scan(rows: str, cols: str) -> str:
    return (f"=_xlfn.SCAN(0,_xlfn.HSTACK(_xlfn.MAKEARRAY({rows},1,_xlfn.LAMBDA(_xlpm.x,"
            f"_xlpm.y,FALSE)),_xlfn.NORM.S.INV(_xlfn.RANDARRAY({rows},{cols}))),{_BODY})")


CELLS: dict[str, object] = {
    "A1": 2.0, "A2": 3.0, "A3": 0.02,
    # rows 0 .. 3 (0: #CALC!), columns 1 .. 4 per trial, the range 3 x 5 (its maximum)
    "C1": ArrayFormula("C1:G3", _scan("$A$1", "$A$2")),
    # control: a fixed shape (a range, no RANDARRAY), inlined step by step as before
    "A6": 0.5, "B6": 1.5, "A7": 2.5, "B7": "=$A$1",
    "C6": ArrayFormula("C6:E7", "=_xlfn.SCAN(0,_xlfn.HSTACK(_xlfn.MAKEARRAY(2,1,_xlfn.LAMBDA("
                                f"_xlpm.x,_xlpm.y,FALSE)),A6:B7),{_BODY})"),
}
OUTPUTS = ["C1", "D1", "G1", "C2", "E2", "G2", "C3", "F3", "G3", "C6", "E7"]


def _job(tmp_path, trials: int = 48):
    return sheet_job(tmp_path / "varshape.xlsx", CELLS,
                     [tri("S!A1", 0.2, 2.5, 3.99), tri("S!A2", 1.0, 4.5, 4.99)], OUTPUTS, trials)


def test_scan_over_a_shape_varying_per_trial_is_one_loop_equal_to_numpy(tmp_path):
    job = _job(tmp_path)
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "k", chunk=8)
    (_, errs, ins) = want
    rows = ins[next(c for c in ins if str(c).endswith("A1"))].astype(int)
    cols = ins[next(c for c in ins if str(c).endswith("A2"))].astype(int) + 1
    e = {str(c): v for c, v in errs.items()}
    # trials of 0 rows (#CALC!, numpy's #VALUE!) and of the maximum shape both occur
    assert (rows == 0).any() and ((rows == 3) & (cols == 5)).any()
    assert (e["S!C1"][rows == 0] != 0).all() and (e["S!G3"][(rows == 3) & (cols == 5)] == 0).all()
    assert (e["S!G1"][(rows >= 1) & (cols < 5) & (rows != 1)] != 0).all()   # #N/A past it
    if CXX is not None:   # the CUDA kernel's host build (was: 'a line nested too deep')
        host_equals_numpy(job, tmp_path / "cuda", 8, want=want)


def test_the_cuda_loop_of_a_count_per_trial_needs_its_declared_maximum():
    from engine.backends.cupy._codegen import MAX_LOOP_COUNT, NotTranslatable, _bounded_count

    assert _bounded_count(["t7 = min(int(t6), 3)"], "t7") == "t7"
    with pytest.raises(NotTranslatable, match="no declared maximum"):
        _bounded_count(["t7 = int(t6)"], "t7")
    with pytest.raises(NotTranslatable, match="steps per trial"):
        _bounded_count([f"t7 = min(int(t6), {MAX_LOOP_COUNT + 1})"], "t7")


# ------------------------------------------------------------------ FILTER's tested flags
def _flags_book(path, rows: int) -> list[str]:
    """A table of ``rows`` rows (A: amount, B: year, C: quarter, D: product line) and FILTERs
    whose condition tests a product of comparisons again (EfiLygda's dashboard:
    ``FILTER(T[ORDERNUMBER], (Product_Line=a)*(Year=b)*(Quarter=c)=1)``)."""
    from tests.kernel_checks import new_sheet

    ws = new_sheet("S")
    for r in range(1, rows + 1):
        ws[f"A{r}"], ws[f"B{r}"] = float(r), float(2003 + r % 3)
        ws[f"C{r}"], ws[f"D{r}"] = float(1 + r % 4), ("Cars", "Ships", "Planes")[r % 5 % 3]
    n = rows
    ws["F1"], ws["F2"], ws["F3"] = 2003.0, "Ships", 2.0
    tests = {
        "G1": f"=COUNT(_xlfn._xlws.FILTER(A1:A{n},(B1:B{n}=$F$1)*(D1:D{n}=$F$2)*"
              f"(C1:C{n}=$F$3)=1))",
        "G2": f"=SUM(_xlfn._xlws.FILTER(A1:A{n},(B1:B{n}=$F$1)*(C1:C{n}=$F$3)=1,0))",
        "G3": f"=SUM(_xlfn._xlws.FILTER(A1:A{n},((B1:B{n}=$F$1)+(C1:C{n}=$F$3))<>0))",
        # a comparison alone is a logical, never equal to 1: FILTER finds no row (#CALC!)
        "G4": f"=COUNT(_xlfn._xlws.FILTER(A1:A{n},(B1:B{n}=$F$1)=1))",
    }
    for k, v in tests.items():
        ws[k] = v
    ws.parent.save(path)
    return [f"S!{k}" for k in tests]


def _flags_job(tmp_path, rows: int, trials: int = 16):
    from tests.kernel_checks import book_job

    return book_job(tmp_path, _flags_book, rows,
                    [tri("S!F1", 2002.5, 2003.5, 2005.9), tri("S!F3", 0.6, 2.0, 4.9)], trials)


def test_filter_of_tested_flags_is_loops_equal_to_numpy(tmp_path):
    """Before: every row's flags written out (2,130 -> 4,098 kernel lines for 70 -> 140
    rows; 2,823 rows made EfiLygda's dashboard cells 'the kernel would be too large')."""
    from tests.kernel_checks import kernel_lines

    short, long = kernel_lines(lambda r: _flags_job(tmp_path, r), 70, 140)
    assert long - short <= 3 * 70   # the source's constants copied once (G2), no flag lines
    job = _flags_job(tmp_path, 70)
    assert fused_report(job) == {}
    numba_and_numpy(job, tmp_path / "k", chunk=8)
