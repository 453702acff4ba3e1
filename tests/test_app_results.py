"""The app's run and results as an analyst uses them (NiceGUI's ``user`` fixture, no
browser): precision control, simtable overlay, reports, exports in a worker, number
formats, delimiters, editable names, the results page, and nothing lost on a reload."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from nicegui import ui
from nicegui.testing import User

from engine import __version__
from engine.model import Model
from engine.simulate import simulate
from engine.spec import InputSpec, SimulationSpec
from tests.test_app import (
    BOOK,
    INPUTS,
    OUTPUT,
    add_triangular,
    book_name,
    setup_model,
    status,
    table_rows,
    upload,
    wait_for,
)


@pytest.fixture(autouse=True)
def app_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("MCDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MCDESK_CONFIG_DIR", str(tmp_path / "config"))


def element(user: User, marker: str):
    return next(iter(user.find(marker=marker).elements))


def text(user: User, marker: str) -> str:
    return element(user, marker).text


def spec(trials: int, seed: int = 1) -> SimulationSpec:
    return SimulationSpec([InputSpec(c, "triangular", {"min": a, "mode": b, "max": c_})
                           for c, (a, b, c_) in INPUTS.items()], [OUTPUT], trials=trials, seed=seed)


async def run(user: User, trials: int) -> None:
    user.find(marker="trials").clear().type(str(trials))
    user.find(marker="run").click()
    await wait_for(lambda: status(user).startswith(("Done", "Run failed", "Cancelled")), 120)
    assert status(user).startswith("Done"), status(user)


def title(figure) -> str:
    if not isinstance(figure, dict):  # a go.Figure (other panels' plots)
        figure = figure.to_plotly_json()
    return ((figure.get("layout") or {}).get("title") or {}).get("text") or ""


def exports_folder(tmp_path: Path) -> Path:
    return tmp_path / "data" / "users" / "local" / "exports"


async def test_precision_run_stops_when_the_mean_is_known_and_says_so(user: User) -> None:
    await setup_model(user)
    element(user, "precision-on").set_value(True)
    element(user, "precision-stats").set_value(["mean"])
    element(user, "precision-tolerance").set_value(0.2)   # % of the mean
    element(user, "precision-relative").set_value(True)
    await run(user, 1_000_000)                              # the cap
    # the output by its name, its address in parentheses (as everywhere in the app)
    m = re.search(r"precision met after ([\d,]+) trials: FV Total \(Sheet1!G2\) mean ±([\d.]+)",
                  status(user))
    assert m, status(user)
    stopped = int(m.group(1).replace(",", ""))
    assert 1_000 <= stopped < 1_000_000
    assert text(user, "precision-result") == \
        f"Precision met after {stopped:,} trials: FV Total (Sheet1!G2) mean ±{m.group(2)}"
    # the numbers of a fixed run of the trials it stopped at (same seed)
    fixed = simulate(Model.open(BOOK), spec(stopped), backend="numpy").outputs[OUTPUT]
    assert table_rows(user)["mean"] == f"{fixed.mean:.2f}"
    assert float(m.group(2)) <= 0.002 * fixed.mean
    # Latin hypercube cannot stop early: said before the run, in one line
    element(user, "sampling").set_value("lhs")
    user.find(marker="run").click()
    await wait_for(lambda: "Monte Carlo" in status(user))


async def test_simtable_runs_share_random_numbers_and_are_overlaid(user: User) -> None:
    await setup_model(user)
    element(user, "simtable-cell").set_value("Sheet1!D2")     # n, the number of periods
    element(user, "simtable-values").set_value("24, 36, 48")
    await run(user, 2_000)
    assert status(user).endswith("simtable Sheet1!D2: 3 runs"), status(user)
    await user.should_see(marker="overlay")
    element(user, "overlay").set_value("simtable")

    def figures() -> list[dict]:
        return [p.figure for p in user.find(ui.plotly).elements]

    await wait_for(lambda: any(title(f) == "Distribution of FV Total "
                               "(Sheet1!G2), simtable" for f in figures()))
    figures = figures()
    hist = next(f for f in figures if "simtable" in title(f))
    assert [t["name"] for t in hist["data"]] == ["n = 24", "n = 36", "n = 48"]
    cdf = next(f for f in figures if title(f).startswith("Cumulative"))
    assert [t["name"] for t in cdf["data"]] == ["n = 24", "n = 36", "n = 48"]
    # the same input samples in every run: common random numbers
    model = Model.open(BOOK)
    from engine.scenarios import simtable

    runs = simtable(model, spec(2_000), "Sheet1!D2", [24, 36, 48], backend="numpy")
    means = [r.outputs[OUTPUT].mean for r in runs]
    shown = [float(np.average(np.asarray(t["x"]), weights=np.asarray(t["y"]) * np.asarray(
        t["width"]))) for t in hist["data"]]
    assert np.allclose(shown, means, rtol=0.01)  # the bars' centre of mass is the mean
    for r in runs[1:]:
        for cell in INPUTS:
            np.testing.assert_array_equal(r.samples.inputs[cell], runs[0].samples.inputs[cell])
    # the delimiters' probabilities of each run overlaid, not of the main run alone
    lo, hi = (round(runs[1].outputs[OUTPUT].percentiles[p]) for p in ("25", "75"))
    element(user, "delimiter-left").set_value(lo)
    element(user, "delimiter-right").set_value(hi)
    want = []
    for n, r in zip((24, 36, 48), runs, strict=True):
        y = r.samples.outputs[OUTPUT]
        left, right = np.mean(y < lo), np.mean(y > hi)
        want.append((f"n = {n}", left, 1 - left - right, right))
    assert text(user, "delimiter-probs").split("\n") == [
        f"{label}: P(< {lo:.2f}) = {a:.1%} · between: {b:.1%} · P(> {hi:.2f}) = {c:.1%}"
        for label, a, b, c in want]
    assert want[0][1] > 0.9 and want[2][3] > 0.9  # far apart: main-run numbers would not do
    for fig in (p.figure for p in user.find(ui.plotly).elements
                if title(p.figure).startswith(("Distribution", "Cumulative"))):
        note = next(a["text"] for a in fig["layout"]["annotations"] if " | " in a["text"])
        assert note.split("<br>") == [f"{label}: {a:.1%} | {b:.1%} | {c:.1%}"
                                      for label, a, b, c in want]
    # the overlay choice survives a reload
    await user.open("/")
    await user.should_see(marker="overlay")
    assert element(user, "overlay").value == "simtable"


async def test_report_button_writes_html_and_xlsx(user: User, tmp_path: Path) -> None:
    await setup_model(user)
    await run(user, 3_000)
    expected = simulate(Model.open(BOOK), spec(3_000), backend="numpy").outputs[OUTPUT]
    user.find(marker="report-html").click()
    folder = exports_folder(tmp_path)
    await wait_for(lambda: (folder / "adithiya__Cashflow report.html").exists(), 120)
    html = (folder / "adithiya__Cashflow report.html").read_text()
    assert "<script src=" not in html and "https://" not in html.split("<script")[0]
    shown = [float(v) for v in re.findall(r'data-key="out/Sheet1!G2/mean" data-value="([^"]+)"', html)]
    assert shown and shown[0] == pytest.approx(expected.mean, rel=1e-12)
    user.find(marker="report-xlsx").click()
    await wait_for(lambda: (folder / "adithiya__Cashflow report.xlsx").exists(), 120)
    import openpyxl

    wb = openpyxl.load_workbook(folder / "adithiya__Cashflow report.xlsx", read_only=True)
    rows = list(wb["Summary"].iter_rows(values_only=True))
    mean_row = next(r for r in rows if r and r[0] == "mean")
    assert mean_row[1] == pytest.approx(expected.mean, rel=1e-12)


async def test_exports_run_in_a_worker_with_progress(user: User, tmp_path: Path) -> None:
    await setup_model(user)
    await run(user, 140_000)   # three chunks of 65,536 trials
    user.find(marker="export").click()
    user.find(marker="export-csv").click()
    folder = exports_folder(tmp_path)
    path = folder / "adithiya__Cashflow samples.csv"
    await wait_for(lambda: path.exists(), 120)
    mat = np.loadtxt(path, delimiter=",", skiprows=1)
    assert mat.shape == (140_000, 4)
    expected = simulate(Model.open(BOOK), spec(140_000), backend="numpy")
    for k, cell in enumerate(INPUTS):  # the same draws, read back bit for bit
        np.testing.assert_array_equal(mat[:, k], expected.samples.inputs[cell])
    np.testing.assert_allclose(mat[:, 3], expected.samples.outputs[OUTPUT], rtol=1e-12)
    user.find(marker="export-parquet").click()
    pq_path = folder / "adithiya__Cashflow samples.parquet"
    await wait_for(lambda: pq_path.exists(), 120)
    import pyarrow.parquet as pq

    table = pq.read_table(pq_path)
    assert table.column_names == [*INPUTS, OUTPUT]
    np.testing.assert_array_equal(table.column(OUTPUT).to_numpy(), mat[:, 3])
    assert b"FV Total" in table.schema.metadata[b"mcdesk.names"]


def test_export_progress_and_cancel(tmp_path: Path) -> None:
    export = importlib.import_module("mcdesk.app.export")
    m = Model.from_cells({"A1": 1.0, "B1": "=A1*2"})
    result = simulate(m, SimulationSpec([InputSpec("Sheet1!A1", "uniform", {"min": 0, "max": 1})],
                                        ["Sheet1!B1"], 200_000, seed=2), backend="numpy")
    for kind in ("csv", "parquet", "xlsx"):
        job = export.ExportJob()
        seen: list[int] = []
        step = job.step
        job.step = lambda done, seen=seen, step=step: (seen.append(done), step(done))
        rows = 70_000 if kind == "xlsx" else 200_000
        export.write_samples(result, tmp_path / f"s.{kind}", kind, job, max_rows=rows)
        assert seen == list(range(65_536, rows, 65_536)) + [rows], kind  # one step per chunk
        cancelled = export.ExportJob()
        cancelled.cancel.set()
        with pytest.raises(importlib.import_module("engine.errors").CancelledError):
            export.write_samples(result, tmp_path / f"c.{kind}", kind, cancelled, max_rows=rows)
        assert not (tmp_path / f"c.{kind}").exists()
        assert not list(tmp_path.glob(".*part"))  # nothing half written left behind


async def test_number_formats_in_grid_statistics_and_axes(user: User, tmp_path: Path) -> None:
    await user.open("/")
    await upload(user, BOOK)
    await wait_for(lambda: book_name(user) == BOOK.name)
    grid = next(iter(user.find(ui.aggrid).elements))
    row2 = grid.options["rowData"][1]
    assert row2["E"] == "₹ 14,307.69"   # "₹"\ #,##0.00;[Red]"₹"\ \-#,##0.00
    assert row2["G"] == "57384.57"      # 0.00
    assert row2["C"] == "0.01"          # General
    widths = {c["field"]: c["width"] for c in grid.options["columnDefs"]}
    assert widths["E"] >= 7 * len("₹ 14,307.69")
    for cell, (lo, mode, hi) in INPUTS.items():
        await add_triangular(user, cell, lo, mode, hi)
    user.find(marker="cell-address").clear().type("Sheet1!E2")
    user.find(marker="add-output").click()
    await user.should_see(marker="output-Sheet1!E2")
    await run(user, 2_000)
    expected = simulate(Model.open(BOOK), SimulationSpec(spec(2_000).inputs, ["Sheet1!E2"], 2_000),
                        backend="numpy").outputs["Sheet1!E2"]
    summary = element(user, "summary-table").rows[0]
    assert summary["mean"] == f"₹ {expected.mean:,.2f}"
    assert summary["p90"] == f"₹ {expected.percentiles['90']:,.2f}"
    hist = next(p.figure for p in user.find(ui.plotly).elements
                if title(p.figure).startswith("Distribution"))
    assert hist["layout"]["xaxis"]["tickformat"] == ",.2f"
    assert hist["layout"]["xaxis"]["tickprefix"] == "₹ "


async def test_delimiters_give_the_probabilities_left_between_right(user: User) -> None:
    await setup_model(user)
    await run(user, 5_000)
    y = simulate(Model.open(BOOK), spec(5_000), backend="numpy").samples.outputs[OUTPUT]
    element(user, "delimiter-left").set_value(56_000)
    element(user, "delimiter-right").set_value(58_500)
    left, right = np.mean(y < 56_000), np.mean(y > 58_500)
    assert text(user, "delimiter-probs") == (
        f"P(< 56000.00) = {left:.1%} · between: {1 - left - right:.1%} · "
        f"P(> 58500.00) = {right:.1%}")
    assert element(user, "delimiter-range").value == {"min": 56_000, "max": 58_500}
    # dragged: the slider moves the typed values and the lines on both charts
    element(user, "delimiter-range").set_value({"min": 57_000, "max": 58_000})
    assert element(user, "delimiter-left").value == 57_000
    left, right = np.mean(y < 57_000), np.mean(y > 58_000)
    assert f"between: {1 - left - right:.1%}" in text(user, "delimiter-probs")
    for fig in (p.figure for p in user.find(ui.plotly).elements
                if title(p.figure).startswith(("Distribution", "Cumulative"))):
        xs = sorted(s["x0"] for s in fig["layout"]["shapes"] if s.get("line", {}).get(
            "color") == "#6a1b9a")
        assert xs == [57_000, 58_000]


async def test_results_page_summary_and_metadata(user: User) -> None:
    await setup_model(user)
    await run(user, 4_000)
    expected = simulate(Model.open(BOOK), spec(4_000), backend="numpy").outputs[OUTPUT]
    row = element(user, "summary-table").rows[0]
    assert row["name"] == "FV Total" and row["cell"] == OUTPUT
    assert row["mean"] == f"{expected.mean:.2f}"
    assert [row["p10"], row["p50"], row["p90"]] == [
        f"{expected.percentiles[p]:.2f}" for p in ("10", "50", "90")]
    assert row["target"] == f"{expected.mean:.2f}"
    p_over = float(np.mean(simulate(Model.open(BOOK), spec(4_000), backend="numpy")
                           .samples.outputs[OUTPUT] > expected.mean))
    assert row["p_target"] == f"{p_over:.1%}"
    meta = text(user, "run-metadata")
    assert re.fullmatch(r"4,000 trials · seed 1 · mc · \w+ · [\d.]+ s in all \((?:starting [\d.]+ s, )?preparing [\d.]+ s, "
                        r"simulation [\d.]+ s.*, charts [\d.]+ s\) · mcdesk " + re.escape(
                            __version__), meta), meta


async def test_names_are_editable_and_used_everywhere(user: User, tmp_path: Path) -> None:
    await setup_model(user)
    user.find(marker="edit-names").click()
    await user.should_see(marker=f"name-{OUTPUT}")
    assert element(user, f"name-{OUTPUT}").value == "FV Total"   # the workbook's label
    element(user, f"name-{OUTPUT}").set_value("Future value")
    element(user, "name-Sheet1!A2").set_value("Principal")
    user.find(marker="names-save").click()
    await user.should_see("Names saved")
    assert text(user, f"output-name-{OUTPUT}") == "Future value"
    assert text(user, "input-name-Sheet1!A2") == "Principal"
    await run(user, 2_000)
    assert element(user, "summary-table").rows[0]["name"] == "Future value"
    assert table_rows(user)["name"] == "Future value"
    titles = [title(p.figure) for p in user.find(ui.plotly).elements]
    assert f"Distribution of Future value ({OUTPUT})" in titles
    tornado = next(p.figure for p in user.find(ui.plotly).elements
                   if title(p.figure).startswith("Tornado"))
    assert "Principal" in tornado["data"][0]["y"]
    # RESULT.json keeps both the name and the address
    user.find(marker="export").click()
    user.find(marker="export-result").click()
    response = await user.download.next(timeout=10)
    data = json.loads(response.content)
    assert data["outputs"][OUTPUT]["name"] == "Future value"
    assert data["input_names"]["Sheet1!A2"] == "Principal"
    # the statistics CSV too, and the project keeps the names
    user.find(marker="export-stats").click()
    response = await user.download.next(timeout=10)
    assert "name,Future value" in response.content.decode()
    user.find(marker="save-project").click()
    await user.should_see("Saved the project")
    saved = json.loads((tmp_path / "data" / "users" / "local" / "adithiya__Cashflow.mcdesk.json")
                       .read_text())
    assert saved["names"] == {OUTPUT: "Future value", "Sheet1!A2": "Principal"}


async def test_reload_keeps_what_the_user_set(user: User) -> None:
    main = importlib.import_module("mcdesk.app.main")
    assert main.RECONNECT_TIMEOUT >= 30
    from nicegui import app

    assert app.config.reconnect_timeout == main.RECONNECT_TIMEOUT
    await setup_model(user)
    await run(user, 2_000)
    before = table_rows(user)
    user.find(marker="trials").clear().type("12345")
    element(user, "seed").set_value(9)
    element(user, "precision-on").set_value(True)
    element(user, "precision-tolerance").set_value(0.5)
    element(user, "simtable-cell").set_value("Sheet1!D2")
    element(user, "delimiter-left").set_value(56_000)
    await user.open("/")   # a reload (or a reconnect refused after a stall)
    await user.should_see(marker="stats-table")
    assert table_rows(user) == before                      # the results are kept
    assert element(user, "trials").value == 12345          # typed, never run
    assert element(user, "seed").value == 9
    assert element(user, "precision-on").value is True
    assert element(user, "precision-tolerance").value == 0.5
    assert element(user, "simtable-cell").value == "Sheet1!D2"
    assert element(user, "delimiter-left").value == 56_000
