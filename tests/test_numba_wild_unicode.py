"""Wildcard criteria with letters past ASCII that have a case (``"É*"`` against "été"),
in the fused numba kernel: the reference matches the pattern by re.IGNORECASE against the
casefolded cell text (engine.functions._criteria), the kernel compares both casefolded
(._unicase FOLD); where the two agree for every pair of characters (._unicase.refuse_wild)
the criterion is fused, where not ("ı*" against "I") it is left to numpy.  Before, any
wildcard criterion with such a letter was left to numpy."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba._unicase import refuse_wild  # noqa: E402
from engine.backends.numba._values import NotFusable  # noqa: E402
from tests.kernel_checks import fused_sheet_values  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

ROWS = 10


def cells() -> dict[str, object]:
    got: dict[str, object] = {}
    for i in range(1, ROWS + 1):
        # text made per trial (a number in it), and text among constants, by the input
        got[f"H{i}"] = f'=IF(A1>{i / 3:.3f},"été "&ROUND(A1*{i},0),"Ete "&{i})'
        got[f"J{i}"] = f'=IF(A1>{i / 4:.3f},"ÉLAN","élan")'
    got["B1"] = f'=COUNTIF(H1:H{ROWS},"É*")'
    got["B2"] = f'=COUNTIF(H1:H{ROWS},"?TÉ *")'
    got["B3"] = f'=COUNTIF(J1:J{ROWS},IF(A1>2,"É*","*AN"))'
    got["B4"] = f'=COUNTIF(H1:H{ROWS},LEFT(J1,1)&"*")'
    return got


def test_wildcard_criteria_with_cased_letters_past_ascii(tmp_path):
    # fused (before: B1..B4 left to numpy), numba = CUDA host = numpy
    want = fused_sheet_values(tmp_path, cells(), [tri("S!A1", 0.5, 2.0, 4.0)],
                              ["B1", "B2", "B3", "B4", "H1", "J1"], trials=400)
    b1 = want["B1"]
    assert 0 < b1.min() < b1.max() <= ROWS   # "été .." rows counted, "Ete .." not
    assert len(set(want["B4"].tolist())) > 1


def test_wildcards_fold_as_re_ignorecase_or_are_refused():
    refuse_wild(frozenset("É*"), frozenset("été 12"))
    refuse_wild(frozenset("⚠?"), frozenset("⚠ 3"))
    with pytest.raises(NotFusable):   # "ı" matches "i" case aside; its fold is itself
        refuse_wild(frozenset("ı*"), frozenset("I"))
    with pytest.raises(NotFusable):
        refuse_wild(frozenset("é*"), None)
