"""SUMIF/COUNTIF/AVERAGEIF and their ...IFS/MINIFS/MAXIFS with an error value given as a range
(``=SUMIF(#REF!,E4,#REF!)``, what Excel leaves of a deleted range: ukr10 cable sizing book,
1,276 cells): that error, as Excel gives it (it was 0, or #VALUE! for the shapes), from numpy
and from the fused kernel (numba and the CUDA kernel's host build equal to numpy)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.values import DIV0, NA, REF  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

CELLS: dict[str, object] = {
    "A1": 1.0, "A2": "=B1", "A3": 3.0, "B1": 0.5,
    "C1": "=SUMIF(#REF!,1)", "C2": "=COUNTIF(#REF!,1)", "C3": "=SUMIF(A1:A3,1,#REF!)",
    "C4": "=SUMIFS(#REF!,A1:A3,1)", "C5": "=COUNTIFS(A1:A3,1,#REF!,1)",
    "C6": "=AVERAGEIF(#REF!,1)", "C7": "=SUMIF(#REF!,B1,#REF!)+B1",
    "C8": "=AVERAGEIFS(A1:A3,#DIV/0!,1)", "C9": "=MAXIFS(#N/A,A1:A3,1)",
    "C10": "=SUMIF(A1:A3,\">0\")+B1",
}
WANT = {"C1": REF, "C2": REF, "C3": REF, "C4": REF, "C5": REF, "C6": REF, "C7": REF,
        "C8": DIV0, "C9": NA, "C10": 0}


def test_an_error_as_a_range_is_that_error(tmp_path):
    outputs = list(WANT)
    job = sheet_job(tmp_path / "book.xlsx", CELLS, [tri("S!B1", 0, 0.5, 1)], outputs, 8)
    assert fused_report(job) == {}
    _, (values, errs, ins) = numba_and_host_equal_numpy(job, tmp_path / "kernels", 4)
    got = {a: set(errs[r].tolist()) for a, r in zip(outputs, job.program.outputs, strict=True)}
    assert got == {a: {e} for a, e in WANT.items()}
    b1 = ins[next(iter(ins))]   # A2 = B1: the criterion ">0" still sums A1:A3
    np.testing.assert_allclose(values[job.program.outputs[-1]], 4.0 + 2.0 * b1)
