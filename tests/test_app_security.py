"""A team instance (`mcdesk serve`, a real process) under attack: uploads posted to another
user's page, session fixation, password guessing and an oversized upload.  Raw HTTP from
this process, and real browser contexts (Debian's chromium through Playwright, never a
downloaded browser) for the pages that need a live websocket.

Every request comes from 127.0.0.1, which uvicorn trusts as a proxy: ``X-Forwarded-For``
gives each test its own client address, so the per-address throttle of one test does not
lock out the next."""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mcdesk.app.auth import hash_password
from mcdesk.app.security import SessionTable, Throttle
from remote.testing import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
BOOK = Path(__file__).parent / "data" / "workbooks" / "adithiya__Cashflow.xlsx"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
UPLOAD_URL = re.compile(r"/_nicegui/client/[0-9a-f-]+/upload/\d+")
PASSWORDS = {"alice": "alice-password", "bob": "bob-password"}
MB = 2**20


class Server:
    """``python -m mcdesk serve`` on 127.0.0.1 with users alice and bob; its log in a file."""

    def __init__(self, tmp: Path) -> None:
        users = tmp / "users.txt"
        users.write_text("".join(f"{n}:{hash_password(p)}\n" for n, p in PASSWORDS.items()))
        self.data = tmp / "data"
        self.log_path = tmp / "serve.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items()
               if k != "PYTEST_CURRENT_TEST" and not k.startswith("MCDESK_")}
        env.update(MCDESK_DATA_DIR=str(self.data), MCDESK_USERS_FILE=str(users),
                   MCDESK_STORAGE_SECRET="a test secret of enough length", MCDESK_MAX_UPLOAD_MB="10")
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mcdesk", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        if not wait_healthy(self.url, self.proc, 60, self.log):
            self.stop()
            raise RuntimeError(f"mcdesk serve did not start within 60 s: {self.log()[-2000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def peak_rss(self) -> int:
        """The server's peak resident memory (VmHWM) in bytes."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM in /proc")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("serve"))
    yield s
    s.stop()


def http(server: Server, address: str, cookies: dict[str, str] | None = None) -> httpx.Client:
    """A raw HTTP client that the server sees as coming from ``address``."""
    return httpx.Client(base_url=server.url, headers={"X-Forwarded-For": address},
                        cookies=cookies, follow_redirects=False, timeout=30)


def post_login(client: httpx.Client, name: str, password: str) -> httpx.Response:
    return client.post("/login", data={"username": name, "password": password})


def signed_in(server: Server, cookies: dict[str, str]) -> bool:
    """Whether these cookies open the workbook page (True) or are sent to the login (False)."""
    with http(server, "10.0.0.1", cookies) as c:
        r = c.get("/")
    assert r.status_code in (200, 303, 307), r.status_code
    return r.status_code == 200


# ---------------------------------------------------------------- the parts, without a server

def test_throttle_doubles_the_wait_up_to_its_cap() -> None:
    t = Throttle(free=5, first_s=1.0, max_s=900.0, forget_s=3600.0)
    for k in range(5):
        t.fail("user:alice", now=float(k))
        assert t.wait_s("user:alice", now=float(k)) == 0.0
    waits = []
    now = 10.0
    for _ in range(14):
        t.fail("user:alice", now)
        waits.append(t.wait_s("user:alice", now))
        now += waits[-1]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]
    assert t.wait_s("user:bob", now) == 0.0
    t.forgive("user:alice")
    assert t.wait_s("user:alice", now) == 0.0
    t.fail("address:a", 0.0)
    assert t.wait_s("address:a", 3600.5) == 0.0 and "address:a" not in t._keys  # forgotten


def test_session_table_keeps_digests_only(tmp_path) -> None:
    path = tmp_path / "data" / "sessions.json"
    table = SessionTable(path, max_age_s=60)
    sid = table.sign_in("alice")
    other = table.sign_in("alice")
    assert sid != other and table.user(sid) == table.user(other) == "alice"
    assert table.user(None) is None and table.user("forged") is None
    assert sid not in path.read_text() and stat.S_IMODE(path.stat().st_mode) == 0o600
    again = SessionTable(path, max_age_s=60)  # after a restart
    assert again.user(sid) == "alice"
    assert again.sign_out(sid) == "alice" and again.user(sid) is None
    assert SessionTable(path, max_age_s=60).user(sid) is None  # the sign-out was saved
    assert SessionTable(path, max_age_s=60).user(other) == "alice"
    assert SessionTable(path, max_age_s=-1).user(other) is None  # expired


# ---------------------------------------------------------------- password guessing (raw HTTP)

def test_password_guessing_backs_off_and_is_logged(server) -> None:
    address = "10.1.0.1"
    with http(server, address) as c:
        for _ in range(5):  # five free tries
            r = post_login(c, "alice", "guess-password")
            assert (r.status_code, r.headers["location"]) == (303, "/login?failed=1")
        r = post_login(c, "alice", "guess-password")  # the sixth is checked, then 1 s of back-off
        assert r.headers["location"] == "/login?failed=1"
        r = post_login(c, "alice", PASSWORDS["alice"])  # even the right password waits
        assert r.headers["location"] == "/login?wait=1"
        assert not signed_in(server, dict(c.cookies))
        time.sleep(1.05)
        r = post_login(c, "alice", "guess-password")  # checked, then 2 s of back-off
        assert r.headers["location"] == "/login?failed=1"
        assert post_login(c, "alice", "guess-password").headers["location"] == "/login?wait=2"
    with http(server, "10.1.0.2") as other:  # the back-off is per user, from any address
        assert post_login(other, "alice", PASSWORDS["alice"]).headers["location"] == "/login?wait=2"
        assert post_login(other, "bob", PASSWORDS["bob"]).headers["location"] == "/"
    time.sleep(2.05)
    with http(server, address) as c:
        r = post_login(c, "alice", PASSWORDS["alice"])
        assert r.headers["location"] == "/"
        assert signed_in(server, dict(r.cookies))
    log = server.log()
    assert re.search(r"sign-in failed.*'alice'.*10\.1\.0\.1", log)
    assert re.search(r"sign-in refused.*'alice'.*10\.1\.0\.1.*wait 1 s", log)
    assert re.search(r"signed in.*'alice'.*10\.1\.0\.1", log)
    assert re.search(r"signed in.*'bob'.*10\.1\.0\.2", log)
    assert "guess-password" not in log and PASSWORDS["alice"] not in log


def test_guessing_many_names_from_one_address_backs_off(server) -> None:
    with http(server, "10.2.0.1") as c:
        for k in range(20):  # user names that do not exist cost a hash too
            assert post_login(c, f"nobody{k}", "guess-password").headers["location"] == "/login?failed=1"
        assert post_login(c, "nobody20", "guess-password").headers["location"] == "/login?failed=1"
        assert post_login(c, "bob", PASSWORDS["bob"]).headers["location"] == "/login?wait=1"
    with http(server, "10.2.0.2") as c:  # another address is not held back
        assert post_login(c, "bob", PASSWORDS["bob"]).headers["location"] == "/"


def poll_healthz(server: Server, done: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        while not done.is_set():
            t = time.perf_counter()
            assert c.get("/healthz").status_code == 200
            latencies.append(time.perf_counter() - t)
            time.sleep(0.01)


def test_password_hashing_leaves_the_event_loop_free(server) -> None:
    """20 concurrent wrong sign-ins (each a scrypt hash) while /healthz is polled.  Its
    latency stays under 0.5 s above what it is without sign-ins (a few ms on a quiet
    machine; more where other work shares the cores).  Hashing inside the event loop made
    it wait for every queued hash (1 to 5 s here)."""
    idle: list[float] = []
    done = threading.Event()
    timer = threading.Timer(0.6, done.set)
    timer.start()
    poll_healthz(server, done, idle)
    latencies: list[float] = []
    done = threading.Event()

    def poll() -> None:
        poll_healthz(server, done, latencies)

    clients = [http(server, "10.3.0.1") for _ in range(20)]  # made before: SSL contexts cost CPU

    def guess(k: int) -> str:
        return post_login(clients[k], f"guess{k}", "guess-password").headers["location"]

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.1)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(guess, range(20)))
    elapsed = time.perf_counter() - t0
    done.set()
    poller.join()
    for c in clients:
        c.close()
    assert answers == ["/login?failed=1"] * 20  # all 20 were checked (no back-off yet)
    assert elapsed > 0.1  # 20 scrypt hashes really ran
    assert len(latencies) >= 5 and max(latencies) < 0.5 + max(idle), (max(latencies), max(idle),
                                                                      elapsed)


def test_login_from_another_site_is_refused(server) -> None:
    with http(server, "10.4.0.1") as c:
        r = c.post("/login", data={"username": "bob", "password": PASSWORDS["bob"]},
                   headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403
        assert not signed_in(server, dict(c.cookies))
        assert post_login(c, "bob", PASSWORDS["bob"]).headers["location"] == "/"  # same site
        assert signed_in(server, dict(c.cookies))


# ---------------------------------------------------------------- browser contexts

@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def two_users(server, browser) -> Iterator[dict]:
    """alice and bob signed in, each in their own browser context: {name: (context, page)}."""
    users = {}
    for name in ("alice", "bob"):
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, server, name)
        users[name] = (context, page)
    yield users
    for context, _ in users.values():
        context.close()


def sign_in(page, server: Server, name: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(name, exact=True).wait_for()  # the header names the signed-in user


def session_cookies(context) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies()}


def open_page_upload_url(page, server: Server) -> str:
    """Reload the workbook page; the upload route of its drop zone (from the page's HTML)."""
    response = page.goto(server.url + "/")
    page.locator('input[type="file"]').wait_for(state="attached")
    page.locator(".q-header").get_by_text("workbook open").or_(
        page.locator(".q-header").get_by_text(".xlsx")).first.wait_for()
    match = UPLOAD_URL.search(response.text())
    assert match, "the page declares its upload route"
    return match.group(0)


def multipart(name: str, data: bytes) -> dict:
    ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return {"files": {"file": (name, data, ctype)}}


@pytest.mark.browser
def test_upload_is_bound_to_the_page_owners_session(server, two_users) -> None:
    (alice, pa), (bob, _) = two_users["alice"], two_users["bob"]
    route = open_page_upload_url(pa, server)
    folder = server.data / "users" / "alice"
    before = sorted(p.name for p in folder.iterdir())
    open_book = pa.locator(".q-header").inner_text()
    for who, cookies in (("nobody", {}), ("bob", session_cookies(bob))):
        with http(server, "10.5.0.1", cookies) as c:
            r = c.post(route, **multipart(f"from-{who}.xlsx", BOOK.read_bytes()))
        assert r.status_code == 403, (who, r.status_code, r.text)
    time.sleep(0.5)
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing stored
    assert pa.locator(".q-header").inner_text() == open_book  # the open workbook is unchanged
    route = open_page_upload_url(pa, server)  # and still so in a new page
    assert pa.locator(".q-header").inner_text() == open_book
    assert not (server.data / "users" / "bob" / "from-bob.xlsx").exists()
    # the owner's own session may upload to the same route
    with http(server, "10.5.0.1", session_cookies(alice)) as c:
        r = c.post(route, **multipart("from-alice.xlsx", BOOK.read_bytes()))
    assert r.status_code == 200, r.text
    pa.get_by_text("from-alice.xlsx").first.wait_for()
    assert (folder / "from-alice.xlsx").is_file()


@pytest.mark.browser
def test_session_is_renewed_at_login_and_logout(server, browser) -> None:
    with http(server, "10.6.0.1") as c:  # the attacker's pre-login cookie, planted in the browser
        r = c.get("/login")
        planted = dict(r.cookies)
    assert "session" in planted
    context = browser.new_context()
    try:
        context.add_cookies([{"name": "session", "value": planted["session"],
                              "url": server.url}])
        page = context.new_page()
        sign_in(page, server, "alice")
        after_login = session_cookies(context)
        assert after_login["session"] != planted["session"]
        assert signed_in(server, after_login)
        assert not signed_in(server, planted)  # the planted cookie is not signed in
        second = context.new_page()  # another tab of the same session
        second.goto(server.url + "/")
        second.get_by_text("alice", exact=True).wait_for()
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Sign in").wait_for()
        second.get_by_role("button", name="Sign in").wait_for()  # sent to the login as well
        after_logout = session_cookies(context)
        assert after_logout["session"] != after_login["session"]
        assert not signed_in(server, after_login)  # logout ends the session on the server
        assert not signed_in(server, after_logout)
    finally:
        context.close()


def button_click(html: str, label: str) -> tuple[int, str]:
    """The element id and click listener id of the page's button ``label``."""
    match = re.search(r'"(\d+)":\{"tag":"q-btn","props":\{[^{}]*"label":"' + re.escape(label)
                      + r'"[^{}]*\},"events":\[\{"listener_id":"([0-9a-f-]+)","type":"click"', html)
    assert match, f"no button {label!r} in the page"
    return int(match.group(1)), match.group(2)


def socket_click(server: Server, cookies: dict[str, str], client_id: str, button: tuple[int, str],
                 *, handshake: bool = False) -> bool:
    """Open a socket.io connection of our own with ``cookies`` and send the page a click on
    ``button``.  False when the connection itself is refused."""
    import asyncio

    import socketio

    async def go() -> bool:
        sio = socketio.AsyncClient()
        query = f"?client_id={client_id}&tab_id=t&document_id=d&implicit_handshake=true" if handshake else ""
        try:
            await sio.connect(server.url + query, socketio_path="/_nicegui_ws/socket.io",
                              transports=["websocket"],
                              headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
        except socketio.exceptions.ConnectionError:
            return False
        await sio.emit("event", {"client_id": client_id, "id": button[0], "listener_id": button[1],
                                 "args": []})
        await asyncio.sleep(0.2)
        await sio.disconnect()
        return True

    with ThreadPoolExecutor(1) as pool:  # away from Playwright's own loop
        return pool.submit(asyncio.run, go()).result()


@pytest.mark.browser
def test_page_events_are_bound_to_the_page_owners_session(server, two_users) -> None:
    """Another user's socket (or one without a cookie) cannot click buttons on alice's page."""
    (alice, pa), (bob, _) = two_users["alice"], two_users["bob"]
    response = pa.goto(server.url + "/")
    pa.locator('input[type="file"]').wait_for(state="attached")
    html = response.text()
    client_id = re.search(r"'client_id': '([0-9a-f-]+)'", html).group(1)
    add_input = button_click(html, "Add input")  # with no cell chosen it says so
    warning = pa.get_by_text("Select a cell first")
    for cookies in ({}, session_cookies(bob)):
        assert socket_click(server, cookies, client_id, add_input)
        assert not socket_click(server, cookies, client_id, add_input, handshake=True)
    pa.wait_for_timeout(500)
    assert warning.count() == 0
    assert socket_click(server, session_cookies(alice), client_id, add_input)  # her own
    warning.first.wait_for()


def stream_upload(server: Server, route: str, cookies: dict[str, str], total: int, *,
                  declare_length: bool) -> tuple[int, int, float]:
    """POST a ``total``-byte multipart body over a raw socket, chunk by chunk, until the
    server answers.  Returns (status, bytes sent, seconds)."""
    boundary = "mcdesk-test-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    framing = (f"Content-Length: {len(head) + total + len(tail)}" if declare_length
               else "Transfer-Encoding: chunked")
    request = (f"POST {route} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nCookie: {cookie}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\n{framing}\r\n\r\n")
    block = b"\0" * MB
    sent = 0
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        def send(data: bytes) -> None:
            s.sendall(data if declare_length else b"%x\r\n%s\r\n" % (len(data), data))

        try:
            s.sendall(request.encode())
            send(head)
            while sent < total and not select.select([s], [], [], 0)[0]:
                send(block)
                sent += len(block)
            if sent >= total:
                send(tail)
                if not declare_length:
                    s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: its answer is waiting
        answer = b""
        try:
            while b"\r\n" not in answer and (chunk := s.recv(4096)):
                answer += chunk
        except ConnectionResetError:
            pass
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
    return status, sent, time.perf_counter() - t0


@pytest.mark.browser
def test_oversized_upload_is_refused_while_it_streams_in(server, two_users) -> None:
    context, page = two_users["alice"]
    route = open_page_upload_url(page, server)
    cookies = session_cookies(context)
    rss = server.peak_rss()
    status, sent, seconds = stream_upload(server, route, cookies, 200 * MB, declare_length=False)
    assert status == 413, (status, sent)
    assert sent < 40 * MB and seconds < 5, (sent, seconds)  # refused soon after 10 MB
    status, sent, seconds = stream_upload(server, route, cookies, 200 * MB, declare_length=True)
    assert status == 413 and sent < 40 * MB, (status, sent)  # refused on its Content-Length
    assert server.peak_rss() - rss < 50 * MB  # the body was never held in memory
    assert page.get_by_text("big.xlsx").count() == 0
    assert not any(p.name.endswith("big.xlsx") for p in (server.data / "users" / "alice").iterdir())
