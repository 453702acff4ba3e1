"""``/metrics`` in the Prometheus text format (version 0.0.4), written by hand: a few
gauges and counters, no job ids or subjects (so the route can be scraped without a token)."""

from __future__ import annotations

from . import gpu
from .jobs import JobManager


def _line(out: list[str], name: str, kind: str, help_: str,
          samples: list[tuple[dict[str, str], float]]) -> None:
    out.append(f"# HELP {name} {help_}")
    out.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        lab = ",".join(f'{k}="{v}"' for k, v in labels.items())
        out.append(f"{name}{{{lab}}} {value:.17g}" if lab else f"{name} {value:.17g}")


def render(manager: JobManager) -> str:
    queued, running = manager.counts()
    c = manager.counters
    out: list[str] = []
    _line(out, "mcdesk_jobs_submitted_total", "counter", "Jobs accepted.",
          [({}, c["submitted"])])
    _line(out, "mcdesk_jobs_finished_total", "counter", "Jobs finished, by final state.",
          [({"state": s}, n) for s, n in sorted(manager.finished_by_state.items())])
    _line(out, "mcdesk_jobs_rejected_total", "counter", "Requests refused, by reason.",
          [({"reason": r}, c[f"rejected_{r}"]) for r in ("queue", "token", "upload", "auth", "memory", "parse")])
    _line(out, "mcdesk_refusals_held_total", "counter",
          "Refusals held back (a subject retrying at once; MCDESK_REFUSAL_HOLD_S).",
          [({}, c["refusals_held"])])
    _line(out, "mcdesk_uploads_in_flight", "gauge",
          "Submissions let in whose body is being read.",
          [({}, sum(manager.uploading.values()))])
    _line(out, "mcdesk_jobs_queued", "gauge", "Jobs waiting for a slot.", [({}, queued)])
    _line(out, "mcdesk_jobs_running", "gauge", "Jobs running.", [({}, running)])
    _line(out, "mcdesk_queue_capacity", "gauge", "Jobs the queue holds.",
          [({}, manager.settings.queue_size)])
    _line(out, "mcdesk_slots", "gauge", "Jobs that may run at once.", [({}, manager.slots)])
    _line(out, "mcdesk_parses_running", "gauge", "Workbooks being parsed.",
          [({}, manager.gate.running)])
    _line(out, "mcdesk_parses_waiting", "gauge", "Workbooks waiting for a parse slot.",
          [({}, len(manager.gate.waiting))])
    _line(out, "mcdesk_memory_reserved_bytes", "gauge",
          "Memory held by parses and jobs in flight (estimated).", [({}, manager.ledger.used)])
    _line(out, "mcdesk_memory_reserved_peak_bytes", "gauge",
          "Most memory held at once by parses and jobs (estimated).",
          [({}, manager.ledger.peak)])
    _line(out, "mcdesk_memory_budget_bytes", "gauge", "Memory parses and jobs may hold.",
          [({}, manager.ledger.capacity)])
    _line(out, "mcdesk_trials_total", "counter", "Trials run by finished jobs.",
          [({}, c["trials"])])
    _line(out, "mcdesk_trials_per_second", "gauge", "Trials per second of the running jobs.",
          [({}, manager.running_rate())])
    _line(out, "mcdesk_last_job_trials_per_second", "gauge",
          "Trials per second of the last finished job.", [({}, manager.last_rate)])
    gpus, _ = gpu.query_gpus()
    if gpus:
        _line(out, "mcdesk_gpu_memory_free_bytes", "gauge", "Free GPU memory.",
              [({"gpu": str(i)}, g.free_bytes) for i, g in enumerate(gpus)])
        _line(out, "mcdesk_gpu_memory_total_bytes", "gauge", "GPU memory.",
              [({"gpu": str(i)}, g.total_bytes) for i, g in enumerate(gpus)])
    return "\n".join(out) + "\n"
