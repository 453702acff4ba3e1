"""Issue 17's table of hostile workbooks, one test per row: each test builds its file (raw XML
in a zip) and runs ``mcdesk check`` (and ``simulate`` where the row names it) in a real
process, which must give the right answer or exit 2 with one line naming the problem, within
30 s and 2 GB of peak RSS, both measured on the child by ``os.wait4`` (the seconds are its
CPU seconds: on a shared machine under load the wall time says more about the neighbours;
the wall time is bounded too, at 4x).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
SECONDS = 30.0
RSS_MB = 2048.0


def write_book(path: Path, sheets: list[tuple[str, Iterable[str]]]) -> Path:
    """An .xlsx of ``(name, pieces of the worksheet body)``; the sheet parts are streamed into
    the zip, so a sheet of millions of cells is never one string.  No sheets: a workbook
    whose ``<sheets>`` is empty."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1))
        zf.writestr("[Content_Types].xml", f'<Types xmlns="{CT}"><Default Extension="rels" '
                    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/><Override '
                    'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                    f'officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>')
        zf.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        listed = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, (name, _) in enumerate(sheets, start=1))
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                    f"{listed}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                       f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
        zf.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}'
                    "</Relationships>")
        for i, (_, body) in enumerate(sheets, start=1):
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as fh:
                fh.write(f'<worksheet xmlns="{MAIN}">'.encode())
                buf: list[str] = []
                for piece in body:
                    buf.append(piece)
                    if len(buf) >= 4096:
                        fh.write("".join(buf).encode())
                        buf = []
                fh.write(("".join(buf) + "</worksheet>").encode())
    return path


def one_sheet(path: Path, body: Iterable[str], name: str = "Sheet1") -> Path:
    return write_book(path, [(name, body)])


def cell(ref: str, formula: str | None = None, value: float | str | None = None) -> str:
    f = "" if formula is None else f"<f>{_xml(formula.lstrip('='))}</f>"
    if isinstance(value, str):
        if formula is None:
            return f'<c r="{ref}" t="inlineStr"><is><t>{_xml(value)}</t></is></c>'
        return f'<c r="{ref}" t="str">{f}<v>{_xml(value)}</v></c>'
    v = "" if value is None else f"<v>{value!r}</v>"
    return f'<c r="{ref}">{f}{v}</c>'


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def data(rows: dict[int, list[str]], dimension: str | None = None) -> list[str]:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return [dim, "<sheetData>", *(f'<row r="{r}">{"".join(cs)}</row>'
                                  for r, cs in sorted(rows.items())), "</sheetData>"]


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    seconds: float   # CPU, user + system
    wall: float
    rss_mb: float

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines()
                if ln.strip() and not ln.startswith("mcdesk: warning:")]


# The child is started by a small exec'd Python that waits for it and writes its rusage: a
# child forked straight from pytest would count pytest's own pages (gigabytes late in a full
# run) in its peak RSS, since Linux records the old image's high-water mark at exec.
_MEASURE = ("import json, resource, subprocess, sys\n"
            "rc = subprocess.run(sys.argv[2:]).returncode\n"
            "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "open(sys.argv[1], 'w').write(json.dumps([r.ru_maxrss, r.ru_utime + r.ru_stime]))\n"
            "sys.exit(rc if rc >= 0 else 128 - rc)\n")


