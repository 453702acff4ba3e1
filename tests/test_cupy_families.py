"""The CUDA kernel computes formulas copied down a column as loops (the numba generator's
families, engine/backends/numba/_families.py), not one block of code per copy, and long
reductions over them (a SUM of such a column) as loops too: the source is shorter, and its
host build gives numpy's numbers and error codes.  A SUM over a column
of cells that may be errors (``fe`` nested hundreds deep) translates too.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

import engine.backends.cupy._codegen as codegen  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import (  # noqa: E402
    NVCC,
    HostCudaBackend,
    _nvcc_ptx,
    host_equals_numpy,
)
from tests.test_backend_numba import job_for, tri  # noqa: E402

ROWS = 250


def column_job(rows: int = ROWS, trials: int = 1_000, extra: dict | None = None,
               more_outputs: list[str] = ()):
    cells: dict[str, object] = {"A1": 2.0, "A2": 3.0, "A3": 1.0, **(extra or {})}
    for r in range(1, rows + 1):
        cells[f"C{r}"] = float(r)
        cells[f"D{r}"] = f"=$A$1*C{r}+$A$2"
        cells[f"E{r}"] = f"=IF(D{r}>{r}*2.5,D{r}/C{r},-D{r}+$A$3)"
        cells[f"F{r}"] = f"=SQRT(E{r}-1)"                  # #NUM! in some rows and trials
    cells["G1"] = f"=SUM(F1:F{rows})"                       # #NUM! where any row is
    cells["G2"] = f"=IFERROR(G1,-1)+COUNT(F1:F{rows})"
    cells["G3"] = f"=SUMPRODUCT(D1:D{rows},E1:E{rows})"
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    inputs = [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", -5.0, 3.0, 50.0),
              tri("Sheet1!A3", 0.0, 1.0, 2.0)]
    outputs = ["Sheet1!G1", "Sheet1!G2", "Sheet1!G3", "Sheet1!D5", "Sheet1!F7", "Sheet1!E9",
               *more_outputs]
    return job_for(model, inputs, outputs, trials=trials), model


def _body_lines(source: str) -> int:
    return source.count("\n") - codegen.RUNTIME.count("\n") - codegen.DTEXT_RUNTIME.count("\n")


def test_families_are_loops_in_the_cuda_source(monkeypatch):
    """Columns D, E, F of 250 rows are loops, and so are SUM(F1:F250) and its first error;
    6 rows of a one-line formula are not (a loop and the loads of its members would be
    longer than its 6 lines)."""
    job, _ = column_job(trials=100, extra={f"H{r}": f"=C{r}*$A$1+{r}" for r in range(1, 7)},
                        more_outputs=["Sheet1!H3"])
    looped = HostCudaBackend.source_of(job)
    assert looped.count("for (long long fm = 0; fm < 250;") == 3
    assert "for (long long f_c" in looped
    assert "fm < 6;" not in looped
    monkeypatch.setattr(codegen, "find_families", lambda lines: (list(range(len(lines))), 0))
    unrolled = HostCudaBackend.source_of(job)
    assert "for (long long fm" not in unrolled
    assert _body_lines(looped) < 0.5 * _body_lines(unrolled)


def test_a_sum_over_a_column_of_errors_translates():
    line = "w9 = fe(" + ", fe(".join(f"w{k}" for k in range(300)) + ", q2" + ")" * 300
    got = codegen.translate(line)
    assert got.startswith("int mc_fe_w9 = (int)(w0); if (mc_fe_w9 == 0) mc_fe_w9 = (int)(w1);")
    assert got.endswith("if (mc_fe_w9 == 0) mc_fe_w9 = (int)(ke[2]); const int w9 = mc_fe_w9;")
    with pytest.raises(codegen.NotTranslatable):   # nested too deep otherwise: refused
        codegen.translate("t1 = " + "np.sqrt(" * 300 + "x0" + ")" * 300)


def test_family_loops_match_numpy(tmp_path):
    job, model = column_job()
    got, _ = host_equals_numpy(job, tmp_path, 400, 1_000)
    errors = got[1][model.ref("Sheet1!F7")]
    assert 0 < np.count_nonzero(errors) < len(errors)             # errors in some trials


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
def test_nvcc_compiles_family_loops(tmp_path):
    job, _ = column_job(trials=100)
    _nvcc_ptx(HostCudaBackend.source_of(job), tmp_path, "families")
