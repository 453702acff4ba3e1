"""Formulas nested thousands of levels deep: ``check`` and ``simulate`` answer (or refuse in
one line), never a RecursionError traceback (issue 17.1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

DEEP = {
    "B1": ("=" + "ABS(" * 3000 + "A1" + ")" * 3000, 2.0),
    "B2": ("=" + "+".join(["A1"] * 4000), 8000.0),   # 12,000 characters
    "B3": ("=" + "(" * 3000 + "A1*2" + ")" * 3000, 4.0),
    "B4": ("=" + "-" * 2000 + "A1", 2.0),
    "B5": ("=" + "IF(A1>0," * 500 + "A1" + ",0)" * 500, 2.0),
}


@pytest.fixture(scope="module")
def deep_book(tmp_path_factory) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = 2
    for addr, (formula, _) in DEEP.items():
        ws[addr] = formula
    path = Path(tmp_path_factory.mktemp("deep")) / "deep.xlsx"
    wb.save(path)
    return path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mcdesk.cli", *args], capture_output=True,
                          text=True, timeout=300)


def _clean(r: subprocess.CompletedProcess) -> None:
    assert r.returncode in (0, 2), r.stderr[-2000:]
    assert "Traceback" not in r.stderr and "RecursionError" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.strip() and "warning" not in ln]
    assert len(errors) <= 1, r.stderr[-2000:]


def test_check_computes_deep_formulas(deep_book, tmp_path):
    report = tmp_path / "report.json"
    r = _run("check", str(deep_book), "--json", str(report))
    _clean(r)
    assert r.returncode == 0
    data = json.loads(report.read_text())
    assert data["formula_cells"] == len(DEEP)
    assert not data["circular"]


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_simulate_deep_formulas(deep_book, tmp_path, backend):
    pytest.importorskip(backend)
    out = tmp_path / "result.json"
    outputs = [a for addr in DEEP for a in ("--output", f"Sheet1!{addr}")]
    r = _run("simulate", str(deep_book), "--input", "Sheet1!A1=triangular(1,2,4)", *outputs,
             "--trials", "200", "--backend", backend, "--json", str(out))
    _clean(r)
    assert r.returncode == 0
    got = json.loads(out.read_text())["outputs"]
    a = got["Sheet1!B1"]
    assert 1 <= a["min"] <= a["max"] <= 4
    assert got["Sheet1!B2"]["mean"] == pytest.approx(4000 * a["mean"])
    assert got["Sheet1!B3"]["mean"] == pytest.approx(2 * a["mean"])
    assert got["Sheet1!B4"]["mean"] == pytest.approx(a["mean"])
    assert got["Sheet1!B5"]["mean"] == pytest.approx(a["mean"])


# ------------------------------------------------------------------ & chains
def test_long_concatenation_chain_is_one_join_with_excel_values():
    """``=A1&B1&...`` thousands long: each operand's text as Excel writes it (1.5 -> "1.5",
    TRUE -> "TRUE", blank -> ""), in order; joined once, so the time grows with the length."""
    from engine.model import Model
    from engine.values import Kind

    terms = ["A1", "B1", "C1", '"x"', "D1"] * 2000          # 10,000 operands, 3,999 levels
    m = Model.from_cells({"A1": 1.5, "B1": True, "C1": "ab", "E1": "=" + "&".join(terms)})
    v = m.evaluate_formula("=" + "&".join(terms))
    assert v.kind == Kind.STR and v.scalar() == "1.5TRUEabx" * 2000
    values, _ = m.evaluate()
    assert values[m.ref("E1")].scalar() == "1.5TRUEabx" * 2000


def test_concatenation_chain_errors_and_arrays_as_the_pairwise_operator():
    """The first error left to right wins (as ((a&b)&c)&d does); arrays broadcast as Excel's
    & does, element by element."""
    from engine.model import Model
    from engine.values import ExcelError, Grid

    m = Model.from_cells({"A1": 2.0, "B1": "=1/0", "C1": "=NA()"})
    assert m.evaluate_formula('="a"&A1&B1&C1&"z"').scalar() == ExcelError("#DIV/0!")
    assert m.evaluate_formula('="a"&A1&C1&B1').scalar() == ExcelError("#N/A")
    g = m.evaluate_formula('={1,2}&"-"&A1&{"x","y"}')
    assert isinstance(g, Grid)
    assert [v.scalar() for v in g.flat()] == ["1-2x", "2-2y"]
    # per trial: one text per trial
    v = m.evaluate_formula('=A1&"|"&A1&"|"&A1', inputs={"A1": [1.0, 2.25, -3.0]})
    assert [v.scalar(i) for i in range(3)] == ["1|1|1", "2.25|2.25|2.25", "-3|-3|-3"]
