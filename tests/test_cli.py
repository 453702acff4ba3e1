"""The command line as a user runs it: results, files written, and one-line errors."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from mcdesk.cli import main
from tests.conftest import DATA, WORKBOOKS


@pytest.fixture
def cost_book(make_book):
    cells = {"Inputs!A1": "Item", "Inputs!B1": 10.0, "Inputs!B2": 20.0, "Inputs!B3": 30.0,
             "Inputs!C1": 8.0, "Inputs!D1": 15.0,
             "Summary!B1": "=SUM(Inputs!B1:B3)", "Summary!B2": "=Summary!B1*1.1",
             "Summary!B3": "=IF(Summary!B2>66,1/0,Summary!B2)", "Summary!B4": "=NOSUCH(Inputs!B1)"}
    return make_book(cells)


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_writes_result_and_samples(cost_book, tmp_path, capsys):
    res, csv = tmp_path / "r.json", tmp_path / "s.csv"
    code, out, err = run(["simulate", cost_book, "--input", "Inputs!B1=triangular(Inputs!C1,10,Inputs!D1)",
                          "--input", "Inputs!B2=uniform(15,25)", "--output", "Summary!B2",
                          "--output", "Summary!B3", "--trials", 2000, "--seed", 3,
                          "--json", res, "--samples", csv], capsys)
    assert code == 0, err
    data = json.loads(res.read_text())
    assert data["trials"] == 2000 and data["seed"] == 3 and data["backend"] == "numpy"
    b2 = data["outputs"]["Summary!B2"]
    # exact mean: 1.1 * (E[tri(8,10,15)] + E[U(15,25)] + 30) = 1.1 * (11 + 20 + 30)
    assert b2["mean"] == pytest.approx(67.1, rel=0.01)
    assert set(b2["percentiles"]) == {str(p) for p in range(1, 100)}
    assert set(b2["sensitivity"]) == {"Inputs!B1", "Inputs!B2"}
    assert data["outputs"]["Summary!B3"]["errors"] > 0  # #DIV/0! in the trials above 66
    rows = np.genfromtxt(csv, delimiter=",", names=True)
    assert len(rows) == 2000
    header = csv.read_text().splitlines()[0].split(",")
    assert header == ["Inputs!B1", "Inputs!B2", "Summary!B2", "Summary!B3"]
    assert "Summary!B2: mean" in out
    assert re.search(r"2,000 trials, seed 3, numpy backend, [\d.]+ s \([\d,]+ trials/s\); "
                     r"[\d.]+ s in all with compiling and statistics", out)


def test_samples_npz(cost_book, tmp_path, capsys):
    npz = tmp_path / "s.npz"
    code, _, err = run(["simulate", cost_book, "--input", "Inputs!B1=normal(10,1)",
                        "--output", "Summary!B1", "--trials", 500, "--samples", npz], capsys)
    assert code == 0, err
    z = np.load(npz)
    np.testing.assert_allclose(z["Summary!B1"], z["Inputs!B1"] + 50.0)


@pytest.mark.parametrize(("args", "needle"), [
    (["simulate", "{book}", "--input", "Inputs!B1=triangular(5,3,4)", "--output", "Summary!B1"],
     "Inputs!B1"),
    (["simulate", "{book}", "--input", "Nosheet!B1=triangular(1,2,3)", "--output", "Summary!B1"],
     "Nosheet"),
    (["simulate", "{book}", "--input", "Inputs!B1=triangular(1,2,3)", "--output", "Summary!Z99"],
     "Summary!Z99"),
    (["simulate", "{book}", "--input", "Inputs!B1=triangular(1,2,3)", "--output", "Summary!B4"],
     "NOSUCH"),
    (["simulate", "{book}", "--input", "Inputs!B1=wobbly(1,2,3)", "--output", "Summary!B1"],
     "wobbly"),
    (["simulate", "{book}", "--input", "Inputs!B1=triangular(1,2,3)", "--output", "Summary!B1",
      "--trials", "0"], "trials"),
    (["check", "{data}/protected.xlsx"], "password"),
])
def test_bad_input_is_one_line_exit_2(cost_book, capsys, args, needle):
    argv = [a.format(book=cost_book, data=DATA) for a in args]
    code, out, err = run(argv, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and needle in err
    assert "Traceback" not in err


def test_unsupported_function_message_names_the_cell(cost_book, capsys):
    code, _, err = run(["simulate", cost_book, "--input", "Inputs!B1=triangular(1,2,3)",
                        "--output", "Summary!B4"], capsys)
    assert code == 2 and "Summary!B4" in err


@pytest.mark.parametrize("content", [b"not a workbook at all", b"PK\x03\x04truncated",
                                     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100])
def test_bad_files_in_a_real_process(tmp_path, content):
    p = tmp_path / "bad.xlsx"
    p.write_bytes(content)
    r = subprocess.run([sys.executable, "-m", "mcdesk.cli", "check", str(p)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "bad.xlsx" in r.stderr
    assert "Traceback" not in r.stderr


def test_check_writes_report(tmp_path, capsys):
    report = tmp_path / "report.json"
    code, out, err = run(["check", WORKBOOKS / "pycel__logical.xlsx", "--json", report], capsys)
    assert code == 0, err
    data = json.loads(report.read_text())
    for key in ("formula_cells", "compared", "matches_cached", "unsupported_functions",
                "volatile_cells", "circular", "mismatches"):
        assert key in data
    assert data["compared"] > 500 and data["matches_cached"] == data["compared"]


def test_check_reports_volatile_and_circular(make_book, tmp_path, capsys):
    book = make_book({"Sheet1!A1": "=RAND()", "Sheet1!A2": "=A3+1", "Sheet1!A3": "=A2+1",
                      "Sheet1!A4": "=NOW()"})
    report = tmp_path / "r.json"
    code, out, _ = run(["check", book, "--json", report], capsys)
    data = json.loads(report.read_text())
    assert data["volatile_cells"] == ["Sheet1!A1", "Sheet1!A4"]
    assert data["circular"] == [["Sheet1!A2", "Sheet1!A3"]]
    assert "circular reference: Sheet1!A2 -> Sheet1!A3" in out


def _cli_module():
    # by the module object in sys.modules, not the dotted path: NiceGUI's user fixture drops
    # the `mcdesk` package from sys.modules after a test, and a re-imported package lacks `.cli`
    return importlib.import_module("mcdesk.cli")


@pytest.fixture
def launched(monkeypatch):
    """mcdesk.app.main.launch replaced by a recorder (the app is not started)."""
    calls: list[dict] = []
    app_main = importlib.import_module("mcdesk.app.main")

    monkeypatch.setattr(app_main, "launch", lambda book, **kw: calls.append({"book": book, **kw}))
    monkeypatch.setattr(_cli_module(), "browser_available", lambda: True)
    return calls


@pytest.mark.parametrize(("argv", "book", "port", "host", "show"), [
    ([], None, 8080, "127.0.0.1", True),
    (["--port", "18081"], None, 18081, "127.0.0.1", True),
    (["--port", "18081", "--host", "0.0.0.0", "--no-browser"], None, 18081, "0.0.0.0", False),
    (["-v", "--no-browser", "{book}"], "{book}", 8080, "127.0.0.1", False),
    (["app", "--port", "9000"], None, 9000, "127.0.0.1", True),
])
def test_bare_command_takes_the_app_options_and_prints_the_address(
        launched, cost_book, capsys, argv, book, port, host, show):
    code, out, err = run([a.format(book=cost_book) for a in argv], capsys)
    assert code == 0, err
    (call,) = launched
    assert call["port"] == port and call["host"] == host and call["show"] is show
    assert call["book"] == (cost_book if book else None) and call["native"] is False
    shown = "127.0.0.1" if host == "0.0.0.0" else host
    assert out.splitlines()[0] == f"mcdesk: http://{shown}:{port} — Ctrl-C to stop"


def test_no_browser_is_said_and_no_tab_is_tried(launched, monkeypatch, capsys):
    monkeypatch.setattr(_cli_module(), "browser_available", lambda: False)
    code, out, _ = run(["--port", "8123"], capsys)
    assert code == 0
    assert "no browser could be opened" in out and "http://127.0.0.1:8123" in out
    assert launched[0]["show"] is False


def test_native_names_the_missing_xcb_libraries(launched, monkeypatch, capsys):
    import ctypes.util

    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library",
                        lambda name: None if name in ("xcb-icccm", "xcb-keysyms") else real(name)
                        or f"lib{name}.so")
    code, _, err = run(["app", "--native"], capsys)
    assert code == 2 and not launched
    assert len(err.strip().splitlines()) == 1
    assert "libxcb-icccm4" in err and "libxcb-keysyms1" in err and "libxcb-cursor0" not in err


def test_native_starts_when_the_libraries_are_there(launched, monkeypatch, capsys):
    monkeypatch.setattr("ctypes.util.find_library", lambda name: f"lib{name}.so.0")
    code, out, err = run(["--native"], capsys)
    assert code == 0, err
    assert launched[0]["native"] is True and launched[0]["show"] is False


def test_one_default_seed_for_the_cli_the_app_and_a_spec(cost_book, tmp_path, capsys):
    from engine.spec import SimulationSpec
    from mcdesk.app.settings import AppSettings
    from mcdesk.app.workspace import RunSettings

    res = tmp_path / "r.json"
    code, _, err = run(["simulate", cost_book, "--input", "Inputs!B1=uniform(1,2)",
                        "--output", "Summary!B1", "--trials", 100, "--json", res], capsys)
    assert code == 0, err
    cli_seed = json.loads(res.read_text())["seed"]
    spec_seed = SimulationSpec.from_dict({"inputs": [], "outputs": []}).seed
    assert cli_seed == spec_seed == RunSettings().seed == AppSettings().seed == 1


def test_result_json_names_each_cell_beside_its_address(tmp_path, capsys):
    from mcdesk.cli import example_paths

    book, spec = example_paths()
    res = tmp_path / "r.json"
    code, out, err = run(["simulate", book, "--spec", spec, "--trials", 500, "--json", res],
                         capsys)
    assert code == 0, err
    data = json.loads(res.read_text())
    assert data["outputs"]["Summary!B4"]["name"] == "Net present value (NPV)"
    assert data["outputs"]["Summary!B2"]["name"] == "Total capital cost"
    assert data["input_names"]["Inputs!F7"] == "Grid connection"
    assert "Summary!B2 (Total capital cost): mean" in out


def test_an_output_no_input_reaches_is_said_to_be_constant(cost_book, capsys):
    code, out, err = run(["simulate", cost_book, "--input", "Inputs!D1=uniform(1,2)",
                          "--output", "Summary!B2", "--trials", 300], capsys)
    assert code == 0, err
    assert "Summary!B2: constant, 66 in every trial (no input changes it)" in out
    assert "std" not in out and "input Inputs!D1 affects no output" in err


def test_an_input_on_a_formula_cell_is_said_to_replace_it(cost_book, capsys):
    """scout11 (unseen11 Tax_Calculator): a triangular input on I8 ``=MIN(0.2*I6, 500000)``
    silently replaced the formula where the user meant I6: the run goes on and says so."""
    code, out, err = run(["simulate", cost_book, "--input", "Summary!B1=triangular(50,60,80)",
                          "--input", "Inputs!B2=triangular(15,20,30)",
                          "--output", "Summary!B2", "--trials", 300, "--seed", 3], capsys)
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if "replaces its formula" in ln]
    assert len(lines) == 1 and "input Summary!B1 replaces its formula" in lines[0]
    assert "SUM(Inputs!B1:B3)" in lines[0]
    mean = float(out.split("Summary!B2: mean")[1].split()[0].rstrip(","))
    assert abs(mean - 1.1 * (50 + 60 + 80) / 3) < 2.0   # B1's samples, not the SUM


def test_every_trial_an_error_says_which_error(make_book, capsys):
    book = make_book({"Sheet1!A1": 1.0, "Sheet1!B1": "=A1/0", "Sheet1!B2": "=SQRT(-A1)"})
    code, out, err = run(["simulate", book, "--input", "Sheet1!A1=uniform(1,2)",
                          "--output", "Sheet1!B1", "--output", "Sheet1!B2", "--trials", 200],
                         capsys)
    assert code == 0, err
    assert "Sheet1!B1: every trial ended in an Excel error (200 #DIV/0!)" in out
    assert "Sheet1!B2: every trial ended in an Excel error (200 #NUM!)" in out
