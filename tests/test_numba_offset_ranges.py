"""OFFSET of a size that varies per trial inside the fused numba kernel, against the numpy
reference run one trial per chunk (a trial's own range, whatever the other trials name).

An array formula ``{=OFFSET(base, rows, cols, height, width)}`` gives each of its cells
the trial's element (a height of 1 repeated down, a width of 1 across, #N/A past the
range), #REF! in every cell where the range starts above row 1 or its height is below 1;
``SUM(OFFSET(A1, 0, 0, ROUND(B1, 0), 1))`` adds the trial's own range.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 100


def _model(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = 1.0   # the region B2:H7 is filled: each cell a formula of A1
    for c in "BCDEFGH":   # row 1 (reached by a row offset of -1): numbers
        ws[f"{c}1"] = float(ord(c))
    for r in range(2, 8):
        for c in "BCDEFGH":
            ws[f"{c}{r}"] = f"=A1*{r}+{ord(c) - 64}/10"
    ws["D3"] = "text"
    ws["E5"] = "=1/(A1-A1)"   # #DIV/0! inside the region
    for k in ("B20", "C20", "D20", "E20", "B24", "E24", "J1"):
        ws[k] = 1.0
    ws["F20"] = ArrayFormula("F20:H22", "=OFFSET(B2:D4,B20,C20,D20,E20)")
    ws["F24"] = ArrayFormula("F24:H25", "=OFFSET(B2,B24,1,1,E24)")   # one row, repeated down
    for r in range(1, 11):
        ws[f"K{r}"] = f"=A1*{r * r}"
    ws["L30"] = "=SUM(OFFSET(K1,0,0,ROUND(J1,0),1))"
    ws["L31"] = "=AVERAGE(OFFSET(B2,B20,C20,D20,E20))+MAX(OFFSET(K1,0,0,ROUND(J1,0),1))"
    ws["I2"] = "=2*3"      # formulas the same in every trial, outside the compiled slice
    ws["J2"] = "=I2+1"     # (OFFSET reaches them; numpy computes them when reached)
    ws["L33"] = "=SUM(OFFSET(H2,0,0,1,ROUND(J1/3,0)))+MAX(OFFSET(G2,0,1,1,ROUND(J1/3,0)))"
    ws["L34"] = "=SUMPRODUCT(OFFSET(K1,0,0,ROUND(J1,0),1),OFFSET(K1,0,0,ROUND(J1,0),1))"
    ws["L32"] = "=MIN(OFFSET(K1,0,0,ROUND(J1,0),1))+COUNT(OFFSET(K1,1,0,ROUND(J1,0),1))"
    wb.save(path)
    return Model.open(path)


def test_offset_of_a_size_varying_per_trial_equals_numpy_trial_by_trial(tmp_path):
    model = _model(tmp_path / "offset_ranges.xlsx")
    inputs = [
        tri("Sheet1!A1", 0.5, 1.0, 2.0),
        tri("Sheet1!B20", -2.5, 0.0, 2.9),     # rows -2..2: above row 1 is #REF!
        tri("Sheet1!C20", 0.0, 1.0, 2.9),
        tri("Sheet1!D20", 0.2, 2.0, 3.9),      # height 0 (#REF!) .. 3
        tri("Sheet1!E20", 0.6, 2.0, 3.9),
        tri("Sheet1!B24", 0.0, 1.0, 3.9), tri("Sheet1!E24", 1.0, 2.0, 3.9),
        tri("Sheet1!J1", 1.0, 5.0, 10.0),      # the user's case: 1..10 rows
    ]
    arrays = [f"Sheet1!{c}{r}" for r in (20, 21, 22) for c in "FGH"] + \
        [f"Sheet1!{c}{r}" for r in (24, 25) for c in "FGH"]
    region = [f"Sheet1!{c}{r}" for r in range(2, 8) for c in "BCDEFGH" if f"{c}{r}" != "D3"]
    outs = arrays + ["Sheet1!L30", "Sheet1!L31", "Sheet1!L32", "Sheet1!L33",
                   "Sheet1!L34"] + \
        [f"Sheet1!K{r}" for r in range(1, 11)] + region
    job = job_for(model, inputs, outs, trials=TRIALS)
    # before: "OFFSET of more than one cell in some trials (numpy's value depends on ...)"
    assert fused_report(job) == {}
    got, _ = numba_and_numpy(job, tmp_path / "kernels", TRIALS, 1)
    err = got[1]
    f22, h20 = err[model.ref("Sheet1!F22")], err[model.ref("Sheet1!H20")]
    assert (f22 == 4).any() and (f22 == 0).any() and (f22 == 7).any()   # #REF!, a value, #N/A
    assert (h20 == 7).any()
    l1 = got[0][model.ref("Sheet1!L30")]
    a1 = got[2][model.ref("Sheet1!A1")]
    j1 = got[2][model.ref("Sheet1!J1")]
    n = [int(round(x)) for x in j1]   # Excel's ROUND of these halves-free draws
    expected = [a * sum(r * r for r in range(1, k + 1)) for a, k in zip(a1, n, strict=True)]
    assert list(l1) == pytest.approx(expected, rel=1e-12)
    l34 = got[0][model.ref("Sheet1!L34")]
    squares = [a * a * sum(r ** 4 for r in range(1, k + 1)) for a, k in zip(a1, n, strict=True)]
    assert list(l34) == pytest.approx(squares, rel=1e-12)
    l33 = got[0][model.ref("Sheet1!L33")]
    k = [int(round(x / 3)) for x in j1]
    h2 = [a * 2 + 0.8 for a in a1]
    cut = [[h, 6.0, 7.0][:n] for h, n in zip(h2, k, strict=True)]   # H2, I2, J2
    assert [x for x, c in zip(l33, cut, strict=True) if c] == pytest.approx(
        [sum(c) + max(c) for c in cut if c], rel=1e-12)
    assert [e for e, c in zip(err[model.ref("Sheet1!L33")], cut, strict=True) if not c] == \
        [4] * k.count(0)   # a width of 0: #REF!


def test_offset_range_in_a_function_that_reads_addresses_says_why(tmp_path):
    model = _model(tmp_path / "offset_rows.xlsx")
    ws_formula = "=ROWS(OFFSET(K1,0,0,ROUND(J1,0),1))"
    path = tmp_path / "offset_rows2.xlsx"
    wb = openpyxl.load_workbook(tmp_path / "offset_rows.xlsx")
    wb["Sheet1"]["L40"] = ws_formula
    wb["Sheet1"]["L41"] = "=SUMPRODUCT(OFFSET(K1,0,0,ROUND(J1,0),1),{1;2;3})"   # sizes differ
    # beside a range of a fixed shape: fused since session 24 (test_numba_offset_sumproduct)
    wb["Sheet1"]["L42"] = "=SUMPRODUCT(OFFSET(K1,0,0,ROUND(J1,0),1),K1:K10)"
    wb.save(path)
    model = Model.open(path)
    job = job_for(model, [tri("Sheet1!J1", 1.0, 5.0, 10.0)],
                  ["Sheet1!L40", "Sheet1!L41", "Sheet1!L42"], trials=10)
    report = fused_report(job)
    assert "ROWS of an OFFSET" in report["Sheet1!L40"]
    assert "SUMPRODUCT of an OFFSET" in report["Sheet1!L41"]
    assert "Sheet1!L42" not in report


def test_offset_reaching_a_varying_cell_outside_the_slice_is_not_a_constant(tmp_path):
    """The region's cells read the input A1 but are not outputs: OFFSET reaches them only
    when it runs, and the kernel must not read them as constants (it did: pycel__lookup
    Offset!G46 read C2 as its first value).  The column its height may reach (C3:C7) is in
    the compiled slice since engine._slice_reach (before: left to numpy, "outside the
    compiled slice"): the kernel reads their per-trial values."""
    model = _model(tmp_path / "offset_slice.xlsx")
    job = job_for(model, [tri("Sheet1!A1", 0.5, 1.0, 2.0), tri("Sheet1!D20", 0.2, 2.0, 3.9)],
                  ["Sheet1!F20", "Sheet1!F21"], trials=10)
    assert model.ref("Sheet1!C5") in job.program.steps
    assert fused_report(job) == {}
    numba_and_numpy(job, tmp_path / "kernels", 10)
