"""``MATCH(1,(A6>=Start)*(A6<=End),0)`` copied down a column (kebron's REV-002 dynamic pricing
calendar: a season's name and multiplier per night, 365 rows): the exact match of a number
in an array of products that may be errors (the row's date is) was a typed search over two
scratch arrays of the cell's own, which kept every row straight-line code (about 50 lines a
cell): past 230 rows the kernel was too large.  An element that is an error matches no
number (engine.functions._search.exact), so the search is plain selections and the copied
rows are one family's loop."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.model import Model  # noqa: E402
from tests.kernel_checks import fused_source, numba_and_host_equal_numpy  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

ROWS = 320
SEASONS = [("Winter", 0, 70, 0.75), ("Shoulder Spring", 71, 150, 1.0),
           ("Peak Summer", 151, 240, 1.45), ("Fall", 251, 400, 1.05)]   # rows 241..250 in no season: "" and 1


def _job(tmp_path, trials=100):
    wb = openpyxl.Workbook()
    inp = wb.active
    inp.title = "Inputs"
    for i, (name, lo, hi, mult) in enumerate(SEASONS):
        r = 2 + i
        inp[f"B{r}"], inp[f"E{r}"] = name, mult
        inp[f"C{r}"], inp[f"D{r}"] = f"=$H$1+{lo}", f"=$H$1+{hi}"
    inp["D3"] = "=$H$1+150*$H$2"          # spring's end moves with an input
    inp["H1"], inp["H2"], inp["H3"] = 46000.0, 1.0, 0.5
    cal = wb.create_sheet("Calendar")
    rng = "(A{r}>=Inputs!$C$2:$C$5)*(A{r}<=Inputs!$D$2:$D$5)"
    for r in range(2, ROWS + 2):
        # a date a row, #N/A in the rows past a point that varies per trial
        cal[f"A{r}"] = f"=IF(Inputs!$H$3*{2 * ROWS}<ROW()-1,NA(),Inputs!$H$1+ROW()-2)"
        m = f"MATCH(1,{rng.format(r=r)},0)"
        cal[f"C{r}"] = f'=IFERROR(INDEX(Inputs!$B$2:$B$5,{m}),"")'
        cal[f"D{r}"] = f"=IFERROR(INDEX(Inputs!$E$2:$E$5,{m}),1)"
        cal[f"E{r}"] = f"=INDEX(Inputs!$E$2:$E$5,{m})"     # errors: the key's, #N/A
        cal[f"F{r}"] = f"=LEN(C{r})"                        # which name (0: "")
    path = tmp_path / "seasons.xlsx"
    wb.save(path)
    outs = [f"Calendar!{c}{r}" for r in range(2, ROWS + 2) for c in "CDEF"]
    inputs = [tri("Inputs!H1", 45990.0, 46000.0, 46010.0), tri("Inputs!H2", 0.8, 1.0, 1.3),
              tri("Inputs!H3", 0.3, 0.45, 0.6)]
    return job_for(Model.open(path), inputs, outs, trials=trials)


def test_match_array_rows_one_loop(tmp_path):
    """Every row fused, the copied rows one family's loop each: the kernel's size does not
    grow with the rows (about 50 lines a cell before: 48,000 for these 960 cells; 262 after)."""
    src = fused_source(_job(tmp_path, 10))
    assert src.count("lk_exact(") == 0
    assert len(src.splitlines()) < 1_000


def test_match_array_rows_numba_equals_numpy(tmp_path):
    """numba = numpy (and the CUDA kernel's host build): names, "" where no season holds the
    date, #N/A where the date is an error or in no season."""
    got, want = numba_and_host_equal_numpy(_job(tmp_path), tmp_path / "k", 50)
    assert got is not None and want is not None
