"""SUMPRODUCT of a range beside an OFFSET of one column (row) whose start and length vary per
trial over long stretches (``SUMPRODUCT(C226:C$425, OFFSET(C$428, 0, 0, COUNT($B$225:$B$425)
- $B633, 1))``, tamc/excel_to_code offsets.xlsx: 200 such cells, 152 of them left to numpy
at more than 64 candidate cells), fused by a gather per trial and equal to numpy: the first
error of every element in argument order (a #REF! window: its #REF!), else #VALUE! where the
trial's length differs, else the sum of the products left to right.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import DIV0, REF, VALUE  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

N = 70        # rows of the columns (more than the 64 cells OFFSET could choose among)
CELLS = 6     # SUMPRODUCT cells (each a row shorter)
TRIALS = 400


def _book(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "M"
    ws["A1"] = 1.0
    for r in range(1, N + 1):
        if r > 1:
            ws[f"A{r}"] = f"=A1+{r - 1}"
        ws[f"B{r}"] = f"=A{r}*0.5"
        # the OFFSET's column: #DIV/0! in its last rows in some trials, text in one row
        ws[f"C{r}"] = f"=IF(A{r}>{N - 3}.4, 1/0, A{r}+1)" if r != 40 else "n/a"
        ws[f"D{r}"] = float(r - 1)
    for k in range(CELLS):
        r = k + 1
        ws[f"E{r}"] = (f"=SUMPRODUCT(B{r}:B${N}, OFFSET(C$1, 0, 0, "
                       f"COUNT($D$1:$D${N}) - $D{r}, 1))")
        # the OFFSET first; its start varies (#REF! above row 1)
        ws[f"F{r}"] = (f"=SUMPRODUCT(OFFSET(C$1, $G$1 - 10, 0, COUNT($D$1:$D${N}) - $D{r} - 9, 1), "
                       f"B{r}:B${N - 9})")
    ws["G1"] = 10.0
    # across a row: the same over columns
    for j in range(1, 61):
        col = openpyxl.utils.get_column_letter(j)
        ws[f"{col}100"] = f"=A{j}*3"
        ws[f"{col}101"] = f"=A{j}-1"
    ws["A103"] = "=SUMPRODUCT(A100:BH100, OFFSET(A101, 0, 0, 1, COUNT(A1:A60) - G1 + 8))"
    ws["A104"] = "=SUMPRODUCT(OFFSET(A101, 0, G1 - 10, 1, 58), C100:BH100)"
    wb.save(path)
    return Model.open(path)


def _job(tmp_path, trials):
    model = _book(tmp_path / "win.xlsx")
    inputs = [tri("M!A1", 0.5, 1.0, 1.5)]
    inputs += [tri(f"M!D{r}", (r - 1) * 0.9, r - 1, (r - 1) * 1.1 + 0.01) for r in range(2, CELLS + 1)]
    inputs.append(tri("M!G1", 8.0, 10.0, 12.9))
    outs = [f"M!E{r}" for r in range(1, CELLS + 1)] + [f"M!F{r}" for r in range(1, CELLS + 1)]
    outs += ["M!A103", "M!A104", "M!C1"] + [f"M!{x}{r}" for x in "AC" for r in range(2, N + 1)]
    outs += [f"M!B{r}" for r in range(1, N + 1)]
    outs += [f"M!{openpyxl.utils.get_column_letter(j)}{r}" for j in range(1, 61)
             for r in (100, 101)]
    return model, job_for(model, inputs, outs, trials=trials)


def test_sumproduct_beside_a_long_offset_window_is_fused_and_equals_numpy(tmp_path):
    model, job = _job(tmp_path, TRIALS)
    # before: "SUMPRODUCT of an OFFSET whose range may be wider than the other arrays or have
    # more than 64 cells"
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 250, TRIALS)
    vals, errs, ins = got
    codes = set()
    for r in range(1, CELLS + 1):
        codes |= set(np.unique(errs[model.ref(f"M!E{r}")]))
        codes |= set(np.unique(errs[model.ref(f"M!F{r}")]))
    assert {0, VALUE, DIV0, REF} <= codes
    # E5 where the length matches: the products of B5:B70 and C1:C66 (C40 text: 0)
    e5, v5 = errs[model.ref("M!E5")], vals[model.ref("M!E5")]
    a = np.stack([ins[model.ref("M!A1")] + r for r in range(N)])
    b = a * 0.5
    c = a + 1.0
    c[39] = 0.0
    ok = e5 == 0
    assert ok.any()
    want5 = sum(b[4 + i][ok] * c[i][ok] for i in range(N - 4))
    np.testing.assert_allclose(v5[ok], want5, rtol=1e-13)


def test_offset_window_on_the_cuda_host_build_equals_numpy(tmp_path):
    """The same kernel translated for CUDA (fill_kv, arr_dot, arr_min have twins),
    compiled for the host with g++."""
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path, 200)
    host_equals_numpy(job, tmp_path, 200)
