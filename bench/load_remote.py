"""Load test of the remote service on loopback: N concurrent clients x M jobs each.

Starts the service (``python -m remote``, numpy backend) on a free 127.0.0.1 port, runs
``--clients`` threads, each with its own token, submitting ``--jobs`` jobs one after the
other (the bundled example, ``--trials`` trials, seeds varying), and checks every RESULT.json
against a local run with the same seed.  Prints latency percentiles (submit -> result), the
requests the service refused (queue full or per-token limit: the client retried them) and
the service's peak resident memory.  Bounded: at most clients x jobs jobs, ``--timeout`` s.

    python bench/load_remote.py [--clients 20] [--jobs 5] [--trials 5000] [--timeout 300]
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from engine import Model, SimulationSpec, simulate  # noqa: E402
from remote import RemoteClient  # noqa: E402
from remote.testing import ServiceProcess  # noqa: E402

BOOK = ROOT / "mcdesk" / "examples" / "capital_project.xlsx"
SPEC = ROOT / "mcdesk" / "examples" / "capital_project.spec.json"
SEEDS = 10


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--jobs", type=int, default=5)
    p.add_argument("--trials", type=int, default=5000)
    p.add_argument("--timeout", type=float, default=300.0, help="stop the whole run after this")
    p.add_argument("--slots", type=int, help="MCDESK_GPU_SLOTS for the service (default: derived)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("remote.client").setLevel(logging.ERROR)  # retries are counted below

    base = SimulationSpec.load(SPEC)
    model = Model.open(BOOK)
    expected = {}
    for seed in range(SEEDS):
        base.trials, base.seed = args.trials, seed
        expected[seed] = simulate(model, base, backend="numpy").to_dict()["outputs"]
    book = BOOK.read_bytes()

    env = {"MCDESK_GPU_SLOTS": args.slots} if args.slots else {}
    tmp = Path(tempfile.mkdtemp(prefix="mcdesk-load-"))
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.timeout
    with ServiceProcess(tmp / "results", env) as svc:
        with RemoteClient(svc.url, svc.token("bench")) as c:
            info = c.info()
        peak = [svc.peak_rss_bytes() or 0]
        stop = threading.Event()

        def sample_rss() -> None:
            while not stop.wait(0.2):
                peak[0] = max(peak[0], svc.peak_rss_bytes() or 0)

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()

        def client(i: int) -> None:
            with RemoteClient(svc.url, svc.token(f"client-{i}"), busy_wait_s=args.timeout,
                              reconnect_s=30) as c:
                for j in range(args.jobs):
                    if time.monotonic() > deadline:
                        with lock:
                            failures.append(f"client {i} job {j}: not started, out of time")
                        continue
                    seed = (i + j) % SEEDS
                    spec = {**base.to_dict(), "trials": args.trials, "seed": seed}
                    t0 = time.perf_counter()
                    try:
                        _, result, _ = c.run(book, spec, samples=False)
                    except Exception as exc:  # noqa: BLE001 - counted and printed
                        with lock:
                            failures.append(f"client {i} job {j}: {exc}")
                        continue
                    dt = time.perf_counter() - t0
                    ok = result["outputs"] == expected[seed]
                    with lock:
                        latencies.append(dt)
                        if not ok:
                            failures.append(f"client {i} job {j}: result differs from local")

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(client, range(args.clients)))
        wall = time.perf_counter() - t0
        stop.set()
        peak[0] = max(peak[0], svc.peak_rss_bytes() or 0)
        metrics = httpx.get(f"{svc.url}/metrics").text

    def metric(name: str) -> float:
        m = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.M)
        return float(m.group(1)) if m else float("nan")

    n = args.clients * args.jobs
    lat = np.array(latencies) if latencies else np.array([np.nan])
    print(f"service: backend {info['backend']}, {info['capacity']['slots']} slot(s) "
          f"({info['capacity']['note']}), queue {info['limits']['queue_size']}")
    print(f"{args.clients} clients x {args.jobs} jobs of {args.trials:,} trials: "
          f"{len(latencies)}/{n} completed, {n - len(failures)}/{n} correct, in {wall:.1f} s "
          f"({len(latencies) / wall:.2f} jobs/s)")
    print("latency s (submit -> result): " + "  ".join(
        f"p{q} {np.percentile(lat, q):.2f}" for q in (50, 90, 95, 99)) + f"  max {lat.max():.2f}")
    queue_full = metric('mcdesk_jobs_rejected_total{reason="queue"}')
    token_limit = metric('mcdesk_jobs_rejected_total{reason="token"}')
    print(f"refused and retried: queue full {queue_full:.0f}, per-token limit {token_limit:.0f}; "
          f"trials run {metric('mcdesk_trials_total'):,.0f}")
    print(f"service peak RSS: {peak[0] / 2**20:.0f} MiB")
    for f in failures[:10]:
        print("FAILED", f)
    return 0 if not failures and len(latencies) == n else 1


if __name__ == "__main__":
    sys.exit(main())
