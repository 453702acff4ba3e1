"""Names of the inputs and outputs, editable: each starts as the label the workbook gives the
cell (engine.labels); a name typed here replaces it everywhere (lists, statistics, charts,
exports, reports, RESULT.json) and is kept in the project.  An empty name goes back to the
workbook's label."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from engine.errors import McdeskError

from .notices import confirm
from .workspace import Workspace

__all__ = ["NamesDialog"]


class NamesDialog:
    def __init__(self, ws: Workspace, saved: Callable[[], None]) -> None:
        self.ws, self.saved = ws, saved
        self.fields: dict[str, ui.input] = {}
        with ui.dialog() as self.dialog, ui.card().classes("w-[560px]"):
            ui.label("Names of the inputs and outputs").classes("text-lg font-medium")
            ui.label("Empty: the label the workbook gives the cell.").classes(
                "text-xs text-gray-600")
            self.box = ui.column().classes("w-full gap-0 max-h-[60vh] overflow-auto")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat")
                ui.button("Save names", on_click=self.save).mark("names-save")

    def open(self) -> None:
        if self.ws.model is None:
            ui.notify("Open a workbook first", type="warning")
            return
        self.box.clear()
        self.fields = {}
        with self.box:
            for title, cells in (("Inputs", list(self.ws.inputs)), ("Outputs", self.ws.outputs)):
                if not cells:
                    continue
                ui.label(title).classes("text-sm font-medium mt-2")
                for cell in cells:
                    with ui.row().classes("w-full items-center no-wrap gap-2"):
                        ui.label(cell).classes("text-sm w-32 shrink-0")
                        self.fields[cell] = ui.input(
                            value=self.ws.names.get(cell, self.ws.auto_label(cell) or ""),
                            placeholder=self.ws.auto_label(cell) or "no label in the workbook",
                        ).props("dense").classes("grow").mark(f"name-{cell}")
            if not self.fields:
                ui.label("No inputs or outputs yet.").classes("text-sm text-gray-500")
        self.dialog.open()

    def save(self) -> None:
        try:
            for cell, field in self.fields.items():
                self.ws.rename(cell, field.value or "")
        except McdeskError as exc:
            ui.notify(str(exc), type="negative")
            return
        self.dialog.close()
        confirm("Names saved")
        self.saved()
