"""@RISK, Analytic Solver (Psi) and ModelRisk (Vose) formulas read as inputs, outputs and
correlations (engine.addins)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.addin_models import addin_book
from engine.addins import read_cell
from engine.backends.numpy import NumpyBackend
from engine.simulate import prepare, run_job
from engine.spec import SimulationSpec, parse_input_arg
from tests.addin_books import matrix_cells, open_book


def test_a_distribution_with_properties():
    got = read_cell("In!B2", '=RiskTriang(10,20,30,RiskTruncate(13,27),RiskName("Steel"))')
    assert got.input.to_dict() == {"cell": "In!B2", "distribution": "triangular",
                                   "params": {"min": 10.0, "mode": 20.0, "max": 30.0},
                                   "truncate": {"min": 13.0, "max": 27.0}, "name": "Steel"}
    assert not got.nested and not got.unknown


@pytest.mark.parametrize(("formula", "kind", "params", "props"), [
    ("=_xll.RiskNormal(B1, 2, RiskStatic(5), RiskSeed(7))", "normal",
     {"mean": "B1", "sd": 2.0}, {"static": 5.0, "stream": 7}),
    ("=RiskPert(1,2,4,RiskShift(10),RiskTruncate2(12,13))", "pert",
     {"min": 1.0, "mode": 2.0, "max": 4.0}, {"truncate": {"min": 2.0, "max": 3.0},
                                              "shift": 10.0}),
    ("=RiskLognorm(5,1.5,RiskTruncateP(0.05,))", "lognormal", {"mean": 5.0, "sd": 1.5},
     {"truncate": {"pmin": 0.05}}),
    ("=RiskDiscrete({1,2,3},{0.2,0.5,0.3})", "discrete",
     {"values": [1.0, 2.0, 3.0], "probabilities": [0.2, 0.5, 0.3]}, {}),
    ("=RiskDiscrete(C1:C3,D1:D3,RiskUnits(\"t\"))", "discrete",
     {"values": "C1:C3", "probabilities": "D1:D3"}, {}),
    ("=PsiTriangular(1, 2, 4, PsiTruncate(1.5, 3))", "triangular",
     {"min": 1.0, "mode": 2.0, "max": 4.0}, {"truncate": {"min": 1.5, "max": 3.0}}),
    ("=VoseNormal(100, 10, VoseXBounds(80,), VoseShift(-5))", "normal",
     {"mean": 100.0, "sd": 10.0}, {"truncate": {"min": 80.0}, "shift": -5.0}),
    ("=VoseModPERT(1, 2, 4, 8)", "pert", {"min": 1.0, "mode": 2.0, "max": 4.0, "shape": 8.0},
     {}),
    ("=RiskTrigen(2,3,6,10%,90%)", "trigen",
     {"bottom": 2.0, "mode": 3.0, "top": 6.0, "pbottom": 0.1, "ptop": 0.9}, {}),
    ("=RiskTrigen(2,3,6,10,90)", "trigen",   # @RISK writes the percentiles as 10 and 90
     {"bottom": 2.0, "mode": 3.0, "top": 6.0, "pbottom": 0.1, "ptop": 0.9}, {}),
    ("=RiskTriang10(2,3,6)", "trigen",
     {"bottom": 2.0, "mode": 3.0, "top": 6.0, "pbottom": 0.1, "ptop": 0.9}, {}),
    ("=RiskTNormal(10,2,8,13)", "normal", {"mean": 10.0, "sd": 2.0},
     {"truncate": {"min": 8.0, "max": 13.0}}),
    ("=RiskDUniform({1,2,4,8})", "discrete",
     {"values": [1.0, 2.0, 4.0, 8.0], "probabilities": [0.25] * 4}, {}),
])


def test_inputs(formula, kind, params, props):
    inp = read_cell("In!A1", formula).input
    assert inp.distribution == kind and inp.params == params
    assert inp.properties() == props


def test_properties_read_from_cells():
    values = {"B5": "Labour", "C1": 12.0, "C2": 18.0}
    got = read_cell("In!A1", "=RiskPert(10,15,20,RiskName(B5),RiskTruncate(C1,C2))",
                    lookup=lambda text, sheet: values.get(text))
    assert got.input.name == "Labour" and got.input.truncate == {"min": 12.0, "max": 18.0}


def test_make_input_is_worth_its_formula():
    text = '=RiskMakeInput(RiskNormal(1,2)*3,RiskName("x"))+1'
    got = read_cell("In!A1", text)
    for a, b, new in sorted(got.always + got.replace, reverse=True):
        text = text[:a] + new + text[b:]
    assert text == "=('_mcdesk In #1'!A1*3)+1" and not got.unknown


@pytest.mark.parametrize(("formula", "name"), [
    ('=RiskOutput("NPV")+NPV(0.1,B1:B5)', "NPV"),
    ("=_xll.RiskOutput()+A1*2", ""),
    ('=PsiOutput()+A1', ""),
    ('=A1+VoseOutput("Total")', "Total"),
    ('=RiskOutput(,"Revenue",3)+B1', "Revenue 3"),
])
def test_outputs(formula, name):
    got = read_cell("Out!B9", formula)
    assert got.is_output and got.output == name and got.input is None


def test_nested_and_unknown_functions_are_named():
    got = read_cell("A!A1", "=IFERROR(_xll.RiskTriang(1,2,4),2)*10")
    assert got.input is None and [i.to_dict() for i, _ in got.nested] == [
        {"cell": "'_mcdesk A #1'!A1", "distribution": "triangular",
         "params": {"min": 1.0, "mode": 2.0, "max": 4.0}, "name": "RiskTriang in A!A1"}]
    assert got.replace == [(9, 31, "'_mcdesk A #1'!A1")]
    assert read_cell("A!A1", "=RiskNormal(1,2)*B2").nested[0][0].distribution == "normal"
    got = read_cell("A!A1", "=RiskPearson5(3,4)+1")
    assert got.unknown == ["RISKPEARSON5"] and got.input is None
    assert read_cell("A!A1", "=SUM(B1:B3)").input is None
    got = read_cell("A!A1", "=RiskNormal(AVERAGE(B1:B3), 1)")
    assert got.input.params == {"mean": "'_mcdesk A #1'!A1", "sd": 1.0}
    assert [s.formula for s in got.slots] == ["=AVERAGE(A!B1:B3)"]


def _book(tmp_path, style: str):
    cells: dict[str, object] = {
        "E1": 100.0,
        "A6": "=A1+A2"}   # the output's sum without the add-in's RiskOutput term
    if style == "risk":
        cells.update({"A1": '=RiskTriang(10,20,30,RiskTruncate(13,27),RiskName("Steel"),'
                            'RiskCorrmat(Corr!A1:B2,1))',
                      "A2": "=_xll.RiskNormal(E1,10,RiskCorrmat(Corr!A1:B2,2))",
                      "A3": '=RiskOutput("Total")+A1+A2',
                      "A4": "=IFERROR(RiskTriang(1,2,4),2)",
                      "A5": "=RiskFoo(1)"})
    elif style == "psi":
        cells.update({"A1": "=PsiTriangular(10,20,30,PsiTruncate(13,27))",
                      "A2": "=PsiNormal(E1,10)", "A3": '=PsiOutput()+A1+A2'})
    else:
        cells.update({"A1": "=VoseTriangle(10,20,30,VoseXBounds(13,27))",
                      "A2": "=VoseNormal(E1,10)", "A3": '=VoseOutput("Total")+A1+A2'})
    return open_book(tmp_path / f"{style}.xlsx", cells,
                     sheets={"Corr": matrix_cells([[1.0, 0.7], [0.7, 1.0]])})


def test_an_at_risk_workbook(tmp_path):
    scan = addin_book(_book(tmp_path, "risk"))
    by_cell = {i.cell: i for i in scan.inputs}
    assert set(by_cell) == {"Model!A1", "Model!A2", "'_mcdesk Model #1'!A4"}
    assert by_cell["Model!A1"].name == "Steel"
    assert scan.outputs == {"Model!A3": "Total"}
    assert [c.inputs for c in scan.correlations] == [["Model!A1", "Model!A2"]]
    assert scan.correlations[0].matrix == [[1.0, 0.7], [0.7, 1.0]]
    assert scan.refusals() == ["RISKFOO in Model!A5: this add-in function is not supported"]


@pytest.mark.parametrize("style", ["psi", "vose"])
def test_the_same_inputs_as_declared_by_hand(tmp_path, style):
    model = _book(tmp_path, style)
    scan = addin_book(model)
    assert not scan.refusals() and list(scan.outputs) == ["Model!A3"]
    hand = [parse_input_arg("Model!A1=triangular(10,20,30; truncate=(13,27))"),
            parse_input_arg("Model!A2=normal(Model!E1,10)")]
    got = []
    for inputs in (scan.inputs, hand):
        spec = SimulationSpec(inputs=inputs, outputs=["Model!A6"], trials=4000, seed=5)
        samples, _ = run_job(prepare(model, spec), NumpyBackend(), stream=False)
        got.append(np.asarray(next(iter(samples.outputs.values()))))
    np.testing.assert_array_equal(got[0], got[1])
    assert got[0].mean() == pytest.approx(20 + 100, abs=1.0)


def test_a_correlation_matrix_by_name_or_range():
    assert read_cell("In!A1", "=RiskNormal(1,2,RiskCorrmat(NewMatrix1,2))").corrmat == \
        ("NewMatrix1", 2, 1)
    assert read_cell("In!A1", "=PsiNormal(1,2,PsiCorrMatrix(A1:B2,1,3))").corrmat == \
        ("In!A1:B2", 1, 3)
