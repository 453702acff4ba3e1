"""Work that grows about linearly in the cells of a big workbook (issue 13 point 4), asserted
by counts, not timings, on a small book at two sizes.

ys98110 valuation AMD_markov_returns: ``=RANK.AVG(H3,$H$3:$H$10273,1)`` down 10,271 rows held
10,271 copies of a list of 10,271 cells (Model._static_deps: 844 MB), and every pass over the
slice (Model._varying, bench_fused.slice_job) looked for an input in that range once per
reader and input (20,581 inputs x 10,271 readers).  Now the readers share the range's list,
a range is looked at once (engine.model.Holds), and _families._sink finds a name's use by
bisection; the slice, its values and the numba kernel's numbers are those of before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from engine import model as model_mod
from engine.backends.numba import _families, fused_report
from engine.backends.numpy import NumpyBackend
from engine.model import Holds, Model
from engine.workbook import CellRef
from tests.test_backend_numba import job_for, numba_and_numpy, tri


def _book(path: Path, rows: int) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws["J1"] = 3.0
    for r in range(1, rows + 1):
        ws.cell(r, 1, float((r * 7) % 11 + 1))
        ws.cell(r, 2, f"=A{r}*$J$1+{r % 5}")
        ws.cell(r, 3, f"=RANK.AVG(B{r},$B$1:$B${rows},1)/{rows}")
    ws.cell(rows + 1, 3, f"=SUM(C1:C{rows})")
    out = path / f"rank_{rows}.xlsx"
    wb.save(out)
    return out


def _stored_cells(model: Model, cells: list[CellRef]) -> tuple[int, int]:
    """(cells in the dependency lists, counted once per list object; distinct lists)."""
    lists = {id(model.deps(c)): model.deps(c) for c in cells}
    return sum(len(d) for d in lists.values()), len(lists)


@pytest.mark.parametrize("rows", [100, 200])
def test_readers_of_a_range_share_its_list(tmp_path: Path, rows: int) -> None:
    model = Model.open(_book(tmp_path, rows))
    ranks = [CellRef("data", r, 3) for r in range(1, rows + 1)]
    first = model.deps(ranks[0])
    assert sorted(first) == [CellRef("data", r, 2) for r in range(1, rows + 1)]
    assert all(model.deps(c) is first for c in ranks)   # one list, not one a reader
    held, lists = _stored_cells(model, model.workbook.formula_cells())
    # B reads values only (an empty list each); the RANKs share the B column's list, the
    # SUM reads the C column's: 2 x rows cells held, where the copies held rows x rows more
    assert (held, lists) == (2 * rows, rows + 2)
    # the shared lists survive the pass that shares CellRefs (10^5-cell workbooks)
    model._share_refs()
    assert all(model.deps(c) is model.deps(ranks[0]) for c in ranks)
    assert model.deps(ranks[0]) is model._area_deps[next(iter(
        a for a in model._area_deps if a.c1 == 2))]


def test_holds_looks_at_a_range_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine import ir

    calls = []
    real = np.any
    monkeypatch.setattr(model_mod.np, "any", lambda x: calls.append(1) or real(x))
    inputs = {CellRef("data", r, 1) for r in range(1, 500)}
    holds = Holds(inputs)
    col = ir.Area("data", 1, 2, 1000, 2)
    hit = ir.Area("data", 10, 1, 20, 3)
    for _ in range(300):   # 300 readers of the same two ranges
        assert holds(col) is False
        assert holds(hit) is True
    assert len(calls) == 2
    assert holds(ir.Ref(CellRef("data", 7, 1))) is True
    assert holds(ir.Area("other", 1, 1, 9, 9)) is False
    # the same answers as the scan it replaces
    for a in (col, hit, ir.Area("data", 499, 1, 499, 1), ir.Area("data", 500, 1, 600, 1)):
        assert holds(a) == model_mod._reads(a, inputs)


def _sink_by_scan(lines: list[str], looped: set[int]) -> list[str]:
    """_families._sink as it was: the use of each name found by a scan, line by line."""
    text = _families.words("\n".join(lines))
    line_words = [set(_families._WORD.findall(line)) for line in lines]
    defined: dict[str, int] = {}
    for line in lines:
        m = _families._DEFINES.match(line)
        if m is not None:
            defined[m.group(1)] = defined.get(m.group(1), 0) + 1
    use_of: dict[int, int] = {}
    for i, line in enumerate(lines):
        m = _families._DEFINES.match(line)
        if m is None or defined[m.group(1)] != 1:
            continue
        names = _families._NAMES.findall(m.group(2))
        cells = {int(n) for kind, n in names if kind in "vwy"}
        if len(cells) != 1 or not cells <= looped or any(kind in "tf" for kind, _ in names):
            continue
        if text[m.group(1)] != 2:
            continue
        for j in range(i + 1, len(lines)):
            if m.group(1) in line_words[j]:
                use_of[i] = j
                break
    before: dict[int, list[int]] = {}
    for i, j in use_of.items():
        before.setdefault(j, []).append(i)
    out: list[str] = []
    for j, line in enumerate(lines):
        if j in use_of:
            continue
        out += [lines[i] for i in before.get(j, [])]
        out.append(line)
    return out


@pytest.mark.parametrize("n", [40, 80])
def test_sink_moves_the_same_lines(n: int) -> None:
    # a SUM's terms over values of varying kind, all defined before the additions
    looped = set(range(n))
    lines = [f"t{k} = sel(y{k} == 0.0, v{k}, 0.0)" for k in range(n)]
    lines += ["t1000 = 0.0"]
    lines += [f"t{1001 + k} = t{1000 + k} + t{k}" for k in range(n)]
    lines += ["t5000 = t3 * 2.0", f"t3 = t{1000 + n} + v{n + 5}"]   # t3 defined twice: stays
    got = _families._sink(lines, looped)
    assert got == _sink_by_scan(lines, looped)
    k = got.index("t1001 = t1000 + t0")
    assert got[k - 1] == "t0 = sel(y0 == 0.0, v0, 0.0)"   # sunk to just before its use


def _rank_job(tmp_path: Path):
    model = Model.open(_book(tmp_path, 70))
    return job_for(model, [tri("data!J1", 2.0, 3.0, 4.5)],
                   ["data!C71", "data!C5", "data!C70", "data!B9"], trials=64)


@pytest.mark.slow   # a kernel compiled (~15 s); twin: test_rank_column_numpy_and_fused_share
def test_rank_column_numba_equals_numpy(tmp_path: Path) -> None:
    """The slice through a shared list: the fused kernel's numbers are numpy's."""
    numba_and_numpy(_rank_job(tmp_path), tmp_path / "kernels", 64)


def test_rank_column_numpy_and_fused_share(tmp_path: Path) -> None:
    """Every cell of the slice through the shared list fused (no compile), and numpy's
    numbers those worked out by hand: the average ranks of 70 values sum to 70 x 71 / 2."""
    job = _rank_job(tmp_path)
    assert fused_report(job) == {}
    res = NumpyBackend().run(job, 0, job.trials)
    assert np.allclose(res.outputs[CellRef("data", 71, 3)], 71 / 2, rtol=0, atol=1e-12)
    j1 = res.inputs[CellRef("data", 1, 10)]
    assert np.allclose(res.outputs[CellRef("data", 9, 2)], (9 * 7 % 11 + 1) * j1 + 9 % 5)


def test_reads_rest_looks_at_a_shared_list_once() -> None:
    """Generator._reads_rest: a long list shared by many readers is made a set once and then
    checked against the cells left to numpy since; the answers are set.isdisjoint's."""
    from types import SimpleNamespace

    from engine.backends.numba._codegen import Generator

    gen = SimpleNamespace()
    shared = [CellRef("data", r, 2) for r in range(1, 1001)]
    other = [CellRef("data", r, 3) for r in range(1, 101)]
    rest: list[CellRef] = []
    rest_set: set[CellRef] = set()
    got, want = [], []
    for k in range(600):
        if k % 50 == 7:   # a cell left to numpy now and then; from k = 407 one of the list's
            c = CellRef("data", 5, 2) if k == 407 else CellRef("data", 2000 + k, 9)
            rest.append(c)
            rest_set.add(c)
        for deps in (shared, other, [CellRef("data", 5, 2)]):
            got.append(Generator._reads_rest(gen, deps, rest, rest_set))
            want.append(not rest_set.isdisjoint(deps))
    assert got == want and any(got) and not all(got)
    assert len(gen._rest_reads) == 1   # the long list only: the short ones by isdisjoint
