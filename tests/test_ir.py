from __future__ import annotations

from pathlib import Path

import pytest

from engine import ir
from engine.errors import FormulaError
from engine.model import Model
from engine.values import ERROR_CODES
from engine.workbook import CellRef


@pytest.fixture
def resolver():
    m = Model.from_cells({"Data!A1": 1, "Data!B20": 2, "My Sheet!C3": 3, "Sheet1!A1": 0})
    m.workbook.names["RATE"] = "Data!$A$1"
    m.workbook.sheets["Data"].names["LOCAL"] = "Data!$B$20"
    return m.resolver


GOLDEN = [
    ("=1+2*3", ir.Binary("+", ir.Num(1.0), ir.Binary("*", ir.Num(2.0), ir.Num(3.0)))),
    ("=-A1^2", ir.Binary("^", ir.Unary("-", ir.Ref(CellRef("Sheet1", 1, 1))), ir.Num(2.0))),
    ("=5%", ir.Unary("%", ir.Num(5.0))),
    ('="a""b"&TRUE', ir.Binary("&", ir.Str('a"b'), ir.Bool(True))),
    ("=#N/A", ir.Err(ERROR_CODES["#N/A"])),
    ("=SUM(Data!A1:B3)", ir.Call("SUM", (ir.Area("Data", 1, 1, 3, 2),))),
    ("='My Sheet'!$C$3", ir.Ref(CellRef("My Sheet", 3, 3))),
    ("=data!a1", ir.Ref(CellRef("Data", 1, 1))),
    ("=SUM(Data!A:A)", ir.Call("SUM", (ir.Area("Data", 1, 1, 20, 1, rows=1_048_576),))),  # reads the used rows
    ("=SUM(Data!1:2)", ir.Call("SUM", (ir.Area("Data", 1, 1, 2, 2, cols=16_384),))),
    ("=IF(A1,,2)", ir.Call("IF", (ir.Ref(CellRef("Sheet1", 1, 1)), ir.Missing(), ir.Num(2.0)))),
    ("=_xlfn.NORM.INV(RAND(),0,1)", ir.Call("NORM.INV", (ir.Call("RAND", ()), ir.Num(0.0), ir.Num(1.0)))),
    ("={1,2;3,4}", ir.Array(((ir.Num(1.0), ir.Num(2.0)), (ir.Num(3.0), ir.Num(4.0))))),
    ("=Rate*2", ir.Binary("*", ir.Ref(CellRef("Data", 1, 1)), ir.Num(2.0))),
    ("=Nope", ir.Err(ERROR_CODES["#NAME?"])),
    # Sheet1 holds only A1: the areas read that much and keep their written size
    ("=A1:B2 B2:C3", ir.Binary(" ", ir.Area("Sheet1", 1, 1, 1, 1, 2, 2), ir.Area("Sheet1", 2, 2, 2, 2, 2, 2))),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN)
def test_golden(resolver, text, expected):
    assert ir.parse_formula(text, "Sheet1", resolver) == expected


def test_sheet_scoped_name_wins_on_its_sheet(resolver):
    assert ir.parse_formula("=LOCAL", "Data", resolver) == ir.Ref(CellRef("Data", 20, 2))
    assert ir.parse_formula("=LOCAL", "Sheet1", resolver) == ir.Err(ERROR_CODES["#NAME?"])


def test_unknown_sheet_is_a_bad_reference(resolver):
    node = ir.parse_formula("=Missing!A1", "Sheet1", resolver)
    assert isinstance(node, ir.BadRef) and "Missing" in node.reason


def test_external_reference(resolver):
    node = ir.parse_formula("=[1]Sheet1!A1", "Sheet1", resolver)
    assert isinstance(node, ir.BadRef)


def test_parse_error():
    m = Model.from_cells({"A1": 1})
    with pytest.raises(FormulaError):
        ir.parse_formula("=SUM(1,", "Sheet1", m.resolver)


