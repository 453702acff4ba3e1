"""The remote service over real HTTP (uvicorn on a loopback port, in a child process):
authentication on every route, the upload limit, admission limits, info, metrics, tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest

import remote
from remote import AuthError, BusyError, RemoteClient, ServiceUnavailableError, UploadTooLargeError
from remote.auth import issue_token, verify_token
from remote.errors import RemoteSpecError, SettingsError
from remote.settings import Settings
from remote.testing import ServiceProcess

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "mcdesk" / "examples" / "capital_project.xlsx"
SPEC = json.loads((ROOT / "mcdesk" / "examples" / "capital_project.spec.json").read_text())
HEALTH = {"/healthz", "/readyz", "/metrics"}
DOCS = {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
JOB_ID = "0" * 32


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    env = {"MCDESK_MAX_UPLOAD_BYTES": 200_000, "MCDESK_MAX_TRIALS": 5_000_000,
           "MCDESK_MAX_JOBS_PER_TOKEN": 2, "MCDESK_QUEUE_SIZE": 3, "MCDESK_GPU_SLOTS": 1,
           "MCDESK_BATCH_TRIALS": 2000}
    with ServiceProcess(tmp_path_factory.mktemp("svc") / "results", env) as s:
        yield s


def spec(trials: int = 2000, **kw) -> dict:
    return {**SPEC, "trials": trials, **kw}


def test_public_api_is_curated():
    assert sorted(remote.__all__) == sorted(
        ["AuthError", "BusyError", "JobFailedError", "JobNotFoundError", "RemoteBackend",
         "RemoteClient", "RemoteError", "RemoteSpecError", "ServiceUnavailableError",
         "SettingsError", "UploadTooLargeError", "simulate_remote"])
    for name in remote.__all__:
        assert getattr(remote, name) is not None


def test_every_non_health_route_needs_a_valid_token(svc):
    api = httpx.get(f"{svc.url}/openapi.json").json()
    routes = [(m.upper(), p.replace("{job_id}", JOB_ID)) for p, ops in api["paths"].items()
              for m in ops if p not in HEALTH | DOCS]
    assert {("GET", "/v1/info"), ("POST", "/v1/jobs"), ("GET", "/v1/jobs"),
            ("GET", f"/v1/jobs/{JOB_ID}"),
            ("GET", f"/v1/jobs/{JOB_ID}/result"), ("DELETE", f"/v1/jobs/{JOB_ID}")} <= set(routes)
    now = int(time.time())
    bad = {
        "none": None,
        "garbage": "Bearer not-a-token",
        "other key": "Bearer " + issue_token("k" * 40, "mallory"),
        "expired": "Bearer " + jwt.encode({"sub": "a", "iss": "mcdesk", "exp": now - 3600},
                                          svc.key, algorithm="HS256"),
        "no subject": "Bearer " + jwt.encode({"iss": "mcdesk", "exp": now + 3600}, svc.key,
                                             algorithm="HS256"),
        "alg none": "Bearer " + jwt.encode({"sub": "a", "iss": "mcdesk", "exp": now + 3600},
                                           None, algorithm="none"),
        "basic": "Basic YWxpY2U6cGFzcw==",
    }
    with httpx.Client(base_url=svc.url) as http:
        for method, path in routes:
            for why, header in bad.items():
                headers = {"Authorization": header} if header else {}
                r = http.request(method, path, headers=headers)
                assert r.status_code == 401, (method, path, why, r.text)
                assert r.headers["www-authenticate"] == "Bearer"
                assert r.json()["error"] == "unauthorized"
        good = {"Authorization": f"Bearer {svc.token()}"}
        assert http.get("/v1/info", headers=good).status_code == 200
        assert http.get(f"/v1/jobs/{JOB_ID}", headers=good).status_code == 404


def test_health_metrics_and_docs_need_no_token(svc):
    with httpx.Client(base_url=svc.url) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["slots"] == 1
        m = http.get("/metrics")
        assert m.status_code == 200 and m.headers["content-type"].startswith("text/plain")
        for name in ("mcdesk_jobs_queued", "mcdesk_jobs_running", "mcdesk_trials_per_second",
                     "mcdesk_jobs_submitted_total", "mcdesk_slots 1"):
            assert name in m.text
        assert "tester" not in m.text  # no subjects or job ids in metrics
        assert http.get("/docs").status_code == 200


def test_info_says_where_the_slots_come_from(svc):
    with RemoteClient(svc.url, svc.token("alice")) as c:
        info = c.info()
    assert info["subject"] == "alice" and info["backend"] == "numpy"
    assert info["capacity"]["slots"] == 1 and info["capacity"]["source"] == "settings"
    assert info["limits"]["max_upload_bytes"] == 200_000
    assert info["engine_version"]


def test_upload_above_the_limit_is_413(svc):
    big = b"x" * 300_000
    headers = {"Authorization": f"Bearer {svc.token()}"}
    with httpx.Client(base_url=svc.url, headers=headers) as http:
        r = http.post("/v1/jobs", files={"workbook": ("b.xlsx", big)},
                      data={"spec": json.dumps(spec())})
        assert r.status_code == 413 and "upload limit" in r.json()["detail"]

        def chunks():  # a well-formed upload without Content-Length: counted as it arrives
            yield (b'--zz\r\nContent-Disposition: form-data; name="workbook"; '
                   b'filename="b.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n')
            for _ in range(30):
                yield b"y" * 10_000
            yield b"\r\n--zz--\r\n"

        r = http.post("/v1/jobs", content=chunks(),
                      headers={"Content-Type": "multipart/form-data; boundary=zz"})
        assert r.status_code == 413
    with RemoteClient(svc.url, svc.token()) as c, pytest.raises(UploadTooLargeError,
                                                               match="upload limit"):
        c.submit(big, spec())
    assert 'mcdesk_jobs_rejected_total{reason="upload"} 3' in httpx.get(f"{svc.url}/metrics").text


def test_bad_spec_workbook_and_range_are_422_with_the_engine_message(svc):
    with RemoteClient(svc.url, svc.token()) as c:
        with pytest.raises(RemoteSpecError, match="no output cell|outputs"):
            c.submit(BOOK.read_bytes(), {**spec(), "outputs": []})
        with pytest.raises(RemoteSpecError, match="not an .xlsx|zip"):
            c.submit(b"PK-not-really", spec())
        with pytest.raises(RemoteSpecError, match="trial range"):
            c.submit(BOOK.read_bytes(), spec(1000), start=900, count=200)
        with pytest.raises(RemoteSpecError, match="above this service's limit"):
            c.submit(BOOK.read_bytes(), spec(6_000_000))


def test_per_token_and_queue_limits_answer_429_and_503(svc):
    book = BOOK.read_bytes()
    alice = RemoteClient(svc.url, svc.token("alice"), busy_wait_s=0)
    bob = RemoteClient(svc.url, svc.token("bob"), busy_wait_s=0)
    carol = RemoteClient(svc.url, svc.token("carol"), busy_wait_s=0)
    ids = []
    try:
        ids += [(alice, alice.submit(book, spec(4_000_000))["id"]) for _ in range(2)]
        with pytest.raises(BusyError, match=r"already has 2 jobs .* \(limit 2\)") as exc:
            alice.submit(book, spec(1000))
        assert exc.value.retry_after >= 1
        ids += [(bob, bob.submit(book, spec(4_000_000))["id"]) for _ in range(2)]
        # one running, three queued: the queue (3) is full for everyone
        with pytest.raises(ServiceUnavailableError, match="queue is full"):
            carol.submit(book, spec(1000))
        r = httpx.get(f"{svc.url}/readyz")
        assert r.status_code == 503 and "retry-after" in r.headers
    finally:
        for client, job in ids:
            client.cancel(job)
    for client, job in ids:
        _wait_state(client, job, "cancelled")
    assert httpx.get(f"{svc.url}/readyz").status_code == 200
    for c in (alice, bob, carol):
        c.close()


def _wait_state(client: RemoteClient, job_id: str, state: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = client.status(job_id)
        if st["state"] == state:
            return st
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never became {state}: {st}")


def test_jobs_of_others_are_not_visible(svc):
    with RemoteClient(svc.url, svc.token("alice")) as a, \
            RemoteClient(svc.url, svc.token("eve")) as e:
        job = a.submit(BOOK.read_bytes(), spec(1000))["id"]
        with pytest.raises(remote.JobNotFoundError):
            e.status(job)
        with pytest.raises(remote.JobNotFoundError):
            e.cancel(job)
        assert _wait_state(a, job, "done")["done"] == 1000
        assert job in [j["id"] for j in a.jobs()] and job not in [j["id"] for j in e.jobs()]
    metrics = httpx.get(f"{svc.url}/metrics").text
    assert 'mcdesk_jobs_finished_total{state="done"}' in metrics
    trials = float(metrics.split("\nmcdesk_trials_total ")[1].split()[0])
    assert trials >= 1000 and job not in metrics


def test_bad_token_in_the_client_says_how_to_get_one(svc):
    with RemoteClient(svc.url, "nope") as c, pytest.raises(AuthError,
                                                            match="python -m remote token"):
        c.info()


# ----------------------------------------------------------------- settings and tokens
def test_settings_refuse_a_missing_or_short_key_and_bad_numbers():
    with pytest.raises(SettingsError, match="MCDESK_JWT_KEY"):
        Settings.from_env({})
    with pytest.raises(SettingsError, match="at least 32"):
        Settings.from_env({"MCDESK_JWT_KEY": "short"})
    with pytest.raises(SettingsError, match="MCDESK_QUEUE_SIZE"):
        Settings.from_env({"MCDESK_JWT_KEY": "k" * 32, "MCDESK_QUEUE_SIZE": "many"})
    s = Settings.from_env({"MCDESK_JWT_KEY": "k" * 32, "MCDESK_MAX_TRIALS": "1e6",
                           "MCDESK_RESULTS_DIR": "/data/results"})
    assert (s.max_trials, s.results_dir, s.port, s.host) == (10**6, Path("/data/results"),
                                                             8000, "127.0.0.1")
    assert s.max_upload_bytes == 10485760 and s.queue_size == 16 and s.backend == "auto"


def _remote(*args: str, key: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MCDESK_JWT_KEY"}
    if key is not None:
        env["MCDESK_JWT_KEY"] = key
    return subprocess.run([sys.executable, "-m", "remote", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_token_command_and_refusal_to_start_without_a_key():
    key = "s" * 40
    out = _remote("token", "--subject", "ci-bot", "--days", "2", key=key)
    assert out.returncode == 0, out.stderr
    assert verify_token(key, out.stdout.strip()) == "ci-bot"
    claims = jwt.decode(out.stdout.strip(), key, algorithms=["HS256"], issuer="mcdesk")
    assert 2 * 86400 - 120 < claims["exp"] - claims["iat"] <= 2 * 86400
    refused = _remote(key=None)
    assert refused.returncode == 2 and "MCDESK_JWT_KEY must be set" in refused.stderr
