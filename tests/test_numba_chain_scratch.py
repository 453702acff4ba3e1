"""Schedules whose rows keep running totals (engine.backends.numba._families with shared scratch
operands): a loan tracker copied down 240 rows whose cumulative columns are
``SUM($F$18:F18)`` and ``SUM($E$18:$E18)+SUM($H$18:$H18)`` (each row's sum is the row
above's sum plus one term, kept in a shared scratch array: engine/backends/numba/_gather.py),
with a text flag and rows that turn "" after the last payment.  The running totals are rows
of the schedule's loop (their scratch arrays gathered per row), not ~16 straight-line lines
per row and column: the kernel stays short, and numba equals numpy; the CUDA generator keeps
them straight-line code (host build equal to numpy)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, _families  # noqa: E402
from engine.backends.numba._families import Chain, shape_of  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TOP = 18       # the schedule's first row
ROWS = 240


def tracker_book(path, rows: int = ROWS) -> None:
    """Inputs in B1:B6 (amount, annual rate, years, payments a year, extra payment, start
    date), a text flag in B8 ("" when the inputs are there), B9 TRUE where B8 is "", the
    scheduled payment in B10; the schedule from row 18: payment number, date, beginning
    balance, scheduled payment, extra payment, interest, ending balance, principal,
    cumulative interest, cumulative principal and extra; totals in D1:D4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Schedule"
    for r, (label, x) in enumerate([("Amount", 200_000.0), ("Rate", 0.06), ("Years", 15.0),
                                    ("Per year", 12.0), ("Extra", 150.0),
                                    ("Start", 44_927.0)], start=1):
        ws[f"A{r}"], ws[f"B{r}"] = label, x
    ws["B8"] = '=IF(OR(B1<=0,B2<=0,B3<=0),"Missing values","")'
    ws["B9"] = '=IF(B8="",TRUE,FALSE)'
    ws["B10"] = '=IF(B9=FALSE,"",-PMT(B2/B4,B3*B4,B1))'
    for r in range(TOP, TOP + rows):
        first = r == TOP
        ws[f"A{r}"] = ('=IF($B$9=FALSE,"",1)' if first else
                       f'=IF($B$9=FALSE,"",IF(G{r - 1}="","",IF(G{r - 1}=0,"",A{r - 1}+1)))')
        ws[f"B{r}"] = (f'=IF(A{r}="","",DATE(YEAR($B$6),MONTH($B$6)+(A{r}-1)*12/$B$4,'
                       'DAY($B$6)))')
        ws[f"C{r}"] = f'=IF(A{r}="","",$B$1)' if first else f'=IF(A{r}="","",G{r - 1})'
        ws[f"D{r}"] = f'=IF(A{r}="","",IF($B$10>C{r},C{r},$B$10))'
        ws[f"E{r}"] = f'=IF(A{r}="","",MIN($B$5,C{r}-D{r}))'
        ws[f"F{r}"] = f'=IF(A{r}="","",C{r}*($B$2/$B$4))'
        ws[f"H{r}"] = f'=IF(A{r}="","",D{r}-F{r})'
        ws[f"G{r}"] = f'=IF(A{r}="","",IF(H{r}+E{r}<C{r},C{r}-H{r}-E{r},0))'
        ws[f"I{r}"] = f'=IF(A{r}="","",SUM($F${TOP}:F{r}))'
        ws[f"J{r}"] = f'=IF(A{r}="","",SUM($E${TOP}:$E{r})+SUM($H${TOP}:$H{r}))'
    last = TOP + rows - 1
    ws["D1"] = f"=MAX(I{TOP}:I{last})"
    ws["D2"] = f"=MAX(A{TOP}:A{last})"
    ws["D3"] = f"=MAX(J{TOP}:J{last})/B1"
    ws["D4"] = '=IF(B8="","ok",B8)'
    wb.save(path)


def tracker_job(tmp_path, rows: int = ROWS, trials: int = 400, every: bool = False):
    """The tracker's job; ``every``: every formula an output (as bench/bench_fused.py)."""
    path = tmp_path / "tracker.xlsx"
    tracker_book(path, rows)
    model = Model.open(path)
    # 10 to 20 years: the loan ends before the last row in some trials (rows of "" after it)
    inputs = [tri("Schedule!B1", 100_000.0, 200_000.0, 400_000.0),
              tri("Schedule!B2", 0.02, 0.06, 0.10), tri("Schedule!B3", 10.0, 15.0, 20.0),
              tri("Schedule!B5", 0.0, 150.0, 2_000.0)]
    last = TOP + rows - 1
    outputs = ["Schedule!D1", "Schedule!D2", "Schedule!D3", "Schedule!D4",
               f"Schedule!I{TOP + rows * 5 // 12}", f"Schedule!J{TOP + rows // 2}",
               f"Schedule!I{last}", f"Schedule!J{last}", f"Schedule!A{last}",
               f"Schedule!B{TOP + rows * 5 // 8}"]
    if every:
        outputs = [str(c) for c in model.workbook.formula_cells()]
    return job_for(model, inputs, outputs, trials=trials), model


