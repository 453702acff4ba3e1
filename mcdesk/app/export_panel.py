"""Exports and reports off the event loop: the file is written in a worker thread into the
user's export folder while a dialog shows the rows written and offers Cancel; then the
browser downloads it.  Reports are engine.report's self-contained HTML and XLSX."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from nicegui import run, ui

from engine.errors import CancelledError, McdeskError

from . import export
from .notices import confirm
from .workspace import Workspace

log = logging.getLogger(__name__)

__all__ = ["ExportPanel", "report_file"]

KIND_LABELS = {"csv": "samples (.csv)", "xlsx": "statistics and samples (.xlsx)",
               "parquet": "samples (.parquet)"}


def report_file(ws: Workspace, kind: str, path: Path) -> Path:
    """The run's report (``html`` or ``xlsx``) written to ``path`` (blocking)."""
    from engine.report import report_data, write_html, write_xlsx  # noqa: PLC0415

    result = ws.result
    if result is None:
        raise McdeskError("Run a simulation first")
    spec = ws.run_spec
    names = ws.labels([*result.outputs, *(i.cell for i in (spec.inputs if spec else [])),
                       *(result.samples.inputs if result.samples is not None else [])])
    data = report_data(result, spec, ws.book_name or None, names=names, statistics={
        cell: {**got, "name": ws.label(cell)} for cell, got in ws.statistics.items()})
    if ws.simtable is not None:
        t = ws.simtable
        data["simtable"] = {"cell": t.cell, "runs": [{"value": v, **r.to_dict()}
                                                     for v, r in zip(t.values, t.results,
                                                                     strict=True)]}
    tmp = path.with_name(f".{path.name}.part")  # the file appears whole, or not at all
    try:
        (write_html if kind == "html" else write_xlsx)(tmp, data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class ExportPanel:
    """A dialog that follows one export at a time; ``folder()`` is where files go."""

    def __init__(self, ws: Workspace, folder: Callable[[], Path]) -> None:
        self.ws, self.folder = ws, folder
        self.job: export.ExportJob | None = None
        with ui.dialog().props("persistent") as self.dialog, ui.card().classes("w-96"):
            self.title = ui.label("").classes("text-lg")
            self.bar = ui.linear_progress(value=0, show_value=False).classes("w-full")
            self.progress = ui.label("").classes("text-sm").mark("export-progress")
            ui.button("Cancel", icon="stop", on_click=self.cancel).props(
                "outline color=negative").mark("export-cancel")
        self.timer = ui.timer(0.25, self._tick, active=False)
        self.status = ""  # the last export's outcome (tests read it)

    def _target(self, filename: str) -> Path:
        folder = self.folder() / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():  # one export kept at a time: the one being downloaded
            if old.is_file():
                old.unlink(missing_ok=True)
        return folder / filename

    def _stem(self) -> str:
        return Path(self.ws.book_name).stem or "mcdesk"

    async def samples(self, kind: str) -> Path | None:
        result = self.ws.result
        if result is None:
            ui.notify("Run a simulation first", type="warning")
            return None
        if self.job is not None:
            ui.notify("An export is being written; wait for it or cancel it", type="warning")
            return None
        path = self._target(f"{self._stem()} {export.FORMATS[kind]}")
        job = self.job = export.ExportJob()
        labels = self.ws.labels([*(result.samples.inputs if result.samples else []),
                                 *result.outputs])
        self.title.text = f"Writing the {KIND_LABELS[kind]}"
        self.bar.set_value(0)
        self.progress.text = "Starting..."
        self.dialog.open()
        self.timer.activate()
        started = time.perf_counter()
        try:
            await run.io_bound(export.write_samples, result, path, kind, job, labels)
        except CancelledError:
            self.status = "Export cancelled"
            ui.notify(self.status, type="warning")
            return None
        except (McdeskError, OSError) as exc:
            self.status = f"Export failed: {exc}"
            ui.notify(self.status, type="negative")
            return None
        finally:
            self.timer.deactivate()
            self.dialog.close()
            self.job = None
        self.status = (f"Exported {job.total:,} trials as {kind.upper()} in "
                       f"{time.perf_counter() - started:.2f} s")
        confirm(self.status)
        ui.download.file(path, path.name)
        return path

    async def report(self, kind: str) -> Path | None:
        if self.ws.result is None:
            ui.notify("Run a simulation first", type="warning")
            return None
        path = self._target(f"{self._stem()} report.{kind}")
        notice = ui.notification(f"Writing the {kind.upper()} report...", spinner=True,
                                 timeout=None)
        try:
            await run.io_bound(report_file, self.ws, kind, path)
        except (McdeskError, OSError) as exc:
            self.status = f"Report failed: {exc}"
            ui.notify(self.status, type="negative")
            return None
        finally:
            notice.dismiss()
        self.status = f"Report written: {path.name}"
        confirm(self.status)
        ui.download.file(path, path.name)
        return path

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel.set()
            self.progress.text = "Cancelling..."

    def _tick(self) -> None:
        job = self.job
        if job is None or not job.total:
            return
        self.bar.set_value(job.fraction)
        self.progress.text = f"{job.done:,} / {job.total:,} trials written"
