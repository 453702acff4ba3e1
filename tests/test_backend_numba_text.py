"""Text, logicals and errors inside the fused numba kernel, against the numpy reference.

Strings are ids into a table made when the kernel is generated; everything computed from text
is a table of the numpy library's own answers.  Each test builds a small model whose cells
depend on triangular inputs, runs it on both backends, and checks that the cells are fused
(``fused_report`` is empty) and that the numbers and error codes are numpy's.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, fused_report  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 2_000

# a cost model with text labels (the bench's, smaller): items, risk classes, flags, lookups
COST = {
    "M2": "high", "N2": "Review", "M3": "normal", "N3": "OK", "K2": 0.03,
    **{f"E{i}": b for i, b in zip(range(2, 6), (130.0, 80.0, 330.0, 50.0), strict=True)},
    **{f"B{i}": x for i, x in zip(range(2, 6), (120.0, 85.0, 300.0, 45.0), strict=True)},
    **{f"D{i}": f"=B{i}*(1+$K$2)" for i in range(2, 6)},
    **{f"C{i}": f'=IF(D{i}>E{i}*0.8,"high","normal")' for i in range(2, 6)},
    **{f"F{i}": f'=IF(D{i}>E{i},"over","")' for i in range(2, 6)},
    **{f"G{i}": f"=VLOOKUP(C{i},$M$2:$N$3,2,FALSE)" for i in range(2, 6)},
    "H1": '=SUMIF(C2:C5,"high",D2:D5)*0.15+SUMIF(C2:C5,"normal",D2:D5)*0.05',
    "H2": '=COUNTIF(F2:F5,"over")+COUNTIF(G2:G5,"Review")*10',
    "H3": '=IFERROR(SUMIF(F2:F5,"over",D2:D5)/COUNTIF(F2:F5,"over"),0)',
    "H4": "=NPV(0.08,-H1,D2,D3,D4,D5)",
    "H5": '=IF(H1>60,"go","no go")',
    "H6": '=IFERROR(H1/(ROUND(B2,-2)-100),"n/a")',                  # number or text
    "H7": '=IF(H6="n/a",0,H6)+SUM(H6,H1)',
}
COST_INPUTS = [tri(f"Sheet1!B{i}", 0.85 * x, x, 1.35 * x)
               for i, x in zip(range(2, 6), (120.0, 85.0, 300.0, 45.0), strict=True)]


def text_cost_model() -> tuple[Model, list, list[str]]:
    """The cost model above: (model, input specs, outputs)."""
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in COST.items()})
    outputs = [f"Sheet1!{k}" for k in ("H1", "H2", "H3", "H4", "H5", "C2", "G3", "H6", "H7")]
    return model, COST_INPUTS, outputs


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def check(backend, cells: dict[str, object], outputs: list[str], *, fused: bool = True,
          inputs: list | None = None) -> tuple:
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    specs = inputs or [tri("Sheet1!A1", 1.0, 2.0, 4.0), tri("Sheet1!A2", 2.0, 3.0, 5.0)]
    job = job_for(model, specs, [f"Sheet1!{o}" for o in outputs], trials=TRIALS)
    got = run(backend, job, 700)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    if fused:
        assert fused_report(job, backend) == {}
    return job, got, want


def test_text_cost_model_is_fused_and_matches_numpy(backend):
    model, inputs, outputs = text_cost_model()
    job = job_for(model, inputs, outputs, trials=TRIALS)
    got = run(backend, job, 700)
    assert_same(job, got, run(NumpyBackend(), job, TRIALS))
    assert fused_report(job, backend) == {}
    assert backend.last_fallback.numpy_cells == 0
    h2 = got[0][model.ref("Sheet1!H2")]
    assert len(np.unique(h2)) > 3                     # the flags vary per trial
    assert (got[1][model.ref("Sheet1!H5")] == 3).all()  # a text output is #VALUE! (as numpy)


# the values every feature test computes from: a label that varies, a constant label
BASE = {"A1": 2.0, "A2": 3.0, "C1": "High", "C2": "low", "C3": "  mid  ", "C4": 5.0,
        "B1": '=IF(A1>2.5,"high",IF(A1>1.8,"Medium","low"))',
        "B2": '=IF(A2>3,"x","")'}


@pytest.mark.parametrize(("name", "formulas"), [
    ("comparisons", ['=(B1="HIGH")+(B1<>"low")*2', '=(B1<C2)+(B1>=C1)*2',
                     "=(B1>A1)+(B1<TRUE)*2+(B2=C5)*4", '=IF(B1="medium",A1,-A1)']),
    ("concatenation and text functions",
     ['=LEN(B1&"-"&C2)', '=UPPER(B1)=LOWER(B1)', '=LEN(TRIM(C3&B1))+LEN(LEFT(B1,2))',
      '=MID(B1,2,3)="igh"', '=RIGHT(B1&B2,1)="x"', '=EXACT(B1,"high")']),
    ("criteria", ['=COUNTIF(B1:B2,"h*")+COUNTIF(B1:B2,"<>x")*10',
                  '=SUMIF(B1:B2,"?igh",A1:A2)+SUMIF(B1:B2,"",A1:A2)*3',
                  '=AVERAGEIF(B1:B2,"<m",A1:A2)', '=SUMIFS(A1:A2,B1:B2,"*i*",A1:A2,">2")',
                  '=COUNTIFS(B1:B2,"high",A1:A2,"<3")', '=MINIFS(A1:A2,B1:B2,"<>low")',
                  '=MAXIFS(A1:A2,B1:B2,"x")', '=COUNTIF(C1:C4,B1)+COUNTIF(C1:C4,">4")']),
    ("lookups", ['=MATCH(B1,C1:C3,0)', '=VLOOKUP(B1,C1:D2,2,FALSE)',
                 '=INDEX(C1:C3,ROUND(A1,0))="low"', '=XLOOKUP(B1,C1:C2,D1:D2,"none")="x"',
                 '=IFERROR(MATCH(B2,C1:C3,0),-1)', '=VLOOKUP(A1,F1:G3,2)="mid"',
                 '=LEN(VLOOKUP(ROUND(A1,0),F1:G3,2,FALSE))', "=HLOOKUP(A2,H1:J2,2)+A1"]),
    ("information and errors", ["=ISTEXT(B1)+ISNUMBER(B1)*2+ISBLANK(C9)*4+ISERROR(B1)*8",
                                "=ISNA(MATCH(B1,C1:C2,0))+ISERR(1/(A1-A1))*2",
                                '=IFERROR(VLOOKUP(B1,C1:D2,2,FALSE),"none")="none"',
                                '=ISNONTEXT(B2)+ISLOGICAL(B1="x")*2']),
    ("text as numbers and logicals", ['=(C4&"1")+A1', '=IF(B2="","0","1")*A2',
                                      '=-("1"&B2="1")']),
])
def test_text_feature_matches_numpy(backend, name, formulas):
    cells = dict(BASE, D1="x", D2="y", C5="", F1=1.0, F2=2.0, F3=3.5, G1="low", G2="mid",
                 G3="top", H1=1.0, I1=3.0, J1=4.0, H2=10.0, I2=20.0, J2=30.0)
    outs = {f"E{k}": f for k, f in enumerate(formulas, start=1)}
    cells.update(outs)
    check(backend, cells, list(outs))


def test_text_read_by_numpy_is_passed_as_text(backend):
    """A fused text cell read by a cell left to numpy reaches numpy as the strings."""
    cells = dict(BASE, E1='=B1&TEXT(A1,"# ?/?")', E2="=LEN(E1)")
    job, got, _ = check(backend, cells, ["E2", "B1"], fused=False)
    report = fused_report(job, backend)
    assert set(report) == {"Sheet1!E1", "Sheet1!E2"}
    assert "varies per trial" in report["Sheet1!E1"]


def test_a_string_made_from_a_varying_number_is_reported(backend):
    # (A1&" units" is fused since dynamic text: tests/test_numba_dynamic_text.py)
    cells = {"A1": 2.0, "A2": 3.0, "B1": '=TEXT(A1,"# ?/?")', "B2": "=A2*2"}
    job, _, _ = check(backend, cells, ["B1", "B2"], fused=False)
    assert fused_report(job, backend) == {
        "Sheet1!B1": "TEXT in a fraction format, of a number that varies per trial"}


def test_generated_source_holds_no_text_from_the_workbook(backend):
    cells = dict(BASE, C1="import os; os.system('x')", E1='=COUNTIF(B1,C1)+(B1=C1)')
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    job = job_for(model, [tri("Sheet1!A1", 1.0, 2.0, 4.0)], ["Sheet1!E1"], trials=100)
    src = backend.source(job)
    assert "import os;" not in src and "high" not in src and "Medium" not in src


# ----------------------------------------------------------------- issue 19
def test_cumulative_flags_that_are_negative_or_zero_per_trial(backend):
    """Any non-zero flag is TRUE: -1 and -A1 give the CDF; A1-A1 (0 on every trial) the
    density.  Before the fix numba gave 0.0 on every trial for all three."""
    cells = {"A1": 2.0, "A2": 3.0,
             "B1": "=NORM.DIST(A2,3,1,-1)", "B2": "=NORM.DIST(A2,3,1,-A1)",
             "B3": "=NORM.DIST(A2,3,1,A1-A1)", "B4": "=NORM.S.DIST(A2-3,-A1)",
             "B5": "=NORM.S.DIST(A2-3,A1-A1)"}
    _, got, _ = check(backend, cells, ["B1", "B2", "B3", "B4", "B5"])
    from scipy.stats import norm

    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    x = got[2][model.ref("Sheet1!A2")]
    np.testing.assert_allclose(got[0][model.ref("Sheet1!B1")], norm.cdf(x - 3), rtol=1e-14)
    np.testing.assert_allclose(got[0][model.ref("Sheet1!B3")], norm.pdf(x - 3), rtol=1e-14)


def test_population_variance_of_equal_values_is_numpys_two_pass(backend):
    """VARP/VAR.P/STDEV.P: mean first, then squared deviations, the same operations in the
    same order as the numpy library (equal values: the same tiny residue, or 0, in both)."""
    cells = {"A1": 2.0, "A2": 3.0, "C1": 0.7, "C2": 0.7, "C3": 0.7,
             "B1": "=VARP(A2*0+0.7,0.7,0.7)", "B2": "=VAR.P(C1:C3)+A2*0",
             "B3": "=STDEV.P(A1,A1,A1)", "B4": "=VARP(A1*0+1.1,1.1,1.1)"}
    check(backend, cells, ["B1", "B2", "B3", "B4"])


def test_values_whose_type_varies_per_trial(backend):
    """IF returning "" or a number, IFERROR falling back to text, IF of a logical or text:
    fused with a per-trial tag, read by arithmetic, comparisons, criteria, SUM and the IS
    functions as numpy reads its per-trial values."""
    cells = {"A1": 2.0, "A2": 3.0,
             "B1": '=IF(A1>2.5,"",A1*2)',
             "B2": '=IFERROR(1/ROUND(A1-2,0),"none")',
             "B3": '=SUM(B1:B2)+COUNTIF(B1:B2,"")*100+SUMIF(B1:B2,">1")',
             "B4": '=IF(B1="",0,B1)+ISTEXT(B2)*10+ISNUMBER(B1)*100',
             "B5": '=IF(A2>3,TRUE,"x")',
             "B6": '=NOT(B5)+(B5="X")*2+(B2>B1)*4',
             "B7": '=B1', "B8": '=IF(A2>3.5,B1,B2)', "B9": '=IFERROR(B8*2,-1)'}
    check(backend, cells, ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9"])


def test_a_mixed_cell_read_by_numpy_keeps_its_values(backend):
    cells = {"A1": 2.0, "A2": 3.0, "B1": '=IF(A1>2.5,"",A1*2)', "B2": '=REGEXTEST(B1,"4")',
             "B3": "=LEN(B2)+B1"}   # REGEXTEST: not fused, so numpy reads B1
    job, _, _ = check(backend, cells, ["B1", "B3"], fused=False)
    assert set(fused_report(job, backend)) == {"Sheet1!B2", "Sheet1!B3"}


# ----------------------------------------------------------------- 15 significant digits
def test_numbers_compare_at_15_significant_digits_as_numpy(backend):
    """engine.values.COMPARISON_RULE in the kernel: 0.1+0.2=0.3 is TRUE, values equal to 15
    digits compare equal, values further apart keep their order (per trial, varying)."""
    cells = {"A1": 2.0, "A2": 3.0,
             "B1": "=(A1*0+0.1+0.2=0.3)+(A1*0+0.3>0.1+0.2)*2+(A1*0+1/3*3<>1)*4",
             "B2": "=(A1*0.1+0.2=0.2+A1*0.1)+(A1/3*3=A1)*2+(A1*(1+1E-16)>A1)*4",
             "B3": "=(A1*(1+3E-15)=A1)+(A1*(1+3E-14)>A1)*2+(A2-A2+1E16+1>1E16)*4",
             "B4": "=(A1*1E-310=0)+(A1-A1=0)*2+(A1*0.1*3=A1*0.3)*4"}
    _, got, _ = check(backend, cells, ["B1", "B2", "B3", "B4"])
    model = Model.from_cells({f"Sheet1!{k}": v for k, v in cells.items()})
    assert (got[0][model.ref("Sheet1!B1")] == 1.0).all()   # 0.1+0.2=0.3, not greater


def test_a_constant_error_left_of_a_varying_one_wins(backend):
    """CONCAT(VALUE("a"), <an error per trial>): the first argument's #VALUE!, as numpy and
    Excel (the fuzz found numba giving the second error)."""
    cells = dict(BASE, D1="x", D2="y", E1='=CONCAT(VALUE("a"),VLOOKUP(B1,C1:D2,2,FALSE))',
                 E2='=CONCAT(B1,VALUE("a"),VLOOKUP(B1,C1:D2,2,FALSE))')
    check(backend, cells, ["E1", "E2"])
