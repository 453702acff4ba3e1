"""mcdesk.app.suggest: default distribution parameters for a cell, likely output cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.model import Model
from engine.spec import InputSpec
from engine.workbook import CellRef
from mcdesk.app.suggest import cell_number, suggest_outputs, suggest_params

EXAMPLE = Path(__file__).parent.parent / "mcdesk" / "examples" / "capital_project.xlsx"


@pytest.fixture(scope="module")
def example() -> Model:
    return Model.open(EXAMPLE)


def _ref(model: Model, text: str) -> CellRef:
    return model.ref(text)


# ------------------------------------------------------------------ value-based defaults
@pytest.mark.parametrize("v, lo, hi", [(100.0, 90.0, 120.0), (60, 54.0, 72.0),
                                       (-100.0, -120.0, -90.0), (0.5, 0.45, 0.6)])
def test_value_based_range_for_each_kind(v, lo, hi):
    m = Model.from_cells({"A1": v})
    ref = _ref(m, "A1")
    spread = abs(v) * 0.1
    want = {
        "triangular": {"min": lo, "mode": v, "max": hi},
        "pert": {"min": lo, "mode": v, "max": hi},
        "uniform": {"min": lo, "max": hi},
        "normal": {"mean": v, "sd": spread},
        "lognormal": {"mean": v if v > 0 else 1.0, "sd": spread},
        "discrete": {"values": [lo, v, hi], "probabilities": [0.25, 0.5, 0.25]},
    }
    for kind, params in want.items():
        s = suggest_params(m, ref, kind)
        assert set(s.params) == set(params), kind
        for k, x in params.items():
            assert s.params[k] == pytest.approx(x, rel=1e-12), (kind, k)
        assert "around the cell's value" in s.source
    # min < mode < max always holds, negative values included (sorted, not -10%/+20% blindly)
    tri = suggest_params(m, ref, "triangular").params
    assert tri["min"] < tri["mode"] < tri["max"]


def test_value_based_params_make_valid_inputs():
    for v in (250.0, -3.5, 0.0):
        m = Model.from_cells({"A1": v})
        for kind in ("triangular", "pert", "uniform", "normal", "lognormal", "discrete"):
            s = suggest_params(m, _ref(m, "A1"), kind)
            InputSpec("Sheet1!A1", kind, dict(s.params))  # raises SpecError when invalid


def test_zero_value_gets_unit_range():
    m = Model.from_cells({"A1": 0})
    ref = _ref(m, "A1")
    assert suggest_params(m, ref, "triangular").params == {"min": -1.0, "mode": 0.0, "max": 1.0}
    assert suggest_params(m, ref, "uniform").params == {"min": -1.0, "max": 1.0}
    assert suggest_params(m, ref, "normal").params == {"mean": 0.0, "sd": 1.0}
    assert suggest_params(m, ref, "lognormal").params == {"mean": 1.0, "sd": 1.0}
    assert suggest_params(m, ref, "discrete").params["values"] == [-1.0, 0.0, 1.0]


def test_non_number_cell_is_treated_as_zero():
    m = Model.from_cells({"A1": "text", "A2": True})
    for addr in ("A1", "A2", "A3"):  # text, boolean, empty
        assert suggest_params(m, _ref(m, addr), "uniform").params == {"min": -1.0, "max": 1.0}


def test_rounding_removes_float_noise():
    m = Model.from_cells({"A1": 0.3})
    p = suggest_params(m, _ref(m, "A1"), "triangular").params
    assert p == {"min": 0.27, "mode": 0.3, "max": 0.36}  # not 0.27000000000000002 / 0.36


# ------------------------------------------------------------------ neighbour columns
@pytest.mark.parametrize("kind", ["triangular", "pert"])
def test_example_min_mode_max_columns_as_references(example, kind):
    s = suggest_params(example, _ref(example, "Inputs!F6"), kind)
    assert s.params == {"min": "Inputs!C6", "mode": "Inputs!D6", "max": "Inputs!E6"}
    assert "C6" in s.source and "E6" in s.source


def test_example_uniform_uses_min_max_only(example):
    s = suggest_params(example, _ref(example, "Inputs!F10"), "uniform")
    assert s.params == {"min": "Inputs!C10", "max": "Inputs!E10"}


def test_example_normal_falls_back_to_value(example):
    s = suggest_params(example, _ref(example, "Inputs!F6"), "normal")
    assert s.params == {"mean": 60.0, "sd": 6.0}  # Inputs!F6 holds 60


def test_example_cell_off_the_table_uses_its_value(example):
    # Model!C4 has no Min/Max header above it: its cached value 1730 (= 800+480+450)
    s = suggest_params(example, _ref(example, "Model!C4"), "triangular")
    assert s.params == {"min": 1557.0, "mode": 1730.0, "max": 2076.0}


def test_headers_found_in_a_small_sheet_and_case_insensitive():
    m = Model.from_cells({"A1": "Item", "B1": "LOW", "C1": "Base case", "D1": "High:", "E1": "Value",
                          "A2": "x", "B2": 1, "C2": 2, "D2": 4, "E2": 2.5})
    s = suggest_params(m, _ref(m, "E2"), "pert")
    assert s.params == {"min": "Sheet1!B2", "mode": "Sheet1!C2", "max": "Sheet1!D2"}


def test_headers_without_mode_triangular_falls_back_uniform_does_not():
    m = Model.from_cells({"B1": "Min", "C1": "Max", "D1": "Value", "B2": 1, "C2": 4, "D2": 2})
    ref = _ref(m, "D2")
    assert suggest_params(m, ref, "uniform").params == {"min": "Sheet1!B2", "max": "Sheet1!C2"}
    assert suggest_params(m, ref, "triangular").params == {"min": 1.8, "mode": 2.0, "max": 2.4}


def test_header_columns_not_numbers_fall_back():
    m = Model.from_cells({"B1": "Min", "C1": "Max", "D1": "Value", "B2": "n/a", "C2": 4, "D2": 10})
    assert suggest_params(m, _ref(m, "D2"), "uniform").params == {"min": 9.0, "max": 12.0}


def test_sheet_without_headers_falls_back_to_value():
    m = Model.from_cells({"A1": "Price", "B1": "Qty", "A2": 50, "B2": 3})
    s = suggest_params(m, _ref(m, "A2"), "triangular")
    assert s.params == {"min": 45.0, "mode": 50.0, "max": 60.0}


def test_header_too_far_above_is_ignored():
    cells: dict[str, object] = {"B1": "Min", "C1": "Max", "B40": 1, "C40": 3, "D40": 2}
    m = Model.from_cells(cells)
    assert suggest_params(m, _ref(m, "D40"), "uniform").params == {"min": 1.8, "max": 2.4}


# ------------------------------------------------------------------ cell_number
def test_cell_number():
    m = Model.from_cells({"A1": 3, "A2": 2.5, "A3": "text", "A4": True, "A5": "=A1*2",
                          "A6": float("inf"), "A7": float("nan")})
    assert cell_number(m, _ref(m, "A1")) == 3.0 and isinstance(cell_number(m, _ref(m, "A1")), float)
    assert cell_number(m, _ref(m, "A2")) == 2.5
    for addr in ("A3", "A4", "A5", "A6", "A7", "B9"):  # text, bool, no cached value, inf, nan, empty
        assert cell_number(m, _ref(m, addr)) is None, addr


def test_cell_number_reads_cached_formula_value(example):
    assert cell_number(example, _ref(example, "Model!C4")) == 1730.0
    assert cell_number(example, _ref(example, "Inputs!F6")) == 60.0
    assert cell_number(example, _ref(example, "Inputs!A6")) is None


# ------------------------------------------------------------------ suggest_outputs
def test_suggest_outputs_bottom_lines_only():
    m = Model.from_cells({"A1": 2, "A2": 3, "B1": "=A1+A2", "C1": "=B1*2", "C2": "=A1*10",
                          "D1": "label", "Other!A1": "=Sheet1!C1+1"}, sheets=("Sheet1", "Other"))
    # C1 is used by Other!A1, B1 by C1: only C2 and Other!A1 are bottom lines; sheet order first
    assert suggest_outputs(m) == ["Sheet1!C2", "Other!A1"]


def test_suggest_outputs_limit_and_order():
    cells: dict[str, object] = {"A1": 1}
    for r in range(1, 21):
        cells[f"B{r}"] = f"=A1*{r}"
    m = Model.from_cells(cells)
    assert suggest_outputs(m, limit=5) == [f"Sheet1!B{r}" for r in range(1, 6)]
    assert len(suggest_outputs(m)) == 12


def test_suggest_outputs_skips_text_and_error_results():
    m = Model.from_cells({"A1": 2, "B1": "=A1*3", "B2": '="n="&A1', "B3": "=1/0", "B4": "=A1+1"})
    cells = m.workbook.sheets["Sheet1"].cells
    cells[(1, 2)].value = 6.0        # cached values, as Excel saves them
    cells[(2, 2)].value = "n=2"
    cells[(3, 2)].value = "#DIV/0!"
    assert suggest_outputs(m) == ["Sheet1!B1", "Sheet1!B4"]  # B4: no cached value, kept


def test_suggest_outputs_on_the_example(example):
    got = suggest_outputs(example)
    assert {"Summary!B2", "Summary!B4", "Summary!B8"} <= set(got)
    assert "Model!C4" not in got and "Model!C15" not in got  # used by other formulas
    for c in got:
        ref = example.ref(c)
        assert example.is_formula(ref)
        assert not any(ref in example.deps(o) for o in example.workbook.formula_cells())
