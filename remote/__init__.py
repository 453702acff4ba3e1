"""mcdesk's remote GPU service (``remote.service``) and its client backend.

Client side (no FastAPI needed)::

    from remote import RemoteBackend
    result = engine.simulate(model, spec, backend=RemoteBackend(url, token, shards=4))

or :func:`simulate_remote` (what the app's "Remote GPU" option calls).  The service:
``mcdesk-service`` / ``python -m remote``; ``remote.service.create_app(settings)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .client import RemoteBackend, RemoteClient
from .errors import (
    AuthError,
    BusyError,
    JobFailedError,
    JobNotFoundError,
    RemoteError,
    RemoteSpecError,
    ServiceUnavailableError,
    SettingsError,
    UploadTooLargeError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.model import Model
    from engine.results import SimulationResult
    from engine.spec import SimulationSpec

__all__ = [
    "AuthError",
    "BusyError",
    "JobFailedError",
    "JobNotFoundError",
    "RemoteBackend",
    "RemoteClient",
    "RemoteError",
    "RemoteSpecError",
    "ServiceUnavailableError",
    "SettingsError",
    "UploadTooLargeError",
    "simulate_remote",
]


def simulate_remote(model: Model, spec: SimulationSpec, *, url: str | None = None,
                    token: str | None = None, shards: int | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    cancel: Callable[[], bool] | None = None,
                    **client_options: Any) -> SimulationResult:
    """Run ``spec`` on ``model`` on the service at ``url`` (default MCDESK_REMOTE_URL) with
    ``token`` (default MCDESK_REMOTE_TOKEN): the same SimulationResult as a local run with the
    same seed.  ``progress(done, total)`` follows the remote jobs; ``cancel()`` true cancels
    them (CancelledError).  The model must come from a file (``Model.open``)."""
    from engine.simulate import simulate

    backend = RemoteBackend(url, token, shards=shards, progress=progress, cancel=cancel,
                            **client_options)
    try:
        return simulate(model, spec, backend=backend, cancel=cancel)
    finally:
        backend.close()
