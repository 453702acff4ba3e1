"""Big workbooks: check parses a repeated formula once, reads a shared range once, and every
budget (issue 17.3) gives one line naming the cell, the limit and its environment variable."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from engine.check import check_model
from engine.errors import LimitError
from engine.model import Model
from engine.workbook import Limits, load_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def write_book(path: Path, sheet_data: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", f'<Types xmlns="{CT}"><Default Extension="rels" '
                    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
                    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        zf.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                    '<sheet name="Calc" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}"><Relationship '
                    f'Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                    '</Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{MAIN}"><sheetData>'
                    f"{sheet_data}</sheetData></worksheet>")
    return path


def ledger(rows: int) -> str:
    """Per row: a key, an amount, a running total (row above), a flag, a ratio; a SUMIF over
    the whole table on the first row.  Cached values as Excel computes them."""
    out, total, highs = [], 0.0, 0.0
    for r in range(1, rows + 1):
        b = float((r * 37) % 101 + 1)
        total = b * 1.05 + total if r > 1 else b * 1.05
        flag = "high" if b > 50 else "normal"
        highs += b if flag == "high" else 0.0
        run = f"B{r}*1.05+C{r - 1}" if r > 1 else f"B{r}*1.05"
        out.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>k{r}</t></is></c>'
                   f'<c r="B{r}"><v>{b!r}</v></c><c r="C{r}"><f>{run}</f><v>{total!r}</v></c>'
                   f'<c r="D{r}" t="str"><f>IF(B{r}&gt;50,"high","normal")</f><v>{flag}</v></c>'
                   f'<c r="E{r}"><f>C{r}/B{r}</f><v>{total / b!r}</v></c></row>')
    out[0] = out[0].replace("</row>", f'<c r="F1"><f>SUMIF(D1:D{rows},"high",B1:B{rows})</f>'
                                      f"<v>{highs!r}</v></c></row>")
    return "".join(out)


def test_big_check_parses_each_repeated_formula_once(tmp_path):
    path = write_book(tmp_path / "ledger.xlsx", ledger(1500))
    model = Model.open(path)
    report = check_model(model)
    assert report.formula_cells == 4501
    assert report.compared == report.matches_cached == 4501
    # three formulas down the columns and a SUMIF: a handful of full parses, not 4,501
    cache = model.resolver.formulas
    assert cache.parses < 20 and cache.hits > 4400


def test_a_range_read_by_many_cells_is_built_once(tmp_path, monkeypatch):
    import engine.model
    from engine.values import Grid

    built: list[object] = []

    class Counted(Grid):
        def __init__(self, cells, area):
            built.append(area)
            super().__init__(cells, area)

    monkeypatch.setattr(engine.model, "Grid", Counted)
    rows = 400
    body = ledger(rows)
    lookups = "".join(f'<row r="{rows + i}"><c r="A{rows + i}"><f>VLOOKUP("k{i}",$A$1:$C${rows},'
                      f"3,FALSE)</f></c></row>" for i in range(1, 101))
    path = write_book(tmp_path / "lookups.xlsx", body + lookups)
    model = Model.open(path)
    values, _ = model.evaluate()
    table = [a for a in built if (a.r1, a.c1, a.r2, a.c2) == (1, 1, rows, 3)]
    assert len(table) == 1   # 100 lookups, one read of $A$1:$C$400
    wb = load_workbook(path)
    # every lookup finds the running total of its key's row, the value Excel cached there
    for i in range(1, 101):
        got = values[model.ref(f"Calc!A{rows + i}")].scalar()
        assert got == wb.cell(model.ref(f"Calc!C{i}")).value


def test_range_budget_names_the_cell_the_limit_and_the_variable(tmp_path, monkeypatch):
    path = write_book(tmp_path / "sum.xlsx", ledger(30))
    monkeypatch.setenv("MCDESK_MAX_RANGE_CELLS", "20")
    model = Model.open(path)
    with pytest.raises(LimitError) as got:
        check_model(model)
    text = str(got.value)
    assert "Calc!F1" in text and "30 cells" in text and "MCDESK_MAX_RANGE_CELLS" in text


def test_cell_and_formula_budgets_from_the_environment(tmp_path, monkeypatch):
    path = write_book(tmp_path / "cells.xlsx", ledger(30))
    monkeypatch.setenv("MCDESK_MAX_CELLS", "100")
    with pytest.raises(LimitError, match="MCDESK_MAX_CELLS"):
        load_workbook(path)
    assert load_workbook(path, Limits(max_cells=1000)).sheets["Calc"].max_row == 30
    monkeypatch.delenv("MCDESK_MAX_CELLS")
    monkeypatch.setenv("MCDESK_MAX_FORMULA_CHARS", "10")
    with pytest.raises(LimitError, match="MCDESK_MAX_FORMULA_CHARS"):
        load_workbook(path)
    monkeypatch.setenv("MCDESK_MAX_FORMULA_CHARS", "ten")
    with pytest.raises(LimitError, match="MCDESK_MAX_FORMULA_CHARS='ten'"):
        Limits()


def test_budget_in_a_real_process_is_one_line_exit_2(tmp_path):
    path = write_book(tmp_path / "sum.xlsx", ledger(30))
    env = {**os.environ, "MCDESK_MAX_RANGE_CELLS": "20"}
    r = subprocess.run([sys.executable, "-m", "mcdesk.cli", "check", str(path)],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "MCDESK_MAX_RANGE_CELLS" in lines[0] and "Calc!F1" in lines[0]
    assert "Traceback" not in r.stderr


ARRAY_BUILDERS = {
    "SEQUENCE": ("SUM(SEQUENCE(200,200))", 800020000.0),
    "MAKEARRAY": ("SUM(_xlfn.MAKEARRAY(200,200,_xlfn.LAMBDA(_xlpm.i,_xlpm.j,_xlpm.i)))", 20100.0 * 200),
    "MUNIT": ("SUM(MUNIT(200))", 200.0),
    "EXPAND": ("SUM(EXPAND(1,200,200,0))", 1.0),
    "MMULT": ("SUM(MMULT(SEQUENCE(200,1),SEQUENCE(1,200)))", 20100.0 ** 2),
}


@pytest.mark.parametrize("name", list(ARRAY_BUILDERS))
def test_array_budget_names_the_cell_the_function_and_the_variable(tmp_path, monkeypatch, name):
    """An array a function would build above MCDESK_MAX_ARRAY_CELLS is refused before it is
    built, naming the cell computing it; within the budget the answer is Excel's."""
    formula, expected = ARRAY_BUILDERS[name]
    body = (f'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="B2"><f>A1*2</f></c>'
            f'<c r="C2"><f>{formula}</f></c></row>')
    path = write_book(tmp_path / "arrays.xlsx", body)
    monkeypatch.setenv("MCDESK_MAX_ARRAY_CELLS", "39999")   # 200 x 200 is 40,000
    with pytest.raises(LimitError) as got:
        Model.open(path).evaluate()
    text = str(got.value)
    assert text.startswith("Calc!C2: ") and text.count("Calc!C2") == 1, text
    assert name in text and "40,000 cells" in text and "MCDESK_MAX_ARRAY_CELLS" in text
    monkeypatch.setenv("MCDESK_MAX_ARRAY_CELLS", "40000")
    model = Model.open(path)
    values, _ = model.evaluate()
    assert values[model.ref("Calc!C2")].scalar() == pytest.approx(expected, rel=1e-12)


