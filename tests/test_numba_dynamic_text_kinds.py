"""Dynamic text of every kind of value in the fused numba kernel, against the numpy reference:
a value whose kind varies per trial (a number in some trials, text, a logical, a blank or an
error in others) read where text is needed (``&``, LEN, LEFT, CONCAT...), compared with text
made per trial, tested by ISTEXT/ISERROR/..., and IF with a constant condition choosing text
made per trial.  Text outputs are stored as numpy stores them (NaN, #VALUE!), so texts are
checked through LEN and CODE(MID(x,j,1)) character by character.  Each model must be fused
(``fused_report`` empty): before, each cell was left to numpy.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 600
INPUTS = [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", -5.0, 3.0, 50.0)]
# a lookup table of numbers, text, a logical and an error (VLOOKUP of it varies in kind)
TABLE = {"M1": 1.0, "N1": 2.5, "M2": 2.0, "N2": "two", "M3": 3.0, "N3": True,
         "M4": 4.0, "N4": "=1/0", "M5": 5.0, "N5": "=N99"}


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def check(backend, cells: dict[str, object], outputs: list[str]) -> None:
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in {**TABLE, **cells}.items()})
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    got = run(backend, job, 200)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    assert fused_report(job, backend) == {}


def _chars(cell: str, n: int, col: str) -> dict[str, str]:
    """CODE of each character of ``cell`` (rows 1..n of column ``col``)."""
    return {f"{col}{j + 1}": f"=CODE(MID({cell},{j + 1},1))" for j in range(n)}


def test_values_of_varying_kind_read_as_text(backend):
    cells = {
        "A1": 2.0, "A2": 3.0,
        "B1": '=LEN(IF(A1>2,A2,"xy")&"z")',
        "B2": '=IF(A1>2.5,A2,"t")&IF(A2>10,TRUE,A1)',
        "B3": '=CONCAT(IF(A1>2,A2,"q"),"-",IFERROR(1/(A1>3),"e"))',
        "B4": '=LEFT(IF(A1>2,A2*1000,Z50),3)&"|"',
        "B5": '=LEN(VLOOKUP(ROUND(A1,0),M1:N5,2,FALSE)&REPT(A2,0))',
        "B6": '=VLOOKUP(ROUND(A1+0.3,0),M1:N5,2,FALSE)&A2',
        "B7": '=UPPER(IF(A2>20,FALSE,IF(A2>0,A2/7,"neg")))',
        "B8": '=LEN(TRIM(" "&IF(A1>3,"a  b",A1)&" "))',
        "B9": '=A2&IF(A1>2,A1,"")&"!"',
        **_chars("B2", 10, "C"), **_chars("B6", 8, "D"), **_chars("B9", 8, "F"),
    }
    outputs = [k for k in cells if k[0] != "A"]
    check(backend, cells, outputs)


def test_text_made_per_trial_tested_compared_and_chosen(backend):
    cells = {
        "A1": 2.0, "A2": 3.0,
        # IS functions of text made per trial (its kind is text; its error is kept)
        "B1": "=ISTEXT(RIGHT(A2,3))", "B2": "=ISNUMBER(LEFT(TRIM(A1),2))",
        "B3": '=ISERROR(CONCAT(A1,IF(A2>10,1/0,"x")))', "B4": "=ISNA(A2&A1)",
        "B5": '=IF(ISTEXT(IF(A2>20,A1,A2)&CONCAT("3",2.75)),1,2)',
        "B6": "=ISNONTEXT(MID(A1,2,3))", "B7": '=ISERR(LEFT(A2,IF(A1>3,-1,2)))',
        "B8": "=ISLOGICAL(UPPER(A1))", "B9": "=ISBLANK(A1&\"\")",
        # a comparison of text made per trial with a value whose kind varies per trial
        "B10": '=CONCAT("B",A1)>IF(A2>10,A1,"B2")', "B11": '=IF(A1>3,TRUE,A2)<=A1&""',
        "B12": '=(RIGHT(A2,4)>IF(A1>2.5,"abc",A2))*1', "B13": '=A2&""<>IF(A1>2,Z60,A2)',
        # IF whose condition is a constant: only the branch taken is computed
        "B14": "=IF(FALSE(),A1,MID(UPPER(A2&\"x\"),1,3))", "B15": "=IF(TRUE(),A1,LEFT(A2,2))",
        "B16": '=LEN(IF(1>2,5,LEFT(A2,2)))', "B17": "=IF(AND(1>2,TRUE),A1&\"y\",A2&\"z\")",
        **_chars("B14", 4, "C"), **_chars("B17", 6, "D"),
    }
    outputs = [k for k in cells if k[0] != "A"]
    check(backend, cells, outputs)


def test_outputs_that_are_text_made_per_trial_in_some_trials(backend):
    # no cell reads these: a number where the number is taken, #VALUE! (text) elsewhere,
    # each branch's errors kept
    cells = {
        "A1": 2.0, "A2": 3.0,
        "B1": "=IF(A1>2.5,A2,LEFT(A1,1))", "B2": '=IF(A2>20,"x",IF(A1>3,A1,TRIM(A2&" ")))',
        "B3": "=IFERROR(1/(A1>2),MID(A2,2,2))", "B4": "=IF(A1>2,LEFT(A2,IF(A2>10,-1,2)),A2)",
        "B5": '=CHOOSE(IF(A1>2,1,2),A2&"u",A1*2)', "B6": "=IF(A1>2,A2,Z70&A1)",
        # an error in every trial where text is needed: the error, its text never made
        "B7": '=VLOOKUP(IF(A1>2,REPT(N4,1),A2&""),M1:N5,1,FALSE)', "B8": '=IF(A1>2,NA(),A1&"x")',
        "B9": '=LEN(IF(A1>2,N4,A1&"x"))',
    }
    check(backend, cells, [k for k in cells if k[0] != "A"])


def test_a_cell_read_by_others_keeps_its_reason(backend):
    model = Model.from_cells({"Sheet1!A1": 2.0, "Sheet1!A2": 3.0,
                              # a mixed cell read by a plain reference: both fused (2acf730)
                              "Sheet1!B1": "=IF(A1>2.5,A2,LEFT(A1,1))", "Sheet1!B2": "=B1",
                              # split by branch, the condition's error would be lost
                              "Sheet1!B3": "=ISERROR(IF(IF(A1>2,NA(),TRUE),5,LEFT(A2,1)))"})
    job = job_for(model, INPUTS, ["Sheet1!B1", "Sheet1!B2", "Sheet1!B3"], trials=TRIALS)
    report = fused_report(job)
    assert "Sheet1!B3" in report and not {"Sheet1!B1", "Sheet1!B2"} & set(report), report
    assert_same(job, run(backend, job, 200), run(NumpyBackend(), job, TRIALS))


def test_more_text_functions_of_varying_values(backend):
    cells = {
        "A1": 2.0, "A2": 3.0,
        # byte-counting twins, T, N, CLEAN, ASC of text made per trial
        "B1": "=LEFTB(A2,2)&RIGHTB(A1,3)&MIDB(A2,2,2)", "B2": "=LENB(A1)+FINDB(\".\",A1&\".\")",
        "B3": '=SEARCHB("E",A1*1E+20)', "B4": '=REPLACEB(A2,1,1,"x")',
        "B5": "=T(A1)&T(A1&\"x\")&T(IF(A1>2,A1,\"s\"))", "B6": "=N(A1)+N(LEFT(A2,2))",
        "B7": '=N(IF(A1>2,TRUE,IF(A1>1.5,"s",A2)))', "B8": "=CLEAN(A2&\"z\")",
        "B9": "=ASC(A1)&ASC(UPPER(A2&\"e\"))", "B10": '=N(IF(A2>40,1/0,A2&""))',
        "B14": '=ISTEXT(IF(A2>40,5,A2&""))+ISERROR(IF(A2>30,1/0,LEFT(A2,1)))',
        "B15": '=PROPER(A1*1E+25&"abc dEF-gh''I x2y")', "B16": "=PROPER(IF(A2>9,A2,\"mIxEd\"))",
        "B17": '=VALUETOTEXT(A1)&VALUETOTEXT(A2&"x",0)&VALUETOTEXT(IF(A1>2,TRUE,A2),1)',
        **_chars("B17", 14, "H"),
        # comparisons with an IF of text made per trial in one branch only
        "B11": '=IF(MID(A1&"2.5",1,2)=IF(A2>5,UPPER(A1),A2),1,2)',
        "B12": '=IF(A2>5,LEFT(A1,2),A1)<>A2&""', "B13": '=A2&""<IF(A1>3,A1&"",TRUE)',
        **_chars("B1", 10, "C"), **_chars("B5", 10, "E"), **_chars("B15", 20, "G"),
    }
    check(backend, cells, [k for k in cells if k[0] != "A"])


def test_char_unichar_textbefore_textafter_of_varying_values(backend):
    cells = {
        "A1": 2.0, "A2": 3.0,
        "B1": "=CHAR(A1*30)", "B2": "=CODE(CHAR(A2*6))", "B3": "=UNICODE(UNICHAR(A1*1000+52000))",
        "B4": "=LEN(CHAR(A1*20)&A1)", "B5": '=CHAR(A2+70)&"x"="K"&"x"',
        "B6": "=UNICODE(UNICHAR(A2*3+60))+IFERROR(CODE(CHAR(A1*100)),-1)",
        # TEXTBEFORE/TEXTAFTER of one delimiter, UNICODE of text made per trial
        "B7": '=TEXTBEFORE(A1,".")', "B8": '=TEXTAFTER(A1&"-x-y","-")&"|"',
        "B9": '=LEN(TEXTAFTER(A2,"."))', "B10": '=UNICODE(A1&"")+LEN(TEXTBEFORE(A2&"ab","b"))',
        # FIXED/DOLLAR: no "-0.00" where the rounded number is 0, DOLLAR's negatives in ()
        "B11": "=FIXED(A2*1E-3-0.003)", "B12": "=DOLLAR(A2*1E-3-0.003,2)&DOLLAR(A2*1000)",
        "B13": "=FIXED(A2*12345.678,1,TRUE)&\"|\"&FIXED(A1,0)",
        # ROMAN/DEC2BIN/BASE/DEC2HEX of a number they truncate: a table per whole number
        "B14": '=ROMAN(A2*20)&"|"&DEC2BIN(A2*12)', "B15": "=LEN(BASE(A2*10,16,4)&DEC2HEX(A2,4))",
        "B16": "=ROMAN(A1,2)=\"II\"", **_chars("B14", 8, "H"),
        **_chars("B7", 4, "C"), **_chars("B8", 8, "D"), **_chars("B11", 6, "E"),
        **_chars("B12", 12, "F"), **_chars("B13", 8, "G"),
    }
    check(backend, cells, [k for k in cells if k[0] != "A"])


def test_the_cuda_translation_runs_them_as_numpy(tmp_path):
    """The same paths in the CUDA kernel, compiled for the host (no GPU here)."""
    from tests.test_backend_cupy import host_equals_numpy

    cells = {
        "A1": 2.0, "A2": 3.0,
        "B1": '=IF(A1>2.5,A2,"t")&IF(A2>10,TRUE,A1)', "B2": "=LEN(B1)",
        "B3": '=ISTEXT(RIGHT(A2,3))+N(IF(A2>40,1/0,A2&""))',
        "B4": '=CONCAT("B",A1)>IF(A2>10,A1,"B2")', "B5": "=IF(A1>2.5,A2,LEFT(A1,1))",
        "B6": '=T(IF(A1>2,A1,"s"))&LEFTB(A2,2)&CHAR(A1*30)&PROPER(A1&"xY z")',
        "B7": "=DOLLAR(A2*1E-3-0.003)&FIXED(A2*1000,1)",
        **_chars("B1", 12, "C"), **_chars("B6", 30, "D"), **_chars("B7", 20, "E"),
    }
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in {**TABLE, **cells}.items()})
    job = job_for(model, INPUTS, [f"Sheet1!{k}" for k in cells if k[0] != "A"], trials=300)
    host_equals_numpy(job, tmp_path, 100, 300)


def test_textjoin_and_concat_of_ranges_that_vary(backend):
    cells = {
        "A1": 2.0, "A2": 3.0, "A3": '=IF(A1>2.5,"k",A1)',
        "B1": '=TEXTJOIN(", ",TRUE,A1,"",A2,Z9)', "B2": '=TEXTJOIN("-",FALSE,A1:A3,Z9,"x")',
        "B3": '=CONCAT(A1:A3,"x")', "B4": '=LEN(TEXTJOIN(",",TRUE,A1,LEFT(A2,1)))',
        "B5": '=TEXTJOIN(Z9,TRUE,A2,TRUE)', "B6": '=TEXTJOIN("/",TRUE,A1,IF(A2>40,1/0,A2))',
        **_chars("B2", 12, "D"),
    }
    check(backend, cells, [k for k in cells if k[0] != "A"])
