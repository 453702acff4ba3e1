"""Cells of mixed kind in the fused numba kernel, against the numpy reference: a cell that
holds a number in some trials and text made per trial in others (``=IF(x>2,x,LEFT(y,2))``,
``=IFERROR(VALUE(t),t)``, ``=IF(A1>0,A1,"n/a "&B1)``) read by later cells: arithmetic
(numeric text read as the reference's to_number, other text #VALUE!), comparisons, ``&``,
LEN, aggregates over references (text skipped or counted), ISTEXT/ISNUMBER/..., IF, and
such a cell read by another such cell.  Before, a mixed cell was fused only where no cell
read it: every reader was left to numpy.  Texts are checked through LEN and CODE(MID()).
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 1_000
INPUTS = [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", -5.0, 3.0, 50.0)]

MIXED = {
    "B1": '=IF(A1>2,A1,LEFT(A2,2))',                  # numeric text in most text trials
    "B2": '=IFERROR(VALUE(LEFT(A2,3)&"x"),A2&"x")',   # text in every trial: never a number
    "B3": '=IF(A1>2.5,ROUND(A1,1),"n/a "&ROUND(A2,0))',
    "B4": '=IFERROR(VALUE(MID(A2,2,3)),"e"&LEFT(A2,1))',   # "-3.1" -> "3.1": a number
    "B5": '=IF(A1>3.5,1/0,IF(A1>2,A1,TRIM(" "&ROUND(A2,1))))',   # and an error
    "B6": '=IF(A2>10,B1,B3)',                          # a mixed cell of mixed cells
    "B7": '=CHOOSE(1+(A1>2)+(A1>3),TRUE,A2,LOWER("X"&ROUND(A1,2)))',
}


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def check(backend, cells: dict[str, object], outputs: list[str]) -> None:
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in {**MIXED, **cells}.items()})
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    assert fused_report(job, backend) == {}
    assert_same(job, run(backend, job, 300), run(NumpyBackend(), job, TRIALS))


def test_mixed_cells_read_by_arithmetic_comparisons_and_is_functions(backend):
    cells = {
        "C1": "=B1*2+1", "C2": "=B2+1", "C3": "=-B3", "C4": "=B4/2", "C5": "=B5^2",
        "C6": "=B6+B7", "C7": "=B7*1",
        "D1": "=B1>2", "D2": '=B3="n/a 3"', "D3": '=B5<>"2.5"', "D4": "=B6<=B1",
        "D5": '=B2>"-"', "D6": "=B5=2.5",
        "E1": "=ISTEXT(B1)", "E2": "=ISNUMBER(B3)", "E3": "=ISERROR(B5)",
        "E4": "=ISLOGICAL(B1)", "E5": "=ISNONTEXT(B6)", "E6": "=IF(ISNUMBER(B1),B1,-1)",
        "E7": "=IF(B3>3,1,2)", "E8": '=IF(A2>20,B4,"z")&""',
    }
    check(backend, cells, list(cells))


def test_mixed_cells_read_as_text_and_by_aggregates(backend):
    cells = {
        "C1": '=B1&"!"', "C2": "=LEN(B3)", "C3": "=UPPER(B6)&B4", "C4": "=LEN(B5&B4)",
        "C5": "=SUM(B1:B7)", "C6": "=COUNT(B1:B7)", "C7": "=COUNTA(B1,B3,B5)",
        "C8": "=SUM(B1,B3,B4)", "C9": "=AVERAGE(B1:B6)", "C10": "=MAX(B3,B4,B6)",
        **{f"D{j}": f"=CODE(MID(C1,{j},1))" for j in range(1, 5)},
        **{f"E{j}": f"=CODE(MID(C3,{j},1))" for j in range(1, 6)},
    }
    check(backend, cells, list(cells))


def test_mixed_cell_read_by_a_cell_left_to_numpy_stays_with_numpy(backend):
    """REGEXTEST is not fused: the mixed cell it reads is computed by numpy too (its
    text is needed there), its readers in the kernel still equal numpy."""
    cells = {"C1": '=REGEXTEST(B3,"n/a")', "C2": "=B3+1", "C3": "=B1*3"}
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in {**MIXED, **cells}.items()})
    job = job_for(model, INPUTS, [f"Sheet1!{o}" for o in cells], trials=TRIALS)
    report = fused_report(job, backend)
    assert "Sheet1!B3" in report and "Sheet1!C3" not in report
    assert_same(job, run(backend, job, 300), run(NumpyBackend(), job, TRIALS))


def test_fixed_and_dollar_with_decimals_varying_per_trial(backend):
    """FIXED/DOLLAR whose decimals vary per trial (-15..10: below 0 the number rounded to
    tens, hundreds... written whole; an error in the decimals is the text's error)."""
    cells = {
        "C1": "=FIXED(A2*1000,ROUND(A1,0))", "C2": "=DOLLAR(-A2*100,ROUND(A1,0)-3)",
        "C3": "=FIXED(A2,IF(A1>3.5,1/0,A1),TRUE)", "C4": "=FIXED(A2*37,-2,TRUE)",
        "C5": "=DOLLAR(A2*5,-1)", "C6": '=C1&"|"&C2&"|"&C3', "C7": "=LEN(C4&C5)",
        **{f"D{j}": f"=CODE(MID(C6,{j},1))" for j in range(1, 13)},
    }
    check(backend, cells, [k for k in cells if k not in ("C1", "C2", "C3", "C4", "C5")])


@pytest.mark.slow   # (~25 s of compiling; the CUDA host test below covers the same path)
def test_textjoin_with_a_delimiter_or_emptiness_varying_per_trial(backend):
    """TEXTJOIN with a delimiter made per trial, ignore_empty varying per trial, texts empty
    in some trials only (left out there), an error in ignore_empty or a text."""
    cells = {
        "C1": '=TEXTJOIN(IF(A1>2,",",";"),TRUE,A1,A2)',
        "C2": '=TEXTJOIN(",",TRUE,IF(A1>2,"",ROUND(A1,1)),LEFT(A2,IF(A2>5,0,2)),"z")',
        "C3": '=TEXTJOIN(LEFT(A2,1),A1>2.5,IF(A1>2,"",A1),"",IF(A2>9,"q",""),3)',
        "C4": '=TEXTJOIN("-",A1>2,IF(A1>3,1/0,""),"x")', "C5": '=LEN(C4)',
        "C6": '=C1&"|"&C2&"|"&C3',
        **{f"D{j}": f"=CODE(MID(C6,{j},1))" for j in range(1, 13)},
    }
    check(backend, cells, [k for k in cells if k not in ("C1", "C2", "C3", "C4")])


def test_the_cuda_translation_runs_them_as_numpy(tmp_path):
    """Mixed cells read by later cells, FIXED of varying decimals and TEXTJOIN of varying
    emptiness in the CUDA kernel compiled for the host (no GPU here)."""
    from tests.test_backend_cupy import host_equals_numpy

    cells = {
        "C1": "=B1*2+B4", "C2": '=B3="n/a 3"', "C3": "=ISTEXT(B6)+SUM(B1:B5)",
        "C4": '=B5&"|"&FIXED(A2*1000,ROUND(A1,0)-2)&DOLLAR(A2,A1)',
        "C5": '=TEXTJOIN(IF(A1>2,",",";"),A1>2.5,IF(A1>2,"",A1),LEFT(A2,2),"z")',
        "C6": '=LEN(REPT(ROUND(A2,2)&"-",ROUND(A1*10,0)))',
        "C7": '=CODE(MID(REPT(ROUND(A2,2)&"-",ROUND(A1*10,0)),251,1))',
        **{f"D{j}": f"=CODE(MID(C4&C5,{j},1))" for j in range(1, 25)},
    }
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in {**MIXED, **cells}.items()})
    job = job_for(model, INPUTS, [f"Sheet1!{k}" for k in cells if k not in ("C4", "C5")],
                  trials=400)
    host_equals_numpy(job, tmp_path, 200, 400)


