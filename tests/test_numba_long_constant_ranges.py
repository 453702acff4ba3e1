"""Order statistics and aggregates over a long range of constants in the numba kernel.

Found on real Monte Carlo workbooks the project had never seen: 10,000 simulated results
kept as numbers (a data table's values) and ``=PERCENTILE.INC($H$10:$H$10010,J5)`` with the
percentile an input: refused whole ("a range of 10001 cells": past the cap, only ranges of
cells the kernel computes in loops were allowed).  The constants are read in order, so they
get consecutive constant slots and the gathered copy is one loop over them (``fill_kv``);
an input inside the range is still a line of its own.
"""

from __future__ import annotations

import pytest

pytest.importorskip("openpyxl")

from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

N = 5000
FORMULAS = {
    "C1": f"=PERCENTILE.INC($A$1:$A${N},B1)",
    "C2": f"=LARGE(A1:A{N},ROUND(B2,0))+SMALL(A1:A{N},ROUND(B2,0))",
    "C3": f"=QUARTILE.INC(A1:A{N},1)*B2+MEDIAN(A1:A{N})",
    "C4": f"=STDEV.S(A1:A{N})*B2+AVERAGE(A1:A{N})",
    "C5": f"=PERCENTILE.INC(A1:A{N},B1)-MAX(A1:A{N})",
}
TRIALS = 300


def _job(tmp_path):
    ws: dict[str, object] = {f"A{r}": (r * 7919) % 1000 / 10.0 for r in range(1, N + 1)}
    ws["A77"] = "n/a"        # text and a blank in the range: not numbers, skipped
    ws["A78"] = None
    ws["A2500"] = 50.0       # an input inside the range
    ws["B1"], ws["B2"] = 0.9, 3.0
    inputs = [tri("M!B1", 0.8, 0.9, 0.95), tri("M!B2", 2.0, 3.0, 4.0),
              tri("M!A2500", 0.0, 50.0, 150.0)]
    return sheet_job(tmp_path / "long.xlsx", {**ws, **FORMULAS}, inputs, FORMULAS, TRIALS,
                     title="M")


def test_long_constant_ranges_are_fused_and_equal_to_numpy(tmp_path, caplog):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from engine.backends.numpy import NumpyBackend
    from tests.kernel_checks import numba_kernels
    from tests.test_backend_numba import assert_same, run

    job = _job(tmp_path)
    assert fused_report(job) == {}   # before: "a range of 5000 cells" for every cell
    got, source = numba_kernels(job, tmp_path / "kernels", 150, caplog)
    lines = len(source.splitlines())
    assert 0 < lines < 1500   # one loop per run of constants, not a line per cell
    assert_same(job, got, run(NumpyBackend(), job, TRIALS))


def test_long_constant_ranges_on_the_cuda_host_build_equal_numpy(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.cupy import _codegen
    from engine.backends.numba._samplers import samplers_for
    from tests.test_backend_cupy import host_equals_numpy

    job = _job(tmp_path)
    samplers, mode = samplers_for(job)
    fused, good, reasons = _codegen.translation_report(job.program, samplers, mode)
    assert reasons == {} and good == fused == len(FORMULAS)
    host_equals_numpy(job, tmp_path, TRIALS)
