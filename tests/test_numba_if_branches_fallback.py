"""IF whose condition is the same in every trial: where taking its branch alone, or keeping
it generic, leaves a cell to numpy, that cell does the other in a second generation
(engine.backends.numba._families.IfBranches, OneCell).

A depreciation summary (kebron TAX-013) has per asset row ``F = IFERROR(IF(n<1,0,
INDEX(S!$D5:$I5,1,n)),0)`` and ``G = IFERROR(IF(n<=1,0,SUM(OFFSET(S!$D5,0,0,1,n-1))),0)``
with ``n = IF(A!C5="",0,MAX(MIN($B$1-YEAR(A!C5)+1,6),0))`` (the asset's date; rows without
an asset empty).  In an empty row the inner IF taken alone is the constant 0, the outer's
condition ``0<=1`` was not seen as fixed, and its untaken branch was generated with
constant arguments: ``OFFSET(S!$D5,0,0,1,-1)`` (a cell of text: 'text argument of SUM') and
``INDEX(S!$D5:$I5,1,0)`` (a whole row).  Generic (before 7a7778d), both are per trial.
(That comparison is now folded, _conditionals.fixed_compare: tests/test_numba_if_fixed_compare.py.)

- ``cross``: rows copied down whose references follow a sheet name (``A!C5``): the copies
  were counted one formula each (relative_key leaves such references as written), so their
  IFs took their branch alone as a lone cell's do;
- ``few``: the same formulas in fewer than FAMILY_MIN rows (a lone cell's IF takes its
  branch alone): those left to numpy keep their IFs generic;
- ``text``: ``=TEXT(IF(B5="","",SUM(C5:D5)),"#,##0")`` copied down: the copied IF kept
  generic is of a kind that varies ('TEXT of a number that varies per trial'): those copies
  take their branches alone.

Fused; numba equals numpy, and the CUDA kernel built for the host with g++."""

from __future__ import annotations

import datetime

import pytest

openpyxl = pytest.importorskip("openpyxl")

from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

PARTS = ("cross", "few", "text")
ROWS = {"cross": range(5, 14), "few": range(5, 8), "text": range(5, 13)}
FILLED = {"cross": (5, 6, 9), "few": (5,), "text": (5, 6, 7, 10, 11, 12)}


def _schedule(y, reg, part: str) -> list[str]:
    """The schedule (sheet S<part>: the basis times a rate per year, "" in an empty row) and
    the summary's F and G (and their totals) on sheet ``y``, the asset's date and basis in
    sheet ``reg`` (``y`` itself: references without a sheet name)."""
    s = y.parent[f"S{part}"]
    src = f"{reg.title}!"
    reg = "" if reg is y else src
    rows = ROWS[part]
    for r in rows:
        for j, col in enumerate("DEFGHI"):
            s[f"{col}{r}"] = f'=IF({src}$D{r}="","",{src}$D{r}*{0.1 + 0.05 * j:.2f})'
        n = f'IF({reg}C{r}="",0,MAX(MIN($B$1-YEAR({reg}C{r})+1,6),0))'
        y[f"F{r}"] = f"=IFERROR(IF({n}<1,0,INDEX(S{part}!$D{r}:$I{r},1,{n})),0)"
        y[f"G{r}"] = f"=IFERROR(IF({n}<=1,0,SUM(OFFSET(S{part}!$D{r},0,0,1,{n}-1))),0)"
    y["F30"] = f"=SUM(F{rows[0]}:F{rows[-1]})"
    y["G30"] = f"=SUM(G{rows[0]}:G{rows[-1]})"
    return ["F30", "G30"] + [f"{c}{r}" for r in rows for c in "FG"]


def _text(y) -> list[str]:
    """``=TEXT(IF(B5="","",SUM(C5:D5)),"#,##0")`` copied down sheet ``y`` (B a date in
    the filled rows, C drawn)."""
    y["A1"] = 1.0
    for r in ROWS["text"]:
        if r in FILLED["text"]:
            y[f"B{r}"] = 46000 + r
        y[f"C{r}"] = f"=$A$1*{r}"
        y[f"D{r}"] = r
        y[f"H{r}"] = f'=TEXT(IF(B{r}="","",SUM(C{r}:D{r})),"#,##0")'
    return [f"H{r}" for r in ROWS["text"]]


def fallback_job(tmp_path, parts: tuple[str, ...] = PARTS, trials: int = 200):
    """The workbook of ``parts`` (a sheet each, see the module docstring); the tax year
    B1 and the filled rows' bases (D) drawn."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    inputs, outs = [], []
    for part in parts:
        y = wb.create_sheet(part)
        if part == "text":
            outs += [f"text!{c}" for c in _text(y)]
            inputs.append(tri("text!A1", 0.5, 1.0, 3.0))
            continue
        y["B1"] = 2026
        inputs.append(tri(f"{part}!B1", 2024.0, 2026.0, 2029.0))
        reg = wb.create_sheet(f"A{part}") if part == "cross" else y
        wb.create_sheet(f"S{part}")
        for r in FILLED[part]:
            reg[f"C{r}"] = datetime.datetime(2021 + r % 4, 1 + r % 12, 1)
            reg[f"D{r}"] = 1000.0 * r
            inputs.append(tri(f"{reg.title}!D{r}", 500.0, 1000.0 * r, 20000.0))
        cells = _schedule(y, reg, part)
        outs += [f"{part}!{c}" for c in cells]
    path = tmp_path / "fallback.xlsx"
    wb.save(path)
    return job_for(Model.open(path), inputs, outs, trials)


@pytest.mark.parametrize("part", PARTS)
def test_fused(tmp_path, part):
    pytest.importorskip("numba")
    from engine.backends.numba import fused_report

    # before: cross 14 cells, few 6 ('text argument of SUM', 'INDEX of a whole row or
    # column inside an expression' and their totals), text 8 ('TEXT of a number that varies')
    assert fused_report(fallback_job(tmp_path, (part,))) == {}


def test_numba_and_cuda_host_equal_numpy(tmp_path):
    pytest.importorskip("numba")
    from tests.kernel_checks import numba_and_host_equal_numpy

    got, _ = numba_and_host_equal_numpy(fallback_job(tmp_path), tmp_path / "kernels", 100)
    out = {f"{c.sheet}!{c.col}:{c.row}": v.tolist() for c, v in got[0].items()}
    # an asset's year of the schedule moves with the drawn tax year: F of a filled row
    # takes several values, an empty row's F and G are 0 in every trial
    assert len(set(out["cross!6:5"])) > 3 and len(set(out["few!7:5"])) > 3
    assert set(out["cross!7:7"]) == {0.0} == set(out["few!6:7"])


def test_cuda_host_reads_tags_in_family_loops(tmp_path):
    """The CUDA translation of a family loop's tag read, ``float(int(se[b, gi[..]]) >> 4)``
    (a member's IF of a kind that varies, read by the rows below it), as C++ ``>>`` on the
    long long of ``int``: test_numba_if_constant_rows' table was 'operator RShift' (numpy)
    before."""
    from tests.test_backend_cupy import host_equals_numpy
    from tests.test_numba_if_constant_rows import rows_job

    host_equals_numpy(rows_job(tmp_path, 100, rows=60), tmp_path / "cuda", 100)
