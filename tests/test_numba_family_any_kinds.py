"""Rows of one formula whose operands are of different kinds (an input in some rows, a
constant in others, a cell made per trial in the rest) are one family's loop
(engine.backends.numba._families.any_key): each such operand is read through one load that
its gather-table entry (index * 4 + the kind's code) picks.  They were a family per kind
pattern, each a loop compiled on its own (a model's 307 families were 154 shapes so).
numba equals numpy."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import _codegen, _families  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import job_for, tri  # noqa: E402

TOP, ROWS = 2, 240


def kinds_job(tmp_path, trials: int = 200):
    """Per row: B a cell made per trial; C an input (every 10th row), a constant, or a
    cell made per trial, by row; D = B*C+... and E reading D and C; a total."""
    last = TOP + ROWS - 1
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "K"
    ws["A1"] = 1.0
    inputs = [tri("K!A1", 0.5, 1.0, 2.0)]
    for r in range(TOP, last + 1):
        ws[f"B{r}"] = f"=$A$1*{r % 17 + 1}+LN($A$1+{r})"
        if r % 10 == 0:
            ws[f"C{r}"] = float(r)
            inputs.append(tri(f"K!C{r}", r - 1.0, float(r), r + 2.0))
        elif r % 3 == 0:
            ws[f"C{r}"] = r * 0.5
        else:
            ws[f"C{r}"] = f"=SQRT($A$1+{r})"
        ws[f"D{r}"] = f"=B{r}*C{r}+MAX(B{r},C{r})/(1+ABS(C{r}))"
        ws[f"E{r}"] = f"=IF(D{r}>C{r},D{r}-C{r},C{r}-D{r}*2)+ROUND(C{r},1)"
    ws["G1"] = f"=SUM(E{TOP}:E{last})"
    path = tmp_path / "kinds.xlsx"
    wb.save(path)
    outs = ["K!G1"] + [f"K!{c}{r}" for r in (TOP, TOP + 1, 10, 12, last) for c in "DE"]
    return job_for(Model.open(path), inputs, outs, trials)


def _plan(job):
    from engine.backends.numba._samplers import samplers_for

    return _codegen.generate(job.program, *samplers_for(job, False))


def test_rows_of_operands_of_several_kinds_are_one_loop(tmp_path, monkeypatch):
    job = kinds_job(tmp_path)
    plan = _plan(job)
    assert not plan.rest, plan.reasons
    lines = len(plan.source.splitlines())
    assert "% 4 == 0 else kv[" in plan.source   # a value of any kind (a load of kind a)
    # the regression this guards: a family per pattern of kinds
    monkeypatch.setattr(_families, "any_key", lambda s: s.key)
    split = _plan(job)
    assert split.families > plan.families, (split.families, plan.families)
    assert len(split.source.splitlines()) > lines


def test_rows_of_operands_of_several_kinds_numba_equals_numpy(tmp_path):
    from tests.test_backend_numba import numba_and_numpy

    numba_and_numpy(kinds_job(tmp_path), tmp_path / "kernels", 100, fused=True)
