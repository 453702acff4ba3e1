"""Families in the numba kernel: formulas copied down a column compiled once as a loop over
their cells (engine.backends.numba._families), against the numpy reference; and the group
draw of many NORM.INV(RAND()) cells (tails through the vectorized log) against scipy."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, _families  # noqa: E402
from engine.backends.numba._families import FAMILY_MIN, LineBudget, shape_of  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

ROWS = 24


@pytest.fixture(autouse=True)
def small_kernels_have_families(monkeypatch):
    """Families from the first lines (by default only kernels of 1,500 lines have them)."""
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def copied_down(rows: int) -> dict:
    """A cost sheet: per row a driver (input), a rate, a chain of formulas copied down, with
    a division that fails on some rows (#DIV/0!), a text label, a value whose type depends
    on the trial, a RAND() and a lookup into a shared table; totals below."""
    cells: dict = {"Sheet1!H1": 0.0, "Sheet1!H2": 100.0, "Sheet1!I1": 0.9, "Sheet1!I2": 1.1}
    for r in range(1, rows + 1):
        cells[f"Sheet1!A{r}"] = 10.0 + r            # input
        cells[f"Sheet1!B{r}"] = 0.01 * (r % 7)      # rate (0 on every 7th row)
        cells[f"Sheet1!C{r}"] = f"=A{r}*(1+B{r})"
        cells[f"Sheet1!D{r}"] = f"=IF(C{r}>A{r}*1.03,MAX(C{r}*1.02,A{r}),C{r}*1.01+2)"
        cells[f"Sheet1!E{r}"] = f"=D{r}/B{r}"                      # #DIV/0! where B is 0
        cells[f"Sheet1!F{r}"] = f'=IF(D{r}>30,"high","low")'
        cells[f"Sheet1!G{r}"] = f'=IFERROR(E{r},"n/a")'           # a number or text
        cells[f"Sheet1!J{r}"] = f"=D{r}*(0.9+0.2*RAND())"
        cells[f"Sheet1!K{r}"] = f"=J{r}*VLOOKUP(J{r},$H$1:$I$2,2)"
        cells[f"Sheet1!L{r}"] = f'=IF(F{r}="high",K{r},-K{r})+ROUND(E{r},2)'
    cells["Sheet1!M1"] = f"=SUM(K1:K{rows})"
    cells["Sheet1!M2"] = f'=COUNTIF(F1:F{rows},"high")'
    cells["Sheet1!M3"] = f"=SUM(L1:L{rows})"
    return cells


def test_copied_formulas_run_as_loops_and_match_numpy(backend):
    model = Model.from_cells(copied_down(ROWS))
    inputs = [tri(f"Sheet1!A{r}", 5.0 + r, 10.0 + r, 20.0 + r) for r in range(1, ROWS + 1)]
    outputs = ["Sheet1!M1", "Sheet1!M2", "Sheet1!M3", "Sheet1!E7", "Sheet1!G7", "Sheet1!G3",
               "Sheet1!F5", "Sheet1!L9"]
    job = job_for(model, inputs, outputs, trials=3_000)
    got = run(backend, job, 1_100)
    assert_same(job, got, run(NumpyBackend(), job, 3_000))
    plan = backend.prepare(job).plan
    assert backend.last_fallback.numpy_cells == 0, backend.last_fallback.reasons
    assert plan.families >= 5
    assert " in range(" in plan.source and "gi[" in plan.source
    assert re.search(r"for c\d+j\d+ in range\(\d+\):", plan.source)   # SUM(K1:K24): a loop
    # the lines of a copied formula are there once, not once per row
    assert len(plan.source.splitlines()) < 4 * len(plan.fused)


def test_loops_match_numpy_with_lhs_and_threads(tmp_path):
    from engine.sampling import Sampling

    model = Model.from_cells(copied_down(12))
    inputs = [tri(f"Sheet1!A{r}", 5.0 + r, 10.0 + r, 20.0 + r) for r in range(1, 13)]
    job = job_for(model, inputs, ["Sheet1!M1", "Sheet1!M3"], trials=20_000,
                  sampling=Sampling.LHS)
    be = NumbaBackend(threads=2, kernel_dir=tmp_path)
    try:
        got = run(be, job, 20_000)
        assert be.prepare(job).plan.families > 0
    finally:
        be.close()
    assert_same(job, got, run(NumpyBackend(), job, 20_000))


def test_shape_abstracts_names_not_code():
    a = shape_of(5, ["t10 = v3 * k12", "t11 = x1 / 20.0", "v5 = t10 - t11"])
    b = shape_of(9, ["t40 = v7 * k13", "t41 = x2 / 20.0", "v9 = t40 - t41"])
    c = shape_of(9, ["t40 = v7 * k13", "t41 = x2 / 21.0", "v9 = t40 - t41"])   # a literal
    d = shape_of(9, ["t40 = v7 * k13", "t41 = v7 / 20.0", "v9 = t40 - t41"])   # an operand
    assert a is not None and b is not None and c is not None and d is not None
    assert a.key == b.key and b.ids == (7, 13, 2) and a.reads == frozenset({3})
    assert a.key != c.key and a.key != d.key
    assert shape_of(4, ["z3[0] = v1", "t5 = irr(z3, 1, 0.1)", "v4 = t5"]) is None
    assert shape_of(4, ["v4 = t2 + 1.0"]) is None   # a temporary it does not define


def test_line_budget_counts_a_family_once():
    budget = LineBudget()
    for k in range(10):
        budget.add(k, [f"t{k}0 = x{k} * 2.0", f"v{k} = t{k}0 + k{k}"])
    assert budget.lines == 2 * (FAMILY_MIN - 1)


def test_group_tails_equal_scipy():
    """The tails of NORM.INV(RAND()) groups (vectorized fdlibm log + AS241) against scipy's
    ndtri, down to the smallest uniform the sampler makes, and NaN for 0."""
    from scipy.special import ndtri

    from engine.backends.numba._rt import _tails

    p = np.array([2.0 ** -54, 1e-300, 1e-20, 1e-12, 1.3e-11, 1e-6, 0.01, 0.0749, 0.925,
                  0.99, 1 - 1e-9, 1 - 2.0 ** -53, 0.0])
    m = len(p)
    ur = np.zeros((1, m))
    dp = np.array([1.0, 0.0, 1.0])   # row 0: NORM.INV(RAND(), 0, 1)
    _tails(ur, 0, m, np.arange(m, dtype=np.int64), p.copy(), m, np.empty(m),
           np.empty(m, np.int64), np.empty(m), dp, 0)
    want = ndtri(p[:-1])
    np.testing.assert_allclose(ur[0, :-1], want, rtol=2e-15)
    assert np.isnan(ur[0, -1])
