"""Add-in distributions whose parameters vary per trial (``=RiskNormal(B5,2)`` with B5 an
input, ``=RiskPoisson(B1*3)``, ``=RiskNormal(RiskUniform(9,11),1)``): sampled per trial by
inverse CDF of their cell's own keyed uniform (engine.functions.addin_sample)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from engine.addin_models import addin_book
from engine.backends.numpy import NumpyBackend
from engine.functions import function_named
from engine.simulate import prepare, run_job
from engine.spec import SimulationSpec
from engine.values import num, text
from tests.addin_books import matrix_cells, open_book, write_book


def _sample(u, kind, **params):
    args = []
    for k, v in params.items():
        args += [text(k.replace("_", ".")), num(v)]
    return function_named("MCDESK.SAMPLE").impl(num(u), text(kind), *args)


def test_exact_values_for_fixed_uniforms():
    got = _sample([0.975, 0.975, 0.5], "normal", mean=[1.0, 5.0, 5.0], sd=2.0)
    assert got.data == pytest.approx([1 + 2 * 1.959963984540054, 5 + 2 * 1.959963984540054, 5])
    lam = np.array([1.5, 3.0, 4.5, 30.0])
    got = _sample([0.5, 0.9, 0.1, 0.99], "poisson", **{"lambda": lam})
    assert list(got.data) == list(stats.poisson.ppf([0.5, 0.9, 0.1, 0.99], lam))
    # triangular per trial: min + sqrt(u (max-min)(mode-min)) below the mode
    got = _sample([0.25, 0.25], "triangular", min=[0.0, 10.0], mode=[2.0, 12.0], max=[4.0, 16.0])
    assert got.data == pytest.approx([np.sqrt(0.25 * 4 * 2), stats.triang.ppf(0.25, 2 / 6, 10, 6)])
    # truncation before the shift: u = 0 is the lower bound, then shifted
    got = _sample([0.0, 0.5], "normal", mean=[10.0, 10.0], sd=2.0, truncate_min=9.0,
                  shift=100.0)
    assert got.data[0] == pytest.approx(109.0)
    p9 = stats.norm.cdf(9, 10, 2)
    assert got.data[1] == pytest.approx(100 + stats.norm.ppf(p9 + 0.5 * (1 - p9), 10, 2))


def test_invalid_parameters_are_num_errors_in_their_trials():
    got = _sample([0.5, 0.5, 0.5], "normal", mean=1.0, sd=[2.0, -1.0, 0.0])
    assert got.scalar(0) == 1.0 and str(got.scalar(1)) == "#NUM!" == str(got.scalar(2))
    got = _sample([0.5, 0.5], "normal", mean=[10.0, 10.0], sd=1.0, truncate_min=[0.0, 0.0],
                  truncate_max=[20.0, 20.0])
    assert not got.has_errors


def _book(path, b6: str, b5: str = "=RiskNormal(10,1)"):
    return open_book(path, {"B5": b5, "B6": b6, "B7": '=RiskOutput("y")+B6*1'})


def _run(model, trials=20000, chunk=None, seed=7):
    spec = SimulationSpec([], [], trials=trials, seed=seed)
    samples, _ = run_job(prepare(model, spec), NumpyBackend(), chunk_size=chunk, stream=False)
    return np.asarray(samples.outputs["Model!B7"], dtype=np.float64)


def test_the_statistics_of_the_same_model_written_with_rand(tmp_path):
    risk = _book(tmp_path / "r.xlsx", "=RiskNormal(B5,2)")
    book = addin_book(risk)
    assert book.summary()["inputs"] == 1 and book.summary()["dependent"] == [
        "Model!B6: normal mean depends on Model!B5: sampled per trial"]
    excel = _book(tmp_path / "e.xlsx", "=NORM.INV(RAND(),B5,2)")
    a, b = _run(risk), _run(excel)
    assert a.mean() == pytest.approx(10, abs=0.05) and a.std() == pytest.approx(5 ** 0.5, rel=0.02)
    assert stats.ks_2samp(a, b).pvalue > 0.001
    for q in (5, 50, 95):
        assert np.percentile(a, q) == pytest.approx(np.percentile(b, q), abs=0.1)


def test_same_numbers_whatever_the_chunking(tmp_path):
    model = _book(tmp_path / "c.xlsx", "=RiskPoisson(B5*3)", b5="=RiskUniform(1,2)")
    whole = _run(model, trials=6000)
    assert np.array_equal(whole, _run(model, trials=6000, chunk=999))
    assert whole.mean() == pytest.approx(4.5, abs=0.1)       # E[3 U(1,2)]
    assert whole.var() == pytest.approx(4.5 + 9 / 12, rel=0.06)   # E[lambda] + Var[lambda]


def test_a_distribution_as_a_parameter_and_a_chain(tmp_path):
    # RiskNormal(RiskUniform(9,11),1): the uniform is an input of its own, in a slot
    model = _book(tmp_path / "n.xlsx", "=RiskNormal(RiskUniform(9,11),1)", b5=1)
    a = _run(model)
    assert a.mean() == pytest.approx(10, abs=0.03)
    assert a.var() == pytest.approx(1 + 4 / 12, rel=0.04)
    # a chain: B6 reads B5, which reads the input B4
    model = open_book(tmp_path / "k.xlsx", {
        "B4": "=RiskNormal(0,1)", "B5": "=RiskNormal(B4,1)", "B6": "=RiskNormal(B5,1)",
        "B7": "=RiskOutput()+B6"})
    assert [v.split(":")[0] for v in addin_book(model).dependent().values()] == [
        "Model!B5", "Model!B6"]
    a = _run(model)
    assert a.mean() == pytest.approx(0, abs=0.05) and a.var() == pytest.approx(3, rel=0.04)


def test_modelrisk_percentile_input_name_and_analytic_solver_parameters(tmp_path):
    model = open_book(tmp_path / "v.xlsx", {
        "A1": '=VoseInput("Demand")+VoseNormal(100,10)',
        "A2": "=VoseNormal(100,10,0.975)",           # U: the 97.5th percentile, every trial
        "B1": "=RAND()",
        "A3": "=VoseNormal(100,10,B1)",              # U read from a cell: per trial
        "A4": "=PsiSenParam(1,5,3)",                 # keeps its cached value
        "A5": '=VoseOutput("tot")+A1+A2+A3+A4',
        "A6": "=PsiNormal(5,1,PsiBaseCase(4))"}, sheet="M")
    book = addin_book(model)
    assert [i.name for i in book.inputs if i.name == "Demand"] == ["Demand"]
    assert book.inputs[-1].static == 4.0 and not book.refusals()
    assert book.sample_formula(book.inputs[1]) == \
        '=MCDESK.SAMPLE(0.975,"normal","mean",100.0,"sd",10.0)'
    spec = SimulationSpec([], [], trials=20000, seed=3)
    samples, _ = run_job(prepare(model, spec), NumpyBackend(), stream=False)
    tot = np.asarray(samples.outputs["M!A5"])
    # 100 + (100 + 10 * 1.959964) + 100 + 0 (A4 has no cached value here)
    assert tot.mean() == pytest.approx(319.6, abs=0.3)
    assert tot.std() == pytest.approx(200 ** 0.5, rel=0.03)


def test_a_copula_percentile_is_refused_naming_the_function(tmp_path):
    from engine.errors import SpecError

    model = open_book(tmp_path / "c.xlsx", {
        "A1": "=VoseNormal(1,2,VoseCopulaMultiNormal(D1:E2))", "A2": "=VoseOutput()+A1",
        "B1": "=VoseCopulaBiClayton(2)", "B2": "=VoseOutput()+VoseNormal(0,1,B1)"}, sheet="M")
    lines = addin_book(model).refusals()
    assert any("M!A1: VOSENORMAL's U is VOSECOPULAMULTINORMAL: not supported; give each "
               "distribution VoseCorrMatrix(matrix, position)" in x for x in lines)
    assert any(x.startswith("VOSECOPULABICLAYTON in M!B1: this add-in function is not "
                            "supported; give each distribution VoseCorrMatrix") for x in lines)
    with pytest.raises(SpecError, match="VoseCorrMatrix"):
        prepare(model, SimulationSpec([], [], trials=100, seed=1))


def _twice(params):
    """The same kind with each number doubled (probabilities kept)."""
    return {k: v if isinstance(v, list) or k in ("p",) else 2 * v for k, v in params.items()}


def test_every_kind_per_trial_equals_its_distribution():
    """Two parameter sets alternating over the trials: each trial equals the inverse CDF of
    the distribution built from its own set (the array path and the per-set path agree)."""
    from engine.distributions import make_distribution
    from engine.functions.addin_sample import sample
    from tests.test_distribution_library import TABLE

    u = np.linspace(0.001, 0.999, 200)
    odd = np.arange(200) % 2 == 1
    for kind, params, _ in TABLE:
        sets = [params, _twice(params)]
        dists = [make_distribution(kind, p, "A!A1") for p in sets]
        scalars = {k: np.where(odd, float(sets[1][k]), float(v)) for k, v in params.items()
                   if not isinstance(v, list)}
        lists = {k: np.tile(np.asarray(v, float), (200, 1)) for k, v in params.items()
                 if isinstance(v, list)}
        got, bad = sample(kind, scalars, lists, {}, u)
        want = np.where(odd, dists[1].ppf(u), dists[0].ppf(u))
        assert not bad.any(), kind
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, err_msg=kind)


def test_modelrisk_gaussian_copula(tmp_path):
    """{=VoseCopulaMultiNormal(A1:B2)} over D1:E1, read as the U of two distributions: a
    Gaussian copula whose normal scores have the matrix's correlation (0.8 here)."""
    from openpyxl.worksheet.formula import ArrayFormula

    model = open_book(tmp_path / "cop.xlsx", {
        **matrix_cells([[1.0, 0.8], [0.8, 1.0]]),
        "D1": ArrayFormula("D1:E1", "=VoseCopulaMultiNormal(A1:B2)"),
        "B4": "=VoseNormal(0,1,D1)", "B5": "=VoseLognormal(10,2,E1)",
        "B6": '=VoseOutput("a")+B4', "B7": '=VoseOutput("b")+B5'}, sheet="M")
    book = addin_book(model)
    assert not book.refusals() and not book.dependent()
    (corr,) = book.correlations
    assert corr.inputs == ["M!B4", "M!B5"]
    spec = SimulationSpec([], [], trials=40000, seed=5)
    samples, _ = run_job(prepare(model, spec), NumpyBackend(), stream=False)
    a = np.asarray(samples.outputs["M!B6"])
    b = np.asarray(samples.outputs["M!B7"])
    assert np.corrcoef(a, np.log(b))[0, 1] == pytest.approx(0.8, abs=0.01)
    assert b.mean() == pytest.approx(10, rel=0.01)


