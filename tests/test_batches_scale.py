"""Batches on big columns (engine/_batches.py): a family longer than one chunk is computed
in batches chunk after chunk (issue 17: 10^6 formulas), with the values computing each
cell on its own gives."""

from __future__ import annotations

import engine._batches as batches
import engine.model as model_module
from engine.model import CellRef, Model
from tests.xlsx_xml import write_xlsx

ROWS = 100


def _book(path):
    cells: dict[str, object] = {}
    for r in range(1, ROWS + 1):
        cells[f"A{r}"] = float(r % 9) + 0.25
        cells[f"B{r}"] = (f"=A{r}*3-1", None)
        cells[f"C{r}"] = (f'=IF(B{r}>10,"big",B{r}/2)', None)
    return write_xlsx(path, cells)


def _evaluate(path, monkeypatch, minimum, chunk=65_536):
    monkeypatch.setattr(batches, "BATCH_MIN", minimum)
    monkeypatch.setattr(model_module, "BATCH_MIN", minimum)
    monkeypatch.setattr(batches, "CHUNK", chunk)
    done = []
    finish = batches.Batches.finish

    def counted(self):
        finish(self)
        done.append(self.batched)

    monkeypatch.setattr(batches.Batches, "finish", counted)
    values, _ = Model.open(path).evaluate()
    return {c: (v.kind, v.scalar()) for c, v in values.items()}, sum(done)


def test_every_chunk_of_a_long_family_runs_as_a_batch(tmp_path, monkeypatch):
    """The code compiled for the first chunk reads its first copy's cells: the later chunks'
    inputs are keyed by those (before, every chunk after the first fell back cell by cell)."""
    path = _book(tmp_path / "long.xlsx")
    alone, none = _evaluate(path, monkeypatch, 10**9)
    chunked, batched = _evaluate(path, monkeypatch, 4, chunk=16)
    assert none == 0
    # per column: 99 copies of the template (the copy the parse cache learns from is parsed
    # on its own), 6 chunks of 16 in batches, the 3 left cell by cell (fewer than BATCH_MIN)
    assert batched == 2 * 96
    assert chunked == alone
    assert chunked[CellRef("Sheet1", 3, 2)][1] == 3.25 * 3 - 1          # A3 = 3.25
    assert chunked[CellRef("Sheet1", 98, 3)][1] == "big"                 # B98 = 8.25*3-1
    assert chunked[CellRef("Sheet1", 99, 3)][1] == -0.125                # B99 = 0.25*3-1
    assert chunked[CellRef("Sheet1", 2, 3)][1] == (2.25 * 3 - 1) / 2     # B2 = 5.75
