"""(1+r)^n of the annuity functions (financial._growth): numpy's reference, numba's kernel and
the CUDA twin (built for the host) give the same double.

Before: numpy took exp(n log1p(r)) with its SIMD exp/log1p, numba C's, one unit in the last
place apart in ~7% of trials; a loan schedule's difference of two ~3e5 totals (a real
workbook's total-paid minus principal cells) made that 3.2e-11 relative.  Now a whole n is
powered in double-double arithmetic (only + - * / frexp ldexp: the same in all three), a
fractional n by C's exp/log1p in both CPU backends."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import openpyxl
import pytest

pytest.importorskip("numba")

from numba import njit  # noqa: E402

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numba._rt_functions import _growth  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.functions import financial  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import CXX, HostCudaBackend  # noqa: E402
from tests.test_backend_numba import job_for, run, tri  # noqa: E402


@njit(cache=False)
def _numba_growth(r, n):
    g = np.empty_like(r)
    a = np.empty_like(r)
    for i in range(r.size):
        g[i], a[i] = _growth(r[i], n[i])
    return g, a


def _bits(x: np.ndarray) -> np.ndarray:
    x = np.where(np.isnan(x), np.nan, x)  # one NaN
    return x.view(np.int64)


def _rates(size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    r = rng.uniform(-0.05, 0.3, size) / rng.choice([1, 4, 12, 52, 365], size)
    r[::7] = rng.uniform(-3.0, 3.0, r[::7].size)
    n = rng.integers(-400, 1000, size).astype(float)
    n[::5] = rng.uniform(-50.0, 400.0, n[::5].size)       # fractional periods
    n[::11] = rng.integers(-2**40, 2**40, n[::11].size)   # overflow and underflow
    r[:9] = [0.0, -1.0, -2.0, np.inf, np.nan, 1e300, -1e-300, 0.1, 5.0]
    n[:9] = [3.0, 4.0, 2.0, 5.0, 1.0, 3.0, 5.0, np.inf, 33.0]
    return r, n


def test_numba_growth_is_numpys_bit_for_bit():
    r, n = _rates(60_000, 5)
    want = financial._growth(r, n)
    got = _numba_growth(r, n)
    for w, g in zip(want, got, strict=True):
        assert np.array_equal(_bits(w), _bits(g))


def test_whole_periods_are_correctly_rounded():
    r, n = _rates(600, 8)
    keep = (np.floor(n) == n) & (np.abs(n) < 2000) & (np.abs(r) < 0.5) & (r != 0)
    r, n = r[keep], n[keep]
    g, ann = financial._growth(r, n)
    for ri, ni, gi, ai in zip(r, n, g, ann, strict=True):
        exact = (1 + Fraction(ri)) ** int(ni)
        assert gi == float(exact)
        want = float((exact - 1) / Fraction(ri))
        assert abs(ai - want) <= 2 * np.spacing(abs(want))  # one division after the pair
    # Excel's documented PMT(8%/12, 10, 10000) and FV(6%/12, 10, -200, -500, 1)
    assert financial._pmt(np.array([0.08 / 12]), np.array([10.0]), np.array([10000.0]),
                          np.array([0.0]), np.array([0.0]))[0] == pytest.approx(-1037.03, abs=5e-3)
    assert financial._fv(np.array([0.06 / 12]), np.array([10.0]), np.array([-200.0]),
                         np.array([-500.0]), np.array([1.0]))[0] == pytest.approx(2581.40, abs=5e-3)


def test_nper_is_numbas_bit_for_bit():
    """NPER's log and log1p: C's in numpy too (numpy's SIMD log1p differed in ~28% of cases)."""
    from engine.backends.numba._rt_annuity import nper
    from engine.values import Kind, Vec

    rng = np.random.default_rng(4)
    size = 20_000
    r = rng.uniform(-0.01, 0.2, size) / 12
    p, v = -rng.uniform(100, 5000, size), rng.uniform(1e4, 3e5, size)
    f, t = rng.uniform(-1e4, 1e4, size), (rng.random(size) < 0.3) * 1.0
    r[:5], p[:5] = [0.0, -1.0, -2.0, 0.01, 0.02], [0.0, -100.0, -100.0, 0.0, 100.0]

    @njit(cache=False)
    def each(r, p, v, f, t):
        out = np.empty_like(r)
        for i in range(r.size):
            out[i] = nper(r[i], p[i], v[i], f[i], t[i])
        return out

    want = financial.nper(*[Vec(Kind.NUM, x, None) for x in (r, p, v, f, t)])
    ok = want.err == 0 if want.err is not None else np.ones(size, bool)
    assert ok.sum() > size // 2
    assert np.array_equal(_bits(want.data[ok]), _bits(each(r, p, v, f, t)[ok]))


def _schedule_book(tmp_path):
    """A loan tracker: rate and principal drawn, PMT/IPMT/PPMT over the first 12 months of a 36-month loan, the
    totals paid and the interest as a difference of two large totals (the real pattern)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Loan"
    ws["B1"], ws["B2"], ws["B3"] = 0.05, 36, 250000
    ws["B4"] = "=PMT(B1/12,B2,-B3)"
    ws["B5"] = "=B4*B2"
    ws["B6"] = "=B5-B3"                               # total interest: a difference of totals
    ws["B7"] = "=FV(B1/12,B2,-B4,B3)+PV(B1/12,B2,-B4)-B3"
    ws["B8"] = "=CUMIPMT(B1/12,B2,B3,1,B2,0)+CUMPRINC(B1/12,B2,B3,1,12,1)"
    ws["B9"] = "=RATE(B2,-B4,B3)*12-B1"
    ws["B10"] = "=FV(B1/12,B2/7,-B4,B3)"              # a fractional number of periods
    for i in range(12):
        r = 12 + i
        ws[f"A{r}"] = i + 1
        ws[f"C{r}"] = f"=IPMT($B$1/12,A{r},$B$2,-$B$3)"
        ws[f"D{r}"] = f"=PPMT($B$1/12,A{r},$B$2,-$B$3)"
        ws[f"E{r}"] = f"=$B$3-SUM($D$12:D{r})"
    ws["B11"] = "=SUM(C12:C23)+SUM(D12:D23)-B4*12"
    ws["B12"] = "=NPER(B1/12,-B4*1.01,B3,-B3/9)"        # logs: C's in numpy too
    path = tmp_path / "loan.xlsx"
    wb.save(path)
    model = Model.open(path)
    outs = ["Loan!B4", "Loan!B5", "Loan!B6", "Loan!B7", "Loan!B8", "Loan!B9", "Loan!B10",
            "Loan!B11", "Loan!C20", "Loan!D22", "Loan!E23", "Loan!B12"]
    ins = [tri("Loan!B1", 0.01, 0.05, 0.12), tri("Loan!B3", 1e5, 2.5e5, 4e5)]
    return job_for(model, ins, outs, trials=400)


def _same_bits(job, got, want) -> None:
    for c in job.program.outputs:
        np.testing.assert_array_equal(got[1][c], want[1][c], err_msg=f"codes of {c}")
        assert np.array_equal(_bits(got[0][c]), _bits(want[0][c])), c


def test_a_loan_schedule_is_the_same_double_in_numba(tmp_path):
    job = _schedule_book(tmp_path)
    assert fused_report(job) == {}
    be = NumbaBackend(threads=1, kernel_dir=tmp_path / "k")
    try:
        got = run(be, job, 400)
    finally:
        be.close()
    _same_bits(job, got, run(NumpyBackend(), job, 400))


@pytest.mark.skipif(CXX is None, reason="no C++ compiler")
def test_a_loan_schedule_is_the_same_double_in_the_cuda_host_build(tmp_path):
    job = _schedule_book(tmp_path)
    host = HostCudaBackend(tmp_path)
    assert host.cpu_reason(job) is None
    want = run(NumpyBackend(), job, 400)
    got = run(host, job, 400)
    # whole periods: bit for bit; B10's fractional periods use exp/log1p (C's on the host)
    _same_bits(job, got, want)