def test_running_totals_are_rows_of_the_schedule_loop(tmp_path):
    """150 trials (numpy's run of the 2,400 cells is half the test; 400 were ~76 s on CI):
    the loan has ended by the last row in 122 of the first 400 trials, spread over them."""
    job, model = tracker_job(tmp_path, every=True, trials=150)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        got = run(be, job, 150)
        plan = be.prepare(job).plan
        assert be.last_fallback.numpy_cells == 0, be.last_fallback.reasons
        assert len(plan.fused) == len(job.program.steps) == len(job.program.outputs)
        # 240 rows x 2 running-total columns were ~16 straight-line lines each (18,727 lines
        # in all), and each looped cell's output ~5 lines after the loop (+11,000)
        assert len(plan.source.splitlines()) < 2_500
        want = run(NumpyBackend(), job, 150)
        assert_same(job, got, want)
        ends = want[0][model.ref(f"Schedule!A{TOP + ROWS - 1}")]
        assert 0 < np.isnan(ends).sum() < len(ends)      # "" in some trials (NaN: text)
    finally:
        be.close()


def test_shared_scratch_is_an_operand_and_own_scratch_is_not():
    lines = ["t5 = z3[0]", "t6 = int(z3[1])", "t7 = t5 + v2", "z8[0] = t7", "z8[1] = t6",
             "v9 = t7"]
    shared = {"z3": 2, "z8": 2}.get
    s = shape_of(9, lines, shared)
    assert s is not None and s.kinds == ("z", "v", "z") and s.ids == (3, 2, 8)
    assert "P0[0]" in s.text and "P2[1] = T1" in s.text
    assert shape_of(9, lines) is None                       # no scratch given (CUDA)
    assert shape_of(9, lines, {"z3": 2}.get) is None        # z8 is the cell's own
    whole = ["t1 = fsum(z4, 40)", "v2 = t1"]
    got = shape_of(2, whole, {"z4": 40}.get)
    assert got is not None and got.text == "T0 = fsum(P0[:40], 40)\nV = T0"
    assert shape_of(2, ["t1 = z4[t0]", "v2 = t1"], {"z4": 40}.get) is None   # index per trial


def test_the_loop_reads_and_writes_the_scratch_rows(monkeypatch):
    """A 30-row running sum as find_families sees it: one chain whose gather table holds
    each row's scratch as its first row of ``ur``."""
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    lines = [["t0 = x0 * 1.0", "z900[0] = t0", "z900[1] = 0", "v0 = t0"]]
    cells = [("S", 1, 1)]
    scratch = {"z900": (40, 2)}
    for r in range(1, 30):
        prev = "z900" if r == 1 else f"z{900 + r - 1}"
        lines.append([f"t{10 * r} = v{r - 1}", f"t{10 * r + 1} = {prev}[0]",
                      f"t{10 * r + 2} = t{10 * r + 1} + x1", f"z{900 + r}[0] = t{10 * r + 2}",
                      f"z{900 + r}[1] = 0", f"v{r} = t{10 * r + 2}"])
        cells.append(("S", r + 1, 1))
        scratch[f"z{900 + r}"] = (40 + 2 * r, 2)
    units, count = _families.find_families(lines, cells=cells, scratch=scratch)
    chains = [u for u in units if isinstance(u, Chain)]
    assert count == 1 and len(chains) == 1 and chains[0].rows >= 25
    fam = chains[0].families[0]
    # per row: the value above, its scratch (read: its first row of ur), input 1, the row's
    # own scratch (written)
    assert fam.shape.kinds == ("v", "z", "x", "z")
    assert all(ids == (m - 1, 40 + 2 * (m - 1), 1, 40 + 2 * m)
               for ids, m in zip(fam.ids, fam.members, strict=True))
    loop, table = _families.unit_loop(chains[0], 0, 0, {k: k for k in range(30)}, "")
    text = "\n".join(loop)
    assert "ur[g0s0p" in text and "+ 0, b] = " in text
    assert len(table) == _families.unit_table_size(chains[0])


def test_cuda_twin_keeps_running_totals_straight_line(tmp_path):
    """The CUDA generator gets no scratch operands: the running totals stay straight-line
    code (built for the host with g++, equal to numpy)."""
    from tests.test_backend_cupy import host_equals_numpy

    job, _ = tracker_job(tmp_path, rows=60, trials=300)
    host_equals_numpy(job, tmp_path / "cuda", 300)
