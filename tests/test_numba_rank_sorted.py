"""RANK over a column that varies per trial: one sorted copy a trial, binary searches.

Found on a real workbook (AMD returns, /tmp/s34/big/amd.xlsx: ``=RANK.AVG(H3,$H$3:$H$10273,1)``
copied down 10,271 rows over its own column): the range was past the cap of cells a kernel
expands ("a range of 10271 cells", 11.1% of the slice fused), and each RANK cell scanned the
whole range (``rank_of``: O(n^2) a trial for the column).  Now RANK may read a column past the
cap that the kernel copies by a loop (``_gather.LOOP_GATHERED``); the first RANK cell over it
sorts the shared copy once a trial (``rank_sort``) and every cell finds its number by binary
search (``rank_sorted``), with Excel's rules: ties the top rank (RANK, RANK.EQ) or their
average (RANK.AVG), order 0 descending, text/blanks/logicals of the range ignored, a number
not in it #N/A, the range's first error.
"""

from __future__ import annotations

import pytest

pytest.importorskip("openpyxl")
pytest.importorskip("numba")

from tests.kernel_checks import sheet_job  # noqa: E402
from tests.test_backend_numba import numba_and_numpy, tri  # noqa: E402

TRIALS = 40


def _cells(rows: int, col: str = "B", start: int = 2, text: bool = True) -> dict[str, object]:
    """A column ``col`` of numbers made per trial from constants of A (ties among them),
    with text, a blank, a logical and a cell that is #DIV/0! in some trials; a RANK, RANK.EQ
    and RANK.AVG column over it (both orders)."""
    end = start + rows - 1
    rng = f"${col}${start}:${col}${end}"
    ws: dict[str, object] = {}
    for r in range(start, end + 1):
        ws[f"A{r}"] = (r * 37) % 13
        ws[f"{col}{r}"] = f"=ROUND(A{r}*$H$1,0)"
        ws[f"C{r}"] = f"=RANK({col}{r},{rng})"
        ws[f"D{r}"] = f"=RANK.AVG({col}{r},{rng},1)"
        ws[f"E{r}"] = f"=RANK.EQ({col}{r},{rng},$H$3)"
    ws[f"{col}{start + 9}"] = f"=IF($H$1>1.05,1/0,A{start + 9})"   # error in some trials
    if text:
        ws[f"{col}{start + 3}"] = "text"        # ignored by RANK; its own rank: #VALUE!
        ws[f"{col}{start + 5}"] = None          # blank
        ws[f"{col}{start + 7}"] = True          # a logical in the range: ignored
    ws["F1"] = f"=RANK.EQ($H$2,{rng},$H$3)"     # #N/A where H2 is not in the range
    ws["F2"] = f"=RANK.AVG(ROUND($H$2,0),{rng})"
    return ws


def _job(tmp_path, rows: int, text: bool = True):
    ws = _cells(rows, text=text)
    ws.update({"H1": 1.0, "H2": 6.0, "H3": 0.0})
    inputs = [tri("S!H1", 0.9, 1.0, 1.1), tri("S!H2", 0.0, 6.0, 30.0),
              tri("S!H3", -1.0, 0.0, 1.0)]
    outputs = ["F1", "F2"] + [f"{c}{r}" for r in range(2, rows + 2) for c in "CDE"]
    return sheet_job(tmp_path / "rank.xlsx", ws, inputs, outputs, TRIALS)


def _check(job, tmp_path) -> tuple[tuple, str]:
    """numba (every cell fused) = numpy: (numpy's results, the kernels' source)."""
    _, want = numba_and_numpy(job, tmp_path / "kernels", TRIALS, fused=True)
    return want, "".join(p.read_text() for p in sorted((tmp_path / "kernels").glob("*.py")))


