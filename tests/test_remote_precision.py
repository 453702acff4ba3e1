"""Precision control (auto-stop) over the service: a job whose spec holds ``precision`` stops
where the local run stops and reports converged/where, with the local run's statistics bit for
bit, through the service's in-process test client and through ``RemoteBackend`` (the CLI's
``--backend remote``)."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import pytest

from engine import Model, SimulationSpec, simulate
from engine.precision import PrecisionSpec, parse_target
from engine.sampling import Sampling
from mcdesk.cli import main as cli
from remote import RemoteBackend
from remote.auth import issue_token
from remote.service import create_app
from remote.settings import Settings
from remote.testing import ServiceProcess

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "mcdesk" / "examples" / "capital_project.xlsx"
SPEC_FILE = ROOT / "mcdesk" / "examples" / "capital_project.spec.json"
CAP = 200_000
TARGET = "Summary!B2:mean:0.05%"  # met at 30,000 trials (seed 5), well before the cap
TIMING = ("elapsed_s", "trials_per_s", "compile_s", "backend")


def precise_spec(seed: int = 5) -> SimulationSpec:
    spec = SimulationSpec.load(SPEC_FILE)
    spec.trials, spec.seed, spec.sampling = CAP, seed, Sampling.MC
    spec.precision = PrecisionSpec([parse_target(TARGET)], check_every=5_000)
    spec.validate()
    return spec


def numbers(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in TIMING}


@pytest.fixture(scope="module")
def local() -> dict:
    got = simulate(Model.open(BOOK), precise_spec(), backend="numpy").to_dict()
    p = got["precision"]
    assert p["converged"] is True and p["cap"] == CAP
    assert 10_000 < p["trials"] == got["trials"] < CAP   # it stopped early, not at the cap
    return got


def test_a_service_job_with_precision_stops_where_the_local_run_stops(tmp_path, local):
    with warnings.catch_warnings():  # starlette would rather have httpx2 for its TestClient
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    settings = Settings(jwt_key="k" * 40, results_dir=tmp_path, backend="numpy", gpu_slots=1,
                        batch_trials=2000)
    auth = {"Authorization": f"Bearer {issue_token(settings.jwt_key, 'precision')}"}
    with TestClient(create_app(settings)) as http:
        r = http.post("/v1/jobs", headers=auth, files={"workbook": ("b.xlsx", BOOK.read_bytes())},
                      data={"spec": json.dumps(precise_spec().to_dict())})
        assert r.status_code == 202, r.text
        job = r.json()["id"]
        deadline = time.monotonic() + 120
        while (status := http.get(f"/v1/jobs/{job}", headers=auth).json())["state"] in (
                "queued", "running"):
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        assert status["state"] == "done", status
        got = http.get(f"/v1/jobs/{job}/result", headers=auth).json()
    assert got["precision"]["converged"] is True
    assert got["precision"]["trials"] == got["trials"] == local["trials"]
    assert status["done"] == local["trials"]       # the status says where it stopped too
    assert numbers(got) == numbers(local)          # every statistic, bit for bit


def test_a_precision_target_the_run_cannot_meet_is_refused_at_submission(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    settings = Settings(jwt_key="k" * 40, results_dir=tmp_path, backend="numpy", gpu_slots=1)
    auth = {"Authorization": f"Bearer {issue_token(settings.jwt_key, 'precision')}"}
    good = precise_spec().to_dict()
    bad = {"not an output": {**good, "precision": {**good["precision"],
                                                   "targets": ["Inputs!F5:mean:1%"]}},
           "Latin hypercube": {**good, "sampling": "lhs"}}
    with TestClient(create_app(settings)) as http:
        for why, spec in bad.items():
            r = http.post("/v1/jobs", headers=auth,
                          files={"workbook": ("b.xlsx", BOOK.read_bytes())},
                          data={"spec": json.dumps(spec)})
            assert r.status_code == 422, (why, r.text)
            assert "precision" in r.text, (why, r.text)


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    env = {"MCDESK_GPU_SLOTS": 1, "MCDESK_BATCH_TRIALS": 2000, "MCDESK_MAX_JOBS_PER_TOKEN": 8}
    with ServiceProcess(tmp_path_factory.mktemp("svc") / "results", env) as s:
        yield s


def test_remote_backend_with_precision_gives_the_local_stopped_run(svc, local):
    backend = RemoteBackend(svc.url, svc.token())
    try:
        got = simulate(Model.open(BOOK), precise_spec(), backend=backend).to_dict()
    finally:
        backend.close()
    assert got["backend"] == "remote:numpy"
    assert got["precision"] == local["precision"]
    assert numbers(got) == numbers(local)


def test_cli_precision_with_the_remote_backend(svc, tmp_path, capsys):
    spec = precise_spec()
    spec.precision = None   # the CLI's --precision fills it
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec.to_dict()))
    got = {}
    for backend in ("numpy", "remote"):
        rc = cli(["simulate", str(BOOK), "--spec", str(spec_path), "--backend", backend,
                  "--url", svc.url, "--token", svc.token(), "--precision", TARGET,
                  "--json", str(tmp_path / f"{backend}.json")])
        assert rc == 0
        text = capsys.readouterr().out
        got[backend] = json.loads((tmp_path / f"{backend}.json").read_text())
        p = got[backend]["precision"]
        assert p["converged"] is True and p["trials"] == got[backend]["trials"] < CAP
        assert f"precision met after {p['trials']:,} trials" in text
    assert got["remote"]["precision"] == got["numpy"]["precision"]
    assert numbers(got["remote"]) == numbers(got["numpy"])
