"""Text functions mapped over a range in an array formula compute the elements of the same
kinds as one vector (math.lift(trialwise=True) -> operators.batch_elementwise), not one call
per cell.  canaydinq-beep Dashboard_Project (unseen10): ~730 array formulas
``MEDIAN(IF(..*ISNUMBER(SEARCH(type,jobs[job_schedule_type]))*..,..))`` over a 32,672-row
table called SEARCH's element function once per cell (check did not finish in 300 s).

The batched results must be the per-element ones, kind, value and error alike."""

from __future__ import annotations

import pytest

from engine.functions import function_named, operators
from engine.functions.operators import BATCH_MIN
from engine.values import Grid, num, text
from tests.test_array_operator_batches import _mixed_column, _same

ARGS = {
    "SEARCH": lambda c: (text("b?"), c),
    "FIND": lambda c: (text("1"), c, num(1.0)),
    "LEN": lambda c: (c,),
    "UPPER": lambda c: (c,),
    "LOWER": lambda c: (c,),
    "PROPER": lambda c: (c,),
    "TRIM": lambda c: (c,),
    "LEFT": lambda c: (c, num(2.0)),
    "RIGHT": lambda c: (c, c),
    "MID": lambda c: (c, num(2.0), num(3.0)),
    "REPLACE": lambda c: (c, num(1.0), num(2.0), text("z")),
    "SUBSTITUTE": lambda c: (c, text("b"), text("xy")),
    "REPT": lambda c: (c, num(2.0)),
    "EXACT": lambda c: (c, text("abc")),
}


@pytest.mark.parametrize("name", sorted(ARGS))
def test_batched_text_function_equals_one_call_per_element(name, monkeypatch):
    col = Grid([[v] for v in _mixed_column(8 * BATCH_MIN, 5)])
    fn = function_named(name).impl
    calls = []
    batch = operators.batch_elementwise
    monkeypatch.setattr(operators, "batch_elementwise",
                        lambda f, items: calls.append(len(items)) or batch(f, items))
    from engine.functions import math as fmath
    monkeypatch.setattr(fmath, "batch_elementwise", operators.batch_elementwise)
    got = fn(*ARGS[name](col))
    assert calls == [col.shape[0]], calls          # one batch over the column's elements
    monkeypatch.setattr(fmath, "batch_elementwise", lambda f, items: [f(*i) for i in items])
    want = fn(*ARGS[name](col))                    # one call per element
    assert got.shape == want.shape == col.shape
    for g, w in zip(got.flat(), want.flat(), strict=True):
        _same(g, w)


def test_search_over_a_column_in_an_array_formula(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.worksheet.formula import ArrayFormula

    from engine.model import Model

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    kinds = ["Full-time", "Part-time", "Full-time and Contractor", None, "Internship", 7]
    for r in range(1, 61):
        ws.cell(r, 1, kinds[r % 6])
        ws.cell(r, 2, 100.0 + r)
    ws["D1"] = "time"
    ws["D2"] = ArrayFormula("D2", "=SUM(IF(ISNUMBER(SEARCH(D1,A1:A60)),B1:B60))")
    ws["D3"] = ArrayFormula("D3", '=SUM(LEN(A1:A60)*(LEFT(A1:A60,4)="Full"))')
    path = tmp_path / "search_column.xlsx"
    wb.save(path)
    model = Model.open(path)
    values, _ = model.evaluate()
    rows = range(1, 61)
    assert values[model.ref("S!D2")].scalar() == sum(
        100.0 + r for r in rows if isinstance(kinds[r % 6], str) and "time" in kinds[r % 6])
    assert values[model.ref("S!D3")].scalar() == sum(
        len(k) for r in rows if isinstance(k := kinds[r % 6], str) and k.startswith("Full"))
