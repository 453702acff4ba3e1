"""Counts the numba generator knows before the kernel runs (engine.backends.numba._const_fold):
COUNT, COUNTA, COUNTBLANK of ranges whose cells have one kind in every trial are one number,
so ``SCAN(B1, OFFSET(B1, 0, 0, 1, COUNT(1:1)), ..)`` (chris-kc-cheng's Analytics, Unsmooth!C13:
'a LAMBDA helper over an array whose size is not fixed') scans a range of a fixed size; a
count that differs between trials stays per trial (a SCAN over it is refused, with its
reason, and what is fused equals numpy).  An array formula IFERROR(x, fallback) whose x is
an error in every trial (in its first place: a one-cell formula; in all its places, of a
shape filling the range: a larger one) is its fallback (neprenkha's BOQ, Summary!T3 and
I3:L3); a FILTER empty in some trials only stays per trial."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_cupy import CXX, host_equals_numpy  # noqa: E402
from tests.test_backend_numba import numba_and_numpy, tri  # noqa: E402

_SCAN = "_xlfn.SCAN({start},OFFSET({base},0,0,1,{count}),_xlfn.LAMBDA(_xlpm.p,_xlpm.r,_xlpm.p*(1+_xlpm.r)))"


def _cells(count_row: int) -> dict[str, object]:
    """Row 1: text, an input, a formula and a number (three numbers in every trial); row 3:
    an input and a cell that is a number in some trials and text in others; the SCAN and
    the counts read row ``count_row``."""
    return {
        "A1": "rate", "B1": 0.01, "C1": "=B1*2", "D1": 0.05,
        "A3": "rate", "B3": 0.01, "C3": '=IF(B3>0.02,B3,"none")', "D3": 0.05,
        "A5": 100.0,
        "B5": ArrayFormula("B5:D5", "=" + _SCAN.format(start="A5", base=f"B{count_row}",
                                                       count=f"COUNT({count_row}:{count_row})")),
        "A7": f"=COUNT({count_row}:{count_row})*10+COUNTA(A{count_row}:E{count_row})"
              f"+COUNTBLANK(E{count_row}:G{count_row})/10",
        "A8": f"=SUM(OFFSET(B{count_row},0,0,1,COUNT({count_row}:{count_row})))",
    }


OUTS = ["B5", "C5", "D5", "A7", "A8"]


def test_a_count_of_cells_of_fixed_kinds_is_a_number_and_the_scan_over_it_fused(tmp_path):
    job = sheet_job(tmp_path / "fixed.xlsx", _cells(1), [tri("S!B1", 0.0, 0.01, 0.04)],
                    OUTS, 16)
    assert fused_report(job) == {}   # was: B5 'a LAMBDA helper over an array whose size ...'
    got, want = numba_and_numpy(job, tmp_path / "k", 8)
    rows = dict(zip(OUTS, job.program.outputs, strict=True))
    assert set(want[0][rows["A7"]]) == {3 * 10 + 4 + 0.3}
    b1 = want[2][job.program.inputs[0]]
    assert want[0][rows["D5"]] == pytest.approx(100 * (1 + b1) * (1 + 2 * b1) * 1.05)


def test_a_count_that_differs_between_trials_stays_per_trial(tmp_path):
    job = sheet_job(tmp_path / "varies.xlsx", _cells(3), [tri("S!B3", 0.0, 0.01, 0.04)],
                    OUTS, 16)
    rows = dict(zip(OUTS, job.program.outputs, strict=True))
    why = {str(c): r for c, r in fused_report(job).items()}
    assert "size is not fixed" in why["S!B5"]
    assert "S!A7" not in why and "S!A8" not in why
    got, want = numba_and_numpy(job, tmp_path / "k", 8)
    counts = set(want[0][rows["A7"]])
    assert counts == {2 * 10 + 4 + 0.3, 3 * 10 + 4 + 0.3}   # C3 a number in some trials


def _let(*pairs: str, body: str) -> str:
    """``LET`` of name, value, ..., body, its names written as Excel saves them."""
    names = [f"_xlpm.{p}" if k % 2 == 0 else p for k, p in enumerate(pairs)]
    return f"=_xlfn.LET({','.join(names)},{body})"


# neprenkha's BOQ, Summary!T3: ROWS(#REF!), columns CHOOSEn from #REF! and ranges, and a
# FILTER whose condition reads an #REF! column at a place known before the kernel runs
_BOQ = _let("rows", "ROWS(#REF!)", "k", "_xlfn.SEQUENCE(_xlpm.rows*3)",
            "c", "INT((_xlpm.k-1)/_xlpm.rows)+1",
            "all", "CHOOSE(_xlfn.SEQUENCE(1,3),#REF!,C2:C4,#REF!)",
            "v", "INDEX(_xlpm.all,1,_xlpm.c)",
            body='IFERROR(_xlfn._xlws.FILTER(_xlpm.k,(_xlpm.v<>"")*(_xlpm.v>B1)),"")')
# the control: a FILTER empty in some trials only (B1 * 10 above 3)
_SOME = _let("k", "_xlfn.SEQUENCE(3)",
             body='IFERROR(_xlfn._xlws.FILTER(_xlpm.k,_xlpm.k>B1*10),"")')


def test_iferror_of_an_error_in_every_trial_is_its_fallback(tmp_path):
    cells = {"B1": 0.2, "C2": "=B1*1", "C3": "=B1*2", "C4": "=B1*3",
             "T1": ArrayFormula("T1", _BOQ), "T2": '=IF(T1="",B1*2,-1)',
             "U1": ArrayFormula("U1", _SOME), "U2": '=IF(U1="",B1*2,U1)'}
    job = sheet_job(tmp_path / "errors.xlsx", cells, [tri("S!B1", 0.0, 0.2, 0.4)],
                    ["T1", "T2", "U2"], 16)
    why = {str(c): r for c, r in fused_report(job).items()}
    assert "S!T1" not in why and "S!T2" not in why   # was: CHOOSE of an array expression ..
    got, want = numba_and_numpy(job, tmp_path / "k", 8)
    t1, t2, u2 = job.program.outputs
    b1 = want[2][job.program.inputs[0]]
    assert want[0][t2] == pytest.approx(b1 * 2)
    # the control varies: "" (then B1 * 2) where nothing is kept, else the first number kept
    assert (b1 * 10 > 3).any() and (b1 * 10 <= 3).any()
    assert want[0][u2] == pytest.approx(np.where(b1 * 10 >= 3, b1 * 2, np.floor(b1 * 10) + 1))


# neprenkha's BOQ, Summary!I3:L3: a FILTER of a range by a column blank in every trial is
# #CALC! (numpy: #VALUE!), so its columns CHOOSEn side by side, UNIQUE and SORT are errors in
# all four places, and the IFERROR is "" in every cell of the range (a row repeated down)
_TABLE = _let("raw", "A10:C20",
              "filtered", '_xlfn._xlws.FILTER(_xlpm.raw,INDEX(_xlpm.raw,,2)<>"")',
              "cols", "CHOOSE({1,2,3,4},INDEX(_xlpm.filtered,,1),INDEX(_xlpm.filtered,,3),"
                      "INDEX(_xlpm.filtered,,1),INDEX(_xlpm.filtered,,3))",
              body="_xlfn._xlws.SORT(_xlfn.UNIQUE(_xlpm.cols),1,1)")


def test_iferror_of_an_array_of_errors_in_every_place_fills_the_range(tmp_path):
    cells = {"B1": 0.2, "A10": "=B1*3", "C10": "=B1+1", "A11": 4.0,
             "V1": ArrayFormula("V1:Y2", f'=IFERROR({_TABLE[1:]},"")'), "V3": '=IF(Y2="",B1,-1)'}
    job = sheet_job(tmp_path / "table.xlsx", cells, [tri("S!B1", 0.0, 0.2, 0.4)],
                    ["V1", "Y1", "V2", "Y2", "V3"], 8)
    assert fused_report(job) == {}   # was: IFERROR's array read as one value
    got, want = numba_and_numpy(job, tmp_path / "k", 4)
    b1 = want[2][job.program.inputs[0]]
    assert want[0][job.program.outputs[-1]] == pytest.approx(b1)


# neprenkha's BOQ, PurchaseBAK!B3:I3: LET(x, FILTER(table, its first column <> ""),
# CHOOSE({1, .., 8}, INDEX(x, 0, 1), ..)) with no IFERROR, the first column "" in every trial
# (E1:E2, an IFERROR folded to its fallback) and blank below: the FILTER keeps nothing whatever
# the varying columns beside hold, so the formula is numpy's errors in every trial (#VALUE!
# where INDEX reads the error, #REF! past its one column); L1:L3 reads them (no FILTER)
_PICK = _let("x", '_xlfn._xlws.FILTER(E1:G4,E1:E4<>"")',
             body='CHOOSE({1,2,3,4},INDEX(_xlpm.x,0,1),INDEX(_xlpm.x,0,2),INDEX(_xlpm.x,0,3),'
                  'INDEX(_xlpm.x,0,1)&"|"&INDEX(_xlpm.x,0,2))')


def test_a_filter_keeping_nothing_in_every_trial_makes_the_formula_its_constant(tmp_path):
    cells = {"B1": 0.2, "A10": "=B1*3", "C10": "=B1+1", "A11": 4.0,
             "E1": ArrayFormula("E1:E2", f'=IFERROR({_TABLE[1:]},"")'),
             "F1": "=B1*2", "F2": "=B1*5", "G1": "=B1+7", "G2": 3.0,
             "H1": ArrayFormula("H1:K1", _PICK),
             "H2": "=IFERROR(H1*2,B1*3)", "I2": "=I1+B1", "J2": "=ISERROR(K1)+B1",
             "L1": ArrayFormula("L1:L3", '=IF(K1:K3="","",ROW(K1:K3))'),
             "M1": "=IFERROR(L1,B1*4)", "M2": '=L2&"x"&B1',
             # the control: a FILTER keeping rows in some trials only stays per trial
             "N1": ArrayFormula("N1:O1", _let("x", "_xlfn._xlws.FILTER(F1:G2,F1:F2>0.5)",
                                              body="CHOOSE({1,2},INDEX(_xlpm.x,0,1),"
                                                   "INDEX(_xlpm.x,0,2))")),
             "N2": "=IFERROR(N1,-1)+B1"}
    outs = ["H1", "I1", "J1", "K1", "H2", "I2", "J2", "L1", "L2", "M1", "M2", "N2"]
    job = sheet_job(tmp_path / "pick.xlsx", cells, [tri("S!B1", 0.0, 0.2, 0.4)], outs, 16)
    # was: H1 'Array is not in the fused subset' and its dependants; the control stays so
    assert set(map(str, fused_report(job))) == {"S!N1", "S!N2"}
    got, want = numba_and_numpy(job, tmp_path / "k", 8)
    if CXX is not None:   # the CUDA kernel's host build: the same literals
        host_equals_numpy(job, tmp_path / "cuda", 8, want=want, numpy_cells=2)
    rows = dict(zip(outs, job.program.outputs, strict=True))
    b1 = want[2][job.program.inputs[0]]
    assert want[0][rows["H2"]] == pytest.approx(b1 * 3)   # H1 an error: the fallback
    assert want[0][rows["J2"]] == pytest.approx(b1 + 1)
    assert want[0][rows["M1"]] == pytest.approx(b1 * 4)   # L1 an error (K1's)
    empty = np.isclose(want[0][rows["N2"]], b1 - 1)   # the control: nothing kept
    assert empty.any() and not empty.all()
