"""A real service in a child process on a loopback port, for tests and the load script:
start, wait until healthy, SIGKILL, restart on the same port and results folder."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from .auth import issue_token

ROOT = Path(__file__).resolve().parent.parent  # the checkout holding engine/ and remote/


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float,
                 log: Callable[[], str] = lambda: "") -> bool:
    """Wait until ``url/healthz`` answers 200 (True), or ``timeout`` seconds pass (False).
    RuntimeError with the end of ``log()`` if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}: {log()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


class ServiceProcess:
    """``python -m remote`` with ``env`` (MCDESK_* settings) on 127.0.0.1."""

    def __init__(self, results_dir: Path, env: dict[str, Any] | None = None,
                 port: int | None = None, log_path: Path | None = None) -> None:
        self.key = secrets.token_urlsafe(48)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.results_dir = Path(results_dir)
        self.log_path = log_path or self.results_dir.parent / f"service-{self.port}.log"
        self.env = {**os.environ, "MCDESK_JWT_KEY": self.key,
                    "MCDESK_SERVICE_HOST": "127.0.0.1", "MCDESK_SERVICE_PORT": str(self.port),
                    "MCDESK_RESULTS_DIR": str(self.results_dir), "MCDESK_BACKEND": "numpy",
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                               os.environ.get("PYTHONPATH")])),
                    **{k: str(v) for k, v in (env or {}).items()}}
        self.proc: subprocess.Popen | None = None

    def token(self, subject: str = "tester", days: float = 1.0) -> str:
        return issue_token(self.key, subject, days)

    def start(self, timeout: float = 90.0) -> ServiceProcess:
        self.results_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen([sys.executable, "-m", "remote"], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if wait_healthy(self.url, self.proc, timeout, self.log_path.read_text):
            return self
        self.stop()
        raise RuntimeError(f"the service did not answer on {self.url} in {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no clean-up, like a node or OOM kill."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def peak_rss_bytes(self) -> int | None:
        """The service's peak resident memory (VmHWM), while it runs (Linux)."""
        if self.proc is None:
            return None
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