def test_unparse_round_trip(resolver):
    node = ir.parse_formula("=IF(A1>0,SUM(Data!A1:B3)*2,\"x\")", "Sheet1", resolver)
    assert ir.unparse(node, "Sheet1") == 'IF((A1>0),(SUM(Data!A1:B3)*2),"x")'
    assert ir.calls(node) == {"IF", "SUM"}


# ------------------------------------------------------------------ implicit intersection
def _cell_value(cells: dict[str, object], at: str, array_ref: str | None = None):
    m = Model.from_cells(cells | {"Sheet2!Z1": 0.0}, sheets=("Sheet1", "Sheet2"))
    m.workbook.names["COL"] = "Sheet1!$A:$A"
    ref = m.ref(at)
    if array_ref:
        m.workbook.cell(ref).array_ref = array_ref
    values, cycles = m.evaluate([ref])
    assert not cycles
    v = values[ref]
    return float(v.data[0]) if v.err is None or not v.err[0] else int(v.err[0])


COLUMN_A = {f"Sheet1!A{r}": float(10 * r) for r in range(1, 11)}


@pytest.mark.parametrize(("formula", "at", "expected"), [
    ("=MIN((Col-5)/30,1)", "B3", (30 - 5) / 30),   # issue 12.6: the formula's own row of Col
    ("=MIN((Col-5)/30,1)", "B2", (20 - 5) / 30),
    ("=MIN((A1:A10-5)/30,1)", "B2", (20 - 5) / 30),
    ("=Col*2", "C7", 140.0),
    ("=@A1:A10", "B5", 50.0),
    ("=_xlfn.SINGLE(A1:A10)+1", "B4", 41.0),
    ("=SUM(@A1:A10)", "B6", 60.0),
    ("=SUM(Col)", "B6", 550.0),                      # aggregates read the whole range
    ("=SUMPRODUCT((A1:A10>50)*A1:A10)", "B1", 60.0 + 70 + 80 + 90 + 100),
    ("=Sheet2!A1:A10+0", "B3", 0.0),                 # by position, on another sheet
    ("=MAX(ROUND(Col/7,1),0)", "B4", 5.7),           # a one-value function's argument
    ("=SUM(ABS(A1:A10))", "B2", 20.0),
])
def test_implicit_intersection(formula, at, expected):
    assert _cell_value(COLUMN_A | {f"Sheet1!{at}": formula}, at) == pytest.approx(expected)


def test_implicit_intersection_outside_the_range_is_value_error():
    assert _cell_value(COLUMN_A | {"Sheet1!B12": "=@A1:A10"}, "B12") == ERROR_CODES["#VALUE!"]
    assert _cell_value(COLUMN_A | {"Sheet1!B12": "=(A1:A10)*2"}, "B12") == ERROR_CODES["#VALUE!"]


def test_array_formulas_keep_arrays():
    # {=SUM((A1:A10>50)*A1:A10)} entered with Ctrl+Shift+Enter: no intersection
    got = _cell_value(COLUMN_A | {"Sheet1!B3": "=SUM((A1:A10>50)*A1:A10)"}, "B3", array_ref="B3")
    assert got == 400.0
    assert _cell_value(COLUMN_A | {"Sheet1!B3": "=SUM((A1:A10>50)*A1:A10)"}, "B3") == 0.0


# ------------------------------------------------------------------ no recursion limit
DEEP = {
    "sum_chain": ("=" + "+".join(["A1"] * 8000), 16000.0, 8000),
    "nested_abs": ("=" + "ABS(" * 3000 + "-A1" + ")" * 3000, 2.0, 3000),
    "parentheses": ("=" + "(" * 3000 + "A1*2" + ")" * 3000, 4.0, 2),
    "unary_minus": ("=" + "-" * 3001 + "A1", -2.0, 3000),
}


