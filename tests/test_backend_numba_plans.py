"""Kernel plans found again by content (engine.backends.numba._plan_cache): a second run of
the same model and spec, prepared again and on a new backend, does not generate its plan
again; a run whose constants or inputs differ gets its own plan."""

from __future__ import annotations

import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, _codegen  # noqa: E402
from engine.model import Model  # noqa: E402
from engine.scenarios import with_fixed  # noqa: E402
from engine.simulate import prepare  # noqa: E402
from engine.spec import SimulationSpec  # noqa: E402
from tests.test_backend_numba import tri  # noqa: E402


def test_plan_is_generated_once_per_content(tmp_path, monkeypatch):
    calls = []
    real = _codegen.Generator.generate

    def counting(self):  # noqa: ANN001, ANN202
        calls.append(1)
        return real(self)

    monkeypatch.setattr(_codegen.Generator, "generate", counting)
    model = Model.from_cells({"Sheet1!A1": 1.0, "Sheet1!A2": 4.0, "Sheet1!A3": 2.0,
                              "Sheet1!B1": "=A1*A2+A3", "Sheet1!B2": "=B1/A3"})
    spec = SimulationSpec(inputs=[tri("Sheet1!A1", 0.5, 1.0, 2.0)],
                          outputs=["Sheet1!B1", "Sheet1!B2"], trials=1_000, seed=2)

    def plan_of(s: SimulationSpec):  # noqa: ANN202
        be = NumbaBackend(kernel_dir=tmp_path)   # a new backend per run, as the app makes
        try:
            return be._job_plan(prepare(model, s))  # noqa: SLF001
        finally:
            be.close()

    first = plan_of(spec)
    assert plan_of(spec) is first and len(calls) == 1
    fixed = plan_of(with_fixed(spec, "Sheet1!A3", 5.0))   # A3 is now an input
    other = plan_of(with_fixed(spec, "Sheet1!A2", 3.0))
    assert len(calls) == 3 and fixed is not first and other is not first
    assert plan_of(with_fixed(spec, "Sheet1!A2", 3.0)) is other and len(calls) == 3
    # another model with the same cells gets its own plan
    again = Model.from_cells({"Sheet1!A1": 1.0, "Sheet1!A2": 4.0, "Sheet1!A3": 2.0,
                              "Sheet1!B1": "=A1*A2+A3", "Sheet1!B2": "=B1/A3"})
    be = NumbaBackend(kernel_dir=tmp_path)
    be._job_plan(prepare(again, spec))  # noqa: SLF001
    be.close()
    assert len(calls) == 4


def test_a_slice_reading_the_time_gets_a_plan_per_time(tmp_path):
    model = Model.from_cells({"Sheet1!A1": 1.0, "Sheet1!B1": "=A1+NOW()"})
    spec = SimulationSpec(inputs=[tri("Sheet1!A1", 0.5, 1.0, 2.0)], outputs=["Sheet1!B1"],
                          trials=100, seed=2)
    be = NumbaBackend(kernel_dir=tmp_path)
    first = be._job_plan(prepare(model, spec))  # noqa: SLF001
    second = be._job_plan(prepare(model, spec))  # noqa: SLF001
    be.close()
    assert first is not second
