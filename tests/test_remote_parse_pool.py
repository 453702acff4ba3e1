"""remote.parse_pool: workbooks parsed and compiled in a child process give the job an
in-process parse gives; the engine's errors come back as they were raised; the service's
cache keeps a small parsed model for later specs (no second parse) but not a large one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.backends.numpy import NumpyBackend
from engine.errors import SpecError
from engine.model import Model
from engine.simulate import prepare, run_job
from engine.spec import SimulationSpec
from engine.workbook import Limits
from remote.parse_pool import ParsePool
from remote.runner import PreparedCache

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "mcdesk" / "examples" / "capital_project.xlsx"
SPEC = json.loads((ROOT / "mcdesk" / "examples" / "capital_project.spec.json").read_text())


@pytest.fixture(scope="module")
def pool():
    p = ParsePool(1)
    yield p
    p.close()


def test_a_job_compiled_in_a_child_runs_as_one_compiled_here(pool):
    spec = {**SPEC, "trials": 3000, "seed": 4}
    job, model = pool.prepare(BOOK, Limits(), spec)
    assert job.program.model is model
    here = prepare(Model.open(BOOK), SimulationSpec.from_dict(spec))
    a, _ = run_job(job, NumpyBackend(), stream=False)
    b, _ = run_job(here, NumpyBackend(), stream=False)
    for name in b.outputs:
        np.testing.assert_array_equal(a.outputs[name], b.outputs[name])


def test_engine_errors_come_back_as_raised(pool):
    bad = {**SPEC, "outputs": ["Nowhere!Z99"]}
    with pytest.raises(SpecError) as raised:
        prepare(Model.open(BOOK), SimulationSpec.from_dict(bad))
    with pytest.raises(SpecError) as got:
        pool.prepare(BOOK, Limits(), bad)
    assert str(got.value) == str(raised.value)


def test_the_cache_keeps_the_model_from_a_child_for_a_new_seed(pool):
    calls = []

    def elsewhere(spec):
        def run():
            calls.append(spec["seed"])
            return pool.prepare(BOOK, Limits(), spec)
        return run

    def never():
        raise AssertionError("parsed in the service process")

    cache = PreparedCache()
    jobs = []
    for seed in (1, 2):
        spec = {**SPEC, "trials": 100, "seed": seed}
        jobs.append(cache.job("d", SimulationSpec.from_dict(spec), never,
                              elsewhere=elsewhere(spec)))
    assert calls == [1]  # the second seed compiled from the kept model, no parse
    model = cache.models["d"][0]
    assert jobs[0].program.model is model and jobs[1].program.model is model  # one copy


def test_parse_workers_yield_the_cpu_to_the_service(pool):
    import os

    from remote.parse_pool import NICE

    mine = os.nice(0)
    assert pool._executor().submit(os.nice, 0).result() == mine + NICE


def test_sheets_travel_column_by_column_and_come_back_equal(tmp_path):
    """The parse pool's pickling (remote.parse_pool.dumps): every cell and sheet field back
    as it was (values of each type, formulas, an array formula, formats, hidden rows), the
    job still refers to the model that came with it, and no cell record per cell."""
    import pickle
    import pickletools

    import cloudpickle
    from openpyxl import Workbook
    from openpyxl.worksheet.formula import ArrayFormula

    from engine.workbook import Cell
    from remote.parse_pool import dumps

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = 1.5, "text", True, "=A1*2"
    ws["B1"] = "=SUM(A1:A1)"
    ws["B1"].number_format = "0.00%"
    ws["C1"] = ArrayFormula("C1:C2", "=A1:A2*2")
    ws.row_dimensions[3].hidden = True
    wb.create_sheet("Other")["A1"] = "=Data!A1+1"
    for r in range(5, 400):
        ws[f"D{r}"] = f"=A1+{r}"
    path = tmp_path / "kinds.xlsx"
    wb.save(path)
    model = Model.open(path)
    spec = {"inputs": [{"cell": "Data!A1", "distribution": "uniform",
                        "params": {"min": 0, "max": 1}}], "outputs": ["Other!A1"], "trials": 10}
    job = prepare(model, SimulationSpec.from_dict(spec))
    blob = dumps((job, model))
    job2, model2 = cloudpickle.loads(blob)
    assert job2.program.model is model2
    assert list(model2.workbook.sheets) == list(model.workbook.sheets)
    for name, sheet in model.workbook.sheets.items():
        assert model2.workbook.sheets[name] == sheet  # every field, every cell
    data = model2.workbook.sheets["Data"]
    assert data.hidden_rows == frozenset({3})
    assert any(c.array_ref == "C1:C2" for c in data.cells.values())
    assert any(c.number_format == "0.00%" for c in data.cells.values())
    # columns, not one pickled Cell per cell: Cell's class is named once
    ops = [arg for op, arg, _ in pickletools.genops(blob) if op.name in ("SHORT_BINUNICODE",
                                                                         "BINUNICODE")]
    assert ops.count("Cell") <= 1 and len(model.workbook.sheets["Data"].cells) > 400
    assert pickle.loads(pickle.dumps(Cell(1.0))) == Cell(1.0)
