"""The app on a workbook built for @RISK: its inputs and outputs already defined, the input
dialog's properties, the correlation editor and the scatter of two inputs (NiceGUI's
``user`` fixture, no browser)."""

from __future__ import annotations

import numpy as np
import pytest
from nicegui.testing import User

from engine.model import Model
from engine.simulate import simulate
from engine.spec import SimulationSpec
from tests.addin_books import matrix_cells, write_book
from tests.test_app import book_name, notified, status, table_rows, upload, wait_for


@pytest.fixture(autouse=True)
def app_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("MCDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MCDESK_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def risk_book(tmp_path):
    return write_book(tmp_path / "risk.xlsx", {
        "E1": 100.0,
        "B1": '=RiskTriang(10,20,30,RiskTruncate(13,27),RiskName("Steel"),'
              'RiskCorrmat(Corr!A1:B2,1))',
        "B2": "=RiskNormal(E1,10,RiskCorrmat(Corr!A1:B2,2))",
        "B3": "=IFERROR(RiskUniform(1,2),2)*10",
        "C1": '=RiskOutput("Total")+B1+B2+B3'},
        sheets={"Corr": matrix_cells([[1.0, 0.6], [0.6, 1.0]])})


def _element(user: User, marker: str):
    return next(iter(user.find(marker=marker).elements))


async def _open_book(user: User, path) -> None:
    await user.open("/")
    await upload(user, path)
    await wait_for(lambda: book_name(user) == path.name)


async def test_inputs_and_outputs_come_defined_and_run_as_the_engine(user: User,
                                                                      risk_book) -> None:
    await _open_book(user, risk_book)
    # (NiceGUI splits a marker at spaces: the slot's address is found by its first word)
    for marker in ("input-Model!B1", "input-Model!B2", "input-'_mcdesk"):
        await user.should_see(marker=marker)
    await user.should_see(marker="output-Model!C1")
    assert _element(user, "input-name-Model!B1").text == "Steel"
    assert "truncate" in _element(user, "input-Model!B1").text
    assert _element(user, "input-name-'_mcdesk").text == "RiskUniform in Model!B3"
    user.find(marker="trials").clear().type("3000")
    user.find(marker="seed").clear().type("5")
    user.find(marker="run").click()
    await wait_for(lambda: status(user).startswith(("Done", "Run failed")))
    assert status(user).startswith("Done"), status(user)
    expected = simulate(Model.open(risk_book), SimulationSpec([], [], trials=3000, seed=5),
                        backend="numpy").outputs["Model!C1"]
    from mcdesk.app.results_view import format_stat

    shown = table_rows(user)
    assert shown["mean"] == format_stat(expected.mean)
    assert shown["std"] == format_stat(expected.std)


async def test_the_dialog_edits_the_properties(user: User, risk_book) -> None:
    await _open_book(user, risk_book)
    await user.should_see(marker="edit-Model!B1")
    user.find(marker="edit-Model!B1").click()
    await user.should_see("Save input")
    assert _element(user, "prop-name").value == "Steel"
    assert _element(user, "prop-truncate_min").value == "13"
    assert _element(user, "prop-truncate_max").value == "27"
    user.find(marker="prop-shift").clear().type("5")
    user.find(marker="prop-stream").clear().type("1.5")
    await wait_for(lambda: "whole number" in _element(user, "input-error").text)
    user.find(marker="prop-stream").clear().type("42")
    await wait_for(lambda: _element(user, "input-error").text == "")
    user.find(marker="input-save").click()
    await wait_for(lambda: "shift=5" in _element(user, "input-Model!B1").text)
    assert "stream=42" in _element(user, "input-Model!B1").text
    # the nested distribution's slot is edited like any input
    user.find(marker="edit-'_mcdesk").click()
    await user.should_see("Input '_mcdesk Model #1'!B3")
    user.find(marker="param-max").clear().type("3")
    await wait_for(lambda: _element(user, "input-error").text == "")
    user.find(marker="input-save").click()
    await wait_for(lambda: "uniform(1, 3)" in _element(user, "input-'_mcdesk").text)


async def test_the_correlation_editor_checks_and_repairs(user: User, risk_book) -> None:
    await _open_book(user, risk_book)
    await user.should_see(marker="open-correlations")
    user.find(marker="open-correlations").click()
    await user.should_see(marker="corr-0-1")
    assert _element(user, "corr-0-1").value == pytest.approx(0.6)   # RiskCorrmat's matrix
    members = _element(user, "corr-inputs")
    members.value = ["Model!B1", "Model!B2", "'_mcdesk Model #1'!B3"]
    await user.should_see(marker="corr-1-2")
    _element(user, "corr-0-1").value = 0.9
    _element(user, "corr-0-2").value = 0.9
    _element(user, "corr-1-2").value = -0.9
    user.find(marker="corr-check").click()
    await wait_for(lambda: "not positive semi-definite" in _element(user, "corr-message").text)
    _element(user, "corr-1-2").value = 1.5
    user.find(marker="corr-check").click()
    await wait_for(lambda: "[-1, 1]" in _element(user, "corr-message").text
                   or "-1" in _element(user, "corr-message").text)
    _element(user, "corr-1-2").value = 0.5
    user.find(marker="corr-save").click()
    await notified(user, "Correlations saved: 3 inputs")
    await user.should_see("Correlations (1)")


async def test_scatter_of_two_correlated_inputs(user: User, risk_book) -> None:
    await _open_book(user, risk_book)
    await user.should_see(marker="open-scatter")
    user.find(marker="open-scatter").click()
    await wait_for(lambda: "Rank correlation" in _element(user, "scatter-note").text)
    note = _element(user, "scatter-note").text
    rho = float(note.split()[2].rstrip(","))
    assert rho == pytest.approx(0.6, abs=0.05)   # RiskCorrmat's 0.6, drawn before any run
    plot = _element(user, "scatter-plot")
    assert plot.figure["layout"]["xaxis"]["title"]["text"] == "Steel"
    xs = np.asarray(plot.figure["data"][0]["x"])
    assert xs.size == 2000 and xs.min() >= 13 and xs.max() <= 27   # truncated to [13, 27]



def _figures(user: User) -> list[dict]:
    from nicegui import ui

    return [p.figure if isinstance(p.figure, dict) else p.figure.to_plotly_json()
            for p in user.find(ui.plotly).elements]


def _title(figure: dict) -> str:
    return ((figure.get("layout") or {}).get("title") or {}).get("text") or ""


async def _run(user: User, trials: int, seed: int) -> None:
    user.find(marker="trials").clear().type(str(trials))
    user.find(marker="seed").clear().type(str(seed))
    user.find(marker="run").click()
    await wait_for(lambda: status(user).startswith(("Done", "Run failed")), 120)
    assert status(user).startswith("Done"), status(user)


async def test_the_workbooks_simtable_runs_its_series(user: User, tmp_path) -> None:
    """RiskSimtable({1,2}) in Model!B5: two simulations, overlaid, each as the engine's
    (the CLI's RESULT.json ``simtable``) for the same seed."""
    from engine.scenarios import addin_simtable
    from tests.test_addins_workbooks import _addin_book

    book = _addin_book(tmp_path / "risk.xlsx", "risk")
    await _open_book(user, book)
    await user.should_see(marker="output-Model!C1")
    await _run(user, 3000, 11)
    assert status(user).endswith("simtable Model!B5: 2 runs"), status(user)
    runs = addin_simtable(Model.open(book), SimulationSpec([], [], trials=3000, seed=11),
                          backend="numpy")
    means = [r.outputs["Model!C1"].mean for r in runs]
    assert means[1] - means[0] == pytest.approx(5, rel=0.3)   # B3 (lognormal, mean 5) counts twice
    await user.should_see(marker="overlay")
    _element(user, "overlay").set_value("simtable")
    await wait_for(lambda: any(_title(f).endswith(", simtable") for f in _figures(user)))
    hist = next(f for f in _figures(user) if _title(f).endswith(", simtable"))
    assert [t["name"].rsplit(" = ", 1)[1] for t in hist["data"]] == ["1", "2"]
    shown = [float(np.average(np.asarray(t["x"]), weights=np.asarray(t["y"]) * np.asarray(
        t["width"]))) for t in hist["data"]]
    assert shown == pytest.approx(means, rel=0.01)   # the bars' centre of mass is the mean


async def test_statistics_cells_are_listed_with_the_runs_values(user: User, tmp_path) -> None:
    """RiskMean(C1), RiskPercentile(C1,0.9), RiskStdDev(C2)*2: listed after a run with the
    values the engine computes for the same seed (the CLI's RESULT.json ``statistics``)."""
    from engine.addin_models import statistic_values
    from mcdesk.app.results_view import format_stat
    from tests.test_addins_workbooks import _addin_book

    book = _addin_book(tmp_path / "risk.xlsx", "risk")
    await _open_book(user, book)
    await user.should_see(marker="output-Model!C1")
    await _run(user, 3000, 11)
    await user.should_see(marker="statistics-cells")
    rows = {r["cell"]: r for r in _element(user, "statistics-cells").rows}
    model = Model.open(book)
    want = statistic_values(model, simulate(model, SimulationSpec([], [], trials=3000, seed=11),
                                            backend="numpy"))
    assert list(rows) == ["Model!D1", "Model!D2", "Model!D3"] == list(want)
    assert rows["Model!D2"]["formula"] == "=RiskPercentile(C1,0.9)"
    assert rows["Model!D3"]["formula"] == "=RiskStdDev(C2)*2"
    for cell, got in want.items():
        assert rows[cell]["value"] == format_stat(got["value"])
    assert float(rows["Model!D1"]["value"]) == pytest.approx(want["Model!D1"]["value"], rel=1e-3)


async def test_results_name_nested_inputs_and_outputs_as_the_addin_does(user: User,
                                                                       risk_book) -> None:
    """The nested RiskUniform's slot ('_mcdesk Model #1'!B3) is shown as "RiskUniform in
    Model!B3" (engine.addin_models' name, as the CLI's report), RiskName's "Steel" and
    RiskOutput's "Total" as theirs, in the results' lists and charts; and the output is
    seen to read the nested input (the model as it runs, not the formula as typed)."""
    await _open_book(user, risk_book)
    await user.should_see(marker="output-Model!C1")
    await _run(user, 2000, 5)
    await user.should_see(marker="chart-tornado")
    assert _element(user, "result-outputs").options == {"Model!C1": "Total (Model!C1)"}
    assert next(iter(_element(user, "summary-table").rows))["name"] == "Total"
    tornado = next(f for f in _figures(user) if f["data"] and f["data"][0].get("orientation") == "h")
    ticks = [str(t) for trace in tornado["data"] for t in trace["y"]]
    assert "RiskUniform in Model!B3" in ticks and "Steel" in ticks, ticks
    assert not any("_mcdesk" in t for t in ticks), ticks
    # the output reads the nested input through its formula: no "no effect" said of it
    await user.should_not_see(marker="tornado-no-effect")


async def test_statistics_of_an_input_whose_parameter_the_app_declares(user: User,
                                                                        tmp_path) -> None:
    """RiskStdDev(B6) of B6 = RiskNormal(C5,2) with C5 declared an input in the app
    (triangular 7/10/13, variance 1.5): sqrt(1.5 + 4), B6's std in that run, not #N/A."""
    from tests.test_app import add_triangular

    book = write_book(tmp_path / "d.xlsx", {"C5": 10, "B6": "=RiskNormal(C5,2)",
                                            "B7": '=RiskOutput("y")+B6',
                                            "D1": "=RiskStdDev(B6)"})
    await _open_book(user, book)
    await user.should_see(marker="output-Model!B7")
    await add_triangular(user, "Model!C5", 7.0, 10.0, 13.0)
    await _run(user, 20000, 4)
    await user.should_see(marker="statistics-cells")
    rows = {r["cell"]: r for r in _element(user, "statistics-cells").rows}
    assert float(rows["Model!D1"]["value"]) == pytest.approx(5.5 ** 0.5, rel=0.03)
