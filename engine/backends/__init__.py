"""Execution backends: one interface, several engines behind it.

A backend runs a :class:`~engine.backends.base.Job` (the compiled stochastic slice, the
input distributions, seed and sampling) for one contiguous range of trials and returns the
outputs and input samples of that range.  Because random streams are keyed by
(seed, stream, trial), any split of the trials into chunks — or machines — gives the same
numbers.

``numpy`` is the readable reference; ``numba`` and ``cupy`` (fast) and ``remote`` (an HTTP
service) plug in behind the same interface.
"""

from __future__ import annotations

from .base import Backend, ChunkResult, Job, MockBackend, RunArrays, available_backends, get_backend

__all__ = ["Backend", "ChunkResult", "Job", "MockBackend", "RunArrays", "get_backend",
           "available_backends"]
