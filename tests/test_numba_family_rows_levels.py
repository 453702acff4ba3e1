"""Families across dependency levels (engine.backends.numba._families._across_levels): one
formula copied to rows whose sources lie at different depths (``=G228`` on 20 levels of
tamc/excel_to_code's model workbook: 20 loops of the same lines, each compiled) is one loop
where no row reads another through the rest; where two shapes read each other crosswise
(merging each would make a cycle) their levels stay apart.  numba equal to numpy."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, _families  # noqa: E402
from engine.backends.numba._families import Family, find_families  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

ROWS = 12


@pytest.fixture(autouse=True)
def small_kernels_have_families(monkeypatch):
    """Families from the first lines (by default only kernels of 1,500 lines have them)."""
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)


def levels_book(path) -> None:
    """Input B1.  Per row r: D ``=$B$1*r`` (level 1), E ``=D*D+r`` (level 2), F ``=E*3+1``
    (level 3); H copies D on the first half of the rows and F on the second (one
    shape on levels 2 and 4); crosswise: J ``=ABS($B$1-r)``, K ``=ATAN($B$1/r)``, L ``=ABS(K)``
    (reads K), M ``=ATAN(J/2)`` (reads J): ABS on levels 1 and 2, ATAN on 1 and 2, each
    reading the other; totals in B2:B3."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["B1"] = 2.0
    half = ROWS // 2
    for r in range(1, ROWS + 1):
        ws[f"D{r}"] = f"=$B$1*{r}"
        ws[f"E{r}"] = f"=D{r}*D{r}+{r}"
        ws[f"F{r}"] = f"=E{r}*3+1"
        ws[f"H{r}"] = f"=D{r}" if r <= half else f"=F{r}"
        ws[f"J{r}"] = f"=ABS($B$1-{r})"
        ws[f"K{r}"] = f"=ATAN($B$1/{r})"
        ws[f"L{r}"] = f"=ABS(K{r})"
        ws[f"M{r}"] = f"=ATAN(J{r}/2)"
    ws["B2"] = f"=SUM(H1:H{ROWS})"
    ws["B3"] = f"=SUM(L1:L{ROWS})-SUM(M1:M{ROWS})+SUM(E1:E{ROWS})"
    wb.save(path)


def test_a_copy_on_two_levels_is_one_loop_equal_to_numpy(tmp_path):
    path = tmp_path / "levels.xlsx"
    levels_book(path)
    job = job_for(Model.open(path), [tri("S!B1", 1.0, 2.0, 3.5)],
                  ["S!B2", "S!B3", "S!H2", "S!H11", "S!L3", "S!M4"], trials=2_000)
    be = NumbaBackend(threads=1, kernel_dir=tmp_path / "kernels")
    try:
        got = run(be, job, 700)
        plan = be.prepare(job).plan
        assert be.last_fallback.numpy_cells == 0, be.last_fallback.reasons
    finally:
        be.close()
    assert_same(job, got, run(NumpyBackend(), job, 2_000))
    loops = re.findall(r"for g\d+m in range\((\d+)\):", plan.source)
    # D, E, F a loop each (F: the 6 rows H reads); H's 12 copies one loop (not 6 + 6); J,
    # K, L, M a loop each (ABS and ATAN each on two levels read crosswise: four loops)
    assert sorted(map(int, loops)) == [ROWS // 2] + [ROWS] * 7, loops


def _copy(k: int, src: str) -> list[str]:
    return [f"v{k} = {src}"]


def test_levels_join_where_no_row_reads_another():
    lines = [[f"v{k} = x{k} * 2.0"] for k in range(4)]            # level 0: cells 0-3
    lines += [[f"v{k} = ndtr(v{k - 4})"] for k in range(4, 8)]      # level 1: cells 4-7
    lines += [_copy(k, f"v{k - 8}") for k in range(8, 12)]          # copies on level 1
    lines += [_copy(k, f"v{k - 8}") for k in range(12, 16)]         # copies on level 2
    lines += [_copy(k, f"v{k - 4}") for k in range(16, 20)]         # copies of copies
    units, count = find_families(lines, across_levels=True)
    fams = sorted((u.members for u in units if isinstance(u, Family)), key=min)
    assert fams == [[0, 1, 2, 3], [4, 5, 6, 7], list(range(8, 16)), list(range(16, 20))]
    assert count == 4
    # one family a level without ``across_levels`` (the CUDA generator's call)
    _, count = find_families(lines)
    assert count == 5


def test_crosswise_levels_stay_apart():
    lines = [[f"v{k} = abs(x{k})"] for k in range(4)]              # A on level 0
    lines += [[f"v{k} = np.arctan(x{k})"] for k in range(4, 8)]    # B on level 0
    lines += [[f"v{k} = abs(v{k - 4})"] for k in range(8, 12)]     # A reading B
    lines += [[f"v{k} = np.arctan(v{k - 12})"] for k in range(12, 16)]   # B reading A
    units, count = find_families(lines, across_levels=True)
    fams = sorted((u.members for u in units if isinstance(u, Family)), key=min)
    assert fams == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]
    assert count == 4
