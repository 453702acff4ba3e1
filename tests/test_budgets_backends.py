"""MCDESK_MAX_MODEL_BYTES (the compiled model's per-trial arrays, estimated before they are
allocated) holds on the numba and cupy paths as on numpy's: the same estimate (17 bytes a
trial for each input and varying cell), one line from the CLI naming the cell, the limit and
the variable, exit 2; within the budget the run goes on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from engine import Model, SimulationSpec
from engine.errors import LimitError
from engine.simulate import prepare

ROOT = Path(__file__).resolve().parent.parent
STEPS = 6          # Calc!C1:C6, running totals of the input Calc!B1
TRIALS = 2000
NEED = 17 * TRIALS * (STEPS + 1)   # the estimate: (varying cells + inputs) x trials x 17


def _book(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["B1"] = 10.0
    ws["C1"] = "=B1*1.05"
    for r in range(2, STEPS + 1):
        ws[f"C{r}"] = f"=C{r - 1}*1.05+B1"
    wb.save(path)
    return path


def _cli(path: Path, backend: str, budget: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "MCDESK_MAX_MODEL_BYTES": str(budget),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "mcdesk.cli", "simulate", str(path), "--backend", backend,
         "--input", "Calc!B1=uniform(1,100)", "--output", f"Calc!C{STEPS}",
         "--trials", str(TRIALS), "--seed", "3"],
        capture_output=True, text=True, env=env, timeout=300)


def _job(path: Path):
    spec = SimulationSpec.from_dict({
        "inputs": [{"cell": "Calc!B1", "distribution": "uniform", "params": {"min": 1, "max": 100}}],
        "outputs": [f"Calc!C{STEPS}"], "trials": TRIALS, "seed": 3})
    return prepare(Model.open(path), spec)


def test_numba_refuses_a_model_over_the_budget_in_one_line(tmp_path):
    pytest.importorskip("numba")
    path = _book(tmp_path / "chain.xlsx")
    r = _cli(path, "numba", NEED - 1)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].count("MCDESK_MAX_MODEL_BYTES") == 1 and "Calc!C1" in lines[0]
    assert f"{STEPS + 1} per-trial cells" in lines[0] and f"{TRIALS:,} trials" in lines[0]
    ok = _cli(path, "numba", NEED)
    assert ok.returncode == 0, ok.stderr


def test_numba_checks_before_the_kernel_allocates(tmp_path, monkeypatch):
    """The kernel path itself (not a fallback to numpy): the whole run's arrays and a chunk's."""
    pytest.importorskip("numba")
    from engine.backends.numba import NumbaBackend

    job = _job(_book(tmp_path / "chain.xlsx"))
    backend = NumbaBackend(threads=1)
    prep = backend.prepare(job)
    assert prep.kernel is not None and not prep.plan.rest  # every cell in the kernel
    monkeypatch.setenv("MCDESK_MAX_MODEL_BYTES", str(NEED - 1))
    job = _job(tmp_path / "chain.xlsx")  # Limits are read when the workbook opens
    for attempt in (lambda: backend.allocate(job), lambda: backend.run(job, 0, TRIALS)):
        with pytest.raises(LimitError, match="MCDESK_MAX_MODEL_BYTES"):
            attempt()
    small = backend.run(job, 0, TRIALS // 2)  # half the trials at once fit
    assert np.isfinite(small.outputs[job.program.outputs[0]]).all()


def test_cupy_path_checks_before_any_array(tmp_path, monkeypatch):
    from engine.backends.cupy import CupyBackend

    monkeypatch.setenv("MCDESK_MAX_MODEL_BYTES", str(NEED - 1))
    job = _job(_book(tmp_path / "chain.xlsx"))
    # the check comes first in the launcher: no GPU, cupy or compiled kernel is needed to see it
    with pytest.raises(LimitError, match="MCDESK_MAX_MODEL_BYTES"):
        CupyBackend._call(CupyBackend.__new__(CupyBackend), None, job, 0, TRIALS)


def test_cupy_cli_refuses_a_model_over_the_budget(tmp_path):
    cupy = pytest.importorskip("cupy")
    if not cupy.is_available():
        pytest.skip("no CUDA device")
    r = _cli(_book(tmp_path / "chain.xlsx"), "cupy", NEED - 1)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "MCDESK_MAX_MODEL_BYTES" in r.stderr
