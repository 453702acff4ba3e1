"""Functions added to the fused numba kernel (dates, order statistics, counts, the lognormal
distribution, annuities and depreciation), against the numpy reference.

Each test builds a small model whose cells depend on triangular inputs and mixes in what the
library coerces or refuses (text, logicals, blanks, error cells, arguments out of the domain
in part of the trials); it checks that every cell is fused (``fused_report`` is empty) and
that values (1e-12 relative) and error codes are numpy's.  The last tests check the fused
share of the shared workbooks whose cells these functions made fusable (plans only: no
compile).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.conftest import WORKBOOKS  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 3_000


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def check(backend, cells: dict[str, object], outputs: list[str], inputs: list) -> tuple:
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    job = job_for(model, inputs, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    assert fused_report(job) == {}
    got = run(backend, job, 1_000)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    assert fused_report(job, backend) == {}
    return job, got, want


def _varied(got: tuple, job, cell: str, codes: set[int], values: bool = True) -> None:
    """The output takes several values (unless not ``values``), and each error code of
    ``codes`` in some trial."""
    c = job.program.model.ref(f"Sheet1!{cell}")
    v, errors = got[0][c], got[1][c]
    assert not values or len(np.unique(v[errors == 0])) > 3, cell
    assert codes <= set(np.unique(errors).tolist()), (cell, np.unique(errors))


# ----------------------------------------------------------------- dates
DATES = {
    "A1": 43000.0, "A2": 1.5, "A3": 10.0,
    "C1": "2024-03-15", "C2": "=NA()", "C4": "x", "C5": True,
    "B1": "=YEARFRAC(A1,A1+A3*40,A2)",             # basis 0..4 varies per trial
    "B2": "=YEARFRAC(A1,C1)+YEARFRAC(C1,A1,1)",     # text read as a date
    "B3": "=YEARFRAC(A1,A1+100,A2*2-1)",            # basis outside 0..4: #NUM!
    "B4": "=DAY(A1)+MONTH(A1+A3)*100+YEAR(A1)*10000",
    "B5": "=DAY(A3*10)",                            # a negative serial: #NUM!
    "B6": "=YEARFRAC(C5,A1)",                       # a logical: #VALUE! (an ATP function)
    "B7": "=YEARFRAC(A1,C2,A2*3-1)",                # the basis' #NUM! before the date's #N/A
    "B8": "=YEARFRAC(A1,A1+A3,C3)+YEARFRAC(A1,A1-A3,)",   # blank and empty basis: 0
    "B9": "=IFERROR(DAY(C4),-1)+DAY(C5)+MONTH(C1)",  # text that is no date; a logical is 1
    "B10": "=YEARFRAC(A1*0+58,A1*0+62+A3,A2)+DAY(A1*0+60+A3/20)+YEARFRAC(A3*0,A3,A2)",
    "B11": "=YEARFRAC(A1*100,A1,A2)",               # beyond 9999-12-31: #NUM!
    "B12": "=YEARFRAC(A1-A3*400,A1+A3*700,1)+YEARFRAC(A1,A1+365+A3,1)",
}
DATE_INPUTS = [tri("Sheet1!A1", 36000.0, 43000.0, 47000.0), tri("Sheet1!A2", 0.0, 1.5, 4.99),
               tri("Sheet1!A3", -5.0, 10.0, 30.0)]


def test_dates_match_numpy(backend):
    outs = [f"B{i}" for i in range(1, 13)]
    job, got, _ = check(backend, DATES, outs, DATE_INPUTS)
    _varied(got, job, "B1", set())
    _varied(got, job, "B3", {6})
    _varied(got, job, "B5", {6})
    _varied(got, job, "B7", {6, 7}, values=False)
    c6 = job.program.model.ref("Sheet1!B6")
    assert (got[1][c6] == 3).all()


def test_yearfrac_matches_excel_on_known_dates(backend):
    """Excel's documented answers: YEARFRAC(2012-01-01, 2012-07-30) is 0.58055556 (basis 0),
    0.57650273 (1), 0.58611111 (2), 0.57808219 (3), 0.58055556 (4)."""
    cells = {"A1": 40909.0, "A2": 41120.0}
    for b in range(5):
        cells[f"B{b + 1}"] = f"=YEARFRAC(ROUND(A1,0),ROUND(A2,0),{b})"
    inputs = [tri("Sheet1!A1", 40908.8, 40909.0, 40909.2), tri("Sheet1!A2", 41119.8, 41120.0,
                                                                41120.2)]
    job, got, _ = check(backend, cells, [f"B{b + 1}" for b in range(5)], inputs)
    want = [0.58055556, 0.57650273, 0.58611111, 0.57808219, 0.58055556]
    for b, w in enumerate(want):
        v = got[0][job.program.model.ref(f"Sheet1!B{b + 1}")]
        assert np.allclose(v, w, atol=5e-9), (b, v[:3])


# ----------------------------------------------------------------- order statistics, counts
STATS = {
    "A1": 2.0, "A2": 3.0, "A3": 4.0, "A4": 5.0, "A5": 2.5,
    "D1": "=A1", "D2": "=A2*3", "D3": "text", "D5": True, "D6": "=A4-A1", "D7": 1.5,
    "F1": "=IF(A1>2.5,1/0,A1)", "F2": "=A3", "F3": "=A2-A4",
    "B1": "=MEDIAN(D1:D7)+MEDIAN(A1,A2,,3)+MEDIAN(A1,A2,A3,A4)",
    "B2": "=PERCENTILE(D1:D7,A5/4)+PERCENTILE.INC(D1:D7,A5/4-0.2)",   # p < 0: #NUM!
    "B3": "=PERCENTILE.EXC(D1:D7,A5/5)",               # p near the ends: #NUM!
    "B4": "=QUARTILE(D1:D7,A5)+QUARTILE.INC(D1:D7,A5*2-1)",
    "B5": "=QUARTILE.EXC(D1:D7,A5)",
    "B6": "=LARGE(D1:D7,A5)+SMALL(D1:D7,A5*1.5)",        # k beyond the count: #NUM!
    "B7": "=MEDIAN(F1:F3)+LARGE(F1:F3,1)",               # an error cell in part of the trials
    "B8": "=COUNT(D1:D7,A1,TRUE,)+COUNT(F1:F3)*10+COUNTA(D1:D7,C9,)*100+COUNTA(F1:F3)*1000",
    "B9": "=PERCENTILE(D1:D7,F1)+SMALL(A1:A5,2)+LARGE(A1,1)+MEDIAN(D3:D4)",
    "B10": "=MEDIAN(A1:A4,D2)*PERCENTILE(A1:A5,0.3)",
    "B11": "=PERCENTRANK(D1:D7,A2)+PERCENTRANK.INC(D1:D7,A3,A5)",  # x outside: #N/A
    "B12": "=PERCENTRANK.EXC(D1:D7,A2*1.5,2)+PERCENTRANK(A1:A5,A3,A5*2)",  # digits < 1: #NUM!
    "G1": "=A1", "G2": "=A2*2", "G3": "=SUBTOTAL(9,G1:G2)",
    "B13": "=SUBTOTAL(9,D1:D7)+SUBTOTAL(1,F1:F3)*10+SUBTOTAL(109,G1:G3)+SUBTOTAL(2,D1:D7,A1)",
    "B14": "=SLOPE(F1:F3,A1:A3)+INTERCEPT(A1:A3,A2:A4)+FORECAST(A5,A1:A4,D1:D4)",
    "B15": "=CORREL(A1:A5,D1:D5)+RSQ(A1:A4,A2:A5)+STEYX(A1:A4,D1:D4)+PEARSON(A1:A3,A2:A4)"
           "+COVARIANCE.P(A1:A3,A3:A5)+COVARIANCE.S(D1:D3,A1:A3)+COVAR(A1:A2,A4:A5)",
    "B16": "=IFERROR(SLOPE(A1:A4,D5:D8),-1)+FORECAST.LINEAR(A1,A2:A3,A4:A5)+SLOPE(A1:A2,G1:G2)",
    "B17": "=SLOPE(A1:A3,A1:A4)+FORECAST(C2,A1:A2,A3:A4)",   # sizes differ: #N/A
    "B18": '=CHOOSE(ROUND(A5,0),A1,"x",,TRUE,F1)',   # the kind varies per trial
    "B19": "=ISTEXT(B18)+ISNUMBER(B18)*2+IFERROR(B18*1,-1)*4+ISBLANK(CHOOSE(A5,1,))",
    # a criterion that is a number varying per trial (numbers, numeric text, errors)
    "H1": "=ROUND(A1,0)", "H2": "3", "H3": '=IF(A1>2.5,"3","x")', "H4": True,
    "H5": "=IF(A2>4,1/0,3)",
    "B20": "=COUNTIFS(H1:H5,ROUND(A3,0))+SUMIFS(A1:A5,H1:H5,ROUND(A3,0))*10"
           "+COUNTIF(H1:H5,ROUND(A2,0))*100+MAXIFS(A1:A5,H1:H5,ROUND(A3,0))*1000",
}
STATS_INPUTS = [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", 2.0, 3.0, 5.0),
                tri("Sheet1!A3", 1.0, 4.0, 6.0), tri("Sheet1!A4", 3.0, 5.0, 6.0),
                tri("Sheet1!A5", -0.5, 2.5, 5.5)]


def test_order_statistics_and_counts_match_numpy(backend):
    outs = [f"B{i}" for i in range(1, 21)]
    job, got, _ = check(backend, STATS, outs, STATS_INPUTS)
    _varied(got, job, "B14", {2})
    _varied(got, job, "B17", {7}, values=False)
    _varied(got, job, "B18", {2, 3})
    assert len(np.unique(got[0][job.program.model.ref("Sheet1!B19")])) > 4
    _varied(got, job, "B20", set())
    _varied(got, job, "B11", {7})
    _varied(got, job, "B12", {6})
    _varied(got, job, "B13", {2})
    for cell in ("B2", "B3", "B4", "B5", "B6"):
        _varied(got, job, cell, {6})
    _varied(got, job, "B7", {2})
    b8 = got[0][job.program.model.ref("Sheet1!B8")]
    assert len(np.unique(b8)) == 2                       # F1 is a number in part of the trials


# ----------------------------------------------------------------- lognormal, annuities
MONEY = {
    "A1": 2.0, "A2": 3.0, "A3": 4.0, "A4": 5.0, "A5": 2.5, "C1": "7", "C2": "x",
    "B1": "=LOGNORM.DIST(A1,0.5,A3/4,TRUE)+LOGNORM.DIST(A2,A1/2,0.75,FALSE)",
    "B2": "=LOGNORM.DIST(A1-2,A2,A3-2,A4>4)",        # x <= 0 or s <= 0: #NUM!
    "B3": "=LOGNORMDIST(A1,0,A3/3)+LOGNORM.DIST(A2,1,1,C1)",
    "B4": "=PMT(A1/100,A2*10,-A3*1000)+PMT(A1/100,A2*10,-A3*1000,A4*100,1)",
    "B5": "=PMT(ROUND(A1,0)/100-0.02,A2*10,-A3*1000)",   # a rate of 0 in part of the trials
    "B6": "=PMT(ROUND(A1,0)/10-0.2,ROUND(A2,0)-3,1000+A3)",  # n = 0 or a rate of -1: #NUM!
    "B7": "=PV(A1/100,A2*10,-A3*100)+FV(A1/100,A2*10,-A3*100,-A4)+PV(A1/100,A2,A3,,1)",
    "B8": "=SLN(A1*1000,A2*100,ROUND(A3,0)-3)+PMT(A1/100,C1,1000)",  # life 0: #DIV/0!
    "B9": "=DB(A1*1000,A2*100,A3+2,A4,A5*4)",             # month outside 1..12: #NUM!
    "B10": "=DB(A1*1000,A2*100,A3+2,ROUND(A4,0))+DB(A1*1000,0,5,2)",
    "B11": "=VDB(A1*1000,A2*100,A3+4,A5-1,A4)",           # start < 0: #NUM!
    "B12": "=VDB(A1*1000,A2*10,A3+4,A5/2,A4,1.5,TRUE)+VDB(A1*1000,A2*10,10,0.5,A4+2)",
    "B13": "=IFERROR(PMT(A1/100,C2,1000),-7)+SLN(C1,1,2)",
}


def test_lognormal_and_finance_match_numpy(backend):
    outs = [f"B{i}" for i in range(1, 14)]
    job, got, _ = check(backend, MONEY, outs, STATS_INPUTS)
    _varied(got, job, "B2", {6})
    _varied(got, job, "B6", {6})
    _varied(got, job, "B8", {2})
    _varied(got, job, "B9", {6})
    _varied(got, job, "B11", {6})


def test_pmt_matches_excel():
    """Excel's documented PMT(8%/12, 10, 10000) is -1,037.03."""
    from engine.backends.numba._rt_functions import pmt

    assert math.isclose(pmt(0.08 / 12, 10.0, 10000.0, 0.0, 0.0), -1037.0320893591606,
                        rel_tol=1e-12)