def mcdesk(*args: str, env: dict[str, str] | None = None) -> Run:
    """``python -m mcdesk ARGS`` in a child process: exit code, output, wall seconds and the
    child's own peak RSS and CPU seconds (its rusage, taken by a small parent of its own)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory() as tmp:
        usage_file = Path(tmp) / "usage.json"
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-c", _MEASURE, str(usage_file), sys.executable,
                              "-m", "mcdesk", *args], stdout=out, stderr=err, text=True,
                             start_new_session=True,
                             env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})
        timer = threading.Timer(SECONDS * 4, lambda: os.killpg(p.pid, signal.SIGKILL))
        timer.start()
        try:
            rc = p.wait()
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        maxrss_kb, cpu = json.loads(usage_file.read_text()) if usage_file.exists() \
            else (float("inf"), float("inf"))
        out.seek(0)
        err.seek(0)
        return Run(rc, out.read(), err.read(), cpu, wall, maxrss_kb / 1024)


def within_budget(run: Run) -> None:
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.seconds < SECONDS, f"{run.seconds:.1f} CPU s"
    assert run.wall < SECONDS * 4, f"{run.wall:.1f} s"
    assert run.rss_mb < RSS_MB, f"peak RSS {run.rss_mb:.0f} MB"


def refused(run: Run, *words: str) -> str:
    """Exit 2 with one line on stderr holding ``words``; the line."""
    within_budget(run)
    assert run.rc == 2, (run.rc, run.stderr[-2000:])
    lines = run.error_lines
    assert len(lines) == 1, run.stderr[-2000:]
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def all_match(run: Run, formulas: int) -> None:
    """check exit 0 and every formula cell recomputed to the value Excel would cache."""
    within_budget(run)
    assert run.rc == 0, run.stderr[-2000:]
    assert f"{formulas:,} formula cells" in run.stdout, run.stdout[-2000:]
    assert f"{formulas:,} recomputed to it (100.00%)" in run.stdout, run.stdout[-2000:]


def simulate(path: Path, inp: str, out: str) -> Run:
    return mcdesk("simulate", str(path), "--input", f"{inp}=triangular(1,2,4)", "--output", out,
                  "--trials", "200", "--backend", "numpy", "--quiet")


# ------------------------------------------------------------------ the rows
def test_sum_of_ones_100000_characters(tmp_path):
    """``=1+1+...`` 100,000 characters: above the formula budget (65,536 by default), one line
    naming the cell and MCDESK_MAX_FORMULA_CHARS; raised, the sum is computed (50,000)."""
    formula = "=" + "+".join(["1"] * 50_000)
    assert len(formula) == 100_000
    path = one_sheet(tmp_path / "ones.xlsx", data({1: [cell("A1", None, 1.0),
                                                       cell("B1", formula, 50000.0)]}))
    refused(mcdesk("check", str(path)), "B1", "MCDESK_MAX_FORMULA_CHARS")
    all_match(mcdesk("check", str(path), env={"MCDESK_MAX_FORMULA_CHARS": "200000"}), 1)


def test_abs_nested_3000_deep(tmp_path):
    """``=ABS(ABS(...ABS(-A1)...))`` 3,000 calls deep: check and simulate answer."""
    formula = "=" + "ABS(" * 3000 + "-A1" + ")" * 3000
    path = one_sheet(tmp_path / "abs.xlsx", data({1: [cell("A1", None, 2.5),
                                                      cell("B1", formula, 2.5)]}))
    all_match(mcdesk("check", str(path)), 1)
    run = simulate(path, "Sheet1!A1", "Sheet1!B1")
    within_budget(run)
    assert run.rc == 0, run.stderr[-2000:]


# On a sheet of 10 cells (Data: A1:A5 = 1..5, B1:B5 = "a".."e"), each whole-sheet formula and
# the value Excel gives; the formulas sit on another sheet (Calc), outside the range they read.
WHOLE_SHEET = [
    ("SUM(Data!A1:XFD1048576)", 15.0),
    ('COUNTIF(Data!A1:XFD1048576,">2")', 3.0),
    ("INDEX(Data!A1:XFD1048576,4,2)", "d"),
    ('MATCH("c",Data!B:B,0)', 3.0),
    ("SUMPRODUCT(Data!A1:XFD1048576,Data!A1:XFD1048576)", 55.0),  # text counts as 0
    ('SUM(INDIRECT("Data!A1:XFD1048576"))', 15.0),
    ("SUM(OFFSET(Data!A1,0,0,1048576,16384))", 15.0),
]


def test_whole_sheet_sum_countif_index_match_sumproduct_indirect_offset(tmp_path):
    """SUM, COUNTIF, INDEX, MATCH, SUMPRODUCT over the whole sheet, INDIRECT to it, OFFSET to a
    huge range: each costs what the 10 filled cells do, and gives Excel's value."""
    rows = {r: [cell(f"A{r}", None, float(r)), cell(f"B{r}", None, "abcde"[r - 1])]
            for r in range(1, 6)}
    calc = {i: [cell(f"A{i}", formula, expected)]
            for i, (formula, expected) in enumerate(WHOLE_SHEET, start=1)}
    path = write_book(tmp_path / "whole.xlsx", [("Data", data(rows)), ("Calc", data(calc))])
    all_match(mcdesk("check", str(path)), len(WHOLE_SHEET))


