"""Issue 13 on real workbooks never seen before (/tmp/s27/unseen5, session 27): what numpy
recomputed differently from the values Excel cached, each rebuilt here with openpyxl.

* An advanced filter (Data > Advanced, in place) hides rows with no ``<autoFilter>``: the sheet
  says ``<sheetPr filterMode="1">`` and its ``_xlnm._FilterDatabase`` name gives the range.
  SUBTOTAL(9, ..) leaves those rows out as it does an autofilter's (a Monte Carlo profit
  forecast: Excel -12,500, numpy 14,500 before).
* FORMULATEXT shows a formula as Excel does: ``=COVARIANCE.S(SPY,GLD)*252``, not the file's
  ``=_xlfn.COVARIANCE.S(SPY,GLD)*252`` (a portfolio returns workbook).
"""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from engine.functions.info import shown_formula
from engine.model import Model
from tests.test_backend_cupy import host_equals_numpy
from tests.test_backend_numba import job_for, numba_and_numpy, tri

PROFITS = [-6500, 2500, -6000, 5500, 5000, 7500, -2500]   # the forecast's rows 3..9
HIDDEN = {4, 8}                                           # the rows the filter left out


def _filtered_book(path, filter_mode: bool = True) -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "P&L"
    ws["A1"] = 2.0
    ws["B2"], ws["C2"] = "Output", "Profit"
    for r, p in enumerate(PROFITS, start=3):
        ws[f"B{r}"] = float(p)
        ws[f"C{r}"] = f"=B{r}*$A$1/2"
        ws.row_dimensions[r].hidden = r in HIDDEN
    ws["C10"] = "=SUBTOTAL(9,C3:C9)"
    ws["C11"] = "=SUBTOTAL(109,C3:C9)"
    ws["C12"] = "=SUBTOTAL(1,C3:C9)*A1"
    ws["C13"] = "=SUM(C3:C9)"
    ws.sheet_properties.filterMode = filter_mode
    ws.defined_names["_xlnm._FilterDatabase"] = DefinedName(
        "_xlnm._FilterDatabase", attr_text="'P&L'!$B$2:$C$9", hidden=True)
    wb.save(path)
    return str(path)


def _values(model: Model) -> dict[str, object]:
    values, _ = model.evaluate(model.workbook.formula_cells())
    return {str(c).split("!")[1]: v.scalar() for c, v in values.items()}


def test_advanced_filter_rows_are_left_out_of_subtotal(tmp_path):
    got = _values(Model.open(_filtered_book(tmp_path / "f.xlsx")))
    shown = [p for r, p in enumerate(PROFITS, start=3) if r not in HIDDEN]
    assert got["C10"] == sum(shown) == -4500       # Excel: the rows the filter shows
    assert got["C11"] == sum(shown)
    assert got["C12"] == sum(shown) / len(shown) * 2
    assert got["C13"] == sum(PROFITS) == 5500      # SUM counts every row


def test_hidden_rows_without_a_filter_count(tmp_path):
    """Rows hidden by hand (no filter mode) are counted by 9 and left out by 109."""
    got = _values(Model.open(_filtered_book(tmp_path / "h.xlsx", filter_mode=False)))
    assert got["C10"] == sum(PROFITS)
    assert got["C11"] == sum(p for r, p in enumerate(PROFITS, start=3) if r not in HIDDEN)


def test_advanced_filter_numba_equals_numpy(tmp_path):
    model = Model.open(_filtered_book(tmp_path / "n.xlsx"))
    job = job_for(model, [tri("'P&L'!A1", 1.0, 2.0, 4.0), tri("'P&L'!B4", 0.0, 2500, 9000),
                          tri("'P&L'!B5", -9000, -6000, 0.0)],
                  ["'P&L'!C10", "'P&L'!C11", "'P&L'!C12", "'P&L'!C13"], 300)
    numba_and_numpy(job, tmp_path / "k", 128)


