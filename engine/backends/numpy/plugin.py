"""Registers the numpy backend (the readable reference; always available)."""

from ..registry import register_backend

register_backend("numpy", "engine.backends.numpy:NumpyBackend", order=0)
