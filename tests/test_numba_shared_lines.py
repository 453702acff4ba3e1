"""Lookups into whole columns of a table copied down its rows (engine.backends.numba.
_shared_lines): ``=INDEX($E$5:$E$44, MATCH(A5, $A$5:$A$44, 0))`` in every row, as a pump
sizing workbook has it over 2,000 rows.  The lookup vector and the result column are written
once per trial and shared by every row (they were written again in every cell: lines grew
with the square of the rows, and such a workbook ended "the kernel would be too large"); runs
of one constant (the table's empty rows) are slice assignments.  numba equals numpy, and the
CUDA twin (built for the host with g++) too."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("numba")
openpyxl = pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, _codegen, _families, _shared_lines  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TOP, ROWS, FILLED = 5, 40, 4


def table_book(path, rows: int = ROWS) -> None:
    """Segment ids in C (inputs in the first rows, empty below), a velocity per row, and
    per row the velocity of its segment looked up over the whole column (INDEX/MATCH and
    VLOOKUP), a text regime, and a total."""
    last = TOP + rows - 1
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Loops"
    ws["B1"] = 784.8
    for r in range(TOP, last + 1):
        if r < TOP + FILLED:
            ws[f"C{r}"] = float(r - TOP + 1)
        ws[f"A{r}"] = f'=IF(C{r}="","",C{r})'
        ws[f"B{r}"] = f'=IF(A{r}="","",A{r})'
        ws[f"E{r}"] = f'=IF(C{r}="","",$B$1/C{r})'
        ws[f"F{r}"] = f'=IF(E{r}="","",IF(E{r}>300,"TURBULENT","LAMINAR"))'
        ws[f"G{r}"] = (f'=IF(A{r}="","",INDEX($E${TOP}:$E${last},'
                       f'MATCH(A{r},$A${TOP}:$A${last},0))^2/2)')
        ws[f"H{r}"] = f'=IF(A{r}="","",VLOOKUP(A{r},$B${TOP}:$F${last},5,FALSE))'
    ws["J1"] = f"=SUM(G{TOP}:G{last})"
    wb.save(path)


def table_job(tmp_path, trials: int = 300, rows: int = ROWS):
    path = tmp_path / "table.xlsx"
    table_book(path, rows)
    model = Model.open(path)
    inputs = [tri("Loops!B1", 600.0, 784.8, 900.0)]
    # segment ids that round-trip in some trials only: MATCH finds the row or an earlier one
    inputs += [tri(f"Loops!C{TOP + j}", j + 0.5, j + 1.0, j + 1.5) for j in range(FILLED)]
    outputs = ["Loops!J1"] + [f"Loops!{c}{r}" for r in (TOP, TOP + 2, TOP + FILLED, TOP + rows - 1)
                              for c in "GH"]
    return job_for(model, inputs, outputs, trials=trials)


def test_under_a_cap_it_was_far_over_every_cell_is_fused(tmp_path, monkeypatch):
    job = table_job(tmp_path)
    monkeypatch.setattr(_codegen, "MAX_KERNEL_LINES", 3_000)
    plan = _codegen.generate(job.program, *_samplers(job))
    assert not plan.rest, plan.reasons
    assert len(plan.source.splitlines()) < 2_500


@pytest.mark.slow   # a compile of ~2,000 lines; the CUDA host test below checks the values
def test_lookups_over_whole_columns_are_written_once(tmp_path):
    job = table_job(tmp_path)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        plan = be.prepare(job).plan
        assert be.prepare(job).info.numpy_cells == 0, plan.reasons
        lines = len(plan.source.splitlines())
        # 40 rows x (2 + 3 lines per element of a 40-cell column) x 2 lookups were ~16,000
        assert lines < 2_500, lines
        assert_same(job, run(be, job, 300), run(NumpyBackend(), job, 300))
    finally:
        be.close()


def test_without_sharing_it_is_past_that_cap(tmp_path, monkeypatch):
    """The regression this guards: each row writing the columns again."""
    job = table_job(tmp_path)
    monkeypatch.setattr(_codegen, "MAX_KERNEL_LINES", 3_000)
    monkeypatch.setattr(_shared_lines, "SHARE_MIN", 10**9)
    plan = _codegen.generate(job.program, *_samplers(job))
    assert "the kernel would be too large" in plan.reasons.values()


def test_rows_reading_the_shared_column_at_their_position_are_one_loop(tmp_path, monkeypatch):
    """Each row reads the shared columns at its own per-trial position (``z[int(t)]``): the
    rows are a family's loop (a few hundred lines whatever the rows), not ~37 lines a row."""
    job = table_job(tmp_path, rows=120)
    monkeypatch.setattr(_codegen, "MAX_KERNEL_LINES", 2_000)
    plan = _codegen.generate(job.program, *_samplers(job))
    assert not plan.rest, plan.reasons
    lines = plan.source.splitlines()
    assert len(lines) < 1_000, len(lines)
    assert any(re.search(r"= ur\[\w+ \+ \(int\(\w+\)\), b\]", line) for line in lines)
    # the regression this guards: such reads kept every row straight-line, past that cap
    monkeypatch.setattr(_families, "SCRATCH_AT", False)
    plan = _codegen.generate(job.program, *_samplers(job))
    assert "the kernel would be too large" in plan.reasons.values()


