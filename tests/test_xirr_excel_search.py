"""XIRR as Excel computes it (financial.excel_xirr_search, numba _rt_math._excel_xirr, CUDA
mt_excel_xirr): for a guess >= 0 Excel doubles (or halves) the guess to bracket the root and
bisects the bracket to a width of 1e-8, so its cached value is within 1e-8 of the exact root,
not on it.  noolawoyinjpg LBO_Model_2 (unseen7) 'Returns Analysis' cached these values, which
the exact root (Newton, polished) missed by 1e-9..1e-8 relative; now bit for bit.  A negative
root (Excel's search there is not known) keeps the exact root: C42, 1.3e-9 from Excel."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.model import Model

openpyxl = pytest.importorskip("openpyxl")

# (flows, dates, Excel's cached XIRR) from noolawoyinjpg__LBO_Model_2.xlsx 'Returns Analysis'
EXCEL = {
    "D13": ([-304, 655.6800000000002], ["2024-01-01", "2027-01-01"], 0.2917285501956941),
    "F13": ([-304, 1144], ["2024-01-01", "2031-01-01"], 0.20825183987617493),
    "E42": ([-304, 876], ["2024-01-01", "2029-01-01"], 0.23545085787773132),
    "G42": ([-304, 2228], ["2024-01-01", "2029-01-01"], 0.4887402474880218),
    "C42": ([-304, 271], ["2024-01-01", "2029-01-01"], -0.02269512116909028),
}


def test_cached_values_of_excel_bit_for_bit(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "R"
    for row, (flows, dates, _) in enumerate(EXCEL.values(), start=1):
        ws.cell(row, 1, flows[0]), ws.cell(row, 2, flows[1])
        ws.cell(row, 3, dt.date.fromisoformat(dates[0]))
        ws.cell(row, 4, dt.date.fromisoformat(dates[1]))
        ws.cell(row, 5, f"=XIRR(A{row}:B{row},C{row}:D{row})")
    path = tmp_path / "xirr.xlsx"
    wb.save(path)
    model = Model.open(path)
    values, _ = model.evaluate()
    got = {k: values[model.ref(f"R!E{i}")].scalar() for i, k in enumerate(EXCEL, start=1)}
    for k in ("D13", "F13", "E42", "G42"):
        assert got[k] == EXCEL[k][2], k
    # a negative root: not Excel's search (unknown), the exact root (-304 + 271 v^(1827/365))
    exact = (304 / 271) ** (-365 / 1827) - 1
    assert got["C42"] == pytest.approx(exact, rel=1e-14)
    assert got["C42"] == pytest.approx(EXCEL["C42"][2], abs=2e-9)


def test_a_huge_root_ends(tmp_path):
    """A root near 1e29 from a guess of 1e29: no double lies between the bracket's ends before
    its width is 1e-8; the search stops there (it looped for ever before)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = -3.0, 1e30
    ws["A2"], ws["B2"] = dt.date(2023, 1, 1), dt.date(2024, 1, 1)
    ws["C1"] = "=XIRR(A1:B1,A2:B2,1E+29)"
    path = tmp_path / "huge.xlsx"
    wb.save(path)
    model = Model.open(path)
    values, _ = model.evaluate()
    assert values[model.ref("Sheet!C1")].scalar() == pytest.approx(1e30 / 3 - 1, rel=1e-14)


@pytest.mark.slow   # a compile; tests/test_numba_math_calendar.py checks the twins too
def test_fused_twins_take_excels_steps(tmp_path):
    """numba = CUDA host build = numpy, guesses of 0, positive and negative and roots on both
    sides of 0 varying per trial."""
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.test_backend_cupy import host_equals_numpy
    from tests.test_backend_numba import job_for, numba_and_numpy, tri

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = -1000.0, "=300*B1", "=500*B1", "=400*B1+B3"
    ws["C1"], ws["C2"], ws["C3"], ws["C4"] = 45000, 45140, 45500, 45900
    ws["B1"], ws["B2"], ws["B3"] = 1.0, 0.1, 0.0
    ws["D1"] = "=XIRR(A1:A4,C1:C4)"
    ws["D2"] = "=XIRR(A1:A4,C1:C4,B2)"
    ws["D3"] = "=XIRR(A1:A4,C1:C4,ROUND(B2,0))"
    ws["D4"] = "=XIRR(A1:A4,C1:C4,B2*300)"
    ws["E1"], ws["E2"] = "=-3*B1", 1e30  # a root near 3e29 from a guess of 1e29
    ws["D5"] = "=XIRR(E1:E2,C1:C2,1E+29)"
    path = tmp_path / "twins.xlsx"
    wb.save(path)
    inputs = [tri("S!B1", 0.2, 1.0, 2.5), tri("S!B2", -0.5, 0.1, 1.5),
              tri("S!B3", -400.0, 0.0, 900.0)]
    job = job_for(Model.open(path), inputs, [f"S!D{i}" for i in range(1, 6)], 300)
    assert fused_report(job) == {}
    numba_and_numpy(job, tmp_path / "kernels", 300, fused=True)
    host_equals_numpy(job, tmp_path / "cuda")
