"""Export a result: statistics and per-trial samples as CSV, XLSX or Parquet.

The sample writers stream to a file, a chunk of trials at a time, reporting progress and
stopping when cancelled (the page runs them in a worker thread, see
:mod:`mcdesk.app.export_panel`): CSV through pyarrow's CSV writer (shortest round-trip
decimal text, the C++ writer), XLSX through :mod:`mcdesk.app.xlsx_stream` (the sheet's XML
built by pyarrow's string kernels, compressed as it goes), Parquet through pyarrow (one row
group per chunk).  ``samples_csv`` and
``workbook_xlsx`` give the same files as bytes, for small results and tests.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from engine.errors import CancelledError, McdeskError
from engine.results import SimulationResult

log = logging.getLogger(__name__)

__all__ = ["CHUNK_ROWS", "FORMATS", "SAMPLE_ROWS_XLSX", "ExportJob", "samples_csv",
           "statistics_csv", "statistics_rows", "workbook_xlsx", "write_samples"]

SAMPLE_ROWS_XLSX = 1_048_575  # Excel's last row, under a header
CHUNK_ROWS = 65_536           # trials per chunk written (and per progress step)
_STAT_PERCENTILES = ("1", "5", "10", "25", "50", "75", "90", "95", "99")
FORMATS = {"csv": "samples.csv", "xlsx": "results.xlsx", "parquet": "samples.parquet"}

Labels = dict[str, str] | None


@dataclass
class ExportJob:
    """Progress of one export, shared between the writer's thread and the page."""

    total: int = 0
    done: int = 0
    cancel: threading.Event = field(default_factory=threading.Event)

    def step(self, done: int) -> None:
        if self.cancel.is_set():
            raise CancelledError("export cancelled")
        self.done = done

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def statistics_rows(result: SimulationResult, labels: Labels = None) -> list[list[Any]]:
    """A table: a header row (the outputs' addresses), a row of their names when ``labels``
    gives any, then one row per statistic, one column per output."""
    names = list(result.outputs)
    rows: list[list[Any]] = [["statistic", *names]]
    if labels and any(labels.get(n) for n in names):
        rows.append(["name", *[labels.get(n) or "" for n in names]])

    def row(label: str, get) -> None:
        rows.append([label, *[get(result.outputs[n]) for n in names]])

    row("trials ok", lambda s: s.count)
    row("errors", lambda s: s.errors)
    row("mean", lambda s: s.mean)
    row("std", lambda s: s.std)
    row("min", lambda s: s.min)
    for p in _STAT_PERCENTILES:
        row(f"P{p}", lambda s, p=p: s.percentiles.get(p))
    row("max", lambda s: s.max)
    _label_rows(rows, [result.outputs[n] for n in names])
    return rows


LABEL_ROW = "share "   # rows of label shares (engine.text_outputs) start with it


def _label_rows(rows: list[list[Any]], summaries: list[Any]) -> None:
    """Rows of the outputs' label shares (0..1), for outputs whose trials give text or
    logicals: "text trials", then "share <label>" per label (most frequent first)."""
    if not any(getattr(s, "labels", None) or getattr(s, "labels_other", 0) for s in summaries):
        return
    rows.append(["text trials", *[getattr(s, "text", 0) for s in summaries]])
    order: dict[str, None] = {}
    for s in summaries:
        order.update(dict.fromkeys(getattr(s, "labels", {})))
    for label in order:
        rows.append([LABEL_ROW + label, *[s.labels[label] / max(s.trials, 1)
                                           if label in getattr(s, "labels", {}) else None
                                           for s in summaries]])
    if any(getattr(s, "labels_other", 0) for s in summaries):
        rows.append([LABEL_ROW + "(other labels)",
                     *[getattr(s, "labels_other", 0) / max(s.trials, 1) for s in summaries]])


def statistics_csv(result: SimulationResult, labels: Labels = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for r in statistics_rows(result, labels):
        writer.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in r])
    return buf.getvalue().encode()


def _sample_columns(result: SimulationResult) -> dict[str, np.ndarray]:
    samples = result.samples
    if samples is None:
        return {}
    return {**samples.inputs, **samples.outputs}


def _rows(cols: dict[str, np.ndarray]) -> int:
    return len(next(iter(cols.values()))) if cols else 0


def _header(names: list[str], labels: Labels) -> list[str]:
    return [f"{labels[n]} ({n})" if labels and labels.get(n) else n for n in names]


def _text_columns(result: SimulationResult) -> dict[str, list]:
    """The outputs whose trials give text: each trial's text, or its number (NaN for an
    error), as :meth:`engine.simulate.Samples.labels` gives them."""
    samples = result.samples
    labels = getattr(samples, "labels", None)
    if samples is None or not callable(labels):
        return {}
    return {n: got for n in samples.outputs if (got := labels(n)) is not None}


