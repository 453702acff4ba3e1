"""One child process per measurement, for the bench scripts (``bench_load``, ``bench_check_scale``).

The parent runs ``python SCRIPT --child MODE PATH`` (:func:`measure`); the child starts a
:class:`Stopwatch` after its imports and ends by printing :meth:`Stopwatch.report`: one JSON line
with wall seconds (``s``), peak RSS in MB (``rss_mb``) and whatever the mode counted; the
parent adds ``cpu_s``, the CPU seconds of the whole child (imports included) from
``RUSAGE_CHILDREN``: on a shared, loaded machine the steadier number, and measured the same
way for a child of an older revision whose script does not report it.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class Stopwatch:
    """Wall and CPU time since creation, and the process's peak RSS."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def report(self, info: dict[str, Any]) -> None:
        """Print ``info`` with ``s``, ``cpu_s`` and ``rss_mb`` as the child's last line."""
        out = dict(info)
        out["s"] = time.perf_counter() - self.t0
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(out), flush=True)


def measure(script: str | Path, mode: str, path: Path, timeout: float,
            cwd: Path = ROOT) -> dict[str, Any]:
    """Run ``script --child mode path`` (in ``cwd``) and return the JSON it printed last; on a
    timeout or a failure ``{"s": None, "note": why}``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run([sys.executable, str(script), "--child", mode, str(path)],
                             capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return {"s": None, "note": f">{timeout:.0f} s"}
    if out.returncode != 0:
        return {"s": None, "note": (out.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    got["cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return got
