"""The dynamic arrays of secretlyspy's Campaign Tracker dashboard in the fused kernel
(``LET(email, FILTER(HSTACK(..), cond, HSTACK("",..)), sms, FILTER(..), data, VSTACK(email,
sms), clean, FILTER(data, CHOOSECOLS(data,4)<>""), IFERROR(SORTBY(clean, CHOOSECOLS(clean,1),
1, IFERROR(--CHOOSECOLS(clean,2),0), 1, ..), ""))``), piece by piece: each workbook has an
uncertain input that makes the FILTERs keep a number of rows varying per trial (none in
some); the kernel must give numpy's values cell for cell (engine.functions.dynamic, .arrays:
each trial's own result)."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

F, H = "_xlfn._xlws.FILTER", "_xlfn.HSTACK"
NAMES = ["Promo", "loyalty", "", "Services", "PLCC", "promo", "Events", "", "NPA", "Zed"]


def _book(tmp_path, name: str, formulas: dict[str, tuple[str, str]], trials: int):
    """A sheet of 10 rows (A: a number, B: a name or blank, C: a time or text, D: a
    number made per trial) and array formulas {anchor: (range, formula)}; the input H1
    moves D so that ``D2:D11<$H$1`` keeps 0 to 10 rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["H1"] = 5.0
    for i in range(10):
        r = i + 2
        ws[f"A{r}"] = float((i * 7) % 5)
        if NAMES[i]:
            ws[f"B{r}"] = NAMES[i]
        ws[f"C{r}"] = 0.25 * (i % 3) if i % 4 else "0.5" if i % 8 == 0 else "11:00 AM local"
        ws[f"D{r}"] = f"=A{r}+{i}*0.7+1"
    cells = []
    for anchor, (ref, formula) in formulas.items():
        ws[anchor] = ArrayFormula(ref, formula)
        cells += [f"S!{c.coordinate}" for row in ws[ref] for c in row]
    path = tmp_path / f"{name}.xlsx"
    wb.save(path)
    return job_for(Model.open(path), [tri("S!H1", 0.0, 2.0, 11.0)], cells, trials=trials)


def _labels(be, job) -> dict:
    """Each output's label a trial (its text, TRUE/FALSE; None: a number or an error), all
    trials in one chunk (assert_same compares the numbers and error codes only)."""
    res = be.run(job, 0, job.trials)
    out = {}
    for c in job.program.outputs:
        col = res.texts.get(c)
        out[c] = [None] * job.trials if col is None else \
            [col.strings[k] if k >= 0 else None for k in col.ids.tolist()]
    return out


def _check(job, tmp_path) -> None:
    assert fused_report(job) == {}
    numba_and_numpy(job, tmp_path / "k", 40, fused=True)
    be = NumbaBackend(kernel_dir=tmp_path / "k")
    try:
        got = _labels(be, job)
    finally:
        be.close()
    want = _labels(NumpyBackend(), job)
    assert any(x is not None for c in want for x in want[c])   # some text to compare
    for c in job.program.outputs:
        assert got[c] == want[c], c


# --------------------------------------------------------------- FILTER, if_empty a row
ROW_EMPTY = {"K2": ("K2:M12", f'={F}({H}(A2:A11,B2:B11,C2:C11),D2:D11<$H$1,{H}("",-1,"-"))'),
             "O2": ("O2:P12", f'={F}(A2:B11,D2:D11<$H$1,{{"none",0}})')}


def test_filter_row_if_empty(tmp_path):
    _check(_book(tmp_path, "row", ROW_EMPTY, 100), tmp_path)


def test_filter_row_if_empty_cuda_host(tmp_path):
    host_equals_numpy(_book(tmp_path, "rowc", ROW_EMPTY, 60), tmp_path / "cuda")


# --------------------------------------------------------------- VSTACK, CHOOSECOLS
V, C = "_xlfn.VSTACK", "_xlfn.CHOOSECOLS"
EMAIL = f'{F}({H}(A2:A11,B2:B11,C2:C11),D2:D11<$H$1,{H}("",-1,"-"))'
STACKED = {
    "R2": ("R2:T22", f"={V}({EMAIL},{F}({H}(B2:B11,A2:A11),D2:D11>$H$1+3))"),
    "V2": ("V2:W12", f"={C}({F}({H}(A2:A11,B2:B11,C2:C11),D2:D11<$H$1),2,-3)"),
    "Y2": ("Y2:Y12", f"={C}({F}(A2:C11,D2:D11<$H$1),1)"),
    "AA2": ("AA2:AB22", f'=_xlfn.SORT({V}({F}({H}(B2:B11,A2:A11),D2:D11<$H$1,{H}("zz",0)),'
                        f'{F}({H}(B2:B11,A2:A11),D2:D11>=$H$1+2)),1,-1)'),
}


def test_vstack_choosecols(tmp_path):
    _check(_book(tmp_path, "stack", STACKED, 100), tmp_path)


def test_vstack_choosecols_cuda_host(tmp_path):
    host_equals_numpy(_book(tmp_path, "stackc", STACKED, 60), tmp_path / "cuda")


# --------------------------------------------------------------- FILTER of a result
SMS = f"{F}({H}(A2:A11,B2:B11,C2:C11),D2:D11>$H$1+3)"
DATA = f"{V}({EMAIL},{SMS})"
FILTERED = {
    "AD2": ("AD2:AF22", f'={F}({DATA},{C}({DATA},2)<>"")'),
    "AH2": ("AH2:AJ22", f'=_xlfn.LET(_xlpm.data,{DATA},'
                        f'{F}(_xlpm.data,{C}(_xlpm.data,1)>=2,"none"))'),
    "AL2": ("AL2:AL22", f'={C}({DATA},2)="PROMO"'),
    "AM2": ("AM2:AM22", f'=""<{C}({DATA},2)'),
    "AN2": ("AN2:AN22", f'={C}({DATA},3)<=0.25'),
}


def test_filter_of_a_result(tmp_path):
    _check(_book(tmp_path, "filt", FILTERED, 100), tmp_path)


def test_filter_of_a_result_cuda_host(tmp_path):
    host_equals_numpy(_book(tmp_path, "filtc", FILTERED, 60), tmp_path / "cuda")


# --------------------------------------------------------------- SORTBY of a result
L = "_xlpm."
CAMPAIGN = (f'=_xlfn.LET({L}data,{DATA},{L}clean,{F}({L}data,{C}({L}data,2)<>""),'
            f'IFERROR(_xlfn.SORTBY({L}clean,{C}({L}clean,1),1,'
            f'IFERROR(--{C}({L}clean,3),0),-1,{C}({L}clean,2),1),""))')
SORTED = {
    "AP2": ("AP2:AR22", f"=_xlfn.SORTBY({DATA},{C}({DATA},1),-1,"
                        f"IFERROR(--{C}({DATA},3),0),1,{C}({DATA},2),1)"),
    "AT2": ("AT2:AV22", CAMPAIGN),
    "AX2": ("AX2:AX22", f"=-{C}({DATA},3)"),
}


def test_sortby_of_a_result(tmp_path):
    _check(_book(tmp_path, "sortby", SORTED, 100), tmp_path)


def test_sortby_of_a_result_cuda_host(tmp_path):
    host_equals_numpy(_book(tmp_path, "sortbyc", SORTED, 60), tmp_path / "cuda")
