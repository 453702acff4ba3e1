"""Every reference form Excel writes, resolved to the cells Excel reads (issue 12.1-12.3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from engine import ir
from engine._references import split_reference
from engine.model import Model
from engine.values import ERROR_CODES, ERROR_NAMES, Kind
from engine.workbook import Cell, CellRef, ExternalLink, Sheet, Table, Workbook


def value(model: Model, formula: str, sheet: str | None = None):
    v = model.evaluate_formula(formula, sheet=sheet)
    assert not hasattr(v, "cells"), f"{formula} gave a range"
    if v.err is not None and v.err[0]:
        return ERROR_NAMES[int(v.err[0])]
    if v.kind == Kind.BLANK:
        return None
    x = v.data[0]
    return float(x) if v.kind == Kind.NUM else x


# ------------------------------------------------------------------ text
@pytest.mark.parametrize(("text", "parts"), [
    ("'Inputs and Outputs'!C181:'Inputs and Outputs'!AA181",
     (None, "Inputs and Outputs", "Inputs and Outputs", "C181:AA181")),
    ("Sheet1!A1:Sheet1!B2", (None, "Sheet1", "Sheet1", "A1:B2")),
    ("Sheet1:Sheet3!A1", (None, "Sheet1", "Sheet3", "A1")),
    ("'Jan 1:Mar 3'!A1:B2", (None, "Jan 1", "Mar 3", "A1:B2")),
    ("'It''s'!$A$1", (None, "It's", "It's", "$A$1")),
    ("[1]Sheet1!A1", ("1", "Sheet1", "Sheet1", "A1")),
    ("'[1]My Sheet'!A1", ("1", "My Sheet", "My Sheet", "A1")),
    ("[1]!Rate", ("1", None, None, "Rate")),
    ("'C:\\dir\\[Book.xlsx]Data'!B2", ("Book.xlsx", "Data", "Data", "B2")),
    ("$A:$C", (None, None, None, "$A:$C")),
    ("Sheet2!MyName", (None, "Sheet2", "Sheet2", "MyName")),
])
def test_split_reference(text, parts):
    rt = split_reference(text)
    assert (rt.book, rt.first, rt.last, rt.addr) == parts


# ------------------------------------------------------------------ a real file
@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Model:
    wb = openpyxl.Workbook()
    io = wb.active
    io.title = "Inputs and Outputs"
    for c in range(3, 28):  # C181:AA181 = 3..27
        io.cell(row=181, column=c, value=c)
    for name, v in (("Jan", 1), ("Feb", 10), ("Mar", 100)):
        ws = wb.create_sheet(name)
        ws["A1"] = v
        ws["B2"] = 2 * v
    wb.create_sheet("Apr")["A1"] = 1000  # after the 3-D range: not counted
    s = wb.create_sheet("Summary")
    s["A1"] = "=SUM('Inputs and Outputs'!C181:'Inputs and Outputs'!AA181)"
    s["A2"] = "=SUM(Jan:Mar!A1)"
    s["A3"] = "=SUM(Mar:Jan!A1:B2)"
    s["A4"] = "=AVERAGE(Jan:Mar!A1)"
    s["A5"] = "=COUNT(Jan:Mar!A1,Apr!A1)"
    s["A6"] = "=MAX('Jan:Feb'!B2)"
    s["A7"] = "=SUM((Jan!A1,Mar!A1))"
    path = Path(tmp_path_factory.mktemp("refs")) / "refs.xlsx"
    wb.save(path)
    return Model.open(path)


def test_range_qualified_on_both_ends(book):
    # was read as a sheet named "Inputs and Outputs'!C181:'Inputs and Outputs" -> #REF!
    vals, _ = book.evaluate([CellRef("Summary", 1, 1)])
    assert vals[CellRef("Summary", 1, 1)].data[0] == sum(range(3, 28))


@pytest.mark.parametrize(("row", "expected"), [
    (2, 111.0),               # Jan+Feb+Mar, not Apr
    (3, 333.0),               # A1:B2 on the three sheets, written last-to-first
    (4, 37.0),
    (5, 4.0),                 # three cells of the 3-D reference and Apr!A1
    (6, 20.0),
    (7, 101.0),               # a union in parentheses
])
def test_three_d_references(book, row, expected):
    c = CellRef("Summary", row, 1)
    vals, _ = book.evaluate([c])
    assert vals[c].data[0] == expected


def test_three_d_reference_where_one_range_is_expected_is_value_error(book):
    node = ir.parse_formula("=Jan:Mar!A1+1", "Summary", book.resolver)
    assert value(book, "=Jan:Mar!A1+1", "Summary") == "#VALUE!"
    assert isinstance(node, ir.Binary)


# ------------------------------------------------------------------ cells and ranges
@pytest.fixture
def grid() -> Model:
    cells: dict[str, object] = {}
    for r in range(1, 6):
        for c, col in enumerate("ABCDE", start=1):
            cells[f"Sheet1!{col}{r}"] = r * 10 + c
    cells["Sheet2!A1"] = 7
    m = Model.from_cells(cells, sheets=("Sheet1", "Sheet2"))
    m.workbook.sheets["Sheet2"].names["MYNAME"] = "Sheet2!$A$1"
    m.workbook.names["MYNAME"] = "Sheet1!$A$1"
    return m


@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUM($A1:B$2)", 11 + 12 + 21 + 22),
    ("=SUM(A$1:$A2)", 11 + 21),
    ("=SUM(3:5)", sum(r * 10 + c for r in (3, 4, 5) for c in range(1, 6))),
    ("=SUM($3:$3)", sum(30 + c for c in range(1, 6))),
    ("=SUM(C:E)", sum(r * 10 + c for r in range(1, 6) for c in (3, 4, 5))),
    ("=SUM($A:$A)", 11 + 21 + 31 + 41 + 51),
    ("=SUM(Sheet1!B:B)", 12 + 22 + 32 + 42 + 52),
    ("=Sheet2!MyName", 7.0),       # the sheet-scoped name of Sheet2
    ("=MyName", 11.0),             # the workbook's
    ("=ROWS(A:A)", 1_048_576),
    ("=COLUMNS(1:1)", 16_384),
    ("=ROWS(A1:XFD1048576)*COLUMNS(A1:XFD1048576)", 1_048_576 * 16_384),
    ("=COLUMNS(C:E)", 3),
    ("=ROW(A7)", 7),
    ("=COLUMN(Sheet2!AA1)", 27),
    ("=ROWS(OFFSET(A1,0,0,1048576,1))", 1_048_576),
    ("=INDEX(A:A,1000000)", None),  # an empty cell past the used rows, not #REF!
    ("=INDEX(A:A,3)", 31),
    ("=INDEX(A:E,2,3)", 23),
    ("=SUM(A2:INDEX(A:A,4))", 21 + 31 + 41),
    ("=COUNTBLANK(A:A)", 1_048_576 - 5),
    ("=SUM(Sheet1!A1:Sheet1!B2)", 11 + 12 + 21 + 22),
])
def test_reference_forms(grid, formula, expected):
    assert value(grid, formula, "Sheet1") == expected


def test_bad_references_say_why(grid):
    node = ir.parse_formula("=SUM(Sheet1!A1:Sheet2!B2)", "Sheet1", grid.resolver)
    assert isinstance(node.args[0], ir.BadRef) and "two sheets" in node.args[0].reason
    node = ir.parse_formula("=Nope!A1", "Sheet1", grid.resolver)
    assert isinstance(node, ir.BadRef) and "Nope" in node.reason
    assert ir.parse_formula("=Sheet1!#REF!+1", "Sheet1", grid.resolver).left == ir.Err(ERROR_CODES["#REF!"])


# ------------------------------------------------------------------ structured references
@pytest.fixture
def table() -> Model:
    """Table1 on Sheet1!B2:G6: header row 2, data rows 3-5, totals row 6."""
    cols = ("Item", "Amount", "Col with space", "#Qty", "Twice", "Calc")
    cells: dict[str, object] = {f"Sheet1!{c}2": n for c, n in zip("BCDEFG", cols, strict=True)}
    for i, r in enumerate((3, 4, 5)):
        cells[f"Sheet1!B{r}"] = f"item{i}"
        cells[f"Sheet1!C{r}"] = 10.0 * (i + 1)
        cells[f"Sheet1!D{r}"] = i + 1.0
        cells[f"Sheet1!E{r}"] = 100.0 + i
    cells["Sheet1!B6"] = "Total"
    cells["Sheet1!C6"] = "=SUBTOTAL(109,[Amount])"
    cells["Sheet1!F4"] = "=Table1[@Amount]*2"
    m = Model.from_cells(cells)
    m.workbook.tables["TABLE1"] = Table("Table1", "Sheet1", 2, 2, 6, 7, cols, 1, 1)
    return m


@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUM(Table1[Amount])", 60.0),
    ("=SUM(table1[amount])", 60.0),
    ("=SUM(Table1[[Amount]:[Col with space]])", 66.0),
    ("=Table1[[#Totals],[Amount]]", 60.0),
    ("=COUNTA(Table1[#Headers])", 6.0),
    ("=ROWS(Table1[#All])*COLUMNS(Table1[#All])", 30.0),
    ("=ROWS(Table1)", 3.0),
    ("=ROWS(Table1[[#Headers],[#Data],[Amount]])", 4.0),
    ("=SUM(Table1['#Qty])", 303.0),
])
def test_structured_references(table, formula, expected):
    assert value(table, formula) == expected


@pytest.mark.parametrize(("formula", "expected"), [
    ("=Table1[@Amount]", 20.0),
    ("=[@Amount]+[@[Col with space]]", 22.0),
    ("=Table1[@[Col with space]]", 2.0),
    ("=SUM(Table1[[#This Row],[Amount]:[Col with space]])", 22.0),
    ("=Table1[[#This Row],[Item]]", "item1"),
])
def test_this_row(table, formula, expected):
    """Formulas in row 4 (the table's second data row), as a calculated column has them."""
    cell = CellRef("Sheet1", 4, 7)
    table.workbook.sheets["Sheet1"].cells[(4, 7)] = Cell(formula=formula)
    vals, _ = table.evaluate([cell])
    v = vals[cell]
    assert (v.data[0] if v.kind != Kind.NUM else float(v.data[0])) == expected


def test_structured_reference_errors(table):
    node = ir.parse_formula("=SUM(Table1[Nope])", "Sheet1", table.resolver)
    assert isinstance(node.args[0], ir.BadRef) and "Nope" in node.args[0].reason
    assert value(table, "=Table1[@Amount]") == "#VALUE!"  # no row: the formula is not in the table
    vals, _ = table.evaluate([CellRef("Sheet1", 6, 3), CellRef("Sheet1", 4, 6)])
    assert vals[CellRef("Sheet1", 6, 3)].data[0] == 60.0
    assert vals[CellRef("Sheet1", 4, 6)].data[0] == 40.0


# ------------------------------------------------------------------ linked workbooks
@pytest.fixture
def linked() -> Model:
    """A workbook linking Book.xlsx as [1], whose sheets Data and 'My Sheet' are cached."""
    sheets = {"Main": Sheet("Main"), "[1]Data": Sheet("[1]Data", external="Book.xlsx"),
              "[1]My Sheet": Sheet("[1]My Sheet", external="Book.xlsx")}
    for sheet, (r, c), v in (("[1]Data", (1, 1), 4.0), ("[1]Data", (2, 1), 6.0),
                             ("[1]My Sheet", (2, 2), 9.0), ("Main", (1, 1), 1.0)):
        sheets[sheet].cells[(r, c)] = Cell(value=v)
        sheets[sheet].max_row = max(sheets[sheet].max_row, r)
        sheets[sheet].max_col = max(sheets[sheet].max_col, c)
    link = ExternalLink(1, "file:///C:/models/Book.xlsx", ("Data", "My Sheet"),
                        {"RATE": "[1]Data!$A$2", "TWICE": "=2*[1]Data!$A$1"})
    wb = Workbook(Path("<memory>"), sheets, {}, externals={1: link})
    return Model(wb)


@pytest.mark.parametrize(("formula", "expected"), [
    ("=[1]Data!A1*2", 8.0),
    ("=SUM([1]Data!A1:A2)", 10.0),
    ("='[1]My Sheet'!B2", 9.0),
    ("='[Book.xlsx]Data'!A2", 6.0),
    ("=[Book.xlsx]Data!A2", 6.0),
    ("='C:\\models\\[Book.xlsx]My Sheet'!B2", 9.0),
    ("=[1]!Rate+1", 7.0),
    ("=[1]!Twice", 8.0),
    ("=SUM([1]Data!A:A)", 10.0),
])
def test_external_references_read_the_cached_values(linked, formula, expected):
    assert value(linked, formula, "Main") == expected


@pytest.mark.parametrize(("formula", "names"), [
    ("=[2]Data!A1", "[2]"),
    ("=[1]Gone!A1", "Book.xlsx"),
    ("='[Other.xlsx]Data'!A1", "Other.xlsx"),
    ("=[1]!Nope", "Book.xlsx"),
])
def test_uncached_external_references_name_the_file(linked, formula, names):
    node = ir.parse_formula(formula, "Main", linked.resolver)
    assert isinstance(node, ir.BadRef) and names in node.reason


def test_three_d_range_leaves_linked_sheets_out(linked):
    linked.workbook.sheets["Main2"] = Sheet("Main2", cells={(1, 1): Cell(value=5.0)}, max_row=1, max_col=1)
    linked.workbook._by_fold["main2"] = "Main2"
    assert value(linked, "=SUM(Main:Main2!A1)", "Main") == 6.0


# ------------------------------------------------------------------ whole columns cost what they hold
def test_whole_sheet_range_reads_only_the_used_cells():
    m = Model.from_cells({f"Data!A{i}": float(i) for i in range(1, 11)} | {"Out!A1": 0},
                         sheets=("Data", "Out"))
    node = ir.parse_formula("=SUM(Data!A1:XFD1048576)", "Out", m.resolver)
    assert node.args[0].shape == (10, 1) and node.args[0].declared_shape == (1_048_576, 16_384)
    for f, expected in (("=SUM(Data!A1:XFD1048576)", 55.0), ("=SUMPRODUCT(Data!A:XFD)", 55.0),
                        ('=COUNTIF(Data!1:1048576,">5")', 5.0), ("=MATCH(7,Data!A:A,0)", 7.0),
                        ('=SUM(INDIRECT("Data!A1:XFD1048576"))', 55.0),
                        ("=SUM(OFFSET(Data!A1,0,0,1048576,16384))", 55.0)):
        assert value(m, f, "Out") == expected, f


# ------------------------------------------------------------------ full-column lookups
@pytest.fixture
def lookups() -> Model:
    """W: a header and sorted keys 2..9 (rows 2-9); X: values; Y: descending keys; other
    columns reach row 40, so W:W holds trailing blank cells."""
    cells: dict[str, object] = {"Data!W1": "key", "Data!X1": "value", "Data!Y1": "desc",
                                "Data!Z40": 1.0, "Data!V1": "cat"}
    for r in range(2, 10):
        cells[f"Data!W{r}"] = float(r)
        cells[f"Data!X{r}"] = float(r * 10)
        cells[f"Data!Y{r}"] = float(20 - r)
        cells[f"Data!V{r}"] = "a" if r % 2 else "b"
    cells["Out!A1"] = 5.0
    cells["Out!A2"] = 5.5
    return Model.from_cells(cells, sheets=("Data", "Out"))


WHOLE = [
    "=XLOOKUP({k},Data!W:W,Data!X:X,\"nf\",{mm},{sm})",
    "=XMATCH({k},Data!W:W,{mm},{sm})-1",
]
EXPLICIT = [
    "=XLOOKUP({k},Data!W2:W9,Data!X2:X9,\"nf\",{mm},{sm})",
    "=XMATCH({k},Data!W2:W9,{mm},{sm})",
]


@pytest.mark.parametrize("mm", [0, -1, 1])
@pytest.mark.parametrize("sm", [1, -1, 2])
@pytest.mark.parametrize("key", ["A1", "A2"])
@pytest.mark.parametrize("which", [0, 1])
def test_full_column_lookup_equals_explicit_range(lookups, mm, sm, key, which):
    whole = value(lookups, WHOLE[which].format(k=key, mm=mm, sm=sm), "Out")
    explicit = value(lookups, EXPLICIT[which].format(k=key, mm=mm, sm=sm), "Out")
    assert whole == explicit


def test_xlookup_binary_search_over_a_whole_column(lookups):
    # issue 12.3: the trailing blank cells of W:W sent the binary search past the data
    assert value(lookups, "=XLOOKUP(A1,Data!W:W,Data!X:X,,,2)", "Out") == 50.0
    assert value(lookups, "=XLOOKUP(15,Data!Y:Y,Data!X:X,,0,-2)", "Out") == 50.0


@pytest.mark.parametrize(("whole", "explicit"), [
    ("=MATCH(A2,Data!W:W,1)-1", "=MATCH(A2,Data!W2:W9,1)"),
    ("=MATCH(A1,Data!W:W,0)-1", "=MATCH(A1,Data!W2:W9,0)"),
    ("=VLOOKUP(A2,Data!W:X,2,TRUE)", "=VLOOKUP(A2,Data!W2:X9,2,TRUE)"),
    ("=VLOOKUP(A1,Data!W:X,2,FALSE)", "=VLOOKUP(A1,Data!W2:X9,2,FALSE)"),
    ("=INDEX(Data!X:X,MATCH(A1,Data!W:W,0))", "=INDEX(Data!X2:X9,MATCH(A1,Data!W2:W9,0))"),
    ("=SUMPRODUCT(--(Data!W:W>A1),Data!X:X)", "=SUMPRODUCT(--(Data!W2:W9>A1),Data!X2:X9)"),
    ('=COUNTIFS(Data!V:V,"a",Data!W:W,">3")', '=COUNTIFS(Data!V2:V9,"a",Data!W2:W9,">3")'),
    ('=SUMIFS(Data!X:X,Data!V:V,"b",Data!W:W,"<=6")', '=SUMIFS(Data!X2:X9,Data!V2:V9,"b",Data!W2:W9,"<=6")'),
    ('=SUM(FILTER(Data!X:X,Data!V:V="a"))', '=SUM(FILTER(Data!X2:X9,Data!V2:V9="a"))'),
])
def test_full_column_functions_equal_explicit_range(lookups, whole, explicit):
    got, want = value(lookups, whole, "Out"), value(lookups, explicit, "Out")
    assert got == want and want is not None and not (isinstance(want, str) and want.startswith("#"))


def test_numbers_are_finite(lookups):
    assert np.isfinite(value(lookups, "=SUM(Data!W:W)", "Out"))


# ------------------------------------------------------------------ INDIRECT in R1C1 style
@pytest.mark.parametrize(("formula", "expected"), [
    ('=INDIRECT("Sheet1!R2C3",FALSE)', 23.0),
    ('=INDIRECT("Sheet1!R[-1]C[1]",FALSE)', 13.0),      # from B2, the formula's cell: C1
    ('=SUM(INDIRECT("Sheet1!R1C1:R2C2",FALSE))', 11 + 12 + 21 + 22.0),
    ('=SUM(INDIRECT("Sheet1!C2",FALSE))', 12 + 22 + 32 + 42 + 52.0),  # column 2 in R1C1
    ('=SUM(INDIRECT("Sheet1!R3",FALSE))', sum(30.0 + c for c in range(1, 6))),
    ('=INDIRECT("R[-1]C[-1]",FALSE)', 7.0),             # Sheet2!A1
    ('=INDIRECT("Sheet1!A1",FALSE)', "#REF!"),
    ('=INDIRECT("Sheet1!C2",TRUE)', 23.0),
])
def test_indirect_r1c1(grid, formula, expected):
    cell = CellRef("Sheet2", 2, 2)
    grid.workbook.sheets["Sheet2"].cells[(2, 2)] = Cell(formula=formula)
    vals, _ = grid.evaluate([cell])
    v = vals[cell]
    got = ERROR_NAMES[int(v.err[0])] if v.err is not None and v.err[0] else float(v.data[0])
    assert got == expected


# ------------------------------------------------------------------ ranges ending at a computed cell
@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUM(Sheet1!A2:INDEX(Sheet1!A:A,A1))", 21.0 + 31 + 41),   # A1 = 4 on Sheet2
    ("=SUM(INDEX(Sheet1!B:B,A1):Sheet1!B5)", 42.0 + 52),
    ("=SUM(Sheet1!A1:INDEX(Sheet1!A1:E5,A1,2))", 11 + 12 + 21 + 22 + 31 + 32 + 41 + 42.0),
    ("=SUM(Sheet1!A1:INDEX(Sheet1!A:A,A1+1000))", 155.0),        # past the used rows: empty cells
    ("=SUM(Sheet1!A1:INDEX(Sheet1!A:A,-A1))", "#VALUE!"),
])
def test_range_to_a_computed_cell(grid, formula, expected):
    grid.workbook.sheets["Sheet2"].cells[(1, 1)] = Cell(value=4.0)
    assert value(grid, formula, "Sheet2") == expected


