"""Kernel plans kept on disk beside the kernels (engine.backends.numba._plan_store): a new
process (here: a new model object opened from the same file, the in-process cache emptied)
finds the plan instead of generating it again; a workbook that changed, or a file that is
not a plan of its own source, is a miss."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import NumbaBackend, _plan_cache, _plan_store  # noqa: E402
from engine.backends.numpy import NumpyBackend  # noqa: E402
from engine.model import Model  # noqa: E402
from tests.test_backend_numba import assert_same, job_for, run, tri  # noqa: E402

CELLS = {"A1": 2.0, "A2": 5.0, "C1": "text", "B1": "=A1*A2+ROUND(A1,1)",
         "B2": '=IF(B1>10,C1,"small")', "B3": "=VLOOKUP(A1,A1:B1,2)+SUM(A1:A2)"}


def write(path, cells: dict[str, object]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for k, v in cells.items():
        ws[k] = v
    wb.save(path)


def job_of(path):
    return job_for(Model.open(path), [tri("Sheet1!A1", 1.0, 2.0, 3.0)],
                   ["Sheet1!B1", "Sheet1!B2", "Sheet1!B3"], trials=500)


def fresh_process(monkeypatch) -> list[int]:
    """Forget the plans kept in this process; count the plans generated from now on."""
    made: list[int] = []
    real = NumbaBackend._plan
    monkeypatch.setattr(_plan_cache, "_plans", type(_plan_cache._plans)())

    def counting(self, *a, **k):
        made.append(1)
        return real(self, *a, **k)

    monkeypatch.setattr(NumbaBackend, "_plan", counting)
    return made


def test_a_new_process_reads_the_stored_plan(tmp_path, monkeypatch):
    book = tmp_path / "book.xlsx"
    write(book, CELLS)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    made = fresh_process(monkeypatch)
    first = be._job_plan(job_of(book))
    assert made == [1] and len(list((tmp_path / "kernels" / "plans").glob("plan-*.json"))) == 1
    made = fresh_process(monkeypatch)
    job = job_of(book)
    again = NumbaBackend(kernel_dir=tmp_path / "kernels")
    plan = again._job_plan(job)
    assert made == [] and plan.key == first.key and plan.source == first.source
    np.testing.assert_array_equal(plan.kv, first.kv)
    assert plan.fused == first.fused and plan.stored_kinds == first.stored_kinds
    assert_same(job, run(again, job, 500), run(NumpyBackend(), job, 500))


def test_a_changed_workbook_or_a_foreign_file_is_a_miss(tmp_path, monkeypatch):
    book = tmp_path / "book.xlsx"
    write(book, CELLS)
    be = NumbaBackend(kernel_dir=tmp_path / "kernels")
    fresh_process(monkeypatch)
    be._job_plan(job_of(book))
    write(book, {**CELLS, "B1": "=A1*A2+ROUND(A1,2)"})   # another formula, same cells
    made = fresh_process(monkeypatch)
    be._job_plan(job_of(book))
    assert made == [1]
    # a file whose source is not the kernel its key names: read as a miss
    stored = sorted((tmp_path / "kernels" / "plans").glob("plan-*.json"))
    assert len(stored) == 2
    for p in stored:
        data = json.loads(p.read_text())
        data["source"] += "\nimport os\n"
        p.write_text(json.dumps(data))
    made = fresh_process(monkeypatch)
    job = job_of(book)
    plan = be._job_plan(job)
    assert made == [1] and "import os" not in plan.source


def test_plans_round_trip_as_data(tmp_path):
    write(tmp_path / "book.xlsx", CELLS)
    plan = NumbaBackend(kernel_dir=tmp_path / "kernels")._job_plan(job_of(tmp_path / "book.xlsx"))
    data = json.loads(json.dumps(_plan_store.encode(plan)))
    back = _plan_store.decode(data)
    for f in ("source", "key", "inputs", "ext_inputs", "fused", "stored", "stored_kinds",
              "rest", "reasons", "segments", "strings", "text_ids", "families"):
        assert getattr(back, f) == getattr(plan, f), f
    for f in ("streams", "kv", "ke", "dp", "gi"):
        np.testing.assert_array_equal(getattr(back, f), getattr(plan, f))
        assert getattr(back, f).dtype == getattr(plan, f).dtype
    data["kv"] = {"array": {"dtype": "|O", "shape": [1], "b64": ""}}
    with pytest.raises(ValueError):
        _plan_store.decode(data)


def test_the_store_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("MCDESK_PLAN_STORE", "0")
    write(tmp_path / "book.xlsx", CELLS)
    fresh_process(monkeypatch)
    NumbaBackend(kernel_dir=tmp_path / "kernels")._job_plan(job_of(tmp_path / "book.xlsx"))
    assert not list((tmp_path / "kernels").glob("plans/*"))


def test_workbooks_of_the_same_layout_get_their_own_keys(tmp_path):
    """Two workbooks whose slices have the same cells and constants but other formulas: the
    key of each names its own stored plan (a plan read for one model is never the other's,
    whichever asked last)."""
    from engine.backends.numba._samplers import samplers_for

    write(tmp_path / "a.xlsx", CELLS)
    write(tmp_path / "b.xlsx", {**CELLS, "B1": "=A1*A2-ROUND(A1,1)"})
    keys = []
    for name in ("a.xlsx", "b.xlsx"):
        job = job_of(tmp_path / name)
        samplers, mode = samplers_for(job, False)
        keys.append(_plan_cache.plan_key("NumbaBackend", job.program, samplers, mode))
    assert keys[0] != keys[1]
