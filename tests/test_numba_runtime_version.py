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


def test_cached_runtime_functions_are_keyed_by_the_runtime_version(monkeypatch):
    """numba keys a cached function by its own file only: _rt_annuity's functions, which call
    _rt's, were loaded with the old callee after _rt changed.  The package's functions now
    find a locator whose stamp holds the runtime version; a function elsewhere does not."""
    import numba
    from numba.core import caching

    from engine.backends.numba import _cache_stamp, _rt_annuity

    disp = next(v for v in vars(_rt_annuity).values()
                if isinstance(v, numba.core.registry.CPUDispatcher) and v._cache._enabled)
    locator = disp._cache._impl._locator
    assert isinstance(locator, _cache_stamp.LOCATORS)
    stamp = locator.get_source_stamp()
    assert stamp[1] == _codegen.runtime_version()
    monkeypatch.setattr(_cache_stamp, "runtime_version", lambda: "another version")
    assert locator.get_source_stamp() != stamp          # numba then treats the cache as stale
    assert _cache_stamp.LOCATORS[0].from_function(test_the_generator_itself_does_not_count,
                                                  __file__) is None
    assert caching.CacheImpl._locator_classes[:3] == list(_cache_stamp.LOCATORS)
