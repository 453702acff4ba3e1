"""The report: self-contained HTML whose numbers are RESULT.json's, drawn in headless
Chromium without the network; the XLSX report; the model's workbook with a results sheet."""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from engine.model import Model
from engine.report import RESULTS_SHEET, report_data, write_html, write_results_workbook, write_xlsx
from engine.simulate import simulate
from engine.spec import CorrelationSpec, InputSpec, SimulationSpec

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("MCDESK_TEST_ARTIFACTS", ROOT / "test-artifacts"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A cost model (two outputs) run on numpy; its RESULT.json and report data."""
    tmp = tmp_path_factory.mktemp("report")
    book = tmp / "cost.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Model"
    ws["A1"], ws["A2"], ws["A3"] = 10, 20, 5
    ws["B1"] = "=A1+2*A2+A3"
    ws["B2"] = "=B1*1.2"
    wb.save(book)
    model = Model.open(book)
    spec = SimulationSpec(
        inputs=[InputSpec("Model!A1", "triangular", {"min": 5, "mode": 10, "max": 20}),
                InputSpec("Model!A2", "uniform", {"min": 15, "max": 25}),
                InputSpec("Model!A3", "normal", {"mean": 5, "sd": 1})],
        outputs=["Model!B1", "Model!B2"], trials=20_000, seed=4,
        correlations=[CorrelationSpec(["Model!A1", "Model!A2"], [[1, 0.4], [0.4, 1]])])
    result = simulate(model, spec, backend="numpy")
    result_json = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    data = report_data(result, spec, book)
    html_path = write_html(tmp / "report.html", data)
    return {"tmp": tmp, "book": book, "result": result_json, "data": data, "html": html_path}


class _Cells(HTMLParser):
    """Every element's src/href and every td's data-key/data-value."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.values: dict[str, float] = {}
        self.scripts_with_src = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            if k in a:
                self.links.append(a[k])
        if tag == "script" and "src" in a:
            self.scripts_with_src += 1
        if "data-key" in a and "data-value" in a:
            self.values[a["data-key"]] = float(a["data-value"])


def _expected(result: dict) -> dict[str, float]:
    exp = {"run/trials": result["trials"], "run/seed": result["seed"]}
    for name, out in result["outputs"].items():
        for s in ("mean", "std", "min", "max", "trials_ok", "errors"):
            exp[f"out/{name}/{s}"] = out[s]
        for p in ("1", "5", "10", "25", "50", "75", "90", "95", "99"):
            exp[f"out/{name}/p{p}"] = out["percentiles"][p]
        for inp, rho in out["sensitivity"].items():
            exp[f"out/{name}/spearman/{inp}"] = rho
            exp[f"out/{name}/contribution/{inp}"] = out["contribution_to_variance"][inp]
    return exp


def test_html_numbers_equal_result_json_and_no_network_reference(run):
    text = run["html"].read_text(encoding="utf-8")
    cells = _Cells()
    cells.feed(text)
    assert cells.scripts_with_src == 0
    assert not [u for u in cells.links if re.match(r"\s*(https?:)?//", u)]
    assert "<link" not in text.split("<script>")[0]         # no stylesheet or font link
    assert "@import" not in text and "url(http" not in text
    exp = _expected(run["result"])
    assert len(exp) == 2 * (6 + 9 + 2 * 3) + 2
    for key, value in exp.items():
        assert cells.values[key] == value, key                # the same float, to the bit
    assert cells.values["corr0/Model!A1/Model!A2"] == 0.4
    for label in ("Inputs and their distributions", "triangular", "Correlation matrix 1",
                  "Sobol first", "CVaR", "mcdesk version", "numpy"):
        assert label in text


def test_report_data_carries_risk_and_sensitivity(run):
    extra = run["data"]["extra"]["Model!B1"]
    # B1 = A1 + 2 A2 + A3 is linear: R^2 = 1
    assert extra["sensitivity"]["r2"] == pytest.approx(1.0)
    assert extra["risk"]["var"]["95"]["value"] == pytest.approx(
        run["result"]["outputs"]["Model!B1"]["percentiles"]["95"], rel=1e-9)


def test_xlsx_report_and_results_copy(run):
    tmp, result = run["tmp"], run["result"]
    xlsx = write_xlsx(tmp / "report.xlsx", run["data"])
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Summary", "Percentiles", "Risk", "Sensitivity", "Inputs"]
    rows = {r[0]: r[1:] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert rows["statistic"] == ("Model!B1", "Model!B2")
    # openpyxl writes 15 significant digits (as Excel keeps them)
    xl = {"rel": 1e-14}
    assert rows["mean"] == pytest.approx((result["outputs"]["Model!B1"]["mean"],
                                          result["outputs"]["Model!B2"]["mean"]), **xl)
    assert rows["P90"][1] == pytest.approx(result["outputs"]["Model!B2"]["percentiles"]["90"], **xl)
    pct = list(wb["Percentiles"].iter_rows(values_only=True))
    assert len(pct) == 100 and pct[50] == pytest.approx(
        (50, result["outputs"]["Model!B1"]["percentiles"]["50"],
         result["outputs"]["Model!B2"]["percentiles"]["50"]), **xl)
    copy = write_results_workbook(run["book"], tmp / "cost-results.xlsx", run["data"])
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames == ["Model", RESULTS_SHEET]
    assert wb["Model"]["B1"].value == "=A1+2*A2+A3"           # the model as it was
    rows = {r[0]: r[1:] for r in wb[RESULTS_SHEET].iter_rows(values_only=True) if r[0]}
    assert rows["seed"][0] == 4
    assert rows["std"][0] == pytest.approx(result["outputs"]["Model!B1"]["std"], **xl)
    from engine.errors import McdeskError

    with pytest.raises(McdeskError, match="must not overwrite"):
        write_results_workbook(run["book"], run["book"], run["data"])


@pytest.mark.browser
def test_report_draws_every_chart_in_chromium_offline(run):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    figures = json.loads(re.search(r'id="mcdesk-figures">(.*?)</script>',
                                   run["html"].read_text(encoding="utf-8"), re.S).group(1))
    assert len(figures) == 8     # histogram, S-curve, tornado, spider for each of two outputs
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1800})
            page.on("request", lambda r: requests.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(run["html"].as_uri())
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= "
                f"{2 * len(figures)}", timeout=30_000)
            drawn = page.evaluate("""() => Array.from(document.querySelectorAll('.chart')).map(
                d => [d.id, d.querySelectorAll('svg.main-svg').length,
                      d.querySelectorAll('.trace path, .trace .point').length])""")
            links = page.evaluate("""() => Array.from(document.querySelectorAll('[src],[href]'))
                .map(e => e.getAttribute('src') || e.getAttribute('href'))""")
            shown = page.evaluate("""() => Object.fromEntries(Array.from(
                document.querySelectorAll('td[data-key]')).map(
                td => [td.dataset.key, [td.dataset.value, td.textContent]]))""")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
        finally:
            browser.close()
    assert not errors
    assert sorted(d[0] for d in drawn) == sorted(figures)
    for fid, svgs, marks in drawn:
        assert svgs >= 2 and marks >= 1, (fid, svgs, marks)
    assert not [u for u in links if u and re.match(r"\s*(https?:)?//", u)]
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in requests), requests
    for key, value in _expected(run["result"]).items():
        assert float(shown[key][0]) == value, key
    mean = run["result"]["outputs"]["Model!B1"]["mean"]
    assert shown["out/Model!B1/mean"][1] == f"{mean:,.6g}"


