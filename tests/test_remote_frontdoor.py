"""The service's front door (remote.frontdoor) over real HTTP (uvicorn in a child process):
job submissions decided from their headers before the body is read, refusals that close
the connection, uploads in flight counted against the subject's limit, refusals of a
subject that retries at once held back."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from remote.frontdoor import Tarpit
from remote.testing import ServiceProcess

HOLD_S = 1.0
BODY = 3 * 2**20  # declared; the tests send a part of it, or none


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    env = {"MCDESK_MAX_JOBS_PER_TOKEN": 2, "MCDESK_MAX_UPLOAD_BYTES": 8 * 2**20,
           "MCDESK_GPU_SLOTS": 1, "MCDESK_REFUSAL_HOLD_S": HOLD_S,
           "MCDESK_PARSE_PROCESSES": 0}
    with ServiceProcess(tmp_path_factory.mktemp("frontdoor") / "results", env) as s:
        yield s


def _open_upload(svc: ServiceProcess, token: str | None, length: int = BODY) -> socket.socket:
    """A submission whose headers are sent and whose body (``length`` bytes declared) is not."""
    sock = socket.create_connection(("127.0.0.1", svc.port), timeout=10)
    head = ["POST /v1/jobs HTTP/1.1", f"Host: 127.0.0.1:{svc.port}",
            "Content-Type: multipart/form-data; boundary=b0undary", f"Content-Length: {length}"]
    if token is not None:
        head.append(f"Authorization: Bearer {token}")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    return sock


def _answer(sock: socket.socket, timeout: float = 10.0) -> tuple[int, dict[str, str], float]:
    """(status, headers, seconds until the status line came) of the response on ``sock``."""
    sock.settimeout(timeout)
    t0 = time.perf_counter()
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    took = time.perf_counter() - t0
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return status, headers, took


def _uploads_seen(svc: ServiceProcess, n: int, timeout: float = 20.0) -> None:
    """Wait until the service counts ``n`` uploads in flight (their headers were read)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f"mcdesk_uploads_in_flight {n}\n" in httpx.get(f"{svc.url}/metrics").text:
            return
        time.sleep(0.05)
    raise AssertionError(f"the service never counted {n} uploads in flight")


def _closed(sock: socket.socket, timeout: float = 5.0) -> bool:
    """Whether the server closed the connection (EOF or reset) after its answer."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def test_uploads_in_flight_count_against_the_subject_and_a_refusal_reads_no_body(svc):
    token = svc.token("uploader")
    first = [_open_upload(svc, token) for _ in range(2)]  # the limit: 2, bodies not sent yet
    try:
        _uploads_seen(svc, 2)
        extra = _open_upload(svc, token)
        status, headers, took = _answer(extra)
        assert status == 429 and headers["retry-after"] == "2", headers
        assert headers["connection"] == "close" and took < 5
        assert headers["x-mcdesk-replica"]
        assert _closed(extra)  # the 3 MB declared are never read
        extra.close()
        # another subject is not held back by this one's uploads
        with httpx.Client(base_url=svc.url, timeout=30) as http:
            r = http.post("/v1/jobs", headers={"Authorization": f"Bearer {svc.token('other')}"},
                          files={"workbook": ("b.xlsx", b"not a zip")}, data={"spec": "{}"})
        assert r.status_code == 422, r.text
    finally:
        for s in first:
            s.close()
    # the uploads ended (the client went away): the subject has its room back
    _uploads_seen(svc, 0)
    with httpx.Client(base_url=svc.url, timeout=30) as http:
        r = http.post("/v1/jobs", headers={"Authorization": f"Bearer {token}"},
                      files={"workbook": ("b.xlsx", b"not a zip")}, data={"spec": "{}"})
    assert r.status_code == 422, r.text


def test_a_bad_token_is_refused_before_the_body_and_closes(svc):
    for token in (None, "not-a-token"):
        sock = _open_upload(svc, token)
        status, headers, _ = _answer(sock)
        assert status == 401 and headers["www-authenticate"] == "Bearer"
        assert headers["connection"] == "close" and _closed(sock)
        sock.close()


def test_an_upload_above_the_limit_by_its_length_closes_without_reading(svc):
    sock = _open_upload(svc, svc.token("big"), length=64 * 2**20)
    status, headers, _ = _answer(sock)
    assert status == 413 and headers["connection"] == "close" and _closed(sock)
    sock.close()


def test_a_subject_retrying_at_once_has_its_refusals_held_back(svc):
    token = svc.token("hammer")
    first = [_open_upload(svc, token) for _ in range(2)]
    try:
        _uploads_seen(svc, 2)
        took = []
        for _ in range(Tarpit().free + 1):  # the window (2 s) outlasts them all
            sock = _open_upload(svc, token)
            status, _, dt = _answer(sock)
            sock.close()
            assert status == 429
            took.append(dt)
        fast, slow = took[:Tarpit().free], took[Tarpit().free:]
        assert max(fast) < HOLD_S / 2 and min(slow) >= HOLD_S * 0.9, took
        metrics = httpx.get(f"{svc.url}/metrics").text
        assert "mcdesk_refusals_held_total 1\n" in metrics
        assert "mcdesk_uploads_in_flight 2\n" in metrics  # the two still sending
        # another subject's refusal is not held back by the hammer's
        others = [_open_upload(svc, svc.token("calm")) for _ in range(2)]
        sock = _open_upload(svc, svc.token("calm"))
        status, _, dt = _answer(sock)
        assert status == 429 and dt < HOLD_S / 2
        for s in [*others, sock]:
            s.close()
    finally:
        for s in first:
            s.close()


def test_tarpit_counts_refusals_per_subject_within_its_window():
    pit = Tarpit(free=3, window=2.0, hold=1.5, parked=1)
    assert [pit.delay("a", now=t) for t in (0.0, 0.1, 0.2)] == [0.0, 0.0, 0.0]
    assert pit.delay("a", now=0.3) == 1.5          # the 4th within 2 s
    assert pit.delay("b", now=0.3) == 0.0          # another subject has its own count
    assert pit.delay("a", now=5.0) == 0.0          # the window has passed
    pit._held["a"] = 1                             # one refusal of "a" parked already
    assert [pit.delay("a", now=5.0 + i / 10) for i in range(1, 4)] == [0.0, 0.0, 0.0]
    assert Tarpit(hold=0).delay("a") == 0.0 and all(
        Tarpit(free=0, hold=0).delay("a", now=float(i)) == 0.0 for i in range(3))
