"""Pieces of the remote service on their own: slots from GPU memory (a stand-in
pynvml module: there is no GPU here), the samples' wire format, job ids as paths, and the app
in process (FastAPI's TestClient) down to a graceful shutdown, replicas sharing a volume."""

from __future__ import annotations

import io
import json
import sys
import time
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from remote import gpu
from remote.auth import issue_token
from remote.service import create_app
from remote.settings import Settings
from remote.store import ResultStore, load_samples, save_samples

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "mcdesk" / "examples" / "capital_project.xlsx"
SPEC = json.loads((ROOT / "mcdesk" / "examples" / "capital_project.spec.json").read_text())
GiB = 2**30


def fake_pynvml(free: int, total: int = 141 * GiB, count: int = 1) -> types.SimpleNamespace:
    """What the service calls of pynvml (sys.modules takes any object as a module)."""
    return types.SimpleNamespace(
        nvmlInit=lambda: None, nvmlShutdown=lambda: None, nvmlDeviceGetCount=lambda: count,
        nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(total=total, free=free),
        nvmlDeviceGetName=lambda h: b"NVIDIA H200")


def test_slots_from_free_vram(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml(free=100 * GiB))
    cap = gpu.capacity()
    assert (cap.slots, cap.source) == (6, "gpu")  # 16 GiB per run, as the cupy backend's
    assert cap.gpus[0].name == "NVIDIA H200" and cap.gpus[0].free_bytes == 100 * GiB
    assert "100.0 GiB free VRAM" in cap.note
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml(free=500 * GiB))
    assert gpu.capacity().slots == 8  # at most the cupy backend's semaphore
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml(free=500 * 2**20))
    assert gpu.capacity().slots == 1  # always at least one
    assert gpu.capacity(override=3).source == "settings"


