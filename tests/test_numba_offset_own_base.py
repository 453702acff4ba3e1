"""OFFSET whose base is the formula's own cell, fused and equal to numpy.

A real three-statement model picks its scenario with ``J20: =OFFSET($J20,MATCH($D$3,
$B21:$B23,0),0)`` (the case named in D3 among the three rows below): OFFSET reads only its
base's address, never its value, so the cell does not read itself.  The fused kernel read the
base's value as an ordinary argument (a cell not generated yet: itself), so the selector and
everything downstream were left to numpy.  Rebuilt here with openpyxl: the scenario rows vary
per trial, the selector is a constant text and, in row 40, a number drawn per trial.  A row
offset that may be 0 names the cell itself (a circular reference): left to numpy.
"""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import fused_report  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, numba_and_numpy, tri  # noqa: E402

TRIALS = 600


def _model(path) -> Model:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "P&L"
    ws["D3"] = "Base case"
    ws["D4"] = 2.0                        # drawn per trial: the scenario number
    ws["H6"], ws["I6"] = 0.05, 0.07       # drawn per trial
    for col in "JKL":
        ws[f"{col}20"] = f"=OFFSET(${col}20,MATCH($D$3,$B21:$B23,0),0)"
        ws[f"{col}40"] = f"=OFFSET({col}40,ROUND($D$4,0),0)*2"
    ws["B21"], ws["B22"], ws["B23"] = "Best case", "Base case", "Worst case"
    ws["J21"], ws["J22"], ws["J23"] = "=J22+0.01", "=AVERAGE(H6:I6)", "=J22-0.01"
    for col in "KL":
        for r in (21, 22, 23):
            ws[f"{col}{r}"] = f"=$J{r}*{'KL'.index(col) + 2}"
    for r, f in ((41, "=J22*3"), (42, "=H6-I6"), (43, '="text"')):
        for col in "JKL":
            ws[f"{col}{r}"] = f
    ws["J25"] = "=J20*100+K20-L20"       # downstream of the selector
    ws["J45"] = "=SUM(J40:L40)"
    wb.save(path)
    return Model.open(path)


def test_offset_of_its_own_cell_fused_and_equal_to_numpy(tmp_path):
    model = _model(tmp_path / "scenario.xlsx")
    inputs = [tri("'P&L'!H6", 0.0, 0.05, 0.1), tri("'P&L'!I6", 0.02, 0.07, 0.2),
              tri("'P&L'!D4", 0.6, 2.0, 3.4)]   # rows 1..3: text in row 43 (#VALUE! in *2)
    outs = ["'P&L'!J20", "'P&L'!K20", "'P&L'!L20", "'P&L'!J25", "'P&L'!J40", "'P&L'!L40",
            "'P&L'!J45"]
    outs += [f"'P&L'!{c}{r}" for c in "JKL" for r in (21, 22, 23, 41, 42)]   # the candidates
    job = job_for(model, inputs, outs, trials=TRIALS)
    assert fused_report(job) == {}        # before: "reads a cell left to numpy ('P&L'!J20)"
    got, _ = numba_and_numpy(job, tmp_path / "kernels", 300, TRIALS)
    j40 = got[1][model.ref("'P&L'!J40")]
    assert (j40 == 0).any() and (j40 != 0).any()   # the text row: #VALUE! in some trials
    assert abs(got[0][model.ref("'P&L'!K20")] - 2 * got[0][model.ref("'P&L'!J20")]).max() < 1e-15


def test_offset_that_may_name_its_own_cell_is_left_to_numpy(tmp_path):
    model = _model(tmp_path / "circular.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "circular.xlsx")
    wb.active["M40"] = "=OFFSET(M40,ROUND($D$4,0)-1,0)"   # row 0 in some trials: itself
    wb.active["M41"] = 5.0
    wb.save(tmp_path / "circular.xlsx")
    model = Model.open(tmp_path / "circular.xlsx")
    job = job_for(model, [tri("'P&L'!D4", 0.6, 1.0, 1.4)], ["'P&L'!M40", "'P&L'!J45",
                                                           "'P&L'!J41", "'P&L'!K41",
                                                           "'P&L'!L41", "'P&L'!J42"], trials=50)
    report = fused_report(job)
    assert set(report) == {"'P&L'!M40"}
    assert "own cell" in next(iter(report.values()))
