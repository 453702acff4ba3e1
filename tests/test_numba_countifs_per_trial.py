"""COUNTIFS/SUMIFS over whole columns (``A:A`` clipped to the data) with criteria that vary
per trial (engine/backends/numba/_long_criteria.py, _dcriteria.py; reference
engine.functions.stats._conditional), the pattern of a resource calendar (RussellMubaya
Project-Management-Dashboard: ``COUNTIFS(Data!$B:$B,$D8,Data!$F:$F,"<="&E$7,...)``, E7 a date
or "" per trial, D8 a name picked per trial).

* The empty cells past a clipped range's read part are counted in the trials where every
  criterion meets an empty cell: a criterion "" or "=" in some trials only (before: numpy
  counted them only where every trial of the chunk met one; numba left such cells to numpy,
  and over long ranges counted none of them: ``COUNTIF(A:A,"<>"&x)`` was off by a million).
* ``"<="&x`` with x a number or "" (the "<=" alone meets nothing), a name varying among known
  texts over a column of constants: fused as loops (before: the kernel too large / numpy).
numba = numpy trial for trial (and the CUDA host build = numpy where there is a compiler);
numpy's values checked against values worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from tests.kernel_checks import (  # noqa: E402
    criteria_sheet,
    fused_source,
    numba_and_host_equal_numpy,
    saved_model,
)
from tests.test_backend_numba import job_for, run, tri  # noqa: E402

ROWS = 80   # past LONG_CELLS: the long-range loops
COLUMN = 1048576
INPUTS = [tri("Sheet1!E1", 0.0, 5.0, 10.0), tri("Sheet1!E2", 0.0, 2.0, 6.0)]
FORMULAS = {
    "G1": '=COUNTIF(A:A,"<>"&ROUND(E1,0))',                   # meets every empty cell
    "G2": '=COUNTIF(A:A,IF(E1>5,"","x"))',                     # "" in some trials only
    "G3": '=COUNTIF(A:A,IF(E1>5,"=","<>"))',                   # "=" / "<>" per trial
    "G4": '=COUNTIF(A:A,IF(E1>5,H1,"a*"))',                    # an empty cell (0) / "a*"
    "G5": '=COUNTIFS(A:A,IF(E1>5,"",">5"),B:B,"<>q")',         # "" / ">5", two criteria
    "G6": '=IF(E1>5,"",E2)',                                   # a number or ""
    "G7": '=COUNTIFS(B:B,G9,A:A,"<="&G6,C:C,">="&G6)',         # the calendar's pattern
    "G8": '=COUNTIF(A:A,ROUND(E1,0))+COUNTIF(C1:C9,"")',       # a number, a short range
    "G9": '=INDEX(K1:K3,1+(E2>2)+(E2>4))',                     # a name picked per trial
    "G10": '=SUMIFS(C:C,B:B,G9,A:A,"<="&G6)',                  # a sum: no empty cells
}


def _model(tmp_path):
    ws = criteria_sheet()
    for r in range(1, ROWS + 1):
        ws[f"A{r}"] = f"=ROUND($E$1*{r % 7}/2,0)" if r % 4 == 0 else \
            "ab" if r % 9 == 0 else float(r % 9)
        ws[f"B{r}"] = ("x1", "y", "q")[r % 3]
        ws[f"C{r}"] = f"=$E$2+{r % 5}" if r % 6 == 0 else float(r % 8)
    ws["K1"], ws["K2"], ws["K3"] = "x1", "Y", "zz"
    return saved_model(ws, FORMULAS, tmp_path / "countifs_per_trial.xlsx")


@pytest.mark.slow
def test_per_trial_criteria_over_whole_columns_fused_and_equal(tmp_path):
    model = _model(tmp_path)
    job = job_for(model, INPUTS, [f"Sheet1!{c}" for c in FORMULAS], trials=60)
    (got, _, ins), (want, _, _) = numba_and_host_equal_numpy(job, tmp_path / "k", 30,
                                                             fused=True)
    e1 = ins[model.ref("Sheet1!E1")]
    big = e1 > 5
    assert big.any() and (~big).any()
    value = {c: want[model.ref(f"Sheet1!{c}")] for c in FORMULAS}
    empty = COLUMN - ROWS
    a = np.array([[np.floor(x * (r % 7) / 2 + 0.5) if r % 4 == 0 else
                   (np.nan if r % 9 == 0 else float(r % 9)) for r in range(1, ROWS + 1)]
                  for x in e1])
    # "" and "=" meet the empty cells (and "" no text here), "<>" every cell but none
    np.testing.assert_array_equal(value["G2"], np.where(big, empty, 0.0))
    np.testing.assert_array_equal(value["G3"], np.where(big, empty, ROWS))
    # H1 empty: the number 0 (Excel: an empty cell as the criterion is 0), no empty cell;
    # "a*": the text "ab" (rows 9, 18, .. not 4k)
    ab = sum(1 for r in range(1, ROWS + 1) if r % 9 == 0 and r % 4)
    np.testing.assert_array_equal(value["G4"], np.where(big, np.sum(a == 0.0, axis=1), ab))
    np.testing.assert_array_equal(value["G1"], COLUMN - np.sum(
        a == np.floor(e1 + 0.5)[:, None], axis=1))
    gt5 = np.sum(np.nan_to_num(a, nan=0.0) > 5, axis=1)
    not_q = np.array([("x1", "y", "q")[r % 3] != "q" for r in range(1, ROWS + 1)])
    np.testing.assert_array_equal(value["G5"], np.where(
        big, empty, np.sum((np.nan_to_num(a, nan=0.0) > 5) & not_q, axis=1)))
    assert (gt5 > 0).all()
    assert (value["G7"][big] == 0).all() and (value["G7"][~big] > 0).any()
    for c in FORMULAS:
        r = model.ref(f"Sheet1!{c}")
        np.testing.assert_array_equal(got[r], want[r])


def test_empty_cells_counted_per_trial_and_fused(tmp_path):
    """The default run's twin (no kernel compiled): numpy counts a whole column's empty
    cells in the trials where "" / "=" is the criterion only, and every cell is fused."""
    from engine.backends.numpy import NumpyBackend

    model = _model(tmp_path)
    cells = ["G2", "G3", "G6", "G7", "G9"]
    job = job_for(model, INPUTS, [f"Sheet1!{c}" for c in cells], trials=40)
    fused_source(job)   # every cell of the slice fused (plan generated, not compiled)
    got, _, ins = run(NumpyBackend(), job, 20)
    big = ins[model.ref("Sheet1!E1")] > 5
    assert big.any() and (~big).any()
    empty = COLUMN - ROWS
    np.testing.assert_array_equal(got[model.ref("Sheet1!G2")], np.where(big, empty, 0.0))
    np.testing.assert_array_equal(got[model.ref("Sheet1!G3")], np.where(big, empty, ROWS))
