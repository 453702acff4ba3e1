"""Text functions of text made per trial whose other arguments vary per trial
(engine/backends/numba/_dtext_args.py), in the fused numba kernel and in the CUDA kernel's
host build, against the numpy reference: TEXT of a format chosen per trial among known
texts (``TEXT(x, IF(x>3,"0.0","0%"))``, date formats, General, a format that is an error in
some trials).  Before _dtext_args these cells were left to numpy ("TEXT of a number that
varies per trial"); TEXTBEFORE/TEXTAFTER with instance_num, match_mode, match_end and
if_not_found varying, delimiters made per trial or "" ("of text made per trial (other
than of one delimiter)").  The texts are checked through LEN, VALUE and CODE(MID(...)).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import host_equals_numpy  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 1_000
INPUTS = [tri("Sheet1!B1", 1.0, 3.0, 10.0)]
FORMATS = {
    "A1": '=TEXT(B1,IF(B1>3,"0.0","0%"))',
    "A2": '=TEXT(B1*1000,IF(B1>3,"yyyy-mm-dd","dd/mm/yy"))',
    "A3": '=TEXT(B1*123.456,CHOOSE(ROUND(B1/3,0)+1,"General","#,##0.00","0.00E+00","$0"))',
    "A4": '=TEXT(B1,CHOOSE(IF(B1>9,0,1),"0.000"))',   # the format's #VALUE! in some trials
}
SPLITS = {   # TEXTBEFORE/TEXTAFTER with every argument
    "T1": '=TEXTBEFORE("a-b-c-d-e-f-g-h-i-j","-",ROUND(B1,0)-4)',   # k -3..6, 0: #VALUE!
    "T2": '=TEXTAFTER(S1,"-",-1)',
    "T3": '=TEXTBEFORE(S1,"X",1,ROUND(B1/10,0))',                   # case counts, or not
    "T4": '=TEXTAFTER(S1,IF(B1>3,"-","x"),2)',
    "T5": '=TEXTBEFORE(S1,"z",1,0,B1>5)',                           # the end as a match
    "T6": '=TEXTAFTER(S1,"q",1,0,0,"none")',                        # if_not_found
    "T7": '=TEXTBEFORE(S1,"",ROUND(B1,0))',                         # "" matches everywhere
    "T8": '=TEXTAFTER(S1,LEFT("-x",ROUND(B1,0)-1),-ROUND(B1/4,0)-1,1,TRUE)',
}
CELLS = {
    **FORMATS,
    "S1": '=ROUND(B1,0)&"-x-"&ROUND(B1*2,0)&"-Y"',
    **SPLITS,
    **{f"L{k}": f"=LEN({k})" for k in SPLITS},
    **{f"C{k}": f"=CODE(MID({k},2,1))" for k in SPLITS},
    **{f"L{k[1:]}": f"=LEN({k})" for k in FORMATS},
    **{f"C{j + 1}": f"=CODE(MID(A{1 + j % 4},{1 + j // 4},1))" for j in range(8)},
    "V1": "=VALUE(A1)", "V2": "=VALUE(A3)",
}
OUTPUTS = [k for k in CELLS if k[0] in "LCV"] + list(FORMATS) + list(SPLITS)


def _job(skip: str = ""):
    cells = {k: v for k, v in CELLS.items()
             if not any(w in v or w == k or f"({w}" in v for w in skip.split())}
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    outputs = [o for o in OUTPUTS if o in cells]
    return job_for(model, INPUTS, [f"Sheet1!{o}" for o in outputs], trials=TRIALS), model


def test_text_of_a_format_chosen_per_trial_is_fused_and_numpy_s(tmp_path):
    job, model = _job("A2 A3 CODE VALUE")   # these: in the CUDA host build (quicker)
    assert fused_report(job) == {}           # before: "TEXT of a number that varies"
    got, want = numba_and_numpy(job, tmp_path / "kernels", 300, TRIALS, fused=True)
    b1 = got[2][model.ref("Sheet1!B1")]
    l1 = got[0][model.ref("Sheet1!L1")]
    small = (b1 <= 3) & (b1 < 9.995)
    np.testing.assert_array_equal(l1[small], [len(f"{round(x * 100)}%") for x in b1[small]])
    assert (got[1][model.ref("Sheet1!L4")][b1 > 9] == 3).all()     # #VALUE! of the format
    assert (got[1][model.ref("Sheet1!L4")][b1 <= 9] == 0).all()
    np.testing.assert_array_equal(got[0][model.ref("Sheet1!LT2")], 1.0)   # "Y"
    lt1, et1 = got[0][model.ref("Sheet1!LT1")], got[1][model.ref("Sheet1!LT1")]
    k = np.round(b1) - 4
    assert (et1[k == 0] == 3).all() and set(lt1[k == 2]) == {3.0}   # "a-b"


def test_text_of_a_format_chosen_per_trial_in_the_cuda_host_build(tmp_path):
    job, _ = _job()
    host_equals_numpy(job, tmp_path, 500, TRIALS)
