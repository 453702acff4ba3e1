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


def _chains_book(path, rows=120):
    """Running totals of several shapes next to inputs chosen to make rounding matter."""
    cells: dict[str, object] = {}
    for r in range(1, rows + 1):
        cells[f"A{r}"] = 0.1 * r + 1e-3 / r          # sums that round differently by order
        cells[f"B{r}"] = str(r % 4) if r % 11 == 0 else float(r % 7) / 3  # text numbers too
        if r == 1:
            for col in "CDEFGH":
                cells[f"{col}1"] = ("=A1", None)
            continue
        cells[f"C{r}"] = (f"=C{r - 1}+A{r}*1.05", None)        # prev + x
        cells[f"D{r}"] = (f"=A{r}/3+D{r - 1}", None)           # x + prev
        cells[f"E{r}"] = (f"=E{r - 1}-A{r}*0.7", None)         # prev - x
        cells[f"H{r}"] = (f"=H{r - 1}-B{r}", None)  # numbers and text: cell by cell
        cells[f"F{r}"] = (f"=F{r - 1}+1", None)                # a constant x
        # a chain broken in the middle by another formula: two runs
        cells[f"G{r}"] = (f"=G{r - 1}*2" if r == rows // 2 else f"=G{r - 1}+A{r}", None)
    return write_xlsx(path, cells)


def test_running_totals_run_as_chains_with_the_cell_by_cell_values(tmp_path, monkeypatch):
    path = _chains_book(tmp_path / "chains.xlsx")
    alone, none = _evaluate(path, monkeypatch, 10**9)
    chained, batched = _evaluate(path, monkeypatch, 4, chunk=32)
    assert none == 0
    assert batched >= 5 * 110  # every column, in chunks (the learning copies aside)
    assert chained == alone  # the same floats, bit for bit (== on Python floats)
    # C: a sum worked out here in the same order
    total = 0.1 + 1e-3
    for r in range(2, 121):
        total = total + (0.1 * r + 1e-3 / r) * 1.05
    assert chained[CellRef("Sheet1", 120, 3)] == alone[CellRef("Sheet1", 120, 3)] == \
        (model_module.Kind.NUM, total)
    assert chained[CellRef("Sheet1", 120, 6)][1] == 0.1 + 1e-3 + 119


def test_chains_with_errors_or_overflow_fall_back_to_the_cells(tmp_path, monkeypatch):
    cells: dict[str, object] = {"B1": 1.0}
    for r in range(1, 61):
        cells[f"A{r}"] = "x" if r == 30 else 1e307 * (r % 3 + 1) if r > 40 else float(r)
        if r > 1:
            cells[f"B{r}"] = (f"=B{r - 1}+A{r}", None)    # #VALUE! at 30, then overflow
            cells[f"C{r}"] = (f"=C{r - 1}+A{r}/2", None)  # blank C1: starts at 0
    path = write_xlsx(tmp_path / "bad.xlsx", cells)
    alone, _ = _evaluate(path, monkeypatch, 10**9)
    chained, _ = _evaluate(path, monkeypatch, 4)
    assert chained == alone
    assert chained[CellRef("Sheet1", 35, 2)][1] == "#VALUE!"
    assert chained[CellRef("Sheet1", 60, 3)][1] == "#VALUE!"
    assert chained[CellRef("Sheet1", 20, 3)][1] == sum(range(2, 21)) / 2


def test_copies_are_parsed_without_building_their_ir_until_asked(tmp_path):
    """A copy of a template without ranges keeps its template and dependencies, not its IR
    (a 10^6-formula pass holds no tree per cell); asked for, the IR is the parser's."""
    from engine import ir

    path = _chains_book(tmp_path / "chains.xlsx", rows=40)
    model = Model.open(path)
    cells = model.workbook.formula_cells()
    ccs = {c: model.code(c) for c in cells}
    lazy = [c for c, cc in ccs.items() if cc._node is None]
    # all but, per column, row 1, the template and the copy learned from (and G's odd cell)
    assert len(lazy) == len(cells) - 6 * 3 - 1
    for c in cells:
        text = model.workbook.cell(c).formula
        parsed = ir.parse_formula(text, c.sheet, ir.Resolver(model.workbook), cell=c,
                                  cached=False)
        assert ccs[c].node == parsed, c
    assert model.code(CellRef("Sheet1", 30, 4)).deps == [CellRef("Sheet1", 29, 4)]


def test_equal_values_share_one_vec_and_negative_zero_stays_apart(tmp_path, monkeypatch):
    """Copies with the same result share one Vec (as constants read from the sheet do): a
    column of flags holds two objects, not one per cell; -0.0 is not taken for 0.0."""
    import math

    cells: dict[str, object] = {}
    for r in range(1, 41):
        cells[f"A{r}"] = float(r % 3) * (-1) ** r
        cells[f"B{r}"] = (f'=IF(A{r}>0,"up","down")', None)
        cells[f"C{r}"] = (f"=A{r}*0", None)      # -0.0 where A is negative
    path = write_xlsx(tmp_path / "flags.xlsx", cells)
    monkeypatch.setattr(batches, "BATCH_MIN", 4)
    monkeypatch.setattr(model_module, "BATCH_MIN", 4)
    values, _ = Model.open(path).evaluate()
    flags = [values[CellRef("Sheet1", r, 2)] for r in range(1, 41)]
    assert {v.scalar() for v in flags} == {"up", "down"}
    # two Vecs for the batched copies, one each for the template and the copy the parse
    # cache learned from (computed on their own)
    assert len({id(v) for v in flags}) <= 4
    constants = [values[CellRef("Sheet1", r, 1)] for r in range(1, 41)]
    assert len({id(v) for v in constants if v.scalar()}) == 4  # 1, -1, 2, -2
    for r in range(1, 41):
        a = float(r % 3) * (-1) ** r
        assert math.copysign(1, values[CellRef("Sheet1", r, 3)].scalar()) == \
            math.copysign(1, a * 0), r