# ----------------------------------------------------------------- lookups over numbers that vary
LOOKUPS = {
    "A1": 2.0, "A2": 3.0, "A3": 4.0, "A4": 5.0, "A5": 2.5,
    "K1": 1.0, "K2": "=A1", "K3": 3.5, "K4": "=A2+1", "K5": 6.0, "K6": "=A3+1",  # unsorted
    "L1": 10.0, "L2": "two", "L3": "=A3", "L4": True, "L6": "=1/0",             # L5 blank
    "M1": 9.0, "M2": "=A4+2", "M3": 5.0, "M4": "=A1", "M5": 1.0,
    "N1": 1.0, "N2": 2.0, "N3": "=A2", "N4": 4.0,
    "P1": 1.0, "Q1": "=A1", "R1": 3.0, "S1": "=A4", "P2": 5.0, "Q2": 6.0, "R2": "=A3",
    "S2": 8.0,
    "B1": "=MATCH(A5,K1:K6,1)+MATCH(A5,K1:K6)*10",
    "B2": "=MATCH(A5*2,M1:M5,-1)+MATCH(A5,M1:M5,-2)*10",       # descending: #N/A past it
    "B3": "=VLOOKUP(A5,K1:L6,2,TRUE)",                         # the kind varies per trial
    "B4": "=ISTEXT(VLOOKUP(A5,K1:L6,2))*1+IFERROR(VLOOKUP(A5,K1:L6,2)*1,-5)",
    "B5": "=LOOKUP(A5,K1:K6,L1:L6)",
    "B6": "=LOOKUP(A5*1.2,K1:L6)+LOOKUP(A5,P1:S2)*10+LOOKUP(A5,K1:K6)*100",   # array forms
    "B7": "=LOOKUP(A5,K1:K6,N1:N4)",                           # beyond the result: #N/A
    "B8": "=HLOOKUP(A5,P1:S2,2)+HLOOKUP(A5,P1:S2,2,FALSE)",
    "B9": "=VLOOKUP(3.5,K1:L6,1,FALSE)+VLOOKUP(6,K1:K6,1)",    # a fixed key, a table that varies
    # vectors holding text, logicals, blanks and errors: stepped over as Excel's search does
    "W1": 1.0, "W2": "a", "W3": "=A1", "W5": True, "W6": "=IF(A2>3,1/0,5)", "W7": 8.0,
    "X1": 9.0, "X2": "t", "X3": "=A4+1", "X4": "=IF(A3>4,1/0,3)", "X5": 1.0,
    "B10": "=MATCH(A5*1.5,W1:W7,1)+MATCH(A5,W1:W7)*10+MATCH(A5,X1:X5,-1)*100",
    "B11": "=LOOKUP(A5*1.5,W1:W7,K1:K7)+LOOKUP(A5,W1:X7)*10",
}


