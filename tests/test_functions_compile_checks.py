"""How the compiler treats formulas it cannot run as written: every unsupported function is
named, a wrong number of arguments is a clear problem (never a traceback), and data from a
service (STOCKHISTORY, linked data types) keeps Excel's cached value."""

from __future__ import annotations

import json
import subprocess
import sys

from strategies import Formula, write_xlsx

from engine.check import check_model
from engine.model import Model


def _book(tmp_path, cells):
    return write_xlsx(tmp_path / "book.xlsx", {"Sheet1": cells})


def test_every_unsupported_function_is_named_and_nested_rand_is_volatile(tmp_path):
    path = _book(tmp_path, {"A1": 1.0,
                            "B1": Formula("=NOSUCHONE(NOSUCHTWO(A1), NOSUCHTHREE(2))", 0.0),
                            "B2": Formula("=NOSUCHONE(RAND())", 0.0)})
    r = check_model(Model.open(path))
    assert {"NOSUCHONE", "NOSUCHTWO", "NOSUCHTHREE"} <= set(r.unsupported_functions)
    assert r.unsupported_functions["NOSUCHONE"] == 2
    assert "Sheet1!B2" in r.volatile_cells


def test_external_data_keeps_the_cached_value(tmp_path):
    path = _book(tmp_path, {
        "A1": Formula('=STOCKHISTORY("MSFT",45000,45010)', 412.5),
        "A2": Formula("=A1*2", 825.0),
        "A3": Formula('=FIELDVALUE(A1,"Price")', 17.25)})
    r = check_model(Model.open(path))
    assert r.unsupported_functions == {}
    assert r.external_data == {"STOCKHISTORY": 1, "FIELDVALUE": 1}
    assert r.matches_cached == r.compared == 3


def test_wrong_argument_counts_are_reported_not_raised(tmp_path):
    path = _book(tmp_path, {"A1": Formula("=RANDBETWEEN()", 0.0),
                            "A2": Formula("=CONVERT(1)", 0.0),
                            "A3": Formula("=FORECAST(1)", 0.0),
                            "A4": Formula("=SUM(1,2)", 3.0)})
    m = Model.open(path)
    r = check_model(m)
    text = " ".join(r.problems)
    assert "RANDBETWEEN takes 2 arguments, not 0" in text
    assert "CONVERT takes 3 arguments, not 1" in text
    assert "FORECAST takes 3 arguments, not 1" in text
    values, _ = m.evaluate(m.workbook.formula_cells())
    shown = {str(c): v.scalar() for c, v in values.items()}
    assert [str(shown[f"Sheet1!A{i}"]) for i in (1, 2, 3)] == ["#VALUE!"] * 3
    assert shown["Sheet1!A4"] == 3.0


def test_cli_check_reports_randbetween_without_arguments(tmp_path):
    path = _book(tmp_path, {"A1": 1.0, "B1": Formula("=RANDBETWEEN()", 0.0),
                            "C1": Formula("=A1+1", 2.0)})
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "mcdesk.cli", "check", str(path), "--json",
                           str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    report = json.loads(out.read_text())
    assert any("Sheet1!B1" in p and "RANDBETWEEN" in p for p in report["problems"])


def test_functions_of_any_number_of_arguments_declare_their_counts():
    from engine.compiler import lookup_function as lookup
    from engine.functions import arity_error

    assert arity_error(lookup("PMT"), 2) == "PMT takes 3 to 5 arguments, not 2"
    assert arity_error(lookup("ABS"), 2) == "ABS takes 1 argument, not 2"
    assert arity_error(lookup("PRICE"), 5) == "PRICE takes 6 to 7 arguments, not 5"
    assert arity_error(lookup("NORM.S.INV"), 1) is None
    assert arity_error(lookup("SUM"), 30) is None
