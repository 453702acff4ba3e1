"""What keeps one subject from starving the others, and the replica within its memory:

* :class:`FairQueue`: waiting work taken fairly across subjects, the one served least
  recently first (a subject with many submissions waiting delays another's by at most one
  turn); it orders both the parses and the jobs waiting for a slot;
* :class:`ParseGate`: at most ``slots`` workbooks parsed at once, at most ``queue`` waiting
  (beyond: :class:`ParseQueueFullError`, 503 + Retry-After), served fairly;
* :class:`MemoryLedger`: bytes held by parses and running jobs, within the replica's budget
  (MCDESK_MEMORY_BUDGET): work waits for its share, and work larger than the whole budget
  is refused before it starts;
* the estimates: what a parse (:func:`parse_bytes`) and a job (:func:`job_bytes`) will
  really hold, counted from the arrays the engine makes, not just the samples.
"""

from __future__ import annotations

import itertools
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from engine.streaming import SUBSAMPLE_MAX, bounded_for, kept_bytes

from .errors import BusyError

BYTES_PER_CELL = 1024      # a parsed and compiled cell (measured about 300 B parsed) with room
MIN_XML_PER_CELL = 16      # bytes of sheet XML the smallest stored cell takes (<c r="A1"/>)
CHUNK_SLACK = 2            # a chunk's arrays and the backend's temporaries, with room
STEPS_LIVE = 32            # formula steps whose per-trial arrays may be alive at once


class ParseQueueFullError(BusyError):
    """Too many workbooks waiting to be parsed (503 + Retry-After)."""


class FairQueue:
    """Items queued per owner; :meth:`pop` takes the oldest item of the owner served least
    recently (an owner never served first), so an owner with many items waiting delays
    another's by at most one turn.  Not thread-safe: callers hold their own lock."""

    def __init__(self) -> None:
        self._items: list[tuple[int, str, Any]] = []   # (arrival, owner, item)
        self._served: dict[str, int] = {}              # owner -> turn it was last served
        self._clock = itertools.count()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, owner: str, item: Any) -> None:
        self._items.append((next(self._clock), owner, item))

    def remove(self, item: Any) -> None:
        self._items = [e for e in self._items if e[2] is not item]

    def mark(self, owner: str) -> None:
        """Record that ``owner`` was served now (also when it did not have to wait)."""
        self._served[owner] = next(self._clock)
        if len(self._served) > 4096:  # forget the owners served longest ago
            for key, _ in sorted(self._served.items(), key=lambda kv: kv[1])[:2048]:
                del self._served[key]

    def peek(self) -> Any:
        """The item :meth:`pop` would take (IndexError when empty)."""
        return self._items[self._index()][2]

    def pop(self) -> Any:
        i = self._index()
        _, owner, item = self._items.pop(i)
        self.mark(owner)
        return item

    def _index(self) -> int:
        if not self._items:
            raise IndexError("the queue is empty")
        return min(range(len(self._items)),
                   key=lambda i: (self._served.get(self._items[i][1], -1), self._items[i][0]))


class ParseGate:
    """At most ``slots`` parses at once; at most ``queue`` waiting, served fairly across
    owners (:class:`FairQueue`)."""

    def __init__(self, slots: int, queue: int, retry_after: int = 2) -> None:
        self.slots, self.queue, self.retry_after = slots, queue, retry_after
        self.cond = threading.Condition()
        self.running = 0
        self.waiting = FairQueue()

    @contextmanager
    def slot(self, owner: str, timeout: float = 120.0) -> Iterator[None]:
        ticket = object()
        with self.cond:
            if self.running < self.slots and not len(self.waiting):
                self.waiting.mark(owner)
            else:
                if len(self.waiting) >= self.queue:
                    raise ParseQueueFullError(
                        f"{len(self.waiting)} workbooks are waiting to be parsed on this "
                        f"replica (MCDESK_PARSE_QUEUE={self.queue}); try again shortly",
                        self.retry_after)
                self.waiting.put(owner, ticket)
                deadline = time.monotonic() + timeout
                while not (self.running < self.slots and self.waiting.peek() is ticket):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self.waiting.remove(ticket)
                        self.cond.notify_all()
                        raise ParseQueueFullError(
                            f"no parse slot came free in {timeout:.0f} s; try again shortly",
                            self.retry_after)
                    self.cond.wait(min(left, 1.0))
                self.waiting.pop()
            self.running += 1
        try:
            yield
        finally:
            with self.cond:
                self.running -= 1
                self.cond.notify_all()


