"""Order statistics and moments of array expressions in array formulas, fused (numba and the
CUDA kernel's host build equal numpy; numpy equal to values worked out by hand).

The classic CSE patterns of real models were left to numpy ("SMALL of an array expression
in an array formula"): the "filter list" copied down
``{=IFERROR(INDEX(D$3:D$14,SMALL(IF((B$3:B$14="x")*(C$3:C$14>0),ROW(..)-2),ROWS($A$3:A3))),-1)}``,
``{=MAX(IF(cat="x",val))}`` over defined names, ``{=LARGE(r,{1;2;3})}`` (an array of
positions), MEDIAN/SKEW/KURT/STDEV/VAR/PERCENTILE/QUARTILE of ``IF(c, r)``.  Excel's rules:
the array's text, logicals (the FALSE of an IF without an else) and blanks are skipped, its
first error in row order propagates, a position out of range is #NUM!.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.workbook.defined_name import DefinedName  # noqa: E402
from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.kernel_checks import formula_values, numba_and_host_equal_numpy  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

ROWS = range(3, 15)
FILTER = 'IFERROR(INDEX(D$3:D$14,SMALL(IF((B$3:B$14="x")*(C$3:C$14>0),ROW(D$3:D$14)-2),' \
    'ROWS($A$3:A{r}))),-1)'
ARRAYS = {   # anchor: (range, formula)
    "J1": ("J1", '=MAX(IF(cat="x",val))'),
    "J2": ("J2", '=MIN(IF(cat="y",val))'),
    "J3": ("J3", '=MEDIAN(IF(cat="x",val))'),
    "J4": ("J4", '=SKEW(IF(cat="x",C3:C14*E3:E14))'),
    "J5": ("J5", '=KURT(IF(cat="x",C3:C14+E3:E14))'),
    "J6": ("J6", '=STDEV(IF(cat="x",E3:E14*H1))'),
    "J7": ("J7", '=VAR(IF(cat="x",C3:C14+H1))'),
    "J8": ("J8", '=PERCENTILE(IF(cat="x",C3:C14+H1),0.3)'),
    "J9": ("J9", '=QUARTILE(IF(cat="y",C3:C14*H1),1)'),
    "J10": ("J10:J12", "=LARGE(C3:C14*H1,{1;2;3})"),
    "K10": ("K10:L10", "=SMALL(C3:C14,{1,2})"),
    "J13": ("J13", '=SUM(IF(cat="x",val))'),
    "J14": ("J14", '=MEDIAN(IF(cat="x",C3:C14/(C3:C14-H1)))'),   # #DIV/0! where C = H1
    "J15": ("J15", '=SMALL(IF(cat="q",C3:C14),1)'),              # no number: #NUM!
    "J16": ("J16", '=MAX(IF(cat="z",val))'),                     # the #N/A of D12
    "J17": ("J17", '=MEDIAN(IF((C3:C14>0)*(B3:B14<>"z"),val))'),   # elements whose kind varies per trial
    "J18": ("J18", '=MAX(IF((C3:C14>0)*(B3:B14<>"z"),val))'),
    "J19": ("J19", '=SMALL(IF((C3:C14>0)*(B3:B14<>"z"),val),2)'),
    "J20": ("J20", '=PERCENTILE(IF((C3:C14>1)*(B3:B14<>"z"),val),0.4)'),
    **{f"F{r}": (f"F{r}", "=" + FILTER.format(r=r)) for r in ROWS},
    **{f"G{r}": (f"G{r}", f'=IFERROR(LARGE(IF(B$3:B$14="x",C$3:C$14*H$1),ROWS($A$3:A{r})),-1)')
       for r in ROWS},
}
OUTPUTS = [f"S!{c}" for c in ARRAYS] + ["S!J11", "S!J12", "S!L10"]
INPUTS = [tri(f"S!C{r}", r - 8.0, r - 7.0, r - 6.0) for r in ROWS] + [tri("S!H1", 2.5, 3.0, 3.5)]


def workbook(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r in ROWS:
        ws[f"B{r}"] = "x" if r % 3 else "y"
        ws[f"C{r}"] = float(r - 7)
        ws[f"D{r}"] = 1.5 * r
        ws[f"E{r}"] = 2.0 * r
    ws["B12"] = "z"
    ws["D5"], ws["D8"], ws["D11"], ws["D12"] = "text", True, None, "=NA()"   # x rows; z
    ws["H1"] = 3.0
    for k, (ref, formula) in ARRAYS.items():
        ws[k] = ArrayFormula(ref, formula)
    wb.defined_names["cat"] = DefinedName("cat", attr_text="S!$B$3:$B$14")
    wb.defined_names["val"] = DefinedName("val", attr_text="S!$D$3:$D$14")
    wb.save(path)
    return Model.open(path)


def test_numpy_values_by_hand(tmp_path):
    """x rows 4 5 7 8 10 11 13 14 (D: 6, text, 10.5, TRUE, 15, blank, 19.5, 21), y rows
    3 6 9 (D 4.5 9 13.5), z row 12 (#N/A); C = r - 7, E = 2r, H1 = 3."""
    workbook(tmp_path / "b.xlsx")
    v = formula_values(tmp_path / "b.xlsx")
    assert v["J1"] == 21.0 and v["J2"] == 4.5 and v["J13"] == 72.0
    assert v["J8"] == pytest.approx(3.0 + 0.1)                   # C+3 of x: 0 1 3 4 6 7 9 10
    assert v["J9"] == pytest.approx(-12 + 0.5 * 9)               # 3C of y: -12 -3 6
    assert [v["J10"], v["J11"], v["J12"]] == [21.0, 18.0, 15.0]
    assert [v["K10"], v["L10"]] == [-4.0, -3.0]
    assert str(v["J14"]) == "#DIV/0!" and str(v["J15"]) == "#NUM!" and str(v["J16"]) == "#N/A"
    # the filter list: D of the x rows with C > 0 (rows 8 10 11 13 14: TRUE 15 blank
    # 19.5 21), then -1
    assert v["F3"] is True and [v[f"F{r}"] for r in (4, 6, 7)] == [15.0, 19.5, 21.0]
    assert [v[f"F{r}"] for r in ROWS[5:]] == [-1.0] * 7
    assert [v[f"G{r}"] for r in ROWS] == [21.0, 18.0, 12.0, 9.0, 3.0, 0.0, -6.0, -9.0] + \
        [-1.0] * 4


def fused_and_equal(tmp_path, outputs: list[str], trials: int) -> dict:
    """The job of ``outputs``, every cell fused, numba and the CUDA host build equal to
    numpy: numpy's values by cell."""
    job = job_for(workbook(tmp_path / "b.xlsx"), INPUTS, outputs, trials)
    # before: "SMALL (LARGE, MAX, MEDIAN ...) of an array expression in an array formula"
    assert fused_report(job) == {}
    _, want = numba_and_host_equal_numpy(job, tmp_path / "k", 100)
    return {str(c): v for c, v in want[0].items()}


def test_cse_array_stats_fused_and_equal(tmp_path):
    """The filter list, MEDIAN of elements whose kind varies per trial, LARGE at an array
    of positions (the default run's twin of the slow test below)."""
    values = fused_and_equal(tmp_path, ["S!F4", "S!J17", "S!J11"], 60)
    assert len(set(values["S!F4"].tolist())) > 1   # the filter list moves per trial
    assert len(set(values["S!J17"].tolist())) > 1


@pytest.mark.slow
def test_every_cse_array_stat_fused_and_equal(tmp_path):
    values = fused_and_equal(tmp_path, OUTPUTS, 200)
    assert len(set(values["S!J4"].tolist())) > 100
