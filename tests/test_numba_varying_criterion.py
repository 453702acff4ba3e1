"""COUNTIF/SUMIF/AVERAGEIF/COUNTIFS whose criterion varies per trial as a value of several
kinds (engine/backends/numba/_varying_criterion.py): a table column
``=IF(Setup!A4="","",Setup!A4)`` (a number or ""), a logical, a lookup that is a number or
#N/A, text or #DIV/0!.  Before, "SUMIF with a criterion that varies (not as text)" left the
cell (and every cell after it) to numpy.  Now each kind is matched as a criterion of that
kind alone and the trial's kind picks the mask; numba equals numpy trial for trial (the same
error codes), and so does the CUDA kernel's host build.  The workbook is written with
openpyxl: numbers, text reading as a number, "", text, logicals, blanks, errors, and cells
that vary (a number, or a number or "")."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.kernel_checks import (  # noqa: E402
    criteria_sheet,
    fused_source,
    numba_and_host_equal_numpy,
    saved_model,
)
from tests.test_backend_numba import job_for, tri  # noqa: E402

TRIALS = 400
INPUTS = [tri("Sheet1!E1", 0.0, 5.0, 10.0), tri("Sheet1!E2", 0.0, 2.0, 6.0)]
CRITERIA = {
    "C1": '=IF(E1>5,"",ROUND(E1,0))',                          # a number or ""
    "C2": "=E2>3",                                             # a logical
    "C3": "=IF(E2>4,NA(),ROUND(E1,0))",                        # a number or #N/A
    "C4": '=IF(E1>7,TRUE,IF(E1>4,"x*",ROUND(E1,0)))',          # a logical, text or a number
    "C5": '=IF(E2>4,1/0,IF(E1>5,"zz","<>a"))',                  # text or #DIV/0!
}
FORMULAS = {
    "F1": "=COUNTIF(A1:A30,C1)",
    "F2": "=SUMIF(A1:A30,C1,B1:B30)",
    "F3": "=COUNTIF(A1:A30,C2)+SUMIF(A1:A30,C2,B1:B30)",
    "F4": "=SUMIF(A1:A30,C3,B1:B30)",
    "F5": "=COUNTIF(A1:A30,C4)",
    "F6": "=AVERAGEIF(A1:A30,C5,B1:B30)",                      # #DIV/0! where none is
    "F7": '=COUNTIFS(A1:A30,C1,B1:B30,">0")',
    "F8": "=COUNTIF(A:A,C2)",                                  # a whole column: no blank hit
    "F9": "=COUNTIF(H1:H5,ROUND(E1,0))+COUNTIF(H1:H5,C1)",     # text made per trial: "5" = 5
}
COLUMN = [1, 2, 3, 4, 5, 6, "5", "", None, True, False, "x1", "a", "#N/A", "#DIV/0!",
          "=ROUND(E1,0)", '=IF(E1>5,"",1)', "=E2>3", 3, 5, "b", None, 2, "6", 7, 8, "", 1,
          "=IF(E2>4,NA(),5)", 4]


def _model(tmp_path) -> Model:
    ws = criteria_sheet()
    for r, x in enumerate(COLUMN, start=1):
        ws[f"A{r}"] = x
        ws[f"B{r}"] = "t" if r % 9 == 0 else float((r * 13) % 29 - 9)
    for r in range(1, 6):
        ws[f"H{r}"] = f'=TEXT(ROUND($E$1,0)+{r - 3},"0")'
    return saved_model(ws, {**CRITERIA, **FORMULAS}, tmp_path / "varying_criterion.xlsx")


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return job_for(_model(tmp_path_factory.mktemp("vc")), INPUTS,
                   [f"Sheet1!{c}" for c in FORMULAS], trials=TRIALS)


def test_criteria_of_several_kinds_are_fused(job):
    assert fused_report(job) == {}   # before: "SUMIF with a criterion that varies (not as text)"


def test_numba_and_host_cuda_equal_numpy(job, tmp_path):
    _, want = numba_and_host_equal_numpy(job, tmp_path)
    model = job.program.model
    f1, f4, f6 = (model.ref(f"Sheet1!{c}") for c in ("F1", "F4", "F6"))
    assert len(set(want[0][f1])) >= 3                           # "" and numbers both met
    assert len(set(want[0][f4])) >= 3
    assert (want[1][f6] == 2).any() and (want[1][f6] == 0).any()   # #DIV/0! in some trials
    assert (want[0][model.ref("Sheet1!F9")] >= 1).all()   # before: numba 0 (text not read)


# ------------------------------------------ long ranges of constants and cells of mixed kinds
LROWS = 120   # more than LONG_CELLS: a loop per trial (lcrit_mfold), not a line per cell
LONG = {
    "G1": "=SUMIF(Y1:Y120,C1,AD1:AD120)",              # a number or "" against the same
    "G2": "=COUNTIF(Y1:Y120,C1)",
    "G3": "=AVERAGEIF(Y1:Y120,C3,AD1:AD120)",          # a number or #N/A; #DIV/0! if none
    "G4": '=COUNTIF(Y1:Y120,"")+COUNTIF(Y1:Y120,"#N/A")',   # constants over mixed cells
    "G5": '=SUMIFS(AD1:AD120,Y1:Y120,C1,AD1:AD120,">"&E2)',
    "G6": "=MAXIFS(AD1:AD120,Y1:Y120,C2)+MINIFS(AD1:AD120,Y1:Y120,C2)",   # a logical
    "G7": '=COUNTIF(Y1:Y120,"<>"&ROUND(E1,0))+COUNTIF(Y1:Y120,">"&E2)',
    "G8": "=COUNTIF(Y1:Y120,C4)",                      # a logical, text or a number
    "G9": '=IF(C1="","",SUMIF($Y$1:$Y$120,C1,$AD$1:$AD$120))',   # the table's own pattern
}


def _y(r: int) -> object:
    k = r % 12
    return (f'=IF($E$1>{r % 10},"",ROUND($E$1,0))' if k in (0, 6) else
            "=IF($E$2>4,NA(),ROUND($E$2,0))" if k == 5 else "=$E$2>3" if k == 11 else
            '=""' if k == 2 else None if k == 3 else "2" if k == 4 else
            "x1" if k == 8 else True if k == 9 else float(r % 7))


def _ad(r: int) -> object:
    return (f'=IF($E$2>{r % 6},"",{r}*$E$2)' if r % 4 == 0 else "t" if r % 9 == 0 else
            float((r * 3) % 11 - 4))


@pytest.fixture(scope="module")
def long_job(tmp_path_factory):
    ws = criteria_sheet()
    for r in range(1, LROWS + 1):
        ws[f"Y{r}"], ws[f"AD{r}"] = _y(r), _ad(r)
    model = saved_model(ws, {**CRITERIA, **LONG},
                        tmp_path_factory.mktemp("vcl") / "varying_criterion_long.xlsx")
    return job_for(model, INPUTS, [f"Sheet1!{c}" for c in LONG], trials=TRIALS)


def test_long_ranges_of_mixed_cells_fused_as_loops(long_job):
    source = fused_source(long_job)
    assert source.count("lcrit_mfold(") >= 14   # before: a line per cell and criterion
    assert len(source.splitlines()) < 2500, len(source.splitlines())   # before: 7,348


def test_long_ranges_numba_and_host_cuda_equal_numpy(long_job, tmp_path):
    job = long_job
    _, want = numba_and_host_equal_numpy(job, tmp_path)
    model = job.program.model
    g1, g3, g8 = (model.ref(f"Sheet1!{c}") for c in ("G1", "G3", "G8"))
    assert len(set(want[0][g1])) >= 3 and len(set(want[0][g8])) >= 3
    assert (want[1][g3] == 2).any() and (want[1][g3] == 0).any()   # #DIV/0! in some trials