class MemoryLedger:
    """Bytes reserved by parses and jobs, within ``capacity``."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(int(capacity), 1)
        self.cond = threading.Condition()
        self.used = 0
        self.peak = 0

    def fits(self, need: int) -> bool:
        return need <= self.capacity

    @contextmanager
    def hold(self, need: int, cancelled: Any = None) -> Iterator[None]:
        """Wait until ``need`` bytes are free (or nothing else is held), then hold them.
        ``cancelled()`` (if given) is asked while waiting; when true, nothing is held and
        the block runs at once (it is expected to notice the cancel itself)."""
        need = min(int(need), self.capacity)
        with self.cond:
            while self.used and self.used + need > self.capacity:
                if cancelled is not None and cancelled():
                    need = 0
                    break
                self.cond.wait(0.5)
            self.used += need
            self.peak = max(self.peak, self.used)
        try:
            yield
        finally:
            with self.cond:
                self.used -= need
                self.cond.notify_all()


@dataclass(frozen=True)
class JobMemory:
    """What a job will hold: ``bytes`` in total, and whether it streams to fit."""

    bytes: int
    streamed: bool


def job_bytes(count: int, inputs: int, outputs: int, samples: str, chunk: int,
              streamed: bool, steps: int = 0) -> int:
    """Bytes a job of ``count`` trials holds at its peak, from what the engine makes:

    * every trial kept (not streamed): float64 inputs and outputs and uint8 error codes;
      then the summary, one output at a time: a copy of its values, numpy's percentile copy,
      the inputs' ranks (kept for every output) and the output's ranks with rankdata's
      temporaries (three int64 arrays); then, with ``samples``, the arrays stacked for the
      .npz (a second copy of what is kept);
    * streamed: float32 outputs and the float64 subsample (:func:`engine.streaming.kept_bytes`),
      one output's values copied for its percentiles, and the subsample's ranks; a bounded
      run (:func:`engine.streaming.bounded_for`) no float32 outputs, but the values its
      exact passes collect;
    * and the chunk in flight: its inputs and outputs and a float64 array and error codes
      for each of the ``steps`` formula steps (at most STEPS_LIVE), with room.

    Measured on the service (numpy backend): 4M trials of 1 input and 1 output held 451 MiB
    (estimate 515 MiB without samples, 580 MiB with samples=all); 400k trials of the bundled
    example (16 inputs, 7 outputs) with samples=all held 294 MiB (estimate 652 MiB).
    """
    count, inputs, outputs = int(count), int(inputs), int(outputs)
    row = 8 * inputs + 9 * outputs
    live = 9 * min(int(steps), STEPS_LIVE)
    temps = min(count, max(int(chunk), 1)) * (row + live + 16) * CHUNK_SLACK
    summary_row = 16 * inputs + 80  # inputs' ranks, and one output's copies and ranks
    if streamed:
        sub = min(count, SUBSAMPLE_MAX)
        # one output's float32 values copied for its percentiles; a bounded run keeps none
        # (its exact passes are in kept_bytes)
        copy = 0 if bounded_for(count, outputs) else 4 * count
        return kept_bytes(count, inputs, outputs) + copy + sub * summary_row + temps
    kept = count * row
    summary = count * summary_row
    npz = 0
    if samples == "all":
        npz = kept
    elif samples == "outputs":
        npz = count * 9 * outputs
    return kept + summary + npz + temps


def plan_job(count: int, inputs: int, outputs: int, samples: str, chunk: int,
             capacity: int, steps: int = 0) -> JobMemory:
    """The job's memory as it will run: in memory when that fits ``capacity``, else
    streamed when it may stream (no per-trial samples asked for)."""
    whole = job_bytes(count, inputs, outputs, samples, chunk, streamed=False, steps=steps)
    if whole <= capacity or samples != "none":
        return JobMemory(whole, False)
    return JobMemory(job_bytes(count, inputs, outputs, samples, chunk, streamed=True,
                               steps=steps), True)


def sheet_xml_bytes(book: bytes) -> int:
    """Uncompressed bytes of the workbook's sheet XML (what the cells are parsed from);
    the whole file's size where it is not a readable zip (the loader will say why)."""
    try:
        with zipfile.ZipFile(BytesIO(book)) as z:
            return sum(i.file_size for i in z.infolist()
                       if i.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return len(book)


def parse_bytes(book: bytes, max_cells: int) -> int:
    """An upper bound of what parsing and compiling ``book`` holds: the cells its sheet XML
    can describe (at least 16 bytes each), at most ``max_cells``, at BYTES_PER_CELL each."""
    cells = min(sheet_xml_bytes(book) // MIN_XML_PER_CELL + 1, int(max_cells))
    return len(book) + cells * BYTES_PER_CELL


def model_cells(model: Any) -> int:
    """Cells the parsed workbook holds."""
    book = getattr(model, "workbook", None)
    sheets = getattr(book, "sheets", {}) or {}
    return sum(len(getattr(s, "cells", ())) for s in sheets.values())


def model_bytes(model: Any) -> int:
    return model_cells(model) * BYTES_PER_CELL


def current_rss() -> int:
    """This process's resident memory in bytes (0 where /proc does not say)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"