def test_lookups_over_numbers_that_vary_match_numpy(backend):
    outs = [f"B{i}" for i in range(1, 12)]
    job, got, _ = check(backend, LOOKUPS, outs, STATS_INPUTS)
    _varied(got, job, "B10", {7})
    _varied(got, job, "B1", {7})
    _varied(got, job, "B3", {3, 7})
    _varied(got, job, "B7", {7})


def test_searches_are_the_library_searches_on_random_vectors():
    """approx_pos(_t) and desc_pos(_t) against functions._search on random vectors: sorted,
    unsorted, with runs of equal values and elements that are not numbers."""
    from engine.backends.numba import _rt_functions as rt
    from engine.functions import _search as S

    rng = np.random.default_rng(7)
    for _ in range(3_000):
        m = int(rng.integers(1, 12))
        z = np.round(rng.uniform(0, 6, m)) if rng.random() < 0.5 else rng.uniform(0, 6, m)
        if rng.random() < 0.4:
            z = np.sort(z)
        t = (rng.random(m) < 0.3).astype(np.float64) if rng.random() < 0.6 else np.zeros(m)
        key = float(np.round(rng.uniform(-1, 7))) if rng.random() < 0.5 else rng.uniform(-1, 7)
        tab = S.Table(np.where(t != 0, S.STR_T, S.NUM_T).astype(np.int8)[None, :], z[None, :])
        keys = S.Keys(np.array([S.NUM_T], np.int8), np.array([key]), np.array([None]), None)
        want_a = S.approximate(tab, keys, 1)[0]
        want_d = S.descending(tab, keys, 1)[0]
        assert rt.approx_pos_t(z, t, m, key) == want_a, (z, t, key)
        assert rt.desc_pos_t(z, t, m, key) == want_d, (z, t, key)
        if not t.any():
            assert rt.approx_pos(z, m, key) == want_a and rt.desc_pos(z, m, key) == want_d


