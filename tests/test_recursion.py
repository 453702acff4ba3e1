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
