"""A schedule (a loan balance copied down the rows) beside a period counter B and a
discounted column ``E = C/(1+D+0.01)^(B/12)`` reading both the schedule's payment C and a
plain copied column D (sohamshewale Monte Carlo 'Cash flows').  Where B/12 is whole (B = 12,
24, ..) the generator writes ``x ^ k`` as ``ipow`` (else ``excel_pow``, which calls ipow for a
whole exponent, bit for bit): those rows were another shape, the schedule was cut to the
longest run of rows every shape had (11) and the rest was straight-line code, ~48 lines a
row.  engine.backends.numba._families.shape_of writes ipow as excel_pow in a shape: one loop,
a kernel that does not grow with the rows, and numba equal to numpy."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numba import _codegen  # noqa: E402
from tests.kernel_checks import fused_source, numba_and_host_equal_numpy, sheet_job  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402

TOP = 5


def cash_flows(rows: int, product: bool = False) -> dict[str, object]:
    """The table's cells, rows TOP..TOP + rows - 1; its discounted sum in A1; with
    ``product``, D the growing window ``PRODUCT($R$5:R{r-1})^(12/B)-1``."""
    cells: dict[str, object] = {"B2": 0.03, "B3": 0.0009, "Z1": 0.001}
    last = TOP + rows - 1
    for r in range(TOP, last + 1):
        first = r == TOP
        cells[f"B{r}"] = 0 if first else f"=B{r - 1}+1"
        cells[f"F{r}"] = 100000 if first else f"=F{r - 1}-M{r - 1}-N{r - 1}"
        cells[f"J{r}"] = f"=0.21*(F{r}/$F${TOP})"
        cells[f"K{r}"] = f"=0.12*I{r}*J{r}"
        cells[f"I{r}"] = 0.9 + 0.01 * (r % 7)
        cells[f"L{r}"] = f"=1-(1-K{r})^(1/12)"
        cells[f"M{r}"] = f"=MIN(F{r},O{r}-P{r})"
        cells[f"N{r}"] = f"=L{r}*(F{r}-M{r})"
        cells[f"O{r}"] = f"=$F${TOP}*($B$2/12)/(1-(1/(1+$B$2/12))^240)"
        cells[f"P{r}"] = f"=F{r}*B$2/12"
        cells[f"Q{r}"] = f"=F{r}*($B$3/12)"
        cells[f"C{r}"] = f"=M{r}+N{r}+P{r}-Q{r}"
        cells[f"R{r}"] = "=1+$Z$1"
        cells[f"D{r}"] = None if first else (
            f"=PRODUCT($R${TOP}:R{r - 1})^(12/B{r})-1" if product else f"=R{r - 1}^(12/B{r})-1")
        cells[f"E{r}"] = f"=C{r}" if first else f"=C{r}/(1+D{r}+0.01)^(B{r}/12)"
    cells["A1"] = f"=SUM(E{TOP}:E{last})+SUM(D{TOP}:D{last})"
    return cells


def job_of(tmp_path, rows: int, trials: int = 40, product: bool = False):
    last = TOP + rows - 1
    inputs = [tri("S!B2", 0.025, 0.03, 0.035), tri("S!Z1", 0.0005, 0.001, 0.002),
              tri(f"S!F{TOP}", 9e4, 1e5, 1.1e5)]
    inputs += [tri(f"S!I{r}", 0.8, 0.9, 1.0) for r in range(TOP, last + 1)]
    return sheet_job(tmp_path / f"cf{rows}{product}.xlsx", cash_flows(rows, product), inputs,
                     ["A1"], trials)


def test_kernel_does_not_grow_with_the_rows(tmp_path):
    short = len(fused_source(job_of(tmp_path, 40)).splitlines())
    long = len(fused_source(job_of(tmp_path, 60)).splitlines())
    assert long <= short + 20, (short, long)     # before: 1,315 / 1,972 lines; after 292 / 292
    assert long < 600


def test_numba_equals_numpy(tmp_path):
    numba_and_host_equal_numpy(job_of(tmp_path, 60), tmp_path / "k", chunk=20)


def test_budget_counts_products_as_the_kernel_loops_them(tmp_path, monkeypatch):
    """Each row's PRODUCT over the rows above is a line a row more, which the kernel folds
    into a loop over R's slots (_families.loop_chains); the line budget counted them all
    (80 rows: over 3,000 lines for D alone) and left cells to numpy as "too large" under a
    cap the kernel (~1,400 lines) is far below."""
    monkeypatch.setattr(_codegen, "MAX_KERNEL_LINES", 2_500)
    job = job_of(tmp_path, 80, product=True)
    assert len(fused_source(job).splitlines()) < 2_500
