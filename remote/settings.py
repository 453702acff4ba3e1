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
MCDESK_MEMORY_BUDGET            75% of the container limit  bytes this replica may hold: jobs
                                (cgroup memory.max) or RAM  above it are refused or streamed
MCDESK_PARSE_SLOTS              CPUs / 2 (at least 1)       workbooks parsed at once
MCDESK_PARSE_QUEUE              4 x MCDESK_PARSE_SLOTS      submissions waiting to be parsed
MCDESK_PARSE_PROCESSES          1                           0: parse in the service process
MCDESK_MAX_CELLS                1000000                     cells a workbook may hold
MCDESK_MAX_UNCOMPRESSED_BYTES   268435456                   bytes a workbook may unzip to
MCDESK_DASK_SCHEDULER           (none)                      Dask scheduler for large jobs
MCDESK_DASK_LOCAL               0                           1: an embedded Dask LocalCluster
MCDESK_DASK_WORKERS             2                           its worker processes
MCDESK_DASK_MIN_TRIALS          50000000                    jobs this large run on Dask
=============================  ==========================  =================================

Numbers are ASCII digits (``1e9`` and ``1_000`` too); anything else is refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import SettingsError

MIN_KEY_CHARS = 32
_NUMBER = re.compile(r"[+-]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?",
                     re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def ascii_number(text: str) -> float | None:
    """``text`` as a float when it is written with ASCII digits only (Python's float() also
    takes other scripts' digits, full-width ones, 'inf' and 'nan'); else None."""
    t = text.strip()
    return float(t) if _NUMBER.fullmatch(t) and "__" not in t else None


def ascii_int(text: str) -> int | None:
    """``text`` as an int when it is a plain ASCII integer ('12', '-3'); else None (no
    '١٢', no '12.0', no '1_0', no spaces inside)."""
    t = text.strip()
    return int(t) if _INTEGER.fullmatch(t) else None


def physical_memory() -> int | None:
    """Bytes of RAM of the machine (None where the system does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def container_memory(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The container's memory limit in bytes: cgroup v2 ``memory.max`` (or v1's
    ``memory/memory.limit_in_bytes``); None when unlimited or not in a cgroup."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        try:
            raw = path.read_text().strip()
        except OSError:
            continue
        if raw.isascii() and raw.isdigit():
            value = int(raw)
            phys = physical_memory()
            if value < (1 << 60) and (phys is None or value < phys):
                return value
    return None


def default_memory_budget() -> int:
    """75% of the container's memory limit, else of the machine's RAM (else 4 GiB)."""
    total = container_memory() or physical_memory() or 16 * 2**30 // 3
    return int(total * 0.75)


def default_parse_slots() -> int:
    return max(1, (os.cpu_count() or 1) // 2)


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
    memory_budget: int = 0            # 0: default_memory_budget()
    parse_slots: int = 0              # 0: default_parse_slots()
    parse_queue: int = 0              # 0: 4 x parse_slots
    max_cells: int = 1_000_000
    max_uncompressed_bytes: int = 256 * 2**20
    parse_processes: bool = True       # parse workbooks in child processes (remote.parse_pool)
    dask_scheduler: str | None = None  # a job of dask_min_trials or more runs on the cluster
    dask_local: bool = False           # no scheduler: an embedded LocalCluster
    dask_workers: int = 2
    dask_min_trials: int = 50_000_000
    # a subject refused again and again (retrying at once) gets its refusals this much later
    # (remote.frontdoor.Tarpit); 0: at once
    refusal_hold_s: float = 2.0

    def __post_init__(self) -> None:
        if self.memory_budget == 0:
            object.__setattr__(self, "memory_budget", default_memory_budget())
        if self.parse_slots == 0:
            object.__setattr__(self, "parse_slots", default_parse_slots())
        if self.parse_queue == 0:
            object.__setattr__(self, "parse_queue", 4 * self.parse_slots)
        if not self.jwt_key or len(self.jwt_key) < MIN_KEY_CHARS:
            raise SettingsError(
                "MCDESK_JWT_KEY must be set to a secret of at least 32 characters (it signs "
                "the bearer tokens); for example: export MCDESK_JWT_KEY=$(python -c "
                "'import secrets; print(secrets.token_urlsafe(48))')")
        for name in ("max_upload_bytes", "max_trials", "max_jobs_per_token", "queue_size",
                     "memory_budget", "parse_slots", "parse_queue", "max_cells",
                     "max_uncompressed_bytes", "dask_workers", "dask_min_trials"):
            if getattr(self, name) < 1:
                raise SettingsError(f"MCDESK_{name.upper()} must be at least 1")
        if self.gpu_slots is not None and self.gpu_slots < 1:
            raise SettingsError("MCDESK_GPU_SLOTS must be at least 1")
        if self.batch_trials is not None and self.batch_trials < 1:
            raise SettingsError("MCDESK_BATCH_TRIALS must be at least 1")
        if self.result_ttl_s <= 0 or self.orphan_timeout_s <= 0:
            raise SettingsError("MCDESK_RESULT_TTL_S and MCDESK_ORPHAN_TIMEOUT_S must be positive")
        if not 0 <= self.refusal_hold_s <= 60:
            raise SettingsError("MCDESK_REFUSAL_HOLD_S must be between 0 and 60 seconds")

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
            value = ascii_number(raw)
            if value is None:
                raise SettingsError(f"MCDESK_{name}={raw!r} is not a number")
            return value

        def integer(name: str, default: int | None) -> int | None:
            raw = get(name)
            if raw is None:
                return default
            value = ascii_number(raw)  # 1e9 is fine
            if value is None:
                raise SettingsError(f"MCDESK_{name}={raw!r} is not a number")
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
            memory_budget=required("MEMORY_BUDGET", 0),
            parse_slots=required("PARSE_SLOTS", 0),
            parse_queue=required("PARSE_QUEUE", 0),
            max_cells=required("MAX_CELLS", 1_000_000),
            max_uncompressed_bytes=required("MAX_UNCOMPRESSED_BYTES", 256 * 2**20),
            parse_processes=(get("PARSE_PROCESSES", "1") or "1").lower() in ("1", "true", "yes"),
            dask_scheduler=get("DASK_SCHEDULER"),
            dask_local=(get("DASK_LOCAL", "0") or "0").lower() in ("1", "true", "yes"),
            dask_workers=required("DASK_WORKERS", 2),
            dask_min_trials=required("DASK_MIN_TRIALS", 50_000_000),
            refusal_hold_s=real("REFUSAL_HOLD_S", 2.0),
        )
