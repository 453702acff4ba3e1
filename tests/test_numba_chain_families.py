"""Schedules in the numba kernel (engine.backends.numba._families.Chain): a loan amortization
schedule copied down 360 rows, each row reading the row above (opening balance = the last
closing balance, payment date = EDATE of the last one, blank rows after the last payment), is
one loop over the rows, not 360 dependency levels of straight-line code refused as "the
kernel would be too large"; numba equal to the numpy reference."""

from __future__ import annotations

import logging
import time

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, _families  # noqa: E402
from engine.backends.numba._families import (  # noqa: E402
    FAMILY_MIN,
    Chain,
    LineBudget,
    find_families,
)
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

log = logging.getLogger(__name__)
ROWS = 360
TOP = 8      # the first row of the schedule


def loan_book(path, rows: int = ROWS) -> None:
    """Inputs in B1:B4 (amount, annual rate, years, extra payment), the schedule from row 8:
    period, date, opening balance, payment, interest, principal, closing balance, a cumulative
    interest; totals in E1:E3."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Loan"
    ws["A1"], ws["B1"] = "Amount", 250_000.0
    ws["A2"], ws["B2"] = "Rate", 0.05
    ws["A3"], ws["B3"] = "Years", 30.0
    ws["A4"], ws["B4"] = "Extra", 100.0
    ws["A5"], ws["B5"] = "Start", 45_000.0          # a date serial
    for r in range(TOP, TOP + rows):
        first = r == TOP
        ws[f"A{r}"] = 1 if first else f'=IF(A{r - 1}="","",IF(A{r - 1}>=$B$3*12,"",A{r - 1}+1))'
        ws[f"B{r}"] = "=$B$5" if first else f'=IF(A{r}="","",EDATE(B{r - 1},1))'
        ws[f"C{r}"] = "=$B$1" if first else f'=IF(A{r}="","",G{r - 1})'
        ws[f"D{r}"] = (f'=IF(A{r}="","",MIN(PMT($B$2/12,$B$3*12,-$B$1)+$B$4,'
                       f'C{r}*(1+$B$2/12)))')
        ws[f"E{r}"] = f'=IF(A{r}="","",C{r}*$B$2/12)'
        ws[f"F{r}"] = f'=IF(A{r}="","",D{r}-E{r})'
        ws[f"G{r}"] = f'=IF(A{r}="","",IF(C{r}-F{r}<=0.005,0,C{r}-F{r}))'
    last = TOP + rows - 1
    ws["E1"] = f"=SUM(E{TOP}:E{last})"
    ws["E2"] = f"=MAX(D{TOP}:D{last})"
    ws["E3"] = f"=SUM(F{TOP}:F{last})+MIN(G{TOP}:G{last})"
    wb.save(path)


def loan_job(tmp_path, rows: int = ROWS, trials: int = 600):
    path = tmp_path / "loan.xlsx"
    loan_book(path, rows)
    model = Model.open(path)
    inputs = [tri("Loan!B1", 150_000.0, 250_000.0, 400_000.0),
              tri("Loan!B2", 0.02, 0.05, 0.09), tri("Loan!B4", 0.0, 100.0, 900.0)]
    last = TOP + rows - 1
    outputs = ["Loan!E1", "Loan!E2", "Loan!E3", f"Loan!G{TOP + rows // 3}",
               f"Loan!B{TOP + rows // 2}", f"Loan!A{last}", f"Loan!G{last}",
               f"Loan!D{TOP + rows * 5 // 6}"]
    return job_for(model, inputs, outputs, trials=trials)


def check_loan(tmp_path, rows: int) -> None:
    job = loan_job(tmp_path, rows)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        t0 = time.perf_counter()
        got = run(be, job, 600)
        first = time.perf_counter() - t0
        plan = be.prepare(job).plan
        assert be.last_fallback.numpy_cells == 0, be.last_fallback.reasons
        assert len(plan.fused) == len(job.program.steps)
        log.info("%d-row loan schedule: %d cells, %d source lines, first compile and run "
                 "%.1f s", rows, len(plan.fused), len(plan.source.splitlines()), first)
        assert plan.families >= 1
        assert_same(job, got, run(NumpyBackend(), job, 600))
    finally:
        be.close()


def test_loan_schedule_is_one_loop_and_matches_numpy(tmp_path, monkeypatch):
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    check_loan(tmp_path, 40)


@pytest.mark.slow
def test_loan_schedule_of_360_rows_is_fused(tmp_path):
    check_loan(tmp_path, ROWS)


def schedule_lines(rows: int) -> tuple[list[list[str]], list[tuple]]:
    """Generated lines of a two-column schedule: a balance reading the balance above, a
    column reading the balance of its row; each cell's (sheet, row, column)."""
    lines: list[list[str]] = [["t0 = x0 * 2.0", "v0 = t0"]]
    cells = [("S", 1, 1)]
    for r in range(1, rows):
        b = 2 * r - 1       # balance of row r: reads the balance of row r-1 (cell b - 2 or 0)
        prev = 0 if r == 1 else b - 2
        lines.append([f"t{100 * b} = v{prev} * k1", f"v{b} = t{100 * b} - x1"])
        cells.append(("S", r + 1, 1))
        lines.append([f"t{100 * b + 1} = v{b} * k2", f"v{b + 1} = t{100 * b + 1} + 1.0"])
        cells.append(("S", r + 1, 2))
    return lines, cells