def test_a_parameter_read_from_an_input_the_run_declares(tmp_path):
    """RiskNormal(C5,2) where C5 is a plain number the run declares an input
    (--input C5=normal(10,1)): sampled per trial, not with C5's value in the file."""
    from engine.spec import parse_input_arg

    model = open_book(tmp_path / "d.xlsx", {"C5": 10, "B6": "=RiskNormal(C5,2)",
                                            "B7": '=RiskOutput("y")+B6'})
    spec = SimulationSpec([parse_input_arg("Model!C5=normal(10,1)")], [], trials=20000,
                          seed=4)
    samples, _ = run_job(prepare(model, spec), NumpyBackend(), stream=False)
    y = np.asarray(samples.outputs["Model!B7"])
    assert y.std() == pytest.approx(5 ** 0.5, rel=0.02)
    # without the declared input, C5 is the constant 10
    samples, _ = run_job(prepare(model, SimulationSpec([], [], trials=20000, seed=4)),
                         NumpyBackend(), stream=False)
    assert np.asarray(samples.outputs["Model!B7"]).std() == pytest.approx(2, rel=0.02)


def test_theoretical_statistics_cells(tmp_path):
    """RiskTheoMean / RiskTheoPercentile / RiskTheoXtoP: of the input's distribution (with
    its truncation), the same whatever the run."""
    from engine.addin_models import statistic_values
    from engine.simulate import simulate

    model = open_book(tmp_path / "t.xlsx", {
        "B1": "=RiskNormal(10,2,RiskTruncate(8,))", "B2": "=RiskOutput()+B1",
        "C1": "=RiskTheoMean(B1)", "C2": "=RiskTheoPercentile(B1,0.5)*1",
        "C3": "=RiskTheoXtoP(B1,10)", "C4": "=RiskTheoStdDev(B2)"}, sheet="M")
    res = simulate(model, SimulationSpec([], [], trials=1000, seed=1), backend="numpy")
    got = statistic_values(model, res)
    ref = stats.truncnorm(-1, np.inf, loc=10, scale=2)
    assert got["M!C1"]["value"] == pytest.approx(ref.mean(), rel=1e-9)
    assert got["M!C2"]["value"] == pytest.approx(ref.ppf(0.5), rel=1e-9)
    assert got["M!C3"]["value"] == pytest.approx(ref.cdf(10), rel=1e-9)
    assert got["M!C4"] == {"formula": "=RiskTheoStdDev(B2)", "value": None,
                           "note": "M!B2 is not an input"}


