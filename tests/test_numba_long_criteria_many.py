"""SUMIFS/AVERAGEIFS/COUNTIFS/MAXIFS/MINIFS of three and four criteria over a long table of
constants, one criterion varying per trial (a dashboard's ``SUMIFS(Sales, Year, $B11,
Quarter, k, Product_Line, $C$5, Order_Status, $F$5)``): the criteria the same in every
trial are matched at generation and folded into one mask (their AND), the varying one is
the runtime's loop (engine/backends/numba/_long_criteria.py ``_fold_criteria``).  Before,
more than two criteria were written out cell by cell (thousands of lines, past the
kernel's size).  numba equal to numpy trial for trial, and the CUDA host build too."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.model import Model  # noqa: E402
from tests.kernel_checks import (  # noqa: E402
    criteria_sheet,
    fused_source,
    numba_and_host_equal_numpy,
    saved_model,
)
from tests.test_backend_numba import job_for, tri  # noqa: E402

TRIALS = 300
ROWS = 300
INPUTS = [tri("Sheet1!E1", 0.0, 5.0, 10.0), tri("Sheet1!E2", 0.0, 2.0, 6.0)]
FORMULAS = {
    # three criteria: a number varying per trial, a wildcard text, a number
    "F1": f'=SUMIFS(B1:B{ROWS},A1:A{ROWS},"<"&E1,C1:C{ROWS},"x*",D1:D{ROWS},2004)',
    # four: text, "<>" text, a number comparison, a number varying per trial
    "F2": (f'=AVERAGEIFS(B1:B{ROWS},G1:G{ROWS},"North",C1:C{ROWS},"<>y",D1:D{ROWS},">2003",'
           f'A1:A{ROWS},">="&E2*1.7)'),   # #DIV/0! where none is
    "F3": f'=COUNTIFS(D1:D{ROWS},ROUND(E1/2,0)+2002,C1:C{ROWS},"x?",G1:G{ROWS},"South")',
    "F4": (f'=MAXIFS(B1:B{ROWS},A1:A{ROWS},"<"&E2,G1:G{ROWS},"East",C1:C{ROWS},"x*")'
           f'+MINIFS(B1:B{ROWS},A1:A{ROWS},">"&E1,G1:G{ROWS},"<>East",D1:D{ROWS},2005)'),
    # the varying criterion a text chosen per trial among known texts (its masks take the
    # constant criteria's AND)
    "F5": (f'=SUMIFS(B1:B{ROWS},G1:G{ROWS},H1,D1:D{ROWS},2004,C1:C{ROWS},"x*",'
           f'A1:A{ROWS},"<>5")'),
    # the summed column varies per trial (a formula copied down): gathered once per trial
    "F6": f'=SUMIFS(J1:J{ROWS},D1:D{ROWS},2004,C1:C{ROWS},"x*",A1:A{ROWS},"<"&E1)',
    "F7": (f'=AVERAGEIFS(J1:J{ROWS},G1:G{ROWS},"North",C1:C{ROWS},"<>y",D1:D{ROWS},">2003",'
           f'A1:A{ROWS},">="&E2*1.7)'),
}
REGIONS = ["North", "South", "East", "West"]


def _model(tmp_path) -> Model:
    ws = criteria_sheet()
    for r in range(1, ROWS + 1):
        k = r % 23
        ws[f"A{r}"] = ("5" if k == 3 else True if k == 7 else None if k == 11 else
                       "n/a" if k == 13 else float((r * 37) % 101) / 10.0)
        ws[f"B{r}"] = None if r % 17 == 0 else "t" if r % 19 == 0 else float((r * 13) % 29 - 9)
        ws[f"C{r}"] = "x" + str(r % 3) if r % 2 else "y"
        ws[f"D{r}"] = 2003 + (r * 7 // 3) % 4
        ws[f"K{r}"] = float((r * 13) % 29 - 9)
        ws[f"J{r}"] = f"=K{r}*$E$2"
        ws[f"G{r}"] = REGIONS[(r // 2) % 4] if r % 31 else None
    for j, t in enumerate(REGIONS, 1):
        ws[f"I{j}"] = t
    ws["H1"] = "=INDEX(I1:I4,1+MOD(INT(E1*3),4))"
    return saved_model(ws, FORMULAS, tmp_path / "many_criteria.xlsx")


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return job_for(_model(tmp_path_factory.mktemp("lcm")), INPUTS,
                   [f"Sheet1!{c}" for c in FORMULAS], trials=TRIALS)


def test_many_criteria_one_fold(job):
    source = fused_source(job)
    assert source.count("lcrit_fold(") >= 6 and source.count("lcrit_mfold(") >= 3
    # the criteria cost a few lines; the column J (a formula per row, out of the fused
    # slice's loops here) costs ~7 lines per row; before: the criteria wrote lines per cell
    assert len(source.splitlines()) < 300 + 8 * ROWS, len(source.splitlines())


def test_many_criteria_numba_and_host_cuda_equal_numpy(job, tmp_path):
    _, want = numba_and_host_equal_numpy(job, tmp_path)
    model = job.program.model
    f2, f3, f5, f7 = (model.ref(f"Sheet1!{c}") for c in ("F2", "F3", "F5", "F7"))
    assert (want[1][f2] != 0).any() and (want[1][f2] == 0).any()   # #DIV/0! in some trials
    assert (want[1][f7] != 0).any() and (want[1][f7] == 0).any()
    assert len(set(want[0][f3])) >= 3 and len(set(want[0][f5])) >= 3
