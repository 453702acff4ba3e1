"""The runtime hash that keys numba's on-disk kernels covers every runtime module: a kernel
cached with an older ``_rt_long_criteria`` or ``_dtext_fmt_rt`` (neither was hashed before)
is not reused after they change."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("numba")

from engine.backends.numba import _codegen  # noqa: E402

# runtime_version is cached per process: the tests call the function beneath the cache


@pytest.mark.parametrize("name", ["_rt_long_criteria.py", "_dtext_fmt_rt.py", "_rt.py",
                                  "_dcriteria_rt.py", "_beta.py"])
def test_a_changed_runtime_module_changes_the_hash(name, monkeypatch):
    before = _codegen.runtime_version.__wrapped__()
    read = Path.read_bytes

    def edited(path: Path) -> bytes:
        text = read(path)
        return text + b"\n# edited\n" if path.name == name else text

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert _codegen.runtime_version.__wrapped__() != before


def test_the_generator_itself_does_not_count(monkeypatch):
    before = _codegen.runtime_version.__wrapped__()
    read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: read(p) + (
        b"\n# edited\n" if p.name in ("_codegen.py", "_text.py") else b""))
    assert _codegen.runtime_version.__wrapped__() == before