def test_exact_lookups_of_a_key_of_mixed_kind(backend):
    """MATCH/VLOOKUP/XMATCH of a key that is text made per trial in some trials only (an
    IF, or a cell of mixed kind): IF(c, F(x), F(y)); an error key is the lookup's error."""
    cells = {
        "M1": "", "M2": "ab", "M3": 2.0, "M4": "3", "M5": "x",
        "C1": "=MATCH(IF(A1>2.5,LEFT(A2,0),ROUND(A1,0)),M1:M5,0)", "C2": "=MATCH(B1,M1:M5,0)",
        "C3": '=VLOOKUP(IF(A2>3,"a"&LEFT(A2,0)&"b",ROUND(A1,0)),M1:M5,1,FALSE)',
        "C4": "=XMATCH(IF(A1>3,1/0,LEFT(A2,1)),M1:M5)", "C5": "=MATCH(B3,M1:M5,0)",
        # a text made per trial of up to 1,000 characters (was: 255 at most)
        "C6": '=REPT(ROUND(A2,2)&"-",ROUND(A1*10,0))', "C7": "=LEN(C6)",
        "C8": '=FIND("-",C6,200)', "C9": "=CODE(MID(C6,251,1))+CODE(RIGHT(C6,2))",
    }
    check(backend, cells, ["C1", "C2", "C3", "C4", "C5", "C7", "C8", "C9"])
