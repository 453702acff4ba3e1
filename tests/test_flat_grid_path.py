"""The flat path end to end: text and IS functions, IF and the aggregates (COUNT, MEDIAN,
AVERAGE, SUM, MIN, MAX) over grids whose cells hold one value each give the element loop's
values, kinds and errors (engine.functions.flat_ops.ENABLED off), on mixed grids of numbers,
text, blanks, errors and booleans.

canaydinq-beep Dashboard_Project (unseen10): ~730 array formulas
``MEDIAN(IF((jobs[c]=A2)*(jobs[s]<>0)*(ISNUMBER(SEARCH(type,jobs[t]))),jobs[s]))`` over a
32,672-row table built a Vec per element at every step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.formula import ArrayFormula

from engine import functions
from engine.check import same_value
from engine.functions import flat_ops, logical, operators, stats
from engine.model import Model
from engine.values import ERROR_CODES, Grid, Kind, Vec, error, from_scalar, num, text
from tests.strategies import WORDS, ErrorLiteral, as_strategy, draw_value
from tests.test_flat_operators import _same_cells

SIZE = max(stats.FLAT_MIN, 40)


def _vec(x: Any) -> Vec:
    return error(ERROR_CODES[x.code]) if isinstance(x, ErrorLiteral) else from_scalar(x)


def _column(values: list[Any]) -> Grid:
    return Grid([[_vec(x)] for x in values])


def _both(make: Callable[[], Vec | Grid], monkeypatch: pytest.MonkeyPatch
          ) -> tuple[Vec | Grid, Vec | Grid]:
    """``make()`` on the flat path and on the element loop."""
    fast = make()
    monkeypatch.setattr(flat_ops, "ENABLED", False)
    try:
        slow = make()
    finally:
        monkeypatch.setattr(flat_ops, "ENABLED", True)
    return fast, slow


def _same_vec(got: Vec, want: Vec) -> None:
    assert got.kind == want.kind and len(got) == len(want)
    ge = None if got.err is None or not got.err.any() else got.err.tolist()
    we = None if want.err is None or not want.err.any() else want.err.tolist()
    assert ge == we
    if we is None:
        assert np.array_equal(got.data, want.data) or (got.data == want.data).all()


def _call(name: str, *args: Vec | Grid) -> Vec | Grid:
    functions._load()   # the registry by name (its look-up function is being renamed)
    return functions.FUNCTIONS[name].impl(*args)


ELEMENTWISE: dict[str, Callable[[Grid], tuple]] = {
    "SEARCH": lambda g: (text("a"), g),
    "FIND": lambda g: (text("B"), g),
    "LEN": lambda g: (g,),
    "UPPER": lambda g: (g,),
    "ISNUMBER": lambda g: (g,),
    "ISTEXT": lambda g: (g,),
    "ISBLANK": lambda g: (g,),
    "ISLOGICAL": lambda g: (g,),
    "ISERROR": lambda g: (g,),
    "ISNA": lambda g: (g,),
    "ISERR": lambda g: (g,),
    "ISNONTEXT": lambda g: (g,),
}
AGGREGATES = ("COUNT", "MEDIAN", "AVERAGE", "SUM", "MIN", "MAX")

cells = st.lists(as_strategy(draw_value), min_size=SIZE, max_size=SIZE)


@settings(max_examples=10, deadline=None)
@given(a=cells, b=cells)
def test_functions_if_and_aggregates_equal_element_loop(a: list, b: list) -> None:
    mp = pytest.MonkeyPatch()
    ga, gb = _column(a), _column(b)
    for name, args in ELEMENTWISE.items():
        fast, slow = _both(lambda: _call(name, *args(ga)), mp)  # noqa: B023
        assert isinstance(fast, flat_ops.FlatGrid), name
        _same_cells(fast, slow)
    cond = operators.binary(">", ga, num(0.0))
    arrays = [ga, gb]
    for c, then, other in ((cond, gb, None), (ga, gb, text("no")), (cond, num(1.0), ga),
                           (gb, ga, gb), (ga, error(7), num(2.0))):
        fast, slow = _both(lambda: logical.if_(c, then, other), mp)  # noqa: B023
        assert isinstance(fast, flat_ops.FlatGrid)
        _same_cells(fast, slow)
        arrays.append(fast)
    for name in AGGREGATES:
        for args in ([x] for x in arrays):
            fast, slow = _both(lambda: _call(name, *args), mp)  # noqa: B023
            _same_vec(fast, slow)
        fast, slow = _both(lambda: _call(name, num(2.5), arrays[2], ga, arrays[3]), mp)  # noqa: B023
        _same_vec(fast, slow)
    for op in ("-", "%"):
        fast, slow = _both(lambda: operators.unary(op, ga), mp)  # noqa: B023
        _same_cells(fast, slow)
    negated = operators.unary("-", operators.unary("-", cond))
    for args in ([ga], [ga, gb], [arrays[2], gb, arrays[4]], [negated, ga]):
        fast, slow = _both(lambda: _call("SUMPRODUCT", *args), mp)  # noqa: B023
        _same_vec(fast, slow)


def test_lazy_grid_builds_its_cells_once_read() -> None:
    g = _column([1.0, "x", None, True, ErrorLiteral("#N/A")] * 8)
    got = _call("ISNUMBER", g)
    assert isinstance(got, flat_ops.FlatGrid) and got.shape == (40, 1)
    assert Grid.cells.__get__(got) is None          # not built by the call
    assert _call("COUNT", logical.if_(got, g, None)).data.tolist() == [8.0]
    assert [c.scalar() for c in got.flat()][:5] == [True, False, False, False, False]
    assert got.cells is got.cells                   # built once, then kept


def _book(path: Path) -> Path:
    """A table of types (text with blanks), salaries (numbers with blanks, an error) and
    countries, and the dashboard's array formulas over it."""
    wb = openpyxl.Workbook()
    d = wb.active
    d.title = "Data"
    types = ["Full-time", "Part-time", "Full-time and Contractor", None, "Contractor"]
    for i in range(60):
        d.cell(i + 1, 1, types[i % 5])
        d.cell(i + 1, 2, "=1/0" if i == 41 else (100.0 + i if i % 4 else None))
        d.cell(i + 1, 3, ["US", "DE", "FR"][i % 3])
    c = wb.create_sheet("Calc")
    c["Z1"] = "full"
    a, b, cc = "Data!$A$1:$A$40", "Data!$B$1:$B$40", "Data!$C$1:$C$40"
    be = "Data!$B$1:$B$60"   # reaching the error
    for k, country in enumerate(["US", "DE", "FR"]):
        r = k + 1
        c.cell(r, 1, country)
        cond = f"({cc}=A{r})*({b}<>0)*(ISNUMBER(SEARCH($Z$1,{a})))"
        for col, fn in (("B", "MEDIAN"), ("C", "COUNT"), ("D", "AVERAGE"), ("E", "SUM"),
                        ("F", "MIN"), ("G", "MAX")):
            c[f"{col}{r}"] = ArrayFormula(f"{col}{r}", f"={fn}(IF({cond},{b}))")
    c["H1"] = ArrayFormula("H1", f"=SUM(IF(ISERROR({be}),1,0))")
    c["H2"] = ArrayFormula("H2", f"=MEDIAN(IF(ISNUMBER({be}),{be}))")
    c["H3"] = ArrayFormula("H3", f'=COUNT(IF(ISBLANK({a}),{b},"x"))')
    out = path / "flat_grid_path.xlsx"
    wb.save(out)
    return out


