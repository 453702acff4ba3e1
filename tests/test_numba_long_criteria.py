"""COUNTIF/SUMIF/AVERAGEIF/...IFS/MAXIFS/MINIFS over long ranges of constants with a
criterion that varies per trial (engine/backends/numba/_long_criteria.py): a Monte Carlo
workbook's pasted results counted against a target, ``=COUNTIF(B2:B50001,"<="&L2)/50000``.
Before, every cell of the range was a line of the kernel: past the kernel's size, left to
numpy.  Now a loop (or a binary search) per trial; numba equal to numpy trial for trial
(identical error codes), and the CUDA kernel's host build equal to numpy.  The workbook is
written with openpyxl: numbers with ties, text (one reading as a number), logicals, blanks."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.model import Model  # noqa: E402
from tests.kernel_checks import (  # noqa: E402
    criteria_sheet,
    fused_source,
    numba_and_host_equal_numpy,
    saved_model,
)
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 400
ROWS = 300
INPUTS = [tri("Sheet1!E1", 0.0, 5.0, 10.0), tri("Sheet1!E2", 0.0, 2.0, 6.0)]
FORMULAS = {
    "F1": f'=COUNTIF(A1:A{ROWS},"<="&E1)/{ROWS}',
    "F2": f"=COUNTIF(A1:A{ROWS},ROUND(E1,0))",           # "=": numbers and text "5"
    "F3": f'=COUNTIF(A1:A{ROWS},"<>"&ROUND(E1,0))',      # "<>": text, logicals, blanks too
    "F4": f'=COUNTIF(A1:A{ROWS},">"&E1)+COUNTIF(A1:A{ROWS},">="&E1)+COUNTIF(A1:A{ROWS},"<"&E1)',
    "F5": f'=SUMIF(A1:A{ROWS},">"&E1,B1:B{ROWS})',
    "F6": f'=AVERAGEIF(A1:A{ROWS},">="&E1*1.8,B1:B{ROWS})',   # #DIV/0! where none is
    "F7": f'=COUNTIFS(A1:A{ROWS},">="&E2,A1:A{ROWS},"<"&E1)',
    "F8": f'=SUMIFS(B1:B{ROWS},A1:A{ROWS},"<"&E1,C1:C{ROWS},"x*")',   # one criterion constant
    "F9": f'=MAXIFS(B1:B{ROWS},A1:A{ROWS},"<"&E2)+MINIFS(B1:B{ROWS},A1:A{ROWS},">"&E1)',
    "F10": f'=AVERAGEIFS(B1:B{ROWS},A1:A{ROWS},"<="&E1,C1:C{ROWS},"<>y")',
    "F11": f'=COUNTIF(A1:A{ROWS},">"&IF(E2>4,1/0,E2))',  # the criterion an error: none
}


def _model(tmp_path) -> Model:
    ws = criteria_sheet()
    for r in range(1, ROWS + 1):
        k = r % 23
        ws[f"A{r}"] = ("5" if k == 3 else True if k == 7 else None if k == 11 else
                       "n/a" if k == 13 else float((r * 37) % 101) / 10.0)
        ws[f"B{r}"] = None if r % 17 == 0 else "t" if r % 19 == 0 else float((r * 13) % 29 - 9)
        ws[f"C{r}"] = "x" + str(r % 3) if r % 2 else "y"
    return saved_model(ws, FORMULAS, tmp_path / "long_criteria.xlsx")


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return job_for(_model(tmp_path_factory.mktemp("lc")), INPUTS,
                   [f"Sheet1!{c}" for c in FORMULAS], trials=TRIALS)


def test_fused_as_loops_not_lines(job):
    source = fused_source(job)
    assert "lcrit_count(" in source and "lcrit_fold(" in source
    assert len(source.splitlines()) < 400, len(source.splitlines())   # before: lines per cell


def test_numba_equals_numpy(job, tmp_path):
    got, want = numba_and_numpy(job, tmp_path, 200, TRIALS)
    model = job.program.model
    f6, f11 = model.ref("Sheet1!F6"), model.ref("Sheet1!F11")
    assert (want[1][f6] != 0).any() and (want[1][f6] == 0).any()   # #DIV/0! in some trials
    assert (want[0][f11] == 0).any() and (want[0][f11] > 0).any()
    f2 = model.ref("Sheet1!F2")
    assert len(set(want[0][f2])) >= 3   # the count changes with the input


def test_host_cuda_build_equals_numpy(job, tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(job, tmp_path, 200, TRIALS)


# ----------------------------------------------------------------- ranges that vary per trial
VROWS = 400   # a column of a formula copied down (a family), more than LONG_CELLS
VARYING = {
    "G1": f'=COUNTIF(C1:C{VROWS},">0")/{VROWS}',
    "G2": f'=SUMIF(C1:C{VROWS},"<"&E2)+COUNTIF(C1:C{VROWS},ROUND(E1,0)-5)',   # "=" a number
    "G3": f'=AVERAGEIF(C1:C{VROWS},">"&E1*0.6,B1:B{VROWS})',   # #DIV/0! where none is
    "G4": f'=COUNTIFS(C1:C{VROWS},">"&E2,B1:B{VROWS},"<=2")',
    "G5": f'=MAXIFS(C1:C{VROWS},B1:B{VROWS},"<>abc")+MINIFS(B1:B{VROWS},C1:C{VROWS},"<"&-E2)',
    "G6": f'=SUMIFS(B1:B{VROWS},C1:C{VROWS},"abc")+COUNTIF(B1:B{VROWS},"<>")',   # text: none/all
    "G7": f'=AVERAGEIFS(C1:C{VROWS},C1:C{VROWS},">"&E2*2,B1:B{VROWS},"<>"&ROUND(E1,0))',
    "G8": f'=COUNTIF(C1:C{VROWS},">"&IF(E2>4,1/0,E2))',   # the criterion an error: none
}


@pytest.fixture(scope="module")
def varying_job(tmp_path_factory):
    ws = criteria_sheet()
    for r in range(1, VROWS + 1):
        ws[f"H{r}"] = float((r * 37) % 101) / 10.0 - 5.0
        ws[f"B{r}"] = f"=ROUND($E$1*H{r}/5,0)"        # whole numbers: "=" and "<>" hit
        ws[f"C{r}"] = f"=B{r}*$E$2-H{r}+0.5"
    model = saved_model(ws, VARYING, tmp_path_factory.mktemp("lcv") / "varying_criteria.xlsx")
    return job_for(model, INPUTS, [f"Sheet1!{c}" for c in VARYING], trials=TRIALS)


def test_varying_ranges_fused_as_loops(varying_job):
    """Criteria over columns that vary per trial: each column gathered once per trial (one
    loop over the family's slots), tested by a runtime loop (before: lines per cell)."""
    source = fused_source(varying_job)
    assert source.count("lcrit_zfold(") >= 12
    assert len(source.splitlines()) < 300, len(source.splitlines())   # before: 5,000 and more


def test_varying_ranges_numba_and_host_cuda_equal_numpy(varying_job, tmp_path):
    job = varying_job
    _, want = numba_and_host_equal_numpy(job, tmp_path)
    model = job.program.model
    g3, g8 = model.ref("Sheet1!G3"), model.ref("Sheet1!G8")
    assert (want[1][g3] != 0).any() and (want[1][g3] == 0).any()   # #DIV/0! in some trials
    assert (want[0][g8] == 0).any() and (want[0][g8] > 0).any()
    g2 = model.ref("Sheet1!G2")
    assert len(set(want[0][g2])) >= 3


# ------------------------------------------ ranges of constants and cells that vary per trial
MROWS = 200   # whole columns: headings, blanks, text, constants and a few formulas (numbers)
MIXED = {
    "M1": '=SUMIFS(C:C,B:B,"x*",A:A,">"&E2)',            # a constant criterion and a varying one
    "M2": '=COUNTIFS(A:A,ROUND(E1,0),B:B,"<>y")',        # "=": numbers and the text "5"
    "M3": '=SUMIF(A:A,"<>"&ROUND(E1,0),C:C)',            # "<>": text, logicals, blanks too
    "M4": '=AVERAGEIFS(C:C,A:A,"<="&E1-4,B:B,">1")',     # #DIV/0! where none is
    "M5": '=MAXIFS(C:C,A:A,">"&E2)+MINIFS(C:C,B:B,"x1",A:A,"<"&E1)',
    "M6": '=COUNTIF(A:A,">"&IF(E2>4,1/0,E2))',           # the criterion an error: none
    "M7": '=COUNTIF(A:A,"<"&E1)+AVERAGEIF(A:A,">=0",C:C)',
}


@pytest.fixture(scope="module")
def mixed_job(tmp_path_factory):
    ws = criteria_sheet()
    ws["A1"], ws["B1"], ws["C1"] = "Value", "Key", "Amount"
    for r in range(2, MROWS + 1):
        k = r % 23
        ws[f"A{r}"] = (f"=ROUND($E$1*{r % 7 - 2}/2,0)" if r % 4 == 0 else "5" if k == 3 else
                       True if k == 7 else None if k == 11 else float((r * 37) % 101) / 10.0)
        ws[f"B{r}"] = ("=ROUND($E$2,0)" if r % 10 == 0 else 2.0 if r % 13 == 0 else
                       ("x1", "x2", "y")[r % 3])
        ws[f"C{r}"] = (f"=$E$2*{r % 5}-1" if r % 6 == 0 else "t" if r % 19 == 0 else
                       None if r % 17 == 0 else float((r * 13) % 29 - 9))
    model = saved_model(ws, MIXED, tmp_path_factory.mktemp("lcm") / "mixed_criteria.xlsx")
    return job_for(model, INPUTS, [f"Sheet1!{c}" for c in MIXED], trials=TRIALS)


def test_mixed_ranges_fused_as_loops(mixed_job):
    """Whole columns of constants with a few formulas among them (3S_Model's
    ``SUMIFS(Workings!$E:$E,Workings!$F:$F,$B6,Workings!$C:$C,D$5)``): each column gathered
    once per trial (constants by runs from ``kv``), tested by one runtime loop (before: a
    line or more per cell)."""
    source = fused_source(mixed_job)
    assert source.count("lcrit_mfold(") >= 9
    assert len(source.splitlines()) < 900, len(source.splitlines())   # 110 cells; 4,461 before


def test_mixed_ranges_numba_and_host_cuda_equal_numpy(mixed_job, tmp_path):
    job = mixed_job
    _, want = numba_and_host_equal_numpy(job, tmp_path)
    model = job.program.model
    m4, m6 = model.ref("Sheet1!M4"), model.ref("Sheet1!M6")
    assert (want[1][m4] != 0).any() and (want[1][m4] == 0).any()   # #DIV/0! in some trials
    assert (want[0][m6] == 0).any() and (want[0][m6] > 0).any()
    for c in ("M1", "M2", "M3"):
        assert len(set(want[0][model.ref(f"Sheet1!{c}")])) >= 3, c


# ------------------------------------------ a criterion of text varying among known texts
TROWS = 200
TEXTS = ["apple", "APP*", "b?n", ">m", "5", "<>apple", "pear~*", "grape"]
CHOSEN = {
    "F1": "=COUNTIF(A1:A{n},B1)",
    "F2": "=SUMIF(A1:A{n},B1,C1:C{n})",
    "F3": '=COUNTIFS(A1:A{n},B1,C1:C{n},">"&E2)',
    "F4": "=AVERAGEIF(A1:A{n},B1,C1:C{n})",      # #DIV/0! where no name is chosen
    "F5": '=SUMIFS(C1:C{n},A1:A{n},B1,A1:A{n},"<>ban")',
}


@pytest.fixture(scope="module")
def text_job(tmp_path_factory):
    ws = criteria_sheet()
    names = ["apple", "Apple", "APPLE pie", "ban", "bin", "BUN", "melon", "kiwi", "5", "pear*",
             "pearl", None, True, 5.0, "zebra", "b n"]
    for r in range(1, TROWS + 1):
        ws[f"A{r}"] = names[(r * 7) % len(names)]
        ws[f"C{r}"] = float((r * 13) % 29 - 9)
    for j, t in enumerate(TEXTS, 1):
        ws[f"D{j}"] = t
    ws["B1"] = f"=INDEX(D1:D{len(TEXTS)},1+MOD(INT(E1*3),{len(TEXTS)}))"
    model = saved_model(ws, {k: v.format(n=TROWS) for k, v in CHOSEN.items()},
                        tmp_path_factory.mktemp("lct") / "text_criteria.xlsx")
    return job_for(model, INPUTS, [f"Sheet1!{c}" for c in CHOSEN], trials=TRIALS)


def test_text_criterion_masks(text_job, tmp_path):
    """COUNTIF(names, B1), B1 a text chosen per trial among known texts: a mask per text
    (by _criteria.match: case, wildcards, "~*", comparisons, "5" and the number 5), chosen
    per trial by the criterion's string id (before: a table lookup per cell)."""
    job = text_job
    source = fused_source(job)
    assert source.count("lcrit_fold(") >= 5
    assert len(source.splitlines()) < 200, len(source.splitlines())
    _, want = numba_and_host_equal_numpy(job, tmp_path)
    model = job.program.model
    f1, f4 = model.ref("Sheet1!F1"), model.ref("Sheet1!F4")
    assert len(set(want[0][f1])) >= 5
    assert (want[1][f4] != 0).any() and (want[1][f4] == 0).any()   # #DIV/0! in some trials