def test_rank_column_sorted_once_equals_numpy(tmp_path, monkeypatch):
    from engine.backends.numba import _gather

    rows = 12   # past GATHER_MIN (32 made 8: a small kernel): the cells share one copy
    monkeypatch.setattr(_gather, "GATHER_MIN", 8)
    job = _job(tmp_path, rows)
    want, source = _check(job, tmp_path)
    assert "rank_sorted(" in source and "rank_of(" not in source
    assert source.count("rank_sort(") == 1
    v = {str(c): x for c, x in want[0].items()}
    e = {str(c): x for c, x in want[1].items()}
    # the cases are there: ties (RANK.AVG halves), the error in some trials only, #N/A
    assert any((v[f"S!D{r}"] % 1 == 0.5).any() for r in range(2, rows + 2))
    assert (e["S!C2"] != 0).any() and (e["S!C2"] == 0).any()
    assert (e["S!F1"] == 7).any()                              # #N/A: H2 not in the range
    assert (e["S!F2"] == 0).any() and (e["S!F2"] == 7).any()   # ROUND(H2) in it or not


def test_rank_values_worked_by_hand(tmp_path):
    """Excel's ranks of 5, 3, 5, 1 (times H1 > 0: the same ranks in every trial):
    descending 1, 3, 1, 4; RANK.AVG ascending 3.5, 2, 3.5, 1."""
    ws: dict[str, object] = {"H1": 1.0}
    for r, a in zip(range(2, 6), (5, 3, 5, 1), strict=True):
        ws[f"A{r}"] = a
        ws[f"B{r}"] = f"=A{r}*$H$1"
        ws[f"C{r}"] = f"=RANK(B{r},$B$2:$B$5)"
        ws[f"D{r}"] = f"=RANK.AVG(B{r},$B$2:$B$5,1)"
    outputs = [f"{c}{r}" for r in range(2, 6) for c in "CD"]
    job = sheet_job(tmp_path / "hand.xlsx", ws, [tri("S!H1", 0.9, 1.0, 1.1)], outputs, 4)
    want, source = _check(job, tmp_path)   # 4 cells: each its own copy, sorted
    assert "rank_sorted(" in source
    v = {str(c): x.tolist() for c, x in want[0].items()}
    assert [v[f"S!C{r}"] for r in range(2, 6)] == [[x] * 4 for x in (1.0, 3.0, 1.0, 4.0)]
    assert [v[f"S!D{r}"] for r in range(2, 6)] == [[x] * 4 for x in (3.5, 2.0, 3.5, 1.0)]


def test_rank_over_a_column_past_the_cap_is_fused(tmp_path, monkeypatch):
    """The cap lowered to 64 cells: a 100-row RANK column over its own column (as AMD's
    10,271 rows past the cap of 4,096) is fused (before: "a range of 100 cells")."""
    from engine.backends.numba import _args, _gather

    monkeypatch.setattr(_args, "MAX_AREA_CELLS", 64)
    monkeypatch.setattr(_gather, "MAX_AREA_CELLS", 64)
    job = _job(tmp_path, 100, text=False)
    assert _check(job, tmp_path)[1].count("rank_sort(") == 1


@pytest.mark.slow
def test_rank_column_of_2000_rows_equals_numpy(tmp_path):
    """2,000 rows (a copied column: one loop; the error in some trials): numba = numpy."""
    job = _job(tmp_path, 2000, text=False)
    assert _check(job, tmp_path)[1].count("rank_sort(") == 1


@pytest.mark.slow
def test_rank_past_the_cap_on_the_cuda_host_build(tmp_path, monkeypatch):
    """The 100-row column past a cap of 64 (and the 12-row one with text, a blank, a logical)
    on the CUDA kernel's host build: equal to numpy (where there is a C++ compiler)."""
    from engine.backends.numba import _args, _gather
    from tests.test_backend_cupy import host_equals_numpy

    monkeypatch.setattr(_args, "MAX_AREA_CELLS", 64)
    monkeypatch.setattr(_gather, "MAX_AREA_CELLS", 64)
    monkeypatch.setattr(_gather, "GATHER_MIN", 8)
    for name, rows, text in (("a", 100, False), ("b", 12, True)):
        (tmp_path / name).mkdir()
        host_equals_numpy(_job(tmp_path / name, rows, text), tmp_path / f"k{name}", TRIALS)
