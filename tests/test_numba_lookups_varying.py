"""Lookups in the fused numba kernel over tables that vary per trial, cells that are errors
in some trials, text and logical keys, and XMATCH/XLOOKUP of numbers that vary: every cell
fused (``fused_report`` empty) and numba equal to numpy trial for trial (1e-12 relative,
error codes identical).  Workbooks are written with openpyxl and read back."""

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


def book(tmp_path, cells: dict[str, object], name: str = "book.xlsx") -> Model:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in cells.items():
        ws[k] = v
    path = tmp_path / name
    wb.save(path)
    return Model.open(path)


def check(backend, tmp_path, cells: dict[str, object], outputs: list[str], inputs: list):
    model = book(tmp_path, cells)
    job = job_for(model, inputs, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    assert fused_report(job) == {}
    got = run(backend, job, 1_000)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    return job, got


def codes(job, got, cell: str) -> set[int]:
    return set(np.unique(got[1][job.program.model.ref(f"Sheet1!{cell}")]).tolist())


def spread(job, got, cell: str) -> int:
    c = job.program.model.ref(f"Sheet1!{cell}")
    v = got[0][c][got[1][c] == 0]
    return len(np.unique(v[~np.isnan(v)]))


INPUTS = [tri("Sheet1!A1", 0.0, 2.0, 4.0), tri("Sheet1!A2", 0.0, 1.0, 3.0),
          tri("Sheet1!A3", 1.0, 3.0, 6.0)]

# a table whose first column varies per trial: numbers from the inputs, text and logicals
# chosen per trial, a cell that is an error in part of the trials, a blank
VARYING = {
    "A1": 2.0, "A2": 1.0, "A3": 3.0,
    "D1": "=ROUND(A1,0)", "D2": '=IF(A2>1,"beta","Alpha")', "D3": "=A3",
    "D4": "=IF(A1>3,1/0,A1+2)", "D5": "=A2>2", "D6": "gamma", "D7": "=A3*2",
    "E1": "one", "E2": "=A1*10", "E3": '=IF(A3>4,"big","small")', "E4": 4.0,
    "E5": "=A2", "E6": True, "E7": 7.0,
    "F1": 1.0, "F2": "=A1", "F3": 3.0, "F4": 4.0, "F5": "=A3", "F6": 6.0, "F7": 7.0,
    "G1": "=IF(A1>2,\"x\",A1)",
    "B1": "=MATCH(ROUND(A3,0),D1:D7,0)",                     # exact, errors and text between
    "B2": "=MATCH(A1,D1:D7)+MATCH(A3,D1:D7,1)*10",           # approximate over mixed kinds
    "B3": '=IFERROR(MATCH("BETA",D1:D7,0),0)+IFERROR(MATCH("alpha",D1:D7,0),0)*10',  # any case
    "B4": "=MATCH(A2>1,D1:D7,0)+MATCH(TRUE,D5:D7,1)*10",     # logical keys
    "B5": "=VLOOKUP(A3,D1:E7,2,FALSE)",                      # results of several kinds
    "B6": '=VLOOKUP(IF(A1>2,"gamma","beta"),D1:F7,3,FALSE)',  # a text key in a varying table
    "B7": "=LOOKUP(A1*2,F1:F7,E1:E7)",
    "B8": "=HLOOKUP(A3,D1:F3,2)",                           # a table that varies, HLOOKUP
    "B9": '=MATCH("g*",D1:D7,0)+MATCH("?eta",D1:D7,0)*10',   # wildcards
    "B10": "=MATCH(A3*1.5,F7:F1,-1)",                        # descending, varying vector
    "B11": "=MATCH(G1,D1:D7,0)",                             # a key whose kind varies
    "B12": "=LOOKUP(A1,F1:F7,D1:E7)",                        # a 2-D result vector: #N/A
    "B13": "=MATCH(C20,D1:D7,0)+VLOOKUP(C20,F1:F7,1)",       # a blank key looks up 0
    "B14": "=INDEX(D1:F7,A3+1,A2+1.5)",                     # two-dimensional; #REF! beyond
    "B15": "=ISTEXT(INDEX(E1:E7,A1*1.5+1.5))*1+IFERROR(INDEX(D2:F2,1,A2+1.5)*2,-1)",
    "B16": "=INDEX(D1:F7,A3,A2-5)",                         # a negative position: #VALUE!
    "B17": '=INDEX({1,2;"x",4;5,6},A2+1.5,A1/2+1.5)',         # an array constant
}


def test_lookups_over_tables_that_vary(backend, tmp_path):
    outs = [f"B{i}" for i in range(1, 18)]
    job, got = check(backend, tmp_path, VARYING, outs, INPUTS)
    assert spread(job, got, "B2") > 2 and {0, 7} <= codes(job, got, "B1")
    assert spread(job, got, "B3") == 2
    assert codes(job, got, "B12") == {7}
    assert {0, 4} <= codes(job, got, "B14") and codes(job, got, "B16") == {3}
    assert {0, 4} <= codes(job, got, "B17")


# XMATCH and XLOOKUP of numbers that vary: every match and search mode
MODERN = {
    "A1": 2.0, "A2": 1.0, "A3": 3.0,
    "C1": 1.0, "C2": 2.0, "C3": "=A2+1.5", "C4": 4.0, "C5": "five", "C6": 6.0, "C7": True,
    "D1": 10.0, "D2": 20.0, "D3": "=A3*10", "D4": "forty", "D5": 50.0, "D6": 60.0,
    "D7": "=1/0",
    "H1": 1.0, "H2": 2.0, "H3": 3.0, "H4": 4.0, "H5": 5.0, "H6": 6.0,   # sorted for bisection
    "B1": "=IFERROR(XMATCH(ROUND(A1*2,0),C1:C7),0)+XMATCH(A1*2,C1:C7,-1)*10"
          "+IFERROR(XMATCH(A1*2,C1:C7,1),0)*100",
    "B2": "=XMATCH(A1*2,C1:C7,-1,-1)+XMATCH(ROUND(A1,0),H1:H6,0,2)*10",
    "B3": "=XLOOKUP(ROUND(A1*2,0),C1:C7,D1:D7)",
    "B4": "=XLOOKUP(A1*2,C1:C7,D1:D7,-1,1)",
    "B5": "=XLOOKUP(A3,H1:H6,D1:D6,0,1,2)+XLOOKUP(A3,H6:H1,D1:D6,0,-1,-2)",
    "B6": '=XLOOKUP(A1*2,C1:C7,D1:D7,"none",-1)',
    "B7": '=XMATCH("FIVE",C1:C7)+XMATCH(A2>1,C1:C7)*10+XMATCH("f*",C1:C7,2)*100',
    "B8": "=XMATCH(C20,C1:C7,-1)",                           # a blank key: above everything
    "B9": "=XLOOKUP(A2>1,C1:C7,D1:D7)",                      # TRUE finds an error cell
}


def test_xmatch_and_xlookup_of_numbers_that_vary(backend, tmp_path):
    outs = [f"B{i}" for i in range(1, 10)]
    job, got = check(backend, tmp_path, MODERN, outs, INPUTS)
    assert spread(job, got, "B1") > 2 and {0, 7} <= codes(job, got, "B1")
    assert spread(job, got, "B5") > 2
    assert {0, 7} <= codes(job, got, "B3") and codes(job, got, "B9") == {2, 7}


def test_typed_searches_are_the_library_searches():
    """lk_approx, lk_desc, lk_exact and lk_order against functions._search on random typed
    vectors (numbers, text ranks, logicals, blanks, errors), for a table the same in every
    trial and one that varies."""
    from engine.backends.numba import _rt_functions as rt
    from engine.functions import _search as S

    rng = np.random.default_rng(11)
    for _ in range(600):
        m = int(rng.integers(1, 10))
        t = rng.choice([0, 0, 0, 1, 1, 2, 3, 4], m).astype(np.float64)
        z = np.round(rng.uniform(0, 4, m))
        z[t == 2] = np.round(rng.uniform(0, 1, int((t == 2).sum())))
        z[t >= 3] = 0.0
        if rng.random() < 0.4:
            order = np.lexsort((z, t))
            z, t = z[order], t[order]
        kt = int(rng.choice([0, 1, 2, 3]))
        key = 0.0 if kt == 3 else float(rng.integers(0, 2)) if kt == 2 else float(
            np.round(rng.uniform(-1, 5)))
        keys = S.Keys(np.array([kt], np.int8), np.array([key]), np.array([None]), None)
        for rows in (1, 2):
            tab = S.Table(np.repeat(t.astype(np.int8)[None, :], rows, 0),
                          np.repeat(z[None, :], rows, 0))
            if kt != 3:
                assert rt.lk_approx(z, t, m, key, kt) == S.approximate(tab, keys, rows)[0]
                assert rt.lk_desc(z, t, m, key, kt) == S.descending(tab, keys, rows)[0]
                for last in (False, True):
                    want = S.exact(tab, keys, rows, [], wildcards=False, last=last)[0]
                    assert rt.lk_exact(z, t, m, key, kt, float(last)) == want
            erank, krank = S.total_order(tab, keys, rows)
            for mode in (0, -1, 1):
                for search in (1, -1, 2, -2):
                    want = (S.bisect(erank, krank, mode, search == -2) if abs(search) == 2
                            else S.ordered(erank, krank, mode, last=search == -1))[0]
                    got = rt.lk_order(z, t, m, key, kt, float(mode), float(search))
                    assert got == want, (z, t, key, kt, mode, search)


# ----------------------------------------------------------------- the CUDA kernel's twins
@pytest.mark.parametrize("cells", [VARYING, MODERN], ids=["classic", "modern"])
def test_cuda_host_build_runs_the_typed_lookups(tmp_path, cells):
    """The CUDA translation of the same kernels (lk_* twins in the CUDA runtime), compiled
    for the host by a C++ compiler: numpy's numbers, nothing left to the CPU; and nvcc
    compiles it for the device where nvcc is installed."""
    from tests.test_backend_cupy import NVCC, HostCudaBackend, _nvcc_ptx, host_equals_numpy

    model = book(tmp_path, cells)
    outs = [k for k in cells if k.startswith("B")]
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in outs], trials=1_000)
    host_equals_numpy(job, tmp_path, 1_000)   # every cell in the CUDA kernel
    if NVCC is not None:
        _nvcc_ptx(HostCudaBackend.source_of(job), tmp_path, "lookups")
