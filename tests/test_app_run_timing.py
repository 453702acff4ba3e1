"""The app loads a run's numba kernel in the background when the run panel is built, from
numba's disk cache only (a kernel not compiled yet is left to the run)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from engine.backends import available_backends
from mcdesk.app.workspace import Workspace

pytestmark = pytest.mark.skipif("numba" not in available_backends(), reason="needs numba")


def _workspace(tmp_path: Path) -> Workspace:
    wb = openpyxl.Workbook()
    ws_ = wb.active
    ws_["A1"], ws_["A2"] = 1.0, "=A1*2"
    path = tmp_path / "tiny.xlsx"
    wb.save(path)
    ws = Workspace()
    ws.open(path)
    ws.set_input("A1", "uniform", {"min": 0, "max": 1})
    return ws


def _record_prepare(monkeypatch: pytest.MonkeyPatch, compiled: bool) -> list:
    from engine.backends.numba import NumbaBackend

    loaded: list = []
    monkeypatch.setattr(NumbaBackend, "is_compiled", lambda self, job: compiled)
    monkeypatch.setattr(NumbaBackend, "prepare", lambda self, job: loaded.append(job))
    return loaded


def test_nothing_to_warm_without_outputs_or_on_numpy(tmp_path):
    ws = _workspace(tmp_path)
    assert ws.warm_kernel() is None  # no output yet
    ws.add_output("A2")
    ws.settings.backend = "numpy"
    assert ws.warm_kernel() is None


@pytest.mark.parametrize("compiled", [True, False])
def test_kernel_loaded_only_when_in_the_cache(tmp_path, monkeypatch, compiled):
    loaded = _record_prepare(monkeypatch, compiled)
    ws = _workspace(tmp_path)
    ws.add_output("A2")
    ws.settings.backend = "numba"
    thread = ws.warm_kernel()
    assert thread is not None
    thread.join(60)
    assert not thread.is_alive()
    assert ws.warm_kernel() is None  # once per workbook and spec in a process
    if compiled:  # the run's own job: its output and input, on the workspace's model
        assert [[str(c) for c in job.program.outputs] for job in loaded] == [["Sheet!A2"]]
        assert loaded[0].program.model is ws.model
        assert [str(c) for c in loaded[0].distributions] == ["Sheet!A1"]
    else:
        assert loaded == []  # no compile in the background


def test_the_run_finds_the_plan_the_warm_up_made(tmp_path, monkeypatch):
    """The warm-up generates the kernel plan on the workspace's own model, so the run's
    prepare finds that very plan in the process's plan cache: neither generated again
    (seconds on a big slice) nor read again from the plan store on disk (the warm-up used
    to open its own copy of the workbook and miss the cache)."""
    from engine.backends.numba import NumbaBackend
    from engine.simulate import prepare

    made: list = []
    plan = NumbaBackend._plan
    monkeypatch.setattr(NumbaBackend, "_plan",
                        lambda self, *a: made.append(plan(self, *a)) or made[-1])
    # kernels and stored plans of this test only (a plan stored by an earlier run is found)
    monkeypatch.setenv("MCDESK_KERNEL_CACHE", str(tmp_path / "kernels"))

    def not_compiled(self, job) -> bool:  # as is_compiled: the plan made, then nothing loaded
        self._job_plan(job)
        return False

    monkeypatch.setattr(NumbaBackend, "is_compiled", not_compiled)
    ws = _workspace(tmp_path)
    ws.add_output("A2")
    ws.settings.backend = "numba"
    thread = ws.warm_kernel()
    assert thread is not None
    thread.join(60)
    assert len(made) == 1
    job = prepare(ws.model, ws.spec())  # as Workspace.run prepares, in a new backend
    assert NumbaBackend()._job_plan(job) is made[0], "the run did not find the warm-up's plan"
    assert len(made) == 1
