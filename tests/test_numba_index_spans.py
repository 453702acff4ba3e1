"""The range operator between references chosen per trial, read by SUM/AVERAGE/MIN/MAX
(zijiann's MortgageCalculator ``SUM(B50:INDEX(B50:B1249,C12))`` through names, karumbo's
``SUM(XLOOKUP(I1,H1:S1,H2:S2):XLOOKUP(J1,H1:S1,H2:S2))``): numpy reads the trial's range
(engine._computed_refs._range_op); the kernel left the cells to numpy ("operator ':'").
Fused (a window of a long column for SUM, masked cells otherwise): numba = CUDA host build =
numpy, errors of the sides (position 0, below 0, past the range, not found) included."""

from __future__ import annotations

import numpy as np
import pytest

from tests.kernel_checks import fused_sheet_results, new_sheet

pytest.importorskip("numba")


def test_sums_over_a_range_ending_in_index_or_xlookup(tmp_path):
    from tests.test_backend_numba import tri

    ws = new_sheet("S")
    ws["A1"] = 20.0
    for r in range(1, 41):
        ws[f"B{r}"] = f"=A$1*{r}" if r != 7 else "=IF(A1>30,NA(),A1*7)"
    for k in range(12):
        ws.cell(1, 8 + k, k + 1)
        ws.cell(2, 8 + k, f"=A1*{k + 1}")
    ws["C1"] = "=SUM(B1:INDEX(B1:B40,TRUNC(A1)))"          # a window of 40 rows
    ws["C2"] = "=SUM(B1:INDEX(B1:B10,TRUNC(A1/4)))"        # 0: the whole range; 11: #REF!
    ws["C3"] = "=AVERAGE(INDEX(B1:B10,TRUNC(A1/5)):B3)"    # the span either way
    ws["C4"] = "=MAX(B2:INDEX(B1:B40,TRUNC(A1)-2))"        # below 0: #VALUE!
    ws["C5"] = "=SUM(XLOOKUP(TRUNC(A1/4),H1:S1,H2:S2):XLOOKUP(3,H1:S1,H2:S2))"   # #N/A
    ws["C6"] = "=MIN(B1:INDEX(B1:B10,TRUNC(A1/4)),5)"
    outs = [f"S!C{r}" for r in range(1, 7)]
    got, errs, a1 = fused_sheet_results(ws, tmp_path / "spans.xlsx",
                                        [tri("S!A1", 0.5, 20.0, 45.0)], outs, 400)
    n = np.trunc(a1)
    ok = (n >= 1) & ((n < 7) | (a1 <= 30))
    assert ok.any() and (~ok).any()
    assert (errs["S!C1"][ok] == 0).all() and (errs["S!C1"][~ok] != 0).all()
    assert abs(got["S!C1"][ok] - (a1 * n * (n + 1) / 2)[ok]).max() < 1e-9
    q = np.trunc(a1 / 4)
    whole = (q == 0) | (q == 10)
    fine = (q <= 10) & ((q < 7) | (a1 <= 30))
    assert (errs["S!C2"][~fine] != 0).all() and (errs["S!C2"][fine] == 0).all()
    assert abs(got["S!C2"][whole & fine] - a1[whole & fine] * 55).max() < 1e-9
    assert (errs["S!C5"][(q == 0) | (q > 12)] != 0).all()
    inside = (q >= 1) & (q <= 12)
    lo, hi = np.minimum(q, 3), np.maximum(q, 3)
    want = a1 * (hi * (hi + 1) - lo * (lo - 1)) / 2
    assert abs(got["S!C5"][inside] - want[inside]).max() < 1e-9


def test_a_span_too_short_for_a_window_is_made_once(tmp_path):
    """SUM of a span of 10 cells: the window's attempt made the sides' lines, then the masked
    cells made them again (dead lines in every such kernel); now once."""
    from tests.kernel_checks import fused_source, sheet_job
    from tests.test_backend_numba import tri

    cells = {"A1": 20.0, **{f"B{r}": f"=A$1*{r}" for r in range(1, 11)},
             "C2": "=SUM(B1:INDEX(B1:B10,TRUNC(A1/4)))"}
    job = sheet_job(tmp_path / "t.xlsx", cells, [tri("S!A1", 0.5, 20.0, 45.0)], ["C2"], 16)
    assert fused_source(job).count("np.trunc(") == 1
