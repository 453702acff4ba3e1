"""mcdesk.app.workspace: one user's workbook, inputs, outputs, settings and run."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.backends import Backend, get_backend
from engine.errors import CancelledError, McdeskError, SpecError, WorkbookError
from engine.sampling import Sampling
from engine.simulate import simulate
from engine.spec import InputSpec, SimulationSpec
from mcdesk.app.workspace import RunProgress, RunSettings, RunTiming, Workspace, will_compile

CASHFLOW = Path(__file__).parent / "data" / "workbooks" / "adithiya__Cashflow.xlsx"


@pytest.fixture
def ws(tmp_path) -> Workspace:
    path = tmp_path / "cash.xlsx"
    shutil.copy(CASHFLOW, path)
    w = Workspace()
    w.open(path)
    return w


# ------------------------------------------------------------------ settings
def test_run_settings_defaults_valid():
    assert RunSettings().validated() == RunSettings(10_000, 1, "mc", "auto")


def test_run_settings_whole_floats_become_ints():
    s = RunSettings(trials=500.0, seed=3.0, sampling="lhs", backend="numba").validated()  # type: ignore[arg-type]
    assert s == RunSettings(500, 3, "lhs", "numba")
    assert type(s.trials) is int and type(s.seed) is int


@pytest.mark.parametrize("kwargs, field", [
    ({"trials": 0}, "Trials"), ({"trials": -5}, "Trials"), ({"trials": 2.5}, "Trials"),
    ({"trials": True}, "Trials"), ({"trials": "100"}, "Trials"), ({"trials": 10**12 + 1}, "Trials"),
    ({"seed": -1}, "Seed"), ({"seed": 1.5}, "Seed"), ({"seed": None}, "Seed"),
    ({"sampling": "x"}, "Sampling"), ({"sampling": "MC"}, "Sampling"),
    ({"backend": "y"}, "Backend"), ({"backend": "numpy"}, "Backend"),
])
def test_run_settings_errors_name_the_field(kwargs, field):
    with pytest.raises(SpecError) as err:
        RunSettings(**kwargs).validated()
    assert str(err.value).startswith(field)
    assert repr(next(iter(kwargs.values()))) in str(err.value)


# ------------------------------------------------------------------ open
def test_open(ws):
    assert ws.book_name == "cash.xlsx"
    assert ws.model is not None and "Sheet1" in ws.model.workbook.sheets
    assert ws.cell("G2").sheet == "Sheet1"
    assert (ws.inputs, ws.outputs, ws.result) == ({}, [], None)


def test_open_resets_inputs_outputs_result(ws, tmp_path):
    ws.set_input("A2", "normal", {"mean": 10000, "sd": 100})
    ws.add_output("G2")
    other = tmp_path / "other.xlsx"
    shutil.copy(CASHFLOW, other)
    ws.open(other, name="Shown name.xlsx")
    assert ws.book_name == "Shown name.xlsx" and ws.book_path == other
    assert (ws.inputs, ws.outputs, ws.result) == ({}, [], None)


@pytest.mark.parametrize("content", [b"this is not a workbook", b"", b"PK\x03\x04broken zip"])
def test_open_non_workbook_keeps_the_previous(ws, tmp_path, content):
    ws.set_input("A2", "normal", {"mean": 10000, "sd": 100})
    ws.add_output("G2")
    model, path, name, inputs = ws.model, ws.book_path, ws.book_name, dict(ws.inputs)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    with pytest.raises(WorkbookError):
        ws.open(bad)
    assert ws.model is model and ws.book_path == path and ws.book_name == name
    assert ws.inputs == inputs and ws.outputs == ["Sheet1!G2"]


def test_open_missing_file(tmp_path):
    w = Workspace()
    with pytest.raises(McdeskError):
        w.open(tmp_path / "nope.xlsx")
    assert w.model is None


def test_require_model():
    w = Workspace()
    with pytest.raises(SpecError, match="Open a workbook first"):
        w.require_model()
    with pytest.raises(SpecError, match="Open a workbook first"):
        w.add_output("A1")


# ------------------------------------------------------------------ inputs / outputs
def test_set_input_canonical_key(ws):
    inp = ws.set_input("a2", "triangular", {"min": 9000, "mode": 10000, "max": 12000})
    assert inp.cell == "Sheet1!A2" and list(ws.inputs) == ["Sheet1!A2"]
    assert inp == InputSpec("Sheet1!A2", "triangular", {"min": 9000, "mode": 10000, "max": 12000})
    ws.set_input("Sheet1!$A$2", "uniform", {"min": 1, "max": 2})  # same cell: replaced
    assert list(ws.inputs) == ["Sheet1!A2"] and ws.inputs["Sheet1!A2"].distribution == "uniform"


def test_set_input_min_greater_than_max_keeps_the_old(ws):
    old = ws.set_input("A2", "uniform", {"min": 9000, "max": 11000})
    with pytest.raises(SpecError) as err:
        ws.set_input("A2", "uniform", {"min": 11000, "max": 9000})
    assert "Sheet1!A2" in str(err.value)
    assert ws.inputs == {"Sheet1!A2": old}
    with pytest.raises(SpecError):
        ws.set_input("A2", "triangular", {"min": 1, "mode": 5, "max": 3})
    assert ws.inputs == {"Sheet1!A2": old}


def test_input_with_reference_parameters(ws):
    inp = ws.set_input("A2", "uniform", {"min": "Sheet1!B2", "max": 20000})  # B2 holds 1000
    assert inp.params == {"min": "Sheet1!B2", "max": 20000}
    assert ws.distribution(inp).params() == {"min": 1000.0, "max": 20000.0}
    with pytest.raises(SpecError, match="min=1000, max=500"):  # checked with the cell's value
        ws.set_input("A2", "uniform", {"min": "Sheet1!B2", "max": 500})
    assert ws.inputs == {"Sheet1!A2": inp}


def test_make_input_on_an_empty_cell_refused(ws):
    with pytest.raises(SpecError, match="Sheet1!Z99: the cell is empty"):
        ws.make_input("Z99", "normal", {"mean": 1, "sd": 1})
    with pytest.raises(SpecError, match="empty"):
        ws.set_input("Z99", "normal", {"mean": 1, "sd": 1})
    assert ws.inputs == {}


def test_make_input_does_not_add(ws):
    inp = ws.make_input("B2", "normal", {"mean": 1000, "sd": 50})
    assert inp.cell == "Sheet1!B2" and ws.inputs == {}


def test_bad_cell_address(ws):
    with pytest.raises(SpecError):
        ws.make_input("not a cell", "normal", {"mean": 1, "sd": 1})
    with pytest.raises(SpecError):
        ws.add_output("Nosheet!A1")


def test_remove_input(ws):
    ws.set_input("A2", "normal", {"mean": 10000, "sd": 100})
    ws.remove_input("Sheet1!A2")
    ws.remove_input("B2")  # not an input: nothing happens
    assert ws.inputs == {}


def test_outputs_duplicates_ignored(ws):
    assert ws.add_output("G2") == "Sheet1!G2"
    assert ws.add_output("Sheet1!$G$2") == "Sheet1!G2"
    assert ws.add_output("g2") == "Sheet1!G2"
    ws.add_output("E2")
    assert ws.outputs == ["Sheet1!G2", "Sheet1!E2"]
    with pytest.raises(SpecError, match="empty"):
        ws.add_output("Z99")
    assert ws.outputs == ["Sheet1!G2", "Sheet1!E2"]
    ws.remove_output("G2")
    assert ws.outputs == ["Sheet1!E2"]


def test_random_cells(tmp_path, make_book):
    path = make_book({"Sheet1!A1": 1, "Sheet1!B1": "=RAND()*A1", "Sheet1!B2": "=RANDBETWEEN(1,6)",
                      "Sheet1!B3": "=NOW()", "Sheet1!B4": "=A1+1"})
    w = Workspace()
    w.open(path)
    assert w.random_cells() == ["Sheet1!B1", "Sheet1!B2"]
    assert w.random_cells_cached() == ["Sheet1!B1", "Sheet1!B2"]


# ------------------------------------------------------------------ run
def test_check_run_needs_an_output(ws):
    ws.set_input("A2", "normal", {"mean": 10000, "sd": 100})
    with pytest.raises(SpecError, match="Add at least one output"):
        ws.check_run()
    ws.settings.trials = 0
    ws.add_output("G2")
    with pytest.raises(SpecError, match="Trials"):
        ws.run()
    assert ws.result is None


def test_spec(ws):
    ws.set_input("A2", "normal", {"mean": 10000, "sd": 100})
    ws.add_output("G2")
    ws.settings = RunSettings(trials=321, seed=8, sampling="lhs")
    assert ws.spec() == SimulationSpec([ws.inputs["Sheet1!A2"]], ["Sheet1!G2"], 321, seed=8,
                                       sampling=Sampling.LHS)


def _setup_run(ws: Workspace) -> None:
    ws.set_input("A2", "triangular", {"min": 9000, "mode": 10000, "max": 12500})
    ws.set_input("B2", "uniform", {"min": 900, "max": 1100})
    ws.add_output("G2")
    ws.add_output("E2")
    ws.settings.backend = "auto"
    ws.settings.trials = 800
    ws.settings.seed = 5


def test_run_equals_simulate(ws):
    _setup_run(ws)
    res = ws.run()
    assert ws.result is res
    assert res.trials == 800 and res.seed == 5
    direct = simulate(ws.model, ws.spec(), backend="numpy")
    for name in ("Sheet1!G2", "Sheet1!E2"):
        a, b = res.outputs[name], direct.outputs[name]
        assert a.count == b.count == 800
        if res.backend == "numpy":  # auto picks numpy for a small run whose kernel is not built
            assert a.mean == b.mean and a.percentiles == b.percentiles
            np.testing.assert_array_equal(res.samples.outputs[name], direct.samples.outputs[name])
        else:
            assert a.mean == pytest.approx(b.mean, rel=1e-12)
    # and G2 is the workbook's formula on the sampled inputs: FV of PV + FV of the payments
    pv, pmt = direct.samples.inputs["Sheet1!A2"], direct.samples.inputs["Sheet1!B2"]
    r, n = 0.12 / 12, 36
    np.testing.assert_allclose(direct.samples.outputs["Sheet1!G2"],
                               pv * (1 + r) ** n + pmt * ((1 + r) ** n - 1) / r, rtol=1e-12)
    assert ws.progress.done == ws.progress.total == 800 and not ws.progress.running


def test_run_same_seed_same_result(ws):
    _setup_run(ws)
    first = ws.run()
    second = ws.run()
    assert first.outputs["Sheet1!G2"].mean == second.outputs["Sheet1!G2"].mean


class _CancelAfterFirstChunk(Backend):
    """The numpy backend in chunks of 200 trials; the user presses Cancel after the first."""

    def __init__(self, ws: Workspace) -> None:
        self.inner, self.ws, self.chunks = get_backend("numpy"), ws, 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def chunk_size(self, job) -> int:
        return 200

    def workers(self, job) -> int:
        return 1

    def run(self, job, start, count):
        out = self.inner.run(job, start, count)
        self.chunks += 1
        self.ws.cancel()
        return out


def test_cancel_during_run_keeps_the_previous_result(ws, monkeypatch):
    _setup_run(ws)
    before = ws.run()
    saved = copy.deepcopy(before.outputs)
    backend = _CancelAfterFirstChunk(ws)
    monkeypatch.setattr(ws, "backend", lambda: backend)
    ws.settings.seed = 99
    with pytest.raises(CancelledError, match="after 200 of 800"):
        ws.run()
    assert backend.chunks == 1
    assert ws.result is before and ws.result.outputs == saved
    assert not ws.progress.running and ws.progress.done == 200


def test_cancel_before_run_does_not_cancel_the_next_run(ws):
    # run() clears a Cancel left over from before it started: only a Cancel during a run counts
    _setup_run(ws)
    ws.cancel()
    assert ws.progress.cancel_requested.is_set()
    res = ws.run()
    assert ws.result is res and res.outputs["Sheet1!G2"].count == 800


def test_remote_backend_not_configured(ws):
    _setup_run(ws)
    ws.settings.backend = "remote"
    with pytest.raises(SpecError, match="no service is configured"):
        ws.run()
    assert ws.result is None and not ws.progress.running


def test_progress():
    p = RunProgress()
    assert p.fraction == 0.0 and p.seconds_left() is None
    p.update(25, 100)
    assert p.fraction == 0.25
    p.update(20, 100)  # shards reporting out of step: progress never moves back
    assert p.done == 25
    p.update(100, 100)
    assert p.fraction == 1.0


def test_formulas_without_cached_values_are_computed_for_display(tmp_path):
    """A copy rewritten by openpyxl (the project-in-a-hidden-sheet download) has no cached
    values: the workspace computes them, equal to the values Excel cached in the original."""
    from mcdesk.app import project

    original = Workspace()
    original.open(CASHFLOW)
    assert original.computed == {}  # Excel cached every formula's value
    copy_path = tmp_path / "copy.xlsx"
    copy_path.write_bytes(project.workbook_with_project(original))
    ws = Workspace()
    ws.open(copy_path)
    assert len(ws.computed) == 200  # every formula of the copy lost its cached value
    for cell in ("Sheet1!G2", "Sheet1!D6", "Sheet1!H14"):
        ref = ws.cell(cell)
        assert ws.model.workbook.cell(ref).value is None
        assert ws.value(ref) == pytest.approx(original.value(original.cell(cell)), rel=1e-12)


def test_auto_run_on_numpy_compiles_the_numba_kernel_for_the_next_run(tmp_path, monkeypatch):
    """A small run on auto uses numpy (no compile wait) and compiles numba in the background:
    the next run on auto uses numba, with the same numbers."""
    pytest.importorskip("numba")
    monkeypatch.setenv("MCDESK_KERNEL_CACHE", str(tmp_path / "kernels"))
    ws = Workspace()
    ws.open(CASHFLOW)
    ws.set_input("Sheet1!A2", "triangular", {"min": 9000, "mode": 10000, "max": 12500})
    ws.add_output("Sheet1!G2")
    ws.settings = RunSettings(2000, 3, "mc", "auto")
    first = ws.run()
    assert first.backend == "numpy"
    assert ws.warm_thread is not None
    ws.warm_thread.join(120)
    second = ws.run()
    assert second.backend == "numba"
    assert second.outputs["Sheet1!G2"].mean == pytest.approx(first.outputs["Sheet1!G2"].mean,
                                                             rel=1e-12)


# ------------------------------------------------------------------ honest run phases
class _PhaseSpy(Backend):
    """The numpy backend, recording the phase the page shows while the trials run; says
    its kernel is compiled or not as told."""

    name = "numpy"

    def __init__(self, ws: Workspace, compiled: bool | None) -> None:
        self.inner, self.ws, self.seen = get_backend("numpy"), ws, []
        if compiled is not None:
            self.is_compiled = lambda job: compiled

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def run(self, job, start, count):
        self.seen.append(self.ws.progress.phase)
        return self.inner.run(job, start, count)


@pytest.mark.parametrize(("compiled", "phase"), [
    (False, "Compiling the model (its first run)..."), (True, "Starting..."), (None, "Starting...")])
def test_compiling_is_shown_only_when_a_kernel_will_be_compiled(ws, monkeypatch, compiled, phase):
    _setup_run(ws)
    spy = _PhaseSpy(ws, compiled)
    monkeypatch.setattr(ws, "backend", lambda: spy)
    ws.run()
    assert spy.seen and set(spy.seen) == {phase}


def test_will_compile_asks_the_chosen_backend():
    class Chooser:
        def __init__(self, inner):
            self.inner = inner

        def choose(self, job):
            return self.inner

    class Compiled:
        def is_compiled(self, job):
            return True

    class Fresh:
        def is_compiled(self, job):
            return False

    assert will_compile(Chooser(Fresh()), object()) is True
    assert will_compile(Chooser(Compiled()), object()) is False
    assert will_compile(get_backend("numpy"), object()) is False  # nothing to compile


def test_run_records_where_its_time_went(ws):
    _setup_run(ws)
    ws.run()
    t = ws.timing
    assert t is not None and t.prepare_s > 0 and t.simulate_s > 0 and t.statistics_s > 0
    assert t.compile_s == ws.result.compile_s
    text = RunTiming(0.5, 2.0, 0.4, 1.25, 0.2).text()
    assert text == ("preparing 0.50 s, simulation 2.00 s (compiling 0.40 s), statistics 1.25 s, "
                    "charts 0.20 s")
    assert RunTiming(0.5, 2.0, 0.4, 1.25, 0.2).total_s == pytest.approx(3.95)


def test_inputs_no_output_reads_are_named(ws):
    _setup_run(ws)  # A2 and B2 feed G2 (FV total); E2 reads only A2
    ws.set_input("A6", "uniform", {"min": 900, "max": 1100})  # read by D6 only
    assert ws.inputs_without_effect() == ["Sheet1!A6"]
    ws.remove_output("G2")
    assert ws.inputs_without_effect() == ["Sheet1!B2", "Sheet1!A6"]
    ws.remove_output("E2")
    assert ws.inputs_without_effect() == []  # no outputs yet: nothing to say


def test_cells_are_named_from_their_column_headers(ws):
    from mcdesk.app.export import statistics_rows

    _setup_run(ws)
    assert ws.label("Sheet1!A2") == "PV" and ws.label("Sheet1!G2") == "FV Total"
    assert ws.labels(["Sheet1!E2", "Sheet1!Z99"]) == {"Sheet1!E2": "FV of PV"}
    ws.settings.trials = 100
    result = ws.run()
    rows = statistics_rows(result, ws.labels(list(result.outputs)))
    assert rows[0] == ["statistic", "Sheet1!G2", "Sheet1!E2"]
    assert rows[1] == ["name", "FV Total", "FV of PV"]
    assert statistics_rows(result)[1][0] == "trials ok"  # no names given: no name row
