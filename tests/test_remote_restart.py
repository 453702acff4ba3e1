"""The service killed (SIGKILL) in the middle of a job: the client says so clearly, retries
after the restart and gets the right result; results finished before are not lost.  Jobs
nobody follows are cancelled, and results expire."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from engine import Model, SimulationSpec, simulate
from remote import JobNotFoundError, RemoteClient, ServiceUnavailableError, simulate_remote
from remote.testing import ServiceProcess

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "mcdesk" / "examples" / "capital_project.xlsx"
SPEC_FILE = ROOT / "mcdesk" / "examples" / "capital_project.spec.json"


def make_spec(trials: int, seed: int = 2) -> SimulationSpec:
    spec = SimulationSpec.load(SPEC_FILE)
    spec.trials, spec.seed = trials, seed
    return spec


def test_sigkill_mid_job_client_retries_after_restart_and_finished_results_survive(tmp_path):
    model = Model.open(BOOK)
    svc = ServiceProcess(tmp_path / "results", {"MCDESK_GPU_SLOTS": 1,
                                                "MCDESK_BATCH_TRIALS": 2000})
    svc.start()
    try:
        token = svc.token("survivor")
        early = RemoteClient(svc.url, token)
        finished = early.submit(BOOK.read_bytes(), make_spec(3000).to_dict())["id"]
        assert early.wait(finished)["state"] == "done"  # finished, not fetched yet
        watcher = RemoteClient(svc.url, token, reconnect_s=0.5, backoff_s=0.05)
        watcher.info()

        spec = make_spec(60_000)
        running = threading.Event()
        out: dict = {}

        def progress(done: int, total: int) -> None:
            if 0 < done < total:
                running.set()

        def run() -> None:
            try:
                out["result"] = simulate_remote(model, spec, url=svc.url, token=token,
                                                progress=progress, max_chunk=spec.trials,
                                                reconnect_s=120, backoff_s=0.1,
                                                max_backoff_s=0.5)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                out["error"] = exc

        t = threading.Thread(target=run)
        t.start()
        assert running.wait(60), out
        svc.kill()
        # a client whose retry window runs out says clearly what is wrong
        with pytest.raises(ServiceUnavailableError, match=r"cannot reach the mcdesk service at "
                                                          r"http://127\.0\.0\.1:\d+"):
            watcher.status(finished)
        time.sleep(0.5)
        svc.start()  # same port, same results folder
        t.join(180)
        assert not t.is_alive()
        assert "error" not in out, out.get("error")
        local = simulate(model, spec, backend="numpy")
        assert out["result"].to_dict()["outputs"] == local.to_dict()["outputs"]
        # the job finished before the kill is still there, with its numbers
        kept = early.result(finished)
        expected = simulate(model, make_spec(3000), backend="numpy").to_dict()
        assert kept["outputs"] == expected["outputs"]
        # the job that was running when the service died is reported, not silently lost
        with httpx.Client(base_url=svc.url, headers={"Authorization": f"Bearer {token}"}) as h:
            metas = [p.parent.name for p in (tmp_path / "results").glob("*/meta.json")]
            states = {m: h.get(f"/v1/jobs/{m}").json() for m in metas}
        interrupted = [s for s in states.values() if s["state"] == "failed"]
        assert interrupted and all(s["retryable"] and "restarted" in s["error"]
                                   for s in interrupted)
        early.close()
        watcher.close()
    finally:
        svc.stop()


def test_unfollowed_jobs_are_cancelled_and_results_expire(tmp_path):
    env = {"MCDESK_GPU_SLOTS": 1, "MCDESK_BATCH_TRIALS": 2000, "MCDESK_ORPHAN_TIMEOUT_S": 1,
           "MCDESK_RESULT_TTL_S": 2}
    with ServiceProcess(tmp_path / "results", env) as svc, \
            RemoteClient(svc.url, svc.token()) as c:
        book = BOOK.read_bytes()
        orphan = c.submit(book, make_spec(5_000_000).to_dict())["id"]
        deadline = time.monotonic() + 30
        while httpx.get(f"{svc.url}/readyz").json()["running"] or \
                httpx.get(f"{svc.url}/readyz").json()["queued"]:
            assert time.monotonic() < deadline, "the orphan job was never cancelled"
            time.sleep(0.1)
        st = c.status(orphan)
        assert st["state"] == "cancelled" and "no client" in st["error"]
        done = c.submit(book, make_spec(1000).to_dict())["id"]
        assert c.wait(done)["state"] == "done"
        folder = tmp_path / "results" / done
        assert (folder / "result.json").is_file()
        deadline = time.monotonic() + 30
        while folder.exists():
            assert time.monotonic() < deadline, "the result never expired"
            time.sleep(0.1)
        with pytest.raises(JobNotFoundError):
            c.status(done)
