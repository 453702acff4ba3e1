"""Families of rows that differ in their literals (engine.backends.numba._families): a column
``=0.2178*(1/$B$1)``, ``=7.6166*(1/$B$1)``, ... (tamc/excel_to_code's model workbook: one
number a row, its unit from an input) is one loop over the rows, each row's own number read
from the constants ``kv`` through the gather table, not one block of straight-line code per
row (its ~20,000-line kernel took minutes to compile); the same for a schedule's rows (a
growth rate written in each row).  numba equal to the numpy reference."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, _families  # noqa: E402
from engine.backends.numba._families import (  # noqa: E402
    FAMILY_MIN,
    Chain,
    Family,
    LineBudget,
    find_families,
)
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

ROWS = 60
TOP = 5


@pytest.fixture(autouse=True)
def small_kernels_have_families(monkeypatch):
    """Families from the first lines (by default only kernels of 1,500 lines have them)."""
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)


def _number(r: int) -> float:
    """Row ``r``'s own number: all different, some written with an exponent."""
    x = 0.217810763304124 * (1.37 ** (r % 17)) + r / 977.0
    return x * 1e-7 if r % 5 == 0 else x * 1e21 if r % 11 == 0 else x


def literal_rows_book(path, rows: int = ROWS) -> None:
    """Inputs B1 (a unit), B2 (an offset); per row from TOP: D ``=<number>*(1/$B$1)``, E
    ``=D*<number>+$B$2`` (another number), F a threshold ``=IF(E><number>,E-<number>,0)``
    (some rows share theirs), G a schedule ``=G(r-1)*<growth>+F`` (a growth rate per row);
    totals in B3:B4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "XII"
    ws["A1"], ws["B1"] = "TWh", 3.6
    ws["A2"], ws["B2"] = "offset", 10.0
    for r in range(TOP, TOP + rows):
        ws[f"D{r}"] = f"={_number(r)!r}*(1/$B$1)"
        ws[f"E{r}"] = f"=D{r}*{1.0 + r / 64.0!r}+$B$2"
        thr = 10.0 + (r // 3) * 0.25     # three rows share a threshold
        ws[f"F{r}"] = f"=IF(E{r}>{thr!r},E{r}-{thr!r},0)"
        ws[f"G{r}"] = f"=$B$2+F{r}" if r == TOP else \
            f"=G{r - 1}*{1.0 + (r % 7) / 100.0!r}+F{r}"
    last = TOP + rows - 1
    ws["B3"] = f"=SUM(D{TOP}:D{last})+SUM(F{TOP}:F{last})"
    ws["B4"] = f"=G{last}"
    wb.save(path)


def _job(tmp_path, rows: int = ROWS):
    path = tmp_path / "literal_rows.xlsx"
    literal_rows_book(path, rows)
    model = Model.open(path)
    inputs = [tri("XII!B1", 3.0, 3.6, 4.2), tri("XII!B2", 5.0, 10.0, 15.0)]
    mid = TOP + rows // 2
    outputs = ["XII!B3", "XII!B4", f"XII!D{TOP}", f"XII!E{mid}", f"XII!F{mid + 1}",
               f"XII!G{TOP + rows - 1}", f"XII!D{TOP + 10}", f"XII!D{TOP + 6}"]
    return job_for(model, inputs, outputs, trials=2_000)


def test_rows_differing_in_literals_are_loops_equal_to_numpy(tmp_path):
    job = _job(tmp_path)
    be = NumbaBackend(threads=1, kernel_dir=tmp_path / "kernels")
    try:
        got = run(be, job, 700)
        plan = be.prepare(job).plan
        assert be.last_fallback.numpy_cells == 0, be.last_fallback.reasons
    finally:
        be.close()
    assert_same(job, got, run(NumpyBackend(), job, 2_000))
    # each row's own number is a constant gathered by the loop, not a literal of its code
    assert repr(_number(TOP + 1)) not in plan.source
    assert _number(TOP + 1) in set(plan.kv.tolist())
    assert plan.families >= 3
    # 4 x 60 cells: the lines of a column once (was ~3 lines a cell, a 1,000-line kernel)
    assert len(plan.source.splitlines()) < 400, len(plan.source.splitlines())


def _cell(k: int, number: str, rate: str = "2.5") -> list[str]:
    return [f"t{k}0 = {number} * x1", f"t{k}1 = t{k}0 / {rate}", f"v{k} = t{k}1 + k3"]


def test_literal_operands_only_where_members_differ():
    lines = [_cell(k, f"{0.5 + k / 8}") for k in range(8)]
    got: list[str] = []

    def literal(text: str) -> int:
        got.append(text)
        return 100 + len(got) - 1

    units, count = find_families(lines, literal=literal)
    fams = [u for u in units if isinstance(u, Family)]
    assert count == 1 and len(fams) == 1 and fams[0].members == list(range(8))
    f = fams[0]
    # the number each differs in: an operand of kind k; the shared 2.5 stays in the code
    assert f.shape.kinds == ("x", "k", "k")
    assert "2.5" in f.shape.text and "\0" not in f.shape.text
    assert [ids[-1] for ids in f.ids] == list(range(100, 108))
    assert got == [f"{0.5 + k / 8}" for k in range(8)]
    # without ``literal`` (the CUDA generator's call) they are not one shape
    assert find_families(lines) == (list(range(8)), 0)
    # whole integers are code (error codes, sizes): rows differing in one stay apart
    ints = [[f"t{k}0 = x1 * k3", f"w{k} = ck(t{k}0 > 1.0, {k})", f"v{k} = t{k}0"]
            for k in range(8)]
    assert find_families(ints, literal=literal) == (list(range(8)), 0)


def test_schedule_rows_differing_in_literals_are_one_chain():
    rows = 10
    lines = []
    for r in range(rows):
        k = 2 * r
        lines.append([f"v{k} = x{r} * {1.0 + r / 100}"])                # a row's own input
        prev = f"v{k - 1}" if r else "x99"
        lines.append([f"t{k + 1}0 = {prev} * {1.0 + (r % 3) / 50}", f"v{k + 1} = t{k + 1}0 + v{k}"])
    cells = [("S", r, c) for r in range(rows) for c in (1, 2)]
    units, _ = find_families(lines, cells=cells, literal=lambda text: 7)
    chains = [u for u in units if isinstance(u, Chain)]
    assert len(chains) == 1 and chains[0].rows >= FAMILY_MIN
    assert all("k" in f.shape.kinds for f in chains[0].families)


def test_line_budget_counts_rows_differing_in_literals_once():
    strict, loose = LineBudget(), LineBudget(literals=True)
    for k in range(10):
        for budget in (strict, loose):
            budget.add(k, _cell(k, f"{1.0 + k / 3}"))
    assert strict.lines == 3 * 10
    assert loose.lines == 3 * (FAMILY_MIN - 1)
