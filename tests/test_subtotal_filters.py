"""SUBTOTAL: only function numbers 1-11 and 101-111, and rows a filter hides are left out
with every function number (Excel's documentation: "SUBTOTAL ignores any rows that are not
included in the result of a filter, no matter which function_num value you use"); rows hidden
by hand only with 101-111 (issue 12)."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.worksheet.filters import AutoFilter, FilterColumn, Filters
from openpyxl.worksheet.table import Table as XlTable

from engine.model import Model
from tests.formula_checks import shown


def value(model: Model, formula: str, sheet: str):
    return shown(model, formula, sheet)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Model:
    wb = openpyxl.Workbook()
    # Filtered: a sheet AutoFilter on A1:A6 that keeps "x" rows; rows 3 and 5 filtered out
    ws = wb.active
    ws.title = "Filtered"
    ws.append(["Tag", "Amount"])
    for tag, amount in [("x", 1), ("y", 2), ("x", 4), ("y", 8), ("x", 16)]:
        ws.append([tag, amount])
    ws.auto_filter.ref = "A1:B6"
    ws.auto_filter.filterColumn.append(FilterColumn(colId=0, filters=Filters(filter=["x"])))
    for r in (3, 5):
        ws.row_dimensions[r].hidden = True
    ws["D1"] = 100  # outside the filter's columns, row 1 (the header row)
    # Hand: rows hidden by hand, no filter
    hand = wb.create_sheet("Hand")
    for r, amount in enumerate([1, 2, 4, 8, 16], start=1):
        hand.cell(r, 1, amount)
    hand.row_dimensions[2].hidden = True
    # Tables: a table whose own AutoFilter filters (row 4 out), one that has the
    # dropdowns only (row 10 hidden by hand: counted by 1-11)
    t = wb.create_sheet("Tables")
    t.append(["Name", "Sales"])
    for name, sales in [("a", 10), ("b", 20), ("c", 40)]:
        t.append([name, sales])
    t.row_dimensions[3].hidden = True
    filtered = XlTable(displayName="Filtered", ref="A1:B4", autoFilter=AutoFilter(
        ref="A1:B4", filterColumn=[FilterColumn(colId=1, filters=Filters(filter=["10", "40"]))]))
    t.add_table(filtered)
    for r, (name, sales) in enumerate([("Name", "Sales"), ("d", 1), ("e", 2), ("f", 4)],
                                      start=8):
        t.cell(r, 1, name)
        t.cell(r, 2, sales)
    t.row_dimensions[10].hidden = True
    t.add_table(XlTable(displayName="Plain", ref="A8:B11"))
    path = tmp_path_factory.mktemp("subtotal") / "filters.xlsx"
    wb.save(path)
    return Model.open(path)


@pytest.mark.parametrize("code", [0, 12, 100, 112, 205, 209])
def test_function_numbers_outside_1_11_and_101_111_are_value_errors(model, code):
    assert value(model, f"=SUBTOTAL({code},B2:B6)", "Filtered") == "#VALUE!"


@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUBTOTAL(9,B2:B6)", 21.0),      # 1 + 4 + 16: rows 3 and 5 are filtered out
    ("=SUBTOTAL(109,B2:B6)", 21.0),
    ("=SUBTOTAL(2,B2:B6)", 3.0),
    ("=SUBTOTAL(3,A1:A6)", 4.0),       # the header row counts
    ("=SUBTOTAL(4,B2:B6)", 16.0),
    ("=SUBTOTAL(5,B2:B6)", 1.0),
    ("=SUBTOTAL(1,B2:B6)", 7.0),
    ("=SUM(B2:B6)", 31.0),             # other functions read every row
])
def test_rows_a_sheet_filter_hides_are_left_out_by_every_function_number(model, formula,
                                                                          expected):
    assert value(model, formula, "Filtered") == expected


@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUBTOTAL(9,A1:A5)", 31.0),      # hidden by hand: counted by 1-11
    ("=SUBTOTAL(109,A1:A5)", 29.0),    # and left out by 101-111
])
def test_rows_hidden_by_hand_count_for_1_to_11_only(model, formula, expected):
    assert value(model, formula, "Hand") == expected


@pytest.mark.parametrize(("formula", "expected"), [
    ("=SUBTOTAL(9,Filtered[Sales])", 50.0),   # the table's filter leaves out row 3
    ("=SUBTOTAL(2,Filtered[Sales])", 2.0),
    ("=SUBTOTAL(9,Plain[Sales])", 7.0),       # dropdowns only: the hidden row counts
    ("=SUBTOTAL(109,Plain[Sales])", 5.0),
])
def test_rows_a_table_filter_hides_are_left_out(model, formula, expected):
    assert value(model, formula, "Tables") == expected


def test_reader_records_filtered_rows(model):
    sheets = model.workbook.sheets
    assert sheets["Filtered"].filtered_rows == frozenset({3, 5})
    assert sheets["Hand"].filtered_rows == frozenset()
    assert sheets["Tables"].filtered_rows == frozenset({3})
    assert sheets["Tables"].hidden_rows == frozenset({3, 10})


@pytest.mark.parametrize(("formula", "expected"), [
    ("=AGGREGATE(9,5,B2:B6)", 21.0),   # 5: leave out hidden rows (filtered ones are hidden)
    ("=AGGREGATE(9,4,B2:B6)", 31.0),   # 4: leave out nothing
])
def test_aggregate_leaves_out_filtered_rows_only_when_its_option_says(model, formula, expected):
    assert value(model, formula, "Filtered") == expected
