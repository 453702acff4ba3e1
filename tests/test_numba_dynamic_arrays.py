"""FILTER, UNIQUE and SORT inside the fused numba kernel, against the numpy reference.

A result's number of rows may change from trial to trial (FILTER keeps the rows whose
condition holds in that trial); the kernel keeps a trial's own rows and reads them whole
(SUM ... LARGE, SUMIF with an array of criteria, INDEX, MATCH), or gives a cell of a spill
its element where numpy's does not depend on the other trials of the chunk.  The workbook is
a small cost table built with openpyxl, its costs triangular inputs; ironcalc's travel
expenses tracker (LARGE(SUMIF(..., UNIQUE(FILTER(...)), ...)), MIN(FILTER(...))) is fused
whole.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 1_200
F, U, S = "_xlfn._xlws.FILTER", "_xlfn.UNIQUE", "_xlfn.SORT"

# A2:A9 costs (triangular), B labels, C = ROUND(A/3): few distinct values (UNIQUE's count
# varies), D constant flags, E an error in some trials, G text or a number per trial
COSTS = [(1.0, 2.0, 4.0), (2.0, 5.0, 9.0), (0.5, 1.0, 3.0), (4.0, 6.0, 10.0),
         (1.0, 3.0, 6.0), (3.0, 8.0, 9.5), (2.0, 2.5, 3.0), (5.0, 7.0, 12.0)]
LABELS = ["civil", "mech", "CIVIL", "elec", "mech", "civil", "elec", "Civil"]
FLAGS = [True, False, True, False, False, True, False, False]

PLAIN = {
    "P1": f"=SUM({F}(A2:A9,A2:A9>5))",                         # rows vary per trial
    "P2": f"=COUNT({U}(ROUND(A2:A9,0)))",                       # duplicates in some trials
    "P3": f'=AVERAGE({F}(A2:A9,B2:B9="civil"))',                # text condition, any case
    "P4": f"=MAX({F}(A2:A9,A2:A9>100))",                        # never: #CALC! (#VALUE!)
    "P5": f"=SUM({F}(A2:A9,A2:A9>10,-1))",                      # if_empty in some trials
    "P6": f"=LARGE({S}(A2:A9,1,-1),2)+SMALL({F}(A2:A9,D2:D9),1)",
    "P7": f"=INDEX({S}(A2:A9),3)",
    "P8": f"=MATCH(MIN(A2:A9),{S}(A2:A9),0)",
    "P9": f"=SUM({F}(A2:A9,E2:E9>0,0))",                        # the condition's errors
    "P10": f"=COUNT({U}(C2:C9,FALSE,TRUE))",                     # exactly once (or none)
    "P11": f"=COUNTA({U}(G2:G9))",                                # text and numbers
    "P12": f"=INDEX({S}(G2:G9,1,-1),1)",                          # text first, descending
    "P13": f"=LARGE(SUMIF(C2:C9,{U}(C2:C9),A2:A9),1)",
    "P14": f"=INDEX({U}(C2:C9),MATCH(P13,SUMIF(C2:C9,{U}(C2:C9),A2:A9),0))",
    "P15": f"=MAX(COUNTIF(C2:C9,{U}(C2:C9)))",
    "P16": f"=SUM({U}(A2:C2,TRUE))+PRODUCT({F}(A2:A5,D2:D5))",   # by columns
    "P17": f"=MIN({F}(A2:A9,A2:A9<>\"\"))",                      # travel expenses' MIN
    "P18": f"=LARGE(SUMIF(B2:B9,{U}(B2:B9),A2:A9),2)",           # criteria computed once
}
# numpy's value here once depended on the other trials of its chunk (its UNIQUE result had as
# many rows as the chunk's largest, a trial's missing rows blank criteria); numpy now evaluates
# such a cell once per group of trials of one shape (engine._ragged): chunks of 1, 7 and 300
# trials agree (checked), and the kernel has each trial's own rows, as Excel has
PADDED = {
    "Q1": f"=MIN(AVERAGEIF(C2:C9,{U}(C2:C9),A2:A9))",            # #DIV/0! of a blank row
    "Q2": f"=SUM(SUMIF(C2:C9,{U}(C2:C9),A2:A9))",                # C=0 counted twice
}
ARRAYS = {   # spills: rows every trial has (or none has)
    "H1": ("H1:H4", f"={S}(A2:A5)"),
    "I1": ("I1:J4", f"={F}(A2:B9,D2:D9)"),                       # 3 rows: row 4 #N/A
    "K1": ("K1:K2", f"={S}({F}(A2:A9,D2:D9),1,-1)"),
    "L1": ("L1", f"={U}(C2:C9)"),                                 # the first row only
}


def workbook(path: Path, arrays: dict[str, tuple[str, str]], plain: dict[str, str]) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for i, ((_, mode, _), label, flag) in enumerate(zip(COSTS, LABELS, FLAGS, strict=True)):
        r = i + 2
        ws[f"A{r}"] = mode
        ws[f"B{r}"] = label
        ws[f"C{r}"] = f"=ROUND(A{r}/3,0)"
        ws[f"D{r}"] = flag
        ws[f"E{r}"] = f"=1/(ROUND(A{r},0)-2)"
        ws[f"G{r}"] = f'=IF(A{r}>6,"Big",IF(A{r}>4,"big",ROUND(A{r},0)))'
    for k, v in plain.items():
        ws[k] = v
    for k, (ref, formula) in arrays.items():
        ws[k] = ArrayFormula(ref, formula)
    wb.save(path)
    return Model.open(path)


INPUTS = [tri(f"Sheet1!A{i + 2}", *c) for i, c in enumerate(COSTS)]


def _only(cells: list):
    """A stand-in job for assert_same that compares ``cells`` only."""
    return SimpleNamespace(program=SimpleNamespace(outputs=cells))


def test_filter_unique_sort_fused_and_equal_to_numpy(tmp_path):
    model = workbook(tmp_path / "dyn.xlsx", ARRAYS, {**PLAIN, **PADDED})
    spills = ("H1", "H2", "H3", "H4", "I1", "J1", "I3", "J3", "I4", "J4", "K1", "K2", "L1")
    outs = [f"Sheet1!{c}" for c in (*PLAIN, *PADDED, *spills)]
    job = job_for(model, INPUTS, outs, trials=TRIALS)
    assert fused_report(job) == {}          # before: "FILTER ... (its array result)" etc.
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        got = run(be, job, 400)
        assert be.last_fallback is None or be.last_fallback.numpy_cells == 0
        few = job_for(model, INPUTS, outs, trials=60)   # the same first 60 trials
        got_few = run(be, few, 60)
    finally:
        be.close()
    want = run(NumpyBackend(), job, TRIALS)
    padded = [model.ref(f"Sheet1!{c}") for c in PADDED]
    assert_same(_only([c for c in job.program.outputs if c not in padded]), got, want)
    # where numpy's chunk pads UNIQUE's rows, the kernel equals numpy one trial at a time
    assert_same(_only(padded), got_few, run(NumpyBackend(), few, 1))
    vals, errs = got[0], got[1]

    def at(c: str):
        return vals[model.ref(f"Sheet1!{c}")], errs[model.ref(f"Sheet1!{c}")]

    assert (at("P4")[1] == 3).all()                       # FILTER of nothing: #VALUE!
    p5v, p5e = at("P5")
    assert (p5e == 0).all() and (p5v == -1.0).any() and (p5v > 10.0).any()
    assert (at("P8")[0] == 1.0).all()
    assert (at("P9")[1] == 2).any() and (at("P9")[1] == 0).any()   # #DIV/0! of E, first
    assert (at("I4")[1] == 7).all() and (at("J4")[1] == 7).all()   # past the 3 rows: #N/A
    p2 = at("P2")[0]
    assert p2.min() < 8 and p2.max() <= 8
    assert (at("Q1")[1] == 0).all()                       # no blank criterion: no #DIV/0!


def test_travel_expenses_tracker_slice_is_fused():
    """LARGE(SUMIF(dates, UNIQUE(FILTER(dates, dates<>"")), amounts), k), INDEX of the same
    UNIQUE at the MATCH of that sum, MIN/MAX(FILTER(...)): every cell of the slice fused
    (the kernel's numbers against numpy's: tests/test_backend_numba.py's
    test_workbook_matches_numpy on this workbook)."""
    from bench.bench_fused import slice_job

    path = Path(__file__).parent / "data" / "workbooks" / "ironcalc__travel_expenses_tracker.xlsx"
    job, _ = slice_job(path, trials=10)
    assert fused_report(job) == {}   # before: "UNIQUE in an array formula (its array result)"


@pytest.mark.parametrize(("arrays", "plain", "why"), [
    ({"M1": ("M1:N2", f"={U}(ROUND(A2:B9,0),FALSE,TRUE)")}, {}, "may be empty"),
    ({}, {"M1": f"=SUM({F}(A2:A9,A2:A9>5)*2)"}, "read as one value"),
    ({}, {"M1": f"=ROWS({F}(A2:A9,A2:A9>5))"}, "ROWS of a FILTER"),
    ({}, {"M1": f"=SUM(SUMIF(G2:G9,{U}(G2:G9),A2:A9))"}, "text criteria"),
])
def test_left_to_numpy_with_the_reason(tmp_path, arrays, plain, why):
    """Where the kernel's element differs from numpy's (a column right of a UNIQUE that
    may be empty: numpy's #VALUE! repeats across; a FILTER's if_empty does since
    test_numba_dynamic_array_text.py), or what the kernel does not write: not fused, and the
    reason says why."""
    model = workbook(tmp_path / "refused.xlsx", arrays, plain)
    job = job_for(model, INPUTS, ["Sheet1!M1", "Sheet1!N2"] if arrays else ["Sheet1!M1"],
                  trials=10)
    report = fused_report(job)
    assert "Sheet1!M1" in report and why in report["Sheet1!M1"], report
