"""ROW, COLUMN, ROWS and COLUMNS of references to cells that vary per trial look at the
position only (ir.read_references): ``ROW(D28)`` is 28 whatever D28 holds, so the generator
folds it as a constant.  ryano1221's lease comparison discounts a column of monthly cash
flows with ``SUMPRODUCT(D28:D74,1/POWER(1+r,ROW(D28:D74)-ROW(D28)))``: the array's elements
are ``ROW(D28+k)`` (a number each) minus ``ROW(D28)``, which was 'function ROW is not in the
fused subset' because D28 is computed from the inputs."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from tests.kernel_checks import (  # noqa: E402
    criteria_sheet,
    fused_source,
    numba_and_host_equal_numpy,
    saved_model,
)
from tests.test_backend_numba import job_for, tri  # noqa: E402

CELLS: dict[str, object] = {f"D{r}": f"=$E$1*{r}-$E$2*{(r * 7) % 11}" for r in range(28, 75)}
CELLS.update({
    "G1": "=IFERROR(SUMPRODUCT(D28:D74,1/POWER(1+0.00643403011,ROW(D28:D74)-ROW(D28))),0)",
    "G2": "=ROW(D30)*E1+COLUMN(D30)",
    "G3": "=ROWS(D28:D74)*E2-COLUMNS(D28:E30)",
    "G4": "=SUMPRODUCT((ROW(D28:D74)-ROW(D28)<12)*D28:D74)",
})
OUTS = ["G1", "G2", "G3", "G4"]


def _job(tmp_path, trials=100):
    model = saved_model(criteria_sheet(), CELLS, tmp_path / "rows.xlsx")
    return job_for(model, [tri("Sheet1!E1", 4.0, 5.0, 6.0), tri("Sheet1!E2", 1.0, 2.0, 3.0)],
                   [f"Sheet1!{c}" for c in OUTS], trials=trials)


def test_row_of_varying_reference_is_fused(tmp_path):
    fused_source(_job(tmp_path, 10))   # every cell fused (was: ROW not in the subset)


def test_row_of_varying_reference_numba_equals_numpy(tmp_path):
    _, want = numba_and_host_equal_numpy(_job(tmp_path), tmp_path / "k", 50)
    outs, inputs = ({str(c): v for c, v in d.items()} for d in (want[0], want[2]))
    assert (abs(outs["Sheet1!G2"] - (30.0 * inputs["Sheet1!E1"] + 4.0)) < 1e-9).all()
    assert (abs(outs["Sheet1!G3"] - (47.0 * inputs["Sheet1!E2"] - 2.0)) < 1e-9).all()