@pytest.mark.parametrize("case", list(DEEP))
def test_deep_formulas_build_unparse_and_compute(case):
    text, expected, levels = DEEP[case]
    m = Model.from_cells({"A1": 2.0, "B1": text})
    node = ir.parse_formula(text, "Sheet1", m.resolver)
    assert ir.height(node) >= levels
    assert "A1" in ir.unparse(node, "Sheet1")
    values, _ = m.evaluate()
    assert values[CellRef("Sheet1", 1, 2)].data[0] == expected


def test_formula_over_the_length_limit_names_the_cell():
    m = Model.from_cells({"A1": 1.0})
    with pytest.raises(FormulaError, match=r"Sheet1!B1.*limit"):
        ir.parse_formula("=" + "1+" * ir.MAX_FORMULA_CHARS + "1", "Sheet1", m.resolver,
                         cell=CellRef("Sheet1", 1, 2))


# ------------------------------------------------------------------ the parse cache
WORKBOOKS = sorted((Path(__file__).parent / "data" / "workbooks").glob("*.xlsx"))


def _both_ways(wb) -> tuple[int, int, list[str]]:
    """Parse every formula cell through the cache and in full; the cells that differ."""
    cached, full = ir.Resolver(wb), ir.Resolver(wb)
    differ = []
    for c in wb.formula_cells():
        cell = wb.cell(c)
        if cell.formula is None:
            continue
        array = cell.array_ref is not None
        got = []
        for r, use in ((cached, True), (full, False)):
            try:
                got.append(ir.parse_formula(cell.formula, c.sheet, r, cell=c, array=array,
                                            cached=use))
            except FormulaError as exc:
                got.append(str(exc))
        if got[0] != got[1]:
            differ.append(f"{c} {cell.formula}: {got[0]} != {got[1]}")
    return cached.formulas.hits, cached.formulas.parses, differ


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_cached_ir_equals_parsed_ir_on_every_workbook(path):
    from engine.workbook import load_workbook

    _, _, differ = _both_ways(load_workbook(path))
    assert differ == []


def test_cache_moves_relative_coordinates_only():
    # running totals (an absolute first corner), mixed $, whole columns, clipped ranges, a
    # string that looks like a reference, across rows and columns
    cells: dict[str, object] = {}
    for r in range(1, 41):
        cells[f"Sheet1!A{r}"] = r
        cells[f"Sheet1!B{r}"] = f"=SUM($A$1:A{r})"
        cells[f"Sheet1!C{r}"] = f'=IF(A{r}>3,"A{r}",A{r}*A$1+$A{r}+B{r})'
        cells[f"Sheet1!D{r}"] = f"=SUM(A{r}:A{r + 5})+COUNT(A:A)"
        cells[f"Sheet1!E{r}"] = f"=D{r}+N(C{r})"
    for left, col in zip("EFG", "FGH", strict=True):
        cells[f"Sheet1!{col}1"] = f"=SUM({left}1:{left}3)+$A2+{left}$3"
    m = Model.from_cells(cells)
    hits, parses, differ = _both_ways(m.workbook)
    assert differ == []
    assert hits > 100 and parses < 60
    # the running total reads the growing range, Excel's answer: 1+2+...+40 = 820
    values, _ = m.evaluate()
    assert values[CellRef("Sheet1", 40, 2)].scalar() == 820
    assert values[CellRef("Sheet1", 5, 3)].scalar() == "A5"
    # SUM(A38:A43) is clipped to the 40 rows the sheet holds: 38+39+40, plus COUNT(A:A) 40
    assert values[CellRef("Sheet1", 38, 4)].scalar() == 38 + 39 + 40 + 40


def test_relative_key_shares_repeats_and_keeps_strings():
    from engine._parse_cache import relative_key

    assert relative_key("=B2*1.05+C1", 2, 3) == relative_key("=B3*1.05+C2", 3, 3)
    assert relative_key("=$B$2+B2", 2, 3) != relative_key("=$B$3+B3", 3, 3)
    assert relative_key('="A1"&A1', 1, 2) != relative_key('="A2"&A2', 2, 2)
    assert relative_key("=Table1[@Col]", 2, 2) is None
