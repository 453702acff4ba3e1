"""Load test of the remote service on loopback: N concurrent clients x M jobs each.

Starts the service (``python -m remote``, numpy backend) on a free 127.0.0.1 port, runs
``--clients`` threads, each with its own token, submitting ``--jobs`` jobs one after the
other (the bundled example, ``--trials`` trials, seeds varying), and checks every RESULT.json
against a local run with the same seed.  Prints latency percentiles (submit -> result), the
requests the service refused (queue full or per-token limit: the client retried them) and
the service's peak resident memory.  Bounded: at most clients x jobs jobs, ``--timeout`` s.

    python bench/load_remote.py [--clients 20] [--jobs 5] [--trials 5000] [--timeout 300]

``--abuse``: the abusive-subject scenario instead, ``--rounds`` times on a fresh service each:
a victim subject runs ``--jobs`` normal jobs one after the other on the idle service, then again
while one abusive subject floods it from a process of its own (``--abusers`` threads
submitting a large workbook, ``--abuse-rows`` rows of formulas, a different file each time so
nothing is cached, every other one asking for every trial's samples of 10^8 trials); refused
ones are retried after the service's Retry-After (``--hammer``: at once).  Prints, per round
and over all rounds, the victim's latency p50/p95 under abuse against idle (goal: within 2x)
with the machine's load average beside, the abuser's answers and rate, and the service's peak
RSS against its memory budget (``--budget`` MiB, MCDESK_MEMORY_BUDGET)::

    python bench/load_remote.py --abuse [--abusers 16] [--abuse-rows 100000] [--jobs 10]
                                [--rounds 2] [--hammer] [--refusal-hold S]

``--compare`` runs the scenario with the service's repeated refusals answered at once
(MCDESK_REFUSAL_HOLD_S=0) and held back (the default; remote.frontdoor), side by side;
``--parse-in-service`` parses workbooks in the service's own threads (MCDESK_PARSE_PROCESSES=0).

Measured (session 22, ``--abuse --hammer --compare --jobs 10 --rounds 2``, three runs, 2 cores
shared by ~7 engineers at load average 6.3-9.8, so the idle baseline itself moves between
0.13 and 0.25 s): submissions decided from their headers before the body is read, refusals
closing the connection, uploads in flight counted against the subject::

    refusals at once  : abuser 92-136 refused requests/s; victim p50 4.54x 5.09x 3.98x,
                        p95 3.55x 2.14x 3.49x idle
    refusals held back: abuser 4-8 requests/s;            victim p50 1.36x 0.91x 1.21x,
                        p95 0.79x 0.37x 0.43x idle
    service peak RSS 262-268 MiB (with its parse processes 444-481 MiB), budget 2,048 MiB

(the third run with a small RESULT.json answered from the event loop, no worker thread.)

(session 21, flood threads in the bench's own process, refusals at once and kept-alive
connections: p50 2.4-4.3x, p95 1.4-2.9x.)  A control run flooding a second service on the
same machine while the victim uses its own slows the victim 1.9-2.6x (load 9.5-11): with
refusals answered at once, about half of what the victim loses is the 2 cores taken by the
flood's client and by any service answering it, whatever that service does.  Not in these
numbers: the abuser's few admitted workbooks (its limit of 4) were still parsing (nice 10, at
this load) when each round ended; when one finishes, its compiled job and 300,000-cell model
come back to the service and are unpickled holding the GIL, which stalls every request of the
service meanwhile: 2.7-4.2 s cell by cell, 1.1-1.4 s since sheets travel column by column
(remote.parse_pool.dumps; measured apart at load 6-7).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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
                   help="--abuse with repeated refusals answered at once "
                        "(MCDESK_REFUSAL_HOLD_S=0), then held back (the default)")
    p.add_argument("--refusal-hold", type=float,
                   help="MCDESK_REFUSAL_HOLD_S for the service (default: the service's, 2 s)")
    p.add_argument("--rounds", type=int, default=2,
                   help="--abuse: fresh services, each measured idle then under abuse")
    p.add_argument("--hammer", action="store_true",
                   help="the abuser retries a refused submission at once (default: after the "
                        "service's Retry-After, as RemoteClient does)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("remote.client").setLevel(logging.ERROR)  # retries are counted below
    if args.compare:
        variants = abusive_variants(args.abuse_rows)
        rows = []
        for hold in (0.0, None):
            args.refusal_hold = hold
            print(f"--- repeated refusals {'answered at once' if hold == 0 else 'held back'}")
            rows.append((hold, abuse(args, variants)))
        print("--- victim latency under abuse / idle (goal: within 2x)")
        for hold, (_code, r50, r95, peak) in rows:
            print(f"  refusals {'at once  ' if hold == 0 else 'held back'}: p50 {r50:.2f}x  "
                  f"p95 {r95:.2f}x  peak RSS of the service and its parse processes "
                  f"{peak / 2**20:.0f} MiB")
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


HEAVY_SPEC = {"inputs": [{"cell": "S!A1", "distribution": "uniform",
                         "params": {"min": 0, "max": 1}}], "outputs": ["S!B1"]}


def flood(url: str, token: str, variants: list[bytes], threads: int, hammer: bool,
          stop: Any, started: Any, counts: Any) -> None:
    """The abusive subject, in a process of its own (another client, as it would be on
    another machine; in the bench's own process its threads would also take the victim
    client's GIL): ``threads`` threads submitting large workbooks, every other one asking for
    10^8 trials' samples; ``counts[status]`` (0: a connection error) counts the answers."""
    def one(i: int) -> None:
        n = 0
        with httpx.Client(base_url=url, timeout=300,
                          headers={"Authorization": f"Bearer {token}"}) as h:
            while not stop.is_set():
                n += 1
                big_samples = n % 2 == 0
                body = {**HEAVY_SPEC, "trials": 10**8 if big_samples else 1000}
                retry = 0.0
                try:
                    r = h.post("/v1/jobs",
                               files={"workbook": ("x.xlsx", variants[(i * 7 + n) % len(variants)])},
                               data={"spec": json.dumps(body),
                                     "samples": "all" if big_samples else "none"})
                    code = r.status_code
                    retry = float(r.headers.get("retry-after", "1"))
                except httpx.HTTPError:
                    code = 0
                with counts.get_lock():
                    counts[min(code, len(counts) - 1)] += 1
                if code in (429, 503) and not hammer:
                    stop.wait(retry)

    pool = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    started.set()
    stop.wait()  # threads still waiting for an answer are left behind: the process ends


def loadavg() -> float:
    return os.getloadavg()[0]


def abuse_round(args: argparse.Namespace, env: dict, variants: list[bytes],
                book: bytes, spec: dict) -> dict:
    """One service, fresh: the victim's jobs on it idle, then while the abuser floods it."""
    tmp = Path(tempfile.mkdtemp(prefix="mcdesk-abuse-"))
    deadline = time.monotonic() + args.timeout
    ctx = multiprocessing.get_context("spawn")
    out: dict[str, Any] = {}
    with ServiceProcess(tmp / "results", env) as svc:
        with RemoteClient(svc.url, svc.token("victim")) as c:
            out["info"] = c.info()
        victim_run(svc, book, spec, 1, deadline)  # warm: the victim's workbook is parsed
        out["load_idle"] = loadavg()
        out["idle"] = victim_run(svc, book, spec, args.jobs, deadline)
        out["idle_peak"] = svc.peak_rss_bytes() or 0
        assert svc.proc is not None
        tree = TreePeak(svc.proc.pid)  # the service and its parse processes
        stop, started = ctx.Event(), ctx.Event()
        counts = ctx.Array("l", 600)
        abuser = ctx.Process(target=flood, args=(svc.url, svc.token("mallory"), variants,
                                                 args.abusers, args.hammer, stop, started,
                                                 counts), daemon=True)
        abuser.start()
        started.wait(120)
        t0 = time.monotonic()
        time.sleep(2.0)  # the flood is under way
        out["busy"] = victim_run(svc, book, spec, args.jobs, deadline)
        out["load_busy"] = loadavg()
        stop.set()
        flood_s = time.monotonic() - t0
        abuser.join(5)
        if abuser.is_alive():
            abuser.terminate()
            abuser.join(5)
        out["codes"] = {code: n for code, n in enumerate(counts[:]) if n}
        out["rate"] = sum(out["codes"].values()) / flood_s
        out["peak"] = svc.peak_rss_bytes() or 0
        out["tree_peak"] = tree.close()
        metrics = httpx.get(f"{svc.url}/metrics").text
    reserved = re.search(r"^mcdesk_memory_reserved_peak_bytes (\S+)$", metrics, re.M)
    out["reserved"] = float(reserved.group(1)) if reserved else 0.0
    return out


def pct(x: list[float], q: float) -> float:
    return float(np.percentile(x, q)) if x else float("nan")


def abuse(args: argparse.Namespace, variants: list[bytes] | None = None
          ) -> tuple[int, float, float, int]:
    """The abusive-subject scenario, ``--rounds`` times; (exit code, p50 ratio, p95 ratio,
    peak RSS of the service and its parse processes) over every round's jobs together."""
    base = SimulationSpec.load(SPEC).to_dict()
    spec = {**base, "trials": args.trials}
    book = BOOK.read_bytes()
    if variants is None:
        variants = abusive_variants(args.abuse_rows)
    budget = args.budget * 2**20
    env: dict[str, Any] = {"MCDESK_MEMORY_BUDGET": budget,
                           "MCDESK_MAX_UPLOAD_BYTES": 32 * 2**20,
                           "MCDESK_PARSE_PROCESSES": 0 if args.parse_in_service else 1}
    if args.refusal_hold is not None:
        env["MCDESK_REFUSAL_HOLD_S"] = args.refusal_hold
    if args.slots:
        env["MCDESK_GPU_SLOTS"] = args.slots
    hold = "default (2 s)" if args.refusal_hold is None else f"{args.refusal_hold:g} s"
    print(f"abuser: {args.abusers} threads in a process of their own, refused ones retried "
          f"{'at once' if args.hammer else 'after Retry-After'}; workbooks parsed "
          f"{'in the service' if args.parse_in_service else 'in child processes'}; "
          f"repeated refusals held {hold} (MCDESK_REFUSAL_HOLD_S)")
    rounds = [abuse_round(args, env, variants, book, spec) for _ in range(args.rounds)]
    info = rounds[0]["info"]
    print(f"service: backend {info['backend']}, {info['capacity']['slots']} slot(s), "
          f"parse slots {info['limits']['parse_slots']} (queue "
          f"{info['limits']['parse_queue']}), memory budget {budget / 2**20:.0f} MiB "
          f"({info['limits']['job_memory_bytes'] / 2**20:.0f} MiB for jobs and parses)")
    print(f"victim, {args.jobs} jobs of {args.trials:,} trials one after the other, idle then "
          "under abuse, per round (load average of the machine beside):")
    for k, r in enumerate(rounds, 1):
        answers = ", ".join(f"{c or 'error'}: {n}" for c, n in sorted(r["codes"].items()))
        print(f"  round {k}: idle p50 {pct(r['idle'], 50):.3f} s p95 {pct(r['idle'], 95):.3f} s "
              f"(load {r['load_idle']:.1f}); under abuse p50 {pct(r['busy'], 50):.3f} s p95 "
              f"{pct(r['busy'], 95):.3f} s (load {r['load_busy']:.1f}); ratio "
              f"{pct(r['busy'], 50) / pct(r['idle'], 50):.2f}x / "
              f"{pct(r['busy'], 95) / pct(r['idle'], 95):.2f}x")
        print(f"           abuser {r['rate']:.0f} requests/s ({answers}); service peak RSS "
              f"{r['peak'] / 2**20:.0f} MiB (idle {r['idle_peak'] / 2**20:.0f} MiB), with its "
              f"parse processes {r['tree_peak'] / 2**20:.0f} MiB; estimated peak held "
              f"{r['reserved'] / 2**20:.0f} MiB")
    idle = [x for r in rounds for x in r["idle"]]
    busy = [x for r in rounds for x in r["busy"]]
    r50, r95 = pct(busy, 50) / pct(idle, 50), pct(busy, 95) / pct(idle, 95)
    peak = max(r["peak"] for r in rounds)
    tree_peak = max(r["tree_peak"] for r in rounds)
    print(f"all rounds: idle p50 {pct(idle, 50):.3f} s p95 {pct(idle, 95):.3f} s; under abuse "
          f"p50 {pct(busy, 50):.3f} s p95 {pct(busy, 95):.3f} s; ratio p50 {r50:.2f}x p95 "
          f"{r95:.2f}x (goal: within 2x)")
    print(f"service peak RSS {peak / 2**20:.0f} MiB, budget {budget / 2**20:.0f} MiB: "
          f"{'under' if peak < budget else 'OVER'}; with its parse processes "
          f"{tree_peak / 2**20:.0f} MiB (sampled every 0.2 s)")
    ok = peak < budget and len(busy) == args.jobs * args.rounds
    return (0 if ok else 1), r50, r95, tree_peak


def abusive_variants(rows: int) -> list[bytes]:
    """The abusive workbook in :data:`VARIANTS` copies, made before any flood (so that the
    abuser's own CPU goes to sending, not to zipping)."""
    t0 = time.perf_counter()
    heavy = big_book(rows)
    print(f"abusive workbook: {rows * 3:,} cells, {len(heavy) / 2**20:.1f} MB "
          f"(made in {time.perf_counter() - t0:.1f} s)")
    return [variant(heavy, i) for i in range(VARIANTS)]


if __name__ == "__main__":
    sys.exit(main())
