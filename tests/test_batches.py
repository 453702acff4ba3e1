"""The deterministic pass computes the copies of one formula together (engine/_batches.py):
the values are the ones computing each cell on its own gives, kinds and errors included."""

from __future__ import annotations

import pytest

import engine._batches as batches
import engine.model as model_module
from engine.check import check_model
from engine.model import Model
from engine.values import ExcelError
from tests.xlsx_xml import write_xlsx

ROWS = 40


def _book(path):
    cells: dict[str, object] = {}
    for r in range(1, ROWS + 1):
        cells[f"A{r}"] = float(r) - 5.5
        # mixed kinds down a column: numbers, text (a number as text), a blank, an error
        b = ("=1/0", None) if r % 7 == 0 else "3" if r % 5 == 0 else None if r % 3 == 0 \
            else float(r % 4)
        if b is not None:
            cells[f"B{r}"] = b
        cells[f"C{r}"] = (f"=A{r}*2+1", None)                       # numbers only: batched
        cells[f"D{r}"] = (f'=IF(A{r}>0,"pos",A{r})', None)          # kinds differ per copy
        cells[f"E{r}"] = (f'=IFERROR(1/B{r},"none")', None)         # mixed inputs
        cells[f"F{r}"] = (f"=ROUND(C{r}/3,2)-$A$1", None)           # reads another batch
        cells[f"G{r}"] = (f'=LEN(D{r})&"!"', None)
        cells[f"H{r}"] = (f"=A{r}+B{r}", None)                      # errors and blanks
        cells[f"I{r}"] = (f"=B{r}=3", None)
        if r > 1:
            cells[f"J{r}"] = (f"=J{r - 1}+A{r}", None)              # a running total
    cells["J1"] = ("=A1", None)
    cells["K1"] = (f"=SUM(F1:F{ROWS})", None)
    return write_xlsx(path, cells)


def _values(path, monkeypatch, minimum):
    monkeypatch.setattr(batches, "BATCH_MIN", minimum)
    monkeypatch.setattr(model_module, "BATCH_MIN", minimum)
    done = []
    finish = batches.Batches.finish

    def counted(self):
        finish(self)
        done.append(self.batched)

    monkeypatch.setattr(batches.Batches, "finish", counted)
    values, _ = Model.open(path).evaluate()
    return {c: (v.kind, v.scalar()) for c, v in values.items()}, sum(done)


def test_batched_copies_give_the_cell_by_cell_values(tmp_path, monkeypatch):
    path = _book(tmp_path / "copies.xlsx")
    alone, none = _values(path, monkeypatch, 10**9)
    together, batched = _values(path, monkeypatch, 16)
    assert none == 0
    # C and F run as batches (the columns reading mixed kinds fall back); J never
    assert batched >= 2 * ROWS
    assert together.keys() == alone.keys()
    for c, got in together.items():
        assert got == alone[c], c
    # a few values worked out by hand
    assert together[model_module.CellRef("Sheet1", 10, 3)][1] == 10.0      # (10-5.5)*2+1
    assert together[model_module.CellRef("Sheet1", 2, 4)][1] == -3.5       # IF: A2
    assert together[model_module.CellRef("Sheet1", 8, 4)][1] == "pos"
    assert together[model_module.CellRef("Sheet1", 7, 5)][1] == "none"     # 1/#DIV/0!
    assert together[model_module.CellRef("Sheet1", 7, 8)][1] == ExcelError("#DIV/0!")
    assert together[model_module.CellRef("Sheet1", 6, 8)][1] == 0.5        # A6 + blank


@pytest.mark.parametrize(("minimum", "chunk"), [(2, 65_536), (16, 65_536), (4, 16)])
def test_check_report_is_the_same_with_batches(tmp_path, monkeypatch, minimum, chunk):
    path = _book(tmp_path / "copies.xlsx")
    monkeypatch.setattr(batches, "CHUNK", chunk)  # 16: a family in chunks, the last short
    monkeypatch.setattr(model_module, "BATCH_MIN", 10**9)
    alone = check_model(Model.open(path)).to_dict()
    monkeypatch.setattr(batches, "BATCH_MIN", minimum)
    monkeypatch.setattr(model_module, "BATCH_MIN", minimum)
    together = check_model(Model.open(path)).to_dict()
    alone.pop("elapsed_s")
    together.pop("elapsed_s")
    assert together == alone


def test_dependency_lists_share_the_parsed_cells_objects(tmp_path, monkeypatch):
    """A big pass keeps one CellRef object per formula cell: each dependency list holds the
    object that keys the parsed cell, not the copy its formula's IR made (same values)."""
    path = _book(tmp_path / "copies.xlsx")
    alone, _ = _values(path, monkeypatch, 10**9)
    monkeypatch.setattr(model_module, "SHARE_REFS_MIN", 1)
    model = Model.open(path)
    values, _ = model.evaluate()
    keys = {c: c for c in model._code}
    deps = [d for cc in model._code.values() if cc.ref is not None for d in cc.deps]
    assert len(deps) > 4 * ROWS
    assert all(d is keys[d] for d in deps)
    assert {c: (v.kind, v.scalar()) for c, v in values.items()} == alone
