"""Criteria made per trial in the fused numba kernel (engine/backends/numba/_dcriteria.py):
COUNTIF/SUMIF/AVERAGEIF/COUNTIFS/SUMIFS/MAXIFS/MINIFS whose criterion's text is made per
trial (``"<"&TEXT(d,"yyyy-mm-dd")``, ``">="&A1`` of a cell of such text, ``LEFT(label,k)&"*"``,
``"<>"&A1``), parsed per trial as engine.functions._criteria.parse parses a criterion, over
ranges of text, numbers, logicals, blanks, errors and values of varying kind; whole columns
(the empty cells past the sheet's end counted as the reference counts them).

Before _dcriteria every such cell was left to numpy ("a criterion made per trial other than
an operator and a number", "a criterion that varies, against cells that vary").  The
workbook is written with openpyxl and read back.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 1_000
INPUTS = [tri("Sheet1!B1", 1.0, 3.0, 10.0), tri("Sheet1!B2", 0.0, 0.5, 1.0)]
DATA = {
    "D": ["apple", "Apricot", "banana", "2023-05-01", "cherry", "<x", "a*b", "7", "TRUE", '=""'],
    "E": [1.5, 7, 3.25, 10, -2, 4, 8.5, 6, 0.25, 45010],
    "F": [5, "abc", True, "7", None, "=NA()", "Ab", 2.5, "=1/0", False],
}
CHOICES = '"TRUE","true","#N/A","#div/0!","=","","<>","<abc","<>7","7"'
CELLS = {
    **{f"K{i}": f"=E{i}*B1" for i in range(1, 11)},                       # numbers that vary
    **{f"M{i}": f"=IF(B2>0.5,E{i},D{i})" for i in range(1, 5)},           # kind varies
    **{f"P{i}": f"=LEFT(D{i},ROUND(B1,0))" for i in range(1, 7)},         # text per trial
    "A1": '=TEXT(B1,"0.0")',
    "A2": '=LEFT("banana",ROUND(B1,0))',
    "A3": '=LEFT("apricot",ROUND(B1,0))',
    "A4": '=LEFT("cherry",ROUND(B1,0))',
    "A5": '=ROUND(B1,0)&""',
    "A6": f'=LEFT(CHOOSE(ROUND(B1,0),{CHOICES}),20+ROUND(B2,0))',
    "J1": '=COUNTIF(D1:D10,"<"&TEXT(45000+B1*10,"yyyy-mm-dd"))',
    "J2": '=COUNTIF(E1:E10,"<"&TEXT(45000+B1*10,"yyyy-mm-dd"))',
    "J3": '=SUMIF(E1:E10,">="&A1,E1:E10)',
    "J4": '=COUNTIF(D1:D10,A3&"*")',
    "J5": '=COUNTIF(D1:D10,"<>"&A2)',
    "J6": '=COUNTIF(F1:F10,"<>"&A2)',
    "J7": '=COUNTIFS(D1:D10,A3&"*",E1:E10,">"&B1)',
    "J8": '=MAXIFS(E1:E10,D1:D10,"<"&A4)',
    "J9": '=MINIFS(K1:K10,D1:D10,">="&LEFT("cherry",ROUND(B1,0)))',
    "J10": '=AVERAGEIF(D1:D10,"?"&MID("apple",ROUND(B1,0),2)&"*",E1:E10)',
    "J11": "=COUNTIF(F1:F10,A6)",                        # TRUE, #N/A, "=", "", "<>", ...
    "J12": "=COUNTIF(M1:M4,A6)+10*COUNTIF(K1:K10,A6)+100*COUNTIF(D1:D10,A6)",
    "J13": '=COUNTIF(K1:K10,IF(B1>3,">5","<3"))',       # known texts, cells that vary
    "J14": '=COUNTIF(D1:D10,UPPER(LEFT("apple",ROUND(B1,0))))',
    "J15": '=COUNTIF(D1:D10,"*"&MID("xapplex",ROUND(B1,0),2)&"*")',
    "J16": '=COUNTIF(D1:D10,LEFT("a~*b",ROUND(B1,0)))',
    "J17": '=COUNTIF(D:D,LEFT("x",0*B1))',              # "" in every trial: whole column
    "J18": '=COUNTIF(D:D,"<>"&ROUND(B1,0)&"x")',        # "<>" of a text never empty
    "J19": '=COUNTIF(F1:F10,IF(B2>0.9,1/0,">"&TEXT(B1,"0.0")))',   # #DIV/0! some trials
    "J20": '=COUNTIF(E1:E10,">"&TEXT(B1/10,"0%"))',
    "J21": '=SUMIFS(K1:K10,D1:D10,A3&"*",F1:F10,"<>"&A2)',
    "J22": "=COUNTIF(D1:D10,A5)+COUNTIF(M1:M4,A5&\"*\")",
    "J23": '=COUNTIF(P1:P6,"a*")+10*COUNTIF(P1:P6,A3&"*")+100*COUNTIF(P1:P6,2)'
           '+1000*COUNTIF(P1:P6,IF(B1>3,"<c","<>b"))',   # ranges of text made per trial
}
OUTPUTS = [f"J{i}" for i in range(1, 24)]


def workbook(path, cells: dict) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["B1"], ws["B2"] = 3.0, 0.5
    for col, values in DATA.items():
        for i, v in enumerate(values, start=1):
            if v is not None:
                ws[f"{col}{i}"] = v
    for k, v in cells.items():
        ws[k] = v
    wb.save(path)
    return Model.open(path)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


# one of each way in numba (the text's kinds, "<>" against every kind, a whole column, the
# criterion's own error, known texts against cells that vary, a cell of such text, ranges of
# such text); every cell of CELLS runs in tests/test_cupy_dynamic_criteria.py's host build
# of the same generated kernel (numba's compile of all of them takes a minute)
QUICK = ["J1", "J4", "J6", "J11", "J13", "J17", "J19", "J22", "J23"]


def _check(backend, path, outputs: list[str]) -> tuple:
    cells = {k: v for k, v in CELLS.items() if k[0] != "J" or k in outputs}
    model = workbook(path, cells)
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    assert fused_report(job) == {}           # before: left to numpy
    got = run(backend, job, 300)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    assert fused_report(job, backend) == {}  # and the kernel compiled
    return model, got, want


def test_criteria_made_per_trial_of_each_kind(backend, tmp_path):
    model, got, want = _check(backend, tmp_path / "quick.xlsx", QUICK)
    k = np.round(got[2][model.ref("Sheet1!B1")])
    j4 = got[0][model.ref("Sheet1!J4")]
    assert set(j4[k == 2]) == {2.0} and set(j4[k == 3]) == {1.0}   # "ap*", "apr*"
    j11 = got[0][model.ref("Sheet1!J11")]
    assert set(j11[k == 1]) == {1.0} and set(j11[k == 3]) == {1.0}   # TRUE; #N/A
    assert set(j11[k == 7]) == {9.0} and set(j11[k == 5]) == {1.0}   # "<>": "=": one blank
    assert set(got[0][model.ref("Sheet1!J17")]) == {float(1_048_576 - 9)}   # "" : blanks
    assert (got[1][model.ref("Sheet1!J19")] == 0).all()
