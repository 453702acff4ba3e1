"""Arrays whose size varies per trial: MAKEARRAY and SEQUENCE sized by a value drawn per
trial (chriskccheng Analytics CIR!A30 ``MAKEARRAY(1, B3*B5+1, ..)``, calebjgartner Real
Estate PE ``SEQUENCE(12*Term.Cap.Year, 1, 1)`` spilled and read by ANCHORARRAY).

numpy evaluates such a cell once per group of trials of one size (engine._ragged); before,
MAKEARRAY took the size of the chunk's first trial for every trial."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numpy import NumpyBackend  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import numba_and_numpy, run, tri  # noqa: E402

ROWS = "ROUND(A1,0)"
LAM = "_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*10+_xlpm.c)"


def _numpy_job(tmp_path):
    cells = {"A1": 3.0,
             "B1": f"=SUM(_xlfn.MAKEARRAY({ROWS},2,{LAM}))",
             "B2": f"=ROWS(_xlfn.MAKEARRAY({ROWS},2,{LAM}))",
             "B3": f"=SUM(_xlfn.MAKEARRAY(2,{ROWS}-3,{LAM}))"}   # #VALUE! where < 1
    return sheet_job(tmp_path / "makearray.xlsx", cells, [tri("S!A1", 0.6, 3.0, 6.0)],
                     ["B1", "B2", "B3"], trials=40)


def _by_name(by_cell: dict) -> dict:
    return {str(c).replace("'", ""): x for c, x in by_cell.items()}


def test_makearray_size_drawn_per_trial_is_each_trials_own(tmp_path):
    job = _numpy_job(tmp_path)
    v, e, i = (_by_name(x) for x in run(NumpyBackend(), job, 40))
    n = np.round(i["S!A1"])
    assert len(np.unique(n)) > 2
    # rows 1..n, columns 1..2: sum of (10 r + c) = 10 * 2 * n(n+1)/2 + 3 n
    np.testing.assert_array_equal(v["S!B1"], 10 * n * (n + 1) + 3 * n)
    np.testing.assert_array_equal(v["S!B2"], n)
    cols = n - 3
    bad = cols < 1
    np.testing.assert_array_equal(e["S!B3"][bad], 3)   # #VALUE!
    c = cols[~bad]
    np.testing.assert_array_equal(v["S!B3"][~bad], 2 * 10 * 3 / 2 * c + 2 * c * (c + 1) / 2)


def test_makearray_size_drawn_per_trial_numba_equals_numpy(tmp_path):
    numba_and_numpy(_numpy_job(tmp_path), tmp_path / "k", 7)


# array formulas whose size varies per trial, the range their bound (_varsize)
N = "ROUND(A1,0)"
BOUNDED = {   # anchor: (range, formula)
    "B1": ("B1:B8", f"=_xlfn.SEQUENCE({N})"),   # #VALUE! where N < 1
    "C1": ("C1:E6", f"=_xlfn.SEQUENCE({N}-2,ROUND(A2,0),A2,0.5)"),   # one column repeated
    "F1": ("F1:H1", f"=_xlfn.SEQUENCE(1,{N}-1)"),
    "I1": ("I1:K3", f"=_xlfn.MAKEARRAY({N}-1,ROUND(A2,0),"
                    "_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*10+_xlpm.c*A2))"),
    "L1": ("L1:O1", f"=_xlfn.MAKEARRAY(1,{N},_xlfn.LAMBDA(_xlpm._,_xlpm.c,"
                    "IF(MOD(_xlpm.c-1,2)=0,(_xlpm.c-1)/2,\"\")))"),   # chris's CIR!A30
}
READERS = {"P1": "=SUM(B1:B8)", "P2": "=COUNT(C1:E6)", "P3": "=COUNTIF(L1:O1,\"\")"}


def _bounded_job(tmp_path, trials=60):
    from openpyxl.worksheet.formula import ArrayFormula

    cells: dict[str, object] = {"A1": 3.0, "A2": 2.0, **READERS}
    outs = list(READERS)
    for anchor, (ref, text) in BOUNDED.items():
        cells[anchor] = ArrayFormula(ref, text)
        outs += _addresses(ref)
    return sheet_job(tmp_path / "bounded.xlsx", cells,
                     [tri("S!A1", -1.5, 2.5, 7.0), tri("S!A2", 0.4, 2.0, 3.6)], outs, trials)


def _addresses(ref: str) -> list[str]:
    from openpyxl.utils import get_column_letter, range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref)
    return [f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def test_bounded_arrays_are_fused(tmp_path):
    from engine.backends.numba import fused_report

    assert fused_report(_bounded_job(tmp_path, 10)) == {}


@pytest.mark.slow
def test_bounded_arrays_cuda_host_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(_bounded_job(tmp_path), tmp_path / "cuda", 17)


def test_bounded_arrays_numba_equals_numpy(tmp_path):
    _, (v, e, i) = numba_and_numpy(_bounded_job(tmp_path), tmp_path / "k", 17, fused=True)
    v, e, i = _by_name(v), _by_name(e), _by_name(i)
    n = np.round(i["S!A1"])
    assert (n < 1).any() and (n == 1).any() and (n >= 6).any()
    np.testing.assert_array_equal(e["S!B1"][n < 1], 3)   # #VALUE! (#CALC!) everywhere
    for k in range(1, 9):   # 1..n, #N/A past the trial's array
        inside = (n >= k) & (n > 1)
        np.testing.assert_array_equal(v[f"S!B{k}"][inside], k)
        np.testing.assert_array_equal(e[f"S!B{k}"][(n >= 2) & (n < k)], 7)
    np.testing.assert_array_equal(e["S!P1"][(n >= 2) & (n < 8)], 7)   # SUM of an #N/A
    np.testing.assert_array_equal(v["S!B2"][n == 1], 1.0)   # one row: repeated down


def test_cells_of_an_array_formula_read_the_first_cells_scratch_after_it(tmp_path):
    """{=SUMIF(C1#, H1#, D1#)} over 132-row timelines (calebjgartner's 'Cash Flow'!E30:O30):
    the first cell gathers the ranges into shared scratch, the others read it; they were
    looped as a family before the first cell (nothing they read named it) and read the
    scratch of another trial (garbage values and error codes, 256 cells of that workbook)."""
    from openpyxl.worksheet.formula import ArrayFormula

    t = "ROUND(A1,0)"
    arrays = {"B1": ("B1:B132", f"=_xlfn.SEQUENCE(12*{t},1,1)"),
              "C1": ("C1:C132", "=ROUNDUP(_xlfn.ANCHORARRAY(B1)/12,0)"),
              "D1": ("D1:D132", "=_xlfn.ANCHORARRAY(B1)*1.5"),
              "H1": ("H1:R1", f"=_xlfn.SEQUENCE(1,{t},1,1)"),
              "H3": ("H3:R3", "=SUMIF(_xlfn.ANCHORARRAY(C1),_xlfn.ANCHORARRAY(H1),"
                              "_xlfn.ANCHORARRAY(D1))")}
    cells: dict[str, object] = {"A1": 9.0}
    for anchor, (ref, text) in arrays.items():
        cells[anchor] = ArrayFormula(ref, text)
    outs = _addresses("H1:R1") + _addresses("H3:R3") + ["C132", "D132"]
    job = sheet_job(tmp_path / "sumif.xlsx", cells, [tri("S!A1", 0.6, 9.0, 11.4)], outs, 40)
    _, (v, e, i) = numba_and_numpy(job, tmp_path / "k", 7, fused=True)
    v, e, i = _by_name(v), _by_name(e), _by_name(i)
    t_ = np.round(i["S!A1"])
    assert (t_ < 11).any() and (t_ == 11).any()
    np.testing.assert_array_equal(e["S!R3"], np.where(t_ < 11, 7, 0))   # #N/A criterion
    ok = t_ == 11   # year 11: months 121..132, 1.5 each
    np.testing.assert_array_equal(v["S!R3"][ok], 1.5 * sum(range(121, 133)))


def test_range_between_two_spills_reads_the_rows_between(tmp_path):
    """``BYCOL(E1#:E3#, LAMBDA(x, SUM(x)))`` (calebjgartner's 'Cash Flow'!E25): the spills
    are resolved after the formula is parsed; the range operator between them is now the
    range spanning them as ``E1:G3`` is (it depended on rows 1 and 3 only: the kernel met
    row 2 after the cell and left it to numpy, 'reads a cell left to numpy')."""
    from openpyxl.worksheet.formula import ArrayFormula

    cells: dict[str, object] = {"A1": 2.0}
    for r in (1, 2, 3):
        cells[f"E{r}"] = ArrayFormula(f"E{r}:G{r}", f"=$A$1*{{1,2,3}}+{r}")
    cells["E5"] = ArrayFormula("E5:G5", "=_xlfn.BYCOL(_xlfn.ANCHORARRAY(E1):_xlfn.ANCHORARRAY(E3),"
                                        "_xlfn.LAMBDA(_xlpm.x,SUM(_xlpm.x)))")
    cells["H5"] = "=SUM(_xlfn.ANCHORARRAY(E1):_xlfn.ANCHORARRAY(E3))"
    outs = ["E5", "F5", "G5", "H5"]
    job = sheet_job(tmp_path / "spans.xlsx", cells, [tri("S!A1", 1.0, 2.0, 4.0)], outs, 30)
    _, (v, _e, i) = numba_and_numpy(job, tmp_path / "k", 30, fused=True)
    v, i = _by_name(v), _by_name(i)
    a = i["S!A1"]
    np.testing.assert_allclose(v["S!F5"], 2 * a * 3 + 6, rtol=1e-15)   # (2a+1)+(2a+2)+(2a+3)
    np.testing.assert_allclose(v["S!H5"], 18 * a + 18, rtol=1e-15)