def _csv_column(values: Any) -> Any:
    """A column of the CSV: float64 numbers, or (an output of text) the text where a trial
    gave text and each number's shortest round-trip text elsewhere."""
    import pyarrow as pa

    if isinstance(values, list):
        return pa.array([x if isinstance(x, str) else repr(float(x))
                         for x in values], type=pa.string())
    return pa.array(np.asarray(values, dtype=np.float64))


def _csv_to(out: BinaryIO, cols: dict[str, Any], job: ExportJob) -> None:
    """Header (addresses, as the SAMPLES contract says), then chunks of trials; every
    number in its shortest text that reads back to the same float64 (``nan`` for an error);
    an output of text holds the text where a trial gave text (engine.text_outputs)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = list(cols)
    out.write((",".join(_csv_field(n) for n in names) + "\n").encode())
    if not names:
        return
    n = _rows(cols)
    options = pacsv.WriteOptions(include_header=False)
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        batch = pa.record_batch([_csv_column(cols[k][start:stop]) for k in names],
                                names=[f"c{i}" for i in range(len(names))])
        pacsv.write_csv(batch, out, options)
        job.step(stop)


def _csv_field(name: str) -> str:
    return f'"{name.replace(chr(34), chr(34) * 2)}"' if any(c in name for c in ',"\n') else name


def _xlsx_to(target: Any, result: SimulationResult, cols: dict[str, np.ndarray],
             job: ExportJob, labels: Labels, max_rows: int) -> None:
    """Statistics and Samples sheets, streamed a chunk of trials at a time
    (:mod:`mcdesk.app.xlsx_stream`)."""
    from .xlsx_stream import number_rows, value_rows, write_workbook

    names = list(cols)
    n = min(max_rows, _rows(cols))

    def samples() -> Any:
        yield from value_rows([_header(names, labels)])
        for start in range(0, n, CHUNK_ROWS):
            stop = min(n, start + CHUNK_ROWS)
            yield number_rows([np.asarray(cols[k][start:stop]) for k in names])
            job.step(stop)

    write_workbook(target, [("Statistics", value_rows(statistics_rows(result, labels))),
                            ("Samples", samples())])


def _parquet_to(target: Any, cols: dict[str, np.ndarray], job: ExportJob,
                labels: Labels) -> None:
    """One float64 column per input and output, named by address (the names in the
    schema's metadata); one row group per chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = list(cols)
    meta = {b"mcdesk.names": repr({n: (labels or {}).get(n) for n in names}).encode()}
    schema = pa.schema([pa.field(n, pa.float64()) for n in names], metadata=meta)
    n = _rows(cols)
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for start in range(0, n, CHUNK_ROWS):
            stop = min(n, start + CHUNK_ROWS)
            writer.write_batch(pa.record_batch(
                [pa.array(np.asarray(cols[k][start:stop], dtype=np.float64)) for k in names],
                schema=schema))
            job.step(stop)


def write_samples(result: SimulationResult, path: Path, kind: str, job: ExportJob | None = None,
                  labels: Labels = None, max_rows: int = SAMPLE_ROWS_XLSX) -> Path:
    """Write the samples (``kind`` ``csv`` or ``parquet``) or statistics and samples
    (``xlsx``) to ``path``, a chunk at a time; ``job`` gets the progress and may cancel
    (CancelledError; the partial file is removed)."""
    job = job or ExportJob()
    cols = _sample_columns(result)
    job.total = min(max_rows, _rows(cols)) if kind == "xlsx" else _rows(cols)
    tmp = path.with_name(f".{path.name}.part")
    try:
        if kind == "csv":
            with open(tmp, "wb") as fh:
                _csv_to(fh, {**cols, **_text_columns(result)}, job)
        elif kind == "xlsx":
            _xlsx_to(str(tmp), result, cols, job, labels, max_rows)
        elif kind == "parquet":
            _parquet_to(str(tmp), cols, job, labels)
        else:
            raise McdeskError(f"export: unknown format {kind!r} (csv, xlsx or parquet)")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("exported %d trials as %s to %s", job.total, kind, path)
    return path


def samples_csv(result: SimulationResult) -> bytes:
    """One row per trial, one column per input and output, headed by cell address."""
    buf = io.BytesIO()
    _csv_to(buf, {**_sample_columns(result), **_text_columns(result)}, ExportJob())
    return buf.getvalue()


def workbook_xlsx(result: SimulationResult, max_rows: int = SAMPLE_ROWS_XLSX,
                  labels: Labels = None) -> bytes:
    """An .xlsx with a Statistics sheet and a Samples sheet (the first ``max_rows`` trials;
    Excel holds no more)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.xlsx"
        write_samples(result, path, "xlsx", labels=labels, max_rows=max_rows)
        return path.read_bytes()