def test_range_to_a_cell_drawn_per_trial(grid):
    got = grid.evaluate_formula("=SUM(Sheet1!A1:INDEX(Sheet1!A:A,Sheet2!B1))",
                                inputs={"Sheet2!B1": np.array([1.0, 2.0, 5.0])}, sheet="Sheet2")
    assert got.data.tolist() == [11.0, 32.0, 155.0]


# ------------------------------------------------------------------ results that are references
@pytest.fixture
def chooser(make_book):
    """A1 holds the text "3" (a reference's text is ignored by MAX, a value's is coerced)."""
    path = make_book({"Sheet1!A1": "3", "Sheet1!A2": 2, "Sheet1!A3": 4, "Sheet1!B1": 10,
                      "Sheet1!B2": 20, "Sheet1!B3": 30, "Sheet1!D1": 1, "Sheet1!D2": 2})
    return Model.open(path)


@pytest.mark.parametrize(("formula", "expected"), [
    # Excel: -3 (CHOOSE/IF/IFS/SWITCH/INDEX give the reference A1, MAX skips its text)
    ("=MAX(CHOOSE(1,A1),-3)", -3.0),
    ("=MAX(CHOOSE(D1,A1,B1),-3)", -3.0),
    ("=MAX(IF(D1=1,A1,B1),-3)", -3.0),
    ("=MAX(IFS(D1=1,A1),-3)", -3.0),
    ("=MAX(SWITCH(D1,1,A1,B1),-3)", -3.0),
    ("=MAX(INDEX(A1:A3,D1),-3)", -3.0),
    ("=MAX(\"3\",-3)", 3.0),                       # a value's text is coerced
    ("=SUM(IF(TRUE,A1:A3,B1:B3))", 6.0),
    ("=ROWS(IF(TRUE,A1:A3))", 3.0),
    ("=ROWS(IF(D1=1,A1:A3,B1:B2))", 3.0),
    ("=COUNTIF(CHOOSE(2,A1:A2,B1:B3),\">15\")", 2.0),
    ("=COUNTIF(CHOOSE(D2,A1:A2,B1:B3),\">15\")", 2.0),
    ("=SUM(A1:CHOOSE(2,A2,A3))", 6.0),
    ("=SUM(A2:CHOOSE(D2,A2,A3))", 6.0),
    ("=SUM(B1:IF(D1=1,B2,B3))", 30.0),
    ("=MAX(CHOOSE(3,A1,B1),-3)", "#VALUE!"),
])
def test_chosen_references_stay_references(chooser, formula, expected):
    assert value(chooser, formula) == expected