def test_results_copy_keeps_every_part_of_a_workbook_with_charts(run, tmp_path):
    """A shared workbook with charts and pivot caches: every original part byte for byte,
    the results sheet readable by openpyxl and by the engine."""
    import zipfile

    from engine.model import Model

    src = Path(__file__).parent / "data" / "workbooks" / "adithiya__Loan_Interest_Engine.xlsx"
    dst = write_results_workbook(src, tmp_path / "with-results.xlsx", run["data"])
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        before, after = set(a.namelist()), set(b.namelist())
        added = after - before
        assert len(added) == 1 and next(iter(added)).startswith("xl/worksheets/sheet")
        edited = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
        assert any(n.startswith("xl/charts/") for n in before)
        for n in before - edited:
            assert a.read(n) == b.read(n), n
    wb = openpyxl.load_workbook(dst)
    assert wb.sheetnames[-1] == RESULTS_SHEET
    assert wb.sheetnames[:-1] == openpyxl.load_workbook(src).sheetnames
    rows = {r[0]: r[1:] for r in wb[RESULTS_SHEET].iter_rows(values_only=True) if r[0]}
    mean = run["result"]["outputs"]["Model!B1"]["mean"]
    assert rows["mean"][0] == mean                               # every bit: repr
    model = Model.open(dst)
    assert list(model.workbook.visible_sheets)[-1] == RESULTS_SHEET
    from engine.workbook import CellRef

    cell = model.workbook.cell(CellRef(RESULTS_SHEET, 2, 2))     # B2: the trials
    assert cell is not None and cell.value == run["result"]["trials"]