def test_find_families_makes_a_chain_of_rows(monkeypatch):
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    rows = 40
    lines, cells = schedule_lines(rows)
    units, count = find_families(lines, cells=cells)
    chains = [u for u in units if isinstance(u, Chain)]
    assert count == 1 and len(chains) == 1
    chain = chains[0]
    # the first balance reads cell 0 (another shape): its row is straight-line code, before
    assert chain.rows == rows - 2 and len(chain.families) == 2
    assert chain.order == list(range(3, 2 * rows - 1))    # balance, then the column reading it
    assert units.index(0) < units.index(1) < units.index(2) < units.index(chain)
    # the budget counts the rows once the chain shows (same reads at the same distance)
    budget = LineBudget()
    for k, (got, cell) in enumerate(zip(lines, cells, strict=True)):
        budget.add(k, got, cell)
    assert budget.lines < 2 * 2 * FAMILY_MIN + 4


def test_cells_reading_the_chain_and_read_by_it_break_no_order(monkeypatch):
    """A chain whose row reads a cell that reads an earlier row of the chain is no chain
    (the loop would read that cell before it is computed): the cells stay in a valid order."""
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    lines, cells = schedule_lines(20)
    n = len(lines)
    lines.append(["t9000 = v3 + 1.0", f"v{n} = t9000"])          # reads row 2's balance
    cells.append(("S", 99, 9))
    lines[21] = [f"t{100 * 21} = v19 * k1 + v{n}", "v21 = t2100 - x1"]   # row 11 reads it
    units, _ = find_families(lines, cells=cells)
    seen: set[int] = set()
    for u in units:
        ks = u.order if isinstance(u, Chain) else getattr(u, "members", [u])
        for k in ks:
            for m in _families._reads(k, lines[k]):
                assert m in seen or (isinstance(u, Chain) and m in u.members), (k, m)
        seen.update(ks)
    assert seen == set(range(len(lines)))


def test_cuda_twin_keeps_the_schedule_straight_line(tmp_path):
    """The CUDA generator gets the chain from find_families too: its rows are straight-line
    code in row order (built for the host with g++, equal to numpy)."""
    from tests.test_backend_cupy import host_equals_numpy

    job = loan_job(tmp_path, rows=60, trials=300)
    host_equals_numpy(job, tmp_path / "cuda", 300)
