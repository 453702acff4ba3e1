"""TEXTJOIN of a FILTER/UNIQUE/SORT result, the FILTER's condition comparisons of a date made
per trial with a table's columns, copied down a column (joemcsweeney2's holiday workbook:
``TEXTJOIN(", ",TRUE,IFERROR(FILTER(T[Holiday Name],(d>=T[start])*(d<=T[end])),""))`` in
hundreds of rows).

Before, each cell made each element of the result by lines of its own (da_pick, a presence
flag, the text written and measured per element) and each row of the condition by lines of
its own, about 700 lines a cell: past a few dozen cells "the kernel would be too large", and a
text compared (``TEXTJOIN(..)=""``) of 37 names of up to 29 characters was refused as "text
made per trial of up to 1154 characters".  Now the condition's comparisons are one runtime
loop each (da_cmpcol/da_comb) and the join one call (da_textjoin, its error da_error), its
most characters those of the source's texts together (_dynarrays._join_chars): 8 lines a cell.
The workbook's windows are its dates -/+ a width made per trial: such a column of numbers is
written out once (shared by the cells) and compared by one loop too (da_cmparr, its rows'
errors kept: the left operand's first).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.values import NA, VALUE  # noqa: E402
from tests.test_backend_cupy import HostCudaBackend, host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, run, tri  # noqa: E402

TRIALS = 120
F, U, S = "_xlfn._xlws.FILTER", "_xlfn.UNIQUE", "_xlfn._xlws.SORT"
TJ = "_xlfn.TEXTJOIN"
NH = 40            # holidays
ROWS = 40          # dates, each a row of joined names
H = f"$A$2:$A${NH + 1}"
START, END, NUM = f"$B$2:$B${NH + 1}", f"$C$2:$C${NH + 1}", f"$D$2:$D${NH + 1}"
WSTART, WEND = f"$E$2:$E${NH + 1}", f"$F$2:$F${NH + 1}"


def _name(i: int) -> str | None:
    if i % 13 == 5:
        return None                 # an empty cell: "" (left out where ignore_empty)
    return ("Holiday of the year number " + str(i))[: 8 + (i * 7) % 22]


def _job(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for i in range(NH):
        r = i + 2
        ws[f"A{r}"] = _name(i)
        ws[f"B{r}"], ws[f"C{r}"] = 10.0 * i, 10.0 * i + 4.0 + (i % 3) * 8.0   # overlaps
        ws[f"D{r}"] = 0.25 * i - 3.0
        # the workbook's windows: the date -/+ a width made per trial (a #N/A in one row)
        ws[f"E{r}"] = f"=IF($E$1>5.5,NA(),B{r}-$E$1)" if i == 7 else f"=B{r}-$E$1"
        ws[f"F{r}"] = f"=C{r}+$E$1"
    outs = []
    for r in range(2, ROWS + 2):
        ws[f"Q{r}"] = 10.0 * r
        cond = f"(Q{r}>={START})*(Q{r}<={END})"
        join = f'{TJ}(", ",TRUE,IFERROR({F}({H},{cond}),"**No associated Holiday"))'
        ws[f"W{r}"] = ArrayFormula(f"W{r}", f'=IF(Q{r}="","",IF({join}="","",{join}))')
        ws[f"X{r}"] = ArrayFormula(f"X{r}", f'={TJ}(", ",TRUE,IFERROR({F}({H},{cond}),""))')
        outs += [f"Sheet1!W{r}", f"Sheet1!X{r}"]
        wide = f"(Q{r}>={WSTART})*(Q{r}<={WEND})"
        ws[f"V{r}"] = ArrayFormula(f"V{r}", f'={TJ}(", ",TRUE,IFERROR({F}({H},{wide}),"-"))')
        outs.append(f"Sheet1!V{r}")
    specials = {
        # the column on the left, "+" of conditions, numbers joined, nothing ignored
        "Y2": f'={TJ}("-",FALSE,{F}({NUM},({START}<=Q2)+(Q3<{START}-300),"none"))',
        # a product of a sum: a scratch of its own (da_comb); SORT and UNIQUE of it
        "Y3": f'={TJ}("; ",TRUE,{S}({F}({H},(Q4>={START})*((Q4<={END})+(Q5={START})))))',
        "Y4": f'={TJ}("/",FALSE,IFERROR({U}({F}({H},(Q4>{START})*(Q4<={END}+20))),"none"))',
        # an error in the date (#N/A in some trials): the flags' and the join's error
        "Y5": f'={TJ}(",",TRUE,{F}({H},(IF(Q6>300,NA(),Q6)>={START})*(Q6<={END}),""))',
        # ignore_empty varying per trial; the names read whole by the kernel's readers
        "Y6": f'={TJ}("|",Q7>100,{F}({H},({START}<=Q7)*(Q7<={END}+15)))',
        "Y7": '=LEN(X2)*1000+LEN(W3)+IF(X4="",1,0)/10',
        "Y8": '=IFERROR(FIND("number 1",X5),-1)*100+LEN(Y3)+LEN(Y2)*7+LEN(Y4)/100',
        "Y9": '=IFERROR(LEN(Y5),-7)+IFERROR(SEARCH("|",Y6),0)/100',
        # the columns made per trial on the left, "+" (da_cmparr), read by LEN
        "Y10": f'=LEN({TJ}(";",FALSE,{F}({NUM},({WEND}>=Q8)+({WSTART}=Q9),"")))',
        # a date that is text ("X": above every number) in some trials, a blank (as 0)
        "Y11": f'={TJ}(",",TRUE,IFERROR({F}({H},(IF(Q10>300,"X",Q10)>={WSTART})*'
               f'(IF(Q10>300,"X",Q10)<={WEND})+(Q10>=$G$1)*(Q10<{START})),"none"))',
        "Y12": f'=LEN({TJ}(",",TRUE,IFERROR({F}({H},($G$1<{WEND})*(Q11>={START})),"")))',
    }
    for k, v in specials.items():
        ws[k] = ArrayFormula(k, v)
        outs.append(f"Sheet1!{k}")
    path = tmp_path / "holiday_join.xlsx"
    wb.save(path)
    model = Model.open(path)
    inputs = [tri(f"Sheet1!Q{r}", 0.0, 10.0 * r, 10.0 * NH + 20.0) for r in range(2, ROWS + 2)]
    inputs.append(tri("Sheet1!E1", 0.0, 3.0, 8.0))
    return job_for(model, inputs, outs, trials=TRIALS), model


def test_joined_names_vary_in_numpy(tmp_path):
    job, model = _job(tmp_path)
    out, err, _ = run(NumpyBackend(), job, TRIALS)
    y7 = out[model.ref("Sheet1!Y7")]
    assert len(set(y7)) > 20
    y5 = err[model.ref("Sheet1!Y5")]   # text (an output of text: #VALUE!) or #N/A
    assert (y5 == VALUE).any() and (y5 == NA).any()
    v = [out[model.ref(f"Sheet1!V{r}")] for r in range(2, ROWS + 2)]
    assert any(np.isnan(x).all() for x in v)   # text (NaN) ...
    y10 = err[model.ref("Sheet1!Y10")]   # a row's #N/A (E9) where the width is past 5.5
    assert (y10 == NA).any() and (y10 == 0).any()
    y9 = out[model.ref("Sheet1!Y9")]
    assert (y9 < -6).any() and (y9 > 0).any()


def test_textjoin_of_filter_rows_is_fused(tmp_path):
    job, _ = _job(tmp_path)
    # before: "the kernel would be too large" (about 700 lines a cell) and "text made per
    # trial of up to 1,3xx characters" (W's text compared with "")
    assert fused_report(job) == {}


@pytest.mark.slow   # numba compile: the host build below covers the same kernel lines
def test_textjoin_of_filter_rows_numba_equals_numpy(tmp_path):
    job, _ = _job(tmp_path)
    numba_and_numpy(job, tmp_path / "kernels", 50)


def test_textjoin_of_filter_rows_on_the_host_build_equal_numpy(tmp_path):
    job, _ = _job(tmp_path)
    body = HostCudaBackend.source_of(job).split("MC_HD void mc_trial", 1)[1]
    assert "da_textjoin(" in body and "da_cmpcol(" in body and "da_comb(" in body
    assert "da_cmparr(" in body   # columns of numbers made per trial (V, Y10)
    host_equals_numpy(job, tmp_path, 50, TRIALS)