def test_statistics_cells_of_an_input_sampled_per_trial(tmp_path):
    """RiskMean(B6) / RiskStdDev / RiskPercentile of B6 = RiskNormal(B5,2), whose mean is the
    input B5: B6 is sampled per trial by a formula (neither an input nor an output of the
    run), and its statistics are those of its own samples in the run (B7 = B6 is an output:
    the same numbers)."""
    from engine.addin_models import statistic_values
    from engine.simulate import simulate

    model = open_book(tmp_path / "s.xlsx", {
        "B5": "=RiskNormal(10,1)", "B6": "=RiskNormal(B5,2)", "B7": '=RiskOutput("y")+B6*1',
        "C1": "=RiskMean(B6)", "C2": "=RiskStdDev(B6)", "C3": "=RiskPercentile(B6,0.9)",
        "C4": "=RiskMean(B6)-RiskMean(B5)"})
    spec = SimulationSpec([], [], trials=5000, seed=11)
    for backend in ("numpy", "numba"):
        if backend == "numba":
            pytest.importorskip("numba")
        res = simulate(model, spec, backend=backend)
        got = statistic_values(model, res)
        y = res.outputs["Model!B7"]
        b6 = np.asarray(res.samples.outputs["Model!B7"], dtype=np.float64)
        b5 = np.asarray(res.samples.inputs["Model!B5"], dtype=np.float64)
        assert got["Model!C1"]["note"] is None
        assert got["Model!C1"]["value"] == pytest.approx(b6.mean(), rel=1e-12)
        assert got["Model!C1"]["value"] == pytest.approx(10, abs=0.1)
        assert got["Model!C2"]["value"] == pytest.approx(y.std, rel=1e-12)
        assert got["Model!C3"]["value"] == pytest.approx(y.percentiles["90"], rel=1e-12)
        assert got["Model!C4"]["value"] == pytest.approx(b6.mean() - b5.mean(), rel=1e-9)


def test_statistics_of_an_input_whose_parameter_the_run_declares(tmp_path, capsys):
    """RiskStdDev(B6) of B6 = RiskNormal(C5,2) with C5 declared an input on the command line
    (--input C5=normal(10,1)): sqrt(1 + 4), as B6's samples in that run, not 2."""
    from mcdesk.cli import main

    path = write_book(tmp_path / "d.xlsx", {"C5": 10, "B6": "=RiskNormal(C5,2)",
                                            "B7": '=RiskOutput("y")+B6',
                                            "D1": "=RiskStdDev(B6)"})
    rc = main(["simulate", str(path), "--input", "Model!C5=normal(10,1)", "--trials", "20000",
               "--seed", "4", "--backend", "numpy", "--json", str(tmp_path / "r.json")])
    assert rc == 0
    import json

    got = json.loads((tmp_path / "r.json").read_text())
    std = got["addins"]["statistics"]["Model!D1"]["value"]
    assert std == pytest.approx(got["outputs"]["Model!B7"]["std"], rel=1e-12)
    assert std == pytest.approx(5 ** 0.5, rel=0.02)
    capsys.readouterr()
