"""A schedule whose last rows of one column are of another shape (Akshit37 Loan_Amortization:
IPMT/PPMT rows past 150 where the interval checks differ, and rows 157/158 with IF instead
of IFERROR): the rows every other shape has are still one chain (the short shape, read by no
other shape of the chain, left out of it), not 150 dependency levels of straight-line code
(16,087 generated lines, ~9 min of numba compile for that book)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, _families  # noqa: E402
from engine.backends.numba._families import Chain, find_families  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402


def tail_lines(rows: int, tail: int) -> tuple[list[list[str]], list[tuple]]:
    """Generated lines of a three-column schedule: a balance B reading the balance above, G
    reading the balance of its row (its last ``tail`` rows of another shape), E reading E
    above and G of its row; each cell's (sheet, row, column)."""
    lines: list[list[str]] = [["t0 = x0 * 2.0", "v0 = t0"], ["v1 = x1 + 0.0"]]
    cells = [("S", 1, 1), ("S", 1, 3)]
    for r in range(1, rows):
        b, g, e = 3 * r - 1, 3 * r, 3 * r + 1
        pb, pe = (0, 1) if r == 1 else (b - 3, e - 3)
        lines.append([f"t{100 * b} = v{pb} * k1", f"v{b} = t{100 * b} - x1"])
        lines.append([f"t{100 * g} = v{b} * k2", f"v{g} = t{100 * g} + 1.0"]
                     if r < rows - tail else [f"t{100 * g} = np.floor(v{b})", f"v{g} = t{100 * g}"])
        lines.append([f"t{100 * e} = v{pe} - v{g}", f"v{e} = t{100 * e}"])
        cells += [("S", r + 1, 1), ("S", r + 1, 2), ("S", r + 1, 3)]
    return lines, cells


def test_a_column_with_a_tail_of_another_shape_still_chains(monkeypatch):
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    rows, tail = 30, 5
    lines, cells = tail_lines(rows, tail)
    units, _ = find_families(lines, cells=cells)
    chains = [u for u in units if isinstance(u, Chain)]
    assert len(chains) == 1     # before: none (the two shapes of G share no row)
    chain = chains[0]
    assert len(chain.families) == 3
    # rows 2 .. rows - tail - 1 (the first reads cells 0/1, of other shapes; the tail's G
    # is another shape): balance, G, E in each row
    assert chain.rows == rows - tail - 2
    assert chain.order[:3] == [5, 6, 7]
    seen: set[int] = set()
    for u in units:       # every cell once, after what it reads
        ks = u.order if isinstance(u, Chain) else getattr(u, "members", [u])
        for k in ks:
            for m in _families._reads(k, lines[k]):
                assert m in seen or (isinstance(u, Chain) and m in u.members), (k, m)
        seen.update(ks)
    assert seen == set(range(len(lines)))


def tail_book(path, rows: int, tail: int) -> None:
    """A loan schedule from row 4 (period, balance, interest, principal) whose last ``tail``
    rows' interest is rounded (another formula); inputs in B1:B2."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "L"
    ws["B1"], ws["B2"] = 100_000.0, 0.06
    ws["A4"], ws["B4"] = 1, "=$B$1"
    for r in range(4, 4 + rows):
        if r > 4:
            ws[f"A{r}"] = f'=IF(A{r - 1}="","",IF(A{r - 1}>={rows - 2},"",A{r - 1}+1))'
            ws[f"B{r}"] = f'=IF(A{r}="","",B{r - 1}-D{r - 1})'
        ws[f"C{r}"] = (f'=IF(A{r}="","",ROUND(B{r}*$B$2/12,2))' if r >= 4 + rows - tail
                       else f'=IF(A{r}="","",B{r}*$B$2/12)')
        ws[f"D{r}"] = f'=IF(A{r}="","",PMT($B$2/12,{rows},-$B$1)-C{r})'
    ws["F1"] = f"=SUM(C4:C{3 + rows})"
    wb.save(path)


@pytest.mark.slow
def test_loan_with_a_rounded_tail_matches_numpy(tmp_path, monkeypatch):
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    rows = 24
    path = tmp_path / "tail.xlsx"
    tail_book(path, rows, 4)
    job = job_for(Model.open(path), [tri("L!B1", 50_000.0, 100_000.0, 200_000.0),
                                      tri("L!B2", 0.02, 0.06, 0.1)],
                  ["L!F1", f"L!B{3 + rows}", f"L!C{3 + rows}", "L!D15", "L!A26"], trials=200)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        got = run(be, job, 200)
        plan = be.prepare(job).plan
        assert be.last_fallback.numpy_cells == 0, be.last_fallback.reasons
        assert re.search(r"^ +for g\d+r in range\(", plan.source, re.M)   # a chain's loop
        assert_same(job, got, run(NumpyBackend(), job, 200))
    finally:
        be.close()
