"""``mcdesk simulate --precision/--risk/--report/--results-book``."""

from __future__ import annotations

import json

import openpyxl
import pytest

from mcdesk.cli import main


@pytest.fixture
def book(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "M"
    ws["A1"], ws["A2"], ws["B1"] = 10, 5, "=A1+A2"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


ARGS = ["--input", "M!A1=normal(10,2)", "--input", "M!A2=normal(5,1)", "--output", "M!B1",
        "--backend", "numpy"]


def test_precision_risk_and_reports(book, tmp_path, capsys):
    out = tmp_path / "r.json"
    rc = main(["simulate", str(book), *ARGS, "--trials", "500000",
               "--precision", "M!B1:mean:0.05", "--risk", "--sensitivity", "--json", str(out),
               "--report", str(tmp_path / "r.html"), "--report", str(tmp_path / "r.xlsx"),
               "--results-book", str(tmp_path / "book-results.xlsx")])
    assert rc == 0
    d = json.loads(out.read_text())
    # the mean of N(15, sqrt 5) to +-0.05: (1.96 sqrt 5 / 0.05)^2 ~ 7,700 trials, checks every 10,000
    assert d["trials"] == d["precision"]["trials"] == 10_000 and d["precision"]["converged"]
    assert d["precision"]["targets"][0]["half_width"] <= 0.05
    sa = d["outputs"]["M!B1"]["sensitivity_analysis"]
    assert sa["r2"] == pytest.approx(1.0)      # B1 = A1 + A2: linear
    # SRC of A1: sd 2 of sd sqrt 5; Sobol first order 4/5
    assert sa["src"]["M!A1"] == pytest.approx(2 / 5 ** 0.5, abs=0.02)
    assert sa["sobol"]["first"]["M!A1"] == pytest.approx(0.8, abs=0.05)
    var95 = d["outputs"]["M!B1"]["risk"]["var"]["95"]
    assert var95["value"] == d["outputs"]["M!B1"]["percentiles"]["95"]
    assert var95["ci95"][0] < var95["value"] < var95["ci95"][1]
    text = capsys.readouterr().out
    assert "precision met after 10,000 trials" in text and "CVaR95" in text
    assert "M!B1" in (tmp_path / "r.html").read_text()
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "Summary"
    assert openpyxl.load_workbook(tmp_path / "book-results.xlsx").sheetnames == ["M",
                                                                                "mcdesk results"]


def test_bad_precision_and_report_are_refused_before_the_run(book, tmp_path, capsys):
    assert main(["simulate", str(book), *ARGS, "--precision", "M!B1:p90:0.5%", "--quiet",
                 "--json", str(tmp_path / "cap.json")]) == 0
    cap = json.loads((tmp_path / "cap.json").read_text())["precision"]
    assert cap["cap"] == 10_000_000 and cap["converged"] and cap["trials"] < 100_000
    assert main(["simulate", str(book), *ARGS, "--precision", "M!B1:median:1"]) == 2
    assert "statistic 'median'" in capsys.readouterr().err
    assert main(["simulate", str(book), *ARGS, "--report", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr()
    assert "must end in .html or .xlsx" in err.err and "trials" not in err.out
    assert main(["simulate", str(book), *ARGS, "--sampling", "lhs",
                 "--precision", "M!B1:mean:1%"]) == 2
    assert "Monte Carlo" in capsys.readouterr().err


def test_simtable_runs_and_is_overlaid_in_the_report(tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "M"
    ws["A1"], ws["C1"], ws["B1"] = 10, 1, "=A1*C1"
    book = tmp_path / "table.xlsx"
    wb.save(book)
    out = tmp_path / "r.json"
    rc = main(["simulate", str(book), "--input", "M!A1=normal(10,2)", "--output", "M!B1",
               "--backend", "numpy", "--trials", "5000", "--simtable", "M!C1=1,2,3,4,5",
               "--json", str(out), "--report", str(tmp_path / "r.html")])
    assert rc == 0
    d = json.loads(out.read_text())
    runs = d["simtable"]["runs"]
    assert [r["value"] for r in runs] == [1, 2, 3, 4, 5]
    base = d["outputs"]["M!B1"]["percentiles"]["50"]      # C1 = 1 in the workbook
    for r in runs:   # common random numbers: each run's median is v times the base run's
        assert r["outputs"]["M!B1"]["percentiles"]["50"] == pytest.approx(r["value"] * base,
                                                                         rel=1e-12)
    html = (tmp_path / "r.html").read_text()
    assert "id='simtable-0'" in html and "M!C1 = 5" in html
    assert "simtable M!C1 = 3: M!B1 mean" in capsys.readouterr().out
    assert main(["simulate", str(book), "--input", "M!A1=normal(10,2)", "--output", "M!B1",
                 "--simtable", "M!C1=1,x"]) == 2
    assert "'x' is not a number" in capsys.readouterr().err