@pytest.mark.slow
def test_200000_rows_of_formulas(tmp_path):
    """200,000 rows, each a running total of the row above plus its constant: every value
    recomputed to the cached one."""
    n = 200_000

    def rows() -> Iterable[str]:
        yield "<sheetData>"
        total = 0.0
        for r in range(1, n + 1):
            b = float(r % 97)
            total = total + b
            f = f"B{r}+C{r - 1}" if r > 1 else f"B{r}"
            yield f'<row r="{r}"><c r="B{r}"><v>{b!r}</v></c>{cell(f"C{r}", f, total)}</row>'
        yield "</sheetData>"

    path = one_sheet(tmp_path / "rows.xlsx", rows())
    all_match(mcdesk("check", str(path)), n)


@pytest.mark.slow
def test_1048576_rows_by_5_formulas(tmp_path):
    """5,242,880 formula cells: above the cell budget (5,000,000), refused in one line naming
    MCDESK_MAX_CELLS before a formula is parsed."""

    def rows() -> Iterable[str]:
        yield "<sheetData>"
        for r in range(1, 1_048_577):
            yield (f'<row r="{r}"><c r="A{r}"><f>1</f></c><c r="B{r}"><f>2</f></c><c r="C{r}">'
                   f'<f>3</f></c><c r="D{r}"><f>4</f></c><c r="E{r}"><f>5</f></c></row>')
        yield "</sheetData>"

    path = one_sheet(tmp_path / "grid.xlsx", rows())
    refused(mcdesk("check", str(path)), "5,000,000 cells", "MCDESK_MAX_CELLS")


def test_huge_array_formula(tmp_path):
    """An array formula over the whole sheet: refused in one line naming its cell, its size and
    MCDESK_MAX_CELLS."""
    body = data({1: ['<c r="A1"><f t="array" ref="A1:XFD1048576">1</f><v>1</v></c>']})
    path = one_sheet(tmp_path / "array.xlsx", body)
    refused(mcdesk("check", str(path)), "A1", "17,179,869,184 cells", "MCDESK_MAX_CELLS")


def test_dimension_of_the_whole_sheet_on_a_nearly_empty_sheet(tmp_path):
    """``<dimension ref="A1:XFD1048576">`` over three cells: ignored, the formula computed."""
    body = data({1: [cell("A1", None, 4.0), cell("B1", "A1*2+SUM(A:A)", 12.0)]},
                dimension="A1:XFD1048576")
    path = one_sheet(tmp_path / "dimension.xlsx", body)
    all_match(mcdesk("check", str(path)), 1)
    run = simulate(path, "Sheet1!A1", "Sheet1!B1")
    within_budget(run)
    assert run.rc == 0, run.stderr[-2000:]


def test_cell_at_row_1048577(tmp_path):
    """A cell one row past the grid: one line naming it."""
    body = data({1: [cell("A1", None, 1.0)]})
    body.insert(-1, f'<row r="1048576">{cell("A1048577", None, 2.0)}</row>')
    path = one_sheet(tmp_path / "past.xlsx", body)
    refused(mcdesk("check", str(path)), "A1048577", "1,048,576")


def test_workbook_with_no_sheets(tmp_path):
    """No worksheet at all: check and simulate say so in one line."""
    path = write_book(tmp_path / "empty.xlsx", [])
    refused(mcdesk("check", str(path)), "no worksheets")
    refused(simulate(path, "Sheet1!A1", "Sheet1!B1"), "no worksheets")


def test_styled_empty_cell_at_row_1048576(tmp_path):
    """One styled empty cell at the last row and one formula: costs what the formula does."""
    body = data({1: [cell("A1", None, 3.0), cell("B1", "SUM(A:A)*2", 6.0)],
                 1_048_576: ['<c r="XFD1048576" s="1"/>']})
    path = one_sheet(tmp_path / "styled.xlsx", body)
    all_match(mcdesk("check", str(path)), 1)
