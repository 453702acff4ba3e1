"""A column of RANK cells over one long range in the numba kernel.

Found on a real VaR workbook (aritrodas100: ``=RANK.AVG(J3,ANCHORARRAY($J$3),1)`` copied down
1,242 rows): RANK compared the number with every cell of the range in generated lines (two a
cell, and every cell's error chained), so each RANK cell was ~2,500 lines and all but a few
were left to numpy as "the kernel would be too large".  The range's numbers are now copied
once per trial into a scratch array that the column's cells share and counted by one runtime
loop (``rank_of``), the range's first error kept once per trial for the later cells.
"""

from __future__ import annotations

import pytest

pytest.importorskip("openpyxl")

from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

N = 500
TRIALS = 200


def _job(tmp_path):
    ws: dict[str, object] = {"H1": 1.0, "H2": 20.0, "H3": 0.0}
    for r in range(2, N + 2):
        ws[f"A{r}"] = (r * 37) % 50                        # A: constants with ties
        ws[f"B{r}"] = f"=ROUND(A{r}*$H$1,0)"               # per trial, with ties
        ws[f"C{r}"] = f"=RANK(B{r},$B$2:$B${N + 1})"       # descending, ties share a rank
        ws[f"D{r}"] = f"=RANK.AVG(B{r},$B$2:$B${N + 1},1)"  # ascending, ties averaged
        # #DIV/0! in the trials where some A*H1 passes 50.5: every rank over F errs then
        ws[f"F{r}"] = f"=IF(A{r}*$H$1>50.5,1/0,A{r}*$H$1)"
        ws[f"G{r}"] = f"=RANK.AVG(F{r},$F$2:$F${N + 1})"
    ws["E1"] = f"=RANK.EQ($H$2,$B$2:$B${N + 1},$H$3)"      # #N/A where H2 is not in B
    ws["E2"] = f"=RANK.AVG(ROUND($H$2,0),$B$2:$B${N + 1},$H$3)"
    inputs = [tri("M!H1", 0.9, 1.0, 1.1), tri("M!H2", 0.0, 20.0, 40.0),
              tri("M!H3", -1.0, 0.0, 1.0)]
    outputs = ["E1", "E2"] + [f"{c}{r}" for r in range(2, N + 2) for c in "CDG"]
    return sheet_job(tmp_path / "rank.xlsx", ws, inputs, outputs, TRIALS, title="M")


@pytest.mark.slow
def test_rank_column_is_one_loop_and_equal_to_numpy(tmp_path, caplog):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from engine.backends.numpy import NumpyBackend
    from tests.kernel_checks import numba_kernels
    from tests.test_backend_numba import assert_same, run

    job = _job(tmp_path)
    assert fused_report(job) == {}   # before: "the kernel would be too large"
    got, source = numba_kernels(job, tmp_path / "kernels", 100, caplog)
    lines = len(source.splitlines())
    assert 0 < lines < 2000   # before: ~2,000 lines per RANK cell
    assert "rank_sorted(" in source and source.count("rank_sort(") == 2   # once: B, F
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    we = {str(c): e for c, e in want[1].items()}
    # the cases are there: #N/A, an error in the range in some trials only, ties
    assert (we["M!G2"] != 0).any() and (we["M!G2"] == 0).any()
    assert (we["M!E1"] == 7).all()   # a number of no trial's range: #N/A
    assert (we["M!E2"] == 0).any()
    ranks = {str(c): v for c, v in want[0].items()}
    assert (ranks["M!D2"] % 1 == 0.5).any()   # RANK.AVG of a tie between two numbers


@pytest.mark.slow
def test_rank_column_on_the_cuda_host_build_equals_numpy(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.cupy import _codegen
    from engine.backends.numba._samplers import samplers_for
    from tests.test_backend_cupy import host_equals_numpy

    job = _job(tmp_path)
    samplers, mode = samplers_for(job)
    fused, good, reasons = _codegen.translation_report(job.program, samplers, mode)
    assert reasons == {} and good == fused == len(job.program.steps)
    host_equals_numpy(job, tmp_path, TRIALS)
