"""Aggregates over long ranges in the fused kernel cost lines that do not grow with every
cell over the range (engine/backends/numba/_gather.py):

* order statistics of one long range in several cells (``=PERCENTILE($F$1:$F$60, ...)``
  copied down, MEDIAN, QUARTILE, LARGE, SMALL, PERCENTRANK beside it) copy the range once
  per trial into a shared scratch (before: a 60-line copy in every cell);
* SUM, AVERAGE, MIN, MAX, VAR, STDEV, KURT, SKEW, SUMPRODUCT, COUNT of a long range (constants and varying
  cells) copy it once per trial (a run of constants by one loop) and reduce it in runtime
  loops, the same additions in the same order (numpy's pairwise sums for the moments);
* a range of one formula copied down (a family: one loop over its cells) is copied into the
  scratch by a loop over the cells' slots, not a line per cell (bench_compile's slice grew
  from 569 to 1,762 lines with the gathered aggregates);
* running totals ``=SUM($E$1:$E<r>)`` copied down start from the previous row's sum (before:
  every cell added the whole range again, lines growing with the square of the rows), over
  cells of varying kind ("" or a number) and an error in some trials;

numba equal to numpy trial for trial (1e-12 relative, identical error codes), and the CUDA
kernel's host build equal to numpy.  Workbooks are written with openpyxl."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("numba")
pytest.importorskip("openpyxl")

from engine.backends.numba import NumbaBackend, _families  # noqa: E402
from engine.backends.numba._codegen import generate  # noqa: E402
from engine.backends.numba._samplers import samplers_for  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.kernel_checks import fused_source  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

TRIALS = 600
ROWS = 60       # the order statistics' range
RUN = 24        # the running totals' rows
LONG = 300      # the long range: constants and cells that vary (pairwise sums in halves)
AGGREGATES = ("SUM", "AVERAGE", "MIN", "MAX", "STDEV", "VAR.P", "STDEV.P", "VAR", "KURT",
              "SKEW", "SKEW.P", "MEDIAN", "MAXA", "MINA", "COUNT", "COUNTA")
INPUTS = [tri("Sheet1!A1", 0.0, 2.0, 4.0), tri("Sheet1!A2", 0.0, 1.0, 3.0)]


def _cells() -> dict[str, object]:
    cells: dict[str, object] = {"A1": 2.0, "A2": 1.0}
    for r in range(1, ROWS + 1):
        # a number every trial (the order statistics' range)
        cells[f"F{r}"] = f"=A1*{(r * 37) % 11 - 5}+A2*{r % 7}"
        # "" or a number, and #DIV/0! in some trials in row 7 (the running totals' range)
        cells[f"E{r}"] = (f"=IF(A2>1.5,1/0,A1*{r})" if r == 7 else
                          f'=IF(A1>{1 + (r % 5) * 0.5},"",A1*{r % 9}-A2*{r % 4}+0.1)')
        if r <= RUN:
            cells[f"L{r}"] = f"=SUM($E$1:$E{r})"
            cells[f"M{r}"] = f'=IF(A2>2,"",SUM($E$1:$E{r})+SUM($F$1:$F{r}))'
    for r in range(1, 11):
        cells[f"N{r}"] = f"=PERCENTILE($F$1:$F${ROWS},{(r - 1) / 9})"
    cells.update({"P1": f"=MEDIAN(F1:F{ROWS})", "P2": f"=QUARTILE(F1:F{ROWS},3)",
                  "P3": f"=LARGE(F1:F{ROWS},A1*5+1)", "P4": f"=SMALL(F1:F{ROWS},3)",
                  "P5": f"=PERCENTRANK(F1:F{ROWS},A1)", "P6": f"=PERCENTILE(F1:F{ROWS},A2-1)",
                  "U1": f"=AVERAGE(G1:G{ROWS})", "U2": f"=STDEV(G1:G{ROWS})",
                  "U3": f"=SUM(G1:G{ROWS})*MAX(G1:G{ROWS})", "U4": f"=MEDIAN(G1:G{ROWS})",
                  "U5": f"=PERCENTILE(G1:G{ROWS},A2/3)+LARGE(G1:G{ROWS},7)"})
    for r in range(1, ROWS + 1):   # one formula copied down (a family)
        cells[f"H{r}"] = (r * 37) % 11 - 4.5
        cells[f"G{r}"] = f"=A1*H{r}+A2"
    # a long range of constants and cells that vary (one an error in some trials)
    for r in range(1, LONG + 1):
        cells[f"R{r}"] = (f"=A1*{r % 7}-A2*{r % 3}" if 12 <= r <= 30 else
                          "=IF(A2>2.6,1/0,A1)" if r == 11 else (r * 13) % 17 - 6.5)
    for j, f in enumerate(AGGREGATES, 1):
        cells[f"S{j}"] = f"={f}(R1:R{LONG})"
    half = LONG // 2
    cells.update({"T1": f"=SUMPRODUCT(R1:R{half},R{half + 1}:R{LONG})",
                  "T2": f"=SUMPRODUCT(R1:R{LONG})"})
    return cells


def _model(tmp_path) -> Model:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in _cells().items():
        ws[k] = v
    path = tmp_path / "big.xlsx"
    wb.save(path)
    return Model.open(path)


def _job(tmp_path, outs: list[str]):
    return job_for(_model(tmp_path), INPUTS, [f"Sheet1!{c}" for c in outs], trials=TRIALS)


def _cell_lines(source: str) -> list[int]:
    """The number of lines of each cell of the generated kernel."""
    chunks = re.split(r"\n\s*# cell \d+\n", source)[1:]
    return [len(chunk.split("\n\n")[0].split("\n")) for chunk in chunks]   # to a segment's end


ORDER = [*(f"N{r}" for r in range(1, 11)), *(f"P{r}" for r in range(1, 7))]
TOTALS = [*(f"L{r}" for r in range(1, RUN + 1)), *(f"M{r}" for r in range(1, RUN + 1))]


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    be = NumbaBackend(kernel_dir=tmp_path_factory.mktemp("kernels"))
    yield be
    be.close()


def test_order_statistics_of_one_range_copy_it_once(backend, tmp_path):
    job = _job(tmp_path, ORDER)
    source = fused_source(job)
    copies = re.findall(rf"\bz\d+\[{ROWS - 1}\] = ", source)
    assert len(copies) == 1, len(copies)            # before: one copy per cell (16)
    assert_same(job, run(backend, job, 300), run(NumpyBackend(), job, TRIALS))


def test_copies_of_a_copied_column_are_loops(backend, tmp_path, monkeypatch):
    """G1:G60 is one formula copied down: a family once kernels have families (from 1,500
    lines; here from the first).  The sorted copy of MEDIAN/PERCENTILE/LARGE and the ordered
    copy of AVERAGE/STDEV/SUM/MAX read the column's slots in one loop each."""
    monkeypatch.setattr(_families, "FAMILY_FROM_LINES", 0)
    job = _job(tmp_path, [f"U{j}" for j in range(1, 6)])
    samplers, mode = samplers_for(job, False)
    plan = generate(job.program, samplers, mode)
    assert not plan.rest, plan.reasons   # fused_report(job) == {}, on the same plan
    assert plan.families >= 1
    stores = re.findall(r"\bz\d+\[\d+\] = v\d+", plan.source)
    assert not stores, len(stores)              # before: a line per cell of F in each copy
    loops = re.findall(r"\bz\d+\[int\(0 \+ \w+\)\] = sv\[b, gi\[", plan.source)
    assert len(loops) == 2, loops               # the sorted copy and the ordered one
    assert len(plan.source.splitlines()) < 160, len(plan.source.splitlines())   # before: 284
    assert_same(job, run(backend, job, 300), run(NumpyBackend(), job, TRIALS))
    from tests.test_backend_cupy import CXX, host_equals_numpy

    if CXX is not None:
        host_equals_numpy(job, tmp_path, 300, TRIALS)


