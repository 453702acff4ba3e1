from __future__ import annotations

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
