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

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

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
}
COLUMN = [1, 2, 3, 4, 5, 6, "5", "", None, True, False, "x1", "a", "#N/A", "#DIV/0!",
          "=ROUND(E1,0)", '=IF(E1>5,"",1)', "=E2>3", 3, 5, "b", None, 2, "6", 7, 8, "", 1,
          "=IF(E2>4,NA(),5)", 4]


def _model(tmp_path) -> Model:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["E1"], ws["E2"] = 5.0, 2.0
    for r, x in enumerate(COLUMN, start=1):
        ws[f"A{r}"] = x
        ws[f"B{r}"] = "t" if r % 9 == 0 else float((r * 13) % 29 - 9)
    for k, v in {**CRITERIA, **FORMULAS}.items():
        ws[k] = v
    path = tmp_path / "varying_criterion.xlsx"
    wb.save(path)
    return Model.open(path)


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return job_for(_model(tmp_path_factory.mktemp("vc")), INPUTS,
                   [f"Sheet1!{c}" for c in FORMULAS], trials=TRIALS)


def test_criteria_of_several_kinds_are_fused(job):
    assert fused_report(job) == {}   # before: "SUMIF with a criterion that varies (not as text)"


def test_numba_and_host_cuda_equal_numpy(job, tmp_path):
    from tests.test_backend_cupy import CXX, HostCudaBackend

    want = run(NumpyBackend(), job, TRIALS)
    model = job.program.model
    f1, f4, f6 = (model.ref(f"Sheet1!{c}") for c in ("F1", "F4", "F6"))
    assert len(set(want[0][f1])) >= 3                           # "" and numbers both met
    assert len(set(want[0][f4])) >= 3
    assert (want[1][f6] == 2).any() and (want[1][f6] == 0).any()   # #DIV/0! in some trials
    be = NumbaBackend(kernel_dir=tmp_path)
    try:
        assert_same(job, run(be, job, 200), want)
    finally:
        be.close()
    if CXX is not None:
        host = HostCudaBackend(tmp_path)
        assert host.cpu_reason(job) is None
        assert_same(job, run(host, job, 200), want)