def test_running_totals_do_not_grow_with_the_rows(backend, tmp_path):
    job = _job(tmp_path, TOTALS)
    source = fused_source(job)
    sizes = _cell_lines(source)
    assert max(sizes) < 40, max(sizes)              # before: ~4 lines a row of the range
    got = run(backend, job, 300)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    model = job.program.model
    last = model.ref(f"Sheet1!L{RUN}")
    assert (got[1][last] == 2).any() and (got[1][last] == 0).any()   # #DIV/0! in some trials
    # the same additions in the same order as numpy's: bit for bit
    ok = want[1][last] == 0
    assert (got[0][last][ok] == want[0][last][ok]).all()


def test_aggregates_of_a_long_range_are_loops(backend, tmp_path):
    outs = [*(f"S{j}" for j in range(1, len(AGGREGATES) + 1)), "T1", "T2"]
    job = _job(tmp_path, outs)
    source = fused_source(job)
    assert max(_cell_lines(source)) < 40, max(_cell_lines(source))   # before: 48 and more
    assert "fill_kv(" in source and "arr_pairwise(" in source
    # T1's two halves of column R are windows of one column: one dot product at offsets
    # (numba _suffix_windows, bdf129b), not one arr_dot per range
    assert "arr_dot_at(" in source
    got = run(backend, job, 300)
    want = run(NumpyBackend(), job, TRIALS)
    assert_same(job, got, want)
    s1 = job.program.model.ref("Sheet1!S1")
    assert (got[1][s1] == 2).any() and (got[1][s1] == 0).any()   # #DIV/0! in some trials


