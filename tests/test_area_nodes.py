"""Model.order with ranges of many formula cells as one graph node (engine._area_nodes): the
same cells in a valid order and the same cycles as the plain graph, and the same values.

ys98110 valuation AMD_markov_returns: ``=RANK.AVG(H3,$H$3:$H$10273,1)/10271`` down 10,271
rows made 105 million edges; ordering them did not finish.  Small here, with the thresholds
lowered so the area nodes are used."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from engine import _area_nodes
from engine.model import Model

ROWS = 30


def _book(path: Path, cycle: bool) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    for r in range(1, ROWS + 1):
        ws.cell(r, 1, float((r * 7) % 11))
        ws.cell(r, 2, f"=A{r}*2+1")
        ws.cell(r, 3, f"=RANK.AVG(B{r},$B$1:$B${ROWS},1)/{ROWS}")
        ws.cell(r, 4, f"=C{r}+SUM($C$1:$C${ROWS})")
    ws["F1"] = f"=SUM(D1:D{ROWS})"
    if cycle:
        ws["B5"] = "=A5*2+F1"   # F1 reads D, D reads C, C reads B5: a cycle through ranges
    out = path / f"area_nodes_{cycle}.xlsx"
    wb.save(out)
    return out


def _ordered(book: Path) -> tuple[list, list, dict]:
    model = Model.open(book)
    cells = model.workbook.formula_cells()
    order, cycles = model.order(cells)
    values, _ = model.evaluate(cells)
    return order, sorted(sorted(map(str, c)) for c in cycles), \
        {str(c): values[c].scalar() for c in cells}


@pytest.mark.parametrize("cycle", [False, True])
def test_area_nodes_order_cycles_and_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            cycle: bool) -> None:
    book = _book(tmp_path, cycle)
    plain = _ordered(book)
    monkeypatch.setattr(_area_nodes, "AREA_NODE_FROM", 4)
    monkeypatch.setattr(_area_nodes, "EDGES_DIRECT_UP_TO", 0)
    model = Model.open(book)
    cells = model.workbook.formula_cells()
    for c in cells:
        model.deps(c)
    graph = _area_nodes.area_graph(sorted(cells), model.deps, model._area_deps)
    assert graph is not None and any(isinstance(x, _area_nodes.AreaNode) for x in graph[0])
    order, cycles, values = _ordered(book)
    assert sorted(order) == sorted(plain[0]) and cycles == plain[1] and values == plain[2]
    ordered = set(order)
    seen: set = set()
    for c in order:   # every dependency among the ordered cells comes first
        assert all(d in seen for d in model.deps(c) if d in ordered), c
        seen.add(c)
    assert bool(cycles) is cycle
    assert len(order) == (len(plain[0]) if cycle else 3 * ROWS + 1)
    if not cycle:   # C1: the rank of B1 = 15 among B (ties averaged), over ROWS
        b = sorted(((r * 7) % 11) * 2 + 1.0 for r in range(1, ROWS + 1))
        rank = (b.index(15.0) + 1 + len(b) - b[::-1].index(15.0)) / 2
        assert values["data!C1"] == pytest.approx(rank / ROWS)


def test_area_nodes_compile_the_same_slice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Model.compile's reach and slice order through the range nodes: the same steps."""
    book = _book(tmp_path, False)

    def steps() -> list:
        model = Model.open(book)
        inputs = [model.ref(f"data!A{r}") for r in range(1, ROWS + 1)]
        program = model.compile(inputs, [model.ref("data!F1")])
        return program.steps

    plain = steps()
    monkeypatch.setattr(_area_nodes, "AREA_NODE_FROM", 4)
    monkeypatch.setattr(_area_nodes, "EDGES_DIRECT_UP_TO", 0)
    grouped = steps()
    assert sorted(grouped) == sorted(plain) and len(plain) == 3 * ROWS + 1
    position = {c: i for i, c in enumerate(grouped)}
    model = Model.open(book)
    assert all(position[d] < position[c] for c in grouped for d in model.deps(c) if d in position)