def test_reference_chosen_per_trial(chooser):
    v = chooser.evaluate_formula("=MAX(CHOOSE(D1,A1,B1),-3)", {"D1": [1, 2, 3]})
    assert v.data[:2].tolist() == [-3.0, 10.0] and v.err.tolist() == [0, 0, ERROR_CODES["#VALUE!"]]
    v = chooser.evaluate_formula("=SUM(A2:CHOOSE(D2,A2,A3))", {"D2": [1, 2]})
    assert v.data.tolist() == [2.0, 6.0]


def test_chosen_reference_cell_in_a_workbook(make_book):
    path = make_book({"Sheet1!A1": "3", "Sheet1!B1": 1, "Sheet1!C1": "=MAX(CHOOSE(B1,A1),-3)",
                      "Sheet1!C2": "=SUM(A1:CHOOSE(2,A2,A3))", "Sheet1!A2": 5, "Sheet1!A3": 7})
    values, cycles = Model.open(path).evaluate()
    assert values[CellRef("Sheet1", 1, 3)].scalar() == -3.0
    assert values[CellRef("Sheet1", 2, 3)].scalar() == 12.0
    assert not cycles


# ------------------------------------------------------------------ OFFSET's base
def test_offset_base_is_not_a_dependency(make_book):
    """B1 =OFFSET(A1,C1,0) reads A2, not A1 (A1 reads B1): no cycle in Excel."""
    path = make_book({"Sheet1!A1": "=B1+1", "Sheet1!A2": 5, "Sheet1!C1": 1,
                      "Sheet1!B1": "=OFFSET(A1,C1,0)", "Sheet1!B2": "=OFFSET(A1,1,0)*2",
                      "Sheet1!A3": "=B2+B1"})
    model = Model.open(path)
    values, cycles = model.evaluate()
    assert cycles == []
    assert values[CellRef("Sheet1", 1, 2)].scalar() == 5.0
    assert values[CellRef("Sheet1", 1, 1)].scalar() == 6.0
    assert values[CellRef("Sheet1", 3, 1)].scalar() == 15.0
    # a constant OFFSET is the cell it names
    assert model.deps(CellRef("Sheet1", 2, 2)) == []


