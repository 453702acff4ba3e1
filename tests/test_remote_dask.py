"""The service runs a job of MCDESK_DASK_MIN_TRIALS or more on its Dask cluster (here an
embedded LocalCluster of 2 worker processes), a smaller one in process: the same RESULT.json
numbers bit for bit for the same seed, through the service's in-process test client."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from remote.auth import issue_token  # noqa: E402
from remote.service import create_app  # noqa: E402
from remote.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BOOK = (ROOT / "mcdesk" / "examples" / "capital_project.xlsx").read_bytes()
SPEC = json.loads((ROOT / "mcdesk" / "examples" / "capital_project.spec.json").read_text())
TRIALS = 60_000


def _run(settings: Settings, trials: int) -> tuple[dict, dict]:
    """Submit one job to an in-process app; (its status, its RESULT.json)."""
    with warnings.catch_warnings():  # starlette would rather have httpx2 for its TestClient
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    auth = {"Authorization": f"Bearer {issue_token(settings.jwt_key, 'dask-test')}"}
    with TestClient(create_app(settings)) as http:
        info = http.get("/v1/info", headers=auth).json()
        r = http.post("/v1/jobs", headers=auth, files={"workbook": ("b.xlsx", BOOK)},
                      data={"spec": json.dumps({**SPEC, "trials": trials, "seed": 11})})
        assert r.status_code == 202, r.text
        job = r.json()["id"]
        deadline = time.monotonic() + 240
        while (status := http.get(f"/v1/jobs/{job}", headers=auth).json())["state"] in (
                "queued", "running"):
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        assert status["state"] == "done", status
        result = http.get(f"/v1/jobs/{job}/result", headers=auth).json()
    status["info"] = info
    return status, result


def _numbers(result: dict) -> dict:
    return {k: v for k, v in result.items()
            if k not in ("elapsed_s", "trials_per_s", "compile_s", "backend")}


def test_a_large_job_runs_on_dask_with_the_numbers_of_an_in_process_run(tmp_path):
    common = {"jwt_key": "k" * 40, "backend": "numpy", "gpu_slots": 1, "batch_trials": 15_000}
    local, want = _run(Settings(results_dir=tmp_path / "a", **common), TRIALS)
    assert local["backend"] == "numpy" and local["info"]["dask"] is None
    on_dask = Settings(results_dir=tmp_path / "b", dask_local=True, dask_workers=2,
                       dask_min_trials=TRIALS, **common)
    remote, got = _run(on_dask, TRIALS)
    assert remote["backend"] == "dask"
    assert remote["info"]["dask"] == {"scheduler": "local (2 workers)", "min_trials": TRIALS,
                                      "inner": "numpy"}
    assert got["trials"] == want["trials"] == TRIALS
    assert _numbers(got) == _numbers(want)  # every statistic, bit for bit
    # below the threshold the same service runs the job in process
    small, _ = _run(on_dask, TRIALS - 1)
    assert small["backend"] == "numpy"


def test_dask_settings_come_from_the_environment(tmp_path):
    env = {"MCDESK_JWT_KEY": "k" * 40, "MCDESK_RESULTS_DIR": str(tmp_path),
           "MCDESK_DASK_SCHEDULER": "tcp://10.0.0.5:8786", "MCDESK_DASK_MIN_TRIALS": "1e8"}
    s = Settings.from_env(env)
    assert (s.dask_scheduler, s.dask_local, s.dask_min_trials) == ("tcp://10.0.0.5:8786",
                                                                   False, 100_000_000)
    from remote.dask_pool import DaskPool

    pool = DaskPool(s)
    assert pool.wants(100_000_000) and not pool.wants(99_999_999)
    assert not DaskPool(Settings.from_env({**env, "MCDESK_DASK_SCHEDULER": ""})).wants(10**9)
