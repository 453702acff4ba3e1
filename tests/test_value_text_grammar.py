"""Text read as a number (Excel, en-US): group commas in the integer part ("1,224.92"), a
dollar sign before or after the sign ("$1,234.50", "-$5", "$-5"), in VALUE, in arithmetic
and in (x) accounting negatives; the numpy reference (engine.values.parse_number), the numba
kernel's runtime (_rt_dvalue.dnum) and its CUDA twin (host build) read them alike; TEXT of
text made per trial in number formats ("$#,##0.00", accounting) reads back and is fused.

Sources: Microsoft's VALUE page, VALUE("$1,000") = 1000
(https://support.microsoft.com/en-us/excel/value-function); "1,224.92" -> 1224.92,
"$1,234.50" -> 1234.5, "-$5" -> -5, "$-5" -> -5, "($5)" -> -5, "1.2,3" and "1e1,0" -> #VALUE!
as LibreOffice Calc (headless, en-US) computes VALUE and +0 of them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.model import Model
from engine.values import parse_number

# (text, its number; None: #VALUE!)
KNOWN = [
    ("$1,000", 1000.0), ("1,224.92", 1224.92), ("$1,234.50", 1234.5), ("-$5", -5.0),
    ("$-5", -5.0), ("+$5", 5.0), (" 1,000 ", 1000.0), ("1,000e3", 1e6), ("-$5%", -0.05),
    ("1,000.50", 1000.5), ("1.2,3", None), ("1e1,0", None), ("-$-5", None), ("5%", 0.05),
]
# strings for the string-by-string comparison of the kernels with the reference
EDGES = [s for s, _ in KNOWN] + [
    "-$ 5", "- $5", "-,$5", "$-$5", "-$", "+$", "-$0", "-$.5", "-$_5", "-$,5", "-$5.1,2",
    "($1,234.50)", "(-$5)", "1,2.5", "1.5,", ",.5", "1,e5", "1e,5", "1E5,", "-$1,234.5e-2",
    "$1,234.50%", "-$\x1c5", "-$\t5", "+$+5", "-$nan", "-$inf", "Feb 1, 2024", "1,5E,3",
]


def test_the_reference_reads_excels_forms():
    for s, want in KNOWN:
        assert parse_number(s) == want, s


def _dnum_mismatches(strings: list[str]) -> list[tuple]:
    pytest.importorskip("numba")
    from tests.test_numba_dvalue import _mismatches

    return _mismatches(strings, 0)


def test_numba_runtime_reads_them_as_the_reference():
    assert _dnum_mismatches(EDGES) == []


def test_cuda_twin_reads_them_as_the_reference(tmp_path):
    from engine.values import Kind, Vec, to_number
    from tests.test_numba_dvalue import _cuda_twin, _reference, _same

    lib = _cuda_twin(tmp_path)
    z = np.frombuffer("".join(EDGES).encode("ascii") + b"\0 0", dtype=np.uint8).copy()
    at = np.cumsum([0] + [len(s) for s in EDGES]).astype(np.int64)
    out = np.zeros((len(EDGES), 8))
    lib.dnum_many(z.ctypes.data, at.ctypes.data, len(EDGES), 0.0, out.ctypes.data)
    bad = [(s, mode, _reference(s, mode), row[mode]) for s, row in zip(EDGES, out, strict=True)
           for mode in (0, 1, 2) if not _same(_reference(s, mode), row[mode])]
    assert bad == []
    x, _ = to_number(Vec(Kind.STR, np.array(["-$5"], object)))
    assert x[0] == -5.0


CELLS = {
    "B1": '=VALUE(TEXT(A1*1000,"#,##0.00"))',          # "1,224.92"
    "B2": '=VALUE("$"&TEXT(A1*1000,"#,##0.00"))',      # "$1,234.50"
    "B3": '=VALUE(IF(A2>0,"-$","$-")&ROUND(A1,1))',    # "-$5", "$-5"
    "B4": '=("$"&TEXT(A1*1000,"#,##0.00"))+1',         # arithmetic on text
    "B5": '=VALUE("($"&TEXT(A1*1000,"#,##0.00")&")")',  # accounting negative
    "B6": '=VALUE(ROUND(A1,1)&".5,"&ROUND(A2,0))',     # a comma after the point: #VALUE!
    "B7": '=SUM(C1,A1)',                               # text in a cell: SUM skips it
    "B8": '=C1+A1',                                    # ... arithmetic reads it
}


# TEXT of text made per trial in number formats (_dtext_numtext): read back and written again
TEXT_CELLS = {
    "D1": '=TEXT(A1*1000-2500,"$#,##0.00")',              # "-$1,234.50" and "$734.12"
    "D2": '=TEXT(D1,"0.0")',
    "D3": '=TEXT(TEXT(A1*10000,"#,##0"),"0.00%")',
    "D4": '=TEXT(TEXT(A1-2.5,"0.00;(0.00)"),"0.000")',
    "D5": '=TEXT(TEXT(A1*100000,"0.0E+00"),"#,##0")',
    "D6": '=VALUE(TEXT(D1,"#,##0.000"))',
    "D7": '=TEXT(TEXT(A1*1000-2500,"$#,##0.00_);($#,##0.00)"),"0.00")',   # accounting
    # the texts as numbers (text outputs are compared by their errors alone)
    **{f"E{k}": f"=VALUE(D{k})*1000+LEN(D{k})" for k in (1, 2, 3, 4, 5, 7)},
}


def _job(tmp_path):
    import openpyxl

    from tests.test_backend_numba import job_for, tri

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in {"A1": 1.0, "A2": 0.0, "C1": "$1,234.50", **CELLS, **TEXT_CELLS}.items():
        ws[k] = v
    wb.save(tmp_path / "v.xlsx")
    model = Model.open(tmp_path / "v.xlsx")
    inputs = [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", -1.0, 0.0, 1.0)]
    return model, job_for(model, inputs, [f"Sheet1!{k}" for k in {**CELLS, **TEXT_CELLS}],
                          trials=200)


def test_workbook_numba_equals_numpy_and_excels_values(tmp_path):
    """Before: B1..B5 #VALUE! in numpy; D2..D7 left to numpy ("TEXT of text made per trial
    that may not read as a number": the reference read "-$1,234.50" as #VALUE!)."""
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report
    from tests.test_backend_numba import numba_and_numpy

    model, job = _job(tmp_path)
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "k", 100)
    vals = {str(c).split("!")[-1]: x for c, x in want[0].items()}
    errs = {str(c).split("!")[-1]: e for c, e in want[1].items()}
    a1 = want[2][model.ref("Sheet1!A1")]
    np.testing.assert_allclose(vals["B1"], np.round(a1 * 1000, 2), rtol=1e-15)
    np.testing.assert_allclose(vals["B2"], np.round(a1 * 1000, 2), rtol=1e-15)
    np.testing.assert_allclose(vals["B4"], np.round(a1 * 1000, 2) + 1, rtol=1e-15)
    np.testing.assert_allclose(vals["B5"], -np.round(a1 * 1000, 2), rtol=1e-15)
    assert np.all(vals["B3"] < 0) and not errs["B3"].any()
    assert np.all(errs["B6"] == 3)                     # #VALUE!
    np.testing.assert_array_equal(vals["B7"], a1)
    np.testing.assert_allclose(vals["B8"], 1234.5 + a1, rtol=1e-15)
    assert not any(errs[k].any() for k in ("B1", "B2", "B4", "B5", "B7", "B8"))
    assert math.isfinite(float(vals["B1"][0]))
    x = np.round(a1 * 1000 - 2500, 2)
    np.testing.assert_allclose(vals["D6"], x, rtol=1e-15)
    # "-$1,234.50" -> "-1234.5": VALUE of it * 1000 + its length
    from decimal import ROUND_HALF_UP, Decimal

    tenth = [Decimal(repr(float(v))).quantize(Decimal("0.1"), ROUND_HALF_UP) for v in x]
    want_e2 = np.array([float(t) * 1000 + len(str(t).replace("-0.0", "0.0")) for t in tenth])
    np.testing.assert_allclose(vals["E2"], want_e2, rtol=1e-12)
    assert (x < 0).any() and (x > 0).any()


def test_workbook_runs_in_the_cuda_kernel_as_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    _, job = _job(tmp_path)
    host_equals_numpy(job, tmp_path, 200)
