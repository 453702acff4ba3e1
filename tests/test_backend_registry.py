"""Backends as packages: each registers itself by name; the engine imports nothing from remote."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from engine.backends import available_backends, get_backend, registry
from engine.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]


def test_each_backend_package_registers_itself() -> None:
    names = {e.name: e for e in registry.entries()}
    for name, target in (("numpy", "engine.backends.numpy:NumpyBackend"),
                         ("numba", "engine.backends.numba:NumbaBackend"),
                         ("cupy", "engine.backends.cupy:CupyBackend"),
                         ("dask", "engine.backends.dask:DaskBackend")):
        assert names[name].target == target
        assert (ROOT / "engine/backends" / name / "plugin.py").is_file()
    # the offered list: numpy first, no backend that needs options (dask, remote)
    offered = available_backends()
    assert offered[0] == "numpy" and "dask" not in offered and "remote" not in offered


def test_remote_registers_through_its_entry_point() -> None:
    got = registry.entry("remote")
    assert got is not None and got.target == "remote.client:RemoteBackend"
    backend = get_backend("remote", url="http://127.0.0.1:9", token="t")
    assert type(backend).__name__ == "RemoteBackend"


def test_a_new_backend_is_one_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._entries, "echo", registry.BackendEntry(
        "echo", "engine.backends.base:MockBackend", lambda: True, listed=True, order=99))
    backend = get_backend("echo", value=3.0)
    assert type(backend).__name__ == "MockBackend" and backend.value == 3.0
    assert available_backends()[-1] == "echo"
    monkeypatch.setitem(registry._entries, "gone", registry.BackendEntry(
        "gone", "engine.backends.base:MockBackend", lambda: False))
    with pytest.raises(SpecError, match="unknown or unavailable backend 'gone'"):
        get_backend("gone")


def test_engine_imports_nothing_from_remote() -> None:
    for path in (ROOT / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0
                     else [])
            assert not any(n == "remote" or n.startswith("remote.") for n in names), path
    code = ("import sys; from engine.backends import get_backend; get_backend('numpy'); "
            "get_backend('auto'); print('remote' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