def test_a_scratch_the_cell_writes_is_not_read_per_trial_in_a_loop():
    size = {"z1": 4, "z2": 4}.get
    reader = ["t1 = v3 - 1.0", "v9 = z1[int(t1)]"]
    shape = _families.shape_of(9, reader, size)
    assert shape is not None and shape.kinds == ("v", "z") and "P1[int(T0)]" in shape.text
    assert _families._scratch_rows(shape, shape.text).endswith("V = ur[P1 + (int(T0)), b]")
    writer = ["z1[0] = v3", "t1 = v3 - 1.0", "v9 = z1[int(t1)]"]
    assert _families.shape_of(9, writer, size) is None
    assert _families.shape_of(9, ["t1 = v3 - 1.0", "v9 = z7[int(t1)]"], size) is None


@pytest.mark.slow   # compiles the 120-row table's loops
def test_rows_reading_at_their_position_numba_equals_numpy(tmp_path, monkeypatch):
    job = table_job(tmp_path, rows=120)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    try:
        prep = be.prepare(job)
        assert prep.info.numpy_cells == 0, prep.plan.reasons
        assert any("+ (int(" in line for line in prep.plan.source.splitlines())
        assert_same(job, run(be, job, 300), run(NumpyBackend(), job, 300))
    finally:
        be.close()


def test_compact_fills():
    got = _shared_lines.compact_fills(["z1[0] = 0.0", "z2[0] = 1.0", "z1[1] = 0.0",
                                       "t5 = v3 * 2.0", "z1[2] = t5", "z1[3] = 0.0",
                                       "z1[4] = 0.0", "z2[1] = 1.0"])
    assert got == ["z1[0:2] = 0.0", "z2[0:2] = 1.0", "z1[3:5] = 0.0", "t5 = v3 * 2.0",
                   "z1[2] = t5"]
    got = _shared_lines.compact_fills(["z1[0] = v3", "z2[0] = w3 * 1.0", "t6 = v5 + 1.0",
                                       "z1[1] = t6", "z2[1] = 0.0"])
    assert got == ["z2[1] = 0.0", "t6 = v5 + 1.0", "z1[0] = v3", "z1[1] = t6",
                   "z2[0] = w3 * 1.0"]


def test_cuda_twin_reads_the_shared_columns(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    host_equals_numpy(table_job(tmp_path, trials=200), tmp_path / "cuda")   # all fused


def _samplers(job):
    from engine.backends.numba._samplers import samplers_for

    return samplers_for(job, False)


def test_copies_of_codes_of_family_cells_are_loops():
    lines = ["t1 = v2 * 2.0"] + [f"z9[{j}] = w{10 + j} * 1.0" for j in range(8)] + \
        [f"z8[{j}] = y{10 + j}" for j in range(8)] + ["z8[8] = y40", "v3 = t1"]
    looped = set(range(10, 18))
    got, cells = _shared_lines.loop_codes(lines, looped, 100, "c3")
    assert got == ["t1 = v2 * 2.0",
                   "for c3s1 in range(8):",
                   "    z9[int(0 + c3s1)] = (int(se[b, gi[100 + c3s1]]) & 15) * 1.0",
                   "for c3s9 in range(8):",
                   "    z8[int(0 + c3s9)] = float(int(se[b, gi[108 + c3s9]]) >> 4)",
                   "z8[8] = y40", "v3 = t1"]
    assert cells == list(range(10, 18)) * 2
    # fewer than 8 in a run, or a cell that is not looped: lines as they were
    assert _shared_lines.loop_codes(lines[:5], looped, 0, "c3") == (lines[:5], [])
