"""Workbooks written as people write them (tests/realistic_models.py: a cost estimate with a
risk register, a schedule on working days, an engineering estimate, a loan model) run on the
numba backend: their whole stochastic slice is fused, the numbers and error codes are the
numpy reference's, and the reference gives the values computed here by hand for a few cells.

Each model's uncertain inputs are the cells a modeller would vary (costs, probabilities,
durations, loads, prices); every formula cell is an output.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.realistic_models import MODELS  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 1_000


def _spread(model: Model, cells: list[str], lo: float = 0.8, hi: float = 1.3) -> list:
    specs = []
    for c in cells:
        x = float(model.workbook.cell(model.ref(c)).value)
        specs.append(tri(c, x * lo, x, x * hi))
    return specs


# a few inputs per model (a slice of every kind of formula, compiled in seconds)
INPUTS = {
    "realistic_cost_risk.xlsx": ["Items!B2", "Items!B3", "Items!F2", "Risks!C2", "Risks!D2"],
    "realistic_schedule.xlsx": ["Plan!B14", "Plan!B15"],
    "realistic_engineering.xlsx": ["Members!C2", "Members!E2"],
    "realistic_loan_finance.xlsx": ["Model!B3"],
}


# cells left to numpy for reasons in other parts of the kernel generator (a lookup of an
# array expression: the "last match" LOOKUP(2, 1/(range="x"), values); dynamic text of two
# TEXT formats); fused later, they leave this list
KNOWN_ELSEWHERE = {"Plan!O24": "a range used as a single value",
                   "Model!Q16": "TEXT of a number that varies per trial"}


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


@pytest.fixture(scope="module")
def results(backend, tmp_path_factory):
    """name -> (model, job, numba results, numpy results)."""
    folder = tmp_path_factory.mktemp("models")
    out = {}
    for name, build in MODELS.items():
        model = Model.open(build(folder / name))
        outputs = [str(c) for c in model.workbook.formula_cells()]
        job = job_for(model, _spread(model, INPUTS[name]), outputs, trials=TRIALS)
        out[name] = (model, job, run(backend, job, TRIALS), run(NumpyBackend(), job, TRIALS))
    return out


@pytest.mark.parametrize("name", list(MODELS))
def test_whole_slice_fused_and_equal_to_numpy(results, backend, name):
    model, job, got, want = results[name]
    assert len(job.program.steps) > 20
    report = fused_report(job, backend)
    assert report.items() <= KNOWN_ELSEWHERE.items()
    assert_same(job, got, want)


def _cell(results, name: str, ref: str) -> tuple[np.ndarray, np.ndarray]:
    model, _, _, (values, errors, _) = results[name]
    c = model.ref(ref)
    return values[c], errors[c]


def _input(results, name: str, ref: str) -> np.ndarray:
    """An input's samples, or a constant cell's value in every trial."""
    model, _, _, (_, _, inputs) = results[name]
    got = inputs.get(model.ref(ref))
    if got is not None:
        return got
    return np.full(TRIALS, float(model.workbook.cell(model.ref(ref)).value))


def _round_half_away(x: float, digits: int) -> float:
    q = 10.0 ** -digits
    return math.copysign(math.floor(abs(x) / q + 0.5) * q, x)


def test_cost_model_by_hand(results):
    name = "realistic_cost_risk.xlsx"
    b2 = _input(results, name, "Items!B2")          # "No" contingency, Labour (factor 1.1)
    h2, e = _cell(results, name, "Items!H2")
    assert not e.any()
    np.testing.assert_allclose(h2, [_round_half_away(x * 1.1, -1) for x in b2], rtol=1e-12)
    b3 = _input(results, name, "Items!B3")          # "Yes": +12%, Material (1.05)
    h3, _ = _cell(results, name, "Items!H3")
    np.testing.assert_allclose(h3, [_round_half_away(x * 1.12 * 1.05, -1) for x in b3],
                               rtol=1e-12)
    # EDATE of 2025-01-01 by the truncated months: the first of a later month
    f2 = _input(results, name, "Items!F2")
    k2, _ = _cell(results, name, "Items!K2")
    for months, serial in zip(f2, k2, strict=True):
        m = int(months)
        want = dt.date(2025 + m // 12, 1 + m % 12, 1) - dt.date(1899, 12, 30)
        assert serial == want.days
    # risks: exposure "" where closed, so the average counts the open ones only
    avg, e = _cell(results, name, "Summary!B29")
    assert not e.any()
    open_rows = [i for i in range(2, 10) if i not in (4, 7)]
    exposure = [_input(results, name, f"Risks!C{i}") * _input(results, name, f"Risks!D{i}")
                for i in open_rows]
    np.testing.assert_allclose(avg, np.mean(exposure, axis=0), rtol=1e-12)


def test_loan_model_by_hand(results):
    name = "realistic_loan_finance.xlsx"
    capex, rate = _input(results, name, "Model!B1"), _input(results, name, "Model!B3")
    pay, e = _cell(results, name, "Model!Q5")
    assert not e.any()
    loan = capex * 0.6
    np.testing.assert_allclose(pay, loan * rate / (1 - (1 + rate) ** -12), rtol=1e-12)
    # interest in year 1 is the loan times the rate; the sum over the term is CUMIPMT's
    e15, _ = _cell(results, name, "Model!E15")
    np.testing.assert_allclose(e15, loan * rate, rtol=1e-12)
    total, _ = _cell(results, name, "Model!Q11")
    np.testing.assert_allclose(total, pay * 12 - loan, rtol=1e-10)


def _workday(start: dt.date, k: int, holidays: set[dt.date]) -> dt.date:
    d = start
    while k > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5 and d not in holidays:
            k -= 1
    return d


def test_schedule_by_hand(results):
    name = "realistic_schedule.xlsx"
    hol = {dt.date(2025, 4, 18), dt.date(2025, 4, 21), dt.date(2025, 5, 5),
           dt.date(2025, 5, 26), dt.date(2025, 8, 25), dt.date(2025, 12, 25),
           dt.date(2025, 12, 26)}
    base = dt.date(1899, 12, 30)
    days = _input(results, name, "Plan!B14")
    start, _ = _cell(results, name, "Plan!D14")
    finish, e = _cell(results, name, "Plan!E14")
    assert not e.any()
    assert base + dt.timedelta(days=int(start[0])) == dt.date(2025, 5, 6)
    for k, serial in zip(days, finish, strict=True):
        d = _workday(dt.date(2025, 5, 6), int(k) - 1, hol)
        assert serial == (d - base).days


def test_engineering_by_hand(results):
    name = "realistic_engineering.xlsx"
    load = _input(results, name, "Members!E2")
    stress, e = _cell(results, name, "Members!I2")      # LET(f, E2*1000*1.5, a, area, f/a)
    assert not e.any()
    np.testing.assert_allclose(stress, load * 1000 * 1.5 / (math.pi * (20 / 2) ** 2),
                               rtol=1e-12)


# ----------------------------------------------------------------- what those models needed
# each formula was left to numpy before (a function outside the fused subset, an aggregate
# over a cell that holds "" in some trials, a text argument, an array expression)
ADDED = {
    "C1": '=IF(A1>2,"",A1*2)', "C2": '=IF(A2>3,"x",A2)', "C3": "=A1+A2",
    "C4": "=IF(A1>2.5,TRUE,A1)", "C5": '=IF(A1>2,"",A2)', "T1": "Steel", "T2": "Alu",
    "T3": "3.5",
    "B1": "=MAX(C1:C4)+MIN(C1:C4)*2", "B2": "=AVERAGE(C1:C3)", "B3": "=STDEV(C1:C4)",
    "B4": "=VAR.P(C1:C3)", "B5": "=MEDIAN(C1:C4)+LARGE(C1:C4,2)", "B6": "=PERCENTILE(C1:C4,0.3)",
    "B7": "=SMALL(C1:C4,A1)", "B8": '=MIN("3",A1)+MAX(A2,T3&"")', "B9": "=COUNTBLANK(C1:C5)",
    "B10": "=ROWS(C1:C3)*A1+COLUMNS(C1:D1)", "B11": "=SUMPRODUCT(C3:C4*(T1:T2=\"Steel\"))",
    "B12": "=SUMPRODUCT(--(C1:C4>2.5),C3:C6)",
    "B13": "=EDATE(45000+A1*100,A2)+EOMONTH(45000,-A2)", "B14": "=DATE(2020+A1,A2*5,A1*10)",
    "B15": "=WEEKDAY(45000+A1*10)+WEEKDAY(45000+A2*10,A1*5)", "B16": "=DAYS(45000+A1*100,45000)",
    "B17": "=IPMT(A1/100,A2,10,1000)+PPMT(A1/100,A2-1,3,1000,0,1)",
    "B18": "=NPER(A1/100,-100,A2*200)+CUMIPMT(A1/100,10,1000,A2-1,A2+3,0)",
    "B19": "=CUMPRINC(A1/100,10,1000,1,A2*2,1)+DDB(1000,100,A2*3,A1)",
    "B20": "=RATE(10,-A1*100,A2*500)", "B21": "=LET(_xlpm.f,A1*3,_xlpm.a,_xlpm.f+A2,_xlpm.f/_xlpm.a)",
    "B22": "=CEILING(A1*10-25,A2-3)+FLOOR(A1*10-25,A2-3)+MROUND(A1*100,5)",
    "B23": "=CEILING.MATH(A1*10-25,A2,A1>2)+FLOOR.PRECISE(A1-2.2,0.5)+EVEN(A1)+ODD(A2)",
    "B24": "=IFERROR(RANK.EQ(A2,C1:C4),0)+RANK.AVG(C3,C1:C4,1)",
    "B25": "=XNPV(A1/20,C6:C7,T4:T5)+MIRR(C6:C8,0.1,A1/20)", "T4": 45000, "T5": 45400,
    "C6": "=-A1*100", "C7": "=A2*60", "C8": "=A1*70",
    "B26": "=DEGREES(A1)+RADIANS(A2)+ASIN(A1-2.5)+ACOS(A2-3.5)+SINH(A1)+COSH(A2)+ATAN2(A1-2,A2-3)",
    "B27": "=HOUR(A1*1000.37)+MINUTE(A1/3)+SECOND(A2*1.2345)+TIME(A1*5,A2*17,A1*100)",
}


def test_functions_added_for_real_workbooks_are_fused_and_equal_to_numpy(backend):
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in ADDED.items()})
    outputs = [f"Sheet1!{k}" for k in ADDED if k.startswith("B")]
    job = job_for(model, [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", 2.0, 3.0, 5.0)],
                  outputs, trials=2_000)
    assert fused_report(job, backend) == {}
    got, want = run(backend, job, 700), run(NumpyBackend(), job, 2_000)
    assert_same(job, got, want)
    for c in job.program.outputs:   # every formula gives numbers in most trials
        assert (want[1][c] == 0).mean() > 0.2, c
