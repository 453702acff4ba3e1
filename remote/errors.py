"""Exceptions of the remote service and its client.

One tree, under the engine's :class:`~engine.errors.McdeskError` so the CLI and the app show
them like any engine error (one line a user can act on)::

    McdeskError
     └── RemoteError                  anything about the remote service
          ├── SettingsError           the service's environment is invalid (refuses to start)
          ├── ServiceUnavailableError the service cannot be reached (after retries), or says 503
          ├── AuthError               401/403: no token, a bad or expired token
          ├── UploadTooLargeError     413: the request is above the service's upload limit
          │    └── MemoryBudgetError  413: the job would hold more than the replica's memory
          ├── BusyError               429: too many jobs for this token, or the queue is full
          ├── JobNotFoundError        404: no such job (expired, fetched, or on another replica)
          ├── JobFailedError          the job ran and failed (the service's message)
          └── RemoteSpecError         422: the service refused the workbook or the spec

The client maps httpx's exceptions and HTTP statuses into this tree at its boundary
(``raise ... from exc``); the service maps the engine's errors to statuses in ``service.py``.
"""

from __future__ import annotations

from engine.errors import McdeskError


class RemoteError(McdeskError):
    """Base class of the remote service's and client's errors."""


class SettingsError(RemoteError):
    """An environment variable of the service is missing or invalid."""


class ServiceUnavailableError(RemoteError):
    """The service cannot be reached, or answers 503, after the client's retries."""


class AuthError(RemoteError):
    """The service refused the bearer token (401/403)."""


class UploadTooLargeError(RemoteError):
    """The request body is above the service's upload limit (413)."""


class MemoryBudgetError(UploadTooLargeError):
    """The job would hold more memory than the replica's budget (MCDESK_MEMORY_BUDGET)."""


class BusyError(RemoteError):
    """Too many jobs for this token (429), or the service's queue is full."""

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JobNotFoundError(RemoteError):
    """The service does not know the job (expired, deleted, or accepted by another replica)."""


class JobFailedError(RemoteError):
    """The job ran on the service and failed; ``retryable`` when it was interrupted."""

    def __init__(self, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class RemoteSpecError(RemoteError):
    """The service refused the workbook or the spec (422): the engine's message."""