def test_offset_to_an_input_varies_per_trial(make_book):
    path = make_book({"Sheet1!A1": 1, "Sheet1!A2": 2, "Sheet1!C1": 1,
                      "Sheet1!B1": "=OFFSET(A1,C1,0)*10"})
    model = Model.open(path)
    a2, b1 = CellRef("Sheet1", 2, 1), CellRef("Sheet1", 1, 2)
    out = model.compile([a2], [b1]).run({a2: np.array([3.0, 4.0])}, 2, rand=None)
    assert out[b1].data.tolist() == [30.0, 40.0]


def test_offset_into_a_sheet_where_nothing_varies_stays_constant(make_book):
    path = make_book({"Sheet1!A1": 1, "Sheet1!B1": "=A1*2+SUM(OFFSET(Rates!A1,C1,0,2,1))",
                      "Sheet1!C1": 1, "Rates!A1": 5, "Rates!A2": 7, "Rates!A3": 11,
                      "Sheet1!D1": "=SUM(OFFSET(Rates!A1,C1-1,0,3,1))"})
    model = Model.open(path)
    a1, b1, d1 = (CellRef("Sheet1", 1, c) for c in (1, 2, 4))
    program = model.compile([a1], [b1, d1])
    assert program.steps == [b1]                   # D1 reads only constants: computed once
    out = program.run({a1: np.array([1.0, 2.0])}, 2, rand=None)
    assert out[b1].data.tolist() == [20.0, 22.0] and out[d1].scalar() == 23.0


