"""SUMPRODUCT over windows of columns copied down (``SUMPRODUCT(B{r}:B$N, D{r}:D$N)``, a window
a row shorter per row; ``SUMPRODUCT($B$1:B{r}, $D$1:D{r})``, a row longer): each cell gathered
its whole window element by element (engine.backends.numba._gather.gathered, shared only
between cells over exactly the same values), so the kernel's lines grew with the square of the
rows (this workbook's 120 rows: 20,619 lines; 200 rows: past the 20,000-line cap, cells left
to numpy).  A window that an earlier copy holds as a stretch is now one ``fill_kv`` from it
(plus the few cells it lacks): lines grow with the rows (6,208 here, most of them the windows
shorter than GATHER_MIN, unrolled as before: a bound that does not grow with the rows).  Values: numpy's (the same elements in the same order, the same products
added left to right), on numba and on the CUDA host build.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import _gather, fused_report  # noqa: E402
from engine.backends.numba._codegen import generate  # noqa: E402
from engine.backends.numba._samplers import samplers_for  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

N = 120       # rows of the columns
TRIALS = 300


def _job(tmp_path, rows: int = N, trials: int = TRIALS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "M"
    ws["A1"] = 1.0
    ws["A2"] = 2.0
    for r in range(1, rows + 1):
        # a column of formulas (#DIV/0! in one row in some trials: the first error counts)
        ws[f"B{r}"] = f"=A$1*{r}+A$2" if r != rows // 2 else "=IF(A$1>1.2, 1/0, A$2)"
        ws[f"D{r}"] = float(r % 7 + 1)
        ws[f"C{r}"] = f"=SUMPRODUCT(B{r}:B${rows}, D{r}:D${rows})"      # reverse windows
        ws[f"E{r}"] = f"=SUMPRODUCT($B$1:B{r}, $D$1:D{r})"              # running windows
    path = tmp_path / "windows.xlsx"
    wb.save(path)
    model = Model.open(path)
    inputs = [tri("M!A1", 0.5, 1.0, 1.5), tri("M!A2", 1.0, 2.0, 3.0)]
    outputs = [f"M!{c}{r}" for c in "CE" for r in range(1, rows + 1)]
    return job_for(model, inputs, outputs, trials=trials), model


def _lines(job) -> int:
    samplers, mode = samplers_for(job, False)
    return len(generate(job.program, samplers, mode).source.splitlines())


def test_windows_of_a_column_copy_from_one_another(tmp_path, monkeypatch):
    job, _ = _job(tmp_path, trials=50)
    assert fused_report(job) == {}
    lines = _lines(job)
    assert lines < 7_000, lines   # 5,580 (c696a62)
    monkeypatch.setattr(_gather.GatherMixin, "_stretch_copy", lambda self, vals: None)
    before = _lines(job)   # each window copied element by element: 20,619 lines before
    # 841c1c0; since then the rows are one family's loop either way (5,755 lines): the copies
    # by stretch never make the kernel larger
    assert lines <= before < 7_000, (before, lines)


SMALL = 40   # rows of the value tests, every window of 4 cells or more gathered (compile time)


@pytest.mark.slow   # numba's compile takes minutes on a busy machine; the host build covers it
def test_window_copies_equal_numpy(tmp_path, monkeypatch):
    monkeypatch.setattr(_gather, "GATHER_MIN", 4)
    job, model = _job(tmp_path, SMALL)
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 200, TRIALS)
    errs = got[1][model.ref("M!C1")]
    assert 0 < np.count_nonzero(errs) < len(errs)    # #DIV/0! from row 20 in some trials
    assert np.count_nonzero(got[1][model.ref(f"M!C{SMALL // 2 + 1}")]) == 0   # below: never


def test_window_copies_on_the_cuda_host_build_equal_numpy(tmp_path, monkeypatch):
    monkeypatch.setattr(_gather, "GATHER_MIN", 4)
    job, model = _job(tmp_path, SMALL)
    got, _ = host_equals_numpy(job, tmp_path / "host", 200, TRIALS)
    errs = got[1][model.ref("M!E40")]
    assert 0 < np.count_nonzero(errs) < len(errs)    # #DIV/0! from row 20 in some trials
