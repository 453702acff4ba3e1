"""Text made per trial holding characters other than ASCII, read character by character
(issue 13: kebron OPS-005's "✓"/"–" labels, EfiLygda's "±"/"≈"): &, LEN (code points, as
Python's len counts them: an emoji is 1), LEFT/MID, FIND, SEARCH, UPPER/LOWER/PROPER,
EXACT, UNICODE, comparisons casefolded as the numpy library compares text, and criteria made
per trial (SUMIF/COUNTIF), ``<``/``>`` in Excel's order (accents second:
engine.functions._collation); text whose case is not one character ("ß" upper is "SS") or a
criterion of a character whose case is ASCII ("ı") is still left to numpy.  numba equals numpy,
and the CUDA twin built for the host with g++."""

from __future__ import annotations

import pytest

pytest.importorskip("openpyxl")

from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

OUTS = {
    "B1": '=LEN("±"&TEXT(A1,"0.0")&" €")',
    "B2": '=LEN("😀"&ROUND(A1,0)&"✓")',
    "B3": '=LEFT("Ünïcödé "&ROUND(A1,0),3)="üNÏ"',
    "B4": '=MID("≈"&ROUND(A1,1)&"–x",2,4)&"|"',
    "B5": '=LEN(B4)+FIND("–",ROUND(A1,1)&"–x")',
    "B6": '=IF(UPPER("café "&ROUND(A1,0))="CAFÉ "&ROUND(A1,0),1,0)',
    "B7": '=IF(LOWER("ΦΙΛΟ-Ж"&ROUND(A1,-1))="φιλο-ж"&ROUND(A1,-1),2,3)',
    "B8": '=SEARCH("É",LOWER("xxé"&ROUND(A1,0)))',
    "B9": '=IF(PROPER("élan vital ñu "&ROUND(A1,0))="Élan Vital Ñu "&ROUND(A1,0),1,0)',
    "B10": '=EXACT(UPPER("straße"&ROUND(A1,0)),"STRASSE"&ROUND(A1,0))',   # left to numpy
    "B11": '=UNICODE(MID("a😀"&A1,2,1))+UNICODE("é"&A1)',
    "B12": '=IF("é"&ROUND(A1,0)<"É"&ROUND(A1,0)&"x",1,0)+IF("Ä"&ROUND(A1,0)>"z",10,0)',
    "B13": '=COUNTIF(C1:C3,"*")+LEN(SUBSTITUTE("a–b–"&ROUND(A1,0),"–","—"))',
    "B14": '=IF(A1>50,"€","£")&TEXT(A1,"0")&" ±"',
    "B15": '=LEN(B14)+FIND("±",B14)',
    "B16": '=SUMIF(C1:C3,"é"&IF(A1>50,"","x"),D1:D3)',
    "B17": '=COUNTIF(C1:C3,"<>ü"&LEFT(ROUND(A1,0),0))+COUNTIF(E1:E2,"Ü"&ROUND(A1,0))',
    "B18": '=COUNTIF(C1:C3,"ı"&LEFT(A1,0))',   # "ı".upper() is "I": left to numpy
    "B19": '=LEN(TEXTAFTER("Ünï–"&ROUND(A1,0),"–"))+LEN(TEXTBEFORE("xÉy"&ROUND(A1,0),"é",,1))',
}


def unicode_job(tmp_path, trials: int = 300):
    cells: dict[str, object] = {"A1": 5.0, "E1": '="ü"&ROUND(A1,0)', "E2": '="x"&ROUND(A1,0)'}
    for k, t in enumerate(("x", "É", "ü"), start=1):
        cells[f"C{k}"], cells[f"D{k}"] = t, float(2 ** k)
    return sheet_job(tmp_path / "unicode_read.xlsx", {**cells, **OUTS},
                     [tri("S!A1", 0.0, 50.0, 100.0)], OUTS, trials)


def test_fused_but_where_case_is_not_one_character(tmp_path):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report

    rep = {str(c): why for c, why in fused_report(unicode_job(tmp_path)).items()}
    assert set(rep) == {"S!B10", "S!B18"}, rep
    assert "not one character" in rep["S!B10"] and "criterion" in rep["S!B18"]


def test_numba_equals_numpy(tmp_path):
    pytest.importorskip("numba")
    from tests.test_backend_numba import numba_and_numpy

    got, want = numba_and_numpy(unicode_job(tmp_path), tmp_path / "kernels", 100)
    values = {str(c): set(v.tolist()) for c, v in want[0].items()}
    assert values["S!B3"] == values["S!B6"] == values["S!B9"] == {1.0}
    assert values["S!B7"] == {2.0} and values["S!B2"] <= {3.0, 4.0, 5.0}
    assert values["S!B16"] == {0.0, 4.0} and values["S!B17"] == {3.0}


def test_cuda_twin_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(unicode_job(tmp_path), tmp_path / "cuda", numpy_cells=2)
