"""Text made per trial that holds characters other than ASCII (a money tracker's
``=IF(F6="","","₱"&TEXT(F6,"#,##0"))``, a cash-flow warning ``"⚠  Projected cash dips to
"&TEXT(..)&" in "&INDEX({"Jan",..},..)&"  —  raise reserve .."``): carried in the recipe (an
output, ISTEXT, an IF of it never needs its characters), and written into the buffer as
code points where read (LEN: tests/test_numba_unicode_dtext.py has the other readers).
numba equals numpy, and the CUDA twin built for the host with g++."""

from __future__ import annotations

import pytest

pytest.importorskip("openpyxl")

from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

OUTS = {
    "B1": '="₱"&TEXT(A1,"#,##0")',
    "B2": '=IF(A1>5,"✅ ok "&TEXT(A1,"0.0")&" — fine","⚠ low: "&A1)',
    "B3": "=ISTEXT(B1)+A1",
    "B4": '=IF(ISTEXT(B2),1,0)*A1+LEN(A1&"")',
    "B5": '=LEN("€"&TEXT(A1,"0"))',   # characters written: code points
}


def unicode_job(tmp_path, trials: int = 300):
    return sheet_job(tmp_path / "unicode.xlsx", {"A1": 5.0, **OUTS},
                     [tri("S!A1", 0.0, 5.0, 90000.0)], OUTS, trials)


def test_fused_where_written_too(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report

    rep = {str(c): why for c, why in fused_report(unicode_job(tmp_path)).items()}
    assert rep == {}


def test_numba_equals_numpy(tmp_path):
    pytest.importorskip("numba")
    from tests.test_backend_numba import numba_and_numpy

    numba_and_numpy(unicode_job(tmp_path), tmp_path / "kernels", 100)


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(unicode_job(tmp_path), tmp_path / "cuda")
