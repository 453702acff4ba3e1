"""OFFSET naming one cell per trial inside the fused numba kernel, against numpy.

pycel's lookup workbook: ``{=OFFSET(B$2:F$6,B10,C10,D10,E10)}`` with rows, cols, height and
width drawn per trial (truncated: a height of 0 is #REF!, a row above the sheet #REF!).
A range that may be larger than one cell: tests/test_numba_offset_ranges.py.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 1_000


def _model(path, cells: dict[str, object], arrays: dict[str, tuple[str, str]]) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["B2"] = 1.0
    for r in range(2, 7):          # B2:F6 as pycel's: each cell one more than its left one
        for c in "BCDEF":
            if (r, c) != (2, "B"):
                ws[f"{c}{r}"] = f"=1+{chr(ord(c) - 1)}{r}" if c != "B" else f"=5+B{r - 1}"
    ws["G3"] = "text"   # read where cols reaches past the base
    for k, v in cells.items():
        ws[k] = v
    for k, (ref, formula) in arrays.items():
        ws[k] = ArrayFormula(ref, formula)
    wb.save(path)
    return Model.open(path)


def test_offset_of_one_cell_fused_and_equal_to_numpy(tmp_path):
    arrays = {f"F{r}": (f"F{r}", f"=OFFSET(B$2:F$6,B{r},C{r},D{r},E{r})") for r in range(10, 14)}
    plain = {"G10": "=OFFSET(B2,B11,C11)*2", "G11": "=SUM(OFFSET(D4,B12,-1,1,1),1)",
             "G12": "=OFFSET(C3,H1,1.7,TRUE)"}   # a blank row, a constant truncated, TRUE
    inputs = [
        tri("Sheet1!B2", 0.0, 1.0, 3.0),                      # the region's values vary
        tri("Sheet1!B10", 0.0, 1.0, 2.5), tri("Sheet1!C10", 0.0, 2.0, 4.9),
        tri("Sheet1!D10", 0.5, 1.0, 1.5),                     # height 0 (#REF!) or 1
        tri("Sheet1!B11", -2.5, 0.0, 1.5),                    # row 0: above the sheet
        tri("Sheet1!C11", 4.0, 5.0, 5.9),                     # G: past the base, text in G3
        tri("Sheet1!B12", -0.5, 0.5, 1.5), tri("Sheet1!E12", 0.9, 1.0, 1.1),
        tri("Sheet1!B13", 3.0, 4.0, 4.9), tri("Sheet1!C13", -0.9, 0.0, 0.9),
    ]
    cells: dict[str, object] = {c.cell.split("!")[1]: 1.0 for c in inputs}
    cells.update({"E10": 1.0, "D11": 1.0, "E11": 1.0, "C12": 4.0, "D12": 1.0, "D13": 1.0,
                  "E13": 1.0})
    model = _model(tmp_path / "offset.xlsx", {**cells, **plain}, arrays)
    region = [f"Sheet1!{c}{r}" for r in range(2, 7) for c in "BCDEF" if (r, c) != (2, "B")]
    outs = [f"Sheet1!F{r}" for r in range(10, 14)] + ["Sheet1!G10", "Sheet1!G11", "Sheet1!G12",
                                                       *region]
    job = job_for(model, inputs, outs, trials=TRIALS)
    assert fused_report(job) == {}        # before: "OFFSET in an array formula (its array result)"
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 500, TRIALS)
    e10 = got[1][model.ref("Sheet1!F10")]
    assert (e10 == 4).any() and (e10 == 0).any()                     # #REF! where height 0
    assert (got[1][model.ref("Sheet1!F11")] == 4).any()              # row above the sheet


def test_offset_of_several_cells_is_fused_per_trial(tmp_path):
    """Since session 23 (engineer L) the trial's range is spread per trial (values checked
    against numpy one trial per chunk in tests/test_numba_offset_ranges.py)."""
    arrays = {"F20": ("F20:F21", "=OFFSET(B$2:F$6,B20,C20,D20,E20)")}
    model = _model(tmp_path / "offset2.xlsx", {"B20": 1.0, "C20": 1.0, "D20": 2.0, "E20": 1.0},
                   arrays)
    region = [f"Sheet1!{c}{r}" for r in range(2, 7) for c in "BCDEF" if (r, c) != (2, "B")]
    job = job_for(model, [tri("Sheet1!D20", 1.5, 2.0, 2.5), tri("Sheet1!B2", 0.0, 1.0, 3.0)],
                  ["Sheet1!F20", "Sheet1!F21", *region], trials=10)
    report = fused_report(job)
    assert "Sheet1!F20" not in report and "Sheet1!F21" not in report, report
