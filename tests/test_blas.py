"""mcdesk.blas: the mcdesk command runs numpy's OpenBLAS on one thread."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from mcdesk.blas import openblas_libraries

PROBE = """
import ctypes, numpy
from mcdesk.blas import openblas_libraries, single_threaded_blas
changed = single_threaded_blas()
lib = ctypes.CDLL(openblas_libraries()[0])
get = next(getattr(lib, n) for n in ("scipy_openblas_get_num_threads64_",
           "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
           "openblas_get_num_threads") if hasattr(lib, n))
print(len(changed), get())
"""


def _probe(**env: str) -> list[int]:
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         env={**clean, **env}, timeout=120, check=True).stdout
    return [int(x) for x in out.split()]


@pytest.mark.skipif(not openblas_libraries(), reason="numpy is not linked to OpenBLAS here")
def test_one_blas_thread_unless_the_user_says_otherwise():
    changed, threads = _probe()
    assert changed >= 1 and threads == 1  # numpy's OpenBLAS (and scipy's, when loaded)
    assert _probe(OPENBLAS_NUM_THREADS="2") == [0, 2]


def test_the_run_commands_ask_for_it(monkeypatch, make_book, capsys):
    from mcdesk import cli

    calls = []
    blas = importlib.import_module("mcdesk.blas")  # by object: see tests/test_cli.py::_cli_module
    monkeypatch.setattr(blas, "single_threaded_blas", lambda: calls.append(1) or [])
    book = make_book({"Sheet1!A1": 1.0, "Sheet1!B1": "=A1*2"})
    assert cli.main(["simulate", str(book), "--input", "Sheet1!A1=uniform(0,1)",
                     "--output", "Sheet1!B1", "--trials", "100", "--quiet"]) == 0
    assert cli.main(["check", str(book)]) == 0
    assert calls == [1]  # simulate, not check
