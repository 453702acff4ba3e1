"""INDEX of whole rows and columns in the fused numba kernel (engine/backends/numba/_index_ref.py):
a 0 or empty position, INDEX(2-D array, k), positions that may be 0 or negative, in plain
cells (implicit intersection), array formulas (each cell its element) and as the range of
SUM/AVERAGE/MAX/COUNT/SUMPRODUCT/MATCH.  Every cell fused, numba equal to numpy trial for
trial (error codes identical), and the values Excel documents where they are Excel's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import NA, REF, VALUE  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 400
DATA = Path(__file__).parent / "data" / "workbooks"


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


# ----------------------------------------------------------------- pycel's INDEX sheet
# pycel__lookup.xlsx, sheet Index: INDEX(range or array constant, row, column) as array
# formulas over a grid of positions -1, 0, 1 ... 6 (the numbers varied +-10% as the bench
# does: -1 is -1 or 0 after truncation, 1 is 0 or 1, 2 is 1 or 2 ...), a 0 row (whole
# column), a 0 column (whole row), both 0 (the whole range), INDEX({1,2;3,4}, k) and
# INDEX({1,2;3,4},, k)
PYCEL_OUTPUTS = [
    "C11", "D12", "J12", "N12", "F14", "I17", "D18", "D22", "J18", "K19",
    "C26", "J27", "E28", "J32", "E34", "J33", "L35",
    "C40", "C41", "D41", "C42", "D42", "C43", "C44", "D45",
    "G41", "H41", "H42", "I41", "I42", "J41", "K41", "L42",
]


def pycel_inputs(model: Model) -> list:
    """Every non-zero number of the Index sheet read by a formula, +-10% (as bench_fused)."""
    wb = model.workbook
    out = []
    for row in range(1, 46):
        for col in range(1, 15):
            ref = model.ref(f"Index!{chr(64 + col)}{row}")
            cell = wb.cell(ref)
            if cell is None or cell.formula is not None or cell.array_anchor is not None:
                continue
            x = cell.value
            if isinstance(x, int | float) and not isinstance(x, bool) and x != 0:
                lo, hi = sorted((x * 0.9, x * 1.1))
                out.append(tri(str(ref), lo, float(x), hi))
    return out


def test_pycel_index_sheet_is_fused_and_equal_to_numpy(backend):
    model = Model.open(DATA / "pycel__lookup.xlsx")
    inputs = pycel_inputs(model)
    job = job_for(model, inputs, [f"Index!{c}" for c in PYCEL_OUTPUTS], trials=TRIALS)
    assert fused_report(job) == {}
    got = run(backend, job, TRIALS)
    assert_same(job, got, run(NumpyBackend(), job, TRIALS))

    def at(cell: str) -> tuple[np.ndarray, np.ndarray]:
        c = model.ref(f"Index!{cell}")
        return got[0][c], got[1][c]

    ins = {str(k): v for k, v in got[2].items()}
    # INDEX({1,2;3,4},,k): column k of the array, one per cell of I41:I42 (k = 1 or 2)
    k = np.trunc(ins["Index!I40"])
    for cell, first in (("I41", 1.0), ("I42", 3.0)):
        v, e = at(cell)
        assert (e == 0).all() and set(k) == {1.0, 2.0}
        np.testing.assert_array_equal(v, first + k - 1.0)
    # INDEX({1,2;3,4}, k) with k = 1 or 2: row k of the array across C42:D42
    k = np.trunc(ins["Index!B42"])
    np.testing.assert_array_equal(at("C42")[0], 2.0 * k - 1.0)
    np.testing.assert_array_equal(at("D42")[0], 2.0 * k)
    # row 2 or 3 of a 2-row array: #REF! where it is 3
    v, e = at("C43")
    np.testing.assert_array_equal(e, np.where(np.trunc(ins["Index!B43"]) > 2, REF, 0))
    # INDEX({1,2;3,4},0,0) (B44 = 0, no column): the whole array in C44:D45
    assert (at("C44")[0] == 1.0).all() and (at("D45")[0] == 4.0).all()
    # a negative position: #VALUE! (C10 = -1 is -1 or 0: #VALUE! either way)
    assert (at("C11")[1] == VALUE).all() and (at("C26")[1] == VALUE).all()
    # INDEX(array, 0, 0): the whole 5x5 array constant in J33:N37
    assert (at("L35")[0] == 13.0).all() and (at("J33")[0] == 1.0).all()


# ----------------------------------------------------------------- a user's workbook
# A3:C5 holds A1 * 1..9 by rows, C4 text; A2 in [1.1, 3.9] (column or row 1, 2 or 3), A6 in
# [-1.5, 4.5] (a row that is negative, 0, inside or past the range), A7 in [1.1, 2.9]
PLAIN = {
    "E1": "=SUM(INDEX(A3:C5,0,2))",                   # a constant column: the range B3:B5
    "E2": "=SUM(INDEX(A3:C5,0,A2))",                  # a column chosen per trial
    "E3": "=AVERAGE(INDEX(A3:C5,2,0))",               # a whole row (text skipped)
    "E4": "=MAX(INDEX(A3:C5,0,A2))",
    "E5": "=COUNT(INDEX(A3:C5,0,A2))",
    "E6": "=SUMPRODUCT(INDEX(A3:C5,0,1),INDEX(A3:C5,0,A2))",
    "E7": "=MATCH(A1*5,INDEX(A3:C5,0,2),1)",
    "E8": "=INDEX(A3:C5,0,2)",                        # row 8 meets no row of B3:B5: #VALUE!
    "E9": "=INDEX(A3:C5,A6,2)",                       # #VALUE! at <= 0, #REF! past 3
    "E10": "=SUM(INDEX(A3:C5,0,0))",
    "E11": "=SUM(INDEX({1,2;3,4},0,A7))",
    "E12": "=INDEX(A3:C5,0,A2)",                      # numpy: the gathered column's first
    "E13": "=INDEX(A3:C5,A6,A2)",
    "E14": "=SUM(INDEX(A3:C5,A2,))",                  # an empty column: the whole row
    "D4": "=INDEX(A3:C5,0,1)",                        # row 4 of column A: A4
    "D5": "=INDEX(A3:A5,0)",                          # a one-column range: row 5, A5
}
ARRAYS = {
    "G3": ("G3:H6", "=INDEX(A3:C5,0,A2)"),      # column A2, repeated across; #N/A below
    "I3": ("I3:K3", "=INDEX(A3:C5,A2,0)"),      # row A2
    "I5": ("I5:J7", "=INDEX(A3:C5,0,0)"),       # the top-left 3x2 of the range
    "L3": ("L3:L4", "=INDEX(A3:C5,A6,0)"),      # a row that may be 0: #VALUE! there
}
INPUTS = [tri("Sheet1!A1", 1.0, 2.0, 3.0), tri("Sheet1!A2", 1.1, 2.5, 3.9),
          tri("Sheet1!A6", -1.5, 1.5, 4.5), tri("Sheet1!A7", 1.1, 2.0, 2.9)]
MEMBERS = ["G3", "G4", "G5", "G6", "H3", "H5", "I3", "J3", "K3", "I5", "J5", "I7", "J7",
           "L3", "L4"]


def user_book(tmp_path) -> Model:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"], ws["A2"], ws["A6"], ws["A7"] = 2.0, 2.5, 1.5, 2.0
    for i in range(3):
        for j in range(3):
            ws.cell(row=3 + i, column=1 + j, value=f"=A1*{i * 3 + j + 1}")
    ws["C4"] = "txt"
    for k, v in PLAIN.items():
        ws[k] = v
    for anchor, (ref, text) in ARRAYS.items():
        ws[anchor] = ArrayFormula(ref, text)
    path = tmp_path / "index_whole.xlsx"
    wb.save(path)
    return Model.open(path)


def test_whole_rows_and_columns_in_a_users_workbook(backend, tmp_path):
    model = user_book(tmp_path)
    outs = [*PLAIN, *MEMBERS]
    job = job_for(model, INPUTS, [f"Sheet1!{c}" for c in outs], trials=TRIALS)
    assert fused_report(job) == {}
    got = run(backend, job, TRIALS)
    assert_same(job, got, run(NumpyBackend(), job, TRIALS))

    ins = {str(k): v for k, v in got[2].items()}
    a1, k, r = ins["Sheet1!A1"], np.trunc(ins["Sheet1!A2"]), np.trunc(ins["Sheet1!A6"])

    def at(cell: str) -> tuple[np.ndarray, np.ndarray]:
        c = model.ref(f"Sheet1!{cell}")
        return got[0][c], got[1][c]

    def value(cell: str, want: np.ndarray) -> None:
        v, e = at(cell)
        assert (e == 0).all(), cell
        np.testing.assert_allclose(v, want, rtol=1e-12, err_msg=cell)

    col = {1: [1, 4, 7], 2: [2, 5, 8], 3: [3, 9]}   # numbers of column k (C4 is text)
    assert set(k) == {1.0, 2.0, 3.0}
    value("E1", 15.0 * a1)
    value("E2", a1 * np.array([sum(col[int(x)]) for x in k]))
    value("E3", 4.5 * a1)
    value("E4", a1 * np.array([max(col[int(x)]) for x in k]))
    value("E5", np.array([len(col[int(x)]) for x in k], float))
    value("E6", a1 * a1 * np.array([sum(p * q for p, q in zip([1, 4, 7], [x, x + 3, x + 6],
                                                              strict=True) if q != 6)
                                    for x in k]))
    value("E7", np.full(TRIALS, 2.0))
    assert (at("E8")[1] == VALUE).all()
    v, e = at("E9")
    np.testing.assert_array_equal(e, np.where(r <= 0, VALUE, np.where(r > 3, REF, 0)))
    ok = e == 0
    np.testing.assert_allclose(v[ok], a1[ok] * (3 * (r[ok] - 1) + 2), rtol=1e-12)
    value("E10", a1 * (45.0 - 6.0))
    kk = np.trunc(ins["Sheet1!A7"])
    value("E11", np.where(kk == 1, 4.0, 6.0))
    value("E14", a1 * np.array([[6, 9, 24][int(x) - 1] for x in k]))
    value("D4", 4.0 * a1)
    value("D5", 7.0 * a1)
    # the array formulas: each cell its element
    for i, cell in enumerate(["G3", "G4", "G5"]):
        v, e = at(cell)
        text = (k == 3) & (i == 1)   # C4: a text output (NaN)
        assert (e[~text] == 0).all()
        np.testing.assert_allclose(v[~text], (a1 * (3 * i + k))[~text], rtol=1e-12)
        assert np.isnan(v[text]).all()
    np.testing.assert_array_equal(at("H3")[0], at("G3")[0])
    assert (at("G6")[1] == NA).all()
    for j, cell in enumerate(["I3", "J3", "K3"]):
        v, e = at(cell)
        num = ~((k == 2) & (j == 2))
        assert (e[num] == 0).all()
        np.testing.assert_allclose(v[num], (a1 * (3 * (k - 1) + j + 1))[num], rtol=1e-12)
    value("I5", a1)
    value("J7", 8.0 * a1)
    # numpy's rule for a row that varies beside a column 0: a whole row only where the row
    # is at least 1 in every trial of the chunk; here it is not, so #VALUE! (#REF! past 3)
    v, e = at("L3")
    np.testing.assert_array_equal(e, np.where((r > 3), REF, VALUE))


def test_chunks_of_one_trial_agree_where_positions_are_certain(backend, tmp_path):
    """Where the whole row/column rule is certain in every trial (a constant 0 beside a
    position at least 1), numba equals numpy run one trial at a time as well."""
    model = user_book(tmp_path)
    outs = ["E2", "E4", "E5", "G3", "G4", "I3", "J3", "E14"]
    job = job_for(model, INPUTS, [f"Sheet1!{c}" for c in outs], trials=60)
    assert_same(job, run(backend, job, 60), run(NumpyBackend(), job, 1))


def test_cuda_host_build_of_whole_rows_and_columns(tmp_path):
    """The CUDA translation of the same kernel, compiled for the host by a C++ compiler:
    nothing left to the CPU and numpy's numbers."""
    from tests.test_backend_cupy import NVCC, HostCudaBackend, _nvcc_ptx, host_equals_numpy

    model = user_book(tmp_path)
    # MAX over cells that may be text (E4) keeps -inf and isinf, which have no CUDA twin
    outs = [c for c in (*PLAIN, *MEMBERS) if c != "E4"]
    job = job_for(model, INPUTS, [f"Sheet1!{c}" for c in outs], trials=TRIALS)
    host_equals_numpy(job, tmp_path, TRIALS)   # every cell in the CUDA kernel
    if NVCC is not None:
        _nvcc_ptx(HostCudaBackend.source_of(job), tmp_path, "index_whole")