def test_statistics_cells_in_both_reports_equal_result_json(tmp_path):
    """An @RISK workbook's statistics cells (=RiskMean(C1), =RiskPercentile(C1,0.9),
    =RiskStdDev(C2)*2) are in the HTML and XLSX reports with RESULT.json's values."""
    from mcdesk.cli import main
    from tests.test_addins_workbooks import _addin_book

    book = _addin_book(tmp_path / "risk.xlsx", "risk")
    out, page, sheet = tmp_path / "RESULT.json", tmp_path / "r.html", tmp_path / "r.xlsx"
    assert main(["simulate", str(book), "--trials", "2000", "--seed", "3", "--backend", "numpy",
                 "--quiet", "--json", str(out), "--report", str(page), "--report",
                 str(sheet)]) == 0
    want = json.loads(out.read_text())["addins"]["statistics"]
    assert list(want) == ["Model!D1", "Model!D2", "Model!D3"]
    assert all(isinstance(got["value"], float) for got in want.values())
    cells = _Cells()
    text = page.read_text(encoding="utf-8")
    cells.feed(text)
    for cell, got in want.items():
        assert cells.values[f"stat/{cell}"] == got["value"], cell   # to the bit
    assert "Statistics cells" in text and "=RiskPercentile(C1,0.9)" in text
    # the cells' names as RESULT.json gives them, beside their addresses
    assert "<h2>Output Total (Model!C1)</h2>" in text and "<h2>Output Other (Model!C2)</h2>" in text
    assert "<td class='name'>Steel (Model!B1)</td>" in text        # its sensitivity row
    wb = openpyxl.load_workbook(sheet)
    summary = {r[0]: r[1:] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["name"] == ("Total", "Other")
    rows = {r[0]: r[1:] for r in wb["Statistics cells"].iter_rows(values_only=True)}
    assert rows["cell"] == ("name", "formula", "value", "note")
    for cell, got in want.items():
        assert rows[cell][1] == "=" + got["formula"].lstrip("=")        # text, not a formula
        assert rows[cell][2] == pytest.approx(got["value"], rel=1e-14)


def test_app_report_holds_the_statistics_cells_with_their_names(tmp_path, monkeypatch):
    """The app's report (Results > Report) carries the statistics cells the results page
    lists, with the run's values and the cells' names; outputs and precision targets are
    named as in the app."""
    from mcdesk.app import workspace
    from mcdesk.app.export_panel import report_file
    from mcdesk.app.workspace import Workspace
    from tests.test_addins_workbooks import _addin_book

    monkeypatch.setattr(workspace, "warm_numba", lambda *a: None)  # no compile after the run

    ws = Workspace()
    ws.open(_addin_book(tmp_path / "risk.xlsx", "risk"))
    ws.settings.trials, ws.settings.seed = 2000, 3
    ws.rename("Model!D1", "Mean total")
    ws.settings.precision.enabled, ws.settings.precision.tolerance = True, 50.0  # % of the mean
    ws.run()
    assert set(ws.statistics) == {"Model!D1", "Model!D2", "Model!D3"}
    page = report_file(ws, "html", tmp_path / "app.html")
    cells = _Cells()
    text = page.read_text(encoding="utf-8")
    cells.feed(text)
    for cell, got in ws.statistics.items():
        assert cells.values[f"stat/{cell}"] == got["value"], cell
    assert "<td class='name'>Mean total</td><td class='name'>Model!D1</td>" in text
    # outputs and precision targets by name (RiskOutput("Total")), the address beside it
    assert "<h2>Output Total (Model!C1)</h2>" in text
    assert "<td class='name'>Total (Model!C1) mean</td>" in text
    assert "<td class='name'>Steel</td><td class='name'>Model!B1</td>" in text  # the inputs
    assert "<td class='name'>Steel (Model!B1)</td>" in text  # sensitivity
    sheet = report_file(ws, "xlsx", tmp_path / "app.xlsx")
    rows = {r[0]: r[1:] for r in openpyxl.load_workbook(sheet)["Statistics cells"]
            .iter_rows(values_only=True)}
    assert rows["Model!D1"][0] == "Mean total"
    assert rows["Model!D3"][2] == pytest.approx(ws.statistics["Model!D3"]["value"], rel=1e-14)
