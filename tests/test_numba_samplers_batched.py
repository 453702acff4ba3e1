"""The verification of in-kernel samplers batched: one numba call a verification.

``_samplers.verified`` maps ~710 test uniforms through the runtime ppf of each candidate; it
called the numba function once a uniform from Python (AMD's 20,581 triangular inputs: 14.6
million calls, 82 s of the slice's kernel generation).  For a job of ``BATCH_INPUTS`` inputs
or more it calls one jitted loop over the uniforms (``_rt_batched``): the same compiled
function, so the same numbers bit for bit, and the same checks on them.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from engine.backends.numba import _samplers  # noqa: E402
from tests.test_distribution_library import ADJUSTED, TABLE, _dist, make_distribution  # noqa: E402


def _mapped(s, u, batched: bool):
    token = _samplers._batching.set(batched)
    try:
        return _samplers._runtime_ppf(s, u)
    finally:
        _samplers._batching.reset(token)


def _verified(d, s, batched: bool) -> bool:
    token = _samplers._batching.set(batched)
    try:
        return _samplers.verified(d, s)
    finally:
        _samplers._batching.reset(token)


def _same_for(dists) -> set:
    """Every candidate of ``dists`` maps the test uniforms batched as one call a uniform
    does, bit for bit, and is verified (or not) the same: the ppfs seen."""
    from engine.backends.numba._rt_batched import BATCHED

    u = _samplers.test_uniforms()
    seen = set()
    for d in dists:
        for s in _samplers.candidates(d):
            np.testing.assert_array_equal(_mapped(s, u, True), _mapped(s, u, False),
                                          err_msg=f"{d!r} {s.ppf}")
            assert _verified(d, s, True) == _verified(d, s, False)
            seen.add(s.ppf)
    assert seen <= set(BATCHED)
    return seen


def test_batched_triangular_equals_calls_one_by_one():
    dists = [make_distribution("triangular", {"min": -i, "mode": 0.5 * i, "max": 2.0 + i},
                               where="A1") for i in range(3)]
    assert _same_for(dists) == {"ppf_triangular"}


def test_a_job_of_many_inputs_verifies_batched(monkeypatch):
    """samplers_for batches from BATCH_INPUTS inputs (here 2) and finds the same samplers."""
    from engine.spec import InputSpec
    from tests.kernel_checks import sheet_job

    calls = []
    real = _samplers._runtime_ppf

    def spy(s, u):
        calls.append(_samplers._batching.get())
        return real(s, u)

    monkeypatch.setattr(_samplers, "_runtime_ppf", spy)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        job = sheet_job(Path(d) / "b.xlsx", {"A1": 1.0, "A2": 2.0, "B1": "=A1+A2"},
                        [InputSpec("S!A1", "triangular", {"min": 0, "mode": 1, "max": 2}),
                         InputSpec("S!A2", "uniform", {"min": 1, "max": 3})], ["B1"], 10)
    monkeypatch.setattr(_samplers, "BATCH_INPUTS", 2)
    batched = _samplers.samplers_for(job)
    assert calls and all(calls)
    monkeypatch.setattr(_samplers, "BATCH_INPUTS", 3)
    calls.clear()
    assert _samplers.samplers_for(job) == batched
    assert calls and not any(calls)
    assert {s.ppf for s in batched[0].values()} == {"ppf_triangular", "ppf_uniform"}


@pytest.mark.slow
def test_batched_ppf_equals_calls_one_by_one_for_every_kind():
    dists = [make_distribution(kind, params, where="A1") for kind, params, _ in TABLE]
    _same_for(dists + [_dist(t) for t in ADJUSTED])
