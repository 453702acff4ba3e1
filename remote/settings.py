"""The service's settings, read from the environment and checked once at start.

=============================  ==========================  =================================
variable                        default                     meaning
=============================  ==========================  =================================
MCDESK_JWT_KEY                  (required, >= 32 chars)     HS256 key that signs bearer tokens
MCDESK_SERVICE_HOST             127.0.0.1                   address to listen on
MCDESK_SERVICE_PORT             8000                        port to listen on
MCDESK_MAX_UPLOAD_BYTES         10485760                    request bodies above: 413
MCDESK_MAX_TRIALS               1000000000                  trials one job may run
MCDESK_MAX_JOBS_PER_TOKEN       4                           queued + running jobs per subject
MCDESK_QUEUE_SIZE               16                          jobs waiting for a slot; full: 503
MCDESK_RESULTS_DIR              <user data>/mcdesk/results  results kept until fetched/expired
MCDESK_RESULT_TTL_S             86400                       seconds a result is kept
MCDESK_BACKEND                  auto                        engine backend the jobs run on
MCDESK_GPU_SLOTS                (from free VRAM / CPUs)     jobs that run at once
MCDESK_BATCH_TRIALS             (the backend's)             trials per chunk of a job
MCDESK_ORPHAN_TIMEOUT_S         600                         unpolled queued/running job: cancel
MCDESK_METRICS_AUTH             0                           1: /metrics needs a bearer token
=============================  ==========================  =================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import SettingsError

MIN_KEY_CHARS = 32


def default_results_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("mcdesk")) / "results"


@dataclass(frozen=True)
class Settings:
    jwt_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = 10 * 2**20
    max_trials: int = 1_000_000_000
    max_jobs_per_token: int = 4
    queue_size: int = 16
    results_dir: Path = Path("results")
    result_ttl_s: float = 86_400.0
    backend: str = "auto"
    gpu_slots: int | None = None
    batch_trials: int | None = None
    orphan_timeout_s: float = 600.0
    metrics_auth: bool = False

    def __post_init__(self) -> None:
        if not self.jwt_key or len(self.jwt_key) < MIN_KEY_CHARS:
            raise SettingsError(
                "MCDESK_JWT_KEY must be set to a secret of at least 32 characters (it signs "
                "the bearer tokens); for example: export MCDESK_JWT_KEY=$(python -c "
                "'import secrets; print(secrets.token_urlsafe(48))')")
        for name in ("max_upload_bytes", "max_trials", "max_jobs_per_token", "queue_size"):
            if getattr(self, name) < 1:
                raise SettingsError(f"MCDESK_{name.upper()} must be at least 1")
        if self.gpu_slots is not None and self.gpu_slots < 1:
            raise SettingsError("MCDESK_GPU_SLOTS must be at least 1")
        if self.batch_trials is not None and self.batch_trials < 1:
            raise SettingsError("MCDESK_BATCH_TRIALS must be at least 1")
        if self.result_ttl_s <= 0 or self.orphan_timeout_s <= 0:
            raise SettingsError("MCDESK_RESULT_TTL_S and MCDESK_ORPHAN_TIMEOUT_S must be positive")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``env`` (``os.environ`` by default); SettingsError names the variable."""
        env = os.environ if env is None else env

        def get(name: str, default: str | None = None) -> str | None:
            value = env.get(f"MCDESK_{name}")
            return default if value is None or value.strip() == "" else value.strip()

        def real(name: str, default: float) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                return float(raw)
            except ValueError:
                raise SettingsError(f"MCDESK_{name}={raw!r} is not a number") from None

        def integer(name: str, default: int | None) -> int | None:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = float(raw)  # 1e9 is fine
            except ValueError:
                raise SettingsError(f"MCDESK_{name}={raw!r} is not a number") from None
            if not value.is_integer():
                raise SettingsError(f"MCDESK_{name}={raw!r} is not a whole number")
            return int(value)

        def required(name: str, default: int) -> int:
            value = integer(name, default)
            return default if value is None else value

        results = get("RESULTS_DIR")
        return cls(
            jwt_key=env.get("MCDESK_JWT_KEY", ""),
            host=get("SERVICE_HOST", "127.0.0.1") or "127.0.0.1",
            port=required("SERVICE_PORT", 8000),
            max_upload_bytes=required("MAX_UPLOAD_BYTES", 10 * 2**20),
            max_trials=required("MAX_TRIALS", 1_000_000_000),
            max_jobs_per_token=required("MAX_JOBS_PER_TOKEN", 4),
            queue_size=required("QUEUE_SIZE", 16),
            results_dir=Path(results) if results else default_results_dir(),
            result_ttl_s=real("RESULT_TTL_S", 86_400.0),
            backend=(get("BACKEND", "auto") or "auto").lower(),
            gpu_slots=integer("GPU_SLOTS", None),
            batch_trials=integer("BATCH_TRIALS", None),
            orphan_timeout_s=real("ORPHAN_TIMEOUT_S", 600.0),
            metrics_auth=(get("METRICS_AUTH", "0") or "0").lower() in ("1", "true", "yes"),
        )