def test_an_input_read_through_offset_has_an_effect(make_book):
    from engine.reach import inputs_without_effect

    path = make_book({"Sheet1!A1": 1, "Sheet1!A2": 2, "Sheet1!A3": 3, "Sheet1!C1": 1,
                      "Sheet1!B1": "=OFFSET(A1,C1,0)*10", "Rates!A1": 4})
    model = Model.open(path)
    a2, a3, b1, rates = (model.ref(x) for x in ("Sheet1!A2", "Sheet1!A3", "Sheet1!B1", "Rates!A1"))
    assert inputs_without_effect(model, [a2, a3, rates], [b1]) == [rates]


@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUM(OFFSET(A1,1,1):OFFSET(A1,5,1))", 15.0),
    ("=SUM(OFFSET(A1,C1,1):OFFSET(A1,4,1))", 9.0),          # an OFFSET computed per run
    ("=SUM(INDIRECT(\"B2\"):INDIRECT(\"B6\"))", 15.0),
    ("=SUM(INDIRECT(\"B\"&C1+1):INDIRECT(\"B5\"))", 9.0),    # "B"&(C1+1): B3:B5
    ("=ROWS(OFFSET(A1,1,1):OFFSET(A1,5,1))", 5.0),
    ("=SUM(OFFSET(A1,1,1):B4)", 6.0),
    ("=SUM(INDEX(B1:B6,2):INDEX(B1:B6,4))", 6.0),
])
def test_range_between_two_calls(make_book, formula, expected):
    cells = {f"Sheet1!B{r}": float(r - 1) for r in range(2, 7)}   # B2:B6 = 1..5
    path = make_book({**cells, "Sheet1!C1": 2, "Sheet1!D1": formula})
    values, _ = Model.open(path).evaluate()
    assert values[CellRef("Sheet1", 1, 4)].scalar() == expected


def test_range_between_two_offsets_per_trial(make_book):
    cells = {f"Sheet1!B{r}": float(r - 1) for r in range(2, 7)}
    model = Model.open(make_book({**cells, "Sheet1!C1": 2}))
    v = model.evaluate_formula("=SUM(OFFSET(A1,C1,1):OFFSET(A1,5,1))",
                               {"C1": np.array([1.0, 3.0, 0.0])})
    assert v.data.tolist() == [15.0, 12.0, 15.0]
