"""SUMPRODUCT of ranges of one written size, one of them reaching past the sheet's last used
row (read clipped: engine/_ir_nodes.clip keeps the written size in Area.rows/cols).  Excel
reads the cells past the data as empty (0 in the products); numpy compared the clipped shapes
and gave #VALUE!.

ianjharkin edu-2012-c13-01 (unseen10) 'Solution to Exercise 18.7'!H6
``=500000*SUMPRODUCT(D6:D56,C6:C56,E7:E57)/SUMPRODUCT(D6:D56,E6:E56)`` (E57 past the data):
#VALUE! where Excel caches 20783.24, 37 cells.  Ranges of different written sizes stay #VALUE!.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from engine.model import Model
from tests.test_backend_cupy import host_equals_numpy
from tests.test_backend_numba import job_for, numba_and_numpy, tri

ROWS = 10


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r in range(1, ROWS + 1):
        ws.cell(r, 1, r * 1.5)
        ws.cell(r, 2, 10 - r)
        ws.cell(r, 3, "x" if r == 4 else r % 3)   # text: 0 in the products
    ws["E1"] = f"=SUMPRODUCT(A1:A{ROWS},B2:B{ROWS + 1})"           # B11: past the data
    ws["E2"] = f"=SUMPRODUCT(A2:A{ROWS + 3},B1:B{ROWS + 2},C1:C{ROWS + 2})"
    ws["E3"] = f"=SUMPRODUCT(A5:B{ROWS + 4},B1:C{ROWS})"           # two columns, 10 rows
    ws["E4"] = f"=SUMPRODUCT(A1:A{ROWS},B2:B{ROWS + 2})"           # 10 rows vs 11: #VALUE!
    ws["E5"] = f"=SUMPRODUCT(A1:A{ROWS}*B1:B{ROWS},C1:C{ROWS})"    # an array beside a range
    out = path / "sumproduct_past_data.xlsx"
    wb.save(out)
    return out


def _want() -> dict[str, object]:
    a = {r: r * 1.5 for r in range(1, ROWS + 1)}
    b = {r: 10 - r for r in range(1, ROWS + 1)}
    c = {r: 0 if r == 4 else r % 3 for r in range(1, ROWS + 1)}
    e3 = sum(a.get(4 + i, 0) * b.get(i, 0) + b.get(4 + i, 0) * c.get(i, 0) for i in range(1, ROWS + 1))
    return {"E1": sum(a[r] * b.get(r + 1, 0) for r in range(1, ROWS + 1)),
            "E2": sum(a.get(r + 1, 0) * b.get(r, 0) * c.get(r, 0) for r in range(1, ROWS + 3)),
            "E3": e3, "E4": "#VALUE!",
            "E5": sum(a[r] * b[r] * c[r] for r in range(1, ROWS + 1))}


def test_numpy_reads_the_cells_past_the_data_as_empty(tmp_path: Path) -> None:
    model = Model.open(_book(tmp_path))
    cells = [model.ref(f"S!E{r}") for r in range(1, 6)]
    values, _ = model.evaluate(cells)
    got = {str(c).split("!")[1]: values[c].scalar() for c in cells}
    got = {k: str(v) if not isinstance(v, float) else v for k, v in got.items()}
    assert got == pytest.approx(_want())


def _job(tmp_path: Path):
    model = Model.open(_book(tmp_path))
    return job_for(model, [tri("S!A2", 2.0, 3.0, 4.0), tri("S!B5", 4.0, 5.0, 6.0)],
                   [f"S!E{r}" for r in range(1, 6)], trials=16)


def test_numba_fuses_and_equals_numpy(tmp_path: Path) -> None:
    numba_and_numpy(_job(tmp_path), tmp_path / "k", 8, fused=True)


def test_cuda_on_the_host_equals_numpy(tmp_path: Path) -> None:
    host_equals_numpy(_job(tmp_path), tmp_path / "cuda", chunk=8)