def test_whole_sheet_sequence_is_one_line_exit_2(tmp_path):
    """=SEQUENCE(1048576,16384) (17 billion cells) under the default budget: one line, exit 2,
    no allocation attempted."""
    body = '<row r="1"><c r="A1"><f>SUM(SEQUENCE(1048576,16384))</f></c></row>'
    path = write_book(tmp_path / "seq.xlsx", body)
    r = subprocess.run([sys.executable, "-m", "mcdesk.cli", "check", str(path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Calc!A1" in lines[0] and "SEQUENCE" in lines[0]
    assert "17,179,869,184 cells" in lines[0] and "MCDESK_MAX_ARRAY_CELLS" in lines[0]


def test_compiled_model_budget_before_the_per_trial_arrays(tmp_path, monkeypatch):
    """A run whose per-trial arrays (17 bytes a trial for each input and varying cell) would
    pass MCDESK_MAX_MODEL_BYTES is refused before any is allocated, naming the first varying
    cell; within the budget it runs."""
    import numpy as np

    path = write_book(tmp_path / "model.xlsx", ledger(30))
    monkeypatch.setenv("MCDESK_MAX_MODEL_BYTES", str(17 * 1000 * 31 - 1))
    model = Model.open(path)
    prog = model.compile([model.ref("Calc!B1")], [model.ref("Calc!C30")])
    assert len(prog.steps) == 30   # the running totals C1:C30 vary with B1
    x = {model.ref("Calc!B1"): np.linspace(1, 100, 1000)}
    rand = lambda s: np.full(1000, 0.5)  # noqa: E731
    with pytest.raises(LimitError) as got:
        prog.run(x, 1000, rand)
    text = str(got.value)
    assert text.startswith("Calc!C1: ") and "31 per-trial cells" in text
    assert "MCDESK_MAX_MODEL_BYTES" in text and "1,000 trials" in text
    monkeypatch.setenv("MCDESK_MAX_MODEL_BYTES", str(17 * 1000 * 31))
    model = Model.open(path)
    prog = model.compile([model.ref("Calc!B1")], [model.ref("Calc!C30")])
    out = prog.run(x, 1000, rand)[model.ref("Calc!C30")]
    assert len(out.data) == 1000
