"""Concatenation of a value whose kind varies per trial, in the fused numba kernel, against
the numpy reference: a cell picks text (an id of the string table) or a number per trial
(IF, CHOOSE, INDEX of a range holding both), and ``x&""``, ``x&"x"``, ``LEN(x&"")``, a
COUNTIF over such cells and a LET whose body makes text per trial from it (secretlyspy
Campaign Tracker's ``LET(camp,$D11&"",code,LEFT(camp,6),...,IF(useDate="","","Week
"&WEEKNUM(useDate,1)))``) read it.  A number reads as Excel's General format writes it (the
runtime's number-to-text of ``&``), an error stays that error."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import fused_report  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

ROWS = 6


def cells() -> dict[str, object]:
    got: dict[str, object] = {"K1": "052424 Promo", "K2": "=A1*7", "K3": 12.5}
    picks = [f'=IF(A1>{2 + ROWS // 2},"C{i}-promo",A1*100)' for i in range(ROWS // 2)]
    picks += ['=CHOOSE(INT(A1/3)+1,"052424 Sale",A1*1000,1/(A1-A1),"w")',
              "=INDEX(K1:K3,INT(A1/3.5)+1)",
              '=IFERROR(INDEX(K1:K3,INT(A1/3.5)+1),"")']
    for i, f in enumerate(picks, start=1):
        got[f"C{i}"] = f
        got[f"D{i}"] = f'=C{i}&""'
        got[f"E{i}"] = f'=C{i}&"x"'
        got[f"F{i}"] = f'=LEN(C{i}&"")'
        got[f"G{i}"] = (f'=_xlfn.LET(_xlpm.camp,C{i}&"",_xlpm.code,LEFT(_xlpm.camp,6),'
                        f'_xlpm.n,IFERROR(VALUE(_xlpm.code),""),'
                        f'IF(_xlpm.n="","","Week "&INT(_xlpm.n/7)))')
    got["B1"] = f'=COUNTIF(D1:D{ROWS},"C*")'
    got["B2"] = f'=COUNTIF(E1:E{ROWS},"*0x")'
    got["B3"] = f'=COUNTIF(D1:D{ROWS},">5")'
    return got


def test_concat_of_a_value_of_either_kind(tmp_path):
    letters = "DEFG"
    outputs = ["B1", "B2", "B3"] + [f"{c}{i}" for c in letters for i in range(1, ROWS + 1)]
    job = sheet_job(tmp_path / "anykind.xlsx", cells(), [tri("S!A1", 0.0, 5.0, 10.0)],
                    outputs, trials=400)
    assert fused_report(job) == {}
    got, want = numba_and_host_equal_numpy(job, tmp_path / "kernels", 200)
    out = dict(zip(outputs, job.program.outputs, strict=True))
    counts = want[0][out["B1"]]
    assert 0 < counts.max() and counts.min() < counts.max()   # text in some trials only
