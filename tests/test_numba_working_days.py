"""Calendar functions in the fused numba kernel: WORKDAY, NETWORKDAYS (and .INTL, with
holidays), the 1904 date system (YEAR/MONTH/DAY, YEARFRAC, working days counted from the
workbook's epoch), SHEET/SHEETS, SUBTOTAL with a function number Excel does not have.
Workbooks are written with openpyxl; every cell fused and numba equal to numpy trial for
trial (1e-12 relative, error codes identical)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 1_000


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def book(tmp_path, cells: dict[str, object], mac: bool = False, sheets: int = 1) -> Model:
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    if mac:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Sheet1"
    for k in range(2, sheets + 1):
        wb.create_sheet(f"Other{k}")
    for k, v in cells.items():
        ws[k] = v
    path = tmp_path / ("mac.xlsx" if mac else "book.xlsx")
    wb.save(path)
    model = Model.open(path)
    assert model.workbook.date1904 == mac
    return model


def check(backend, model: Model, outputs: list[str], inputs: list):
    job = job_for(model, inputs, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    assert fused_report(job) == {}
    got = run(backend, job, 1_000)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    return job, got


def values(job, got, cell: str) -> np.ndarray:
    c = job.program.model.ref(f"Sheet1!{cell}")
    return got[0][c][got[1][c] == 0]


def codes(job, got, cell: str) -> set[int]:
    return set(np.unique(got[1][job.program.model.ref(f"Sheet1!{cell}")]).tolist())


CALENDAR = {
    "A1": 45000.0, "A2": 10.0, "A3": 45300.0,
    # holidays: two on weekdays, one on a Saturday (ignored), one repeated, a blank
    "H1": 45005.0, "H2": 45012.0, "H3": 45003.0, "H4": 45012.0,
    "T1": "2023-03-20",
    "B1": "=WORKDAY(A1,A2)+WORKDAY(A1,-A2)*2",
    "B2": "=WORKDAY(A1,A2*3,H1:H5)-WORKDAY(A1,-A2*3,H1:H5)",
    "B3": "=NETWORKDAYS(A1,A3)+NETWORKDAYS(A3,A1,H1:H4)*1000",
    "B4": '=WORKDAY.INTL(A1,A2,7)+NETWORKDAYS.INTL(A1,A3,"0010011",H1:H4)*0.5',
    "B5": "=WORKDAY(A1,A2*0)+WORKDAY(T1,A2)+NETWORKDAYS(T1,A1)",   # 0 days; a date as text
    "B6": "=WORKDAY(A1-A3*0.999,A2)",                              # a negative serial: #NUM!
    "B7": "=WORKDAY(A1,A2*300000)",                                # beyond 9999: #NUM!
    "B8": "=WORKDAY.INTL(A1,A2,99)+YEAR(A1)",                      # no such weekend: #NUM!
    "B9": "=YEAR(A1)*10000+MONTH(A1+A2)*100+DAY(A1)+YEARFRAC(A1,A3,1)",
    # Excel's documented examples (1900 system): WORKDAY(2008-10-01, 151) is 2009-04-30
    # (39933), with the holidays 2008-11-26, 2008-12-04, 2009-01-21 2009-05-05 (39938);
    # NETWORKDAYS(2012-10-01, 2013-03-01, 2012-11-22) is 109
    "G1": 39778.0, "G2": 39786.0, "G3": 39834.0, "G4": 41235.0,
    "B10": "=WORKDAY(39722+A2*0,151)", "B11": "=WORKDAY(39722+A2*0,151,G1:G3)",
    "B12": "=NETWORKDAYS(41183+A2*0,41334,G4)",
}
INPUTS = [tri("Sheet1!A1", 44900.0, 45000.0, 45200.0), tri("Sheet1!A2", -20.0, 10.0, 40.0),
          tri("Sheet1!A3", 45100.0, 45300.0, 45500.0)]


@pytest.mark.parametrize("mac", [False, True], ids=["1900", "1904"])
def test_working_days_and_dates(backend, tmp_path, mac):
    """The same formulas in a 1900 and a 1904 workbook: the 1904 one counts its serials from
    1904-01-01, so its weekdays, years and working days differ (by 1462 days)."""
    model = book(tmp_path, CALENDAR, mac=mac)
    outs = [f"B{i}" for i in range(1, 13)]
    job, got = check(backend, model, outs, INPUTS)
    assert len(np.unique(values(job, got, "B2"))) > 20
    assert codes(job, got, "B6") >= {0, 6} and codes(job, got, "B7") >= {6}
    assert codes(job, got, "B8") == {6}
    years = np.floor(values(job, got, "B9") / 10000)
    assert set(years.tolist()) <= ({2022.0, 2023.0} if not mac else {2026.0, 2027.0})
    if not mac:
        known = [set(values(job, got, f"B{i}").tolist()) for i in (10, 11, 12)]
        assert known == [{39933.0}, {39938.0}, {109.0}]


def test_runtime_working_days_are_numpys_busday_functions():
    """workday/networkdays of the runtime against dates._workday/._networkdays on random
    dates, day counts, weekends and holidays, in both date systems."""
    from engine.backends.numba import _rt_functions as rt
    from engine.functions import _epoch
    from engine.functions.dates import _BASE, _holidays, _networkdays, _weekmask, _workday
    from engine.values import Grid, Kind, Vec

    rng = np.random.default_rng(5)
    for _ in range(300):
        shift = int(rng.choice([0, 1462]))
        token = _epoch._shift.set(shift)
        try:
            weekend = float(rng.choice([1, 2, 7, 11, 17]))
            mask, _ = _weekmask(Vec(Kind.NUM, np.array([weekend])))
            bits = sum(1 << i for i, ch in enumerate(mask) if ch == "1")
            hol_serials = rng.integers(45000, 45060, int(rng.integers(0, 5))).astype(float)
            hol = Grid([[Vec(Kind.NUM, np.array([x]))] for x in hol_serials]) if len(
                hol_serials) else None
            days, _ = _holidays(hol)
            h = np.array(sorted({int(d) for d in (days - _BASE).astype(np.int64)
                                 if (bits >> ((int(d) + 5) % 7)) & 1}), dtype=np.float64)
            h = h if len(h) else np.zeros(1)
            nh = len({int(d) for d in (days - _BASE).astype(np.int64)
                      if (bits >> ((int(d) + 5) % 7)) & 1})
            s = rng.uniform(44990, 45070, 40)
            k = rng.uniform(-60, 60, 40)
            e = rng.uniform(44990, 45070, 40)
            w = _workday(Vec(Kind.NUM, s), Vec(Kind.NUM, k), hol, mask, None)
            n = _networkdays(Vec(Kind.NUM, s), Vec(Kind.NUM, e), hol, mask, None)
            for i in range(40):
                assert rt.workday(s[i], k[i], float(bits), h, nh, shift) == w.data[i]
                assert rt.networkdays(s[i], e[i], float(bits), h, nh, shift) == n.data[i]
        finally:
            _epoch._shift.reset(token)


def test_sheet_sheets_and_subtotal_outside_excels_numbers(backend, tmp_path):
    """SHEET/SHEETS are constants the workbook fixes; SUBTOTAL(205, ...) is #VALUE! (only
    1-11 and 101-111 exist) whatever its range holds."""
    cells = {"A1": 2.0, "A2": 3.0,
             "B1": "=SHEET()*10+SHEETS()+SHEET(A1)+A1",
             "B2": "=SUBTOTAL(205,A1:A2)", "B3": "=SUBTOTAL(109,A1:A2)+SHEETS(A1:A2)"}
    model = book(tmp_path, cells, sheets=3)
    inputs = [tri("Sheet1!A1", 1.0, 2.0, 3.0), tri("Sheet1!A2", 2.0, 3.0, 4.0)]
    job, got = check(backend, model, ["B1", "B2", "B3"], inputs)
    c = job.program.model.ref("Sheet1!A1")
    np.testing.assert_array_equal(values(job, got, "B1"), 14.0 + got[2][c])
    assert codes(job, got, "B2") == {3}


@pytest.mark.parametrize("mac", [False, True], ids=["1900", "1904"])
def test_cuda_host_build_counts_the_same_days(tmp_path, mac):
    """The CUDA translation (serial_part/yearfrac with the date system's shift, workday and
    networkdays twins), compiled for the host: numpy's numbers, nothing left to the CPU."""
    from tests.test_backend_cupy import NVCC, HostCudaBackend, _nvcc_ptx, host_equals_numpy

    model = book(tmp_path, CALENDAR, mac=mac)
    job = job_for(model, INPUTS, [f"Sheet1!B{i}" for i in range(1, 10)], trials=1_000)
    host_equals_numpy(job, tmp_path, 1_000)   # every cell in the CUDA kernel
    if NVCC is not None and mac:
        _nvcc_ptx(HostCudaBackend.source_of(job), tmp_path, "calendar")
