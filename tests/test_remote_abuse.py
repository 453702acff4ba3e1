"""The service under abuse, over real HTTP (uvicorn in a child process): parsing counts
against a subject's limit and a global parse queue, jobs are sized to the memory budget,
workbook limits, a cancel that wins over completion, strict ids and integers, no server
paths in messages, bounded spec JSON."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook

from remote import RemoteClient
from remote.admission import FairQueue, job_bytes
from remote.errors import MemoryBudgetError, SettingsError
from remote.settings import Settings, ascii_int, container_memory
from remote.store import ResultStore, valid_id
from remote.testing import ServiceProcess

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "mcdesk" / "examples" / "capital_project.xlsx"
SPEC = json.loads((ROOT / "mcdesk" / "examples" / "capital_project.spec.json").read_text())
BUDGET = 2**30
TINY_SPEC = {"inputs": [{"cell": "S!A1", "distribution": "uniform",
                         "params": {"min": 0, "max": 1}}], "outputs": ["S!B1"]}


def _book(rows: int = 0, seed: float = 1.0) -> bytes:
    """S!A1 an input, S!B1 = A1*2, and ``rows`` rows of value and formula cells below."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append([seed, "=A1*2"])
    for r in range(2, rows + 2):
        ws.append([r * seed, f"=A{r}*2", f"=B{r}+A{r}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    env = {"MCDESK_MAX_UPLOAD_BYTES": 2 * 2**20, "MCDESK_MAX_JOBS_PER_TOKEN": 2,
           "MCDESK_QUEUE_SIZE": 8, "MCDESK_GPU_SLOTS": 1, "MCDESK_PARSE_SLOTS": 1,
           "MCDESK_PARSE_QUEUE": 1, "MCDESK_MEMORY_BUDGET": BUDGET,
           "MCDESK_MAX_CELLS": 50_000, "MCDESK_BATCH_TRIALS": 1 << 20}
    with ServiceProcess(tmp_path_factory.mktemp("abuse") / "results", env) as s:
        yield s


def _http(svc: ServiceProcess, who: str = "tester") -> httpx.Client:
    return httpx.Client(base_url=svc.url, timeout=120,
                        headers={"Authorization": f"Bearer {svc.token(who)}"})


def _post(http: httpx.Client, book: bytes, spec: dict | str, name: str = "model.xlsx",
          **fields: str) -> httpx.Response:
    text = spec if isinstance(spec, str) else json.dumps(spec)
    return http.post("/v1/jobs", files={"workbook": (name, book)},
                     data={"spec": text, **fields})


def _wait(http: httpx.Client, job: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = http.get(f"/v1/jobs/{job}", params={"wait": 2}).json()
        if st["state"] not in ("queued", "running"):
            return st
    raise AssertionError(f"job {job} did not finish: {st}")


# ----------------------------------------------------------------- units
def test_job_ids_and_integers_are_strict():
    good = "0123456789abcdef" * 2
    assert valid_id(good)
    for bad in (good + "\n", good + "\r", " " + good, good.upper(), good[:-1], "../" + good):
        assert not valid_id(bad), bad
    with pytest.raises(ValueError):
        ResultStore(Path("/tmp")).folder(good + "\n")
    assert ascii_int("12") == 12 and ascii_int("-3") == -3
    for bad in ("١٢", "１２", "1_2", "12.0", "", "+"):
        assert ascii_int(bad) is None, bad
    with pytest.raises(SettingsError, match="MCDESK_QUEUE_SIZE"):
        Settings.from_env({"MCDESK_JWT_KEY": "k" * 32, "MCDESK_QUEUE_SIZE": "١٢"})
    s = Settings.from_env({"MCDESK_JWT_KEY": "k" * 32, "MCDESK_MEMORY_BUDGET": "2e9"})
    assert s.memory_budget == 2 * 10**9 and s.parse_slots >= 1 and s.parse_queue >= 1


def test_container_memory_reads_cgroup_v2_and_v1(tmp_path):
    (tmp_path / "memory.max").write_text("1073741824\n")
    assert container_memory(tmp_path) == 2**30
    (tmp_path / "memory.max").write_text("max\n")
    assert container_memory(tmp_path) is None
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("536870912\n")
    assert container_memory(tmp_path) == 2**29


def test_fair_queue_serves_the_least_recently_served_owner_first():
    q = FairQueue()
    q.mark("flood")  # the flooding subject was served last
    for i in range(3):
        q.put("flood", f"f{i}")
    q.put("victim", "v0")
    q.put("other", "o0")
    q.put("victim", "v1")
    assert [q.pop() for _ in range(6)] == ["v0", "o0", "f0", "v1", "f1", "f2"]


def test_the_memory_estimate_counts_what_a_job_holds():
    # 10^8 trials, samples=all, 16 inputs and 7 outputs: the samples alone are 19 GB
    est = job_bytes(10**8, 16, 7, "all", 1 << 20, streamed=False)
    assert est > 2 * 10**8 * (8 * 16 + 9 * 7)
    assert job_bytes(10**8, 16, 7, "none", 1 << 20, streamed=True) < est / 10
    # a bounded run (no per-trial outputs kept: engine.exact_summary) holds the same at
    # 10^9 trials as at 10^8: the subsample, the exact passes' values and the chunk
    big = job_bytes(10**9, 16, 7, "none", 1 << 20, streamed=True)
    assert abs(big - job_bytes(10**8, 16, 7, "none", 1 << 20, streamed=True)) < 2**22
    assert big < 1.5 * 2**30


# ----------------------------------------------------------------- over HTTP
def test_integer_fields_take_ascii_digits_only(svc):
    with _http(svc) as http:
        for field, value in (("start", "١٢"), ("count", "１２"), ("start", "1_0")):
            r = _post(http, BOOK.read_bytes(), {**SPEC, "trials": 100}, **{field: value})
            assert r.status_code == 422, (field, value, r.text)
            assert f"{field} must be an integer written with the digits 0-9" in r.json()["detail"]


def test_error_details_never_show_server_paths(svc):
    results = str(svc.results_dir)
    with _http(svc) as http:
        for book in (b"PK\x03\x04 not really a zip", b"plain text", _book()[:300]):
            r = _post(http, book, TINY_SPEC, name="my budget.xlsx")
            assert r.status_code in (413, 422), r.text
            detail = r.json()["detail"]
            assert results not in detail and "book.xlsx" not in detail, detail
            assert str(Path(results).resolve()) not in detail and "/tmp" not in detail
        r = _post(http, _book(), {**TINY_SPEC, "outputs": ["S!Z99"]}, name="my budget.xlsx")
        assert results not in r.text


def test_a_spec_nested_100000_deep_is_422_not_500(svc):
    with _http(svc) as http:
        r = _post(http, _book(), "[" * 100_000 + "]" * 100_000)
        assert r.status_code == 422, r.text
        assert "nested 100,000 levels deep; at most 64" in r.json()["detail"]


def test_a_workbook_above_the_cell_limit_is_refused_naming_the_variable(svc):
    with _http(svc) as http:
        r = _post(http, _book(rows=20_000), TINY_SPEC)  # 60,002 cells, the limit 50,000
        assert r.status_code == 413, r.text
        assert "MCDESK_MAX_CELLS" in r.json()["detail"]


def test_a_cancel_in_the_last_chunk_wins(svc):
    # one chunk of 100,000 trials: the DELETE lands in the job's last (only) chunk
    with _http(svc) as http:
        r = _post(http, BOOK.read_bytes(), {**SPEC, "trials": 100_000})
        assert r.status_code == 202, r.text
        job = r.json()["id"]
        deadline = time.monotonic() + 60
        while http.get(f"/v1/jobs/{job}").json()["state"] == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert http.delete(f"/v1/jobs/{job}").status_code == 202
        st = _wait(http, job)
        assert st["state"] == "cancelled", st
        assert http.get(f"/v1/jobs/{job}/result").status_code in (404, 409)
        assert not (svc.results_dir / job / "result.json").exists()


def test_samples_of_every_trial_beyond_the_budget_are_refused(svc):
    with _http(svc) as http:
        r = _post(http, BOOK.read_bytes(), {**SPEC, "trials": 10**8}, samples="all")
        assert r.status_code == 413, r.text
        body = r.json()
        assert body["error"] == "memory_budget" and "MCDESK_MEMORY_BUDGET" in body["detail"]
        assert "split the run into jobs of at most" in body["detail"]
    with RemoteClient(svc.url, svc.token()) as c, pytest.raises(MemoryBudgetError,
                                                               match="MCDESK_MEMORY_BUDGET"):
        c.submit(BOOK.read_bytes(), {**SPEC, "trials": 10**8}, samples="all")


def test_a_job_beyond_the_budget_in_memory_streams_and_stays_under_it(svc):
    with _http(svc) as http:
        capacity = http.get("/v1/info").json()["limits"]["job_memory_bytes"]
        # just above what 1 input and 1 output kept in memory would fit: it must stream
        trials = int(capacity / job_bytes(1, 1, 1, "none", 1, streamed=False) * 1.1)
        r = _post(http, _book(), {**TINY_SPEC, "trials": trials})
        assert r.status_code == 202, r.text
        st = _wait(http, r.json()["id"], timeout=120)
        assert st["state"] == "done", st
        out = http.get(f"/v1/jobs/{st['id']}/result").json()["outputs"]["S!B1"]
        assert out["trials_ok"] == trials and out["mean"] == pytest.approx(1.0, abs=0.01)
    peak = svc.peak_rss_bytes()
    print(f"{trials:,} trials streamed; service peak RSS {peak / 2**20:.0f} MiB")
    assert peak < BUDGET


def _slow_books(n: int) -> list[bytes]:
    """``n`` different workbooks of 45,000 cells (about a second each to parse here)."""
    return [_book(rows=14_900, seed=1.0 + i) for i in range(n)]


def test_parsing_counts_against_the_subject_and_the_parse_queue(svc):
    books = _slow_books(7)
    results: dict[str, list[tuple[int, float]]] = {"mallory": [], "alice": [], "bob": []}
    lock = threading.Lock()

    def submit(who: str, book: bytes) -> None:
        with _http(svc, who) as http:
            t0 = time.perf_counter()
            r = _post(http, book, TINY_SPEC)
            with lock:
                results[who].append((r.status_code, time.perf_counter() - t0))
            if r.status_code == 202:
                _wait(http, r.json()["id"])

    # one subject floods: 4 concurrent submissions with a limit of 2 jobs
    threads = [threading.Thread(target=submit, args=("mallory", b)) for b in books[:4]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(c for c, _ in results["mallory"])
    assert codes.count(202) <= 2 and codes.count(429) >= 2, results
    accepted = min(dt for c, dt in results["mallory"] if c == 202)
    refused = max(dt for c, dt in results["mallory"] if c == 429)
    assert refused < accepted / 2, results  # refused before any parse, not after one

    # three subjects at once, one parse slot and one place in the parse queue: one is 503
    results["mallory"].clear()
    threads = [threading.Thread(target=submit, args=(who, b))
               for who, b in zip(("mallory", "alice", "bob"), books[4:], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(c for who in results for c, _ in results[who])
    assert codes.count(503) >= 1 and codes.count(202) >= 1, results
    metrics = httpx.get(f"{svc.url}/metrics").text
    assert 'mcdesk_jobs_rejected_total{reason="parse"}' in metrics


def test_an_unexpected_error_while_reading_is_a_clear_refusal(tmp_path, monkeypatch):
    from remote.errors import RemoteSpecError
    from remote.jobs import JobManager

    def boom(*args, **kw):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("remote.jobs.Model.open", boom)  # parsed here, not in a child
    mgr = JobManager(Settings(jwt_key="k" * 32, results_dir=tmp_path / "r", gpu_slots=1,
                              parse_processes=False))
    try:
        with pytest.raises(RemoteSpecError, match=r"^mine.xlsx: the workbook could not be read "
                                                  r"or compiled \(RecursionError\)"):
            mgr.submit("alice", _book(), {**TINY_SPEC, "trials": 10}, name="mine.xlsx")
        assert not list((tmp_path / "r").iterdir()) and not mgr.parsing
        assert mgr.ledger.used == 0 and mgr.gate.running == 0
    finally:
        mgr.stop()


def test_memory_ledger_makes_work_wait_for_its_share():
    from remote.admission import MemoryLedger

    ledger = MemoryLedger(100)
    got, release = threading.Event(), threading.Event()

    def second() -> None:
        with ledger.hold(50):
            got.set()
            release.wait(5)

    t = threading.Thread(target=second)
    with ledger.hold(70):
        t.start()
        assert not got.wait(0.3) and ledger.used == 70  # 70 + 50 > 100: the second waits
    assert got.wait(5) and ledger.used == 50 and ledger.peak == 70
    with ledger.hold(10, cancelled=lambda: True):  # 60 fits: held at once
        assert ledger.used == 60
    with ledger.hold(60, cancelled=lambda: True):  # would wait, but the job is cancelled
        assert ledger.used == 50
    release.set()
    t.join(5)
    assert ledger.used == 0 and not ledger.fits(101) and ledger.fits(100)


def test_a_parse_longer_than_the_ttl_keeps_its_folder(tmp_path, monkeypatch):
    """The sweeper deleted the folder of a submission still being parsed once it was older
    than MCDESK_RESULT_TTL_S + MCDESK_ORPHAN_TIMEOUT_S: the submission then failed with 500."""
    from engine.model import Model
    from remote.jobs import JobManager

    mgr = JobManager(Settings(jwt_key="k" * 32, results_dir=tmp_path / "r", gpu_slots=1,
                              parse_processes=False, result_ttl_s=0.01,
                              orphan_timeout_s=0.01))
    real_open = Model.open

    def slow_open(*args, **kw):
        time.sleep(0.1)
        mgr.sweep_disk()  # the sweeper's turn, mid-parse
        return real_open(*args, **kw)

    monkeypatch.setattr("remote.jobs.Model.open", slow_open)
    try:
        rec = mgr.submit("alice", _book(), {**TINY_SPEC, "trials": 10})
        assert (tmp_path / "r" / rec.id / "meta.json").is_file()
    finally:
        mgr.stop()
