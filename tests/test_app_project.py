"""mcdesk.app.project: a project saved beside the workbook or inside a copy of it."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from engine.errors import SpecError
from engine.spec import CorrelationSpec
from mcdesk.app.project import (
    HIDDEN_SHEET,
    apply_project,
    beside_path,
    find_project,
    project_bytes,
    project_dict,
    workbook_with_project,
)
from mcdesk.app.workspace import PrecisionSettings, RunSettings, SimtableSettings, Workspace

CASHFLOW = Path(__file__).parent / "data" / "workbooks" / "adithiya__Cashflow.xlsx"
EXAMPLE = Path(__file__).parent.parent / "mcdesk" / "examples" / "capital_project.xlsx"


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "cash.xlsx"
    shutil.copy(CASHFLOW, path)
    return path


def _open(path: Path) -> Workspace:
    ws = Workspace()
    ws.open(path)
    return ws


def _open_bytes(path: Path, data: bytes) -> Workspace:
    """``data`` saved as ``path``, then opened."""
    path.write_bytes(data)
    return _open(path)


def _configure(ws: Workspace) -> None:
    ws.set_input("Sheet1!A2", "triangular", {"min": 9000, "mode": 10000, "max": 12500})
    ws.set_input("B2", "discrete", {"values": [900, 1000, 1100], "probabilities": [0.2, 0.5, 0.3]})
    ws.add_output("Sheet1!G2")
    ws.add_output("Sheet1!E2")
    ws.settings = RunSettings(trials=2500, seed=42, sampling="lhs", backend="numba")


def _state(ws: Workspace):
    return (copy.deepcopy(ws.inputs), list(ws.outputs), copy.deepcopy(ws.settings))


def test_project_dict(book):
    ws = _open(book)
    _configure(ws)
    d = project_dict(ws)
    assert d == {"format": "mcdesk-project", "version": 1, "workbook": "cash.xlsx",
                 "inputs": [{"cell": "Sheet1!A2", "distribution": "triangular",
                             "params": {"min": 9000, "mode": 10000, "max": 12500}},
                            {"cell": "Sheet1!B2", "distribution": "discrete",
                             "params": {"values": [900, 1000, 1100],
                                        "probabilities": [0.2, 0.5, 0.3]}}],
                 "outputs": ["Sheet1!G2", "Sheet1!E2"], "correlations": [],
                 "trials": 2500, "seed": 42, "sampling": "lhs", "backend": "numba",
                 "precision": {"enabled": False, "outputs": [], "statistics": ["mean"],
                               "tolerance": 1.0, "relative": True},
                 "simtable": {"cell": "", "values": ""}, "names": {}}
    assert json.loads(project_bytes(ws)) == d


def test_names_precision_and_simtable_kept_in_the_project(book):
    ws = _open(book)
    _configure(ws)
    ws.rename("Sheet1!G2", "  Future   value ")
    ws.rename("sheet1!a2", "Principal")
    assert ws.label("Sheet1!G2") == "Future value"  # replaces the column header "FV Total"
    ws.settings.sampling = "mc"
    ws.settings.precision = PrecisionSettings(True, ["Sheet1!G2"], ["mean", "p90"], 0.5, False)
    ws.settings.simtable = SimtableSettings("Sheet1!D2", "1, 2, 3")
    other = _open(book)
    apply_project(other, project_bytes(ws))
    assert other.names == {"Sheet1!G2": "Future value", "Sheet1!A2": "Principal"}
    assert other.label("Sheet1!G2") == "Future value"
    assert other.settings.precision == ws.settings.precision
    assert other.settings.simtable == ws.settings.simtable
    targets = other.spec().precision.targets
    assert [t.text() for t in targets] == ["Sheet1!G2:mean:0.5", "Sheet1!G2:p90:0.5"]
    other.rename("Sheet1!G2", "")  # back to the workbook's label
    assert other.label("Sheet1!G2") == "FV Total"


def test_round_trip(book):
    ws = _open(book)
    _configure(ws)
    other = _open(book)
    apply_project(other, project_bytes(ws))
    assert other.inputs == ws.inputs
    assert other.outputs == ws.outputs
    assert other.settings == ws.settings
    apply_project(other, project_dict(ws))  # data as well as text
    assert _state(other) == _state(ws)


def test_round_trip_with_references_on_the_example(tmp_path):
    path = tmp_path / "example.xlsx"
    shutil.copy(EXAMPLE, path)
    ws = _open(path)
    ws.set_input("Inputs!F6", "pert", {"min": "Inputs!C6", "mode": "Inputs!D6", "max": "Inputs!E6"})
    ws.add_output("Summary!B2")
    other = _open(path)
    apply_project(other, project_bytes(ws).decode())
    assert other.inputs["Inputs!F6"].params == {"min": "Inputs!C6", "mode": "Inputs!D6",
                                                "max": "Inputs!E6"}
    assert other.distribution(other.inputs["Inputs!F6"]).params() == ws.distribution(
        ws.inputs["Inputs!F6"]).params()


def _bad_input_project(ws: Workspace, bad: dict) -> dict:
    d = project_dict(ws)
    d["inputs"] = [d["inputs"][0], bad]
    d["outputs"] = ["Sheet1!F2"]
    d["trials"] = 99
    return d


@pytest.mark.parametrize("bad, names", [
    ({"cell": "Sheet1!A2", "distribution": "uniform", "params": {"min": 5, "max": 1}}, "Sheet1!A2"),
    ({"cell": "Sheet1!Z99", "distribution": "normal", "params": {"mean": 1, "sd": 1}}, "Sheet1!Z99"),
    ({"cell": "Sheet1!B2", "distribution": "nosuch", "params": {}}, "nosuch"),
    ({"cell": 3, "distribution": "normal"}, "inputs[1]"),
    ("Sheet1!A2", "inputs[1]"),
    ({"cell": "Sheet1!B2", "distribution": "normal", "params": {"mean": 1}, "extra": 1}, "inputs[1]"),
])
def test_apply_is_all_or_nothing_bad_input(book, bad, names):
    ws = _open(book)
    _configure(ws)
    before = _state(ws)
    with pytest.raises(SpecError) as err:
        apply_project(ws, _bad_input_project(ws, bad))
    assert names in str(err.value)
    assert _state(ws) == before


@pytest.mark.parametrize("change, names", [
    ({"outputs": ["Sheet1!G2", "Sheet1!Z50"]}, "outputs[1]"),
    ({"outputs": ["Sheet1!G2", 7]}, "outputs[1]"),
    ({"outputs": ["Nosheet!A1"]}, "Nosheet"),
    ({"trials": 0}, "Trials"),
    ({"seed": -1}, "Seed"),
    ({"sampling": "sobol"}, "Sampling"),
    ({"backend": "tpu"}, "Backend"),
])
def test_apply_is_all_or_nothing_bad_rest(book, change, names):
    ws = _open(book)
    _configure(ws)
    before = _state(ws)
    d = project_dict(ws)
    d["inputs"] = d["inputs"][:1]
    d.update(change)
    with pytest.raises(SpecError) as err:
        apply_project(ws, d)
    assert names in str(err.value)
    assert _state(ws) == before


@pytest.mark.parametrize("data, says", [
    (b"{not json", "not valid JSON"),
    ("", "not valid JSON"),
    (b"\xff\xfe\x00", "not valid JSON"),
    (b"[1, 2]", "not an mcdesk project"),
    ({"inputs": []}, "not an mcdesk project"),
    ({"format": "mcdesk-spec"}, "not an mcdesk project"),
    (42, "not an mcdesk project"),
    ({"format": "mcdesk-project", "inputs": {"cell": "A1"}}, "must be lists"),
    ({"format": "mcdesk-project", "outputs": "Sheet1!G2"}, "must be lists"),
])
def test_not_a_project(book, data, says):
    ws = _open(book)
    _configure(ws)
    before = _state(ws)
    with pytest.raises(SpecError, match=says):
        apply_project(ws, data)
    assert _state(ws) == before


def test_minimal_project_keeps_settings(book):
    ws = _open(book)
    _configure(ws)
    apply_project(ws, {"format": "mcdesk-project"})
    assert ws.inputs == {} and ws.outputs == []
    assert ws.settings == RunSettings(trials=2500, seed=42, sampling="lhs", backend="numba")


def test_duplicate_outputs_kept_once(book):
    ws = _open(book)
    apply_project(ws, {"format": "mcdesk-project", "outputs": ["Sheet1!G2", "G2", "Sheet1!$G$2"]})
    assert ws.outputs == ["Sheet1!G2"]


def test_workbook_with_project_hidden_sheet(book, tmp_path):
    ws = _open(book)
    _configure(ws)
    original = openpyxl.load_workbook(book)
    data = workbook_with_project(ws)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [*original.sheetnames, HIDDEN_SHEET]
    assert wb[HIDDEN_SHEET].sheet_state == "hidden"
    for name in original.sheetnames:
        assert wb[name].sheet_state == "visible"
        want = {c.coordinate: c.value for row in original[name].iter_rows() for c in row
                if c.value is not None}
        got = {c.coordinate: c.value for row in wb[name].iter_rows() for c in row
               if c.value is not None}
        assert got == want  # constants and formula texts
    assert wb["Sheet1"]["G2"].value == "=E2+F2" and wb["Sheet1"]["A2"].value == 10000
    assert json.loads(wb[HIDDEN_SHEET]["A1"].value) == project_dict(ws)
    # the original file is untouched
    assert HIDDEN_SHEET not in openpyxl.load_workbook(book).sheetnames

    other = _open_bytes(tmp_path / "copy.xlsx", data)
    assert other.inputs == {}
    assert find_project(other) == f"the hidden sheet {HIDDEN_SHEET}"
    assert _state(other) == _state(ws)


def test_workbook_with_project_replaces_the_hidden_sheet(book, tmp_path):
    ws = _open(book)
    _configure(ws)
    again = _open_bytes(tmp_path / "first.xlsx", workbook_with_project(ws))
    find_project(again)
    again.remove_output("Sheet1!E2")
    again.settings = RunSettings(trials=77)
    data = workbook_with_project(again)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames.count(HIDDEN_SHEET) == 1
    last = _open_bytes(tmp_path / "second.xlsx", data)
    find_project(last)
    assert last.outputs == ["Sheet1!G2"] and last.settings.trials == 77


def test_large_project_is_split_over_cells(book, tmp_path):
    ws = _open(book)
    _configure(ws)
    values = [float(v) for v in range(1, 4001)]
    ws.set_input("Sheet1!A2", "discrete", {"values": values, "probabilities": [1 / 4000] * 4000})
    data = workbook_with_project(ws)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb[HIDDEN_SHEET].max_row >= 2  # more than one 30,000-character cell
    other = _open_bytes(tmp_path / "big.xlsx", data)
    find_project(other)
    assert other.inputs["Sheet1!A2"].params["values"] == values


def test_workbook_with_project_needs_a_workbook():
    with pytest.raises(SpecError, match="Open a workbook"):
        workbook_with_project(Workspace())


def test_beside_path():
    assert beside_path(Path("/x/model.xlsx")) == Path("/x/model.mcdesk.json")
    assert beside_path(Path("a.b.xlsm")).name == "a.b.mcdesk.json"


def test_project_beside_the_workbook(book):
    ws = _open(book)
    _configure(ws)
    assert find_project(_open(book)) is None  # nothing saved yet
    beside_path(book).write_bytes(project_bytes(ws))
    assert beside_path(book).name == "cash.mcdesk.json"
    other = _open(book)
    assert find_project(other) == "cash.mcdesk.json"
    assert _state(other) == _state(ws)


def test_hidden_sheet_wins_over_the_file_beside(book, tmp_path):
    ws = _open(book)
    _configure(ws)
    path = tmp_path / "both.xlsx"
    path.write_bytes(workbook_with_project(ws))
    ws.settings = RunSettings(trials=5)
    beside_path(path).write_bytes(project_bytes(ws))
    other = _open(path)
    assert find_project(other) == f"the hidden sheet {HIDDEN_SHEET}"
    assert other.settings.trials == 2500


def test_broken_project_beside_raises_and_changes_nothing(book):
    beside_path(book).write_text('{"format": "mcdesk-project", "trials": 0}')
    ws = _open(book)
    ws.add_output("Sheet1!G2")
    with pytest.raises(SpecError, match="Trials"):
        find_project(ws)
    assert ws.outputs == ["Sheet1!G2"] and ws.settings == RunSettings()


def test_chunk_starting_with_equals_stays_text(book, tmp_path):
    ws = _open(book)
    _configure(ws)
    ws.book_name = "=" * 40_000 + ".xlsx"  # the second 30,000-character chunk starts with '='
    data = workbook_with_project(ws)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb[HIDDEN_SHEET]["A2"].value.startswith("=")
    assert wb[HIDDEN_SHEET]["A2"].data_type == "s"
    other = _open_bytes(tmp_path / "eq.xlsx", data)
    assert find_project(other) == f"the hidden sheet {HIDDEN_SHEET}"
    assert _state(other) == _state(ws)


def _with_properties(ws: Workspace) -> None:
    """Inputs with every property, and a rank correlation between them."""
    _configure(ws)
    ws.inputs["Sheet1!A2"] = replace(ws.inputs["Sheet1!A2"], truncate={"min": 9500},
                                     shift=250.0, name="Sales", static=10000.0, stream=7)
    ws.inputs["Sheet1!B2"] = replace(ws.inputs["Sheet1!B2"], name="Units")
    ws.correlations = [CorrelationSpec(["Sheet1!A2", "Sheet1!B2"], [[1.0, -0.4], [-0.4, 1.0]])]


def test_properties_and_correlations_round_trip(book):
    ws = _open(book)
    _with_properties(ws)
    saved = project_dict(ws)
    assert saved["inputs"][0] == {"cell": "Sheet1!A2", "distribution": "triangular",
                                  "params": {"min": 9000, "mode": 10000, "max": 12500},
                                  "truncate": {"min": 9500}, "shift": 250.0, "name": "Sales",
                                  "static": 10000.0, "stream": 7}
    assert saved["correlations"] == [{"inputs": ["Sheet1!A2", "Sheet1!B2"],
                                      "matrix": [[1.0, -0.4], [-0.4, 1.0]]}]
    other = _open(book)
    apply_project(other, project_bytes(ws))
    a2 = other.inputs["Sheet1!A2"]
    assert (a2.truncate, a2.shift, a2.name, a2.static, a2.stream) == (
        {"min": 9500}, 250.0, "Sales", 10000.0, 7)
    assert other.inputs["Sheet1!B2"].name == "Units"
    assert [(c.inputs, c.matrix) for c in other.correlations] == [
        (["Sheet1!A2", "Sheet1!B2"], [[1.0, -0.4], [-0.4, 1.0]])]
    assert other.distribution(a2).ppf(np.array([0.0]))[0] == pytest.approx(9500 + 250)
    assert project_dict(other) == saved


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d["correlations"][0].update(inputs=["Sheet1!A2", "Sheet1!C2"]),
     "correlations[0]: Sheet1!C2 is not an input"),
    (lambda d: d["correlations"][0].update(matrix=[[1, 2], [2, 1]]), "correlations[0]"),
    (lambda d: d["inputs"][0].update(truncate={"min": 20000}), "Sheet1!A2"),
    (lambda d: d.update(correlations={}), "correlations must be a list"),
])
def test_bad_properties_or_correlations_change_nothing(book, change, says):
    ws = _open(book)
    _with_properties(ws)
    data = project_dict(ws)
    change(data)
    other = _open(book)
    with pytest.raises(SpecError, match=re.escape(says)):
        apply_project(other, data)
    assert other.inputs == {} and other.correlations == []


def test_risk_workbook_properties_kept_in_its_hidden_sheet(tmp_path):
    """An @RISK workbook: the user's edits of its inputs' properties and matrix come back
    when the copy saved with its project is reopened (not the workbook's own definitions)."""
    from tests.addin_books import matrix_cells, write_book

    path = write_book(tmp_path / "risk.xlsx", {
        "B1": '=RiskTriang(10,20,30,RiskName("Steel"),RiskCorrmat(Corr!A1:B2,1))',
        "B2": "=RiskNormal(100,10,RiskCorrmat(Corr!A1:B2,2))",
        "C1": '=RiskOutput("Total")+B1+B2'},
        sheets={"Corr": matrix_cells([[1.0, 0.6], [0.6, 1.0]])})
    ws = _open(path)
    ws.inputs["Model!B1"] = replace(ws.inputs["Model!B1"], truncate={"min": 13, "max": 27},
                                    shift=5.0, stream=42)
    ws.correlations = [CorrelationSpec(["Model!B1", "Model!B2"], [[1.0, 0.9], [0.9, 1.0]])]
    other = _open_bytes(tmp_path / "copy.xlsx", workbook_with_project(ws))
    assert other.inputs["Model!B1"].shift == 0.0   # the workbook's own definition first
    find_project(other)
    b1 = other.inputs["Model!B1"]
    assert (b1.name, b1.truncate, b1.shift, b1.stream) == ("Steel", {"min": 13, "max": 27},
                                                           5.0, 42)
    assert [c.matrix for c in other.correlations] == [[[1.0, 0.9], [0.9, 1.0]]]
