"""The generator reads a constant cell once (Generator.cell_consts): the maartenmoes9
Monte_Carlo shape, many COUNTIFs over one long column of constants (a data table's cached
values) and one cell that varies per trial (a number; or one that is an error in some trials,
beside text: the mixed gather, _long_criteria._mixed_cells), is fused and equals numpy."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from engine.backends.numba import fused_report
from engine.model import Model
from tests.test_backend_numba import job_for, numba_and_numpy, tri

ROWS = 300
COUNTS = 30


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 50.0
    ws["C1"] = "=A1*2"   # varies per trial; C2:C<ROWS> constants
    ws["D1"] = "=IF(A1>100,NA(),A1*2)"   # an error in some trials; D2:D<ROWS> some text
    for r in range(2, ROWS + 1):
        ws[f"C{r}"] = float((r * 37) % 200)
        ws[f"D{r}"] = "x" if r % 17 == 0 else float((r * 53) % 200)
    for r in range(1, COUNTS + 1):
        ws[f"J{r}"] = 7.0 * r
        prev = f"-SUM($K$1:K{r - 1})" if r > 1 else ""
        ws[f"K{r}"] = f'=COUNTIF($C$1:$C${ROWS},"<="&J{r}){prev}'
        ws[f"M{r}"] = f'=COUNTIF($D$1:$D${ROWS},"<="&J{r})'
    ws["L1"] = "=SUM(C1:C20)+C5*C6"   # the same constants read again by an ordinary cell
    out = path / "countifs.xlsx"
    wb.save(out)
    return out


def test_countifs_over_one_constant_column_fused_and_equal(tmp_path: Path) -> None:
    model = Model.open(_book(tmp_path))
    outs = [f"S!{col}{r}" for col in "KM" for r in range(1, COUNTS + 1)] + ["S!L1"]
    job = job_for(model, [tri("S!A1", 1.0, 50.0, 120.0)], outs, trials=300)
    assert fused_report(job) == {}
    got, want = numba_and_numpy(job, tmp_path / "kernels", chunk=120)
    k30 = want[0][model.ref(f"S!K{COUNTS}")]
    assert float(k30.max()) > float(k30.min())   # C1 crosses J30=210 in some trials
    m30 = want[0][model.ref(f"S!M{COUNTS}")]
    assert float(m30.max()) > float(m30.min())   # D1 counted, or #N/A (not counted)
