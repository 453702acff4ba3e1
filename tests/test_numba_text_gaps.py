"""Text, OFFSET and cell-information gaps of the fused kernel found on unseen workbooks,
fused now and equal to numpy (numba, and the CUDA kernel's host build).

* TEXT of a number without bounds in a simple format (theharmanarora's LBO:
  ``"NPV of FCFF @ "&TEXT(B15,"0.0%")`` of a rate that is a ratio of sums): any finite
  number, with 15 significant digits, past the largest double once times 100 those digits
  times 100 (tests/test_numba_text_past_doubles.py; "Infinity%" before) (was "TEXT of a
  number that varies per trial");
* OFFSET that may name hundreds of cells, most of them empty or off the sheet (the LBO's
  ``OFFSET(Balance_Sheet!K77,0,EXIT_YEAR-L40,1,1)`` of a year drawn per trial): a run of
  empty cells, or of places left of column A (#REF!), is one choice (was "OFFSET that may
  name 799 cells");
* a cell whose formula is a range (``=Returns_Calculation!C28:C28``): its cell in the
  formula's row or column, #VALUE! where there is none (was "a range as a cell's value");
* FORMULATEXT of a cell that varies (TinaBhadekar's portfolio returns): one text known when
  the kernel is made, #N/A for a cell without a formula (was "function FORMULATEXT is not in
  the fused subset").
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.kernel_checks import numba_and_host_equal_numpy  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

TRIALS = 400


def _job(path, cells: dict[str, object], inputs: list, outputs: list[str]):
    """A one-sheet ("S") workbook of ``cells``, its job of ``inputs`` and ``outputs``, every
    cell of its slice fused."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for k, v in cells.items():
        ws[k] = v
    wb.save(path)
    job = job_for(Model.open(path), inputs, [f"S!{o}" for o in outputs], trials=TRIALS)
    assert fused_report(job) == {}
    return job


def _values(job, got, cell: str):
    """numba's values of ``cell`` over the trials."""
    return got[0][job.program.model.ref(f"S!{cell}")]


def test_text_of_an_unbounded_number(tmp_path):
    cells = {"A1": 1.0, "A2": 1.0,
             "B1": "=A1/(A2-1)",               # no bounds (and #DIV/0! never: A2 is drawn)
             "B2": "=A1*1E306",                # times 100: past the largest double
             "C1": '="NPV @ "&TEXT(B1,"0.0%")',
             "C2": '=TEXT(B1,"$#,##0.00")',
             "C3": '=LEN(TEXT(B1,"#,##0.000%"))',
             "C4": '=TEXT(B2,"0.00%")',
             "C5": '=LEN(TEXT(-B2,"$0%"))+LEN(TEXT(B2,"#,##0"))',
             "C6": '=TEXT(B1*B2,"0")',         # #NUM! where it overflows
             "C7": "=LEN(C1)+LEN(C2)*1000",
             # the percent's first digits are the number's, also past the double (not Infinity)
             "C8": '=(LEFT(C4,3)=LEFT(TEXT(B2,"0"),3))+2*(LEFT(TEXT(-B2,"0%"),4)='
                   'LEFT(TEXT(-B2,"0"),4))'}
    inputs = [tri("S!A1", 0.5, 2.0, 5.0), tri("S!A2", 0.0, 1.0, 2.0)]
    outs = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"]
    job = _job(tmp_path / "text.xlsx", cells, inputs, outs)
    got, _ = numba_and_host_equal_numpy(job, tmp_path / "k")
    c8 = _values(job, got, "C8")
    over = got[2][job.program.model.ref("S!A1")] * 1e308 > 1.7976931348623157e308   # B2 * 100
    assert over.any() and (~over).any() and (c8 == 3.0).all()


def test_offset_over_many_empty_cells(tmp_path):
    cells: dict[str, object] = {"B1": 2002.0, "B2": 3.0, "A5": "label", "C5": 7.0}
    for k, col in enumerate("KLMNOPQRSTU"):   # a year per column, a row of the model below
        cells[f"{col}4"] = 2000 + k
        cells[f"{col}5"] = f"={col}4*$B$2-{k}"
    cells.update({
        "D1": "=IF(B1>0,OFFSET(K5,0,B1-K4,1,1),0)",            # hundreds of places
        "D2": "=OFFSET($K$5,0,B1-L4)*2",                       # #REF! left of column A
        "D3": '=IF(OFFSET(K5,0,B1-2000)="","empty",OFFSET(K5,0,B1-2000)+1)',
        "E30": "=OFFSET(K5,B2*5-15,B1-2002)"})                 # rows and columns: 2-D runs
    inputs = [tri("S!B1", 1801.8, 2002.0, 2202.2), tri("S!B2", 2.7, 3.0, 3.3)]
    outs = ["D1", "D2", "D3", "E30"] + [f"{col}5" for col in "KLMNOPQRSTU"]
    job = _job(tmp_path / "offset.xlsx", cells, inputs, outs)
    numba_and_host_equal_numpy(job, tmp_path / "k")


def test_a_range_as_a_cells_value(tmp_path):
    cells = {"A1": 1.0, "C2": "=A1*2", "C3": "=A1+1", "C4": "=A1/3", "D2": "=A1-1",
             "B1": "=C2:C2",          # one cell
             "B3": "=C2:C4",          # its row: C3
             "D4": "=C2:D2",          # its column: D2
             "B9": "=C2:C4*1",        # no cell in row 9: #VALUE!
             "E9": "=C2:C4"}
    inputs = [tri("S!A1", 0.0, 1.0, 2.0)]
    job = _job(tmp_path / "range.xlsx", cells, inputs, ["B1", "B3", "D4", "E9"])
    numba_and_host_equal_numpy(job, tmp_path / "k")


def test_formulatext_of_a_varying_cell(tmp_path):
    cells = {"A1": 1.0, "G4": '=A1*2+SUM(A1:A2)&"x"', "G5": "=_xlfn.STDEV.S(A1:A2)",
             "H4": "=_xlfn.FORMULATEXT(G4)",
             "H5": "=_xlfn.FORMULATEXT(G5)",      # shown without the file's prefix
             "H6": "=_xlfn.FORMULATEXT(A1)",      # a drawn value, no formula: #N/A
             "H7": "=LEN(_xlfn.FORMULATEXT(G4))+A1",
             "H8": '=(H4="=A1*2+SUM(A1:A2)&""x""")+2*(H5="=STDEV.S(A1:A2)")+A1*0'}
    inputs = [tri("S!A1", 0.0, 1.0, 2.0)]
    job = _job(tmp_path / "formulatext.xlsx", cells, inputs, ["H4", "H5", "H6", "H7", "H8"])
    got, _ = numba_and_host_equal_numpy(job, tmp_path / "k")
    assert set(_values(job, got, "H8").tolist()) == {3.0}
