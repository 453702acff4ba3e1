"""Workbooks built for @RISK, Analytic Solver (Psi) and ModelRisk (Vose) run as they are
(engine.addin_models, the CLI): the same statistics as the model declared by hand, for the
same seed; unknown add-in functions refused naming the cell; check with the cached values."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

from engine.addin_models import addin_book
from engine.model import Model
from tests.addin_books import matrix_cells, open_book, write_book
from tests.xlsx_xml import write_xlsx

CORR = [[1.0, 0.6, -0.4], [0.6, 1.0, 0.2], [-0.4, 0.2, 1.0]]
# function names per add-in: distributions, properties, output, simtable, statistics
STYLES = {
    "risk": dict(tri='RiskTriang(10,20,30,RiskTruncate(13,27),RiskName("Steel"),{c1})',
                 normal="_xll.RiskNormal(E1,10,RiskShift(5),{c2})",
                 logn="RiskLognorm(5,1.5,{c3})", uniform="RiskUniform(1,2)",
                 corr="RiskCorrmat(Corr!A1:C3,{k})", out='RiskOutput("{n}")',
                 simtable="RiskSimtable({1,2})", mean="RiskMean", pct="RiskPercentile",
                 std="RiskStdDev"),
    "psi": dict(tri='PsiTriangular(10,20,30,PsiTruncate(13,27),PsiName("Steel"),{c1})',
                normal="PsiNormal(E1,10,PsiShift(5),{c2})", logn="PsiLognormal(5,1.5,{c3})",
                uniform="PsiUniform(1,2)", corr="PsiCorrMatrix(Corr!A1:C3,{k})",
                out='PsiOutput("{n}")', simtable="PsiSimParam({1,2})", mean="PsiMean",
                pct="PsiPercentile", std="PsiStdDev"),
    "vose": dict(tri="VoseTriangle(10,20,30,VoseXBounds(13,27),{c1})",
                 normal="VoseNormal(E1,10,VoseShift(5),{c2})", logn="VoseLognormal(5,1.5,{c3})",
                 uniform="VoseUniform(1,2)", corr="VoseCorrMatrix(Corr!A1:C3,{k})",
                 out='VoseOutput("{n}")', simtable=None, mean="VoseSimMean",
                 pct="VoseSimPercentile", std="VoseSimStdev"),
}


def _cli():
    return importlib.import_module("mcdesk.cli")


def _addin_book(path, style: str):
    f = STYLES[style]
    cm = {f"c{k}": f["corr"].format(k=k) for k in (1, 2, 3)}
    return write_book(path, {
        "E1": 100.0,
        "B1": "=" + f["tri"].format(**cm),
        "B2": "=" + f["normal"].format(**cm),
        "B3": "=" + f["logn"].format(**cm),
        "B4": f"=IFERROR({f['uniform']},2)*10",            # nested: computed around it
        "B5": f"=1000*{f['simtable']}" if f["simtable"] else 1000,
        "C1": "=" + f["out"].format(n="Total") + "+B1+B2+B3*B5/1000",
        "C2": "=" + f["out"].format(n="Other") + "+B4*B1",
        "D1": f"={f['mean']}(C1)",
        "D2": f"={f['pct']}(C1,0.9)",
        "D3": f"={f['std']}(C2)*2"}, sheets={"Corr": matrix_cells(CORR)})


def _hand_book(path, simtable_value: float = 1000.0):
    """The same model without an add-in: the nested draw in a cell of a sheet named as the
    engine names its slot (so its random stream is the same)."""
    return write_book(path, {
        "E1": 100.0, "B1": 0.0, "B2": 0.0, "B3": 0.0,
        "B4": "=IFERROR('_mcdesk Model #1'!B4,2)*10",
        "B5": simtable_value,
        "C1": "=B1+B2+B3*B5/1000",
        "C2": "=B4*B1"}, sheets={"_mcdesk Model #1": {"B4": 1.5}})


HAND_SPEC = {
    "inputs": [
        {"cell": "Model!B1", "distribution": "triangular", "params": [10, 20, 30],
         "truncate": {"min": 13, "max": 27}, "name": "Steel"},
        {"cell": "Model!B2", "distribution": "normal", "params": ["Model!E1", 10], "shift": 5},
        {"cell": "Model!B3", "distribution": "lognormal", "params": [5, 1.5]},
        {"cell": "'_mcdesk Model #1'!B4", "distribution": "uniform", "params": [1, 2]}],
    "correlations": [{"inputs": ["Model!B1", "Model!B2", "Model!B3"], "matrix": CORR}],
    "outputs": ["Model!C1", "Model!C2"], "trials": 3000, "seed": 11}

STATS = ("mean", "std", "min", "max", "percentiles", "errors")


def _run(capsys, *argv) -> tuple[int, str, str]:
    rc = _cli().main(["simulate", *map(str, argv), "--backend", "numpy"])
    got = capsys.readouterr()
    return rc, got.out, got.err


@pytest.mark.parametrize("style", ["risk", "psi", "vose"])
def test_the_statistics_of_the_model_declared_by_hand(tmp_path, capsys, style):
    book = _addin_book(tmp_path / f"{style}.xlsx", style)
    rc, out, err = _run(capsys, book, "--trials", 3000, "--seed", 11, "--json",
                        tmp_path / "a.json")
    assert rc == 0, err
    product = {"risk": "@RISK", "psi": "Analytic Solver", "vose": "ModelRisk"}[style]
    assert out.splitlines()[0].startswith(f"{product} inputs: 4, outputs: 2, correlation "
                                          "matrix 3x3")
    got = json.loads((tmp_path / "a.json").read_text())
    spec = tmp_path / "hand.json"
    spec.write_text(json.dumps(HAND_SPEC))
    hand_argv = [_hand_book(tmp_path / "hand.xlsx"), "--spec", spec, "--json",
                 tmp_path / "h.json"]
    if style != "vose":
        hand_argv += ["--simtable", "Model!B5=1000,2000"]
    rc, _, err = _run(capsys, *hand_argv)
    assert rc == 0, err
    hand = json.loads((tmp_path / "h.json").read_text())
    assert list(got["outputs"]) == ["Model!C1", "Model!C2"]
    for cell in ("Model!C1", "Model!C2"):
        assert {k: got["outputs"][cell][k] for k in STATS} == \
            {k: hand["outputs"][cell][k] for k in STATS}
    assert got["outputs"]["Model!C1"]["name"] == "Total"
    assert got["input_names"]["Model!B1"] == ("Steel" if style != "vose" else None)
    # the statistics cells, from the run
    stats = got["addins"]["statistics"]
    c1, c2 = hand["outputs"]["Model!C1"], hand["outputs"]["Model!C2"]
    assert stats["Model!D1"]["value"] == c1["mean"]
    assert stats["Model!D2"]["value"] == c1["percentiles"]["90"]
    assert stats["Model!D3"]["value"] == 2 * c2["std"]
    if style != "vose":   # the simtable: one simulation per value, common random numbers
        runs, hand_runs = got["simtable"]["runs"], hand["simtable"]["runs"]
        assert [r["values"] for r in runs] == [{"Model!B5": 1.0}, {"Model!B5": 2.0}]
        for r, h in zip(runs, hand_runs, strict=True):
            assert {k: r["outputs"]["Model!C1"][k] for k in STATS} == \
                {k: h["outputs"]["Model!C1"][k] for k in STATS}
        assert runs[1]["outputs"]["Model!C1"]["mean"] > runs[0]["outputs"]["Model!C1"]["mean"]


def test_results_book_holds_the_statistics(tmp_path, capsys):
    import openpyxl

    book = _addin_book(tmp_path / "risk.xlsx", "risk")
    rc, _, err = _run(capsys, book, "--trials", 2000, "--json", tmp_path / "a.json",
                      "--results-book", tmp_path / "out.xlsx")
    assert rc == 0, err
    stats = json.loads((tmp_path / "a.json").read_text())["addins"]["statistics"]
    copy = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Model"]
    assert copy["D1"].value == stats["Model!D1"]["value"]
    assert copy["D3"].value == stats["Model!D3"]["value"]
    assert openpyxl.load_workbook(tmp_path / "out.xlsx")["Model"]["D1"].value == "=RiskMean(C1)"


@pytest.mark.parametrize("formula", ["=RiskFoo(1)*B1", "=IFERROR(_xll.RiskFoo(1),2)+B1"])
def test_an_unknown_addin_function_is_refused_naming_the_cell(tmp_path, capsys, formula):
    write_book(tmp_path / "u.xlsx", {"B1": "=RiskNormal(10,1)", "B2": formula,
                                     "B3": '=RiskOutput("Out")+B2'})
    rc, out, err = _run(capsys, tmp_path / "u.xlsx", "--trials", 100)
    assert rc == 2
    assert "RISKFOO in Model!B2: this add-in function is not supported" in err
    assert "every trial" not in out + err


def test_check_compares_the_cached_values(tmp_path, capsys):
    # as Excel saved it: each add-in cell holds the value @RISK showed (B1 its mean)
    path = write_xlsx(tmp_path / "c.xlsx", {
        "A1": 1.0, "B1": ("_xll.RiskTriang(10,20,30,RiskName(\"Steel\"))", 20.0),
        "B2": ("RiskNormal(100,10)*A1+1", 101.0),
        "B3": ('RiskOutput("Total")+B1+B2', 121.0),
        "B4": ("B3*2", 242.0),
        "B5": ("RiskMean(B3)", 120.5)}, sheet="Model")
    rc = _cli().main(["check", str(path), "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.splitlines()[0] == "@RISK inputs: 2, outputs: 1, statistics cells: 1"
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["formula_cells"] == 5
    assert report["compared"] == 2 and report["matches_cached"] == 2   # B3 and B4
    assert report["not_compared"] == {"@RISK cells (Excel's cached value)": 3}
    assert report["unsupported_functions"] == {}


def test_a_parameter_that_depends_on_an_input_is_sampled_per_trial(tmp_path, capsys):
    write_book(tmp_path / "p.xlsx", {"B1": "=RiskUniform(1,2)", "B2": "=RiskPoisson(B1*3)",
                                     "B3": '=RiskOutput()+B2'})
    rc, out, _ = _run(capsys, tmp_path / "p.xlsx", "--trials", 4000)
    assert rc == 0 and "Model!B3: mean 4.5" in out


def test_expression_parameters_and_seed(tmp_path):
    model = open_book(tmp_path / "e.xlsx", {"A1": 50.0,
                                            "B1": "=RiskNormal(A1*2,A1/10,RiskSeed(5))",
                                            "B2": "=RiskOutput()+B1"})
    book = addin_book(model)
    inp = book.inputs[0]
    assert (inp.distribution, inp.stream) == ("normal", 5)
    from engine.simulate import simulate
    from engine.spec import SimulationSpec

    res = simulate(model, SimulationSpec([], [], trials=20000, seed=1), backend="numpy")
    out = res.outputs["Model!B2"]
    assert out.mean == pytest.approx(100, abs=0.2) and out.std == pytest.approx(5, rel=0.03)


def test_analytic_solver_pairs_of_correlated_inputs(tmp_path):
    from scipy.stats import spearmanr

    from engine.simulate import simulate
    from engine.spec import SimulationSpec

    model = open_book(tmp_path / "pairs.xlsx", {
        "A1": '=PsiNormal(0,1,PsiCorrIndep("Rate"))',
        "A2": '=PsiUniform(0,1,PsiCorrDep("Rate",0.8))',
        "A3": '=PsiTriangular(1,2,4,PsiCorrDep("rate",-0.5))',
        "A4": "=PsiOutput()+A1+A2+A3"})
    (group,) = addin_book(model).correlations
    assert group.inputs == ["Model!A1", "Model!A2", "Model!A3"]
    assert group.matrix == [[1.0, 0.8, -0.5], [0.8, 1.0, -0.4], [-0.5, -0.4, 1.0]]
    res = simulate(model, SimulationSpec([], [], trials=20000, seed=2), backend="numpy")
    xs = res.samples.inputs
    rho = spearmanr(np.column_stack([xs["Model!A1"], xs["Model!A2"], xs["Model!A3"]]))
    assert rho.correlation[0, 1] == pytest.approx(0.8, abs=0.02)
    assert rho.correlation[0, 2] == pytest.approx(-0.5, abs=0.02)


def test_a_workbook_matrix_that_is_not_valid_is_repaired_and_said(tmp_path, capsys):
    write_book(tmp_path / "psd.xlsx", {
        **matrix_cells([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]),
        **{f"A{5 + k}": f"=RiskNormal(10,1,RiskCorrmat(A1:C3,{k + 1}))" for k in range(3)},
        "B5": "=RiskOutput()+A5+A6+A7"}, sheet="M")
    rc, _, err = _run(capsys, tmp_path / "psd.xlsx", "--trials", 500, "--json",
                      tmp_path / "r.json")
    assert rc == 0, err
    assert "the workbook's correlation matrix of M!A5, M!A6, M!A7 is not positive " \
           "semi-definite; the nearest valid one is used (largest change 0.4174)" in err
    adj = json.loads((tmp_path / "r.json").read_text())["correlation_adjustments"]
    assert adj[0]["max_change"] == pytest.approx(0.4174, abs=1e-4)


def test_public_xlrisk_workbooks():
    """Two versions of XLRisk's own example (pyscripter/XLRisk, MIT): @RISK function names,
    lower case; outputs are kept on XLRisk's own sheet, so the run names one."""
    from pathlib import Path

    from engine.simulate import simulate
    from engine.spec import SimulationSpec

    here = Path(__file__).parent / "data" / "workbooks"
    model = Model.open(here / "pyscripter__XLRisk_dcdf23a.xlsm")
    book = addin_book(model)
    assert [(i.cell, i.distribution, i.params) for i in book.inputs] == [
        ("Sheet1!B1", "normal", {"mean": 10.0, "sd": 1.0}),
        ("Sheet1!B2", "uniform", {"min": 2.0, "max": 5.0}),
        ("Sheet1!B3", "triangular", {"min": 10.0, "mode": 12.0, "max": 15.0})]
    res = simulate(model, SimulationSpec([], ["Sheet1!B5"], trials=20000, seed=2),
                   backend="numpy")
    out = res.outputs["Sheet1!B5"]
    # 10 + 3.5 + 37/3; variance 1 + 9/12 + 19/18
    assert out.mean == pytest.approx(10 + 3.5 + 37 / 3, abs=0.04)
    assert out.std == pytest.approx((1 + 0.75 + 19 / 18) ** 0.5, rel=0.02)
    from engine.errors import SpecError

    with pytest.raises(SpecError, match=r"this @RISK workbook marks no output cell \(a formula "
                       r"with RiskOutput\(\)\+\.\.\.\); name one"):
        simulate(model, SimulationSpec([], [], trials=10, seed=2), backend="numpy")
    # XLRisk's RiskBeta(alpha, beta, min, max) is @RISK's RiskBetaGeneral: refused, named
    later = addin_book(Model.open(here / "pyscripter__XLRisk_8c2d79c.xlsm"))
    assert later.refusals() == ["Sheet1!B4: RISKBETA takes 2 parameters (alpha1, alpha2), "
                                "got 4"]