def test_formulatext_shows_formulas_as_excel_does(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 4):
        ws[f"B{r}"], ws[f"C{r}"] = float(r), float(r * r)
    ws["A1"] = "=_xlfn.COVARIANCE.S(B1:B3,C1:C3)*252"
    ws["A2"] = "=FORMULATEXT(A1)"
    ws["A3"] = '=_xlfn.CONCAT("_xlfn.",B1)'
    ws["A4"] = "=FORMULATEXT(A3)"
    path = tmp_path / "t.xlsx"
    wb.save(path)
    got = _values(Model.open(path))
    assert got["A2"] == "=COVARIANCE.S(B1:B3,C1:C3)*252"
    assert got["A4"] == '=CONCAT("_xlfn.",B1)'


def test_shown_formula():
    assert shown_formula("=_xlfn.XLOOKUP(F8,H5:K5,_xlfn.ANCHORARRAY(D5))") == "=XLOOKUP(F8,H5:K5,D5#)"
    assert shown_formula("=_xlfn.LET(_xlpm.x,1,_xlpm.x+1)") == "=LET(x,1,x+1)"
    assert shown_formula("=_xlfn._xlws.SORT(A1:A3)") == "=SORT(A1:A3)"
    assert shown_formula("=_xlfn.SINGLE(A1:A3)+_xlfn.SINGLE(A1+B1)") == "=@A1:A3+@(A1+B1)"
    assert shown_formula("=SUM(_xlfn.ANCHORARRAY('My Sheet'!$B$2))") == "=SUM('My Sheet'!$B$2#)"



def test_sequence_without_rows_is_one_row(tmp_path):
    """SEQUENCE(,4) (a DCF model's year row): rows omitted is one row, Excel's cached 1..4;
    numpy gave #VALUE!.  numba = numpy on readers of it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 2.0
    ws["B1"] = "=SUM(_xlfn.SEQUENCE(,4))*A1"
    ws["B2"] = "=SUM(_xlfn.SEQUENCE(,4,A1,2))"
    ws["B3"] = "=INDEX(_xlfn.SEQUENCE(,4),3)+A1"
    ws["B4"] = "=COLUMNS(_xlfn.SEQUENCE(,12))"
    path = tmp_path / "s.xlsx"
    wb.save(path)
    model = Model.open(path)
    got = _values(model)
    assert (got["B1"], got["B2"], got["B3"], got["B4"]) == (20.0, 20.0, 5.0, 12.0)
    job = job_for(model, [tri("Sheet!A1", 1.0, 2.0, 4.0)], ["Sheet!B1", "Sheet!B2", "Sheet!B3"], 200)
    numba_and_numpy(job, tmp_path / "k", 128)


@pytest.mark.slow
def test_rank_in_many_returns_that_may_err_compiles(tmp_path, caplog):
    """RANK.AVG of a return among 1,242 log returns (a VaR workbook): the rank's error is the
    first of theirs, one fe(..) nested 1,242 deep, which Python's parser refused ('too many
    nested parentheses'): the kernel failed to compile and the run fell back to numpy.  Now
    deeper chains are groups of 100 as locals; numba = numpy, no fallback."""
    n = 330
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 2.0
    for r in range(1, n + 1):
        ws[f"G{r}"] = f"=LN(A1*{r % 3 + 1}-2)"   # #NUM! in part of the trials (220 cells)
    ws["C1"] = f"=_xlfn.RANK.AVG(G5,G1:G{n},1)"
    ws["C2"] = f"=RANK(G7,G1:G{n})+A1"
    path = tmp_path / "r.xlsx"
    wb.save(path)
    model = Model.open(path)
    job = job_for(model, [tri("Sheet!A1", 1.0, 2.0, 4.0)], ["Sheet!C1", "Sheet!C2"], 200)
    with caplog.at_level("WARNING", logger="engine.backends.numba"):
        _, want = numba_and_numpy(job, tmp_path / "k", 128)
    assert not [r for r in caplog.records if "failed to compile" in r.getMessage()]
    host_equals_numpy(job, tmp_path / "cuda", want=want)