# ----------------------------------------------------------------- the shared workbooks
def _share(name: str) -> float:
    from bench.bench_fused import slice_job

    job, _ = slice_job(WORKBOOKS / name, trials=100)
    return 1.0 - len(fused_report(job)) / len(job.program.steps)


@pytest.mark.parametrize("book", ["pycel__yearfrac.xlsx", "ironcalc__gantt_project_tracker.xlsx",
                                  "ironcalc__LOGNORM.xlsx", "xlcalculator__VDB.xlsx"])
def test_shared_workbook_slices_are_fused(book):
    assert _share(book) >= 0.99


def test_subtotal_function_numbers_outside_excels_are_value_errors(backend):
    """SUBTOTAL(205, ...) is #VALUE! in the library (only 1-11 and 101-111 exist); the kernel
    must not read it as MIN (205 % 100 = 5): it is the constant #VALUE!."""
    model = Model.from_cells({"Sheet1!A1": 1.0, "Sheet1!A2": 2.0,
                              "Sheet1!B1": "=SUBTOTAL(205,A1:A2)", "Sheet1!B2": "=SUBTOTAL(9,A1:A2)"})
    job = job_for(model, [tri("Sheet1!A1", 0.0, 1.0, 2.0)], ["Sheet1!B1", "Sheet1!B2"], trials=500)
    assert fused_report(job) == {}
    got, want = run(backend, job, 500), run(NumpyBackend(), job, 500)
    assert_same(job, got, want)
    assert (got[1][model.ref("Sheet1!B1")] == 3).all()   # #VALUE!


