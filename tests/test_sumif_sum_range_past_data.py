"""SUMIF/AVERAGEIF's sum range is its top-left cell extended to the criteria range's size
(Excel's rule). Where that extension reaches past the sheet's last used row, the cells past the
data are blank: they add nothing. The clipped read made the shapes differ and gave #VALUE!
(chandrakant817 Superstore, unseen10: 'Raw Data'!AR7:AR732 `=SUMIF(C7:C1006,"B",K989:K1006)`,
726 cells #VALUE! where Excel cached numbers)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from engine.model import Model

ROWS = 40


def _kind(i: int) -> str:
    return "B" if i % 3 else "A"


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    s = wb.active
    s.title = "D"
    for i in range(1, ROWS + 1):
        s.cell(i, 1, _kind(i))
        s.cell(i, 2, i * 1.5)
    for r in range(1, 31):
        s.cell(r, 4, f'=SUMIF(A{r}:A{r + 29},"B",B{r + 20}:B{r + 29})')
        s.cell(r, 5, f'=AVERAGEIF(A{r}:A{r + 29},"B",B{r + 20})')
    s["F1"] = '=SUMIF(A11:A40,"B",B35)'
    out = path / "sumif_past.xlsx"
    wb.save(out)
    return out


def _sum(r: int, offset: int) -> tuple[float, int]:
    """Excel's SUMIF(A r:A r+29, "B", B r+offset ...) over the resized sum range: the sum and
    how many numbers it adds (blank cells past row ROWS count in neither)."""
    total, count = 0.0, 0
    for k in range(30):
        row, srow = r + k, r + offset + k
        if row <= ROWS and _kind(row) == "B" and srow <= ROWS:
            total += srow * 1.5
            count += 1
    return total, count


def test_a_sum_range_resized_past_the_data_reads_blanks(tmp_path: Path) -> None:
    model = Model.open(_book(tmp_path))
    cells = list(model.workbook.formula_cells())
    values, _ = model.evaluate(cells)
    got = {str(c): values[c].scalar() for c in cells}
    for r in range(1, 31):
        total, count = _sum(r, 20)
        assert got[f"D!D{r}"] == total, (r, got[f"D!D{r}"], total)
        want = total / count if count else "#DIV/0!"
        assert str(got[f"D!E{r}"]) == str(want) if not count else got[f"D!E{r}"] == want
    assert got["D!F1"] == _sum(11, 24)[0]
