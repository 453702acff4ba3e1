"""The cupy backend's launcher keeps each plan's device arguments by content: two workbooks
of one layout (one kernel source) with other constants each get their own numbers."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("numba")

import engine.backends.cupy as cupy_backend  # noqa: E402
from engine.backends.cupy import CupyBackend  # noqa: E402
from engine.backends.cupy import device as dev  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_cupy import CXX, fake_cupy  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402


def _job(c1: float):
    model = Model.from_cells({"Sheet1!A1": 2.0, "Sheet1!C1": c1, "Sheet1!C2": c1 + 1.0,
                              "Sheet1!B1": "=A1*C1+C2", "Sheet1!B2": "=SUM(C1:C2)/A1"})
    return job_for(model, [tri("Sheet1!A1", 1.0, 2.0, 4.0)], ["Sheet1!B1", "Sheet1!B2"], 500)


@pytest.mark.skipif(CXX is None, reason="no C++ compiler")
def test_one_kernel_source_two_sets_of_constants(tmp_path, monkeypatch):
    mod, _, _ = fake_cupy(tmp_path, capacity=1 << 20)
    monkeypatch.setitem(sys.modules, "cupy", mod)
    monkeypatch.setattr(dev, "_SEM", [])
    monkeypatch.setattr(dev, "vram", lambda device=0: (64 << 30, 80 << 30))
    monkeypatch.setattr(cupy_backend, "vram", lambda device=0: (64 << 30, 80 << 30))
    be = CupyBackend()
    first, second = _job(2.0), _job(7.0)
    assert be.prepare(first).plan.key == be.prepare(second).plan.key   # one source
    for job in (first, second):
        assert_same(job, run(be, job, 500), run(NumpyBackend(), job, 500))
    be.close()


def test_each_precision_gets_its_own_kernel():
    """Plans are kept by backend class and model: a float32 backend after a float64 one on
    the same model got the double-precision kernel (and the other way round)."""
    from tests.test_backend_cupy import uniform_job

    job = uniform_job(100)
    for first, second in (("float64", "float32"), ("float32", "float64")):
        a, b = CupyBackend(dtype=first), CupyBackend(dtype=second)
        for be, dtype in ((a, first), (b, second)):
            real = "double" if dtype == "float64" else "float"
            assert f"typedef {real} real;" in be._job_plan(job).source
        assert b._job_plan(job) is b._job_plan(job)   # made once
