"""Load test of the remote service on loopback: N concurrent clients x M jobs each.

Starts the service (``python -m remote``, numpy backend) on a free 127.0.0.1 port, runs
``--clients`` threads, each with its own token, submitting ``--jobs`` jobs one after the
other (the bundled example, ``--trials`` trials, seeds varying), and checks every RESULT.json
against a local run with the same seed.  Prints latency percentiles (submit -> result), the
requests the service refused (queue full or per-token limit: the client retried them) and
the service's peak resident memory.  Bounded: at most clients x jobs jobs, ``--timeout`` s.

    python bench/load_remote.py [--clients 20] [--jobs 5] [--trials 5000] [--timeout 300]

``--abuse``: the abusive-subject scenario instead.  A victim subject runs ``--jobs`` normal
jobs one after the other on an idle service, then again while one abusive subject floods it
with ``--abusers`` concurrent submissions of a large workbook (``--abuse-rows`` rows of
formulas, a different file each time so nothing is cached) and of jobs that ask for every
trial's samples of 10^8 trials; refused ones are retried after the service's Retry-After
(``--hammer``: at once).  Prints the victim's latency p50/p95 under abuse against idle
(goal: within 2x) and the service's peak RSS against its memory budget (``--budget`` MiB,
MCDESK_MEMORY_BUDGET)::

    python bench/load_remote.py --abuse [--abusers 16] [--abuse-rows 100000] [--jobs 10] [--hammer]

Workbooks are parsed in child processes (remote.parse_pool); ``--parse-in-service`` parses
them in the service's own threads as before (MCDESK_PARSE_PROCESSES=0), ``--compare`` runs
the scenario both ways and prints the two side by side.  Measured (session 21, ``--compare
--hammer``, 5 victim jobs, on 2 cores shared by ~7 engineers at load average 10-15, so the
idle baseline itself moves between 0.2 and 0.5 s)::

    parsed in the service    : under abuse p50 3.19 s  p95 5.18 s  (6.00x / 9.49x idle)
    parsed in child processes: under abuse p50 1.43 s  p95 1.54 s  (4.08x / 1.41x idle)
    (earlier runs: in the service 9.72x / 11.87x; children at nice 10: 2.44x / 1.52x)
    children, --jobs 10: idle p50 0.20 s p95 0.50 s, under abuse 0.86 s / 1.47 s (4.27x / 2.93x)

The goal (within 2x) is met at p95 in some runs, not at p50: what is left is the flood itself
(about 130 refused 2.2 MB uploads a second from 16 threads on the same 2 cores).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import sys
import tempfile
import threading
import time
import zipfile
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
VARIANTS = 24  # distinct copies of the abusive workbook (the service caches 8)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--jobs", type=int, default=5)
    p.add_argument("--trials", type=int, default=5000)
    p.add_argument("--timeout", type=float, default=300.0, help="stop the whole run after this")
    p.add_argument("--slots", type=int, help="MCDESK_GPU_SLOTS for the service (default: derived)")
    p.add_argument("--abuse", action="store_true", help="the abusive-subject scenario")
    p.add_argument("--abusers", type=int, default=16, help="concurrent abusive submissions")
    p.add_argument("--abuse-rows", type=int, default=100_000,
                   help="rows of formulas in the abusive workbook (3 cells each)")
    p.add_argument("--budget", type=int, default=2048, help="MCDESK_MEMORY_BUDGET in MiB")
    p.add_argument("--parse-in-service", action="store_true",
                   help="parse workbooks in the service process (MCDESK_PARSE_PROCESSES=0)")
    p.add_argument("--compare", action="store_true",
                   help="--abuse with parsing in the service, then in child processes")
    p.add_argument("--hammer", action="store_true",
                   help="the abuser retries a refused submission at once (default: after the "
                        "service's Retry-After, as RemoteClient does)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("remote.client").setLevel(logging.ERROR)  # retries are counted below
    if args.compare:
        rows = []
        for in_service in (True, False):
            args.parse_in_service = in_service
            print(f"--- workbooks parsed {'in the service' if in_service else 'in child processes'}")
            rows.append((in_service, abuse(args)))
        print("--- victim latency under abuse / idle (goal: within 2x)")
        for in_service, (_code, r50, r95, peak) in rows:
            print(f"  parsed {'in the service    ' if in_service else 'in child processes'}: "
                  f"p50 {r50:.2f}x  p95 {r95:.2f}x  peak RSS of the service and its "
                  f"parse processes together {peak / 2**20:.0f} MiB")
        return max(code for _, (code, *_rest) in rows)
    if args.abuse:
        return abuse(args)[0]

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


# ----------------------------------------------------------------- the abusive subject
def big_book(rows: int) -> bytes:
    """A workbook of ``rows`` rows of a value and two formulas (slow to parse), with one
    input (S!A1) and one output (S!B1)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    for r in range(1, rows + 1):
        ws.append([r * 1.5, f"=A{r}*2", f"=B{r}+A{r}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def variant(book: bytes, i: int) -> bytes:
    """The same workbook with another zip comment: other bytes, so the service's cache of
    parsed workbooks never helps the abuser."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.comment = f"variant {i}".encode()
    return out.getvalue()


def tree_rss(pid: int) -> int:
    """Resident bytes of process ``pid`` and its descendants now (Linux; 0 if gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


class TreePeak:
    """The largest :func:`tree_rss` of ``pid`` seen, sampled every 0.2 s in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.wait(0.2):
            self.peak = max(self.peak, tree_rss(self.pid))

    def close(self) -> int:
        self.stop.set()
        self.thread.join(5)
        return self.peak


def victim_run(svc: ServiceProcess, book: bytes, spec: dict, jobs: int,
               deadline: float) -> list[float]:
    """Latencies (submit -> result) of the victim's jobs, one after the other."""
    out = []
    with RemoteClient(svc.url, svc.token("victim"), busy_wait_s=300, reconnect_s=30) as c:
        for j in range(jobs):
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            c.run(book, {**spec, "seed": j}, samples=False)
            out.append(time.perf_counter() - t0)
    return out


def abuse(args: argparse.Namespace) -> tuple[int, float, float, int]:
    """The abusive-subject scenario; (exit code, p50 ratio, p95 ratio, service peak RSS)."""
    base = SimulationSpec.load(SPEC).to_dict()
    spec = {**base, "trials": args.trials}
    book = BOOK.read_bytes()
    t0 = time.perf_counter()
    heavy = big_book(args.abuse_rows)
    print(f"abusive workbook: {args.abuse_rows * 3:,} cells, {len(heavy) / 2**20:.1f} MB "
          f"(made in {time.perf_counter() - t0:.1f} s)")
    heavy_spec = {"inputs": [{"cell": "S!A1", "distribution": "uniform",
                              "params": {"min": 0, "max": 1}}], "outputs": ["S!B1"]}
    budget = args.budget * 2**20
    env = {"MCDESK_MEMORY_BUDGET": budget, "MCDESK_MAX_UPLOAD_BYTES": 32 * 2**20,
           "MCDESK_PARSE_PROCESSES": 0 if args.parse_in_service else 1}
    if args.slots:
        env["MCDESK_GPU_SLOTS"] = args.slots
    tmp = Path(tempfile.mkdtemp(prefix="mcdesk-abuse-"))
    deadline = time.monotonic() + args.timeout
    codes: dict[int, int] = {}
    lock = threading.Lock()
    # made before the flood (so the abuser's own CPU goes to sending, not to zipping);
    # more variants than the service caches, taken in turn: every one is parsed
    variants = [variant(heavy, i) for i in range(VARIANTS)]
    with ServiceProcess(tmp / "results", env) as svc:
        with RemoteClient(svc.url, svc.token("victim")) as c:
            info = c.info()
        victim_run(svc, book, spec, 1, deadline)  # warm: the victim's workbook is parsed
        idle = victim_run(svc, book, spec, args.jobs, deadline)
        idle_peak = svc.peak_rss_bytes() or 0
        stop = threading.Event()
        assert svc.proc is not None
        tree = TreePeak(svc.proc.pid)  # the service and its parse processes

        def flood(i: int) -> None:
            n = 0
            with httpx.Client(base_url=svc.url, timeout=300,
                              headers={"Authorization": f"Bearer {svc.token('mallory')}"}) as h:
                while not stop.is_set() and time.monotonic() < deadline:
                    n += 1
                    big_samples = n % 2 == 0  # every other one asks for 10^8 trials' samples
                    body = {**heavy_spec, "trials": 10**8 if big_samples else 1000}
                    try:
                        upload = variants[(i * 7 + n) % len(variants)]
                        r = h.post("/v1/jobs", files={"workbook": ("x.xlsx", upload)},
                                   data={"spec": json.dumps(body),
                                         "samples": "all" if big_samples else "none"})
                        code = r.status_code
                    except httpx.HTTPError:
                        code = 0
                    with lock:
                        codes[code] = codes.get(code, 0) + 1
                    if code in (429, 503) and not args.hammer:
                        stop.wait(float(r.headers.get("retry-after", "1")))

        flooders = [threading.Thread(target=flood, args=(i,), daemon=True)
                    for i in range(args.abusers)]
        for t in flooders:
            t.start()
        time.sleep(2.0)  # the flood is under way
        busy = victim_run(svc, book, spec, args.jobs, deadline)
        stop.set()
        for t in flooders:
            t.join(120)
        peak = svc.peak_rss_bytes() or 0
        tree_peak = tree.close()
        metrics = httpx.get(f"{svc.url}/metrics").text

    def pct(x: list[float], q: float) -> float:
        return float(np.percentile(x, q)) if x else float("nan")

    print(f"service: backend {info['backend']}, {info['capacity']['slots']} slot(s), "
          f"parse slots {info['limits']['parse_slots']} (queue "
          f"{info['limits']['parse_queue']}), memory budget {budget / 2**20:.0f} MiB "
          f"({info['limits']['job_memory_bytes'] / 2**20:.0f} MiB for jobs and parses)")
    print(f"abuser: {args.abusers} concurrent submitters, refused ones retried "
          f"{'at once' if args.hammer else 'after Retry-After'}; workbooks parsed "
          f"{'in the service' if args.parse_in_service else 'in child processes'}")
    print(f"victim, {args.jobs} jobs of {args.trials:,} trials one after the other:")
    for name, lat in (("idle", idle), ("under abuse", busy)):
        print(f"  {name:12s} p50 {pct(lat, 50):6.2f} s  p95 {pct(lat, 95):6.2f} s  "
              f"({len(lat)} jobs)")
    r50, r95 = pct(busy, 50) / pct(idle, 50), pct(busy, 95) / pct(idle, 95)
    print(f"  ratio        p50 {r50:.2f}x  p95 {r95:.2f}x  (goal: within 2x)")
    print("abuser's answers: " + ", ".join(f"{k or 'error'}: {v}"
                                            for k, v in sorted(codes.items())))
    reserved = re.search(r"^mcdesk_memory_reserved_peak_bytes (\S+)$", metrics, re.M)
    print(f"service peak RSS: {peak / 2**20:.0f} MiB (idle run {idle_peak / 2**20:.0f} MiB), "
          f"budget {budget / 2**20:.0f} MiB: {'under' if peak < budget else 'OVER'}; "
          f"estimated peak held {float(reserved.group(1)) / 2**20 if reserved else 0:.0f} MiB")
    print(f"service and its parse processes together: peak RSS {tree_peak / 2**20:.0f} MiB "
          "(sampled every 0.2 s)")
    return (0 if peak < budget and len(busy) == args.jobs else 1), r50, r95, tree_peak


if __name__ == "__main__":
    sys.exit(main())