def test_host_cuda_build_equals_numpy(tmp_path):
    from tests.test_backend_cupy import host_equals_numpy

    job = _job(tmp_path, [*ORDER[8:], "L1", "L2", f"L{RUN}", f"M{RUN}", "M12",
                          *(f"S{j}" for j in range(1, len(AGGREGATES) + 1)), "T1", "T2"])
    host_equals_numpy(job, tmp_path, 300, TRIALS)


# ----------------------------------------------------------------- ranges past the cap
PAST = 4_500   # rows of one formula copied down: past _values.MAX_AREA_CELLS (4,096)
PAST_SUMS = {"F1": f"=AVERAGE(C1:C{PAST})", "F2": f"=STDEV.S(C1:C{PAST})",
             "F3": f"=MAX(C1:C{PAST})-MIN(B1:B{PAST})", "F4": f"=SUM(C1:C{PAST})",
             "F5": f"=PERCENTILE(C1:C{PAST},0.05)", "F6": f"=STDEV.S(B1:B{PAST})+A2",
             "F7": f"=AVERAGE(D1:D{PAST})",            # "" in some trials: still refused
             "F8": f"=VLOOKUP(A2,C1:C{PAST},1,TRUE)"}   # a line per cell: still refused


def _past_model(tmp_path) -> Model:
    """A Monte Carlo sheet's shape: B, C and D copied down 4,500 rows, summaries over them."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"], ws["A2"] = 2.0, 0.5
    for r in range(1, PAST + 1):
        ws[f"H{r}"] = ((r * 37) % 101) / 50 - 1
        ws[f"B{r}"] = f"=$A$1*(1+0.1*H{r})"
        ws[f"C{r}"] = f"=B{r}-$A$1+0.1*$A$2"
        ws[f"D{r}"] = f'=IF(C{r}>0.1,"",C{r}*2)'
    for k, v in PAST_SUMS.items():
        ws[k] = v
    path = tmp_path / "past.xlsx"
    wb.save(path)
    return Model.open(path)


def _past_job(model: Model, outs: list[str]):
    """The job of ``outs`` of :func:`_past_model`'s workbook."""
    return job_for(model, [tri("Sheet1!A1", 1.5, 2.0, 2.5), tri("Sheet1!A2", 0.0, 0.5, 1.0)],
                   [f"Sheet1!{c}" for c in outs], trials=200)


def test_summaries_past_the_cap_over_a_copied_column_are_loops(tmp_path):
    """AVERAGE/STDEV.S/MAX/MIN/SUM/PERCENTILE of 4,500 cells of a formula copied down: the
    copy is one loop over the cells' slots, so the cap on a range's cells (a line per cell)
    does not apply (before: 'a range of 4500 cells'); a range whose cells vary in kind, or a
    lookup (a line per cell; its cap counts the columns it reads since e8a3436), keeps the cap.  The CUDA kernel's host build equals numpy."""
    model = _past_model(tmp_path)   # 13,500 formulas written and read once, for both jobs
    job = _past_job(model, list(PAST_SUMS))
    samplers, mode = samplers_for(job, False)
    plan = generate(job.program, samplers, mode)   # fused_report(job)'s plan, generated once
    report = {str(c): plan.reasons.get(c, "depends on a cell left to numpy") for c in plan.rest}
    assert report == {"Sheet1!F7": f"a range of {PAST} cells",
                      "Sheet1!F8": f"a lookup over {PAST} rows"}, report
    assert len(plan.source.splitlines()) < 400, len(plan.source.splitlines())
    from tests.test_backend_cupy import host_equals_numpy

    job = _past_job(model, [f"F{j}" for j in range(1, 7)])
    host_equals_numpy(job, tmp_path, 200)


@pytest.mark.slow
def test_summaries_past_the_cap_numba_equals_numpy(backend, tmp_path):
    job = _past_job(_past_model(tmp_path), [f"F{j}" for j in range(1, 7)])
    assert_same(job, run(backend, job, 200), run(NumpyBackend(), job, 200))
