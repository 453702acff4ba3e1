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
