"""IFERROR/IFNA of text made per trial in the fused numba kernel, against the numpy
reference: ``=IFERROR(IF(ABS(D/E-1)>0.25,"⚠ "&ROUND((D/E-1)*100,0)&"%",""),"")`` copied
down a column (kebron OPS-007's anomaly flags) and counted by ``COUNTIF(H:H,"⚠*")``.  An
uncertain input makes some rows divide by zero (the fallback ""), some flag a change
("⚠ 31%", text other than ASCII) and some ""; before, the IFERROR made the cells of mixed
kind, so the COUNTIF (which reads their text) and the column were left to numpy."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba._unicase import refuse_criterion  # noqa: E402
from engine.backends.numba._values import NotFusable  # noqa: E402
from tests.kernel_checks import fused_sheet_values  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

ROWS = 14


def cells() -> dict[str, object]:
    got: dict[str, object] = {}
    for i in range(1, ROWS + 1):
        got[f"D{i}"] = f"=A1*{i % 5 + 1}"
        got[f"E{i}"] = f"=MAX(0,A2-{i % 7})"   # 0 (a #DIV/0! row) in some trials
        got[f"H{i}"] = (f'=IFERROR(IF(ABS(D{i}/E{i}-1)>0.25,"⚠ "&ROUND((D{i}/E{i}-1)*100,0)'
                        f'&"%",""),"")')
    got["B1"] = f'=COUNTIF(H1:H{ROWS},"⚠*")'
    got["B2"] = f'=COUNTIF(H1:H{ROWS},"")'
    got["B3"] = f'=COUNTIF(H1:H{ROWS},"*-*")'
    got["B4"] = '=IFNA(IF(A1>2,"x"&ROUND(A1,1),NA()),"none")'
    got["B5"] = '=LEN(B4)&"|"&H1&"|"&H7'
    return got


def test_iferror_of_text_made_per_trial_counted_by_countif(tmp_path):
    want = fused_sheet_values(tmp_path, cells(),
                              [tri("S!A1", 1.0, 2.0, 4.0), tri("S!A2", 0.0, 5.0, 12.0)],
                              ["B1", "B2", "B3", "B4", "B5", "H1", "H5", "H7"], trials=600)
    counts = want["B1"]
    assert 0 < counts.min() < counts.max()   # flags in some rows, more in some trials
    assert (want["B2"] > 0).any()


def test_criteria_past_ascii_refused_where_not_read_as_the_reference():
    refuse_criterion(frozenset("⚠*"))
    refuse_criterion(frozenset("É*"))   # wildcards: tests/test_numba_wild_unicode.py
    for c in ("ſ", "\u212a", "ß"):   # a case of ASCII, or folded to two characters
        with pytest.raises(NotFusable):
            refuse_criterion(frozenset(c + "*"))
