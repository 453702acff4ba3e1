"""COUNTIF/COUNTIFS/SUMIF/SUMIFS whose criterion is an error: Excel counts (and sums over)
the cells holding that error.  pjdesigns LabInventory's Dashboard asks
``COUNTIFS(Status,"Available",Expiry,">"&TODAY()+ExpiryWarningDays30, ...)`` with a name
relative to the row that lands on a text cell, so the criterion is the constant #VALUE!;
numpy matched it (``_criteria.parse`` of an error), the kernel generator refused it ("with
an error criterion": a constant's error code is ``q<k>``, not a literal).  Here over a
short range (cell by cell) and long ranges (engine.backends.numba._long_criteria) of cells
that are #DIV/0!, #VALUE! or a number per trial, with constant error criteria and criteria
that are an error in some trials; numba equals numpy, and the CUDA kernel built for the
host too."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from tests.kernel_checks import fused_source, numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

ROWS = 100   # past _long_criteria.LONG_CELLS: looped over, not written out


def error_criteria_job(tmp_path, rows: int = ROWS, trials: int = 60):
    a, b = f"A1:A{rows}", f"B1:B{rows}"
    cells: dict[str, object] = {"E1": 5.0, "D1": "Label"}
    for r in range(1, rows + 1):
        cells[f"A{r}"] = ('=IF(MOD(ROW()*$E$1,10)<2,1/0,'
                          'IF(MOD(ROW()*$E$1,10)<3,$D$1+1,$E$1*ROW()))')
        cells[f"B{r}"] = float(r)
    cells["G1"] = "=IF($E$1>5.5,1/0,$E$1*3)"
    cells["G2"] = '=IF($E$1>5.5,NA(),"<="&$E$1*3)'
    formulas = {
        "F1": '=COUNTIFS(A1:A20,"<="&(10+$D$1))',          # #VALUE!, cell by cell
        "F2": f'=COUNTIF({a},"<="&(10+$D$1))',              # #VALUE!, long
        "F3": f'=SUMIFS({b},{a},1/0,{b},">3")',             # #DIV/0!
        "F4": f'=SUMIFS({b},{a},"<="&(10+$D$1))',
        "F5": f'=COUNTIFS({a},"<="&G1)',                    # #DIV/0! in some trials
        "F6": f"=SUMIFS({b},{a},G1)",
        "F7": f"=COUNTIF({a},G1)",
        "F8": f"=SUMIF({a},G2,{b})",                        # #N/A in some trials
        "F9": f'=COUNTIFS({a},G2,{b},"<50")',
    }
    cells.update(formulas)
    return sheet_job(tmp_path / "errcrit.xlsx", cells, [tri("S!E1", 4.0, 5.0, 6.0)],
                     list(formulas), trials)


@pytest.mark.slow
def test_error_criteria_are_fused_and_equal_numpy(tmp_path):
    job = error_criteria_job(tmp_path)
    fused_source(job)   # every cell fused
    got, want = numba_and_host_equal_numpy(job, tmp_path / "kernels", chunk=25)
    out = {str(k): v for k, v in want[0].items()}
    # the error criteria meet cells: #VALUE! counted and summed over in some trials
    assert np.any(out["S!F2"] > 0) and np.any(out["S!F4"] > 0)
    assert np.all(out["S!F3"] > 0)
    assert np.all(out["S!F2"] == np.round(out["S!F2"]))