def _values(path: Path) -> dict[str, Any]:
    model = Model.open(path)
    targets = [c for c in model.workbook.formula_cells() if str(c).startswith("Calc")]
    values, _ = model.evaluate(targets)
    return {str(c): values[c].scalar() for c in targets}


def test_dashboard_workbook_flat_equals_element_loop(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    book = _book(tmp_path)
    fast = _values(book)
    monkeypatch.setattr(flat_ops, "ENABLED", False)
    slow = _values(book)
    assert fast.keys() == slow.keys() and len(fast) == 21
    for cell, want in slow.items():
        assert same_value(want, fast[cell], rel=0.0), (cell, want, fast[cell])
    # US rows: i % 3 == 0, a salary (i % 4 != 0), a type containing "full" (i % 5 in 0, 2)
    us = [100.0 + i for i in range(40) if i % 3 == 0 and i % 4 and i % 5 in (0, 2)]
    assert fast["Calc!C1"] == len(us) and fast["Calc!E1"] == sum(us)
    assert fast["Calc!B1"] == float(np.median(us)) and fast["Calc!F1"] == min(us)
    numbers = [100.0 + i for i in range(60) if i % 4 and i != 41]
    assert fast["Calc!H1"] == 1.0 and fast["Calc!H2"] == float(np.median(numbers))
    assert fast["Calc!H3"] == sum(1 for i in range(40) if i % 5 == 3 and i % 4)


def _mixed_key(x: Any, other: Any) -> tuple[int, Any]:
    """Excel's mixed-type order, one value (a blank: the other side's empty value)."""
    from engine.functions._collation import collation_key

    if x is None:
        x = "" if isinstance(other, str) else False if isinstance(other, bool) else 0.0
    if isinstance(x, bool):
        return 2, x
    return (1, collation_key(x)) if isinstance(x, str) else (0, float(x))


def test_comparison_of_differing_kinds_equals_mixed_order() -> None:
    """A blank against text or a logical is that kind's empty value; numbers < text <
    logicals otherwise: operators.compare's vector paths and its values of any kind
    (Kind.ANY, _compare_mixed) give that order, errors kept."""
    import operator

    vals: list[Any] = [None, 0.0, -1.0, 2.5, "", "a", "B", "b", "0", True, False]
    py = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le,
          ">": operator.gt, ">=": operator.ge}
    anys = Vec(Kind.ANY, np.array([x for x in vals for _ in vals], dtype=object))
    for op in operators._CMP:
        want = [py[op](_mixed_key(x, y), _mixed_key(y, x)) for x in vals for y in vals]
        for x in vals:
            for y in vals:
                got = operators.compare(op, from_scalar(x), from_scalar(y)).data.tolist()
                assert got == [py[op](_mixed_key(x, y), _mixed_key(y, x))], (op, x, y)
        bs = Vec(Kind.ANY, np.array([y for _ in vals for y in vals], dtype=object))
        assert operators.compare(op, anys, bs).data.tolist() == want, op
    blanks = Vec(from_scalar(None).kind, np.zeros(3), np.array([0, 7, 0], np.uint8))
    got = operators.compare("=", blanks, text(["", "", "x"]))
    assert got.data.tolist() == [True, False, False] and got.err.tolist() == [0, 7, 0]


@settings(max_examples=5, deadline=None)
@given(values=st.lists(st.sampled_from([*WORDS, *WORDS, *WORDS, 2.5, None, True, 0.0]),
                       min_size=flat_ops.DISTINCT_FROM * 2, max_size=flat_ops.DISTINCT_FROM * 2))
def test_texts_computed_once_per_distinct_text(values: list) -> None:
    """A column of few distinct texts (and numbers, blanks, logicals; no errors): each
    distinct text computed once and spread back gives each cell its own result."""
    mp = pytest.MonkeyPatch()
    g = _column(values)
    for name, args in ELEMENTWISE.items():
        fast, slow = _both(lambda: _call(name, *args(g)), mp)  # noqa: B023
        _same_cells(fast, slow)
    for op in ("=", "<", "&"):
        fast, slow = _both(lambda: operators.binary(op, g, text("b")), mp)  # noqa: B023
        _same_cells(fast, slow)
    f = flat_ops.flat(g)
    assert f is not None and isinstance(f.uniq, tuple) and len(f.uniq[0].data) <= len(WORDS)
