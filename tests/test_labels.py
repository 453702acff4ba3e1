"""engine.labels: a cell's name from the label beside it, its column header or a defined name."""

from __future__ import annotations

import pytest

from engine.labels import MAX_LABEL, cell_label
from engine.model import Model
from mcdesk.cli import example_paths


@pytest.fixture
def book(make_book):
    cells = {
        # a row: label, unit, min / likely / max, the value used (the unit is not the name)
        "Inputs!A1": "Item", "Inputs!B1": "Unit", "Inputs!F1": "Value used",
        "Inputs!A2": "Grid connection", "Inputs!B2": "kEUR", "Inputs!C2": 280, "Inputs!D2": 350,
        "Inputs!E2": 550, "Inputs!F2": 350,
        # a table with headers and no row labels
        "Inputs!H1": "PV", "Inputs!I1": "Rate", "Inputs!H2": 1000, "Inputs!I2": 0.05,
        "Inputs!H3": 1200, "Inputs!I3": 0.06,
        "Inputs!K5": 7.0,                      # alone: named by its defined name only
        "Inputs!M5": 8.0,                      # alone and unnamed
        "Inputs!A9": "  Net present value:  ", "Inputs!B9": "=F2*2",
        "Inputs!A10": "x" * 100, "Inputs!B10": 1.0,
        # fixed assumptions: label and unit, empty min/likely/max columns, a generic header
        "Inputs!A12": "Assumption", "Inputs!B12": "Unit", "Inputs!F12": "Value",
        "Inputs!A13": "Plant capacity", "Inputs!B13": "kWp", "Inputs!F13": 5000,
        "Inputs!A14": "Discount rate", "Inputs!B14": "% per year", "Inputs!F14": 0.07,
        # a specific header over a column beside labels: the header stays the name
        "Inputs!A16": "Scenario", "Inputs!E16": "Years", "Inputs!A17": "Base", "Inputs!E17": 3,
        # no header: the label across a spacer column, before a row of years
        "Inputs!A19": "Gross profit", "Inputs!C19": 10, "Inputs!D19": "=C19*2",
        # too far (more than MAX_GAP empty cells): a title, not the row's label
        "Inputs!A21": "Notes", "Inputs!H21": 4.0,
    }
    return make_book(cells, names={"Growth": "Inputs!$K$5"})


@pytest.mark.parametrize(("cell", "name"), [
    ("Inputs!F2", "Grid connection"),      # the row's first text, not its unit
    ("Inputs!C2", "Grid connection"),
    ("Inputs!I3", "Rate"),                 # no row label: the column header
    ("Inputs!H2", "PV"),
    ("Inputs!K5", "GROWTH"),               # a defined name (the loader keeps names upper-case)
    ("Inputs!M5", None),
    ("Inputs!B9", "Net present value"),    # spaces and the colon trimmed
    ("Inputs!F13", "Plant capacity"),      # across the empty columns: "Value" names nothing
    ("Inputs!F14", "Discount rate"),
    ("Inputs!E17", "Years"),
    ("Inputs!D19", "Gross profit"),        # beyond the year before it and the spacer
    ("Inputs!H21", None),
])
def test_cell_label(book, cell, name):
    model = Model.open(book)
    assert cell_label(model.workbook, model.ref(cell)) == name


def test_long_labels_are_cut(book):
    model = Model.open(book)
    got = cell_label(model.workbook, model.ref("Inputs!B10"))
    assert len(got) == MAX_LABEL and got.endswith("…")


def test_the_example_is_named_from_its_row_labels():
    model = Model.open(example_paths()[0])
    assert cell_label(model.workbook, model.ref("Inputs!F5")) == "Engineering & project management"
    assert cell_label(model.workbook, model.ref("Summary!B4")) == "Net present value (NPV)"
    # the simtable's control cell: its row label, not the column header "Value"
    assert cell_label(model.workbook, model.ref("Inputs!F25")) == "Discount rate (nominal, after tax)"
    # a table beside the cost table keeps its own headers
    assert cell_label(model.workbook, model.ref("Inputs!I5")) == "Year"
