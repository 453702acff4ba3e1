"""Export a result: statistics and per-trial samples as CSV or XLSX bytes (for download)."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

from engine.results import SimulationResult

__all__ = ["SAMPLE_ROWS_XLSX", "samples_csv", "statistics_csv", "statistics_rows", "workbook_xlsx"]

SAMPLE_ROWS_XLSX = 1_048_575  # Excel's last row, under a header
_STAT_PERCENTILES = ("1", "5", "10", "25", "50", "75", "90", "95", "99")


def statistics_rows(result: SimulationResult, labels: dict[str, str] | None = None,
                    ) -> list[list[Any]]:
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
    return rows


def statistics_csv(result: SimulationResult) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for r in statistics_rows(result):
        writer.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in r])
    return buf.getvalue().encode()


def _sample_columns(result: SimulationResult) -> dict[str, np.ndarray]:
    samples = result.samples
    if samples is None:
        return {}
    return {**samples.inputs, **samples.outputs}


def samples_csv(result: SimulationResult) -> bytes:
    """One row per trial, one column per input and output, headed by cell address."""
    cols = _sample_columns(result)
    names = list(cols)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    if names:
        mat = np.column_stack([np.asarray(cols[n], dtype=float) for n in names])
        np.savetxt(buf, mat, delimiter=",", fmt="%.17g")
    return buf.getvalue().encode()


def workbook_xlsx(result: SimulationResult, max_rows: int = SAMPLE_ROWS_XLSX) -> bytes:
    """An .xlsx with a Statistics sheet and a Samples sheet (the first ``max_rows`` trials;
    Excel holds no more)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    stats = wb.create_sheet("Statistics")
    for r in statistics_rows(result):
        stats.append(r)
    cols = _sample_columns(result)
    sheet = wb.create_sheet("Samples")
    names = list(cols)
    sheet.append(names)
    if names:
        n = min(max_rows, len(next(iter(cols.values()))))
        mat = np.column_stack([np.asarray(cols[k][:n], dtype=float) for k in names])
        for line in mat:
            sheet.append([None if not np.isfinite(x) else float(x) for x in line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
