"""The client backend against a real service (uvicorn on a loopback port): the remote result
is the local one bit for bit, 4 shards equal one run, progress, cancel, the CLI."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from engine import Model, SimulationSpec, simulate
from engine.backends import get_backend
from engine.errors import CancelledError
from engine.sampling import Sampling
from mcdesk.cli import main as cli
from remote import (
    RemoteBackend,
    RemoteClient,
    RemoteError,
    ServiceUnavailableError,
    simulate_remote,
)
from remote.testing import ServiceProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "mcdesk" / "examples" / "capital_project.xlsx"
SPEC_FILE = ROOT / "mcdesk" / "examples" / "capital_project.spec.json"


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    env = {"MCDESK_GPU_SLOTS": 1, "MCDESK_BATCH_TRIALS": 2000, "MCDESK_MAX_JOBS_PER_TOKEN": 8}
    with ServiceProcess(tmp_path_factory.mktemp("svc") / "results", env) as s:
        yield s


@pytest.fixture(scope="module")
def model():
    return Model.open(BOOK)


def make_spec(trials: int, seed: int = 7, sampling: str = "mc") -> SimulationSpec:
    spec = SimulationSpec.load(SPEC_FILE)
    spec.trials, spec.seed, spec.sampling = trials, seed, Sampling(sampling)
    spec.validate()
    return spec


def assert_same(a, b) -> None:
    assert a.to_dict()["outputs"] == b.to_dict()["outputs"]
    assert (a.trials, a.seed) == (b.trials, b.seed)
    for kind in ("inputs", "outputs", "errors"):
        x, y = getattr(a.samples, kind), getattr(b.samples, kind)
        assert list(x) == list(y)
        for name in x:
            np.testing.assert_array_equal(x[name], y[name], err_msg=f"{kind} {name}")


def test_remote_run_gives_exactly_the_local_result(svc, model):
    spec = make_spec(10_000, seed=11)
    local = simulate(model, spec, backend="numpy")
    backend = get_backend("remote", url=svc.url, token=svc.token())
    assert isinstance(backend, RemoteBackend)
    try:
        remote = simulate(model, spec, backend=backend)
    finally:
        backend.close()
    assert remote.backend == "remote:numpy"
    assert_same(remote, local)


def test_outputs_only_samples_leave_the_inputs_out(svc):
    with RemoteClient(svc.url, svc.token()) as c:
        st, _, values = c.run(BOOK.read_bytes(), make_spec(500).to_dict(), samples="outputs")
        assert values is not None and values["inputs"] == {} and st["samples"] == "outputs"
        assert len(values["outputs"]) == 7 and values["count"] == 500
        _, _, everything = c.run(BOOK.read_bytes(), make_spec(500).to_dict(), samples=True)
        assert everything is not None and len(everything["inputs"]) == 16
        with pytest.raises(RemoteError, match="samples must be one of"):
            c.submit(BOOK.read_bytes(), make_spec(500).to_dict(), samples="some")


def test_four_shards_equal_one_run_latin_hypercube(svc, model):
    spec = make_spec(8_001, seed=5, sampling="lhs")  # strata depend on the total trials
    single = simulate(model, spec, backend="numpy")
    seen: list[tuple[int, int]] = []
    sharded = simulate_remote(model, spec, url=svc.url, token=svc.token(), shards=4,
                              progress=lambda d, n: seen.append((d, n)), local_inputs=False)
    assert_same(sharded, single)
    # progress followed the shards: increasing, some in between, ending at the total
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == 8_001 and {n for _, n in seen} == {8_001}
    assert any(0 < d < 8_001 for d in done)


def test_progress_is_reported_and_cancel_frees_the_slot(svc):
    book = BOOK.read_bytes()
    spec = make_spec(4_000_000).to_dict()
    with RemoteClient(svc.url, svc.token("canceller")) as c:
        long = c.submit(book, spec)["id"]
        deadline = time.monotonic() + 60
        while True:  # the service reports trials done as the job runs
            st = c.status(long)
            if st["state"] == "running" and 0 < st["done"] < st["count"]:
                break
            assert time.monotonic() < deadline, st
            time.sleep(0.02)
        assert 0 < st["progress"] < 1
        waiting = c.submit(book, make_spec(1000).to_dict())["id"]
        assert c.status(waiting)["state"] == "queued"  # one slot, taken
        assert c.cancel(long)["cancel_requested"] is True
        final = c.wait(waiting)  # the slot came free: the waiting job ran
        assert final["state"] == "done" and final["done"] == 1000
        st = c.status(long)
        assert st["state"] == "cancelled" and st["done"] < st["count"]
        with pytest.raises(RemoteError, match="cancelled"):
            c.result(long)
    ready = httpx.get(f"{svc.url}/readyz").json()
    assert ready["running"] == 0 and ready["queued"] == 0


def test_cancel_callback_cancels_the_remote_job(svc, model):
    flag = threading.Event()
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done > 0:
            flag.set()

    with pytest.raises(CancelledError):
        simulate_remote(model, make_spec(4_000_000), url=svc.url, token=svc.token("cb"),
                        progress=progress, cancel=flag.is_set, max_chunk=4_000_000)
    assert seen and max(seen) < 4_000_000
    deadline = time.monotonic() + 30
    while httpx.get(f"{svc.url}/readyz").json()["running"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_cli_backend_remote_writes_the_local_result(svc, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MCDESK_REMOTE_TOKEN", svc.token("cli"))
    args = ["simulate", str(BOOK), "--spec", str(SPEC_FILE), "--trials", "10000", "--seed", "3",
            "--quiet"]
    assert cli([*args, "--backend", "remote", "--url", svc.url, "--shards", "3",
                "--json", str(tmp_path / "remote.json")]) == 0
    assert cli([*args, "--backend", "numpy", "--json", str(tmp_path / "local.json")]) == 0
    remote = json.loads((tmp_path / "remote.json").read_text())
    local = json.loads((tmp_path / "local.json").read_text())
    assert remote["outputs"] == local["outputs"] and remote["backend"] == "remote:numpy"
    assert cli([*args, "--backend", "remote", "--url", svc.url, "--token", "bad"]) == 2
    assert "refused the token (401)" in capsys.readouterr().err


def test_unreachable_service_and_missing_settings_are_clear(monkeypatch):
    monkeypatch.delenv("MCDESK_REMOTE_URL", raising=False)
    monkeypatch.delenv("MCDESK_REMOTE_TOKEN", raising=False)
    with pytest.raises(RemoteError, match="MCDESK_REMOTE_URL"):
        RemoteBackend(token="t")
    with pytest.raises(RemoteError, match="python -m remote token"):
        RemoteBackend(url="http://127.0.0.1:1")
    url = f"http://127.0.0.1:{free_port()}"
    with RemoteClient(url, "t", connect_s=0.5, backoff_s=0.05) as c, \
            pytest.raises(ServiceUnavailableError, match=r"cannot reach .* Is it running"):
        c.info()


def test_a_model_without_a_file_is_refused_clearly(svc):
    m = Model.from_cells({"Sheet1!A1": 1.0, "Sheet1!B1": "=A1*2"})
    spec = SimulationSpec.from_dict({"inputs": [{"cell": "Sheet1!A1", "distribution": "uniform",
                                                 "params": {"min": 0, "max": 1}}],
                                     "outputs": ["Sheet1!B1"], "trials": 100})
    with pytest.raises(RemoteError, match="needs the workbook file"):
        simulate_remote(m, spec, url=svc.url, token=svc.token())


def test_app_remote_gpu_option_runs_on_the_service(svc, model):
    """The app's Workspace with its backend set to "remote" (what the "Remote GPU" option
    does), made by ``RemoteBackend.for_workspace`` as the app's pages do."""
    workspace = pytest.importorskip("mcdesk.app.workspace")
    ws = workspace.Workspace()
    ws.open(BOOK)
    spec = make_spec(6000, seed=9)
    ws.inputs = {i.cell: i for i in spec.inputs}
    ws.outputs = list(spec.outputs)
    ws.settings = workspace.RunSettings(6000, 9, "mc", "remote")
    ws.remote = lambda: RemoteBackend.for_workspace(svc.url, svc.token("app"), ws)
    result = ws.run()
    assert result.backend == "remote:numpy"
    assert result.to_dict()["outputs"] == simulate(model, spec, backend="numpy").to_dict()["outputs"]
    assert (ws.progress.done, ws.progress.total) == (6000, 6000)


def test_a_run_larger_than_one_job_is_sharded_on_its_own(svc, model):
    spec = make_spec(9_000, seed=4)
    backend = RemoteBackend(svc.url, svc.token("auto"), max_chunk=3_000)
    try:
        job_view = type("J", (), {"trials": spec.trials})()
        assert (backend.chunk_size(job_view), backend.workers(job_view)) == (2_250, 4)
        small = type("J", (), {"trials": 3_000})()
        assert (backend.chunk_size(small), backend.workers(small)) == (3_000, 1)
        result = simulate(model, spec, backend=backend)
    finally:
        backend.close()
    assert result.to_dict()["outputs"] == simulate(model, spec, backend="numpy").to_dict()["outputs"]
