"""The correlation-matrix editor: a grid of the chosen inputs' rank correlations, checked as
the engine checks it (symmetric, ones on the diagonal, every entry in [-1, 1]) and, when
it is not positive semi-definite, told how far the nearest valid matrix the run will use
moves from it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from nicegui import ui

from engine.errors import McdeskError
from engine.spec import CorrelationSpec, _cell_key

from .notices import confirm
from .workspace import Workspace

log = logging.getLogger(__name__)

__all__ = ["CorrelationEditor", "check_correlation", "replace_group", "without_input"]


def check_correlation(cells: list[str], matrix: list[list[float]]) -> tuple[CorrelationSpec, str]:
    """The group as the run will use it and a one-line verdict; SpecError names what is
    wrong (an entry outside [-1, 1], a matrix that is not symmetric...)."""
    spec = CorrelationSpec(list(cells), [list(map(float, row)) for row in matrix])
    spec.prepare("correlation matrix")
    if spec.max_change > 0:
        return spec, ("not positive semi-definite: the run uses the nearest valid matrix "
                      f"(largest change {spec.max_change:.4g})")
    return spec, "valid: symmetric, ones on the diagonal, positive semi-definite"


def replace_group(groups: list[CorrelationSpec], new: CorrelationSpec) -> list[CorrelationSpec]:
    """``groups`` without those sharing an input with ``new``, then ``new``."""
    keys = {_cell_key(c) for c in new.inputs}
    kept = [g for g in groups if not keys & {_cell_key(c) for c in g.inputs}]
    return [*kept, new]


def without_input(groups: list[CorrelationSpec], cell: str) -> list[CorrelationSpec]:
    """``groups`` with ``cell``'s row and column taken out (a group left with one input
    goes)."""
    out = []
    key = _cell_key(cell)
    for g in groups:
        keep = [i for i, c in enumerate(g.inputs) if _cell_key(c) != key]
        if len(keep) == len(g.inputs):
            out.append(g)
        elif len(keep) >= 2:
            out.append(CorrelationSpec([g.inputs[i] for i in keep],
                                       [[g.matrix[i][j] for j in keep] for i in keep]))
    return out


class CorrelationEditor:
    """A dialog: choose the inputs, type their rank correlations above the diagonal (the
    grid mirrors them below), check, save."""

    def __init__(self, ws: Workspace, on_saved: Callable[[], None]) -> None:
        self.ws, self.on_saved = ws, on_saved
        self.cells: list[str] = []
        self.fields: dict[tuple[int, int], ui.number] = {}
        self.mirrors: dict[tuple[int, int], ui.label] = {}
        with ui.dialog() as self.dialog, ui.card().classes("min-w-[420px] max-w-[95vw]"):
            ui.label("Correlated inputs (rank correlation)").classes("text-lg font-medium")
            self.members = ui.select([], multiple=True, label="Inputs",
                                     on_change=self._members_changed).classes(
                "w-full").props("use-chips").mark("corr-inputs")
            self.grid_box = ui.column().classes("w-full overflow-auto")
            self.message = ui.label("").classes("text-sm").mark("corr-message")
            with ui.row().classes("w-full justify-end"):
                ui.button("Remove", on_click=self._remove).props("flat color=negative").mark(
                    "corr-remove")
                ui.button("Cancel", on_click=self.dialog.close).props("flat")
                ui.button("Check", on_click=self._check).props("outline").mark("corr-check")
                ui.button("Save", on_click=self._save).mark("corr-save")

    def open(self) -> None:
        """Open on the first correlation group, else on every input."""
        inputs = list(self.ws.inputs)
        if len(inputs) < 2:
            ui.notify("Correlations need at least two inputs", type="warning")
            return
        group = next(iter(self.ws.correlations), None)
        self.members.set_options(inputs)
        cells = [c for c in group.inputs if c in inputs] if group else inputs
        self._show(cells, group)
        self.dialog.open()

    def _show(self, cells: list[str], group: CorrelationSpec | None) -> None:
        self.cells = list(cells)
        self.members.value = list(cells)
        old = {} if group is None else {
            (a, b): group.matrix[i][j] for i, a in enumerate(group.inputs)
            for j, b in enumerate(group.inputs)}
        self.fields, self.mirrors = {}, {}
        self.grid_box.clear()
        n = len(self.cells)
        with self.grid_box, ui.grid(columns=n + 1).classes("gap-1 items-center"):
            ui.label("")
            for c in self.cells:
                ui.label(self.ws.inputs[c].name or c).classes("text-xs font-medium truncate")
            for i, a in enumerate(self.cells):
                ui.label(self.ws.inputs[a].name or a).classes("text-xs font-medium truncate")
                for j, b in enumerate(self.cells):
                    if i == j:
                        ui.label("1").classes("text-sm text-center")
                    elif j > i:
                        self.fields[(i, j)] = ui.number(
                            value=old.get((a, b), 0.0), min=-1, max=1, step=0.05, format="%.2f",
                            on_change=lambda _e, i=i, j=j: self._mirror(i, j)).props(
                            "dense").classes("w-20").mark(f"corr-{i}-{j}")
                    else:
                        self.mirrors[(j, i)] = ui.label(f"{old.get((a, b), 0.0):.2f}").classes(
                            "text-sm text-center text-gray-500")
        self.message.text = ""

    def _mirror(self, i: int, j: int) -> None:
        v = self.fields[(i, j)].value
        self.mirrors[(i, j)].text = "" if v is None else f"{float(v):.2f}"

    def _members_changed(self, _e=None) -> None:
        chosen = [c for c in (self.members.value or []) if c in self.ws.inputs]
        if chosen != self.cells:
            current = CorrelationSpec(self.cells, self.matrix()) if len(self.cells) >= 2 else None
            self._show(chosen, current)

    def matrix(self) -> list[list[float]]:
        """The grid as a full symmetric matrix (an empty field reads as 0)."""
        n = len(self.cells)
        m = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
        for (i, j), f in self.fields.items():
            v = f.value
            m[i][j] = m[j][i] = 0.0 if v is None else float(v)
        return m

    def _check(self) -> CorrelationSpec | None:
        try:
            spec, verdict = check_correlation(self.cells, self.matrix())
        except McdeskError as exc:
            self.message.text = str(exc)
            self.message.classes(replace="text-sm text-negative")
            return None
        self.message.text = verdict
        self.message.classes(replace="text-sm " + ("text-warning" if spec.max_change > 0
                                                   else "text-positive"))
        return spec

    def _save(self) -> None:
        if len(self.cells) < 2:
            self.message.text = "Choose at least two inputs"
            return
        spec = self._check()
        if spec is None:
            return
        self.ws.correlations = replace_group(self.ws.correlations,
                                             CorrelationSpec(list(self.cells), self.matrix()))
        self.dialog.close()
        confirm(f"Correlations saved: {len(self.cells)} inputs"
                + (f" ({self.message.text})" if spec.max_change > 0 else ""))
        self.on_saved()

    def _remove(self) -> None:
        keys = {_cell_key(c) for c in self.cells}
        self.ws.correlations = [g for g in self.ws.correlations
                                if not keys & {_cell_key(c) for c in g.inputs}]
        self.dialog.close()
        self.on_saved()