def test_a_1904_workbook_is_fused(backend, tmp_path):
    """In a 1904 workbook (serials from 1904-01-01) the kernel's calendar moves serials by
    1462 days where they enter and leave, as the numpy library does."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws["A1"] = 40000.0
    ws["B1"] = "=YEAR(A1)*10000+MONTH(A1)*100+DAY(A1)+YEARFRAC(A1,A1+400)"
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    model = Model.open(path)
    assert model.workbook.date1904
    sheet = model.workbook.sheet_names[0] if hasattr(model.workbook, "sheet_names") else "Sheet"
    job = job_for(model, [tri(f"{sheet}!A1", 39000.0, 40000.0, 41000.0)], [f"{sheet}!B1"],
                  trials=500)
    assert fused_report(job) == {}
    got, want = run(backend, job, 500), run(NumpyBackend(), job, 500)
    assert_same(job, got, want)
    b1 = model.ref(f"{sheet}!B1")
    # 40000 in the 1904 system is 2013-07-07 (41462 in the 1900 one)
    one = Model.open(path).evaluate_formula("=YEAR(40000)*10000+MONTH(40000)*100+DAY(40000)")
    assert float(one.data[0]) == 20130707.0
    assert np.all(np.floor(got[0][b1]) // 10000 >= 2010)