def test_no_pynvml_falls_back_to_cpus_and_says_why(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import fails
    cap = gpu.capacity()
    assert cap.source == "cpu" and cap.slots >= 1 and not cap.gpus
    assert "pynvml is not installed" in cap.note and "CPUs" in cap.note

    def broken() -> None:
        raise RuntimeError("NVML Shared Library Not Found")

    nvml = fake_pynvml(free=GiB)
    nvml.nvmlInit = broken
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    assert "no NVIDIA driver" in gpu.capacity().note


def test_samples_wire_format_round_trips_without_pickles():
    rng = np.random.default_rng(0)
    inputs = {"Inputs!F5": rng.random(7), "'My sheet'!B2": rng.random(7)}
    outputs = {"Summary!B2": rng.random(7)}
    errors = {"Summary!B2": np.array([0, 0, 7, 0, 0, 2, 0], dtype=np.uint8)}
    buf = io.BytesIO()
    save_samples(buf, 40, inputs, outputs, errors)
    buf.seek(0)
    got = load_samples(buf)
    assert (got["start"], got["count"]) == (40, 7)
    assert list(got["inputs"]) == list(inputs)
    for k in inputs:
        np.testing.assert_array_equal(got["inputs"][k], inputs[k])
    np.testing.assert_array_equal(got["errors"]["Summary!B2"], errors["Summary!B2"])
    assert got["errors"]["Summary!B2"].dtype == np.uint8


def test_only_job_ids_become_paths(tmp_path):
    store = ResultStore(tmp_path)
    for bad in ("../etc", "a" * 31, "A" * 32, "0" * 32 + "/x", ""):
        with pytest.raises(ValueError):
            store.folder(bad)
    assert store.folder("0" * 32) == tmp_path / ("0" * 32)


def test_in_process_app_and_graceful_shutdown_makes_running_jobs_retryable(tmp_path):
    with warnings.catch_warnings():  # starlette would rather have httpx2 for its TestClient
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    settings = Settings(jwt_key="k" * 40, results_dir=tmp_path, backend="numpy", gpu_slots=1,
                        batch_trials=2000)
    auth = {"Authorization": f"Bearer {issue_token(settings.jwt_key, 'inproc')}"}
    with TestClient(create_app(settings)) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/v1/info").status_code == 401
        assert http.get("/v1/info", headers=auth).json()["capacity"]["slots"] == 1
        r = http.post("/v1/jobs", headers=auth, files={"workbook": ("b.xlsx", BOOK.read_bytes())},
                      data={"spec": json.dumps({**SPEC, "trials": 5_000_000})})
        assert r.status_code == 202 and r.headers["location"] == f"/v1/jobs/{r.json()['id']}"
        job = r.json()["id"]
        waiting = http.post("/v1/jobs", headers=auth,
                            files={"workbook": ("b.xlsx", BOOK.read_bytes())},
                            data={"spec": json.dumps({**SPEC, "trials": 1000})}).json()["id"]
        deadline = time.monotonic() + 30
        while http.get(f"/v1/jobs/{job}", headers=auth).json()["done"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    # the app shut down (as on SIGTERM) while the job ran
    meta = json.loads((tmp_path / job / "meta.json").read_text())
    assert meta["state"] == "failed" and meta["retryable"] is True
    assert "shut down" in meta["error"]
    queued = json.loads((tmp_path / waiting / "meta.json").read_text())
    assert queued["state"] == "failed" and queued["retryable"] is True


def test_settings_refuse_a_remote_backend_for_the_service(tmp_path):
    from remote.errors import SettingsError

    with pytest.raises(SettingsError, match="MCDESK_BACKEND=remote"):
        create_app(Settings(jwt_key="k" * 40, results_dir=tmp_path, backend="remote"))
    with pytest.raises(SettingsError, match="MCDESK_BACKEND='cupy'"):
        create_app(Settings(jwt_key="k" * 40, results_dir=tmp_path, backend="cupy"))


def test_replicas_sharing_a_results_volume_leave_each_others_jobs_alone(tmp_path, monkeypatch):
    """Replicas on one node share the results volume (k8s/base: ReadWriteOnce + podAffinity):
    a restarting replica marks only its own interrupted jobs, and deletes another's folders
    only when nobody touched them for the TTL plus the orphan time-out."""
    import os

    from remote import jobs

    def meta(job_id: str, replica: str, state: str) -> None:
        (tmp_path / job_id).mkdir()
        (tmp_path / job_id / "meta.json").write_text(json.dumps({
            "id": job_id, "owner": "a", "trials": 10, "start": 0, "count": 10,
            "samples": False, "state": state, "replica": replica}))

    meta("1" * 32, "pod-a", "running")      # this replica's, interrupted by its restart
    meta("2" * 32, "pod-b", "running")      # a live neighbour's
    meta("3" * 32, "pod-b", "done")         # a neighbour's finished result
    (tmp_path / ("4" * 32)).mkdir()         # a neighbour's job being created (no meta yet)
    monkeypatch.setattr(jobs, "REPLICA", "pod-a")
    settings = Settings(jwt_key="k" * 40, results_dir=tmp_path, backend="numpy", gpu_slots=1,
                        result_ttl_s=100, orphan_timeout_s=100)
    manager = jobs.JobManager(settings)
    try:
        own = manager.get("1" * 32, "a")
        assert own.state is jobs.State.FAILED and own.retryable
        assert "2" * 32 not in manager.jobs
        assert json.loads((tmp_path / ("2" * 32) / "meta.json").read_text())["state"] == "running"
        assert manager.get("3" * 32, "a").state is jobs.State.DONE
        assert (tmp_path / ("4" * 32)).is_dir()
        manager.sweep_disk()
        assert (tmp_path / ("2" * 32)).is_dir()  # recently written: alive
        # a client whose affinity moved here sees the neighbour's job as its replica wrote it
        assert manager.get("2" * 32, "a").state is jobs.State.RUNNING
        assert manager.delete("2" * 32, "a").cancel.is_set()
        assert (tmp_path / ("2" * 32) / "cancel").exists()  # for pod-b's sweeper
        meta("5" * 32, "pod-b", "done")     # finished there after this replica started
        assert manager.get("5" * 32, "a").state is jobs.State.DONE
        old = time.time() - 1000
        os.utime(tmp_path / ("2" * 32) / "meta.json", (old, old))
        gone = manager.get("2" * 32, "a")  # pod-b stopped touching it: pod-b is gone
        assert gone.state is jobs.State.FAILED and gone.retryable
        manager.sweep_disk()
        assert not (tmp_path / ("2" * 32)).exists()  # its replica is gone
        with pytest.raises(jobs.JobNotFoundError):  # deleted elsewhere: 404, not 500
            manager.result_file("3" * 32, "a", samples=False)
    finally:
        manager.stop()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_trial_range_is_that_range_of_the_whole_run(backend, stream):
    """The service runs trials start .. start+count-1 of a job through RangeBackend: kept in
    memory or streamed, and with numba writing in place, they are those trials of the whole
    run (same seed, same numbers)."""
    import dataclasses

    from engine.backends import get_backend
    from engine.model import Model
    from engine.simulate import prepare, run_job
    from engine.spec import SimulationSpec
    from remote.runner import RangeBackend

    if backend == "numba":
        pytest.importorskip("numba")
    spec = SimulationSpec.from_dict({**SPEC, "trials": 50_000})
    job = prepare(Model.open(BOOK), spec)
    whole, _ = run_job(job, get_backend("numpy"), stream=False)
    start, count = 20_000, 23_456
    view = dataclasses.replace(job, trials=count)
    got, _ = run_job(view, RangeBackend(get_backend(backend), job, start), chunk_size=10_000,
                     stream=stream)
    every = got.stride
    for name, v in got.inputs.items():   # numba's PERT inverse: scipy's to a few ulps
        np.testing.assert_allclose(v, whole.inputs[name][start:start + count][::every],
                                   rtol=1e-13, err_msg=name)
    for name, v in got.outputs.items():
        want = whole.outputs[name][start:start + count][::every]
        np.testing.assert_allclose(v, want, rtol=1e-12, atol=1e-9, err_msg=name)
        np.testing.assert_array_equal(got.errors[name],
                                      whole.errors[name][start:start + count][::every])


@pytest.mark.parametrize(("given", "want"), [(None, "0"), ("1", "1")])
def test_the_service_keeps_no_kernel_plans_on_disk_unless_asked(tmp_path, monkeypatch, given,
                                                                  want):
    """A stored numba plan holds a workbook's constants and strings: ``mcdesk-service`` turns
    the plan store off (MCDESK_PLAN_STORE=0) unless the operator set it."""
    import uvicorn

    from engine.backends.numba import _plan_store
    from remote.__main__ import serve

    # setenv first, so that monkeypatch restores the variable's absence after the test (serve
    # sets it in os.environ itself: left "0", it turned the plan store off for later tests)
    monkeypatch.setenv("MCDESK_PLAN_STORE", "restored")
    if given is None:
        monkeypatch.delenv("MCDESK_PLAN_STORE")
    else:
        monkeypatch.setenv("MCDESK_PLAN_STORE", given)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    assert serve(Settings(jwt_key="k" * 40, results_dir=tmp_path, backend="numpy",
                          gpu_slots=1)) == 0
    import os

    assert os.environ["MCDESK_PLAN_STORE"] == want
    assert _plan_store.enabled() is (want == "1")
